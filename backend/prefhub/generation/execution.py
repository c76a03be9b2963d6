"""Running generation requests in batches: start them, store their completions, close the job.

A worker runs a chunk of a job's requests at once, so each step is a few core-SQL statements
for the whole batch instead of ORM round trips per request. The guards that make a request
run twice harmless live in the statements themselves: only an open request starts or stores,
and the candidate pointer is unique.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.orm import Session

from prefhub.campaigns.service import spec_of
from prefhub.generation.providers import Completion
from prefhub.kit.time import utcnow
from prefhub.media.service import register as register_media
from prefhub.models import (
    OPEN_JOB_STATUSES,
    Campaign,
    Candidate,
    GenerationJob,
    GenerationRequest,
    GenerationStatus,
    Item,
    ItemStatus,
    Job,
    JobStatus,
    MediaAsset,
    MessageRole,
    ModelEndpoint,
    TreeMessage,
)
from prefhub.trees import service as trees
from prefhub.trees.exceptions import TreeStateConflict

FINISHED = (GenerationStatus.succeeded, GenerationStatus.failed, GenerationStatus.cancelled)
OPEN = (GenerationStatus.queued, GenerationStatus.running)
MAX_ATTEMPTS = 6
BACKOFF_BASE = 1.0
BACKOFF_CAP = 60.0
# Core statements below change rows the session may hold; they never need to refresh them.
_NO_SYNC = {"synchronize_session": False}


@dataclass(frozen=True)
class RequestPlan:
    """What a worker needs to call the model and store the answer, read when it starts."""

    request_id: int
    job_id: int
    campaign_id: int
    # The target: an item (the answer becomes a candidate) or a tree message (a reply to it).
    item_id: int | None
    tree_parent_id: int | None
    sample_index: int
    endpoint: ModelEndpoint  # detached: safe to read in any thread
    context: list[dict[str, Any]]
    params: dict[str, Any]
    candidate_params: dict[str, Any]
    round: int
    min_candidates: int


def start_requests(session: Session, request_ids: Iterable[int]) -> list[RequestPlan]:
    """Mark the open requests among ``request_ids`` running and plan them; the others are
    finished, cancelled or already stored, and are left alone."""
    ids = list(request_ids)
    if not ids:
        return []
    stored = (
        select(Candidate.id).where(Candidate.generation_request_id == GenerationRequest.id)
    ).exists() | (
        select(TreeMessage.id).where(TreeMessage.generation_request_id == GenerationRequest.id)
    ).exists()
    job_open = (
        select(Job.id).where(Job.id == GenerationRequest.job_id, Job.status.in_(OPEN_JOB_STATUSES))
    ).exists()
    now = utcnow()
    # One statement starts them all. "running" counts as open: a run whose worker died comes
    # back with its message, and the store below guards against two live runs.
    rows = session.execute(
        update(GenerationRequest)
        .where(GenerationRequest.id.in_(ids), GenerationRequest.status.in_(OPEN), job_open)
        .values(
            # A candidate without a finished request cannot be written today (both change in
            # one transaction); the guard keeps it that way for rows written by older code.
            status=case(
                (stored, GenerationStatus.succeeded.value), else_=GenerationStatus.running.value
            ),
            finished_at=case((stored, now), else_=None),
            attempts=GenerationRequest.attempts + 1,
        )
        .returning(
            GenerationRequest.id,
            GenerationRequest.job_id,
            GenerationRequest.item_id,
            GenerationRequest.tree_parent_id,
            GenerationRequest.endpoint_id,
            GenerationRequest.sample_index,
            GenerationRequest.status,
        )
        .execution_options(**_NO_SYNC)
    ).all()
    rows = [r for r in rows if r.status == GenerationStatus.running]
    return _plan(session, rows, now) if rows else []


def warm_up(session: Session) -> None:
    """Compile the start's statements before a job needs them (here they match nothing)."""
    start_requests(session, [0])
    _plan(session, [], utcnow())


