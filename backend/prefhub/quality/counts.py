"""Pairwise judgments as compact count tables, kept up to date incrementally.

A leaderboard needs only how often each model pair came out each way, per round and per
annotator (annotators map to groups afterwards, so one table serves every ``group_by``). SQL
reduces the judgments to those counts with GROUP BY, and this module keeps each table per
campaign in process memory so a request reads only the judgments written since the last one,
not the whole campaign. (Items where groups disagree need a row per item: the database ranks
them, ``top_item_disagreements``.)

Correctness of the cache (one per API process; N processes each keep their own):

* A table is ``base``, the counts of every judgment with ``id <= settled`` (current as of that
  id), plus a fresh query of the judgments above ``settled``, minus the settled judgments a
  newer revision (``supersedes_id``) has replaced since. So every committed judgment is counted
  exactly once at its latest revision, whichever process answers and whatever the others did:
  processes share nothing but the database.
* ``settled`` only moves past judgments created at least ``SETTLE`` ago. Ids are handed out at
  insert but become visible at commit, so a lower id can appear after a higher one; a judgment
  is written in one short transaction, so by ``SETTLE`` every id below a settled one is
  committed (or rolled back for good) and none can appear below the watermark later.
* Rows can also disappear (a deleted item or campaign takes its judgments with it, and a clock
  can jump): every table is rebuilt from scratch after ``REBUILD_AFTER``, which bounds how long
  such a change can go unseen.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, case, exists, func, literal, select
from sqlalchemy.orm import Session, aliased

from prefhub.campaigns.answers import LABELS
from prefhub.kit.time import utcnow
from prefhub.models import CampaignParticipant, Candidate, Item, Judgment, User

SETTLE = timedelta(seconds=60)
REBUILD_AFTER = 600.0  # seconds
MAX_TABLES = 64

Counts = Counter[tuple[Any, ...]]


@dataclass(frozen=True)
class _Table:
    settled: int
    base: Counts
    delta: Counts
    built: float  # time.monotonic() of the last full build

    def snapshot(self) -> Snapshot:
        version = (self.built, self.settled, tuple(sorted(self.delta.items(), key=repr)))
        return Snapshot(self.base, self.delta, version)


@dataclass(frozen=True)
class Snapshot:
    """A table as of now: ``base`` (shared between requests: read it, never change it) plus
    ``delta`` (judgments since, minus the revisions they replaced; may be negative).
    ``version`` changes whenever the counts may have changed, so a result computed from a
    snapshot can be kept by it."""

    base: Counts
    delta: Counts
    version: tuple[Any, ...]

    def items(self) -> Iterator[tuple[tuple[Any, ...], int]]:
        for key, n in self.base.items():
            total = n + self.delta.get(key, 0)
            if total > 0:
                yield key, total
        for key, n in self.delta.items():
            if n > 0 and key not in self.base:
                yield key, n


_tables: OrderedDict[Hashable, _Table] = OrderedDict()
_lock = threading.Lock()


Kind = Literal["pairwise", "ranking"]


def pair_counts(session: Session, campaign_id: int, question_id: str) -> Snapshot:
    """``(round, annotator_id, model shown first, model shown second, choice) -> judgments``,
    exact: every committed judgment up to this request."""
    key = ("pairs", campaign_id, question_id)
    return _current(session, key, campaign_id, question_id, "pairwise")


def ranking_counts(session: Session, campaign_id: int, question_id: str) -> Snapshot:
    """``(round, annotator_id, ranking as JSON text, none_acceptable, model shown as A, as B,
    ...) -> judgments`` of a ranking question, the models up to the last named one: as exact
    as ``pair_counts``. Judgments that ranked the same models the same way share a row."""
    key = ("rankings", campaign_id, question_id)
    return _current(session, key, campaign_id, question_id, "ranking")


@dataclass(frozen=True)
class ItemGroupRow:
    """How one group judged one model pair on one item, from ``first``'s side (``first`` <
    ``second`` by name): wins plus half the ties, over wins, losses and ties."""

    item_id: int
    round: int
    first: str
    second: str
    group: Any  # the group as SQL gives it: a profile answer's text, or a group number
    first_won: float
    decided: int


def top_item_disagreements(
    session: Session,
    campaign_id: int,
    question_id: str,
    group: ColumnElement[Any],
    *,
    exclude_synthetic: bool,
    round_: int | None,
    limit: int,
) -> list[ItemGroupRow]:
    """The per-group rows of the ``limit`` (item, model pair)s whose groups' smoothed win rates
    (one virtual win each way) lie furthest apart, among those two or more groups judged.

    One query over the campaign's current judgments, all in the database: an item list walks a
    row per item, which is too much to keep and walk in an API process for a large campaign
    (the service runs this in the background and keeps the result)."""
    first, second, newer = aliased(Candidate), aliased(Candidate), aliased(Judgment)
    choice = Judgment.answers[(question_id, "choice")].as_string()
    in_order = first.model_name < second.model_name
    where: list[ColumnElement[bool]] = [
        Judgment.campaign_id == campaign_id,
        ~exists().where(newer.supersedes_id == Judgment.id),
        choice.in_(["A", "B", "tie"]),
        first.model_name != second.model_name,
        group.is_not(None),
    ]
    if exclude_synthetic:
        where.append(User.is_synthetic.is_(False))
    if round_ is not None:
        where.append(Item.round == round_)
    won = func.sum(
        case(
            (((choice == "A") & in_order) | ((choice == "B") & ~in_order), 1.0),
            (choice == "tie", 0.5),
            else_=0.0,
        )
    )
    keys = (
        Item.round.label("round"),
        Judgment.item_id.label("item_id"),
        group.label("grp"),
        case((in_order, first.model_name), else_=second.model_name).label("lo"),
        case((in_order, second.model_name), else_=first.model_name).label("hi"),
    )
    per_group = (
        select(*keys, won.label("won"), func.count().label("decided"))
        .select_from(Judgment)
        .join(Item, Item.id == Judgment.item_id)
        .join(first, first.id == Judgment.shown_order[0].as_integer())
        .join(second, second.id == Judgment.shown_order[1].as_integer())
        .join(User, User.id == Judgment.annotator_id)
        .outerjoin(
            CampaignParticipant,
            (CampaignParticipant.user_id == Judgment.annotator_id)
            & (CampaignParticipant.campaign_id == campaign_id),
        )
        .where(*where)
        .group_by(*keys)
        .subquery()
    )
    rate = (per_group.c.won + 1.0) / (per_group.c.decided + 2.0)
    spread = (func.max(rate) - func.min(rate)).label("spread")
    judged = func.sum(per_group.c.decided)
    pair = (per_group.c.item_id, per_group.c.round, per_group.c.lo, per_group.c.hi)
    top = session.execute(
        select(*pair)
        .group_by(*pair)
        .having(func.count() >= 2)
        .order_by(spread.desc(), judged.desc(), per_group.c.lo, per_group.c.hi, pair[0])
        .limit(limit)
    ).all()
    if not top:
        return []
    wanted = {(item_id, lo, hi) for item_id, _, lo, hi in top}
    rows = session.execute(
        select(per_group).where(per_group.c.item_id.in_(sorted({key[0] for key in wanted})))
    ).all()
    return [
        ItemGroupRow(
            item_id=row.item_id,
            round=row.round,
            first=row.lo,
            second=row.hi,
            group=row.grp,
            first_won=float(row.won),
            decided=int(row.decided),
        )
        for row in rows
        if (row.item_id, row.lo, row.hi) in wanted
    ]


def profile_answer(field: str) -> ColumnElement[Any]:
    """An annotator's profile answer to ``field`` in SQL (their campaign survey answer, else
    their account's), as the database gives it: text, or JSON text for a list."""
    return func.coalesce(
        CampaignParticipant.profile[field].as_string(), User.profile[field].as_string()
    )


