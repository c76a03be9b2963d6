"""Judgments as export records, read in batches with the export's filters applied.

Two reading orders: by judgment id (one row per judgment, the fast path) and by item (every
judgment of a batch of items together, for aggregation, agreement thresholds and per-annotator
reliability). Filters that SQL can say cheaply (dates, gold, language) are in the query; the
others (rounds, models, annotator groups) need the decoded record and are applied here, and
counted, so the manifest says how many judgments each filter left out (``left_out``).

Simulated judgments (made by ``prefhub simulate``: their annotator is a synthetic account) are
data of their own kind: a campaign that has human judgments exports without them unless
``include_simulated``; a campaign with only simulated ones exports them, and says so.

Annotators whose quality standing is "excluded" (``standings``) are left out in SQL, of every
format but ``judgments``, unless ``include_excluded``; the rows that keep them are marked.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    Text,
    cast,
    exists,
    func,
    null,
    select,
    union,
)
from sqlalchemy.orm import Session, aliased

from prefhub.exports import registry
from prefhub.exports.judgment_record import JudgmentRecord
from prefhub.exports.pseudonyms import Pseudonymizer
from prefhub.exports.schemas import ExportOptions
from prefhub.exports.standings import (
    ExcludedPolicy,
    Standing,
    campaign_standings,
    excluded_ids,
    standing_policy,
)
from prefhub.models import CampaignParticipant, Candidate, Item, Judgment, TreeTask, User

# What an export does with simulated judgments (manifest ``synthetic.policy``).
SyntheticPolicy = Literal["none", "excluded", "included", "only_simulated"]

BATCH_SIZE = 10_000
ITEM_BATCH = 2_000


@dataclass
class Scope:
    """What one export reads: the campaign, its filters, and the annotators' profiles."""

    campaign_id: int
    pseudonym: Pseudonymizer
    current_only: bool = True
    # The filters SQL says, by name, in the order the manifest attributes what they leave out.
    sql_filters: list[tuple[str, ColumnElement[bool]]] = field(default_factory=list)
    rounds: set[int] | None = None
    models: set[str] | None = None
    annotators: set[int] | None = None  # allowed user ids (annotator groups)
    profiles: dict[int, dict[str, Any]] | None = None  # user id -> profile, when exported
    # The campaign's simulated annotators, and what this export does with their judgments.
    simulated: frozenset[int] = frozenset()
    synthetic_policy: SyntheticPolicy = "none"
    # The campaign's annotators whose standing is not "ok", by user id; those whose rows carry
    # their standing (``judgments``: all; other formats: the excluded ones include_excluded
    # kept); and what the export does with excluded annotators' judgments.
    standings: dict[int, Standing] = field(default_factory=dict)
    marks: dict[int, Standing] = field(default_factory=dict)
    excluded_policy: ExcludedPolicy = "none"
    filtered_out: Counter[str] = field(default_factory=Counter)

    @property
    def conditions(self) -> list[ColumnElement[bool]]:
        return [condition for _, condition in self.sql_filters]

    @property
    def python_filters(self) -> bool:
        """Whether some filter needs the decoded record (SQL cannot say it)."""
        return self.rounds is not None or self.models is not None

    def where(self) -> list[ColumnElement[bool]]:
        """The judgments SQL keeps: the campaign's, current unless all revisions are wanted,
        the SQL filters, and the annotator groups."""
        where = [Judgment.campaign_id == self.campaign_id, *self.conditions]
        if self.current_only:
            newer = aliased(Judgment)
            where.append(~exists().where(newer.supersedes_id == Judgment.id))
        if self.annotators is not None:
            where.append(Judgment.annotator_id.in_(sorted(self.annotators)))
        return where

    def keeps(self, record: JudgmentRecord) -> bool:
        if self.annotators is not None and record.annotator_key not in self.annotators:
            self.filtered_out["annotator_groups"] += 1
            return False
        if self.rounds is not None and not record.rounds <= self.rounds:
            self.filtered_out["rounds"] += 1
            return False
        if (
            self.models is not None
            and not {record.candidates[c][1] for c in record.shown_order if c in record.candidates}
            <= self.models
        ):
            self.filtered_out["models"] += 1
            return False
        return True


