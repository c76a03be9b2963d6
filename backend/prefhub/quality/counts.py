"""Pairwise judgments as compact count tables, kept up to date incrementally.

A leaderboard needs only how often each model pair came out each way, per round and per
annotator (annotators map to groups afterwards, so one table serves every ``group_by``); the
group-disagreement view needs the same per item and group. SQL reduces the judgments to those
counts with GROUP BY, and this module keeps each table per campaign in process memory so a
request reads only the judgments written since the last one, not the whole campaign.

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
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, exists, func, literal, select
from sqlalchemy.orm import Session, aliased

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
    refreshed: float  # time.monotonic() of the last read of the database

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


def pair_counts(session: Session, campaign_id: int, question_id: str) -> Snapshot:
    """``(round, annotator_id, model shown first, model shown second, choice) -> judgments``,
    exact: every committed judgment up to this request."""
    key = ("pairs", campaign_id, question_id)
    return _current(session, key, campaign_id, question_id, (Judgment.annotator_id,))


def item_counts_by_profile(
    session: Session, campaign_id: int, question_id: str, field: str
) -> Snapshot:
    """``(round, item_id, answer, synthetic, model shown first, model shown second, choice) ->
    judgments``, where ``answer`` is the annotator's profile answer to ``field`` as the
    database returns it (survey answer over account profile; JSON text for a list, None for
    none) and ``synthetic`` says whether they are a simulated annotator.

    Grouping in SQL (not by a list of annotators) keeps the table valid when new annotators
    join. (It has a row per item: ``quality.service`` reads it in the background.)"""
    answer = func.coalesce(
        CampaignParticipant.profile[field].as_string(), User.profile[field].as_string()
    )
    key = ("items", campaign_id, question_id, "profile", field)
    return _current(
        session,
        key,
        campaign_id,
        question_id,
        (Judgment.item_id, answer, User.is_synthetic),
        profiles=True,
    )


def item_counts_by_members(
    session: Session, campaign_id: int, question_id: str, groups: Mapping[int, int]
) -> Snapshot:
    """``(round, item_id, group, model shown first, model shown second, choice) -> judgments``
    for the annotators ``groups`` maps (annotator id -> group number), e.g. annotator groups'
    members; others are left out."""
    members: dict[int, list[int]] = {}
    for annotator, group in groups.items():
        members.setdefault(group, []).append(annotator)
    if not members:
        return Snapshot(Counter(), Counter(), ())
    group_of = case(
        *(
            (Judgment.annotator_id.in_(sorted(ids)), literal(number))
            for number, ids in sorted(members.items())
        ),
        else_=None,
    )
    key = ("items", campaign_id, question_id, hash(tuple(sorted(groups.items()))))
    return _current(
        session,
        key,
        campaign_id,
        question_id,
        (Judgment.item_id, group_of),
    )


def forget(campaign_id: int | None = None) -> None:
    """Drop cached tables (of one campaign, or all): the next request rebuilds them."""
    with _lock:
        for key in [k for k in _tables if campaign_id is None or k[1] == campaign_id]:  # type: ignore[index]
            del _tables[key]


def _current(
    session: Session,
    key: Hashable,
    campaign_id: int,
    question_id: str,
    extra: Sequence[Any],
    *,
    profiles: bool = False,
) -> Snapshot:
    """The table ``key`` as of now."""
    with _lock:
        table = _tables.get(key)
    now = time.monotonic()
    if table is None or now - table.built > REBUILD_AFTER:
        table = _Table(settled=0, base=Counter(), delta=Counter(), built=now, refreshed=now)

    def query(lo: int, hi: int | None, replaced_in: tuple[int, int | None] | None) -> Counts:
        return _query(session, campaign_id, question_id, extra, lo, hi, replaced_in, profiles)

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
    table = _Table(settled, base, delta, built=table.built, refreshed=now)
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
    extra: Sequence[Any],
    lo: int,
    hi: int | None,
    replaced_in: tuple[int, int | None] | None,
    profiles: bool = False,
) -> Counts:
    """Counts of the judgments with ``lo < id <= hi``: those no judgment up to ``hi`` replaced
    (``replaced_in`` None), or those replaced by a judgment with an id in ``replaced_in``.
    ``profiles``: ``extra`` reads the annotator's account and campaign participation."""
    if replaced_in is not None and replaced_in[1] is not None and replaced_in[1] <= replaced_in[0]:
        return Counter()
    first, second, newer = aliased(Candidate), aliased(Candidate), aliased(Judgment)
    choice = Judgment.answers[(question_id, "choice")].as_string()
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
    columns = [
        Item.round,
        *extra,
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
    if profiles:
        query = query.join(User, User.id == Judgment.annotator_id).outerjoin(
            CampaignParticipant,
            (CampaignParticipant.user_id == Judgment.annotator_id)
            & (CampaignParticipant.campaign_id == campaign_id),
        )
    rows = session.execute(query.where(*where, choice.is_not(None)).group_by(*columns)).all()
    return Counter({tuple(row[:-1]): int(row[-1]) for row in rows})