def group_number(members: Mapping[int, int]) -> ColumnElement[Any]:
    """The group number ``members`` gives each annotator (annotator id -> number) in SQL; NULL
    for the others. ``members`` must not be empty."""
    by_number: dict[int, list[int]] = {}
    for annotator, number in members.items():
        by_number.setdefault(number, []).append(annotator)
    return case(
        *(
            (Judgment.annotator_id.in_(sorted(ids)), literal(number))
            for number, ids in sorted(by_number.items())
        ),
        else_=None,
    )


def _current(
    session: Session,
    key: Hashable,
    campaign_id: int,
    question_id: str,
    kind: Kind,
) -> Snapshot:
    """The table ``key`` as of now."""
    with _lock:
        table = _tables.get(key)
    now = time.monotonic()
    if table is None or now - table.built > REBUILD_AFTER:
        table = _Table(settled=0, base=Counter(), delta=Counter(), built=now)

    def query(lo: int, hi: int | None, replaced_in: tuple[int, int | None] | None) -> Counts:
        return _query(session, campaign_id, question_id, kind, lo, hi, replaced_in)

    settled = session.scalar(
        select(func.max(Judgment.id)).where(
            Judgment.campaign_id == campaign_id,
            Judgment.id > table.settled,
            Judgment.created_at <= utcnow() - SETTLE,
        )
    )
    base = table.base
    if settled is not None:
        # Fold the newly settled judgments into the base: add them (current as of ``settled``)
        # and take out the older ones they replaced.
        base = base.copy()
        base.update(query(table.settled, settled, None))
        base.subtract(query(0, table.settled, (table.settled, settled)))
        base = +base
    else:
        settled = table.settled
    delta: Counts = Counter()
    delta.update(query(settled, None, None))
    delta.subtract(query(0, settled, (settled, None)))
    table = _Table(settled, base, delta, built=table.built)
    with _lock:
        _tables[key] = table
        _tables.move_to_end(key)
        while len(_tables) > MAX_TABLES:
            _tables.popitem(last=False)
    return table.snapshot()


