"""The researcher's data browser: a campaign's items filtered and paged, one item in full, and
its judgments.

Pages are keyset pages (``id > after``, by id), so page 1000 costs what page 1 costs. Each
page is a few statements whatever its length: the page's items, then its candidates' and
current judgments' aggregates over the page's ids. Annotators appear by a stable pseudonym
(``exports.pseudonyms``), never by e-mail.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Row, Select, exists, func, select
from sqlalchemy.orm import Session, aliased

from prefhub.assignments.adaptive import wanted_of
from prefhub.campaigns.service import spec_of
from prefhub.campaigns.spec import CampaignSpec
from prefhub.exports.judgment_record import JudgmentRecord
from prefhub.exports.pseudonyms import Pseudonymizer
from prefhub.items.exceptions import BrowseFilterInvalid, ItemNotFound, SortTooBroad
from prefhub.items.schemas import (
    BrowsedCandidate,
    BrowsedItem,
    BrowsedJudgment,
    BrowsedReport,
    BrowsePage,
    ItemDetail,
    JudgmentPage,
)
from prefhub.models import (
    Assignment,
    AssignmentStatus,
    Campaign,
    CampaignStatus,
    Candidate,
    Item,
    ItemReport,
    ItemStatus,
    Judgment,
)
from prefhub.quality.agreement import item_disagreement

PREVIEW_CHARS = 160
# A disagreement filter is checked in Python over chunks of items; one request reads at most
# this many before it answers (with fewer rows and a cursor to go on from), so it stays bounded.
DISAGREEMENT_CHUNK = 200
MAX_SCANNED = 5_000
PSEUDONYM_PATTERN = r"^ann-[0-9a-f]{16}$"
# Sorting by disagreement scores every matching item that two or more annotators judged (the
# score is read from the answers, not stored), so it takes at most this many such items.
MAX_SORTED = 5_000
ItemSort = Literal["id", "disagreement_desc", "disagreement_asc"]


@dataclass(frozen=True)
class ItemFilters:
    status: ItemStatus | None = None
    round: int | None = None
    language: str | None = None
    gold: bool | None = None
    has_disagreement: bool | None = None
    min_disagreement: float | None = None
    judgments_min: int | None = None
    judgments_max: int | None = None
    model: str | None = None
    search: str | None = None

    def check(self) -> None:
        low, high = self.judgments_min, self.judgments_max
        if low is not None and high is not None and low > high:
            raise BrowseFilterInvalid(
                f"judgments_min ({low}) is above judgments_max ({high})",
                details=[{"field": "judgments_min", "message": "above judgments_max"}],
            )
        if self.has_disagreement is False and (self.min_disagreement or 0) > 0:
            raise BrowseFilterInvalid(
                "has_disagreement=false matches no item with min_disagreement above 0",
                details=[{"field": "min_disagreement", "message": "contradicts has_disagreement"}],
            )

    @property
    def by_disagreement(self) -> bool:
        return self.has_disagreement is not None or self.min_disagreement is not None

    def matches(self, row: BrowsedItem) -> bool:
        return self.matches_score(row.disagreement)

    def matches_score(self, disagreement: float) -> bool:
        """Whether an item of this disagreement score (as a row shows it) passes."""
        if self.has_disagreement is not None and (disagreement > 0) != self.has_disagreement:
            return False
        return self.min_disagreement is None or disagreement >= self.min_disagreement


_ITEM_COLUMNS = (
    Item.id,
    Item.external_id,
    Item.status,
    Item.round,
    Item.language,
    Item.is_gold,
    Item.judgment_count,
    Item.assigned_count,
    Item.judgments_wanted,
    Item.context,
)


def _filtered(campaign: Campaign, filters: ItemFilters) -> Select[Any]:
    # Items an import job is still writing are nobody's yet (they appear when it finishes).
    query = select(*_ITEM_COLUMNS).where(
        Item.campaign_id == campaign.id, Item.status != ItemStatus.importing
    )
    if filters.status is not None:
        query = query.where(Item.status == filters.status)
    if filters.round is not None:
        query = query.where(Item.round == filters.round)
    if filters.language is not None:
        query = query.where(Item.language == filters.language)
    if filters.gold is not None:
        query = query.where(Item.is_gold.is_(filters.gold))
    if filters.judgments_min is not None:
        query = query.where(Item.judgment_count >= filters.judgments_min)
    if filters.judgments_max is not None:
        query = query.where(Item.judgment_count <= filters.judgments_max)
    if filters.has_disagreement or (filters.min_disagreement or 0) > 0:
        # Only an item two judged can disagree: the rest is skipped in SQL.
        query = query.where(Item.judgment_count >= 2)
    if filters.model is not None:
        query = query.where(
            exists().where(Candidate.item_id == Item.id, Candidate.model_name == filters.model)
        )
    if filters.search:
        query = query.where(
            func.lower(Item.external_id).contains(filters.search.lower(), autoescape=True)
        )
    return query


def browse_items(
    session: Session,
    campaign: Campaign,
    filters: ItemFilters,
    *,
    after: int | None,
    limit: int,
    sort: ItemSort = "id",
) -> BrowsePage:
    filters.check()
    spec = spec_of(campaign)
    query = _filtered(campaign, filters)
    if sort != "id":
        return _by_disagreement(
            session, campaign, spec, query, filters, after, limit, sort == "disagreement_desc"
        )
    total = None
    if after is None and not filters.by_disagreement:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
    if after is not None:
        query = query.where(Item.id > after)
    query = query.order_by(Item.id)
    if not filters.by_disagreement:
        rows = session.execute(query.limit(limit + 1)).all()
        more = len(rows) > limit
        page = _browsed(session, campaign, spec, rows[:limit])
        return BrowsePage(
            items=page, next_after=page[-1].id if more else None, total=total, limit=limit
        )
    return _scan_for_disagreement(session, campaign, spec, query, filters, limit)


def _scan_for_disagreement(
    session: Session,
    campaign: Campaign,
    spec: CampaignSpec,
    query: Select[Any],
    filters: ItemFilters,
    limit: int,
) -> BrowsePage:
    """Disagreement is read from the judgments' answers, not stored: read chunks of items in
    id order and keep those that match, up to ``limit`` rows or ``MAX_SCANNED`` items read."""
    found: list[BrowsedItem] = []
    last_read: int | None = None
    scanned = 0
    while scanned < MAX_SCANNED:
        chunk_query = query if last_read is None else query.where(Item.id > last_read)
        rows = session.execute(chunk_query.limit(DISAGREEMENT_CHUNK)).all()
        for row in _browsed(session, campaign, spec, rows):
            last_read = row.id
            if filters.matches(row):
                found.append(row)
                if len(found) == limit + 1:
                    return BrowsePage(
                        items=found[:limit], next_after=found[limit - 1].id, total=None, limit=limit
                    )
        scanned += len(rows)
        if len(rows) < DISAGREEMENT_CHUNK:
            return BrowsePage(items=found, next_after=None, total=None, limit=limit)
    return BrowsePage(items=found, next_after=last_read, total=None, limit=limit)


def _by_disagreement(
    session: Session,
    campaign: Campaign,
    spec: CampaignSpec,
    query: Select[Any],
    filters: ItemFilters,
    after: int | None,
    limit: int,
    descending: bool,
) -> BrowsePage:
    """The matching items ordered by disagreement score (then id), a keyset page at a time:
    ``after`` is the last item of the previous page, and the next page starts after its
    score and id as they are now (an item whose score moved meanwhile may move pages)."""
    counted = session.execute(query.with_only_columns(Item.id, Item.judgment_count)).all()
    judged = [item_id for item_id, judgments in counted if judgments >= 2]
    if len(judged) > MAX_SORTED:
        raise SortTooBroad(
            f"{len(judged)} judged items match: sorting by disagreement takes at most "
            f"{MAX_SORTED}; narrow the filters (round, model, status, judgments)",
            details={"judged_items": len(judged), "max": MAX_SORTED},
        )
    scores = {i: round(s, 6) for i, s in _disagreement(session, spec, judged).items()}

    def key(item_id: int) -> tuple[float, int]:
        score = scores.get(item_id, 0.0)
        return (-score if descending else score, item_id)

    ranked = sorted(
        (key(item_id) for item_id, _ in counted if filters.matches_score(scores.get(item_id, 0.0))),
    )
    start = 0
    if after is not None:
        if after not in scores:  # unjudged, or left the filters since: score it as it is now
            scores.update(
                {i: round(s, 6) for i, s in _disagreement(session, spec, [after]).items()}
            )
        start = bisect_right(ranked, key(after))
    page_ids = [item_id for _, item_id in ranked[start : start + limit + 1]]
    rows = {
        row.id: row for row in session.execute(query.where(Item.id.in_(page_ids[:limit]))).all()
    }
    page = _browsed(session, campaign, spec, [rows[i] for i in page_ids[:limit] if i in rows])
    more = len(page_ids) > limit
    return BrowsePage(
        items=page,
        next_after=page_ids[limit - 1] if more else None,
        total=len(ranked) if after is None else None,
        limit=limit,
    )


def _browsed(
    session: Session, campaign: Campaign, spec: CampaignSpec, rows: Sequence[Row[Any]]
) -> list[BrowsedItem]:
    ids = [row.id for row in rows]
    if not ids:
        return []
    n_candidates: dict[int, int] = {
        item_id: count
        for item_id, count in session.execute(
            select(Candidate.item_id, func.count())
            .where(Candidate.item_id.in_(ids))
            .group_by(Candidate.item_id)
        )
    }
    scores = _disagreement(session, spec, [row.id for row in rows if row.judgment_count >= 2])
    return [
        _row(campaign, spec, row, n_candidates.get(row.id, 0), scores.get(row.id, 0.0))
        for row in rows
    ]


def _row(
    campaign: Campaign, spec: CampaignSpec, row: Any, n_candidates: int, disagreement: float
) -> BrowsedItem:
    return BrowsedItem(
        id=row.id,
        external_id=row.external_id,
        status=row.status,
        round=row.round,
        language=row.language,
        is_gold=row.is_gold,
        n_candidates=n_candidates,
        n_judgments=row.judgment_count,
        wanted=wanted_of(spec, row.judgments_wanted),
        has_disagreement=disagreement > 0,
        disagreement=round(disagreement, 6),
        prompt_preview=_preview(row.context),
        not_served_because=not_served_because(campaign, spec, row, n_candidates),
    )


def _preview(context: list[dict[str, Any]]) -> str:
    """The first text a user wrote (or any message's, when no user message has text)."""
    messages = sorted(context, key=lambda m: m.get("role") != "user")
    for message in messages:
        for part in message.get("content", []):
            if part.get("type") == "text" and part.get("text", "").strip():
                text = " ".join(part["text"].split())
                return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"
    return ""


def not_served_because(
    campaign: Campaign, spec: CampaignSpec, item: Any, n_candidates: int
) -> str | None:
    """Why ``next_task`` hands the item to nobody now, in the order it checks; None when it
    would. (Gold items are served like any other.)"""
    k = wanted_of(spec, item.judgments_wanted)
    if item.status == ItemStatus.importing:
        return "an import job is still writing it"
    if item.status == ItemStatus.pending:
        return f"{n_candidates} of {spec.min_candidates} candidates"
    if item.status == ItemStatus.complete or item.judgment_count >= k:
        return f"complete: {item.judgment_count} of {k} judgments"
    if spec.rounds is not None and item.round not in spec.rounds:
        served = ", ".join(str(r) for r in spec.rounds)
        return f"round {item.round} is not served (the campaign serves rounds {served})"
    if item.assigned_count >= k:
        leased = item.assigned_count - item.judgment_count
        return f"all {k} slots taken: {item.judgment_count} judged, {leased} leased"
    if campaign.status != CampaignStatus.active:
        return f"the campaign is {campaign.status.value}"
    return None


def _current() -> Any:
    """Judgments no later revision replaced (an undo writes a row superseding the old one)."""
    newer = aliased(Judgment)
    return ~exists().where(newer.supersedes_id == Judgment.id)


def _record(answers: dict[str, Any], shown_order: list[int], judgment_id: int) -> JudgmentRecord:
    return JudgmentRecord(
        judgment_id=judgment_id,
        annotator_pseudonym="",
        item_external_id="",
        context=[],
        answers=answers,
        shown_order=shown_order,
        candidates={},
        time_spent_ms=None,
        campaign_version=0,
        created_at="",
    )


def _disagreement(session: Session, spec: CampaignSpec, item_ids: list[int]) -> dict[int, float]:
    """Each item's disagreement score (``quality.agreement.item_disagreement``)."""
    if not item_ids:
        return {}
    rows = session.execute(
        select(Judgment.item_id, Judgment.id, Judgment.answers, Judgment.shown_order).where(
            Judgment.item_id.in_(item_ids), _current()
        )
    ).all()
    by_item: dict[int, list[JudgmentRecord]] = defaultdict(list)
    for item_id, judgment_id, answers, shown_order in rows:
        by_item[item_id].append(_record(answers, shown_order, judgment_id))
    kinds = {q.id: q.kind for q in spec.questions}
    return {item_id: item_disagreement(records, kinds) for item_id, records in by_item.items()}


def item_detail(session: Session, campaign: Campaign, item_id: int) -> ItemDetail:
    item = session.scalar(select(Item).where(Item.id == item_id, Item.campaign_id == campaign.id))
    if item is None:
        raise ItemNotFound(f"No item {item_id} in campaign '{campaign.slug}'")
    spec = spec_of(campaign)
    candidates = session.scalars(
        select(Candidate).where(Candidate.item_id == item.id).order_by(Candidate.position)
    ).all()
    judgments = _judgment_rows(session, select_judgments().where(Judgment.item_id == item.id))
    reports = session.scalars(
        select(ItemReport).where(ItemReport.item_id == item.id).order_by(ItemReport.id)
    ).all()
    open_leases = session.scalar(
        select(func.count()).where(
            Assignment.item_id == item.id, Assignment.status == AssignmentStatus.leased
        )
    )
    pseudonym = Pseudonymizer()
    kinds = {q.id: q.kind for q in spec.questions}
    current = [_record(j.answers, j.shown_order, j.id) for j in judgments if j.is_current]
    row = _row(campaign, spec, item, len(candidates), item_disagreement(current, kinds))
    return ItemDetail(
        item=row,
        context=item.context,
        metadata=item.extra,
        open_leases=int(open_leases or 0),
        candidates=[
            BrowsedCandidate(
                id=c.id,
                position=c.position,
                content=c.content,
                model_name=c.model_name,
                model_params=c.model_params,
                latency_ms=c.extra.get("latency_ms"),
                round=c.round,
                metadata=c.extra,
                created_at=c.created_at,
            )
            for c in candidates
        ],
        judgments=judgments,
        reports=[
            BrowsedReport(
                id=r.id,
                annotator=pseudonym(r.annotator_id),
                reason=r.reason,
                created_at=r.created_at,
            )
            for r in reports
        ],
    )


def select_judgments() -> Select[Any]:
    return (
        select(Judgment, Item.external_id, _current().label("is_current"))
        .join(Item, Item.id == Judgment.item_id)
        .order_by(Judgment.id)
    )


def _judgment_rows(session: Session, query: Select[Any]) -> list[BrowsedJudgment]:
    pseudonym = Pseudonymizer()
    return [
        BrowsedJudgment(
            id=j.id,
            item_id=j.item_id,
            item_external_id=external_id,
            annotator=pseudonym(j.annotator_id),
            answers=j.answers,
            shown_order=j.shown_order,
            time_spent_ms=j.time_spent_ms,
            revision=j.revision,
            supersedes_id=j.supersedes_id,
            is_current=bool(is_current),
            created_at=j.created_at,
        )
        for j, external_id, is_current in session.execute(query).all()
    ]


def browse_judgments(
    session: Session,
    campaign: Campaign,
    *,
    annotator: str | None,
    question: str | None,
    after: int | None,
    limit: int,
) -> JudgmentPage:
    """The campaign's judgments by id (every revision), optionally one annotator's (by
    pseudonym) or those answering one question."""
    query = select_judgments().where(Judgment.campaign_id == campaign.id)
    if question is not None:
        if question not in {q.id for q in spec_of(campaign).questions}:
            raise BrowseFilterInvalid(
                f"The campaign asks no question '{question}'",
                details=[{"field": "question", "message": "not a question of the campaign"}],
            )
        query = query.where(Judgment.answers[question].is_not(None))
    if annotator is not None:
        query = query.where(
            Judgment.annotator_id.in_(_annotators_named(session, campaign, annotator))
        )
    if after is not None:
        query = query.where(Judgment.id > after)
    page = _judgment_rows(session, query.limit(limit + 1))
    more = len(page) > limit
    return JudgmentPage(
        judgments=page[:limit], next_after=page[limit - 1].id if more else None, limit=limit
    )


def _annotators_named(session: Session, campaign: Campaign, pseudonym: str) -> list[int]:
    """A pseudonym is a one-way hash: find it among the campaign's annotators."""
    annotator_ids = session.scalars(
        select(Judgment.annotator_id).where(Judgment.campaign_id == campaign.id).distinct()
    )
    of = Pseudonymizer()
    return [annotator_id for annotator_id in annotator_ids if of(annotator_id) == pseudonym]
