from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel

from prefhub.assignments import fast_path, service, submissions, task_json
from prefhub.assignments.exceptions import (
    AlreadySubmitted,
    CampaignNotActive,
    ClientIdReused,
    JudgmentNotFound,
    JudgmentSuperseded,
    LeaseCapReached,
    LeaseExpired,
    NotEligible,
    UndoExpired,
)
from prefhub.assignments.schemas import (
    AnnotatorCampaign,
    AnnotatorCampaignList,
    AnnotatorProgress,
    JudgmentOut,
    NextTaskResponse,
    QualificationFeedback,
    ReportRequest,
    ReviseRequest,
    ReviseResponse,
    SkipRequest,
    SubmitRequest,
    SubmitResponse,
    Task,
    UndoRequest,
    UndoResponse,
)
from prefhub.auth.dependencies import (
    AnnotatableCampaign,
    AnnotatorUnitDep,
    CurrentUser,
    LoopWork,
)
from prefhub.campaigns.service import spec_of
from prefhub.kit.bounds import Offset
from prefhub.kit.deps import SessionDep
from prefhub.kit.openapi import errors
from prefhub.models import Campaign, User
from prefhub.participation.exceptions import AnnotatorExcluded, OnboardingRequired
from prefhub.quality import qualification

router = APIRouter(prefix="/api/annotate", tags=["annotate"])


@router.get("/campaigns", response_model=AnnotatorCampaignList)
def my_campaigns(user: CurrentUser, session: SessionDep) -> AnnotatorCampaignList:
    campaigns = service.annotatable_campaigns(session, user)
    return AnnotatorCampaignList(
        campaigns=[
            AnnotatorCampaign(
                slug=c.slug,
                name=c.name,
                kind="trees" if spec_of(c).trees is not None else "items",
                status=c.status,
                my_judgments=service.annotator_progress(session, c, user).my_judgments,
                available=service.available_count(session, c, user),
            )
            for c in campaigns
        ]
    )


def _task_response(
    session: SessionDep, campaign: Campaign, user: User, task: service.LeasedTask | None
) -> dict[str, Any]:
    progress = service.annotator_progress(session, campaign, user)
    return {
        "task": Task(**service.task_payload(campaign, task)) if task else None,
        "progress": AnnotatorProgress(**progress.__dict__),
    }


def _fast_next(loop: LoopWork) -> bytes | None:
    """A newly leased task on the fast path, as ``NextTaskResponse`` JSON; None where the
    general path must answer (a task held, nothing left, a spec that asks more)."""
    if not fast_path.plain(loop.campaign, loop.account):
        return None
    loop.unit.flush()  # what a general submit decided is what the lease's guards must read
    fresh = fast_path.lease_next(loop.unit, loop.campaign, loop.account)
    if fresh is None:
        return None
    return task_json.next_task(task_json.task(loop.campaign, fresh), fresh.progress)


def _next_after_submit(loop: LoopWork) -> bytes | None:
    fast = _fast_next(loop)
    if fast is not None:
        return fast
    campaign, user = loop.entities()
    after = service.next_after_submit(loop.session, campaign, user)
    if after is None:
        return None
    return _model_json(NextTaskResponse(**_task_response(loop.session, campaign, user, after.task)))


def _model_json(model: BaseModel) -> bytes:
    return model.model_dump_json().encode()


def _json(content: bytes) -> Response:
    # The route's response_model still documents it; serialised once, not validated again.
    return Response(content, media_type="application/json")


@router.get(
    "/{slug}/next",
    response_model=NextTaskResponse,
    responses=errors(CampaignNotActive, LeaseCapReached, OnboardingRequired, AnnotatorExcluded),
)
async def next_task(
    unit: AnnotatorUnitDep,
    additional: bool = Query(False, description="lease one more task while holding others"),
) -> Response:
    """The annotator's open task, or a newly leased one; ``task`` is null when none is left."""

    def work(loop: LoopWork) -> bytes:
        fast = None if additional else _fast_next(loop)
        if fast is not None:
            return fast
        campaign, user = loop.entities()
        task = service.next_task(loop.session, campaign, user, additional=additional)
        return _model_json(NextTaskResponse(**_task_response(loop.session, campaign, user, task)))

    return _json(await unit.run(work))


