"""Deleting a campaign removes its export folders from disk, not only its rows: the folders
its exports wrote under the export root (a crashed one's ``.partial`` too), while another
campaign's exports and a folder an operator chose with ``--out`` stay. A file that cannot be
removed is logged; the deletion still answers 204."""

from __future__ import annotations

import logging
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from support.api import create_campaign_with_items


def _judged_and_exported(researcher, annotator, slug: str, formats: tuple[str, ...]) -> list[Path]:  # type: ignore[no-untyped-def]
    """A campaign with one judgment and an export per format; their folders."""
    from prefhub.exports.tasks import execute_export

    create_campaign_with_items(researcher, slug, n_items=2)
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    submitted = annotator.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": task["assignment_id"],
            "client_id": str(uuid.uuid4()),
            "answers": {"preference": {"choice": "A"}},
        },
    )
    assert submitted.status_code == 200, submitted.text
    folders = []
    for fmt in formats:
        job = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": fmt})
        assert job.status_code == 202, job.text
        execute_export(job.json()["id"])
        done = researcher.get(f"/api/exports/{job.json()['id']}").json()
        assert done["status"] == "succeeded", done
        folders.append(_folder_of(job.json()["id"]))
    return folders


def _folder_of(job_id: int) -> Path:
    from prefhub.kit.db import unit_of_work
    from prefhub.models import ExportJob

    with unit_of_work(read_only=True) as session:
        folder = session.get_one(ExportJob, job_id).folder
    assert folder is not None
    return Path(folder)


def _archive_and_delete(researcher, slug: str):  # type: ignore[no-untyped-def]
    for status in ("closed", "archived"):
        moved = researcher.post(f"/api/campaigns/{slug}/status", json={"status": status})
        assert moved.status_code == 200, moved.text
    judgments = researcher.get(f"/api/campaigns/{slug}").json()["contents"]["judgments"]
    return researcher.delete(
        f"/api/campaigns/{slug}", params={"confirm": slug, "judgments": judgments}
    )


def test_deleting_a_campaign_removes_its_export_folders_and_nothing_else(as_user, unique, tmp_path):
    from prefhub.exports.service import PARTIAL_MARKER
    from prefhub.exports.tasks import execute_export
    from prefhub.settings import get_settings

    researcher, annotator = as_user("researcher"), as_user()
    slug, other = f"gone-{unique}", f"kept-{unique}"
    folders = _judged_and_exported(researcher, annotator, slug, ("dpo", "judgments"))
    root = get_settings().export_root.resolve()
    assert all(f.is_relative_to(root) and (f / "manifest.json").is_file() for f in folders)

    # An export whose worker died halfway left its marked .partial folder.
    crashed = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "kto"}).json()
    partial = root / f"{slug}-kto-{crashed['id']:06d}.partial"
    partial.mkdir(parents=True)
    (partial / PARTIAL_MARKER).write_text("prefhub writes an export here\n")
    (partial / "kto.jsonl").write_text("{}\n")
    # An operator's export to a folder of their choosing (as `prefhub export --out` does).
    mine = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "dpo"}).json()
    chosen = tmp_path / "my-export"
    execute_export(mine["id"], chosen)
    assert (chosen / "dpo.jsonl").is_file()
    # A link where an export's folder would be is removed, and what it points to is not.
    linked = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "dpo"}).json()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("not an export\n")
    link = root / f"{slug}-dpo-{linked['id']:06d}"
    link.symlink_to(elsewhere, target_is_directory=True)
    # Another campaign's export, whose name starts like this one's.
    (kept,) = _judged_and_exported(researcher, as_user(), other, ("dpo",))

    deleted = _archive_and_delete(researcher, slug)
    assert deleted.status_code == 204, deleted.text

    for folder in (*folders, partial):
        assert not folder.exists(), f"{folder} outlived its campaign"
    assert not link.is_symlink() and (elsewhere / "keep.txt").is_file()
    assert (chosen / "dpo.jsonl").is_file(), "the operator's own folder was removed"
    assert (kept / "dpo.jsonl").is_file()
    listed = researcher.get(f"/api/campaigns/{other}/exports").json()
    kept_job = next(e for e in listed["exports"] if e["status"] == "succeeded")
    download = researcher.get(f"/api/exports/{kept_job['id']}/files/dpo.jsonl")
    assert download.status_code == 200 and download.text.strip()


def test_a_file_that_cannot_be_removed_is_logged_and_the_deletion_still_succeeds(
    as_user, unique, caplog
):
    researcher, annotator = as_user("researcher"), as_user()
    slug = f"stuck-{unique}"
    (folder,) = _judged_and_exported(researcher, annotator, slug, ("dpo",))
    stuck = folder / "dpo.jsonl"
    # Immutable: not even root may unlink it (a real failure, not a mocked one).
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(stuck)]).returncode:
        pytest.skip("chattr +i is not available on this filesystem")
    try:
        with caplog.at_level(logging.ERROR, logger="prefhub.campaigns.deletion"):
            deleted = _archive_and_delete(researcher, slug)
        assert deleted.status_code == 204, deleted.text
        assert researcher.get(f"/api/campaigns/{slug}").status_code == 404
        assert stuck.is_file()
        assert not (folder / "manifest.json").exists(), "the other files were not removed"
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert any(str(stuck) in message for message in errors), errors
    finally:
        subprocess.run(["chattr", "-i", str(stuck)], check=False)
        shutil.rmtree(folder, ignore_errors=True)
