"""Model registry and generation jobs: M models x N samples per item, one request each."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from prefhub.campaigns.tree_spec import ModelReplies
from prefhub.generation import dispatch, registry
from prefhub.generation.exceptions import (
    BadGenerationRequest,
    GenerationJobNotFound,
    RoundConflict,
)
from prefhub.generation.execution import OPEN
from prefhub.generation.schemas import GenerationJobCreate
from prefhub.jobs import service as jobs
from prefhub.kit.time import utcnow
from prefhub.models import (
    Campaign,
    GenerationJob,
    GenerationRequest,
    GenerationStatus,
    Item,
    ItemStatus,
    Job,
    ModelEndpoint,
    TreeMessage,
    User,
)
from prefhub.trees import model_replies

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- jobs


def create_job(
    session: Session,
    campaign: Campaign,
    body: GenerationJobCreate,
    user: User | None,
    *,
    idempotency_key: str | None = None,
) -> GenerationJob:
    """M models x N samples for the campaign's items of the current (or a new) round. A
    retry with the same ``idempotency_key`` returns the job the first try made."""
    if idempotency_key is not None:
        earlier = jobs.find_by_key(session, user, idempotency_key, GenerationJob)
        if earlier is not None:
            return earlier
    endpoints = [registry.get_model_for(session, user, name) for name in body.models]
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
    return _new_job(
        session,
        campaign,
        user,
        endpoints,
        [{"item_id": item_id} for item_id in item_ids],
        samples=body.samples,
        params=body.params,
        round_=round_,
        idempotency_key=idempotency_key,
    )


def create_tree_reply_job(
    session: Session, campaign: Campaign, parent: TreeMessage, replies: ModelReplies
) -> GenerationJob | None:
    """Models reply to an accepted prompter message of a tree; runs inside the transaction of
    the review that accepted it, so a model missing from the registry is logged and skipped
    rather than failing that annotator's submission. The models are those the campaign's
    owner may use."""
    owner = session.get(User, campaign.owner_id) if campaign.owner_id else None
    endpoints = []
    for name in dict.fromkeys(replies.models):
        endpoint = session.scalar(select(ModelEndpoint).where(ModelEndpoint.name == name))
        if endpoint is None or not registry.may_use(session, owner, endpoint):
            log.warning(
                "campaign %s: model '%s' for tree replies is not registered or not usable by "
                "the campaign's owner",
                campaign.slug,
                name,
            )
        else:
            endpoints.append(endpoint)
    if not endpoints:
        return None
    return _new_job(
        session,
        campaign,
        None,
        endpoints,
        [{"tree_parent_id": parent.id}],
        samples=replies.per_message,
        params=replies.params,
        round_=0,
    )


# Trees ask for model replies through this hook, so they need not import generation.
model_replies.register(create_tree_reply_job)


def _new_job(
    session: Session,
    campaign: Campaign,
    user: User | None,
    endpoints: list[ModelEndpoint],
    targets: list[dict[str, int]],
    *,
    samples: int,
    params: dict[str, Any],
    round_: int,
    idempotency_key: str | None = None,
) -> GenerationJob:
    """A job of one request per target x endpoint x sample, dispatched after commit."""
    job = GenerationJob(
        campaign_id=campaign.id,
        endpoint_ids=[e.id for e in endpoints],
        samples=samples,
        params=params,
        round=round_,
        progress_total=len(targets) * len(endpoints) * samples,
    )
    jobs.create(session, job, owner=user, idempotency_key=idempotency_key, send_now=False)
    requests = [
        GenerationRequest(job_id=job.id, endpoint_id=e.id, sample_index=s, **target)
        for target in targets
        for e in endpoints
        for s in range(samples)
    ]
    session.add_all(requests)
    session.flush()
    dispatch.send_new_job(
        session, job.id, [r.id for r in requests], sum(e.max_concurrency for e in endpoints)
    )
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
        .where(
            Item.campaign_id == campaign.id,
            Item.round == round_,
            Item.status != ItemStatus.importing,  # an import still being written
        )
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
            language=item.language,
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
    return jobs.of_campaign(session, GenerationJob, campaign.id)


@dataclass
class JobProgress:
    total: int
    done: int
    failed: int
    cancelled: int
    errors: list[str]


def progress(session: Session, job: GenerationJob) -> JobProgress:
    counts: Counter[GenerationStatus] = Counter(
        dict(
            session.execute(
                select(GenerationRequest.status, func.count())
                .where(GenerationRequest.job_id == job.id)
                .group_by(GenerationRequest.status)
            )
            .tuples()
            .all()
        )
    )
    errors = [
        error
        for error in session.scalars(
            select(GenerationRequest.error)
            .where(GenerationRequest.job_id == job.id, GenerationRequest.error.is_not(None))
            .order_by(GenerationRequest.id)
            .limit(10)
        )
        if error is not None
    ]
    return JobProgress(
        total=job.progress_total,
        done=counts[GenerationStatus.succeeded],
        failed=counts[GenerationStatus.failed],
        cancelled=counts[GenerationStatus.cancelled],
        errors=errors,
    )


def on_cancel(session: Session, job: Job) -> None:
    """A cancelled job's open requests are cancelled too; finished ones stay."""
    session.execute(
        update(GenerationRequest)
        .where(GenerationRequest.job_id == job.id, GenerationRequest.status.in_(OPEN))
        .values(status=GenerationStatus.cancelled, finished_at=utcnow())
    )


