"""A campaign's model leaderboard and group disagreement, from its pairwise or ranking judgments.

What counts: the current revision of each judgment of one question (the campaign's first
pairwise question, else its first ranking question, unless the caller names another; a ranking
counts as its pairs, weighted as ``leaderboard`` says), between the models of the candidates shown
(a candidate without a model name, e.g. a human-written one, is left out, and so is a pair of
one model with itself). Simulated annotators (``prefhub simulate``) are treated as exports
treat them: left out of a campaign that also has human judgments unless ``include_simulated``;
a campaign with only simulated judgments shows them, and says so (``simulated``).

Groups: an annotator's group is their answer to a profile question (the campaign's survey
answers over their account's profile, as exports read profiles), or with ``group_by =
"annotator_group"`` the annotator groups they belong to. A multiple-choice answer (or several
groups) makes one group of the combination, so each annotator counts in exactly one group.
Annotators without an answer are in no group: they count overall only.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefhub.campaigns.service import spec_of
from prefhub.models import (
    AnnotatorGroup,
    AnnotatorGroupMember,
    Campaign,
    CampaignParticipant,
    Item,
    User,
)
from prefhub.quality import counts
from prefhub.quality.exceptions import UnknownGroupField, UnknownQuestion
from prefhub.quality.leaderboard import (
    Disagreement,
    Leaderboard,
    PairGames,
    Tally,
    disagreement,
    leaderboard,
    ranked,
    ranking_pairs,
    record,
)

logger = logging.getLogger(__name__)

ANNOTATOR_GROUP = "annotator_group"
BOOTSTRAP_SAMPLES = 100
SimulatedPolicy = Literal["none", "excluded", "included", "only_simulated"]


@dataclass
class GroupBoard:
    group: str
    annotators: int
    board: Leaderboard


@dataclass
class LeaderboardReport:
    question: str | None
    round: int | None
    rounds: list[int]
    group_by: str | None
    simulated: SimulatedPolicy
    overall: Leaderboard
    groups: list[GroupBoard] = field(default_factory=list)


@dataclass
class ItemDisagreement:
    item_id: int
    external_id: str
    round: int
    found: Disagreement


@dataclass
class DisagreementReport:
    question: str | None
    round: int | None
    group_by: str
    simulated: SimulatedPolicy
    groups: dict[str, int]  # group -> annotators
    pairs: list[Disagreement]
    items: list[ItemDisagreement]


@dataclass
class _Scope:
    question: str
    kind: counts.Kind
    rows: counts.Snapshot
    kept: set[int]  # annotators whose judgments count
    simulated: SimulatedPolicy
    rounds: list[int]


def leaderboard_question(
    campaign: Campaign, question: str | None
) -> tuple[str, counts.Kind] | None:
    """The question a leaderboard reads and its kind: ``question``, else the campaign's first
    pairwise question, else its first ranking question."""
    kinds: dict[str, counts.Kind] = {
        q.id: q.kind for q in spec_of(campaign).questions if q.kind in ("pairwise", "ranking")
    }
    if question is None:
        ordered = sorted(kinds.items(), key=lambda found: found[1] != "pairwise")
        return ordered[0] if ordered else None
    if question not in kinds:
        raise UnknownQuestion(
            f"'{question}' is not a pairwise or ranking question of this campaign",
            details={
                "pairwise_questions": [q for q, k in kinds.items() if k == "pairwise"],
                "ranking_questions": [q for q, k in kinds.items() if k == "ranking"],
            },
        )
    return question, kinds[question]


def _comparisons(scope: _Scope) -> Iterator[tuple[int, int, str, str, str, float]]:
    """``(round, annotator, model shown first, model shown second, outcome, weight)`` of the
    scope's judgments, a ranking's as its weighted pairs."""
    for key, n in scope.rows.items():
        if scope.kind == "pairwise":
            round_of, annotator, shown_first, shown_second, choice = key
            if shown_first is not None and shown_second is not None:
                yield round_of, annotator, shown_first, shown_second, choice, n
            continue
        round_of, annotator, ranking_text, nothing_acceptable, *models = key
        try:
            ranking = json.loads(ranking_text)
        except (TypeError, ValueError):
            continue  # not an answer the ranking question stores
        if not isinstance(ranking, list) or not all(isinstance(t, list) for t in ranking):
            continue
        tiers = [[label for label in tier if isinstance(label, str)] for tier in ranking]
        for first, second, outcome, weight in ranking_pairs(models, tiers, nothing_acceptable):
            yield round_of, annotator, first, second, outcome, weight * n


def leaderboard_report(
    session: Session,
    campaign: Campaign,
    *,
    question: str | None = None,
    round_: int | None = None,
    group_by: str | None = None,
    include_simulated: bool = False,
) -> LeaderboardReport:
    scope = _scope(session, campaign, question, include_simulated)
    if scope is None:
        return LeaderboardReport(None, round_, [], group_by, "none", Leaderboard())
    groups = _groups(session, campaign, scope.kept, group_by) if group_by else {}
    overall: Tally = {}
    by_group: dict[str, Tally] = {}
    for round_of, annotator, shown_first, shown_second, choice, n in _comparisons(scope):
        if annotator not in scope.kept or (round_ is not None and round_of != round_):
            continue
        record(overall, shown_first, shown_second, choice, n)
        if annotator in groups:
            record(by_group.setdefault(groups[annotator], {}), shown_first, shown_second, choice, n)
    members: dict[str, int] = {}
    for group in groups.values():
        members[group] = members.get(group, 0) + 1
    identity = (campaign.id, scope.question, round_, scope.simulated)
    return LeaderboardReport(
        question=scope.question,
        round=round_,
        rounds=scope.rounds,
        group_by=group_by,
        simulated=scope.simulated,
        overall=_board(overall, identity),
        groups=[
            GroupBoard(
                group=g, annotators=members[g], board=_board(tally, (*identity, group_by, g))
            )
            for g, tally in sorted(by_group.items())
        ],
    )


def disagreement_report(
    session: Session,
    campaign: Campaign,
    *,
    group_by: str,
    question: str | None = None,
    round_: int | None = None,
    include_simulated: bool = False,
    limit: int = 20,
) -> DisagreementReport:
    scope = _scope(session, campaign, question, include_simulated)
    if scope is None:
        return DisagreementReport(None, round_, group_by, "none", {}, [], [])
    groups = _groups(session, campaign, scope.kept, group_by)
    names = sorted(set(groups.values()))
    members = {name: sum(1 for g in groups.values() if g == name) for name in names}

    pairs: dict[tuple[str, str], dict[str, PairGames]] = {}
    for round_of, annotator, shown_first, shown_second, choice, n in _comparisons(scope):
        group = groups.get(annotator)
        if group is None or (round_ is not None and round_of != round_):
            continue
        _record_by_group(pairs, group, shown_first, shown_second, choice, n)

    number = {name: i for i, name in enumerate(names)}
    wanted = _ItemList(
        campaign_id=campaign.id,
        question=scope.question,
        group_by=group_by,
        members=tuple(sorted((a, number[g]) for a, g in groups.items()))
        if group_by == ANNOTATOR_GROUP
        else (),
        names=tuple(names),
        simulated=scope.simulated,
        round_=round_,
        limit=limit,
    )
    # The item list is ranked by SQL over pairwise answers; a ranking's items are not listed.
    items = _item_list(session, wanted, scope.rows.version) if scope.kind == "pairwise" else []
    return DisagreementReport(
        question=scope.question,
        round=round_,
        group_by=group_by,
        simulated=scope.simulated,
        groups=members,
        pairs=ranked(
            (disagreement(by_group, a, b) for (a, b), by_group in sorted(pairs.items())), limit
        ),
        items=items,
    )


@dataclass(frozen=True)
class _ItemList:
    """What one item list of the disagreement view reads (and its cache key)."""

    campaign_id: int
    question: str
    group_by: str
    members: tuple[tuple[int, int], ...]  # (annotator, group number): annotator_group only
    names: tuple[str, ...]
    simulated: SimulatedPolicy
    round_: int | None
    limit: int


# An item list is ranked by the database over every current judgment (seconds for a million),
# so a process keeps the last list of each kind and serves it while one background thread per
# kind makes a fresh one once the judgments changed (the pair table's version moved), at most
# every ``ITEM_REFRESH_EVERY`` seconds: the list is at most that (plus the time to make it)
# behind the judgments. Only a process's first request of a kind waits for it.
ITEM_REFRESH_EVERY = 30.0
_item_lists: OrderedDict[_ItemList, tuple[float, Any, list[ItemDisagreement]]] = OrderedDict()
_refreshing: set[_ItemList] = set()
_items_lock = threading.Lock()


def _item_list(session: Session, wanted: _ItemList, version: Any) -> list[ItemDisagreement]:
    now = time.monotonic()
    with _items_lock:
        kept = _item_lists.get(wanted)
        stale = kept is not None and kept[1] != version and now - kept[0] >= ITEM_REFRESH_EVERY
        if stale and wanted not in _refreshing:
            _refreshing.add(wanted)
            threading.Thread(target=_refresh_item_list, args=(wanted, version), daemon=True).start()
    if kept is not None:
        return kept[2]
    items = _make_item_list(session, wanted)
    _keep_item_list(wanted, now, version, items)
    return items


def _refresh_item_list(wanted: _ItemList, version: Any) -> None:
    from prefhub.kit.db import unit_of_work

    started = time.monotonic()
    try:
        with unit_of_work(read_only=True) as session:
            _keep_item_list(wanted, started, version, _make_item_list(session, wanted))
    except Exception:
        # A failed refresh keeps serving the last list; the next request after
        # ITEM_REFRESH_EVERY tries again, so nothing is lost by not raising here.
        logger.exception("refreshing a group-disagreement item list failed")
    finally:
        with _items_lock:
            _refreshing.discard(wanted)


def _keep_item_list(
    wanted: _ItemList, made: float, version: Any, items: list[ItemDisagreement]
) -> None:
    with _items_lock:
        _item_lists[wanted] = (made, version, items)
        _item_lists.move_to_end(wanted)
        while len(_item_lists) > MAX_BOARDS:
            _item_lists.popitem(last=False)


def _make_item_list(session: Session, wanted: _ItemList) -> list[ItemDisagreement]:
    if not wanted.names:
        return []  # nobody is in a group: nothing to disagree
    if wanted.group_by == ANNOTATOR_GROUP:
        group = counts.group_number(dict(wanted.members))

        def name(raw: Any) -> str | None:
            return None if raw is None else wanted.names[raw]
    else:
        group = counts.profile_answer(wanted.group_by)

        def name(raw: Any) -> str | None:
            return _group_value(_decoded(raw))

    rows = counts.top_item_disagreements(
        session,
        wanted.campaign_id,
        wanted.question,
        group,
        exclude_synthetic=wanted.simulated == "excluded",
        round_=wanted.round_,
        limit=wanted.limit,
    )
    per_item: dict[tuple[int, int, str, str], dict[str, PairGames]] = {}
    for row in rows:
        group_name = name(row.group)
        if group_name is None:
            continue
        games = per_item.setdefault((row.item_id, row.round, row.first, row.second), {})
        games[group_name] = _as_games(games.get(group_name), row.first_won, row.decided)
    found = ranked(
        (
            disagreement(by_group, first, second, item_id=item_id)
            for (item_id, _, first, second), by_group in per_item.items()
        ),
        wanted.limit,
    )
    rounds = {item_id: round_of for item_id, round_of, _, _ in per_item}
    external = dict(
        session.execute(
            select(Item.id, Item.external_id).where(
                Item.id.in_(sorted({d.item_id for d in found if d.item_id is not None}))
            )
        )
        .tuples()
        .all()
    )
    return [
        ItemDisagreement(
            item_id=d.item_id,
            external_id=external.get(d.item_id, ""),
            round=rounds[d.item_id],
            found=d,
        )
        for d in found
        if d.item_id is not None
    ]


def _as_games(kept: PairGames | None, first_won: float, decided: int) -> PairGames:
    """A group's row as PairGames with the same win rate: SQL sums wins and half ties into
    ``first_won`` (all a smoothed rate needs), so a half left over is one tie."""
    games = kept or PairGames()
    ties = round((first_won % 1) * 2)
    wins = int(first_won - ties / 2)
    games.add(PairGames(first_wins=wins, second_wins=decided - wins - ties, ties=ties))
    return games


def _decoded(answer: Any) -> Any:
    """A profile answer as SQL returned it (JSON text for a list or a number on some
    databases) as the profile holds it."""
    if isinstance(answer, str):
        try:
            return json.loads(answer)
        except ValueError:
            return answer
    return answer


def group_fields(session: Session, campaign: Campaign, annotators: set[int]) -> list[str]:
    """What ``group_by`` may name for the campaign: its survey questions, every profile answer
    its annotators gave, and ``annotator_group``."""
    fields = {q.id for q in spec_of(campaign).participation.survey}
    for profile in _profiles(session, campaign.id, annotators).values():
        fields.update(profile)
    return sorted(fields | {ANNOTATOR_GROUP})


def _record_by_group(
    into: dict[tuple[str, str], dict[str, PairGames]],
    group: str,
    shown_first: str,
    shown_second: str,
    choice: str,
    n: float,
) -> None:
    one: Tally = {}
    record(one, shown_first, shown_second, choice, n)
    for pair, games in one.items():
        into.setdefault(pair, {}).setdefault(group, PairGames()).add(games)


def _scope(
    session: Session, campaign: Campaign, question: str | None, include_simulated: bool
) -> _Scope | None:
    found = leaderboard_question(campaign, question)
    if found is None:
        return None
    question_id, kind = found
    if kind == "ranking":
        rows = counts.ranking_counts(session, campaign.id, question_id)
    else:
        rows = counts.pair_counts(session, campaign.id, question_id)
    annotators = {key[1] for key, _ in rows.items()}
    synthetic = (
        set(
            session.scalars(
                select(User.id).where(User.is_synthetic.is_(True), User.id.in_(sorted(annotators)))
            )
        )
        if annotators
        else set()
    )
    simulated: SimulatedPolicy = "none"
    kept = annotators
    if synthetic:
        if include_simulated:
            simulated = "included"
        elif annotators - synthetic:
            simulated, kept = "excluded", annotators - synthetic
        else:
            simulated = "only_simulated"
    return _Scope(
        question=question_id,
        kind=kind,
        rows=rows,
        kept=kept,
        simulated=simulated,
        rounds=sorted({key[0] for key, _ in rows.items()}),
    )


def _groups(
    session: Session, campaign: Campaign, annotators: set[int], field: str
) -> dict[int, str]:
    """Each annotator's group under ``field``; annotators without one are left out."""
    if field == ANNOTATOR_GROUP:
        named: dict[int, list[str]] = {}
        for user_id, name in session.execute(
            select(AnnotatorGroupMember.user_id, AnnotatorGroup.name)
            .join(AnnotatorGroup, AnnotatorGroup.id == AnnotatorGroupMember.group_id)
            .where(AnnotatorGroupMember.user_id.in_(sorted(annotators)))
        ):
            named.setdefault(user_id, []).append(name)
        return {user_id: " + ".join(sorted(names)) for user_id, names in named.items()}
    profiles = _profiles(session, campaign.id, annotators)
    survey = {q.id for q in spec_of(campaign).participation.survey}
    if field not in survey and not any(field in p for p in profiles.values()):
        raise UnknownGroupField(
            f"No profile question '{field}' in this campaign",
            details={"fields": group_fields(session, campaign, annotators)},
        )
    groups = {}
    for user_id, profile in profiles.items():
        value = _group_value(profile.get(field))
        if value is not None:
            groups[user_id] = value
    return groups


