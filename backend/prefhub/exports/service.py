"""Export jobs: create, run (streaming, batch by batch), describe and serve their files."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Text, cast, exists, func, select
from sqlalchemy.orm import Session, aliased

from prefhub import __version__
from prefhub.campaigns.service import spec_of
from prefhub.exports.exceptions import (
    BadExportDestination,
    ExportFileNotFound,
    ExportNotFound,
    ExportNotReady,
    UnsupportedExport,
)
from prefhub.exports.formats.dpo import DpoWriter, JudgmentRecord, MediaFiles, dumps_row
from prefhub.exports.formats.items import (
    FeedbackWriter,
    ItemWriter,
    KtoWriter,
    RankingWriter,
    RatingsWriter,
    RewardWriter,
)
from prefhub.exports.formats.judgments import JudgmentsWriter
from prefhub.exports.formats.siblings import TreeDpoWriter, TreeKtoWriter, TreeRankingWriter
from prefhub.exports.formats.trees import TreesWriter
from prefhub.exports.pseudonyms import Pseudonymizer
from prefhub.exports.schemas import ExportOptions
from prefhub.exports.tree_records import count_trees, has_media, iter_trees
from prefhub.kit.enqueue import enqueue_after_commit
from prefhub.kit.time import utcnow
from prefhub.media.storage import copy_media
from prefhub.models import (
    Campaign,
    CampaignMedia,
    Candidate,
    ExportJob,
    ExportStatus,
    Item,
    Judgment,
    MediaAsset,
    TreeState,
    User,
)
from prefhub.settings import get_settings

BATCH_SIZE = 10_000
# The summary key that carries the media files to copy (never written to the manifest).
MEDIA_KEY = "_media"
WRITERS: dict[str, Any] = {
    "dpo": DpoWriter,
    "judgments": JudgmentsWriter,
    "kto": KtoWriter,
    "reward": RewardWriter,
    "ranking": RankingWriter,
    "ratings": RatingsWriter,
    "feedback": FeedbackWriter,
}
TREE_WRITERS = {
    "trees": TreesWriter,
    "dpo": TreeDpoWriter,
    "ranking": TreeRankingWriter,
    "kto": TreeKtoWriter,
}
ProgressCallback = Callable[[int, int], None]


def create_job(
    session: Session, campaign: Campaign, user: User | None, options: ExportOptions
) -> ExportJob:
    check_supported(campaign, options)
    job = ExportJob(
        campaign_id=campaign.id,
        created_by_id=user.id if user else None,
        format=options.format,
        options=options.model_dump(mode="json"),
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
            # As text: decoded below once per distinct value (most answers repeat).
            cast(Judgment.answers, Text).label("answers"),
            cast(Judgment.shown_order, Text).label("shown_order"),
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
    # Core rows, not the ORM's: an export reads millions of them.
    connection = session.connection()
    judgments = connection.execute(query).all()
    if not judgments:
        return []
    # The batch's items by a subquery over its id range, not thousands of bound ids.
    item_ids = select(Judgment.item_id).where(
        Judgment.campaign_id == campaign_id,
        Judgment.id > after_id,
        Judgment.id <= judgments[-1][0],
    )
    items = {
        item_id: (external_id, context)
        for item_id, external_id, context in connection.execute(
            select(Item.id, Item.external_id, Item.context).where(Item.id.in_(item_ids))
        ).all()
    }
    candidates: dict[int, dict[int, tuple[list[dict[str, Any]], str | None]]] = {}
    rounds: dict[int, int] = {}
    for row in connection.execute(
        select(
            Candidate.id,
            Candidate.item_id,
            Candidate.content,
            Candidate.model_name,
            Candidate.round,
        ).where(Candidate.item_id.in_(item_ids))
    ).all():
        # Rows unpacked as tuples: reading a Row's attributes by name costs more per row.
        candidate_id, item_id, content, model_name, round_ = row
        candidates.setdefault(item_id, {})[candidate_id] = (content, model_name)
        rounds[candidate_id] = round_
    decoded: dict[str, Any] = {}
    shown_rounds: dict[str, set[int]] = {}

    def load(text: str) -> Any:
        found = decoded.get(text)
        if found is None:
            found = decoded[text] = json.loads(text)
        return found

    def rounds_shown(text: str) -> set[int]:
        found = shown_rounds.get(text)
        if found is None:
            found = shown_rounds[text] = {rounds[c] for c in load(text) if c in rounds}
        return found

    return [
        JudgmentRecord(
            judgment_id=judgment_id,
            annotator_pseudonym=pseudonym(annotator_id),
            item_external_id=items[item_id][0],
            context=items[item_id][1],
            answers=load(answers),
            shown_order=load(shown_order),
            candidates=candidates.get(item_id, {}),
            time_spent_ms=time_spent_ms,
            campaign_version=campaign_version,
            created_at=created_at.isoformat(timespec="seconds") + "Z",
            revision=revision,
            supersedes_id=supersedes_id,
            is_current=not is_superseded,
            rounds=rounds_shown(shown_order),
        )
        for (
            judgment_id,
            revision,
            supersedes_id,
            is_superseded,
            annotator_id,
            item_id,
            answers,
            shown_order,
            time_spent_ms,
            campaign_version,
            created_at,
        ) in judgments
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
    check_supported(campaign, options)
    if destination.exists() and any(destination.iterdir()):
        raise BadExportDestination(f"{destination} exists and is not empty")
    partial = destination.with_name(destination.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)

    data_name = f"{options.format}.jsonl"
    write_rows = _write_tree_rows if is_tree_campaign(campaign) else _write_judgment_rows
    with (partial / data_name).open("w", encoding="utf-8") as out:
        summary = write_rows(session, campaign, options, out, on_progress)
    files = [
        {
            "name": data_name,
            "size": (partial / data_name).stat().st_size,
            "sha256": _sha256(partial / data_name),
        }
    ]
    files += _copy_media(session, summary.pop(MEDIA_KEY, {}), partial)
    manifest = {
        "prefhub_version": __version__,
        "format": options.format,
        "options": options.model_dump(mode="json", exclude={"salt"})
        | {"salted": bool(options.salt)},
        "campaign": {
            "slug": campaign.slug,
            "name": campaign.name,
            "version": campaign.version,
            "spec": campaign.spec,
        },
        "files": files,
    } | summary
    (partial / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n", "utf-8"
    )
    if destination.exists():
        destination.rmdir()
    partial.rename(destination)
    return manifest


def _media_names(session: Session, campaign: Campaign) -> dict[str, str]:
    """The campaign's media as export file names: ``<sha256>.<ext>``."""
    return {
        sha: f"{sha}{Path(key).suffix}"
        for sha, key in session.execute(
            select(MediaAsset.sha256, MediaAsset.storage_key)
            .join(CampaignMedia, CampaignMedia.asset_id == MediaAsset.id)
            .where(CampaignMedia.campaign_id == campaign.id)
        )
    }


