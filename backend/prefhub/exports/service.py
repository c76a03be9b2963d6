"""Export jobs: create, run (streaming, batch by batch), describe and serve their files."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefhub import __version__
from prefhub.campaigns.service import spec_of
from prefhub.exports import fast_dpo
from prefhub.exports.card import dataset_card
from prefhub.exports.consensus import item_agreement
from prefhub.exports.demographics import summarize_profiles
from prefhub.exports.exceptions import (
    BadExportDestination,
    ExportFileNotFound,
    ExportNotFound,
    ExportNotReady,
    UnsupportedExport,
)
from prefhub.exports.formats.aggregated import AGGREGATED_WRITERS
from prefhub.exports.formats.annotators import TREE_COUNTS, AnnotatorsWriter
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
from prefhub.exports.formats.tree_judgments import TreeJudgmentsWriter
from prefhub.exports.formats.trees import TreesWriter
from prefhub.exports.parquet import jsonl_to_parquet
from prefhub.exports.pseudonyms import Pseudonymizer
from prefhub.exports.records import (
    annotator_profiles,
    count_judgments,
    iter_item_groups,
    iter_records,
    judgments_per_item,
    scope_for,
)
from prefhub.exports.schemas import ExportOptions
from prefhub.exports.tree_records import count_trees, has_media, iter_trees
from prefhub.kit.enqueue import enqueue_after_commit
from prefhub.kit.time import utcnow
from prefhub.media.storage import copy_media
from prefhub.models import (
    Campaign,
    CampaignMedia,
    ExportJob,
    ExportStatus,
    MediaAsset,
    TreeState,
    User,
)
from prefhub.settings import get_settings

# Summary keys for what the folder writer needs and the manifest does not hold as such: the
# media files to copy, and what the card and demographics are computed from.
MEDIA_KEY = "_media"
STATS_KEY = "_stats"
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
ITEM_FORMATS = (*WRITERS, "annotators")
TREE_FORMATS = (*TREE_WRITERS, "judgments", "annotators")
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


def _file_entry(folder: Path, name: str) -> dict[str, Any]:
    path = folder / name
    return {"name": name, "size": path.stat().st_size, "sha256": _sha256(path)}


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

    jsonl_name = f"{options.format}.jsonl"
    write_rows = _write_tree_rows if is_tree_campaign(campaign) else _write_judgment_rows
    with (partial / jsonl_name).open("w", encoding="utf-8") as out:
        summary = write_rows(session, campaign, options, out, on_progress)
    data_name = jsonl_name
    if options.file_format == "parquet":
        data_name = f"{options.format}.parquet"
        jsonl_to_parquet(partial / jsonl_name, partial / data_name)
        (partial / jsonl_name).unlink()
    files = [_file_entry(partial, data_name)]
    media = _copy_media(session, summary.pop(MEDIA_KEY, {}), partial)
    stats = summary.pop(STATS_KEY)
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
        "annotators_per_item": stats["annotators_per_item"],
        "demographics": summarize_profiles(
            _profiles_of(session, campaign, options, stats["annotators"]),
            spec_of(campaign).participation.survey,
            exact=options.include_profiles,
        ),
    } | summary
    card = dataset_card(manifest | {"data_files": [data_name], "media_files": len(media)})
    (partial / "README.md").write_text(card, "utf-8")
    manifest["files"] = [*files, _file_entry(partial, "README.md"), *media]
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
    kind, formats = ("conversation-tree", TREE_FORMATS) if tree else ("item", ITEM_FORMATS)
    if options.format not in formats:
        later = "are not built yet" if tree else "need a conversation-tree campaign"
        raise UnsupportedExport(
            f"'{options.format}' exports of {kind} campaigns {later}; "
            f"{kind} campaigns export as {', '.join(formats)}"
        )
    if not tree:
        if options.tree_states is not None:
            raise UnsupportedExport("tree_states applies to conversation-tree campaigns only")
        return
    # Tree campaigns rank sibling replies by the campaign's own consensus method, and their
    # rows are per tree: item filters do not apply.
    set_fields = options.model_fields_set
    refused = [
        name
        for name in (
            "rounds",
            "models",
            "created_from",
            "created_to",
            "annotator_groups",
            "min_agreement",
            "kto_from_preferences",
        )
        if name in set_fields and getattr(options, name) not in (None, False)
    ]
    if options.aggregation != "none":
        refused.append("aggregation")
    if refused:
        raise UnsupportedExport(
            f"{', '.join(refused)} cannot apply to a conversation-tree campaign: its rankings are "
            "aggregated by the campaign's consensus setting; filter trees by tree_states and "
            "languages"
        )


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


def _item_writer(campaign: Campaign, options: ExportOptions) -> Any:
    questions = spec_of(campaign).questions
    kinds = {q.id: q.kind for q in questions}
    if options.format == "annotators":
        return AnnotatorsWriter(campaign.slug, kinds)
    settings: dict[str, Any] = {"conversational": options.conversational}
    if options.format == "kto":
        settings["from_preferences"] = options.kto_from_preferences
    if options.format == "ranking" or options.aggregation != "none":
        settings["drop_ties"] = options.drop_ties
    if options.aggregation != "none":
        settings["method"] = options.aggregation
        settings["implicit_prompt"] = options.format == "reward"
        writer = AGGREGATED_WRITERS[options.format](campaign.slug, kinds, **settings)
    else:
        writer = WRITERS[options.format](campaign.slug, kinds, **settings)
    if isinstance(writer, ItemWriter):
        writer.questions = {q.id: q for q in questions}
    return writer


def _write_judgment_rows(
    session: Session,
    campaign: Campaign,
    options: ExportOptions,
    out: TextIO,
    on_progress: ProgressCallback | None,
) -> dict[str, Any]:
    writer = _item_writer(campaign, options)
    media_names = _media_names(session, campaign)
    with_media = isinstance(writer, (DpoWriter, ItemWriter))
    if media_names and with_media:
        writer.media = MediaFiles(media_names)
    scope = scope_for(
        session, campaign.id, options, current_only=getattr(writer, "current_only", True)
    )
    total = count_judgments(session, scope)
    tally = _Tally(total, on_progress)
    tally.count_items = scope.python_filters
    if isinstance(writer, AnnotatorsWriter):
        for groups, read in iter_item_groups(session, scope):
            for records in groups:
                writer.add_item(records)
                tally.kept(records)
            tally.read(read)
        profiles = _profiles_by_pseudonym(session, campaign, options)
        rows = writer.rows(profiles if options.include_profiles else None)
        tally.rows += _write_lines(out, rows)
    elif options.aggregation != "none" or options.min_agreement is not None:
        encode = _encoder(writer)
        kinds = writer.question_kinds
        for groups, read in iter_item_groups(session, scope):
            lines: list[str] = []
            for records in groups:
                if options.min_agreement is not None:
                    agreement = item_agreement(records, kinds)
                    if agreement is None or agreement < options.min_agreement:
                        why = "single_judgment" if agreement is None else "low_agreement"
                        tally.dropped[why] += 1
                        continue
                tally.kept(records)
                if options.aggregation != "none":
                    lines.extend(map(dumps_row, writer.group_rows(records)))
                else:
                    for record in records:
                        lines.extend(encode(record))
            tally.write(out, lines)
            tally.read(read)
    elif (
        isinstance(writer, DpoWriter)
        and writer.media is None
        and fast_dpo.applies(session, options, scope, writer.question_kinds)
    ):
        kinds = writer.question_kinds
        for lines, judged in fast_dpo.batches(session, scope, campaign.slug, kinds):
            for annotator_id, _ in judged:
                tally.annotators.add(scope.pseudonym(annotator_id))
            tally.write(out, lines)
            tally.read(len(judged))
        writer.skipped.update(fast_dpo.skipped(session, scope, kinds))
    else:
        encode = _encoder(writer)
        for batch, read in iter_records(session, scope):
            lines = []
            for record in batch:
                tally.kept_one(record)
                lines.extend(encode(record))
            tally.write(out, lines)
            tally.read(read)
    skipped_key = "skipped_no_preference" if options.format in ("dpo", "judgments") else "skipped"
    counts: dict[str, Any] = {
        "rows": tally.rows,
        "judgments": tally.judgments,
        "annotators": len(tally.annotators),
        "filtered_out": sum(scope.filtered_out.values()),
        "filtered_out_by": dict(sorted(scope.filtered_out.items())),
        # "skipped_no_preference" is the name dpo's manifests have always used.
        skipped_key: dict(sorted(getattr(writer, "skipped", {}).items())),
    }
    if options.min_agreement is not None:
        counts["items_dropped"] = dict(sorted(tally.dropped.items()))
    return {
        MEDIA_KEY: (
            {sha: media_names[sha] for sha in sorted(writer.media.used)}
            if with_media and writer.media
            else {}
        ),
        STATS_KEY: {
            "annotators": tally.annotators,
            "annotators_per_item": _spread(
                tally.sizes
                if tally.sizes
                else Counter(tally.per_item.values())
                if scope.python_filters
                else judgments_per_item(session, scope)
            ),
        },
        "aggregation": options.aggregation,
        "filters": _filters(options),
        "counts": counts,
    }


class _Tally:
    """What an export has read and kept, for progress and the manifest."""

    def __init__(self, total: int, on_progress: ProgressCallback | None) -> None:
        self.total, self.on_progress = total, on_progress
        self.judgments = self.rows = 0
        self.annotators: set[str] = set()
        # The card's "annotators per item": items by how many judgments they kept. Read from
        # groups when judgments come by item; else counted per item, but only when a filter SQL
        # cannot say was applied (memory grows with the items), else asked of SQL at the end.
        self.sizes: Counter[int] = Counter()
        self.per_item: Counter[int] = Counter()
        self.count_items = False
        self.dropped: Counter[str] = Counter()

    def kept_one(self, record: JudgmentRecord) -> None:
        self.annotators.add(record.annotator_pseudonym)
        if self.count_items:
            self.per_item[record.item_key] += 1

    def kept(self, records: list[JudgmentRecord]) -> None:
        """One item's kept judgments."""
        self.annotators.update(record.annotator_pseudonym for record in records)
        self.sizes[len(records)] += 1

    def read(self, n: int) -> None:
        self.judgments += n
        if self.on_progress:
            self.on_progress(self.judgments, self.total)

    def write(self, out: TextIO, lines: list[str]) -> None:
        if lines:
            out.write("\n".join(lines) + "\n")
        self.rows += len(lines)


