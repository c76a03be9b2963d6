"""Simulated annotators growing conversation trees through the real tree services.

Each writes in its group's style (concise, thorough, structured), reviews with a small chance
of finding a message unacceptable, and ranks sibling replies by its group's utility, so tree
exports show the same disagreement as item campaigns.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

# Growing trees asks models for replies when a campaign wants them; generation registers how
# when it is imported (trees never import generation).
import prefhub.generation.service  # noqa: F401
from prefhub.campaigns.service import get_by_slug, spec_of
from prefhub.kit.content import plain_text
from prefhub.kit.db import unit_of_work
from prefhub.models import TreeMessage, TreeTask, TreeTaskKind, User
from prefhub.simulation.annotators import (
    GROUPS,
    PreferenceGroup,
    SimulationResult,
    annotators_for,
)
from prefhub.trees import assignment, submissions
from prefhub.trees.service import get_message, path_to
from prefhub.trees.submissions import TreeSubmission

TOPICS = (
    "keeping sourdough starter alive",
    "learning to juggle three balls",
    "choosing a first programming language",
    "planning a week of cheap vegetarian meals",
    "explaining compound interest to a teenager",
    "getting better sleep on night shifts",
    "repairing a bicycle puncture",
    "writing a polite complaint letter",
)
FOLLOW_UPS = (
    "Thanks. Could you give me a concrete example?",
    "What is the most common mistake people make here?",
    "Can you make that shorter, please?",
    "How would this change if I only had ten minutes a day?",
)
ADVICE = (
    "start small",
    "practise daily",
    "write down what worked",
    "ask someone experienced",
    "check your progress weekly",
    "keep the tools you need in one place",
)
UNACCEPTABLE_RATE = 0.08


def _reply(group: PreferenceGroup, topic: str, rng: random.Random) -> str:
    steps = rng.sample(ADVICE, k=4)
    if group.name == "concise":
        return f"For {topic}: {steps[0]}, then {steps[1]}."
    if group.name == "structured":
        items = "\n".join(f"{n}. {s.capitalize()}." for n, s in enumerate(steps, 1))
        return f"## {topic.capitalize()}\n\n{items}"
    return (
        f"When it comes to {topic}, most people do best if they {steps[0]}. After that, "
        f"{steps[1]} and {steps[2]}; it sounds slow, but it saves time later. Finally, "
        f"{steps[3]} so that you notice problems before they grow."
    )


def _answer(
    session: Any, task: TreeTask, group: PreferenceGroup, rng: random.Random
) -> dict[str, Any]:
    kind = task.kind
    if kind == TreeTaskKind.initial_prompt:
        return {"kind": kind.value, "text": f"Can you help me with {rng.choice(TOPICS)}?"}
    if kind == TreeTaskKind.prompter_reply:
        return {"kind": kind.value, "text": rng.choice(FOLLOW_UPS)}
    if kind == TreeTaskKind.assistant_reply:
        topic = next((t for t in TOPICS if t in _path_text(session, task)), rng.choice(TOPICS))
        return {"kind": kind.value, "text": _reply(group, topic, rng)}
    if kind == TreeTaskKind.review:
        # Labels are filled in from the campaign's questions by the caller.
        return {"kind": "review", "acceptable": rng.random() > UNACCEPTABLE_RATE, "labels": {}}
    replies = [session.get_one(TreeMessage, i) for i in task.shown_ids]
    scored = sorted(
        replies,
        key=lambda m: group.utility(plain_text(m.content)) + rng.gauss(0, 0.3),
        reverse=True,
    )
    return {"kind": "rank", "ranking": [[m.id] for m in scored]}


def _path_text(session: Any, task: TreeTask) -> str:
    if task.message_id is None:
        return ""
    path = path_to(session, get_message(session, task.message_id))
    return " ".join(plain_text(m.content) for m in path)


def simulate_trees(
    slug: str,
    *,
    annotators: int,
    tasks: int,
    seed: int = 0,
    on_task: Callable[[int], None] | None = None,
) -> SimulationResult:
    rng = random.Random(seed)
    ids = annotators_for(slug, annotators, seed, rng)
    groups = {uid: GROUPS[i % len(GROUPS)] for i, uid in enumerate(ids)}
    idle: set[int] = set()
    done = 0
    while done < tasks and len(idle) < len(ids):
        annotator_id = rng.choice(ids)
        with unit_of_work() as session:
            campaign = get_by_slug(session, slug)
            annotator = session.get_one(User, annotator_id)
            task = assignment.next_tree_task(session, campaign, annotator, rng)
            if task is None:
                idle.add(annotator_id)
                continue
            answer = _answer(session, task, groups[annotator_id], rng)
            if answer["kind"] == "review":
                answer["labels"] = _labels(spec_of(campaign).questions, answer, rng)
            submissions.submit(
                session,
                campaign,
                annotator,
                task.id,
                TreeSubmission.model_validate(
                    {
                        "client_id": f"sim-{seed}-{annotator_id}-{task.id}",
                        "answer": answer,
                        "time_spent_ms": int(rng.lognormvariate(10, 0.5)),
                    }
                ),
            )
        # Someone's work can open work for the others (a reply needs a review, ...).
        idle.clear()
        done += 1
        if on_task:
            on_task(done)
    return SimulationResult(annotators=len(ids), judgments=done, exhausted=len(idle) == len(ids))


def _labels(questions: list[Any], answer: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Values for the campaign's label questions, consistent with the verdict."""
    acceptable = answer["acceptable"]
    out = {}
    for question in questions:
        values: dict[str, Any] = {}
        for label in question.labels:
            if label.type == "flag":
                values[label.id] = (not acceptable) and rng.random() < 0.5
            else:
                scale = label.scale
                top = scale.max if acceptable else scale.min + (scale.max - scale.min) // 3
                bottom = scale.min + (scale.max - scale.min) // 2 if acceptable else scale.min
                values[label.id] = rng.randint(bottom, top)
        out[question.id] = {"values": values}
    return out