@router.post(
    "/{slug}/submit",
    response_model=SubmitResponse,
    responses=errors(AlreadySubmitted, LeaseExpired, ClientIdReused),
)
async def submit(unit: AnnotatorUnitDep, body: SubmitRequest) -> Response:
    """Store one judgment (a retry with the same ``client_id`` returns the stored one); with
    ``next``, the annotator's next task comes back in the same response."""

    def work(loop: LoopWork) -> bytes:
        args: dict[str, Any] = {
            "assignment_id": body.assignment_id,
            "client_id": body.client_id,
            "answers": body.answers,
            "time_spent_ms": body.time_spent_ms,
        }
        stored = (
            fast_path.submit(loop.unit, loop.campaign, loop.account, **args)
            if fast_path.plain(loop.campaign, loop.account)
            else None
        )
        feedback = None
        if stored is None:
            campaign, user = loop.entities()
            judgment = submissions.submit(loop.session, campaign, user, **args)
            feedback = qualification.feedback(loop.session, campaign, judgment)
            stored = fast_path.StoredJudgment(judgment.id, judgment.client_id, judgment.created_at)
        return task_json.submitted(
            stored.id,
            stored.client_id,
            submissions.undo_deadline(loop.campaign, stored.created_at),
            _model_json(QualificationFeedback(**asdict(feedback))) if feedback else None,
            _next_after_submit(loop) if body.next else None,
        )

    return _json(await unit.run(work))


@router.post("/{slug}/undo", response_model=UndoResponse, responses=errors(UndoExpired))
def undo(
    campaign: AnnotatableCampaign, body: UndoRequest, user: CurrentUser, session: SessionDep
) -> UndoResponse:
    """Re-open a just-submitted task; the next submit for it stores a new revision."""
    task, judgment = submissions.undo(session, campaign, user, body.judgment_id)
    return UndoResponse(
        **_task_response(session, campaign, user, task), previous_answers=judgment.answers
    )


@router.post(
    "/{slug}/revise",
    response_model=ReviseResponse,
    responses=errors(JudgmentNotFound, JudgmentSuperseded, CampaignNotActive, NotEligible),
)
def revise(
    campaign: AnnotatableCampaign, body: ReviseRequest, user: CurrentUser, session: SessionDep
) -> ReviseResponse:
    """Re-open one of your past judgments (its latest revision) as a task, at any time while
    the campaign is active; the next submit for it stores a new revision under the campaign's
    current spec version. 409 ``judgment_superseded`` for an older revision."""
    task, judgment = submissions.revise(session, campaign, user, body.judgment_id)
    return ReviseResponse(
        **_task_response(session, campaign, user, task),
        previous_answers=judgment.answers,
        revision=judgment.revision + 1,
    )


@router.post(
    "/{slug}/report", status_code=status.HTTP_204_NO_CONTENT, responses=errors(AlreadySubmitted)
)
def report(
    campaign: AnnotatableCampaign, body: ReportRequest, user: CurrentUser, session: SessionDep
) -> Response:
    """Report a broken or unanswerable item; the task is released."""
    submissions.report(session, campaign, user, body.assignment_id, body.reason)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{slug}/skip", status_code=status.HTTP_204_NO_CONTENT, responses=errors(AlreadySubmitted)
)
def skip(
    campaign: AnnotatableCampaign, body: SkipRequest, user: CurrentUser, session: SessionDep
) -> Response:
    """Give the task back; a re-opened (undone or revised) task keeps its stored answer."""
    submissions.skip(session, campaign, user, body.assignment_id, body.reason)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{slug}/judgments", response_model=list[JudgmentOut])
def my_judgments(
    campaign: AnnotatableCampaign,
    user: CurrentUser,
    session: SessionDep,
    limit: int = Query(100, ge=1, le=1000),
    offset: Offset = 0,
) -> list[JudgmentOut]:
    """An annotator's own judgments, and only theirs, each with its item's prompt excerpt,
    task by task (an item's revisions together). Revisions are new rows (``supersedes_id``):
    the ``latest`` row of an item is the answer that counts, and the one ``/revise`` takes."""
    rows = service.own_judgments(session, campaign, user, limit=limit, offset=offset)
    return [
        JudgmentOut(
            id=j.id,
            client_id=j.client_id,
            revision=j.revision,
            supersedes_id=j.supersedes_id,
            latest=latest,
            campaign_version=j.campaign_version,
            item_id=j.item_id,
            answers=j.answers,
            shown_order=j.shown_order,
            time_spent_ms=j.time_spent_ms,
            created_at=j.created_at,
            prompt_excerpt=excerpt,
        )
        for j, excerpt, latest in rows
    ]