def _spread(histogram: Counter[int]) -> dict[str, Any] | None:
    """From items by judgment count: how many items, min, median, max and the histogram."""
    if not histogram:
        return None
    sizes = sorted(histogram)
    items = sum(histogram.values())
    median, seen = sizes[0], 0
    for size in sizes:  # the lower median, without listing every item
        seen += histogram[size]
        if 2 * seen >= items:
            median = size
            break
    return {
        "items": items,
        "min": sizes[0],
        "median": median,
        "max": sizes[-1],
        "histogram": {str(k): histogram[k] for k in sizes},
    }


def _profiles_by_pseudonym(
    session: Session, campaign: Campaign, options: ExportOptions
) -> dict[str, dict[str, Any]]:
    pseudonym = Pseudonymizer(options.salt)
    return {pseudonym(uid): p for uid, p in annotator_profiles(session, campaign.id).items()}


def _profiles_of(
    session: Session, campaign: Campaign, options: ExportOptions, annotators: set[str]
) -> list[dict[str, Any]]:
    """The profiles of the annotators an export holds, for its demographics summary."""
    profiles = _profiles_by_pseudonym(session, campaign, options)
    return [profiles[p] for p in sorted(annotators) if p in profiles]


def _filters(options: ExportOptions) -> dict[str, Any]:
    """The filters an export applied, as the manifest records them: those set, and gold."""
    names = ("rounds", "created_from", "created_to", "models", "languages", "annotator_groups")
    chosen = options.model_dump(mode="json", include=set(names))
    return {name: chosen[name] for name in names if chosen[name] is not None} | {
        "include_gold": options.include_gold
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
    elif options.format == "annotators":
        writer = AnnotatorsWriter(campaign.slug, count_columns=TREE_COUNTS)
    elif options.format == "judgments":
        writer = TreeJudgmentsWriter(campaign.slug)
    else:
        writer = TREE_WRITERS[options.format](campaign.slug, options.conversational)
    total = count_trees(session, campaign.id, states)
    pseudonym = Pseudonymizer(options.salt)
    profiles = _profiles_by_pseudonym(session, campaign, options)
    languages = set(options.languages) if options.languages is not None else None
    tally = _Tally(total, on_progress)
    filtered = 0
    for batch in iter_trees(session, campaign.id, states, pseudonym):
        kept_trees = [t for t in batch if languages is None or t.lang in languages]
        filtered += len(batch) - len(kept_trees)
        if isinstance(writer, AnnotatorsWriter):
            for tree in kept_trees:
                writer.add_tree(tree)
            tally.annotators.update(writer.tallies)
        else:
            if isinstance(writer, TreeJudgmentsWriter):
                kept = list(writer.rows_for(session, [t.id for t in kept_trees], pseudonym))
            else:
                kept = [row for tree in kept_trees for row in writer.rows(tree)]
            for row in kept:
                ids = _annotator_ids(row)
                tally.annotators.update(ids)
                if options.include_profiles:
                    found = [profiles.get(i, {}) for i in ids]
                    row["metadata"]["profile"] = found if len(ids) != 1 else found[0]
            tally.write(out, [dumps_row(row) for row in kept])
        tally.read(len(batch))
    if isinstance(writer, AnnotatorsWriter):
        tally.rows += _write_lines(out, writer.rows(profiles if options.include_profiles else None))
    return {
        STATS_KEY: {"annotators": tally.annotators, "annotators_per_item": None},
        # Consensus rows follow the campaign's method; dpo keeps every ranking ("none").
        "aggregation": (
            "none"
            if getattr(writer, "aggregation", "none") == "none"
            else spec_of(campaign).trees.consensus  # type: ignore[union-attr]
        ),
        "filters": {"tree_states": [s.value for s in states]}
        | ({"languages": options.languages} if options.languages is not None else {}),
        "counts": {
            "rows": tally.rows,
            "trees": tally.judgments,
            "annotators": len(tally.annotators),
            "filtered_out": filtered,
            "skipped": dict(sorted(getattr(writer, "skipped", {}).items())),
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