def _plan(session: Session, rows: list[Any], now: datetime) -> list[RequestPlan]:
    """The started requests' plans; their jobs are running from now on."""
    job_ids = {r.job_id for r in rows}
    session.execute(
        update(Job)
        .where(Job.id.in_(job_ids), Job.status == JobStatus.queued)
        .values(
            status=JobStatus.running,
            started_at=func.coalesce(Job.started_at, now),
            attempts=Job.attempts + 1,
            heartbeat_at=now,
        )
        .execution_options(**_NO_SYNC)
    )
    jobs = {
        job.id: (job.params, job.round, campaign.id, spec_of(campaign).min_candidates)
        for job, campaign in session.execute(
            select(GenerationJob, Campaign)
            .join(Campaign, Campaign.id == GenerationJob.campaign_id)
            .where(GenerationJob.id.in_(job_ids))
        ).all()
    }
    endpoints = {
        e.id: e
        for e in session.scalars(
            select(ModelEndpoint).where(ModelEndpoint.id.in_({r.endpoint_id for r in rows}))
        )
    }
    for endpoint in endpoints.values():
        session.expunge(endpoint)
    contexts: dict[int, list[Any]] = dict(
        session.execute(select(Item.id, Item.context).where(Item.id.in_({r.item_id for r in rows})))
        .tuples()
        .all()
    )
    conversations = {
        r.tree_parent_id: _conversation(session, r.tree_parent_id)
        for r in rows
        if r.tree_parent_id is not None
    }
    _locate_media(session, [*contexts.values(), *conversations.values()])
    plans = []
    for r in sorted(rows, key=lambda r: r.id):
        job_params, round_, campaign_id, min_candidates = jobs[r.job_id]
        endpoint = endpoints[r.endpoint_id]
        params = {**endpoint.default_params, **job_params}
        candidate_params = {**params, "model": endpoint.model}
        if r.sample_index and "seed" in params:
            params["seed"] = int(params["seed"]) + r.sample_index
        plans.append(
            RequestPlan(
                request_id=r.id,
                job_id=r.job_id,
                campaign_id=campaign_id,
                item_id=r.item_id,
                tree_parent_id=r.tree_parent_id,
                sample_index=r.sample_index,
                endpoint=endpoint,
                context=(
                    contexts[r.item_id]
                    if r.item_id is not None
                    else conversations[r.tree_parent_id]
                ),
                params=params,
                candidate_params=candidate_params,
                round=round_,
                min_candidates=min_candidates,
            )
        )
    return plans


def store_completions(session: Session, done: list[tuple[RequestPlan, Completion]]) -> int:
    """Store the candidates of requests that are still open (not cancelled, not stored by
    another run) and make their items ready once they have enough. Returns how many."""
    by_request = {plan.request_id: (plan, completion) for plan, completion in done}
    if not by_request:
        return 0
    # The guard: a request's row is locked by the first run that stores it, so a second run
    # (or a cancel) that comes later finds it finished and stores nothing.
    won = sorted(
        session.scalars(
            update(GenerationRequest)
            .where(GenerationRequest.id.in_(by_request), GenerationRequest.status.in_(OPEN))
            .values(status=GenerationStatus.succeeded, error=None, finished_at=utcnow())
            .returning(GenerationRequest.id)
            .execution_options(**_NO_SYNC)
        )
    )
    if won:
        # The job's heartbeat: the jobs sweeper judges a generation job by its last completion.
        session.execute(
            update(Job)
            .where(Job.id.in_(sorted({by_request[r][0].job_id for r in won})))
            .values(heartbeat_at=utcnow())
            .execution_options(**_NO_SYNC)
        )
    for request_id in won:
        plan, completion = by_request[request_id]
        if completion.media:
            register_media(session, completion.media, plan.campaign_id)
    stored = [by_request[r] for r in won]
    replies = [
        (plan.tree_parent_id, plan, completion)
        for plan, completion in stored
        if plan.tree_parent_id is not None
    ]
    if replies:
        _store_tree_replies(session, replies)
    answers = [
        (plan.item_id, plan, completion) for plan, completion in stored if plan.item_id is not None
    ]
    if not answers:
        return len(replies)
    item_ids = sorted({item_id for item_id, _, _ in answers})
    # Serialise candidate writes per item (positions, readiness), locking in id order so two
    # batches never wait for each other in a cycle.
    statuses = session.execute(
        select(Item.id, Item.status)
        .where(Item.id.in_(item_ids))
        .order_by(Item.id)
        .with_for_update(key_share=True)
    ).all()
    pending = {item_id for item_id, status in statuses if status == ItemStatus.pending}
    last: dict[int, int] = dict(
        session.execute(
            select(Candidate.item_id, func.max(Candidate.position))
            .where(Candidate.item_id.in_(item_ids))
            .group_by(Candidate.item_id)
        )
        .tuples()
        .all()
    )
    rows = []
    for item_id, plan, completion in answers:
        position = last[item_id] = (-1 if last.get(item_id) is None else last[item_id]) + 1
        rows.append(
            {
                "item_id": item_id,
                "position": position,
                "content": completion.content,
                "model_name": plan.endpoint.name,
                "model_params": plan.candidate_params,
                "round": plan.round,
                "generation_request_id": plan.request_id,
                "extra": _metadata(plan, completion),
            }
        )
    session.execute(insert(Candidate), rows)
    needed: dict[int, set[int]] = defaultdict(set)
    for item_id, plan, _ in answers:
        if item_id in pending:
            needed[plan.min_candidates].add(item_id)
    for min_candidates, ids in needed.items():
        count = (
            select(func.count(Candidate.id)).where(Candidate.item_id == Item.id).scalar_subquery()
        )
        session.execute(
            update(Item)
            .where(Item.id.in_(ids), Item.status == ItemStatus.pending, count >= min_candidates)
            .values(status=ItemStatus.ready)
            .execution_options(**_NO_SYNC)
        )
    return len(answers) + len(replies)


