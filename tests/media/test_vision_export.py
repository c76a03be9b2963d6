"""A campaign with images in its prompts exports `dpo` in TRL's vision form: message content as
parts, the files copied into media/ and listed in `images`, checksummed in the manifest;
`datasets` decodes the images. (Media *candidates* are not TRL's vision form: they export as
image_pairs / audio_pairs, tests/exports/test_media_pairs.py.)"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlalchemy import select

from support.media import prompt_images_campaign


def _export(researcher, db, slug: str, **options) -> Path:
    from prefhub.exports.tasks import execute_export
    from prefhub.models import ExportJob

    job = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "dpo", **options})
    assert job.status_code == 202, job.text
    execute_export(job.json()["id"])
    with db() as session:
        folder = session.scalar(select(ExportJob.folder).where(ExportJob.id == job.json()["id"]))
    return Path(folder)


def test_vision_dpo_export_loads_with_datasets_and_decodes_its_images(db, as_user, unique):
    import datasets

    researcher = as_user("researcher")
    slug = f"look-{unique}"
    prompt_images_campaign(researcher, slug)
    folder = _export(researcher, db, slug)
    manifest = json.loads((folder / "manifest.json").read_text())
    rows = [json.loads(line) for line in (folder / "dpo.jsonl").read_text().splitlines()]
    assert rows and len(rows) == manifest["counts"]["rows"]

    # Every file the rows name is in media/, listed in the manifest with its sha256.
    listed = {f["name"]: f for f in manifest["files"]}
    named = {p for row in rows for p in row["images"] + row["audios"] + row["videos"]}
    assert named == {n for n in listed if n.startswith("media/")} and len(named) == 3
    for name in named:
        data = (folder / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == listed[name]["sha256"] == Path(name).stem

    for row in rows:
        # The images are the prompt's, one placeholder each, in order; the replies are text.
        content = row["prompt"][0]["content"]
        assert content[0]["type"] == "text"
        assert content[1:] == [{"type": "image"}] * len(row["images"])
        assert len(row["images"]) == (1 if row["metadata"]["item_id"] == "look-0" else 2)
        for column in ("chosen", "rejected"):
            assert [part["type"] for part in row[column][0]["content"]] == ["text"]

    loaded = datasets.load_dataset("json", data_files=str(folder / "dpo.jsonl"), split="train")
    absolute = loaded.map(lambda r: {"images": [str(folder / p) for p in r["images"]]})
    decoded = absolute.cast_column("images", datasets.Sequence(datasets.Image()))
    for example in decoded:
        assert all(image.size == (12, 12) for image in example["images"])

    # Exporting the same database again gives the same data file and media.
    again = _export(researcher, db, slug)
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


def test_vision_kto_export_lists_the_prompt_images(db, as_user, unique):
    import datasets

    from prefhub.exports.tasks import execute_export

    researcher = as_user("researcher")
    slug = f"look-kto-{unique}"
    prompt_images_campaign(researcher, slug)
    job = researcher.post(
        f"/api/campaigns/{slug}/exports", json={"format": "kto", "kto_from_preferences": True}
    )
    assert job.status_code == 202, job.text
    done = execute_export(job.json()["id"])
    assert done is not None and done.status.value == "succeeded", done and done.error_message
    folder = Path(done.folder)
    rows = [json.loads(line) for line in (folder / "kto.jsonl").read_text().splitlines()]
    assert rows and {r["label"] for r in rows} == {True, False}
    for row in rows:
        # The prompt's pictures; the completion is text.
        assert row["completion"][0]["content"][0]["type"] == "text"
        assert row["images"] and all((folder / path).is_file() for path in row["images"])
    loaded = datasets.load_dataset("json", data_files=str(folder / "kto.jsonl"), split="train")
    decoded = loaded.map(lambda r: {"images": [str(folder / p) for p in r["images"]]}).cast_column(
        "images", datasets.Sequence(datasets.Image())
    )
    assert all(image.size == (12, 12) for example in decoded for image in example["images"])

    # A consensus export keeps the vision form, and copies the files its rows name.
    job = researcher.post(
        f"/api/campaigns/{slug}/exports",
        json={"format": "dpo", "aggregation": "bradley_terry", "file_format": "parquet"},
    )
    assert job.status_code == 202, job.text
    done = execute_export(job.json()["id"])
    assert done is not None and done.status.value == "succeeded", done and done.error_message
    import pyarrow.parquet as pq

    folder = Path(done.folder)
    consensus = pq.read_table(folder / "dpo.parquet").to_pylist()
    assert consensus and all(r["metadata"]["aggregation"] == "bradley_terry" for r in consensus)
    named = {path for r in consensus for kind in ("images", "audios", "videos") for path in r[kind]}
    assert all(r["images"] for r in consensus) and all((folder / p).is_file() for p in named)
    assert {f["name"] for f in done.files if f["name"].startswith("media/")} == named
