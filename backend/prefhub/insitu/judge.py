"""A registered model as the judge of users' satisfaction (issue 19, point 3): for each assistant
turn the user answered, the model reads the answer and the user's next turn and says SAT
(satisfied), DSAT (dissatisfied) or NEUTRAL, in the spirit of WildFeedback's rubric. Verdicts
are stored with what made them (the endpoint's model and provider, the parameters, the rubric's
version, the answer's own model name and latency), and the derivation reads SAT/DSAT as the
``judge`` signal.

It runs as a job of the jobs room (``prefhub.insitu.run_judge``): one request at a time per job
through the one egress policy, outside any transaction; each verdict is stored as it comes, so
a job that dies resumes where it stopped, and a turn a model judged is not sent to it again.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from prefhub.generation.exceptions import PermanentModelError, RetryableModelError
from prefhub.generation.providers import generate
from prefhub.generation.registry import get_model_for
from prefhub.insitu.derivation import load
from prefhub.insitu.exceptions import JudgeFailed
from prefhub.jobs import runner
from prefhub.jobs import service as jobs
from prefhub.kit import egress
from prefhub.kit.db import unit_of_work
from prefhub.models import (
    FeedbackSource,
    InsituConversation,
    InsituJudgeJob,
    InsituJudgeVerdict,
    ModelEndpoint,
    User,
)

log = logging.getLogger(__name__)
RUBRIC_VERSION = "prefhub-satdsat-1"
RUBRIC = """You rate how a user felt about an AI assistant's answer, from the user's next message.

SAT: the user is satisfied: thanks, praise, builds on the answer, moves on to a related task.
DSAT: the user is dissatisfied: says it is wrong, unhelpful or off-topic, repeats or rephrases
the request, corrects the assistant, or complains about its style.
NEUTRAL: neither can be told from the next message.

Answer with one word: SAT, DSAT or NEUTRAL."""
MAX_TEXT = 4000  # characters of each turn shown to the judge
_VERDICT = re.compile(r"\b(DSAT|SAT|NEUTRAL)\b")
CONVERSATIONS_PER_READ = 100
ATTEMPTS = 3  # per turn, for a model's retryable errors (timeouts, 429, 5xx)


@dataclass(frozen=True)
class Turn:
    conversation_id: int
    message_id: str
    answer: str
    reply: str


def create_job(
    session: Session, source: FeedbackSource, user: User, model: str, max_turns: int
) -> InsituJudgeJob:
    """A queued judge job with one of the models the caller may use (404 otherwise)."""
    endpoint = get_model_for(session, user, model)
    job = InsituJudgeJob(
        source_id=source.id,
        model_endpoint_id=endpoint.id,
        model_name=endpoint.name,
        max_turns=max_turns,
    )
    return jobs.create(session, job, owner=user)


def pending_turns(session: Session, source_id: int, model: str, limit: int) -> list[Turn]:
    """Assistant turns the user answered that ``model`` has not judged, oldest first."""
    judged = set(
        session.execute(
            select(InsituJudgeVerdict.conversation_id, InsituJudgeVerdict.message_id).where(
                InsituJudgeVerdict.source_id == source_id, InsituJudgeVerdict.model == model
            )
        ).tuples()
    )
    turns: list[Turn] = []
    after = 0
    while len(turns) < limit:
        ids = list(
            session.scalars(
                select(InsituConversation.id)
                .where(InsituConversation.source_id == source_id, InsituConversation.id > after)
                .order_by(InsituConversation.id)
                .limit(CONVERSATIONS_PER_READ)
            )
        )
        if not ids:
            break
        after = ids[-1]
        for conversation_id, found in sorted(load(session, ids).items()):
            conversation = found.conversation
            for reply in conversation.turns.values():
                parent = conversation.turns.get(reply.parent_id or "")
                if (
                    reply.role == "user"
                    and parent is not None
                    and parent.role == "assistant"
                    and (conversation_id, parent.id) not in judged
                ):
                    judged.add((conversation_id, parent.id))
                    turns.append(Turn(conversation_id, parent.id, parent.text, reply.text))
    return turns[:limit]


def verdict_of(text: str) -> str:
    """The first verdict word of the judge's answer; NEUTRAL when it gave none."""
    found = _VERDICT.search(text.upper())
    return found.group(1).lower() if found else "neutral"


