from __future__ import annotations

from fastapi import APIRouter, Response, status
from sqlalchemy.orm import Session

from prefhub.auth.dependencies import ManagedCampaign, StaffUser
from prefhub.auth.policies import can_manage_campaign, can_manage_model
from prefhub.generation import registry, service
from prefhub.generation import secrets as model_secrets
from prefhub.generation.exceptions import (
    GenerationJobNotFound,
    ModelExists,
    ModelInUse,
    PermanentModelError,
    RetryableModelError,
    RoundConflict,
    TooManyModelTests,
)
from prefhub.generation.schemas import (
    GenerationJobCreate,
    GenerationJobList,
    GenerationJobOut,
    GenerationProgress,
    ModelEndpointCreate,
    ModelEndpointList,
    ModelEndpointOut,
    ModelSecretList,
    ModelSecretOut,
    ModelSharing,
    ModelTestResult,
)
from prefhub.jobs import service as jobs
from prefhub.jobs.dependencies import IdempotencyKey
from prefhub.jobs.exceptions import JobFinished
from prefhub.kit.bounds import PathId
from prefhub.kit.db import end_transaction
from prefhub.kit.deps import SessionDep
from prefhub.kit.openapi import errors
from prefhub.models import Campaign, GenerationJob, ModelEndpoint, User

router = APIRouter(prefix="/api", tags=["generation"])


def _model_out(session: Session, user: User, endpoint: ModelEndpoint) -> ModelEndpointOut:
    managed = can_manage_model(user, endpoint)
    return ModelEndpointOut.model_validate(
        {
            **{f: getattr(endpoint, f) for f in ModelEndpointOut.model_fields if f in _COLUMNS},
            "mine": endpoint.created_by_id == user.id,
            "shared_with": registry.shared_with(session, endpoint) if managed else None,
        }
    )


_COLUMNS = frozenset(ModelEndpoint.__table__.columns.keys())


@router.get("/models", response_model=ModelEndpointList)
def list_models(user: StaffUser, session: SessionDep) -> ModelEndpointList:
    """The model endpoints the caller may use: their own, and those shared with them."""
    return ModelEndpointList(
        models=[_model_out(session, user, m) for m in registry.visible_models(session, user)]
    )


@router.get("/models/secrets", response_model=ModelSecretList)
def list_secrets(user: StaffUser) -> ModelSecretList:
    """The names of the API-key secrets an admin configured, and the hosts each may go to."""
    return ModelSecretList(
        secrets=[ModelSecretOut(**s.__dict__) for s in model_secrets.configured()]
    )


@router.post(
    "/models",
    response_model=ModelEndpointOut,
    status_code=status.HTTP_201_CREATED,
    responses=errors(ModelExists),
)
def add_model(body: ModelEndpointCreate, user: StaffUser, session: SessionDep) -> ModelEndpointOut:
    """Register a model endpoint, owned by the caller. Its key is a named secret (never the
    key itself), and its address must pass the egress policy."""
    return _model_out(session, user, registry.add_model(session, body, user))


@router.put("/models/{name}/sharing", response_model=ModelEndpointOut)
def share_model(
    name: str, body: ModelSharing, user: StaffUser, session: SessionDep
) -> ModelEndpointOut:
    """Share with researchers by e-mail (the owner or an admin), or with all (an admin)."""
    endpoint = registry.get_model_for(session, user, name)
    return _model_out(session, user, registry.set_sharing(session, user, endpoint, body))


