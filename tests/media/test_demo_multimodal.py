"""`prefhub seed-demo` adds demo-multimodal: images and tones made by the project, imported
through the real media path, served, and rated by simulated annotators."""

from __future__ import annotations

import io
import wave

from PIL import Image
from sqlalchemy import select


def test_the_multimodal_demo_has_real_images_and_sounds(migrated, db, as_user):
    from typer.testing import CliRunner

    from prefhub.cli import app
    from prefhub.media.storage import path_of
    from prefhub.models import Campaign, Candidate, Item, MediaAsset

    runner = CliRunner()
    assert runner.invoke(app, ["seed-demo"]).exit_code == 0
    with db() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.slug == "demo-multimodal"))
        items = session.scalars(select(Item).where(Item.campaign_id == campaign.id)).all()
        parts = [
            c.content[0]
            for c in session.scalars(
                select(Candidate).where(Candidate.item_id.in_([i.id for i in items]))
            )
        ]
        assets = {
            a.sha256: a
            for a in session.scalars(
                select(MediaAsset).where(MediaAsset.sha256.in_([p["sha256"] for p in parts]))
            )
        }
    assert len(items) == 7 and all(i.status.value == "ready" for i in items)
    kinds = sorted(p["type"] for p in parts)
    assert kinds == ["audio"] * 6 + ["image"] * 8
    for part in parts:
        data = path_of(assets[part["sha256"]].storage_key).read_bytes()
        if part["type"] == "image":
            assert Image.open(io.BytesIO(data)).size == (256, 256) and part["alt"]
        else:
            with wave.open(io.BytesIO(data)) as wav:
                assert wav.getframerate() == 16_000 and wav.getnframes() > 0
            assert part["duration_ms"] == assets[part["sha256"]].duration_ms > 0
    # The good and the bad answer of an item differ.
    assert len({p["sha256"] for p in parts}) == len(parts)

    simulated = runner.invoke(
        app, ["simulate", "demo-multimodal", "--annotators", "3", "--judgments", "6"]
    )
    assert simulated.exit_code == 0 and "made 6 judgments" in simulated.output
    # An annotator of the campaign can fetch what they are shown.
    annotator = as_user("annotator")
    task = annotator.get("/api/annotate/demo-multimodal/next").json()["task"]
    for candidate in task["candidates"]:
        media = annotator.get(f"/api/media/{candidate['content'][0]['sha256']}")
        assert media.status_code == 200
        assert media.headers["content-type"] in ("image/png", "audio/wav", "audio/x-wav")