def _copy_media(session: Session, used: dict[str, str], folder: Path) -> list[dict[str, Any]]:
    """Copy the media files rows refer to into ``media/``; their manifest entries. The sha256
    is the file's name and is checked again on the copy."""
    if not used:
        return []
    keys = dict(
        session.execute(
            select(MediaAsset.sha256, MediaAsset.storage_key).where(
                MediaAsset.sha256.in_(list(used))
            )
        ).all()
    )
    (folder / "media").mkdir()
    entries = []
    for sha, name in sorted(used.items()):
        target = folder / "media" / name
        copy_media(keys[sha], target)
        digest = _sha256(target)
        if digest != sha:
            raise RuntimeError(f"media file {keys[sha]} does not match its sha256 {sha}")
        entries.append({"name": f"media/{name}", "size": target.stat().st_size, "sha256": digest})
    return entries


def is_tree_campaign(campaign: Campaign) -> bool:
    return spec_of(campaign).trees is not None


def check_supported(campaign: Campaign, options: ExportOptions) -> None:
    """Refuse, before any work, an export the campaign's kind cannot give."""
    tree = is_tree_campaign(campaign)
    kind, formats = ("conversation-tree", TREE_WRITERS) if tree else ("item", WRITERS)
    if options.format not in formats:
        later = "are not built yet" if tree else "need a conversation-tree campaign"
        raise UnsupportedExport(
            f"'{options.format}' exports of {kind} campaigns {later}; "
            f"{kind} campaigns export as {', '.join(formats)}"
        )
    if tree and options.rounds is not None:
        raise UnsupportedExport("Tree campaigns have no generation rounds to filter by")
    if not tree and options.tree_states is not None:
        raise UnsupportedExport("tree_states applies to conversation-tree campaigns only")


def _write_lines(out: TextIO, rows: Iterable[dict[str, Any]]) -> int:
    lines = [json.dumps(row, ensure_ascii=False, sort_keys=True) for row in rows]
    if lines:
        out.write("\n".join(lines) + "\n")
    return len(lines)


def _annotator_ids(row: dict[str, Any]) -> list[str]:
    ids = row["metadata"]["annotator_id"]
    return [ids] if isinstance(ids, str) else ids


def _encoder(writer: Any) -> Callable[[JudgmentRecord], Iterable[str]]:
    """A writer's rows as JSON lines: its own ``lines()`` where it has one (dpo: prompts and
    completions encoded once each, not once per row), else each row dumped."""
    if hasattr(writer, "lines"):
        return writer.lines
    return lambda record: map(dumps_row, writer.rows(record))


