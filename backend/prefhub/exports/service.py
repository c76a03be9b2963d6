"""Export jobs: create, run (streaming, batch by batch), describe and serve their files."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from prefhub import __version__
from prefhub.campaigns.service import spec_of
from prefhub.exports.exceptions import (
    BadExportDestination,
    ExportFileNotFound,
    ExportNotFound,
    ExportNotReady,
)
from prefhub.exports.formats.dpo import DpoWriter, JudgmentRecord
from prefhub.exports.formats.judgments import JudgmentsWriter
from prefhub.exports.pseudonyms import Pseudonymizer
from prefhub.exports.schemas import ExportOptions
from prefhub.kit.enqueue import enqueue_after_commit
from prefhub.kit.time import utcnow
from prefhub.models import Campaign, Candidate, ExportJob, ExportStatus, Item, Judgment, User
from prefhub.settings import get_settings

BATCH_SIZE = 2000
WRITERS = {"dpo": DpoWriter, "judgments": JudgmentsWriter}
ProgressCallback = Callable[[int, int], None]


def create_job(
    session: Session, campaign: Campaign, user: User | None, options: ExportOptions
) -> ExportJob:
    job = ExportJob(
        campaign_id=campaign.id,
        created_by_id=user.id if user else None,
        format=options.format,
        options=options.model_dump(),
        status=ExportStatus.queued,
    )
    session.add(job)
    session.flush()
    return job


def queue_job(session: Session, job: ExportJob) -> None:
    from prefhub.exports.tasks import run_export  # tasks import this module

    enqueue_after_commit(session, run_export, job.id, expires=24 * 3600)


def get_job(session: Session, job_id: int) -> ExportJob:
    job = session.get(ExportJob, job_id)
    if job is None:
        raise ExportNotFound(f"No export job {job_id}")
    return job


def jobs_for(session: Session, campaign: Campaign) -> list[ExportJob]:
    return list(
        session.scalars(
            select(ExportJob)
            .where(ExportJob.campaign_id == campaign.id)
            .order_by(ExportJob.id.desc())
            .limit(100)
        )
    )


def default_folder(campaign: Campaign, job: ExportJob) -> Path:
    return get_settings().export_root / f"{campaign.slug}-{job.format}-{job.id:06d}"


def file_path(session: Session, job: ExportJob, name: str) -> Path:
    """Only files the job itself recorded can be served: no path tricks."""
    if job.status != ExportStatus.succeeded or not job.folder:
        raise ExportNotReady(f"Export {job.id} is {job.status.value}")
    if name not in {f["name"] for f in job.files} | {"manifest.json"}:
        raise ExportFileNotFound(f"Export {job.id} has no file '{name}'")
    return Path(job.folder) / name


def _load_batch(
    session: Session, campaign_id: int, after_id: int, pseudonym: Pseudonymizer, current_only: bool
) -> list[JudgmentRecord]:
    newer = aliased(Judgment)
    superseded = exists().where(newer.supersedes_id == Judgment.id)
    query = (
        select(
            Judgment.id,
            Judgment.revision,
            Judgment.supersedes_id,
            superseded.label("superseded"),
            Judgment.annotator_id,
            Judgment.item_id,
            Judgment.answers,
            Judgment.shown_order,
            Judgment.time_spent_ms,
            Judgment.campaign_version,
            Judgment.created_at,
        )
        .where(Judgment.campaign_id == campaign_id, Judgment.id > after_id)
        .order_by(Judgment.id)
        .limit(BATCH_SIZE)
    )
    if current_only:
        query = query.where(~superseded)
    judgments = session.execute(query).all()
    if not judgments:
        return []
    item_ids = {j.item_id for j in judgments}
    items = {
        row.id: (row.external_id, row.context)
        for row in session.execute(
            select(Item.id, Item.external_id, Item.context).where(Item.id.in_(item_ids))
        )
    }
    candidates: dict[int, dict[int, tuple[list[dict[str, Any]], str | None]]] = {}
    rounds: dict[int, int] = {}
    for row in session.execute(
        select(
            Candidate.id,
            Candidate.item_id,
            Candidate.content,
            Candidate.model_name,
            Candidate.round,
        ).where(Candidate.item_id.in_(item_ids))
    ):
        candidates.setdefault(row.item_id, {})[row.id] = (row.content, row.model_name)
        rounds[row.id] = row.round
    return [
        JudgmentRecord(
            judgment_id=j.id,
            annotator_pseudonym=pseudonym(j.annotator_id),
            item_external_id=items[j.item_id][0],
            context=items[j.item_id][1],
            answers=j.answers,
            shown_order=j.shown_order,
            candidates=candidates.get(j.item_id, {}),
            time_spent_ms=j.time_spent_ms,
            campaign_version=j.campaign_version,
            created_at=j.created_at.isoformat(timespec="seconds") + "Z",
            revision=j.revision,
            supersedes_id=j.supersedes_id,
            is_current=not j.superseded,
            rounds={rounds[cid] for cid in j.shown_order if cid in rounds},
        )
        for j in judgments
    ]


def iter_records(
    session: Session, campaign_id: int, pseudonym: Pseudonymizer, *, current_only: bool = True
) -> Iterator[list[JudgmentRecord]]:
    """Keyset pagination by judgment id: constant memory, deterministic order."""
    after_id = 0
    while batch := _load_batch(session, campaign_id, after_id, pseudonym, current_only):
        yield batch
        after_id = batch[-1].judgment_id


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_export(
    session: Session,
    campaign: Campaign,
    options: ExportOptions,
    destination: Path,
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Write the export folder and return its manifest. Reads only; the caller commits.

    Files are written to a sibling ``.partial`` folder and renamed at the end, so a crashed
    run never leaves a folder that looks complete.
    """
    if destination.exists() and any(destination.iterdir()):
        raise BadExportDestination(f"{destination} exists and is not empty")
    partial = destination.with_name(destination.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)

    kinds = {q.id: q.kind for q in spec_of(campaign).questions}
    writer = WRITERS[options.format](campaign.slug, kinds, conversational=options.conversational)
    counted = func.count(Judgment.id) - func.count(Judgment.supersedes_id)
    if not writer.current_only:
        counted = func.count(Judgment.id)
    # Every superseded judgment has exactly one successor naming it (a unique column).
    total = int(session.scalar(select(counted).where(Judgment.campaign_id == campaign.id)) or 0)
    pseudonym = Pseudonymizer(options.salt)
    data_name = f"{options.format}.jsonl"
    rows = judgments = filtered = 0
    annotators: set[str] = set()
    with (partial / data_name).open("w", encoding="utf-8") as out:
        for batch in iter_records(
            session, campaign.id, pseudonym, current_only=writer.current_only
        ):
            lines = []
            for record in batch:
                if options.rounds is not None and not record.rounds <= set(options.rounds):
                    filtered += 1
                    continue
                annotators.add(record.annotator_pseudonym)
                for row in writer.rows(record):
                    lines.append(json.dumps(row, ensure_ascii=False))
            if lines:
                out.write("\n".join(lines) + "\n")
            rows += len(lines)
            judgments += len(batch)
            if on_progress:
                on_progress(judgments, total)

    files = [
        {
            "name": data_name,
            "size": (partial / data_name).stat().st_size,
            "sha256": _sha256(partial / data_name),
        }
    ]
    manifest = {
        "prefhub_version": __version__,
        "format": options.format,
        "options": options.model_dump(exclude={"salt"}) | {"salted": bool(options.salt)},
        "aggregation": "none",
        "filters": {"rounds": options.rounds},
        "campaign": {
            "slug": campaign.slug,
            "name": campaign.name,
            "version": campaign.version,
            "spec": campaign.spec,
        },
        "counts": {
            "rows": rows,
            "judgments": judgments,
            "annotators": len(annotators),
            "filtered_out": filtered,
            "skipped_no_preference": dict(sorted(writer.skipped.items())),
        },
        "files": files,
    }
    (partial / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n", "utf-8"
    )
    if destination.exists():
        destination.rmdir()
    partial.rename(destination)
    return manifest


def mark_running(session: Session, job: ExportJob) -> None:
    job.status = ExportStatus.running
    job.started_at = utcnow()
    job.error = None


def mark_succeeded(session: Session, job: ExportJob, folder: Path, manifest: dict) -> None:
    job.status = ExportStatus.succeeded
    job.folder = str(folder.resolve())
    job.files = manifest["files"]
    job.row_count = manifest["counts"]["rows"]
    job.progress_done = job.progress_total = manifest["counts"]["judgments"]
    job.finished_at = utcnow()


def mark_failed(session: Session, job: ExportJob, error: str) -> None:
    job.status = ExportStatus.failed
    job.error = error[:4000]
    job.finished_at = utcnow()


def record_progress(session: Session, job_id: int, done: int, total: int) -> None:
    job = session.get_one(ExportJob, job_id)
    job.progress_done, job.progress_total = done, total
