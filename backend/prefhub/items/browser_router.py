"""The data browser's routes: a campaign's items and judgments, for who manages it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from prefhub.auth.dependencies import ManagedCampaign
from prefhub.items import browser
from prefhub.items.browser import MAX_SORTED, PSEUDONYM_PATTERN, ItemFilters, ItemSort
from prefhub.items.exceptions import BrowseFilterInvalid, ItemNotFound, SortTooBroad
from prefhub.items.schemas import BrowsePage, ItemDetail, JudgmentPage
from prefhub.kit.bounds import INT32_MAX, PathId
from prefhub.kit.deps import SessionDep
from prefhub.kit.openapi import errors
from prefhub.models import ItemStatus

router = APIRouter(prefix="/api/campaigns/{slug}", tags=["data browser"])

# The id of the last row of the previous page.
After = Annotated[int | None, Query(ge=0, le=INT32_MAX)]
Limit = Annotated[int, Query(ge=1, le=200)]
Count = Annotated[int | None, Query(ge=0, le=INT32_MAX)]


@router.get(
    "/items/browse",
    response_model=BrowsePage,
    responses=errors(BrowseFilterInvalid, SortTooBroad),
)
def browse_items(
    campaign: ManagedCampaign,
    session: SessionDep,
    status: ItemStatus | None = None,
    round: Count = None,
    language: Annotated[str | None, Query(min_length=1, max_length=35)] = None,
    gold: bool | None = None,
    has_disagreement: bool | None = None,
    min_disagreement: Annotated[
        float | None,
        Query(
            ge=0,
            le=1,
            description="only items whose disagreement score (0 all agree .. 1 votes spread "
            "evenly) is at least this",
        ),
    ] = None,
    judgments_min: Count = None,
    judgments_max: Count = None,
    model: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    search: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    sort: Annotated[
        ItemSort,
        Query(
            description="id (default), or disagreement score highest first (disagreement_desc) "
            f"or lowest first (disagreement_asc), then id; at most {MAX_SORTED} judged items "
            "may match (422 sort_too_broad)"
        ),
    ] = "id",
    after: After = None,
    limit: Limit = 50,
) -> BrowsePage:
    """The campaign's items by id (or by ``sort``), filtered, a keyset page at a time: pass
    the page's ``next_after`` as ``after``. ``search`` matches part of the external id."""
    filters = ItemFilters(
        status=status,
        round=round,
        language=language,
        gold=gold,
        has_disagreement=has_disagreement,
        min_disagreement=min_disagreement,
        judgments_min=judgments_min,
        judgments_max=judgments_max,
        model=model,
        search=search,
    )
    return browser.browse_items(session, campaign, filters, after=after, limit=limit, sort=sort)


@router.get("/items/{item_id}/detail", response_model=ItemDetail, responses=errors(ItemNotFound))
def item_detail(campaign: ManagedCampaign, item_id: PathId, session: SessionDep) -> ItemDetail:
    """One item in full: context, candidates, every judgment (each revision), reports, and
    why it is not served now."""
    return browser.item_detail(session, campaign, item_id)


@router.get("/judgments", response_model=JudgmentPage, responses=errors(BrowseFilterInvalid))
def browse_judgments(
    campaign: ManagedCampaign,
    session: SessionDep,
    annotator: Annotated[str | None, Query(pattern=PSEUDONYM_PATTERN)] = None,
    question: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    after: After = None,
    limit: Limit = 50,
) -> JudgmentPage:
    """The campaign's judgments by id (every revision), a keyset page at a time; ``annotator``
    is a pseudonym as the item detail shows it."""
    return browser.browse_judgments(
        session, campaign, annotator=annotator, question=question, after=after, limit=limit
    )