def _write_judgment_rows(
    session: Session,
    campaign: Campaign,
    options: ExportOptions,
    out: TextIO,
    on_progress: ProgressCallback | None,
) -> dict[str, Any]:
    questions = spec_of(campaign).questions
    kinds = {q.id: q.kind for q in questions}
    writer = WRITERS[options.format](campaign.slug, kinds, conversational=options.conversational)
    if isinstance(writer, ItemWriter):
        writer.questions = {q.id: q for q in questions}
    media_names = _media_names(session, campaign)
    with_media = isinstance(writer, (DpoWriter, ItemWriter))
    if media_names and with_media:
        writer.media = MediaFiles(media_names)
    counted = func.count(Judgment.id) - func.count(Judgment.supersedes_id)
    if not writer.current_only:
        counted = func.count(Judgment.id)
    # Every superseded judgment has exactly one successor naming it (a unique column).
    total = int(session.scalar(select(counted).where(Judgment.campaign_id == campaign.id)) or 0)
    pseudonym = Pseudonymizer(options.salt)
    rows = judgments = filtered = 0
    annotators: set[str] = set()
    encode = _encoder(writer)
    for batch in iter_records(session, campaign.id, pseudonym, current_only=writer.current_only):
        kept: list[str] = []
        for record in batch:
            if options.rounds is not None and not record.rounds <= set(options.rounds):
                filtered += 1
                continue
            annotators.add(record.annotator_pseudonym)
            kept.extend(encode(record))
        if kept:
            out.write("\n".join(kept) + "\n")
        rows += len(kept)
        judgments += len(batch)
        if on_progress:
            on_progress(judgments, total)
    return {
        MEDIA_KEY: (
            {sha: media_names[sha] for sha in sorted(writer.media.used)}
            if with_media and writer.media
            else {}
        ),
        "aggregation": "none",
        "filters": {"rounds": options.rounds},
        "counts": {
            "rows": rows,
            "judgments": judgments,
            "annotators": len(annotators),
            "filtered_out": filtered,
            # "skipped_no_preference" is the name dpo's manifests have always used.
            ("skipped_no_preference" if options.format in ("dpo", "judgments") else "skipped"): (
                dict(sorted(writer.skipped.items()))
            ),
        },
    }


def _write_tree_rows(
    session: Session,
    campaign: Campaign,
    options: ExportOptions,
    out: TextIO,
    on_progress: ProgressCallback | None,
) -> dict[str, Any]:
    """Tree by tree, a batch of trees in memory at a time, in tree id order."""
    states = options.tree_states or [TreeState.ready_for_export]
    states = sorted(set(states), key=list(TreeState).index)
    if options.format == "trees":
        writer: Any = TreesWriter(campaign.slug, media=has_media(session, campaign.id, states))
    else:
        writer = TREE_WRITERS[options.format](campaign.slug, options.conversational)
    total = count_trees(session, campaign.id, states)
    pseudonym = Pseudonymizer(options.salt)
    rows = trees = 0
    annotators: set[str] = set()
    for batch in iter_trees(session, campaign.id, states, pseudonym):
        kept = [row for tree in batch for row in writer.rows(tree)]
        for row in kept:
            annotators.update(_annotator_ids(row))
        rows += _write_lines(out, kept)
        trees += len(batch)
        if on_progress:
            on_progress(trees, total)
    return {
        # Consensus rows follow the campaign's method; dpo keeps every ranking ("none").
        "aggregation": (
            writer.aggregation
            if writer.aggregation == "none"
            else spec_of(campaign).trees.consensus  # type: ignore[union-attr]
        ),
        "filters": {"tree_states": [s.value for s in states]},
        "counts": {
            "rows": rows,
            "trees": trees,
            "annotators": len(annotators),
            "skipped": dict(sorted(writer.skipped.items())),
        },
    }


def mark_running(session: Session, job: ExportJob) -> None:
    job.status = ExportStatus.running
    job.started_at = utcnow()
    job.error = None


def mark_succeeded(session: Session, job: ExportJob, folder: Path, manifest: dict) -> None:
    job.status = ExportStatus.succeeded
    job.folder = str(folder.resolve())
    job.files = manifest["files"]
    job.row_count = manifest["counts"]["rows"]
    counts = manifest["counts"]
    job.progress_done = job.progress_total = counts.get("judgments", counts.get("trees", 0))
    job.finished_at = utcnow()


def mark_failed(session: Session, job: ExportJob, error: str) -> None:
    job.status = ExportStatus.failed
    job.error = error[:4000]
    job.finished_at = utcnow()


def record_progress(session: Session, job_id: int, done: int, total: int) -> None:
    job = session.get_one(ExportJob, job_id)
    job.progress_done, job.progress_total = done, total
