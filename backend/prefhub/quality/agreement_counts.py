"""Agreement's sums (``agreement.Sums``) per measure, per day and per group, kept up to date
incrementally, as ``counts`` keeps the leaderboard's pair counts.

Alpha and raw agreement are sums over units of what each unit's value counts give, so a
campaign's agreement is kept as those sums (no per-unit state) and a judgment changes only
its item's units: the item's contribution as it was is taken out and the one as it is now
added, both recounted from the item's judgments. A request reads the judgments written since
the last one and the items they touch, not the whole campaign. A unit is counted in the day
of its latest judgment (week and month are sums of days) and, per group, over the votes of
that group's annotators. Two views are kept: every annotator, and humans only (the same
object until a simulated annotator first judges), which the ``include_simulated`` policy
chooses between.

Correctness (one state per API process, campaign, set of measures and ``group_by``; processes
share nothing but the database):

* The sums are those of the judgments with ``id <= settled`` plus ``seen`` (ids above it
  already counted), each as current among them (a judgment replaced by a counted revision is
  out). A request reads every id above ``settled`` in one statement; those not yet ``seen``
  are new: their items are recounted without and with them, and the difference applied. So
  a committed judgment is counted in the first report that starts after its commit, exactly
  once, at its latest revision.
* ``settled`` moves only past judgments created at least ``SETTLE`` ago (``counts.SETTLE``):
  ids are handed out at insert but become visible at commit, and by then every lower id is
  committed or rolled back for good, so nothing can appear below it later.
* Rows can also disappear (judgments deleted by hand: the product deletes them only with
  their campaign), and an annotator's group can change (a profile edit, a group membership):
  the state is rebuilt after ``REBUILD_AFTER`` (at once when a known annotator's group
  changed) in the background, while the old state keeps answering, so such a change shows
  within ``REBUILD_AFTER`` plus the rebuild. A campaign of ``APART_FROM`` judgments or more is
  built in a child process at a lower CPU priority, which also counts the judgments written
  meanwhile, so the API process neither waits behind the build's interpreter lock nor has
  much to catch up on. Only a process's first request for a campaign (or the first after its
  questions changed) waits for a build.
"""

from __future__ import annotations

import copy
import logging
import multiprocessing
import os
import threading
import time
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from prefhub.campaigns.service import spec_of
from prefhub.kit.time import utcnow
from prefhub.models import Campaign, Judgment, User
from prefhub.quality import service
from prefhub.quality.agreement import Measure, Sums, measures_of, values_of
from prefhub.quality.counts import SETTLE

# Judgments leave a live campaign only by hand (the product deletes them only with their
# campaign), so the periodic rebuild is a safety net and runs rarely.
REBUILD_AFTER = 3600.0  # seconds
# A campaign with more judgments is built in a child process (its own interpreter lock, and
# a lower CPU priority), so the API process's other requests do not wait behind the build.
APART_FROM = 50_000  # judgments
CAUGHT_UP = 200  # a child catches up until fewer new judgments than this came in meanwhile
MAX_STATES = 32
ITEMS_PER_QUERY = 500  # item ids per IN list when recounting touched items
logger = logging.getLogger(__name__)

_COLUMNS = (
    Judgment.id,
    Judgment.item_id,
    Judgment.annotator_id,
    Judgment.created_at,
    Judgment.answers,
    Judgment.shown_order,
    Judgment.supersedes_id,
)


@dataclass
class ViewSums:
    """The sums of one view (every annotator, or humans only)."""

    judgments: int = 0  # current judgments counted
    overall: dict[str, Sums] = field(default_factory=dict)  # measure ->
    days: dict[tuple[str, date], Sums] = field(default_factory=dict)  # (measure, day) ->
    groups: dict[tuple[str, str], Sums] = field(default_factory=dict)  # (measure, group) ->


@dataclass
class AgreementSums:
    """What a report reads, as of the request: the views, each annotator's simulated flag and
    the group they are counted in."""

    all: ViewSums
    humans: ViewSums
    synthetic: dict[int, bool]  # annotator -> simulated
    groups: dict[int, str]  # annotator -> group (with ``group_by``)