def on_resume(session: Session, job: Job) -> None:
    """A resumed job runs again the requests that were cancelled or failed for good."""
    session.execute(
        update(GenerationRequest)
        .where(
            GenerationRequest.job_id == job.id,
            GenerationRequest.status.in_([GenerationStatus.cancelled, GenerationStatus.failed]),
        )
        .values(status=GenerationStatus.queued, attempts=0, error=None, finished_at=None)
    )


def queued_request_ids(session: Session, job_id: int) -> list[int]:
    return open_request_ids(session, job_id, include_running=False)


# ---------------------------------------------------------------- dispatch and recovery
#
# ``dispatched_at`` (the job's, in ``jobs``) says when its requests were last handed to the
# broker. A dispatch carries the value it was claimed with (None for the one sent by
# ``create_job``): a newer claim (a resume, or the sweeper) supersedes it, so at most one
# dispatch per claim sends the requests.


def open_request_ids(session: Session, job_id: int, *, include_running: bool) -> list[int]:
    statuses = OPEN if include_running else (GenerationStatus.queued,)
    return list(
        session.scalars(
            select(GenerationRequest.id)
            .where(GenerationRequest.job_id == job_id, GenerationRequest.status.in_(statuses))
            .order_by(GenerationRequest.id)
        )
    )


def requests_to_dispatch(
    session: Session,
    job_id: int,
    claim: datetime | None,
    *,
    include_running: bool,
    after: int | None = None,
) -> list[int]:
    """What a dispatch of the job sends: nothing once the job is finished or a newer claim
    took the dispatch over; only ids above ``after`` if given (those up to it were sent)."""
    job = session.get(GenerationJob, job_id)
    if job is None or job.finished or job.dispatched_at != claim:
        return []
    request_ids = open_request_ids(session, job_id, include_running=include_running)
    return [i for i in request_ids if after is None or i > after]


def mark_dispatched(session: Session, job_id: int, claim: datetime | None) -> None:
    """The dispatch reached the broker: the sweeper leaves the job alone until it stalls."""
    claimed = Job.dispatched_at.is_(None) if claim is None else Job.dispatched_at == claim
    session.execute(
        update(Job)
        .where(Job.id == job_id, claimed)
        .values(dispatched_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def idle_seconds(session: Session, job_id: int) -> float:
    """How long since anything happened to the job: created, started, a request finished."""
    row = session.execute(
        select(Job.created_at, Job.started_at, Job.heartbeat_at).where(Job.id == job_id)
    ).one()
    last: datetime = max(t for t in row if t is not None)
    return (utcnow() - last).total_seconds()


def resume_job(session: Session, job: GenerationJob) -> list[int]:
    """Send the job's unfinished requests to the workers again (after commit); returns them."""
    jobs.resume(session, job)
    return open_request_ids(session, job.id, include_running=False)
