"""Model registry and generation jobs: M models x N samples per item, one request each."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from prefhub.campaigns.service import spec_of
from prefhub.generation.exceptions import (
    BadGenerationRequest,
    GenerationJobFinished,
    GenerationJobNotFound,
    ModelExists,
    ModelNotFound,
    RoundConflict,
)
from prefhub.generation.providers import Completion, generate
from prefhub.generation.schemas import GenerationJobCreate, ModelEndpointCreate
from prefhub.kit.enqueue import enqueue_after_commit
from prefhub.kit.time import utcnow
from prefhub.models import (
    Campaign,
    Candidate,
    GenerationJob,
    GenerationRequest,
    GenerationStatus,
    Item,
    ItemStatus,
    ModelEndpoint,
    User,
)

FINISHED = (GenerationStatus.succeeded, GenerationStatus.failed, GenerationStatus.cancelled)
MAX_ATTEMPTS = 6
BACKOFF_BASE = 1.0
BACKOFF_CAP = 60.0


# ---------------------------------------------------------------- registry


def add_model(session: Session, body: ModelEndpointCreate, user: User | None) -> ModelEndpoint:
    if session.scalar(select(ModelEndpoint.id).where(ModelEndpoint.name == body.name)):
        raise ModelExists(f"A model named '{body.name}' already exists")
    endpoint = ModelEndpoint(
        **body.model_dump(mode="json"), created_by_id=user.id if user else None
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def list_models(session: Session) -> list[ModelEndpoint]:
    return list(session.scalars(select(ModelEndpoint).order_by(ModelEndpoint.name)))


def get_model(session: Session, name: str) -> ModelEndpoint:
    endpoint = session.scalar(select(ModelEndpoint).where(ModelEndpoint.name == name))
    if endpoint is None:
        raise ModelNotFound(f"No model named '{name}'")
    return endpoint


def test_model(endpoint: ModelEndpoint) -> Completion:
    """One small request, outside any transaction; raises the provider's errors."""
    context = [{"role": "user", "content": [{"type": "text", "text": "Say hello."}]}]
    with httpx.Client() as client:
        return generate(client, endpoint, context, {**endpoint.default_params, "max_tokens": 16})


# ---------------------------------------------------------------- jobs


def create_job(
    session: Session, campaign: Campaign, body: GenerationJobCreate, user: User | None
) -> GenerationJob:
    endpoints = [get_model(session, name) for name in body.models]
    if len({e.id for e in endpoints}) != len(endpoints):
        raise BadGenerationRequest("A model is listed twice")
    current_round = session.scalar(
        select(func.max(Item.round)).where(Item.campaign_id == campaign.id)
    )
    if current_round is None:
        raise BadGenerationRequest("The campaign has no items to generate for")
    round_ = current_round + 1 if body.new_round else current_round
    # A new round generates for the original prompts (round 0); otherwise the job adds
    # candidates to the items of the current round.
    item_ids = _items_of_round(session, campaign, 0 if body.new_round else round_, body.item_ids)
    if body.new_round:
        item_ids = copy_items_into_round(session, item_ids, round_)
    job = GenerationJob(
        campaign_id=campaign.id,
        created_by_id=user.id if user else None,
        endpoint_ids=[e.id for e in endpoints],
        samples=body.samples,
        params=body.params,
        round=round_,
        status=GenerationStatus.queued,
        total=len(item_ids) * len(endpoints) * body.samples,
    )
    session.add(job)
    session.flush()
    session.add_all(
        GenerationRequest(job_id=job.id, item_id=item_id, endpoint_id=e.id, sample_index=s)
        for item_id in item_ids
        for e in endpoints
        for s in range(body.samples)
    )
    session.flush()
    from prefhub.generation.tasks import dispatch_job  # tasks import this module

    enqueue_after_commit(session, dispatch_job, job.id, expires=24 * 3600)
    return job


def _items_of_round(
    session: Session, campaign: Campaign, round_: int, external_ids: list[str] | None
) -> list[int]:
    """The round's items, optionally only those whose prompt has one of ``external_ids`` (the
    ids given at import: later rounds' copies answer to their original's id)."""
    original = aliased(Item)
    prompt_id = func.coalesce(original.external_id, Item.external_id)
    query = (
        select(Item.id)
        .outerjoin(original, original.id == Item.source_item_id)
        .where(Item.campaign_id == campaign.id, Item.round == round_)
        .order_by(Item.id)
    )
    if external_ids is not None:
        query = query.where(prompt_id.in_(external_ids))
    item_ids = list(session.scalars(query))
    if external_ids is not None and len(item_ids) != len(set(external_ids)):
        raise BadGenerationRequest(f"Some item ids are not in round {round_} of this campaign")
    if not item_ids:
        raise BadGenerationRequest(f"Round {round_} of the campaign has no items")
    return item_ids