def scope_for(
    session: Session, campaign_id: int, options: ExportOptions, *, current_only: bool = True
) -> Scope:
    filters: list[tuple[str, ColumnElement[bool]]] = []
    simulated = simulated_annotators(session, campaign_id)
    policy: SyntheticPolicy = "none"
    if simulated:
        if options.include_simulated:
            policy = "included"
        elif _has_human_judgments(session, campaign_id, simulated):
            policy = "excluded"
            filters.append(("simulated", Judgment.annotator_id.not_in(sorted(simulated))))
        else:
            policy = "only_simulated"
    standings = campaign_standings(session, campaign_id)
    excluded_policy, marks = standing_policy(
        standings, registry.get(options.format).keeps_excluded, options.include_excluded
    )
    if excluded_policy == "left_out":
        filters.append(("excluded", Judgment.annotator_id.not_in(sorted(excluded_ids(standings)))))
    if options.created_from is not None:
        filters.append(("created_from", Judgment.created_at >= options.created_from))
    if options.created_to is not None:
        filters.append(("created_to", Judgment.created_at < options.created_to))
    if not options.include_gold:
        # Gold items are few: their ids, read once, keep a lookup per judgment out of every
        # batch's query (a subquery here was a scan of the items table per batch).
        gold = session.scalars(
            select(Item.id).where(Item.campaign_id == campaign_id, Item.is_gold.is_(True))
        ).all()
        if gold:
            filters.append(("gold", Judgment.item_id.not_in(sorted(gold))))
    if options.languages is not None:
        filters.append(
            (
                "languages",
                Judgment.item_id.in_(
                    select(Item.id).where(
                        Item.campaign_id == campaign_id, Item.language.in_(options.languages)
                    )
                ),
            )
        )
    needs_profiles = options.include_profiles or options.annotator_groups is not None
    profiles = annotator_profiles(session, campaign_id) if needs_profiles else None
    annotators = None
    if options.annotator_groups is not None and profiles is not None:
        annotators = {
            user_id
            for user_id, profile in profiles.items()
            if in_groups(profile, options.annotator_groups)
        }
    return Scope(
        campaign_id=campaign_id,
        pseudonym=Pseudonymizer(options.salt),
        current_only=current_only,
        sql_filters=filters,
        rounds=set(options.rounds) if options.rounds is not None else None,
        models=set(options.models) if options.models is not None else None,
        annotators=annotators,
        profiles=profiles if options.include_profiles else None,
        simulated=simulated,
        synthetic_policy=policy,
        standings=standings,
        marks=marks,
        excluded_policy=excluded_policy,
    )


def simulated_annotators(session: Session, campaign_id: int) -> frozenset[int]:
    """The synthetic accounts (``prefhub simulate``'s) that took part in the campaign."""
    return frozenset(
        session.scalars(
            select(User.id).where(
                User.is_synthetic.is_(True), User.id.in_(_campaign_annotators(campaign_id))
            )
        )
    )


def _has_human_judgments(session: Session, campaign_id: int, simulated: frozenset[int]) -> bool:
    human = select(Judgment.id).where(
        Judgment.campaign_id == campaign_id, Judgment.annotator_id.not_in(sorted(simulated))
    )
    return session.scalar(select(exists(human))) is True


def _campaign_annotators(campaign_id: int) -> Any:
    """Everyone who took part in the campaign: judged, wrote or ranked in trees, or joined."""
    return union(
        select(Judgment.annotator_id).where(Judgment.campaign_id == campaign_id),
        select(TreeTask.annotator_id).where(TreeTask.campaign_id == campaign_id),
        select(CampaignParticipant.user_id).where(CampaignParticipant.campaign_id == campaign_id),
    )


# Where an annotator came from, as the manifest counts them: a simulated account, a crowd
# platform's entry link, or an account on the instance (invited, or signed up).
ANNOTATOR_SOURCES = ("invited", "crowd", "simulated")