@dataclass
class _State:
    measures: list[Measure]
    group_by: str | None
    settled: int
    seen: set[int]
    built: float  # time.monotonic() of the build
    synthetic: dict[int, bool]
    groups: dict[int, str]
    all: ViewSums = field(default_factory=ViewSums)
    humans: ViewSums | None = None  # None while no simulated annotator judged: same as all
    regroup: bool = False  # a known annotator's group changed: rebuild
    lock: threading.Lock = field(default_factory=threading.Lock)

    # A state built in a child process comes back pickled, without its lock.
    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "lock"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.lock = threading.Lock()

    def views(self) -> list[tuple[ViewSums, bool]]:
        """(view, humans only) pairs to count a judgment in."""
        return (
            [(self.all, False)] if self.humans is None else [(self.all, False), (self.humans, True)]
        )

    def count_item(self, rows: Sequence[Any], counted: Iterable[int], sign: int) -> None:
        """Add (``sign`` 1) or take out (-1) one item's contribution with the judgments
        ``counted`` (ids) among ``rows`` (all the item's judgments)."""
        ids = set(counted)
        replaced = {r.supersedes_id for r in rows if r.id in ids and r.supersedes_id is not None}
        current = [
            r
            for r in rows
            if r.id in ids and r.id not in replaced and r.annotator_id in self.synthetic
        ]
        for view, humans_only in self.views():
            voters = [r for r in current if not (humans_only and self.synthetic[r.annotator_id])]
            _count(view, voters, self.measures, self.groups, sign)


def _count(
    view: ViewSums,
    rows: Sequence[Any],
    measures: Sequence[Measure],
    groups: dict[int, str],
    sign: int,
) -> None:
    rows = [r for r in rows if isinstance(r.answers, dict)]
    view.judgments += sign * len(rows)
    for measure in measures:
        # unit -> annotator -> (value, judged at)
        units: dict[Hashable, dict[int, tuple[Hashable, datetime]]] = {}
        for r in rows:
            for unit, value in values_of(measure, r.answers, r.shown_order or []):
                units.setdefault(unit, {})[r.annotator_id] = (value, r.created_at)
        for votes in units.values():
            if len(votes) < 2:
                continue  # not pairable, in the view or in any group
            tally = Counter(value for value, _ in votes.values())
            _add(view.overall, measure.id, tally, sign)
            day = max(at for _, at in votes.values()).date()
            _add(view.days, (measure.id, day), tally, sign)
            by_group: dict[str, Counter[Hashable]] = {}
            for annotator, (value, _) in votes.items():
                if annotator in groups:
                    by_group.setdefault(groups[annotator], Counter())[value] += 1
            for group, in_group in by_group.items():
                _add(view.groups, (measure.id, group), in_group, sign)


def _add(into: dict[Any, Sums], key: Any, tally: Counter[Hashable], sign: int) -> None:
    if sum(tally.values()) < 2:
        return
    sums = into.get(key)
    if sums is None:
        sums = into[key] = Sums()
    sums.add(tally, sign)
    if sums.empty:
        del into[key]


_states: dict[tuple[Any, ...], _State] = {}
_rebuilding: set[tuple[Any, ...]] = set()
_lock = threading.Lock()


@contextmanager
def agreement_sums(
    session: Session, campaign: Campaign, group_by: str | None
) -> Iterator[AgreementSums]:
    """The campaign's agreement sums as of now (every judgment committed before this request
    counted once, at its latest revision; a deletion shows after a rebuild), to be read
    inside the ``with`` block only: they are the live state, held for the block."""
    # By the measures, not the spec version: an edit that keeps the questions keeps the sums.
    key = (campaign.id, tuple(measures_of(spec_of(campaign))), group_by)
    with _lock:
        state = _states.get(key)
    if state is None:
        state = _first_build(session, campaign, group_by)
        _keep(key, state)
    with state.lock:
        _catch_up(session, campaign, state)
        due = state.regroup or time.monotonic() - state.built > REBUILD_AFTER
        yield AgreementSums(
            all=state.all,
            humans=state.all if state.humans is None else state.humans,
            synthetic=state.synthetic,
            groups=state.groups,
        )
    if due:
        _rebuild_in_background(key, campaign.id)