def copy_items_into_round(session: Session, item_ids: list[int], round_: int) -> list[int]:
    """Fresh items for an on-policy round: the same prompts, no candidates yet, their own K
    judgments to collect (ready once generation gives them ``min_candidates``)."""
    copies = [
        Item(
            campaign_id=item.campaign_id,
            external_id=f"{item.external_id}~r{round_}",
            context=item.context,
            extra=item.extra,
            status=ItemStatus.pending,
            priority=item.priority,
            is_gold=item.is_gold,
            round=round_,
            source_item_id=item.id,
        )
        for item in session.scalars(select(Item).where(Item.id.in_(item_ids)).order_by(Item.id))
    ]
    try:
        with session.begin_nested():
            session.add_all(copies)
            session.flush()
    except IntegrityError as exc:
        # Another request opened the same round a moment ago, or an imported id looks like a
        # copy's id.
        raise RoundConflict(
            f"Round {round_} could not be opened: its item ids are taken; try again"
        ) from exc
    return [copy.id for copy in copies]


def get_job(session: Session, job_id: int) -> GenerationJob:
    job = session.get(GenerationJob, job_id)
    if job is None:
        raise GenerationJobNotFound(f"No generation job {job_id}")
    return job


def jobs_for(session: Session, campaign: Campaign) -> list[GenerationJob]:
    return list(
        session.scalars(
            select(GenerationJob)
            .where(GenerationJob.campaign_id == campaign.id)
            .order_by(GenerationJob.id.desc())
            .limit(100)
        )
    )


@dataclass
class JobProgress:
    total: int
    done: int
    failed: int
    cancelled: int
    errors: list[str]


def progress(session: Session, job: GenerationJob) -> JobProgress:
    counts = Counter(
        dict(
            session.execute(
                select(GenerationRequest.status, func.count())
                .where(GenerationRequest.job_id == job.id)
                .group_by(GenerationRequest.status)
            ).all()
        )
    )
    errors = list(
        session.scalars(
            select(GenerationRequest.error)
            .where(GenerationRequest.job_id == job.id, GenerationRequest.error.is_not(None))
            .order_by(GenerationRequest.id)
            .limit(10)
        )
    )
    return JobProgress(
        total=job.total,
        done=counts[GenerationStatus.succeeded],
        failed=counts[GenerationStatus.failed],
        cancelled=counts[GenerationStatus.cancelled],
        errors=errors,
    )


def cancel_job(session: Session, job: GenerationJob) -> None:
    if job.status in FINISHED:
        raise GenerationJobFinished(f"Generation job {job.id} is already {job.status.value}")
    session.execute(
        update(GenerationRequest)
        .where(
            GenerationRequest.job_id == job.id,
            GenerationRequest.status.in_([GenerationStatus.queued, GenerationStatus.running]),
        )
        .values(status=GenerationStatus.cancelled, finished_at=utcnow())
    )
    job.status = GenerationStatus.cancelled
    job.finished_at = utcnow()


def queued_request_ids(session: Session, job_id: int) -> list[int]:
    return list(
        session.scalars(
            select(GenerationRequest.id)
            .where(
                GenerationRequest.job_id == job_id,
                GenerationRequest.status == GenerationStatus.queued,
            )
            .order_by(GenerationRequest.id)
        )
    )


# ---------------------------------------------------------------- one request


@dataclass
class RequestPlan:
    """What a worker needs to call the model, read in one short transaction."""

    request_id: int
    endpoint: ModelEndpoint
    context: list[dict[str, Any]]
    params: dict[str, Any]


def start_request(session: Session, request_id: int) -> RequestPlan | None:
    """None when there is nothing to do: finished, cancelled, or already stored."""
    request = session.get(GenerationRequest, request_id)
    if request is None or request.status in FINISHED:
        return None
    job = session.get_one(GenerationJob, request.job_id)
    if job.status == GenerationStatus.cancelled:
        request.status = GenerationStatus.cancelled
        return None
    if session.scalar(select(Candidate.id).where(Candidate.generation_request_id == request.id)):
        # A previous run stored the candidate and died before recording it.
        request.status = GenerationStatus.succeeded
        return None
    request.status = GenerationStatus.running
    request.attempts += 1
    if job.status == GenerationStatus.queued:
        job.status = GenerationStatus.running
        job.started_at = job.started_at or utcnow()
    endpoint = session.get_one(ModelEndpoint, request.endpoint_id)
    session.expunge(endpoint)
    item = session.get_one(Item, request.item_id)
    params = {**endpoint.default_params, **job.params}
    if request.sample_index and "seed" in params:
        params["seed"] = int(params["seed"]) + request.sample_index
    return RequestPlan(request.id, endpoint, item.context, params)


