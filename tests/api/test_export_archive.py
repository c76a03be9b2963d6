"""An export's files as the API lists them (manifest.json, the card and croissant.json among
them, each with its size and sha256) and "download all": the whole folder as one streamed zip,
for the export's manager only, once the export has succeeded."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from support.api import create_campaign_with_items
from support.media import prompt_images_campaign

METADATA_FILES = {"manifest.json", "README.md", "croissant.json"}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _run_export(researcher, slug: str, **options: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from prefhub.exports.tasks import execute_export

    job = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "dpo", **options})
    assert job.status_code == 202, job.text
    execute_export(job.json()["id"])
    finished = researcher.get(f"/api/exports/{job.json()['id']}").json()
    assert finished["status"] == "succeeded", finished
    return finished


def _folder(db, job_id: int) -> Path:  # type: ignore[no-untyped-def]
    from prefhub.models import ExportJob

    with db() as session:
        return Path(session.scalar(select(ExportJob.folder).where(ExportJob.id == job_id)))


def _folder_files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture
def media_export(as_user, db, unique):  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"arc-{unique}"
    prompt_images_campaign(researcher, slug)
    job = _run_export(researcher, slug)
    return researcher, slug, job, _folder(db, job["id"])


def test_the_listing_names_manifest_card_and_croissant_with_the_folders_checksums(media_export):
    researcher, slug, job, folder = media_export
    on_disk = _folder_files(folder)
    listed = {f["name"]: f for f in job["files"]}
    # Every file of the folder, each once, with its real size and sha256.
    assert len(listed) == len(job["files"]) and set(listed) == set(on_disk)
    assert METADATA_FILES | {"dpo.jsonl"} <= set(listed)
    assert any(name.startswith("media/") for name in listed)
    for name, data in on_disk.items():
        assert (listed[name]["size"], listed[name]["sha256"]) == (len(data), _sha256(data)), name
    # manifest.json lists every other file; its own entry is the job's record.
    manifest = json.loads(on_disk["manifest.json"])
    assert {f["name"] for f in manifest["files"]} == set(listed) - {"manifest.json"}
    # The campaign's list says the same, and every listed file downloads, media/ included.
    in_list = researcher.get(f"/api/campaigns/{slug}/exports").json()["exports"]
    assert next(e for e in in_list if e["id"] == job["id"])["files"] == job["files"]
    for name, data in on_disk.items():
        served = researcher.get(f"/api/exports/{job['id']}/files/{name}")
        assert served.status_code == 200 and served.content == data, name


def test_download_all_streams_a_zip_holding_exactly_the_folder(media_export):
    researcher, slug, job, folder = media_export
    listed = {f["name"]: f["sha256"] for f in job["files"]}
    with researcher.stream("GET", f"/api/exports/{job['id']}/archive") as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/zip"
        stem = f"{slug}-dpo-{job['id']}"
        assert response.headers["content-disposition"] == f'attachment; filename="{stem}.zip"'
        assert "content-length" not in response.headers  # streamed as it is made
        body = b"".join(response.iter_bytes())

    on_disk = _folder_files(folder)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.testzip() is None
        members = {i.filename.removeprefix(f"{stem}/"): i for i in archive.infolist()}
        assert all(i.filename.startswith(f"{stem}/") for i in archive.infolist())
        assert set(members) == set(on_disk) == set(listed)
        for name, info in members.items():
            data = archive.read(info)
            assert data == on_disk[name] and _sha256(data) == listed[name], name
            compressed = name.endswith((".jsonl", ".json", ".md"))
            assert info.compress_type == (
                zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
            ), name
    # The manifest inside the zip checks every other member.
    manifest = json.loads(on_disk["manifest.json"])
    assert {f["name"]: f["sha256"] for f in manifest["files"]} == {
        n: s for n, s in listed.items() if n != "manifest.json"
    }


def test_the_zip_stream_holds_about_one_read_in_memory_whatever_the_export_size(tmp_path):
    from prefhub.exports.service import zip_stream

    folder = tmp_path / "big"
    (folder / "media").mkdir(parents=True)
    sizes = {"media/a.mp4": 24 << 20, "media/b.wav": 8 << 20, "dpo.jsonl": 8 << 20}
    line = b'{"prompt": "Which is better?", "chosen": "This one.", "rejected": "That one."}\n'
    for name, size in sizes.items():
        with (folder / name).open("wb") as out:
            for _ in range(size >> 20):  # media: incompressible; rows: text
                out.write(os.urandom(1 << 20) if name.startswith("media/") else line * (1 << 20))
        os.truncate(folder / name, size)
    digests = {n: _sha256((folder / n).read_bytes()) for n in sizes}

    target = tmp_path / "big.zip"
    tracemalloc.start()
    try:
        with target.open("wb") as out:
            for chunk in zip_stream(folder, list(sizes), "big"):
                out.write(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 40 MiB zipped through a few MiB: a read, its deflated or stored copy, and the sink.
    assert peak < 6 << 20, peak
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        assert {i.filename: i.file_size for i in archive.infolist()} == {
            f"big/{n}": s for n, s in sizes.items()
        }
        for name, digest in digests.items():
            with archive.open(f"big/{name}") as member:
                hashed = hashlib.sha256()
                while block := member.read(1 << 20):
                    hashed.update(block)
            assert hashed.hexdigest() == digest, name


def test_download_all_is_the_managers_and_only_for_a_succeeded_export(
    as_user, new_client, db, unique
):
    from prefhub.models import Job, JobStatus

    researcher = as_user("researcher")
    slug = f"arq-{unique}"
    create_campaign_with_items(researcher, slug, n_items=2, redundancy=1)
    queued = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "judgments"})
    job_id = queued.json()["id"]

    def refusal(client, path: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
        response = client.get(path)
        return response.status_code, response.json()["error"]["code"]

    archive, files = f"/api/exports/{job_id}/archive", f"/api/exports/{job_id}/files/README.md"
    not_ready = (409, "export_not_ready")
    assert refusal(researcher, archive) == refusal(researcher, files) == not_ready
    for status in (JobStatus.running, JobStatus.failed, JobStatus.cancelled):
        with db() as session:
            session.execute(update(Job).where(Job.id == job_id).values(status=status))
        assert refusal(researcher, archive) == not_ready, status

    finished = _run_export(researcher, slug, format="judgments")
    archive = f"/api/exports/{finished['id']}/archive"
    files = f"/api/exports/{finished['id']}/files/manifest.json"
    assert researcher.get(archive).status_code == 200
    assert as_user("admin").get(archive).status_code == 200
    # Another researcher's export does not exist for them, as on the files route.
    other = as_user("researcher")
    assert refusal(other, archive) == refusal(other, files) == (404, "export_not_found")
    assert refusal(researcher, "/api/exports/2147483647/archive") == (404, "export_not_found")
    assert refusal(as_user("annotator"), archive) == (403, "forbidden")
    assert refusal(new_client(), archive) == (401, "not_authenticated")

    # A folder that lost a file is refused before the first byte, not cut short.
    (_folder(db, finished["id"]) / "README.md").unlink()
    assert refusal(researcher, archive) == (404, "export_file_not_found")


def test_an_export_recorded_before_manifest_json_was_listed_still_lists_and_zips_it(
    as_user, db, unique
):
    from prefhub.models import ExportJob

    researcher = as_user("researcher")
    slug = f"aro-{unique}"
    create_campaign_with_items(researcher, slug, n_items=2, redundancy=1)
    job = _run_export(researcher, slug, format="judgments")
    with db() as session:
        old = session.get_one(ExportJob, job["id"])
        old.files = [f for f in old.files if f["name"] != "manifest.json"]
    again = researcher.get(f"/api/exports/{job['id']}").json()
    assert again["files"] == job["files"] and "manifest.json" in {f["name"] for f in job["files"]}
    body = researcher.get(f"/api/exports/{job['id']}/archive").content
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = {i.filename.split("/", 1)[1] for i in archive.infolist()}
    assert names == {f["name"] for f in job["files"]}
