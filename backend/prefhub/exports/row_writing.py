"""Writing an export's rows: judgments of item campaigns (one per judgment, by item for
aggregation and agreement, or joined from pieces for the common dpo case on PostgreSQL:
``fast_dpo``) and trees of conversation-tree campaigns. Each writer returns the manifest's
summary of what it wrote."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefhub.campaigns.service import spec_of
from prefhub.exports import fast_dpo, registry
from prefhub.exports.consensus import item_agreement
from prefhub.exports.dpo_encoding import dumps_row
from prefhub.exports.formats.annotators import AnnotatorsWriter
from prefhub.exports.formats.dpo import DpoWriter, MediaFiles
from prefhub.exports.formats.items import ItemWriter
from prefhub.exports.formats.judgments import JudgmentsWriter
from prefhub.exports.formats.tree_judgments import TreeJudgmentsWriter
from prefhub.exports.judgment_reader import (
    Scope,
    SyntheticPolicy,
    annotator_profiles,
    annotator_sources,
    count_judgments,
    iter_item_groups,
    iter_raw_batches,
    iter_records,
    judgments_per_item,
    left_out,
    scope_for,
    simulated_annotators,
)
from prefhub.exports.judgment_record import JudgmentRecord
from prefhub.exports.pseudonyms import Pseudonymizer
from prefhub.exports.schemas import ExportOptions
from prefhub.exports.standings import (
    Standing,
    campaign_standings,
    excluded_ids,
    excluded_summary,
    standing_policy,
)
from prefhub.exports.tree_reader import count_trees, has_media, iter_trees, tree_contributors
from prefhub.kit.db import snapshot_sessions
from prefhub.models import (
    Campaign,
    CampaignMedia,
    MediaAsset,
    TreeState,
)

# Summary keys for what the folder writer needs and the manifest does not hold as such: the
# media files to copy, and what the card and demographics are computed from.
MEDIA_KEY = "_media"
STATS_KEY = "_stats"
ProgressCallback = Callable[[int, int], None]


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
        lines: Callable[[JudgmentRecord], Iterable[str]] = writer.lines
        return lines
    return lambda record: map(dumps_row, writer.rows(record))


def _item_writer(campaign: Campaign, options: ExportOptions) -> Any:
    questions = spec_of(campaign).questions
    setup = registry.WriterSetup(
        campaign.slug,
        options,
        question_kinds={q.id: q.kind for q in questions},
        questions={q.id: q for q in questions},
    )
    entry = registry.get(options.format)
    if options.aggregation != "none" and entry.aggregated_writer is not None:
        return entry.aggregated_writer(setup)
    return entry.writers["item"](setup)


def write_judgment_rows(
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
    profiles: dict[int, dict[str, Any]] | None = None  # by annotator id, if read already
    if isinstance(writer, AnnotatorsWriter):
        for groups, read in iter_item_groups(session, scope):
            for records in groups:
                writer.add_item(records)
                tally.kept(records)
            tally.read(read)
        # Kept by annotator id for the manifest's demographics (profiles_of), as elsewhere.
        profiles = annotator_profiles(session, campaign.id)
        by_pseudonym = _profiles_by_pseudonym(session, campaign, options, profiles)
        writer.standings = _standings_by_pseudonym(scope.standings, scope.pseudonym)
        rows = list(writer.rows(by_pseudonym if options.include_profiles else None))
        simulated = set(map(scope.pseudonym, scope.simulated))
        for row in rows:
            tally.annotators.update(_annotator_ids(row))
            mark_simulated(row, _annotator_ids(row), simulated)
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
                        scope.filtered_out["min_agreement"] += len(records)
                        continue
                tally.kept(records)
                if options.aggregation != "none":
                    rows = list(writer.group_rows(records))
                    for row in rows:
                        tally.annotators.update(_annotator_ids(row))
                    lines.extend(map(dumps_row, rows))
                else:
                    for record in records:
                        lines.extend(tally.rows_of(record, encode(record)))
            tally.write(out, lines)
            tally.read(read)
    elif (
        isinstance(writer, DpoWriter)
        and writer.media is None
        and fast_dpo.applies(session, options, scope, writer.question_kinds)
    ):
        profiles = _write_fast_dpo(session, scope, campaign.slug, writer, out, tally)
    elif isinstance(writer, JudgmentsWriter) and reads_raw(writer, scope):
        _write_raw_judgments(session, scope, writer, out, tally)
    else:
        encode = _encoder(writer)
        content = getattr(writer, "reads_content", True)
        for batch, read in iter_records(session, scope, content=content):
            lines = []
            for record in batch:
                tally.kept_one(record)
                lines.extend(tally.rows_of(record, encode(record)))
            tally.write(out, lines)
            tally.read(read)
    skipped_key = registry.get(options.format).skipped_key
    in_campaign, by_filter = left_out(session, scope)
    # Every filter applied, in the order applied; a judgment two filters would leave out
    # counts for the first (SQL's, then those that read the decoded judgment).
    by_filter |= {
        name: scope.filtered_out[name] for name in _applied_python_filters(scope, options)
    }
    sources = annotator_sources(session, campaign.id, scope.pseudonym, tally.annotators)
    counts: dict[str, Any] = {
        "rows": tally.rows,
        "judgments_in_campaign": in_campaign,
        "judgments": tally.kept_judgments,
        "filtered_out": sum(by_filter.values()),
        "filtered_out_by": by_filter,
        "annotators": len(tally.annotators),
        "annotators_by_source": sources,
        # "skipped_no_preference" is the name dpo's manifests have always used.
        skipped_key: dict(sorted(getattr(writer, "skipped", {}).items())),
    }
    if options.min_agreement is not None:
        counts["items_dropped"] = dict(sorted(tally.dropped.items()))
    synthetic = {
        "policy": scope.synthetic_policy,
        "judgments": tally.simulated,
        "annotators": sources["simulated"],
        "left_out": by_filter.get("simulated", 0),
    }
    excluded = excluded_summary(
        scope.standings,
        scope.excluded_policy,
        by_filter.get("excluded", 0) if scope.excluded_policy == "left_out" else tally.excluded,
    )
    return {
        MEDIA_KEY: (
            {sha: media_names[sha] for sha in sorted(writer.media.used)}
            if with_media and writer.media
            else {}
        ),
        STATS_KEY: {
            "annotators": tally.annotators,
            "profiles": profiles,
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
        "synthetic": synthetic,
        "excluded": excluded,
    }


def _applied_python_filters(scope: Scope, options: ExportOptions) -> list[str]:
    """The filters applied to decoded judgments, in the order ``Scope.keeps`` applies them."""
    applied = [
        name
        for name, on in (
            ("annotator_groups", scope.annotators is not None),
            ("rounds", scope.rounds is not None),
            ("models", scope.models is not None),
            ("min_agreement", options.min_agreement is not None),
        )
        if on
    ]
    return applied


def reads_raw(writer: JudgmentsWriter, scope: Scope) -> bool:
    """Whether the ``judgments`` rows can be formatted from rows read undecoded: no filter
    reads the decoded judgment, no row carries a profile."""
    return not scope.python_filters and scope.profiles is None


def _write_raw_judgments(
    session: Session, scope: Scope, writer: JudgmentsWriter, out: TextIO, tally: _Tally
) -> None:
    """The ``judgments`` lines formatted from rows read undecoded, a batch read while the one
    before is formatted and the one before that written."""
    with_rows: set[int] = set()
    marks, simulated = scope.marks, scope.simulated
    with background_writes(out) as write:
        for batch in iter_raw_batches(session, scope):
            read = len(batch.judgments)
            if scope.annotators is not None:  # as Scope.keeps does it, and counts it
                allowed = scope.annotators
                batch.judgments = [row for row in batch.judgments if row[4] in allowed]
                scope.filtered_out["annotator_groups"] += read - len(batch.judgments)
            lines, annotators = writer.batch_lines(batch, scope)
            with_rows |= annotators
            if lines:
                write(("\n".join(lines) + "\n").encode())
            tally.rows += len(lines)
            uids = [row[4] for row in batch.judgments]
            tally.kept_judgments += len(uids)
            if simulated:
                tally.simulated += sum(uid in simulated for uid in uids)
            if marks:
                tally.excluded += sum(marks[uid].excluded for uid in uids if uid in marks)
            tally.read(read)
    tally.annotators.update(map(scope.pseudonym, with_rows))


@contextmanager
def background_writes(out: TextIO) -> Iterator[Callable[[bytes], None]]:
    """A function that writes bytes to the data file under ``out`` by a thread of its own
    (hashing and writing release the GIL), the write before waited for first: the next
    batch is made meanwhile."""
    out.flush()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-write") as writing:
        written: Future[int] | None = None

        def write(data: bytes) -> None:
            nonlocal written
            if written is not None:
                written.result()
            written = writing.submit(out.buffer.write, data)

        yield write
        if written is not None:
            written.result()


def _write_fast_dpo(
    session: Session, scope: Scope, slug: str, writer: DpoWriter, out: TextIO, tally: _Tally
) -> dict[int, dict[str, Any]]:
    """The dpo lines of ``fast_dpo``; returns the campaign's annotator profiles, by id.

    PostgreSQL: three connections read one snapshot at once: the rows, their candidates and
    items, and what the manifest counts and summarizes. This thread joins lines; a writer
    thread hashes and writes them. Other databases: one session reads it all, in turn."""
    kinds = writer.question_kinds
    # Filled as rows ask for their annotator's pseudonym: its keys have rows.
    names = fast_dpo.AnnotatorNames(scope.pseudonym)
    out.flush()
    if session.get_bind().dialect.name != "postgresql":
        batches = fast_dpo.portable_batches(session, scope, slug, kinds, names, writer.skipped)
        with background_writes(out) as write:
            for data, rows, read in batches:
                write(data)
                tally.rows += rows
                tally.read(read)
        tally.sizes = judgments_per_item(session, scope)
        tally.simulated = fast_dpo.simulated_judgments(session, scope)
        profiles = annotator_profiles(session, scope.campaign_id)
    else:
        with (
            snapshot_sessions(session, 3) as (rows_session, pieces_session, counts_session),
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-counts") as counting,
            background_writes(out) as write,
        ):
            skipped = counting.submit(fast_dpo.skipped, counts_session, scope, kinds)
            sizes = counting.submit(judgments_per_item, counts_session, scope)
            simulated = counting.submit(fast_dpo.simulated_judgments, counts_session, scope)
            profiles_read = counting.submit(annotator_profiles, counts_session, scope.campaign_id)
            # Bytes go straight to the file under the text layer, written and hashed by a
            # thread of their own while the next batch is joined.
            for data, rows, read in fast_dpo.batches(
                rows_session, pieces_session, scope, slug, kinds, names
            ):
                write(data)
                tally.rows += rows
                tally.read(read)
            writer.skipped.update(skipped.result())
            tally.sizes = sizes.result()
            tally.simulated = simulated.result()
            profiles = profiles_read.result()
    # No filter here reads the decoded judgment: every judgment read is kept.
    tally.kept_judgments = tally.judgments
    tally.annotators.update(map(scope.pseudonym, names))
    return profiles


class _Tally:
    """What an export has read and kept, for progress and the manifest."""

    def __init__(self, total: int, on_progress: ProgressCallback | None) -> None:
        self.total, self.on_progress = total, on_progress
        self.judgments = self.rows = 0
        # Judgments every filter kept (rows or not), how many of them are simulated, and how
        # many are excluded annotators' (kept by include_excluded, or by ``judgments``).
        self.kept_judgments = self.simulated = self.excluded = 0
        # Pseudonyms of the annotators with rows.
        self.annotators: set[str] = set()
        # The card's "annotators per item": items by how many judgments they kept. Read from
        # groups when judgments come by item; else counted per item, but only when a filter SQL
        # cannot say was applied (memory grows with the items), else asked of SQL at the end.
        self.sizes: Counter[int] = Counter()
        self.per_item: Counter[int] = Counter()
        self.count_items = False
        self.dropped: Counter[str] = Counter()

    def kept_one(self, record: JudgmentRecord) -> None:
        self.kept_judgments += 1
        self.simulated += record.simulated
        self.excluded += _by_excluded(record)
        if self.count_items:
            self.per_item[record.item_key] += 1

    def kept(self, records: list[JudgmentRecord]) -> None:
        """One item's kept judgments."""
        self.kept_judgments += len(records)
        self.simulated += sum(record.simulated for record in records)
        self.excluded += sum(map(_by_excluded, records))
        self.sizes[len(records)] += 1

    def rows_of(self, record: JudgmentRecord, lines: Iterable[str]) -> list[str]:
        """A judgment's lines; its annotator has rows if there are any."""
        found = list(lines)
        if found:
            self.annotators.add(record.annotator_pseudonym)
        return found

    def read(self, n: int) -> None:
        self.judgments += n
        if self.on_progress:
            self.on_progress(self.judgments, self.total)

    def write(self, out: TextIO, lines: list[str]) -> None:
        if lines:
            out.write("\n".join(lines) + "\n")
        self.rows += len(lines)