def _keep(key: tuple[Any, ...], state: _State) -> None:
    with _lock:
        _states[key] = state
        while len(_states) > MAX_STATES:
            del _states[next(iter(_states))]


def _rebuild_in_background(key: tuple[Any, ...], campaign_id: int) -> None:
    with _lock:
        if key in _rebuilding:
            return
        _rebuilding.add(key)
    threading.Thread(target=_rebuild, args=(key, campaign_id), daemon=True).start()


def _rebuild(key: tuple[Any, ...], campaign_id: int) -> None:
    from prefhub.kit.db import unit_of_work

    try:
        with unit_of_work(read_only=True) as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is None or tuple(measures_of(spec_of(campaign))) != key[1]:
                return
            apart = _judgments(session, campaign_id) >= APART_FROM
            state = None if apart else _build(session, campaign, key[2])
        if state is None:
            state = _build_apart(campaign_id, key[1], key[2])
        if state is not None:
            _keep(key, state)
    except Exception:
        # The old state keeps answering (exactly, but for deletions); the next request
        # after REBUILD_AFTER tries again, so nothing is lost by not raising here.
        logger.exception("rebuilding agreement sums failed")
    finally:
        with _lock:
            _rebuilding.discard(key)


def _first_build(session: Session, campaign: Campaign, group_by: str | None) -> _State:
    """A process's first state for the campaign: built in the request, or for a large
    campaign in a child process while the request waits without holding the interpreter."""
    if _judgments(session, campaign.id) < APART_FROM:
        return _build(session, campaign, group_by)
    state = _build_apart(campaign.id, tuple(measures_of(spec_of(campaign))), group_by)
    return state if state is not None else _build(session, campaign, group_by)


def _judgments(session: Session, campaign_id: int) -> int:
    return int(session.scalar(select(func.count()).where(Judgment.campaign_id == campaign_id)) or 0)


def _build_apart(
    campaign_id: int, measures: tuple[Measure, ...], group_by: str | None
) -> _State | None:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(build_in_child, campaign_id, measures, group_by).result()


def build_in_child(
    campaign_id: int, measures: tuple[Measure, ...], group_by: str | None
) -> _State | None:
    """Runs in a child process: the campaign's state, caught up with the judgments written
    while it was built (so the API process's next request has little left to count); None
    when the campaign or its questions changed meanwhile."""
    from prefhub.kit.db import unit_of_work

    os.nice(10)  # the API process's requests come first
    with unit_of_work(read_only=True) as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None or tuple(measures_of(spec_of(campaign))) != measures:
            return None
        state = _build(session, campaign, group_by)
    for _ in range(5):
        with unit_of_work(read_only=True) as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is None or _catch_up(session, campaign, state) < CAUGHT_UP:
                break
    return state


def _build(session: Session, campaign: Campaign, group_by: str | None) -> _State:
    """A state from every judgment of the campaign, read in one statement (one snapshot)
    item by item."""
    annotators = set(
        session.scalars(
            select(Judgment.annotator_id).where(Judgment.campaign_id == campaign.id).distinct()
        )
    )
    state = _State(
        measures=measures_of(spec_of(campaign)),
        group_by=group_by,
        settled=0,
        seen=set(),
        built=time.monotonic(),
        synthetic=_synthetic(session, annotators),
        groups=_groups(session, campaign, annotators, group_by),
    )
    if any(state.synthetic.values()):
        state.humans = ViewSums()
    settles = case((Judgment.created_at <= utcnow() - SETTLE, True), else_=False)
    rows = session.execute(
        select(*_COLUMNS, settles.label("settles"))
        .where(Judgment.campaign_id == campaign.id)
        .order_by(Judgment.item_id, Judgment.id)
        .execution_options(yield_per=2000)
    )
    visible: list[int] = []
    newest_settled = 0
    unknown_from: int | None = None  # the lowest id of an annotator the build does not know
    item: list[Any] = []
    for row in rows:
        if row.annotator_id not in state.synthetic:
            # Committed after the annotators were read: counted as new by the next request.
            unknown_from = row.id if unknown_from is None else min(unknown_from, row.id)
            continue
        visible.append(row.id)
        if row.settles:
            newest_settled = max(newest_settled, row.id)
        if item and item[0].item_id != row.item_id:
            state.count_item(item, (r.id for r in item), 1)
            item = []
        item.append(row)
    if item:
        state.count_item(item, (r.id for r in item), 1)
    if unknown_from is not None:
        newest_settled = min(newest_settled, unknown_from - 1)
    state.settled = newest_settled
    state.seen = {i for i in visible if i > newest_settled}
    return state