def _group_value(answer: Any) -> str | None:
    values = answer if isinstance(answer, list) else [answer]
    texts = sorted({_text(v) for v in values if v is not None and v != ""})
    return " + ".join(texts) if texts else None


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _profiles(
    session: Session, campaign_id: int, annotators: set[int]
) -> dict[int, dict[str, Any]]:
    """The annotators' profiles: their account's, with this campaign's survey answers on top."""
    if not annotators:
        return {}
    rows = session.execute(
        select(User.id, User.profile, CampaignParticipant.profile)
        .outerjoin(
            CampaignParticipant,
            (CampaignParticipant.user_id == User.id)
            & (CampaignParticipant.campaign_id == campaign_id),
        )
        .where(User.id.in_(sorted(annotators)))
    ).all()
    return {
        user_id: dict(account or {}) | dict(answers or {}) for user_id, account, answers in rows
    }


# Fitting and bootstrapping is the slow part of a request (a second for many models and
# groups); the same counts always give the same board, so boards are kept by their counts.
_boards: OrderedDict[tuple[Any, ...], Leaderboard] = OrderedDict()
_boards_lock = threading.Lock()
MAX_BOARDS = 256
INTERVALS_EVERY = 30.0  # seconds
_bootstrapped: OrderedDict[tuple[Any, ...], tuple[float, Leaderboard]] = OrderedDict()


def _board(tally: Tally, identity: tuple[Any, ...]) -> Leaderboard:
    """The board of ``tally``; ``identity`` names what it ranks (campaign, question, round,
    simulated policy, group), so that while judgments arrive its intervals are bootstrapped
    again at most every ``INTERVALS_EVERY`` seconds (in between, the last intervals' widths
    are kept around the new scores)."""
    key = tuple(
        (pair, g.first_wins, g.second_wins, g.ties, g.both_bad) for pair, g in sorted(tally.items())
    )
    now = time.monotonic()
    with _boards_lock:
        board = _boards.get(key)
        if board is not None:
            _boards.move_to_end(key)
            return board
        last = _bootstrapped.get(identity)
    reuse = last[1] if last is not None and now - last[0] < INTERVALS_EVERY else None
    board = leaderboard(tally, samples=BOOTSTRAP_SAMPLES, reuse=reuse)
    with _boards_lock:
        _boards[key] = board
        while len(_boards) > MAX_BOARDS:
            _boards.popitem(last=False)
        if reuse is None:
            _bootstrapped[identity] = (now, board)
            _bootstrapped.move_to_end(identity)
            while len(_bootstrapped) > MAX_BOARDS:
                _bootstrapped.popitem(last=False)
    return board