def _mark_standing(row: dict[str, Any], annotators: list[str], marks: dict[str, Standing]) -> bool:
    """Mark a row that is one annotator's with their standing, if it is to be marked; whether
    that annotator is excluded."""
    standing = marks.get(annotators[0]) if len(annotators) == 1 else None
    if standing is None:
        return False
    row["metadata"].update(standing.metadata())
    return standing.excluded


def _by_excluded(record: JudgmentRecord) -> bool:
    return record.standing is not None and record.standing.excluded


def _standings_by_pseudonym(
    standings: dict[int, Standing], pseudonym: Pseudonymizer
) -> dict[str, Standing]:
    return {pseudonym(user_id): standing for user_id, standing in standings.items()}


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
    session: Session,
    campaign: Campaign,
    options: ExportOptions,
    profiles: dict[int, dict[str, Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """The campaign's annotator profiles by pseudonym; ``profiles``, by annotator id, if the
    writer read them already."""
    pseudonym = Pseudonymizer(options.salt)
    if profiles is None:
        profiles = annotator_profiles(session, campaign.id)
    return {pseudonym(uid): p for uid, p in profiles.items()}


def profiles_of(
    session: Session, campaign: Campaign, options: ExportOptions, stats: dict[str, Any]
) -> list[dict[str, Any]]:
    """The profiles of the annotators an export holds, for its demographics summary."""
    profiles = _profiles_by_pseudonym(session, campaign, options, stats.get("profiles"))
    return [profiles[p] for p in sorted(stats["annotators"]) if p in profiles]


def _filters(options: ExportOptions) -> dict[str, Any]:
    """The filters an export applied, as the manifest records them: those set, and gold."""
    names = ("rounds", "created_from", "created_to", "models", "languages", "annotator_groups")
    chosen = options.model_dump(mode="json", include=set(names))
    return {name: chosen[name] for name in names if chosen[name] is not None} | {
        "include_gold": options.include_gold
    }


def write_tree_rows(
    session: Session,
    campaign: Campaign,
    options: ExportOptions,
    out: TextIO,
    on_progress: ProgressCallback | None,
) -> dict[str, Any]:
    """Tree by tree, a batch of trees in memory at a time, in tree id order."""
    states = options.tree_states or [TreeState.ready_for_export]
    states = sorted(set(states), key=list(TreeState).index)
    setup = registry.WriterSetup(
        campaign.slug, options, tree_media=lambda: has_media(session, campaign.id, states)
    )
    writer = registry.get(options.format).writers["conversation-tree"](setup)
    tree_settings = spec_of(campaign).trees
    assert tree_settings is not None  # service.write_export sends only tree campaigns here
    total = count_trees(session, campaign.id, states)
    pseudonym = Pseudonymizer(options.salt)
    profiles = _profiles_by_pseudonym(session, campaign, options)
    # Excluded annotators' work is left out (or kept, marked) a whole tree at a time too.
    standings = _standings_by_pseudonym(campaign_standings(session, campaign.id), pseudonym)
    excluded_policy, marks = standing_policy(
        standings, registry.get(options.format).keeps_excluded, options.include_excluded
    )
    excluded, excluded_rows = excluded_ids(standings), 0
    if isinstance(writer, AnnotatorsWriter):
        writer.standings = standings
    languages = set(options.languages) if options.languages is not None else None
    tally = _Tally(total, on_progress)
    # A tree's messages, reviews and rankings build on each other: simulated work is left out
    # (or kept, marked) a whole tree at a time.
    simulated_ids = simulated_annotators(session, campaign.id)
    policy = _tree_policy(
        tree_contributors(session, campaign.id, states) if simulated_ids else set(),
        simulated_ids,
        options.include_simulated,
    )
    simulated = set(map(pseudonym, simulated_ids))
    simulated_rows = 0
    # Trees each filter left out, in the order applied (as for judgments: simulated first).
    applied = (
        ("simulated", policy == "excluded"),
        ("excluded", excluded_policy == "left_out"),
        ("languages", languages is not None),
    )
    filtered_out_by = {name: 0 for name, on in applied if on}
    for batch in iter_trees(session, campaign.id, states, pseudonym):
        kept_trees = batch
        if policy == "excluded":
            kept_trees = [t for t in kept_trees if t.contributors.isdisjoint(simulated)]
            filtered_out_by["simulated"] += len(batch) - len(kept_trees)
        if excluded_policy == "left_out":
            without = [t for t in kept_trees if t.contributors.isdisjoint(excluded)]
            filtered_out_by["excluded"] += len(kept_trees) - len(without)
            kept_trees = without
        if languages is not None:
            in_language = [t for t in kept_trees if t.lang in languages]
            filtered_out_by["languages"] += len(kept_trees) - len(in_language)
            kept_trees = in_language
        tally.kept_judgments += len(kept_trees)
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
                simulated_rows += mark_simulated(row, ids, simulated)
                excluded_rows += _mark_standing(row, ids, marks)
                if options.include_profiles:
                    found = [profiles.get(i, {}) for i in ids]
                    row["metadata"]["profile"] = found if len(ids) != 1 else found[0]
            tally.write(out, [dumps_row(row) for row in kept])
        tally.read(len(batch))
    if isinstance(writer, AnnotatorsWriter):
        rows = list(writer.rows(profiles if options.include_profiles else None))
        for row in rows:
            simulated_rows += mark_simulated(row, _annotator_ids(row), simulated)
        tally.rows += _write_lines(out, rows)
    sources = annotator_sources(session, campaign.id, pseudonym, tally.annotators)
    return {
        STATS_KEY: {"annotators": tally.annotators, "annotators_per_item": None},
        # Consensus rows follow the campaign's method; dpo keeps every ranking ("none").
        "aggregation": (
            "none" if getattr(writer, "aggregation", "none") == "none" else tree_settings.consensus
        ),
        "filters": {"tree_states": [s.value for s in states]}
        | ({"languages": options.languages} if options.languages is not None else {}),
        "counts": {
            "rows": tally.rows,
            "trees_in_states": tally.judgments,
            "trees": tally.kept_judgments,
            "annotators": len(tally.annotators),
            "annotators_by_source": sources,
            "filtered_out": sum(filtered_out_by.values()),
            "filtered_out_by": filtered_out_by,
            "skipped": dict(sorted(getattr(writer, "skipped", {}).items())),
        },
        "synthetic": {
            "policy": policy,
            "annotators": sources["simulated"],
            "rows": simulated_rows,
            "left_out": filtered_out_by.get("simulated", 0),  # trees
        },
        "excluded": excluded_summary(
            standings,
            excluded_policy,
            filtered_out_by.get("excluded", 0) if excluded_policy == "left_out" else excluded_rows,
            unit="trees" if excluded_policy == "left_out" else "rows",
        ),
    }


def _tree_policy(
    contributors: set[int], simulated: frozenset[int], include_simulated: bool
) -> SyntheticPolicy:
    """What a tree export does with simulated work, from who took part in the campaign's trees
    in the exported states: decided before any row, so a filter cannot turn a mixed campaign
    into a simulated one."""
    if contributors.isdisjoint(simulated):
        return "none"
    if contributors <= simulated:
        return "only_simulated"
    return "included" if include_simulated else "excluded"


def mark_simulated(row: dict[str, Any], annotators: list[str], simulated: set[str]) -> bool:
    """Set ``metadata.simulated``: whether a simulated annotator took part in the row."""
    row["metadata"]["simulated"] = marked = any(a in simulated for a in annotators)
    return marked
