"""A campaign with image and audio candidates exports `dpo` in TRL's vision form: message
content as parts, the files copied into media/ and listed in `images` / `audios`, checksummed
in the manifest; `datasets` decodes the images."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlalchemy import select


def _export(researcher, db, slug: str, **options) -> Path:
    from prefhub.exports.tasks import execute_export
    from prefhub.models import ExportJob

    job = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "dpo", **options})
    assert job.status_code == 202, job.text
    execute_export(job.json()["id"])
    with db() as session:
        folder = session.scalar(select(ExportJob.folder).where(ExportJob.id == job.json()["id"]))
    return Path(folder)


def test_vision_dpo_export_loads_with_datasets_and_decodes_its_images(migrated, db, as_user):
    import datasets
    from typer.testing import CliRunner

    from prefhub.cli import app
    from prefhub.models import Campaign, User

    runner = CliRunner()
    assert runner.invoke(app, ["seed-demo"]).exit_code == 0
    simulated = runner.invoke(
        app,
        ["simulate", "demo-multimodal", "--annotators", "3", "--judgments", "14", "--seed", "4"],
    )
    assert simulated.exit_code == 0, simulated.output
    researcher = as_user("researcher")
    with db() as session:
        # The demo belongs to the demo admin; hand it to this researcher to export it.
        campaign = session.scalar(select(Campaign).where(Campaign.slug == "demo-multimodal"))
        campaign.owner_id = session.get_one(User, researcher.user_id).id
    folder = _export(researcher, db, "demo-multimodal")
    manifest = json.loads((folder / "manifest.json").read_text())
    rows = [json.loads(line) for line in (folder / "dpo.jsonl").read_text().splitlines()]
    assert rows and len(rows) == manifest["counts"]["rows"]

    # Every file the rows name is in media/, listed in the manifest with its sha256.
    listed = {f["name"]: f for f in manifest["files"]}
    named = {p for row in rows for p in row["images"] + row["audios"] + row["videos"]}
    assert named == {n for n in listed if n.startswith("media/")}
    for name in named:
        data = (folder / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == listed[name]["sha256"] == Path(name).stem

    images = [r for r in rows if r["images"]]
    sounds = [r for r in rows if r["audios"]]
    assert images and sounds
    for row in images:
        # Text-to-image: the chosen and rejected answers are pictures, in column order.
        assert row["chosen"] == [{"role": "assistant", "content": [{"type": "image"}]}]
        assert row["rejected"][0]["content"] == [{"type": "image"}]
        assert row["prompt"][0]["content"][0]["type"] == "text" and len(row["images"]) == 2
    for row in sounds:
        assert row["chosen"][0]["content"] == [{"type": "audio"}] and len(row["audios"]) == 2

    loaded = datasets.load_dataset("json", data_files=str(folder / "dpo.jsonl"), split="train")
    with_images = loaded.filter(lambda r: len(r["images"]) > 0)
    absolute = with_images.map(lambda r: {"images": [str(folder / p) for p in r["images"]]})
    decoded = absolute.cast_column("images", datasets.Sequence(datasets.Image()))
    for example in decoded:
        assert [image.size for image in example["images"]] == [(256, 256), (256, 256)]
        assert example["chosen"][0]["content"][0]["type"] == "image"

    # Exporting the same database again gives the same data file and media.
    again = _export(researcher, db, "demo-multimodal")
    assert (again / "dpo.jsonl").read_bytes() == (folder / "dpo.jsonl").read_bytes()
    assert json.loads((again / "manifest.json").read_text())["files"] == manifest["files"]


def test_text_campaigns_keep_plain_string_content(as_user, db, unique):
    from support.api import create_campaign_with_items

    researcher = as_user("researcher")
    slug = f"plain-{unique}"
    create_campaign_with_items(researcher, slug, n_items=1, redundancy=1)
    annotator = as_user("annotator")
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    annotator.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": task["assignment_id"],
            "client_id": f"c-{unique}",
            "answers": {"preference": {"choice": "A"}},
        },
    )
    folder = _export(researcher, db, slug)
    (row,) = [json.loads(line) for line in (folder / "dpo.jsonl").read_text().splitlines()]
    assert isinstance(row["chosen"][0]["content"], str) and "images" not in row
    assert not (folder / "media").exists()


def test_vision_kto_export_lists_the_completion_images(migrated, db, as_user):
    import datasets
    from typer.testing import CliRunner

    from prefhub.cli import app
    from prefhub.models import Campaign, User

    runner = CliRunner()
    assert runner.invoke(app, ["seed-demo"]).exit_code == 0
    runner.invoke(app, ["simulate", "demo-multimodal", "--annotators", "3", "--judgments", "14"])
    researcher = as_user("researcher")
    with db() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.slug == "demo-multimodal"))
        campaign.owner_id = session.get_one(User, researcher.user_id).id
    from prefhub.exports.tasks import execute_export
    from prefhub.models import ExportJob

    job = researcher.post(
        "/api/campaigns/demo-multimodal/exports",
        json={"format": "kto", "kto_from_preferences": True},
    )
    assert job.status_code == 202, job.text
    execute_export(job.json()["id"])
    with db() as session:
        folder = Path(
            session.scalar(select(ExportJob.folder).where(ExportJob.id == job.json()["id"]))
        )
    rows = [json.loads(line) for line in (folder / "kto.jsonl").read_text().splitlines()]
    pictures = [r for r in rows if r["images"]]
    assert pictures and {r["label"] for r in rows} == {True, False}
    for row in pictures:
        # One picture per row: the completion's, after the (text-only) prompt.
        assert row["completion"] == [{"role": "assistant", "content": [{"type": "image"}]}]
        assert len(row["images"]) == 1 and (folder / row["images"][0]).is_file()
    loaded = datasets.load_dataset("json", data_files=str(folder / "kto.jsonl"), split="train")
    decoded = (
        loaded.filter(lambda r: len(r["images"]) > 0)
        .map(lambda r: {"images": [str(folder / p) for p in r["images"]]})
        .cast_column("images", datasets.Sequence(datasets.Image()))
    )
    assert all(example["images"][0].size == (256, 256) for example in decoded)

    # A consensus export keeps the vision form, and copies the files its rows name.
    job = researcher.post(
        "/api/campaigns/demo-multimodal/exports",
        json={"format": "dpo", "aggregation": "bradley_terry", "file_format": "parquet"},
    )
    assert job.status_code == 202, job.text
    done = execute_export(job.json()["id"])
    assert done is not None and done.status.value == "succeeded", done and done.error
    import pyarrow.parquet as pq

    folder = Path(done.folder)
    consensus = pq.read_table(folder / "dpo.parquet").to_pylist()
    assert consensus and all(r["metadata"]["aggregation"] == "bradley_terry" for r in consensus)
    named = {path for r in consensus for kind in ("images", "audios", "videos") for path in r[kind]}
    assert any(r["images"] for r in consensus) and all((folder / p).is_file() for p in named)
    assert {f["name"] for f in done.files if f["name"].startswith("media/")} == named