def store_completion(session: Session, request_id: int, completion: Completion) -> None:
    request = session.get_one(GenerationRequest, request_id)
    if request.status == GenerationStatus.cancelled:
        return
    job = session.get_one(GenerationJob, request.job_id)
    endpoint = session.get_one(ModelEndpoint, request.endpoint_id)
    item = _lock_item(session, request.item_id)
    position = session.scalar(
        select(func.coalesce(func.max(Candidate.position) + 1, 0)).where(
            Candidate.item_id == request.item_id
        )
    )
    try:
        with session.begin_nested():
            session.add(
                Candidate(
                    item_id=request.item_id,
                    position=position,
                    content=completion.content,
                    model_name=endpoint.name,
                    model_params={**endpoint.default_params, **job.params, "model": endpoint.model},
                    round=job.round,
                    generation_request_id=request.id,
                    extra={
                        "latency_ms": completion.latency_ms,
                        "prompt_tokens": completion.prompt_tokens,
                        "completion_tokens": completion.completion_tokens,
                        "finish_reason": completion.finish_reason,
                        "served_model": completion.raw_model,
                        "sample_index": request.sample_index,
                        "generation_job_id": job.id,
                    },
                )
            )
            session.flush()
    except IntegrityError:
        pass  # another run of this request stored it first: keep that one
    request.status = GenerationStatus.succeeded
    request.error = None
    request.finished_at = utcnow()
    _mark_ready(session, item)


def record_failure(session: Session, request_id: int, error: str, *, final: bool) -> None:
    request = session.get_one(GenerationRequest, request_id)
    if request.status in FINISHED:
        return
    request.error = error[:2000]
    if final:
        request.status = GenerationStatus.failed
        request.finished_at = utcnow()
    else:
        request.status = GenerationStatus.queued


def backoff_seconds(attempt: int, retry_after: float | None, rng: random.Random) -> float:
    """Exponential backoff with full jitter, never sooner than the server's Retry-After."""
    delay = rng.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(attempt - 1, 0)))
    return max(delay, retry_after or 0.0)


def _lock_item(session: Session, item_id: int) -> Item:
    """Serialise candidate writes per item: two stored at once would otherwise share a
    position and each count only itself when deciding readiness."""
    return session.scalars(
        select(Item)
        .where(Item.id == item_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()


def _mark_ready(session: Session, item: Item) -> None:
    item_id = item.id
    if item.status != ItemStatus.pending:
        return
    campaign = session.get_one(Campaign, item.campaign_id)
    count = session.scalar(select(func.count(Candidate.id)).where(Candidate.item_id == item_id))
    if (count or 0) >= spec_of(campaign).min_candidates:
        item.status = ItemStatus.ready


def finish_job_if_done(session: Session, job_id: int) -> None:
    """Close the job once no request is open, in one guarded statement.

    Run in its own short transaction after a request's result is committed: whoever runs it
    last sees every result, and the guard makes a second closer a no-op, so no lock is held
    across the request's own transaction.
    """
    open_requests = (
        select(GenerationRequest.id)
        .where(
            GenerationRequest.job_id == job_id,
            GenerationRequest.status.in_([GenerationStatus.queued, GenerationStatus.running]),
        )
        .exists()
    )
    all_failed = (
        select(func.count(GenerationRequest.id))
        .where(
            GenerationRequest.job_id == job_id,
            GenerationRequest.status == GenerationStatus.failed,
        )
        .scalar_subquery()
        == GenerationJob.total
    )
    session.execute(
        update(GenerationJob)
        .where(
            GenerationJob.id == job_id,
            GenerationJob.status.in_([GenerationStatus.queued, GenerationStatus.running]),
            ~open_requests,
        )
        .values(
            status=case(
                (all_failed, GenerationStatus.failed.value),
                else_=GenerationStatus.succeeded.value,
            ),
            finished_at=utcnow(),
        )
    )


def run_locally(request_ids: list[int], concurrency: int, on_done: Any = None) -> None:
    """Run requests in this process (``prefhub generate --wait`` without Redis): the same
    request code as the worker, with its retries and backoff, on a thread pool."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    from prefhub.generation.tasks import execute_request

    def run(request_id: int) -> None:
        retries = 0
        while (delay := execute_request(request_id, retries, MAX_ATTEMPTS)) is not None:
            retries += 1
            time.sleep(delay)
        if on_done:
            on_done()

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        list(pool.map(run, request_ids))


def job_of_request(session: Session, request_id: int) -> int | None:
    return session.scalar(
        select(GenerationRequest.job_id).where(GenerationRequest.id == request_id)
    )