def annotator_sources(
    session: Session, campaign_id: int, pseudonym: Pseudonymizer, pseudonyms: set[str]
) -> dict[str, int]:
    """How many of the annotators named by ``pseudonyms`` (those with rows) came from each
    source."""
    counts = dict.fromkeys(ANNOTATOR_SOURCES, 0)
    rows = session.execute(
        select(
            User.id, User.is_synthetic, User.crowd_campaign_id, CampaignParticipant.external_id_hash
        )
        .outerjoin(
            CampaignParticipant,
            (CampaignParticipant.user_id == User.id)
            & (CampaignParticipant.campaign_id == campaign_id),
        )
        .where(User.id.in_(_campaign_annotators(campaign_id)))
    ).all()
    for user_id, synthetic, crowd_campaign, crowd_id in rows:
        if pseudonym(user_id) not in pseudonyms:
            continue
        if synthetic:
            counts["simulated"] += 1
        elif crowd_id is not None or crowd_campaign == campaign_id:
            counts["crowd"] += 1
        else:
            counts["invited"] += 1
    return counts


def annotator_profiles(session: Session, campaign_id: int) -> dict[int, dict[str, Any]]:
    """Each annotator of the campaign's profile: their account's profile and languages, with
    their answers to this campaign's survey on top."""
    annotator_ids = _campaign_annotators(campaign_id)
    rows = session.execute(
        select(User.id, User.profile, User.languages, CampaignParticipant.profile)
        .outerjoin(
            CampaignParticipant,
            (CampaignParticipant.user_id == User.id)
            & (CampaignParticipant.campaign_id == campaign_id),
        )
        .where(User.id.in_(annotator_ids))
    ).all()
    profiles = {}
    for user_id, account_profile, languages, answers in rows:
        profile = dict(account_profile or {})
        if languages and "languages" not in profile:
            profile["languages"] = list(languages)
        profiles[user_id] = dict(sorted((profile | (answers or {})).items()))
    return profiles


def in_groups(profile: dict[str, Any], groups: dict[str, list[str]]) -> bool:
    """Every named answer is one of the values (a list answer: shares one; numbers compare as
    their text, so {"age": ["30"]} matches 30)."""
    for question, values in groups.items():
        answer = profile.get(question)
        given = answer if isinstance(answer, list) else [answer]
        if not {_text(a) for a in given if a is not None} & set(values):
            return False
    return True


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def count_judgments(session: Session, scope: Scope) -> int:
    """The judgments SQL keeps (for progress; ``left_out`` counts exactly)."""
    counted: ColumnElement[int] = func.count(Judgment.id)
    if scope.current_only:
        # Every superseded judgment has exactly one successor naming it (a unique column).
        counted = counted - func.count(Judgment.supersedes_id)
    query = select(counted).where(Judgment.campaign_id == scope.campaign_id, *scope.conditions)
    return int(session.scalar(query) or 0)


def left_out(session: Session, scope: Scope) -> tuple[int, dict[str, int]]:
    """The campaign's judgments before any filter (current ones, unless every revision is
    exported), and how many each SQL filter left out: a judgment more than one filter would
    leave out counts for the first, in the order of ``scope.sql_filters``."""
    where = [Judgment.campaign_id == scope.campaign_id]
    if scope.current_only:
        newer = aliased(Judgment)
        where.append(~exists().where(newer.supersedes_id == Judgment.id))
    total = before = int(session.scalar(select(func.count()).where(*where)) or 0)
    by_filter: dict[str, int] = {}
    for name, condition in scope.sql_filters:
        where.append(condition)
        after = int(session.scalar(select(func.count()).where(*where)) or 0)
        by_filter[name] = before - after
        before = after
    return total, by_filter


# A record's rounds when the export does not filter by round (nothing reads them then).
NO_ROUNDS: frozenset[int] = frozenset()


