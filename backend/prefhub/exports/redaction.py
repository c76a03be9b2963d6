"""Exports written before crowd completion codes were kept out of them: redact in place.

Until exports read the campaign through ``snapshot.public_spec``, a crowd campaign's manifest
held its link's completion code and return URL (how crowd workers get paid; a qualification
phase's screen-out code likewise), and anything else
in the folder may have copied them. ``redact_folder`` rewrites such a folder: the manifest's
spec becomes the public one, and the code and URL are replaced wherever the card or the
Croissant hold them; the sha256 and sizes the manifest (and the job) record follow. The data
files are never touched: rows never held the code.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefhub.exports.service import MANIFEST_NAME, file_entry
from prefhub.exports.snapshot import REDACTED, public_spec
from prefhub.models import ExportJob, JobStatus

# Text files an export writes beside its rows that describe the campaign.
DESCRIPTIONS = ("README.md", "croissant.json")


@dataclass
class RedactionReport:
    checked: int = 0
    redacted: list[str] = field(default_factory=list)  # folders rewritten
    missing: list[str] = field(default_factory=list)  # recorded folders no longer there


def payment_secrets(manifest: dict[str, Any]) -> list[str]:
    """The completion code, return URL and screen-out code a manifest still holds, if any."""
    spec = (manifest.get("campaign") or {}).get("spec") or {}
    crowd = (spec.get("participation") or {}).get("crowd")
    qualification = (spec.get("quality") or {}).get("qualification")
    found = []
    if isinstance(crowd, dict):
        found += [crowd.get("completion_code"), crowd.get("completion_url")]
    if isinstance(qualification, dict):
        found.append(qualification.get("screen_out_code"))
    return [value for value in found if isinstance(value, str) and value and value != REDACTED]


def redact_folder(folder: Path) -> bool:
    """Rewrite an export folder whose files hold a completion code or return URL; whether it
    did. The manifest is replaced last and atomically: a run cut short is run again."""
    manifest_path = folder / MANIFEST_NAME
    manifest = json.loads(manifest_path.read_text("utf-8"))
    secrets = payment_secrets(manifest)
    if not secrets:
        return False
    entries = {entry["name"]: entry for entry in manifest.get("files", [])}
    for name in DESCRIPTIONS:
        path = folder / name
        if not path.is_file():
            continue
        text = path.read_text("utf-8")
        cleaned = _without(text, secrets)
        if cleaned != text:
            _replace(path, cleaned)
            if name in entries:
                entries[name].update(_size_and_sha256(path))
    manifest["campaign"]["spec"] = public_spec(manifest["campaign"]["spec"])
    _replace(
        manifest_path, json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    )
    return True


def redact_stored_exports(session: Session) -> RedactionReport:
    """Every finished export the database records; the files each job lists follow."""
    report = RedactionReport()
    jobs = session.scalars(
        select(ExportJob)
        .where(ExportJob.status == JobStatus.succeeded, ExportJob.folder.is_not(None))
        .order_by(ExportJob.id)
    )
    for job in jobs:
        assert job.folder is not None  # the query's condition
        folder = Path(job.folder)
        report.checked += 1
        if not (folder / MANIFEST_NAME).is_file():
            report.missing.append(str(folder))
            continue
        if redact_folder(folder):
            report.redacted.append(str(folder))
            job.files = [
                entry | _size_and_sha256(folder / entry["name"])
                if entry["name"] in (MANIFEST_NAME, *DESCRIPTIONS)
                else entry
                for entry in job.files
            ]
    return report


def _without(text: str, secrets: list[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):  # a URL may contain the code
        for form in {secret, json.dumps(secret, ensure_ascii=False)[1:-1]}:
            text = text.replace(form, REDACTED)
    return text


def _size_and_sha256(path: Path) -> dict[str, Any]:
    entry = file_entry(path.parent, path.name)
    return {"size": entry["size"], "sha256": entry["sha256"]}


def _replace(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".redacting")
    temporary.write_text(text, "utf-8")
    os.replace(temporary, path)