def _query(
    session: Session,
    campaign_id: int,
    question_id: str,
    kind: Kind,
    lo: int,
    hi: int | None,
    replaced_in: tuple[int, int | None] | None,
) -> Counts:
    """Counts of the judgments with ``lo < id <= hi``: those no judgment up to ``hi`` replaced
    (``replaced_in`` None), or those replaced by a judgment with an id in ``replaced_in``."""
    if replaced_in is not None and replaced_in[1] is not None and replaced_in[1] <= replaced_in[0]:
        return Counter()
    newer = aliased(Judgment)
    where: list[ColumnElement[bool]] = [Judgment.campaign_id == campaign_id, Judgment.id > lo]
    if hi is not None:
        where.append(Judgment.id <= hi)
    if replaced_in is None:
        replacing = [newer.supersedes_id == Judgment.id]
        if hi is not None:
            replacing.append(newer.id <= hi)
        where.append(~exists().where(*replacing))
    else:
        replacing_ids = select(newer.supersedes_id).where(
            newer.campaign_id == campaign_id,
            newer.supersedes_id.is_not(None),
            newer.id > replaced_in[0],
        )
        if replaced_in[1] is not None:
            replacing_ids = replacing_ids.where(newer.id <= replaced_in[1])
        where.append(Judgment.id.in_(replacing_ids))
    if kind == "ranking":
        return _ranking_query(session, question_id, where)
    first, second = aliased(Candidate), aliased(Candidate)
    choice = Judgment.answers[(question_id, "choice")].as_string()
    columns = [
        Item.round,
        Judgment.annotator_id,
        first.model_name,
        second.model_name,
        choice,
    ]
    query = (
        select(*columns, func.count())
        .select_from(Judgment)
        .join(Item, Item.id == Judgment.item_id)
        .join(first, first.id == Judgment.shown_order[0].as_integer())
        .join(second, second.id == Judgment.shown_order[1].as_integer())
    )
    rows = session.execute(query.where(*where, choice.is_not(None)).group_by(*columns)).all()
    return Counter({tuple(row[:-1]): int(row[-1]) for row in rows})


def _ranking_query(session: Session, question_id: str, where: list[ColumnElement[bool]]) -> Counts:
    """Ranking judgments grouped by how they ranked which models: one outer join per shown
    position, as many as the widest judgment in range showed (at most one per label)."""
    ranking = Judgment.answers[(question_id, "ranking")].as_string()
    none_acceptable = Judgment.answers[(question_id, "none_acceptable")].as_string()
    where = [*where, ranking.is_not(None)]
    width = session.scalar(
        select(func.max(func.json_array_length(Judgment.shown_order))).where(*where)
        if session.get_bind().dialect.name != "postgresql"
        else select(func.max(func.jsonb_array_length(Judgment.shown_order))).where(*where)
    )
    shown = [aliased(Candidate) for _ in range(min(int(width or 0), len(LABELS)))]
    columns = [Item.round, Judgment.annotator_id, ranking, none_acceptable]
    columns += [candidate.model_name for candidate in shown]
    query = (
        select(*columns, func.count()).select_from(Judgment).join(Item, Item.id == Judgment.item_id)
    )
    for position, candidate in enumerate(shown):
        query = query.outerjoin(
            candidate, candidate.id == Judgment.shown_order[position].as_integer()
        )
    counts: Counts = Counter()
    for row in session.execute(query.where(*where).group_by(*columns)).all():
        models = list(row[4:-1])
        while models and models[-1] is None:
            models.pop()
        nothing_acceptable = row[3] in (True, 1, "1", "true")
        counts[(row[0], row[1], row[2], nothing_acceptable, *models)] += int(row[-1])
    return counts