@router.delete(
    "/models/{name}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(ModelInUse)
)
def delete_model(name: str, user: StaffUser, session: SessionDep) -> Response:
    """Delete a model endpoint (its owner or an admin) that nothing records. One whose name
    candidates or tree replies carry, or that generation jobs used, is kept for their
    provenance: 409 ``model_in_use``, the counts in ``details``."""
    registry.delete_model(session, user, registry.get_model_for(session, user, name))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/models/{name}/test", response_model=ModelTestResult, responses=errors(TooManyModelTests)
)
def test_model(name: str, user: StaffUser, session: SessionDep) -> ModelTestResult:
    """Send one small request and report the latency, the reply or why it failed. A few run
    at once per API process, beside the annotators' requests; more are refused with 429."""
    endpoint = registry.get_model_for(session, user, name)
    with registry.model_test_slot():
        endpoint = registry.for_test(session, endpoint)
        # Nothing else is written: the connection goes back to the pool while we wait.
        end_transaction(session)
        try:
            completion = registry.test_model(endpoint)
        except (RetryableModelError, PermanentModelError) as exc:
            return ModelTestResult(ok=False, error=str(exc))
    reply = " ".join(p.get("text", "") for p in completion.content)[:200]
    return ModelTestResult(ok=True, latency_ms=completion.latency_ms, reply=reply)


def _job_out(session: Session, job: GenerationJob, campaign: Campaign) -> GenerationJobOut:
    names = registry.names_of(session, job.endpoint_ids)
    progress = service.progress(session, job)
    return GenerationJobOut(
        id=job.id,
        campaign_slug=campaign.slug,
        status=job.status,
        models=[names.get(i, f"#{i}") for i in job.endpoint_ids],
        samples=job.samples,
        params=job.params,
        round=job.round,
        progress=GenerationProgress(
            total=progress.total,
            done=progress.done,
            failed=progress.failed,
            cancelled=progress.cancelled,
        ),
        errors=progress.errors,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


@router.post(
    "/campaigns/{slug}/generation-jobs",
    response_model=GenerationJobOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(RoundConflict),
)
def start_job(
    campaign: ManagedCampaign,
    body: GenerationJobCreate,
    user: StaffUser,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> GenerationJobOut:
    """Generate M models x N samples for the campaign's items (or the listed ones). Send an
    ``Idempotency-Key`` to make a retry safe: it returns the job the first try made."""
    job = service.create_job(session, campaign, body, user, idempotency_key=idempotency_key)
    return _job_out(session, job, campaign)


@router.get("/campaigns/{slug}/generation-jobs", response_model=GenerationJobList)
def list_jobs(campaign: ManagedCampaign, session: SessionDep) -> GenerationJobList:
    return GenerationJobList(
        jobs=[_job_out(session, j, campaign) for j in service.jobs_for(session, campaign)]
    )


def _owned_job(session: Session, user: User, job_id: int) -> tuple[GenerationJob, Campaign]:
    """A job of a campaign the user manages; any other is 404 ``generation_job_not_found``."""
    job = service.get_job(session, job_id)
    campaign = session.get_one(Campaign, job.campaign_id)
    if not can_manage_campaign(user, campaign):
        raise GenerationJobNotFound(f"No generation job {job_id}")
    return job, campaign


@router.get("/generation-jobs/{job_id}", response_model=GenerationJobOut)
def get_job(job_id: PathId, user: StaffUser, session: SessionDep) -> GenerationJobOut:
    job, campaign = _owned_job(session, user, job_id)
    return _job_out(session, job, campaign)


@router.post(
    "/generation-jobs/{job_id}/cancel",
    response_model=GenerationJobOut,
    responses=errors(JobFinished),
)
def cancel_job(job_id: PathId, user: StaffUser, session: SessionDep) -> GenerationJobOut:
    """Cancel the job's open requests (also ``POST /api/jobs/{id}/cancel``)."""
    job, campaign = _owned_job(session, user, job_id)
    jobs.cancel(session, job)
    return _job_out(session, job, campaign)


@router.post(
    "/generation-jobs/{job_id}/resume",
    response_model=GenerationJobOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(JobFinished),
)
def resume_job(job_id: PathId, user: StaffUser, session: SessionDep) -> GenerationJobOut:
    """Send the job's unfinished requests to the workers again (e.g. after a broker outage),
    or run a cancelled or failed job's remaining requests. Workers also do this on their own
    for jobs that stall. The same as ``POST /api/jobs/{id}/resume``."""
    job, campaign = _owned_job(session, user, job_id)
    service.resume_job(session, job)
    return _job_out(session, job, campaign)
