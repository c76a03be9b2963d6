"""An export whose files were complete when its run was cut short (the database dropped the
transaction recording it, or its worker died) is recorded from that folder by the next run,
once; a folder the job did not write is still refused."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, timedelta
from pathlib import Path

import pytest

from support.api import create_campaign_with_items, judge_next
from support.db_faults import EVERY_FAULT, database_drops_out_at, skip_unless_possible


@pytest.fixture
def export_job(as_user, unique):  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"recover-{unique}"
    create_campaign_with_items(researcher, slug, n_items=3, redundancy=1)
    annotator = as_user()
    for _ in range(3):
        judge_next(annotator, slug, {"preference": {"choice": "A"}})
    created = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "dpo"})
    assert created.status_code == 202, created.text
    return created.json()["id"]


@EVERY_FAULT
def test_an_export_the_database_dropped_while_recording_it_is_recorded_once(
    how, export_job, db, monkeypatch
):
    from prefhub.exports.tasks import execute_export
    from prefhub.jobs import runner
    from prefhub.models import ExportJob

    skip_unless_possible(how)
    monkeypatch.setattr(runner.time, "sleep", lambda _: None)
    # The folder is written and renamed into place; the transaction recording it fails.
    with database_drops_out_at("UPDATE EXPORT_JOBS", how) as failed:
        execute_export(export_job)
    assert failed

    with db() as session:
        job = session.get_one(ExportJob, export_job)
        status, error, folder = job.status.value, job.error_message, Path(job.folder or "")
        files, attempts = job.files, job.attempts
    assert (status, error, attempts) == ("succeeded", None, 1)
    assert sorted(p.name for p in folder.parent.glob(f"{folder.name}*")) == [folder.name]
    manifest = json.loads((folder / "manifest.json").read_text())
    # The manifest's files, then manifest.json itself (its checksum cannot be inside it).
    assert files[:-1] == manifest["files"] and files[-1]["name"] == "manifest.json"
    for entry in files:
        assert hashlib.sha256((folder / entry["name"]).read_bytes()).hexdigest() == entry["sha256"]
    assert len((folder / "dpo.jsonl").read_text().splitlines()) == 3


def test_a_complete_folder_older_than_the_job_is_still_refused(export_job, db):
    from prefhub.exports import service
    from prefhub.exports.tasks import execute_export
    from prefhub.models import Campaign, ExportJob

    with db() as session:
        job = session.get_one(ExportJob, export_job)
        campaign = session.get_one(Campaign, job.campaign_id)
        folder, created_at = service.default_folder(campaign, job), job.created_at
        slug = campaign.slug
    # Another database's export with the same job id, in the same export root.
    folder.mkdir(parents=True)
    manifest = folder / "manifest.json"
    manifest.write_text(json.dumps({"format": "dpo", "campaign": {"slug": slug}, "files": []}))
    old = (created_at - timedelta(hours=1)).replace(tzinfo=UTC).timestamp()
    os.utime(manifest, (old, old))

    execute_export(export_job)
    with db() as session:
        job = session.get_one(ExportJob, export_job)
        assert (job.status.value, job.error_code) == ("failed", "bad_export_destination")
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json"]  # left as it was