def _ask(endpoint: ModelEndpoint, turn: Turn) -> tuple[str, dict[str, object]]:
    question = (
        f"Assistant's answer:\n{turn.answer[:MAX_TEXT]}\n\n"
        f"User's next message:\n{turn.reply[:MAX_TEXT]}"
    )
    context = [
        {"role": "system", "content": [{"type": "text", "text": RUBRIC}]},
        {"role": "user", "content": [{"type": "text", "text": question}]},
    ]
    params = {**endpoint.default_params, "temperature": 0, "max_tokens": 8}
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with egress.client(timeout=endpoint.timeout_s) as client:
                completion = generate(client, endpoint, context, params)
            break
        except RetryableModelError as exc:
            if attempt == ATTEMPTS:
                raise JudgeFailed(f"The judge model kept failing: {exc}") from None
            time.sleep(min(2.0**attempt, 30.0))
        except PermanentModelError as exc:
            raise JudgeFailed(f"The judge model refused: {exc}") from None
    text = "".join(part.get("text", "") for part in completion.content)
    provenance: dict[str, object] = {
        "rubric": RUBRIC_VERSION,
        "endpoint_model": endpoint.model,
        "provider": endpoint.provider.value,
        "params": params,
        "answer_model": completion.raw_model,
        "latency_ms": completion.latency_ms,
        "answer": text[:200],
    }
    return verdict_of(text), provenance


def execute(job_id: int) -> None:
    """Run one judge job to its end (the task's body)."""

    def body(context: runner.RunContext) -> None:
        with unit_of_work(read_only=True) as session:
            job = session.get_one(InsituJudgeJob, job_id)
            endpoint = session.get(ModelEndpoint, job.model_endpoint_id or 0)
            if endpoint is None:
                raise JudgeFailed("The judge model was deleted")
            session.expunge(endpoint)
            source_id, model, limit = job.source_id, job.model_name, job.max_turns
            done = len(
                session.scalars(
                    select(InsituJudgeVerdict.id).where(
                        InsituJudgeVerdict.source_id == source_id,
                        InsituJudgeVerdict.model == model,
                    )
                ).all()
            )
            turns = pending_turns(session, source_id, model, limit)
        total = len(turns)
        for index, turn in enumerate(turns):
            verdict, provenance = _ask(endpoint, turn)
            with unit_of_work() as session:
                _store(session, source_id, model, turn, verdict, provenance)
            context.progress(index + 1, total)
        with unit_of_work() as session:
            job = session.get_one(InsituJudgeJob, job_id)
            job.progress_done = job.progress_total = total
            jobs.succeed(job)
        log.info("judge job %s: %s turns judged (%s before)", job_id, total, done)

    runner.run(job_id, body)


def _store(
    session: Session,
    source_id: int,
    model: str,
    turn: Turn,
    verdict: str,
    provenance: dict[str, object],
) -> None:
    exists = session.scalar(
        select(InsituJudgeVerdict.id).where(
            InsituJudgeVerdict.conversation_id == turn.conversation_id,
            InsituJudgeVerdict.message_id == turn.message_id,
            InsituJudgeVerdict.model == model,
        )
    )
    if exists is not None:
        return  # a resumed run met a verdict its first run stored
    session.add(
        InsituJudgeVerdict(
            source_id=source_id,
            conversation_id=turn.conversation_id,
            message_id=turn.message_id,
            verdict=verdict,
            model=model,
            provenance=provenance,
        )
    )
    session.execute(
        update(InsituConversation)
        .where(InsituConversation.id == turn.conversation_id)
        .values(needs_derivation=True)
    )
    session.flush()