def _catch_up(session: Session, campaign: Campaign, state: _State) -> int:
    """Count the judgments committed since the state last looked, and move ``settled``;
    how many were new."""
    settles = case((Judgment.created_at <= utcnow() - SETTLE, True), else_=False)
    above = session.execute(
        select(Judgment.id, Judgment.item_id, Judgment.annotator_id, settles).where(
            Judgment.campaign_id == campaign.id, Judgment.id > state.settled
        )
    ).all()
    new = [r for r in above if r.id not in state.seen]
    _know_annotators(session, campaign, state, {r.annotator_id for r in new})
    if new:
        new_ids = {r.id for r in new}
        settled, seen = state.settled, state.seen
        items = sorted({r.item_id for r in new})
        for start in range(0, len(items), ITEMS_PER_QUERY):
            rows = session.execute(
                select(*_COLUMNS)
                .where(
                    Judgment.campaign_id == campaign.id,
                    Judgment.item_id.in_(items[start : start + ITEMS_PER_QUERY]),
                )
                .order_by(Judgment.item_id, Judgment.id)
            ).all()
            by_item: dict[int, list[Any]] = {}
            for row in rows:
                by_item.setdefault(row.item_id, []).append(row)
            for item_rows in by_item.values():
                before = [r.id for r in item_rows if r.id <= settled or r.id in seen]
                state.count_item(item_rows, before, -1)
                state.count_item(
                    item_rows, [*before, *(r.id for r in item_rows if r.id in new_ids)], 1
                )
        state.seen |= new_ids
    settling = [r.id for r in above if r[3]]
    if settling:
        state.settled = max(settling)
        state.seen = {i for i in state.seen if i > state.settled}
    return len(new)


def _know_annotators(
    session: Session, campaign: Campaign, state: _State, judging: set[int]
) -> None:
    """Learn the simulated flag and group of annotators judging for the first time (before
    their judgments are counted), and whether a known annotator's group changed."""
    new = judging - state.synthetic.keys()
    if new:
        flags = _synthetic(session, new)
        if state.humans is None and any(flags.values()):
            # Until now every counted annotator was human: the humans' view is a copy.
            state.humans = copy.deepcopy(state.all)
        state.synthetic.update(flags)
    if state.group_by is None:
        return
    now = _groups(session, campaign, set(state.synthetic), state.group_by)
    for annotator, group in now.items():
        if annotator in new:
            state.groups[annotator] = group
    known = state.synthetic.keys() - new
    if any(now.get(a) != state.groups.get(a) for a in known):
        state.regroup = True


def _synthetic(session: Session, annotators: set[int]) -> dict[int, bool]:
    if not annotators:
        return {}
    found = dict.fromkeys(annotators, False)
    for annotator, synthetic in session.execute(
        select(User.id, User.is_synthetic).where(User.id.in_(sorted(annotators)))
    ):
        found[annotator] = bool(synthetic)
    return found


def _groups(
    session: Session, campaign: Campaign, annotators: set[int], group_by: str | None
) -> dict[int, str]:
    return service._groups(session, campaign, annotators, group_by) if group_by else {}