def decode_json(text: str) -> Any:
    """``json.loads(text)``: by orjson (the same value, in a fraction of the time), or by json
    for what orjson refuses and json reads (NaN, lone surrogates, integers past 64 bits)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def judgments_per_item(session: Session, scope: Scope) -> Counter[int]:
    """How many items have each number of kept judgments (SQL filters only)."""
    per_item = (
        select(func.count().label("n")).where(*scope.where()).group_by(Judgment.item_id)
    ).subquery()
    rows = session.execute(select(per_item.c.n, func.count()).group_by(per_item.c.n)).all()
    return Counter({int(n): int(items) for n, items in rows})


def iter_records(
    session: Session, scope: Scope, *, content: bool = True
) -> Iterator[tuple[list[JudgmentRecord], int]]:
    """Keyset pagination by judgment id: constant memory, deterministic order. Yields the kept
    records of a batch and how many judgments it read (filtered ones included). ``content``
    False: records without the item's context and the candidates' contents (empty lists), for
    a writer that names candidates only (decoding them was most of the reading)."""
    after_id = 0
    while True:
        window = [Judgment.id > after_id]
        loaded = _load(
            session, scope, window, order=[Judgment.id], limit=BATCH_SIZE, content=content
        )
        if loaded is None:
            return
        records, last_id, read = loaded
        yield records, read
        after_id = last_id


def iter_item_groups(
    session: Session, scope: Scope
) -> Iterator[tuple[list[list[JudgmentRecord]], int]]:
    """Every kept judgment of each item together, a batch of items at a time, by item id; and
    how many judgments the batch read."""
    after_item = 0
    while True:
        last_item = session.scalar(
            select(func.max(Item.id)).where(
                Item.id.in_(
                    select(Item.id)
                    .where(Item.campaign_id == scope.campaign_id, Item.id > after_item)
                    .order_by(Item.id)
                    .limit(ITEM_BATCH)
                )
            )
        )
        if last_item is None:
            return
        window = [Judgment.item_id > after_item, Judgment.item_id <= last_item]
        loaded = _load(session, scope, window, order=[Judgment.item_id, Judgment.id], limit=None)
        after_item = last_item
        if loaded is None:
            continue
        groups: dict[int, list[JudgmentRecord]] = {}
        for record in loaded[0]:
            groups.setdefault(record.item_key, []).append(record)
        yield list(groups.values()), loaded[2]


def _read_window(
    connection: Connection,
    scope: Scope,
    window: list[ColumnElement[bool]],
    *,
    order: list[Any],
    limit: int | None,
    created_as_text: bool = False,
) -> tuple[Sequence[Row[Any]], Select[tuple[int]]]:
    """The judgments in ``window`` (``_load``'s columns, the answers and the shown order as
    text; the date as records write it with ``created_as_text``) and a subquery of their
    items."""
    newer = aliased(Judgment)
    superseded = exists().where(newer.supersedes_id == Judgment.id)
    where = [Judgment.campaign_id == scope.campaign_id, *window, *scope.conditions]
    query = (
        select(
            Judgment.id,
            Judgment.revision,
            Judgment.supersedes_id,
            superseded.label("superseded"),
            Judgment.annotator_id,
            Judgment.item_id,
            # As text: decoded once per distinct value (most answers repeat).
            cast(Judgment.answers, Text).label("answers"),
            cast(Judgment.shown_order, Text).label("shown_order"),
            Judgment.time_spent_ms,
            Judgment.campaign_version,
            _iso_seconds(connection) if created_as_text else Judgment.created_at,
            Judgment.gold_score,
        )
        .where(*where)
        .order_by(*order)
        .limit(limit)
    )
    if scope.current_only:
        query = query.where(~superseded)
    # Core rows, not the ORM's: an export reads millions of them.
    judgments = connection.execute(query).all()
    # The batch's items by a subquery over its window, not thousands of bound ids.
    if limit is not None and judgments:
        where.append(Judgment.id <= judgments[-1][0])
    return judgments, select(Judgment.item_id).where(*where)


def _iso_seconds(connection: Connection) -> ColumnElement[str]:
    """``created_at`` as records hold it (``isoformat(timespec="seconds") + "Z"``), by SQL."""
    if connection.dialect.name == "postgresql":
        return func.to_char(Judgment.created_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    return func.strftime("%Y-%m-%dT%H:%M:%SZ", Judgment.created_at)


@dataclass
class RawBatch:
    """A batch of judgments as ``_read_window`` gives them (the date as records write it),
    with what their rows name: each item's external id and whether it is gold, each
    candidate's item and model."""

    judgments: Sequence[Row[Any]]
    items: dict[int, tuple[str, bool]]
    candidates: dict[int, tuple[int, str | None]]


