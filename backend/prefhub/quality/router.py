from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from prefhub.auth.dependencies import ManagedCampaign
from prefhub.kit.bounds import INT32_MAX
from prefhub.kit.deps import SessionDep
from prefhub.kit.openapi import errors
from prefhub.quality import service
from prefhub.quality.agreement_router import router as agreement_router
from prefhub.quality.exceptions import UnknownGroupField, UnknownQuestion
from prefhub.quality.leaderboard import Disagreement, Leaderboard, elo
from prefhub.quality.progress_router import router as progress_router
from prefhub.quality.reliability_router import router as reliability_router
from prefhub.quality.schemas import (
    Board,
    DisagreementOut,
    GroupBoard,
    GroupRate,
    ItemDisagreement,
    LeaderboardOut,
    ModelStanding,
    PairDisagreement,
    WinRateCell,
)

router = APIRouter(prefix="/api/campaigns/{slug}/quality", tags=["quality"])
router.include_router(agreement_router)
router.include_router(reliability_router)
router.include_router(progress_router)

FIELD_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"
Round = Annotated[
    int | None, Query(ge=0, le=INT32_MAX, description="only items of this generation round")
]
Question = Annotated[
    str | None,
    Query(
        pattern=FIELD_PATTERN,
        description="a pairwise or ranking question id; default the first pairwise question, "
        "else the first ranking question (a ranking counts as its pairs, each weighing 2/k)",
    ),
]
IncludeSimulated = Annotated[
    bool,
    Query(description="count simulated annotators in a campaign that also has human judgments"),
]
GROUP_BY_HELP = (
    "group annotators by their answer to this profile question (or 'annotator_group' for "
    "their annotator groups); 422 unknown_group_field names the fields there are"
)


def _count(weighted: float) -> float:
    """A count summed from a ranking's 2/k pair weights, without float noise (31.999... -> 32)."""
    return round(weighted, 6)


def _board(board: Leaderboard) -> Board:
    return Board(
        judgments=_count(board.judgments),
        models=[
            ModelStanding(
                model=s.model,
                rank=s.rank,
                score=s.score,
                low=s.low,
                high=s.high,
                rating=s.rating,
                rating_low=elo(s.low),
                rating_high=elo(s.high),
                judgments=_count(s.judgments),
                win_rate=s.win_rate,
            )
            for s in board.standings
        ],
        matrix=[
            WinRateCell(
                model=cell.model,
                opponent=cell.opponent,
                wins=_count(cell.wins),
                losses=_count(cell.losses),
                ties=_count(cell.ties),
                both_bad=_count(cell.both_bad),
                win_rate=cell.win_rate,
            )
            for cell in board.matrix
        ],
    )


def _pair(found: Disagreement) -> PairDisagreement:
    return PairDisagreement(
        first=found.first,
        second=found.second,
        spread=found.spread,
        judgments=_count(found.judgments),
        groups=[
            GroupRate(
                group=view.group,
                judgments=_count(view.judgments),
                first_win_rate=view.first_win_rate,
            )
            for view in found.groups
        ],
    )


@router.get(
    "/leaderboard",
    response_model=LeaderboardOut,
    responses=errors(UnknownGroupField, UnknownQuestion),
)
def get_leaderboard(
    campaign: ManagedCampaign,
    session: SessionDep,
    round_: Annotated[Round, Query(alias="round")] = None,
    group_by: Annotated[str | None, Query(pattern=FIELD_PATTERN, description=GROUP_BY_HELP)] = None,
    question: Question = None,
    include_simulated: IncludeSimulated = False,
) -> LeaderboardOut:
    """Bradley-Terry strengths of the candidates' models with bootstrap 95% intervals and the
    win-rate matrix, overall and per annotator group. A tie is half a win each way; "both bad"
    is left out of strengths (counted in the matrix)."""
    report = service.leaderboard_report(
        session,
        campaign,
        question=question,
        round_=round_,
        group_by=group_by,
        include_simulated=include_simulated,
    )
    return LeaderboardOut(
        question=report.question,
        round=report.round,
        rounds=report.rounds,
        group_by=report.group_by,
        simulated=report.simulated,
        overall=_board(report.overall),
        groups=[
            GroupBoard(group=g.group, annotators=g.annotators, board=_board(g.board))
            for g in report.groups
        ],
    )


@router.get(
    "/group-disagreement",
    response_model=DisagreementOut,
    responses=errors(UnknownGroupField, UnknownQuestion),
)
def get_group_disagreement(
    campaign: ManagedCampaign,
    session: SessionDep,
    group_by: Annotated[str, Query(pattern=FIELD_PATTERN, description=GROUP_BY_HELP)],
    round_: Annotated[Round, Query(alias="round")] = None,
    question: Question = None,
    include_simulated: IncludeSimulated = False,
    limit: Annotated[int, Query(ge=1, le=200, description="rows of each list")] = 20,
) -> DisagreementOut:
    """The model pairs, and the items with their model pair, where annotator groups disagree
    most: the spread between the groups' win rates (each smoothed by one virtual win each way,
    so a group that judged a pair once is not taken as certain)."""
    report = service.disagreement_report(
        session,
        campaign,
        group_by=group_by,
        question=question,
        round_=round_,
        include_simulated=include_simulated,
        limit=limit,
    )
    return DisagreementOut(
        question=report.question,
        round=report.round,
        group_by=report.group_by,
        simulated=report.simulated,
        groups=report.groups,
        pairs=[_pair(d) for d in report.pairs],
        items=[
            ItemDisagreement(
                item_id=i.item_id,
                external_id=i.external_id,
                round=i.round,
                **_pair(i.found).model_dump(),
            )
            for i in report.items
        ],
    )
