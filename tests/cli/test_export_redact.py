"""``prefhub exports redact``: exports written before completion codes were kept out of them
lose the code and the return URL, in place, with the sha256 the manifest and the job record kept
true; exports without them, and the data files, are left byte for byte."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlalchemy import select

CODE = "C0MPLETE-PAYME-7731"
URL = f"https://crowd.example.org/submissions/complete?cc={CODE}"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _as_written_before(folder: Path) -> None:
    """Make an export folder look as the code before the fix wrote it: the manifest's spec held
    the crowd link's settings whole, and the card quoted them."""
    manifest = json.loads((folder / "manifest.json").read_text())
    participation = manifest["campaign"]["spec"].setdefault("participation", {})
    participation["crowd"] = {"completion_code": CODE, "completion_url": URL, "target_count": 5}
    card = folder / "README.md"
    card.write_text(card.read_text() + f"\nCrowd workers returned to {URL} with code {CODE}.\n")
    for entry in manifest["files"]:
        if entry["name"] == "README.md":
            entry.update(size=card.stat().st_size, sha256=_sha256(card))
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def _assert_clean_and_true(folder: Path) -> dict:
    for path in folder.rglob("*"):
        if path.is_file():
            text = path.read_text("utf-8", "replace")
            assert CODE not in text and "crowd.example.org" not in text, path.name
    manifest = json.loads((folder / "manifest.json").read_text())
    crowd = manifest["campaign"]["spec"]["participation"]["crowd"]
    assert crowd == {"completion_code": "[redacted]", "target_count": 5}
    for entry in manifest["files"]:  # the card's new bytes are the ones recorded
        assert _sha256(folder / entry["name"]) == entry["sha256"], entry["name"]
        assert (folder / entry["name"]).stat().st_size == entry["size"]
    return manifest


def test_redacting_an_export_folder_written_by_the_cli(cli, judged, tmp_path):
    old, clean = tmp_path / "old", tmp_path / "clean"
    assert cli("export", judged, "--out", str(old)).exit_code == 0
    assert cli("export", judged, "--out", str(clean)).exit_code == 0
    _as_written_before(old)
    data_before = _sha256(old / "dpo.jsonl")
    clean_before = {p.name: _sha256(p) for p in clean.iterdir()}

    result = cli("exports", "redact", str(old), str(clean))

    assert result.exit_code == 0, result.output
    assert "redacted 1 of 2 export folders" in result.output
    _assert_clean_and_true(old)
    assert _sha256(old / "dpo.jsonl") == data_before
    assert "Crowd workers returned to [redacted] with code [redacted]." in (
        (old / "README.md").read_text()
    )
    assert {p.name: _sha256(p) for p in clean.iterdir()} == clean_before
    # Run again: nothing left to do.
    again = cli("exports", "redact", str(old))
    assert "redacted 0 of 1 export folders" in again.output


def test_redacting_every_stored_export_keeps_the_job_record_true(cli, judged, db):
    from prefhub.exports.tasks import execute_export
    from prefhub.models import Campaign, ExportJob, JobStatus, User

    with db() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.slug == judged))
        owner = session.get(User, campaign.owner_id)
        job = ExportJob(campaign_id=campaign.id, format="dpo", options={}, owner_id=owner.id)
        session.add(job)
        session.commit()
        job_id = job.id
    execute_export(job_id)
    with db() as session:
        job = session.get(ExportJob, job_id)
        assert job.status == JobStatus.succeeded
        folder = Path(job.folder)
    _as_written_before(folder)
    with db() as session:  # the job recorded the files as they were written then
        job = session.get(ExportJob, job_id)
        job.files = [
            entry
            | {"size": (folder / entry["name"]).stat().st_size}
            | {"sha256": _sha256(folder / entry["name"])}
            for entry in job.files
        ]
        session.commit()

    result = cli("exports", "redact")

    assert result.exit_code == 0, result.output
    assert str(folder) in result.output
    _assert_clean_and_true(folder)
    with db() as session:
        recorded = {f["name"]: f for f in session.get(ExportJob, job_id).files}
    for name in ("manifest.json", "README.md"):
        assert recorded[name]["sha256"] == _sha256(folder / name), name