def iter_raw_batches(session: Session, scope: Scope) -> Iterator[RawBatch]:
    """``iter_records``' batches undecoded, for a writer that formats rows itself (no filter
    reads decoded judgments: the caller checks ``scope.python_filters``). Each batch is read
    by a thread while the caller formats the one before (the database waits without the GIL)."""
    connection = session.connection()

    def read(after_id: int) -> RawBatch | None:
        window = [Judgment.id > after_id]
        judgments, item_ids = _read_window(
            connection, scope, window, order=[Judgment.id], limit=BATCH_SIZE, created_as_text=True
        )
        if not judgments:
            return None
        items = connection.execute(
            select(Item.id, Item.external_id, Item.is_gold).where(Item.id.in_(item_ids))
        ).all()
        candidates = connection.execute(
            select(Candidate.id, Candidate.item_id, Candidate.model_name).where(
                Candidate.item_id.in_(item_ids)
            )
        ).all()
        return RawBatch(
            judgments,
            {item: (external, bool(gold)) for item, external, gold in items},
            {candidate: (item, model) for candidate, item, model in candidates},
        )

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-read") as reader:
        batch = read(0)
        while batch is not None:
            following = reader.submit(read, batch.judgments[-1][0])
            yield batch
            batch = following.result()


def _load(
    session: Session,
    scope: Scope,
    window: list[ColumnElement[bool]],
    *,
    order: list[Any],
    limit: int | None,
    content: bool = True,
) -> tuple[list[JudgmentRecord], int, int] | None:
    """The judgments in ``window`` as records (kept ones only), the last judgment id read and
    how many were read; None when the window holds none."""
    connection = session.connection()
    judgments, item_ids = _read_window(connection, scope, window, order=order, limit=limit)
    if not judgments:
        return None
    items = {
        item_id: (external_id, context if content else [], is_gold)
        for item_id, external_id, context, is_gold in connection.execute(
            select(
                Item.id,
                Item.external_id,
                Item.context if content else null().label("context"),
                Item.is_gold,
            ).where(Item.id.in_(item_ids))
        ).all()
    }
    candidates: dict[int, dict[int, tuple[list[dict[str, Any]], str | None]]] = {}
    rounds: dict[int, int] = {}
    for row in connection.execute(
        select(
            Candidate.id,
            Candidate.item_id,
            Candidate.content if content else null().label("content"),
            Candidate.model_name,
            Candidate.round,
        ).where(Candidate.item_id.in_(item_ids))
    ).all():
        # Rows unpacked as tuples: reading a Row's attributes by name costs more per row.
        candidate_id, item_id, parts, model_name, round_ = row
        candidates.setdefault(item_id, {})[candidate_id] = (
            parts if content else [],
            model_name,
        )
        rounds[candidate_id] = round_
    decoded: dict[str, Any] = {}
    shown_rounds: dict[str, set[int]] = {}

    def load(text: str) -> Any:
        found = decoded.get(text)
        if found is None:
            found = decoded[text] = decode_json(text)
        return found

    def rounds_shown(text: str) -> set[int]:
        found = shown_rounds.get(text)
        if found is None:
            found = shown_rounds[text] = {rounds[c] for c in load(text) if c in rounds}
        return found

    profiles, simulated, marks = scope.profiles, scope.simulated, scope.marks
    by_round = scope.rounds is not None
    records = [
        JudgmentRecord(
            judgment_id=judgment_id,
            annotator_pseudonym=scope.pseudonym(annotator_id),
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
            rounds=rounds_shown(shown_order) if by_round else NO_ROUNDS,
            annotator_key=annotator_id,
            item_key=item_id,
            profile=profiles.get(annotator_id, {}) if profiles is not None else None,
            simulated=annotator_id in simulated,
            gold=bool(items[item_id][2]),
            gold_score=gold_score,
            standing=marks.get(annotator_id),
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
            gold_score,
        ) in judgments
    ]
    return [r for r in records if scope.keeps(r)], judgments[-1][0], len(judgments)