def _metadata(plan: RequestPlan, completion: Completion) -> dict[str, Any]:
    """What a stored answer keeps about how it was made."""
    return {
        **completion.extra,
        "latency_ms": completion.latency_ms,
        "prompt_tokens": completion.prompt_tokens,
        "completion_tokens": completion.completion_tokens,
        "finish_reason": completion.finish_reason,
        "served_model": completion.raw_model,
        "sample_index": plan.sample_index,
        "generation_job_id": plan.job_id,
    }


def _locate_media(session: Session, contexts: list[list[dict[str, Any]]]) -> None:
    """Give each media part of the contexts its ``storage_key``, so a provider can read the
    bytes (an image for a vision model) without a database session."""
    parts = [
        part
        for context in contexts
        for message in context
        for part in message["content"]
        if part.get("type") != "text"
    ]
    if not parts:
        return
    keys: dict[str, str] = dict(
        session.execute(
            select(MediaAsset.sha256, MediaAsset.storage_key).where(
                MediaAsset.sha256.in_({p["sha256"] for p in parts})
            )
        )
        .tuples()
        .all()
    )
    for part in parts:
        part["storage_key"] = keys.get(part["sha256"])


def _conversation(session: Session, parent_id: int) -> list[dict[str, Any]]:
    """A tree's path down to ``parent_id`` as chat messages (the prompter is the user)."""
    return [
        {
            "role": "user" if m.role == MessageRole.prompter else "assistant",
            # Copies: _locate_media adds to the parts, which must not touch the stored rows.
            "content": [dict(part) for part in m.content],
        }
        for m in trees.path_to(session, trees.get_message(session, parent_id))
    ]


def _store_tree_replies(session: Session, done: list[tuple[int, RequestPlan, Completion]]) -> None:
    """Add model replies (each with its parent message's id) to their trees, each under its
    tree's lock (taken in id order). A tree that stopped taking replies meanwhile (full, halted,
    ranking) keeps none: the request is cancelled with the reason."""
    parents = {
        m.id: m
        for m in session.scalars(
            select(TreeMessage).where(TreeMessage.id.in_({parent_id for parent_id, _, _ in done}))
        )
    }
    for parent_id, plan, completion in sorted(done, key=lambda d: parents[d[0]].tree_id):
        parent = parents[parent_id]
        trees.lock_tree(session, parent.tree_id)
        try:
            with session.begin_nested():
                trees.add_reply(
                    session,
                    session.get_one(Campaign, plan.campaign_id),
                    parent,
                    completion.content,
                    model_name=plan.endpoint.name,
                    generation_request_id=plan.request_id,
                    extra={**_metadata(plan, completion), "model_params": plan.candidate_params},
                )
        except TreeStateConflict as exc:
            session.execute(
                update(GenerationRequest)
                .where(GenerationRequest.id == plan.request_id)
                .values(status=GenerationStatus.cancelled, error=f"not stored: {exc.message}")
                .execution_options(**_NO_SYNC)
            )


def record_failure(session: Session, request_id: int, error: str, *, final: bool) -> None:
    """A failed try: failed for good, or back to queued until its retry runs."""
    values: dict[str, Any] = {"error": error[:2000], "status": GenerationStatus.queued}
    if final:
        values.update(status=GenerationStatus.failed, finished_at=utcnow())
    session.execute(
        update(GenerationRequest)
        .where(GenerationRequest.id == request_id, GenerationRequest.status.in_(OPEN))
        .values(**values)
        .execution_options(**_NO_SYNC)
    )


def backoff_seconds(attempt: int, retry_after: float | None, rng: random.Random) -> float:
    """Exponential backoff with full jitter, never sooner than the server's Retry-After."""
    delay = rng.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(attempt - 1, 0)))
    return max(delay, retry_after or 0.0)


def jobs_of_requests(session: Session, request_ids: Iterable[int]) -> set[int]:
    return set(
        session.scalars(
            select(GenerationRequest.job_id)
            .where(GenerationRequest.id.in_(list(request_ids)))
            .distinct()
        )
    )


def finish_job_if_done(session: Session, job_id: int) -> None:
    """Close the job once no request is open, in one guarded statement.

    Run in its own short transaction after a batch's results are committed: whoever runs it
    last sees every result, and the guard makes a second closer a no-op, so no lock is held
    across the batch's own transaction.
    """
    open_requests = (
        select(GenerationRequest.id)
        .where(GenerationRequest.job_id == job_id, GenerationRequest.status.in_(OPEN))
        .exists()
    )
    all_failed = (
        select(func.count(GenerationRequest.id))
        .where(
            GenerationRequest.job_id == job_id,
            GenerationRequest.status == GenerationStatus.failed,
        )
        .scalar_subquery()
        == Job.progress_total
    )
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status.in_(OPEN_JOB_STATUSES), ~open_requests)
        .values(
            status=case(
                (all_failed, JobStatus.failed.value),
                else_=JobStatus.succeeded.value,
            ),
            error_code=case((all_failed, "generation_failed"), else_=None),
            error_message=case(
                (all_failed, "Every request failed; the job's errors say why"), else_=None
            ),
            finished_at=utcnow(),
        )
        .execution_options(**_NO_SYNC)
    )
