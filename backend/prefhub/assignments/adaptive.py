"""Adaptive redundancy: judgments where they are needed (the spec's ``adaptive`` option).

Without it every item wants K (``redundancy``) judgments. With it, each item keeps the number
it wants now in ``items.judgments_wanted`` (null: K), recomputed in the submit transaction
under the item's row lock (SQLite: the database's write lock) from the item's judgments:

* the item's *verdicts* are its judgments' answers to the campaign's deciding question (the
  current revision of each task's judgment, in the order the tasks were first submitted);
* the first ``agree_after`` verdicts all equal: it wants ``agree_after`` (it stops early);
* any two of the first ``agree_after`` differ: it wants ``max_judgments`` (in disagreement, it
  goes to more annotators, up to that cap);
* fewer verdicts so far, all equal: it wants K.

The deciding question is the first comparative one (pairwise, ranking), else the first binary,
negative-only, rating or labels question. Free text never agrees: a campaign with only text
questions gets K judgments per item. Verdicts name candidates by id (through the order each
annotator was shown), so the same preference shown in another order agrees:

* pairwise: the winning candidate, or tie / both bad, of the same two candidates (judgments of
  different pairs of one item do not agree);
* ranking: the candidates ranked first (or "none acceptable"), among the same candidates;
* binary: the same vote on every candidate; negative-only: the same candidates unacceptable;
* rating: the same score on the question's first attribute for every candidate;
* labels: the same values (per candidate for candidate labels).

Gold items are left alone: they are served to every annotator, not to K of them. The queue and
every slot claim read the cap as ``coalesce(judgments_wanted, K)``, so the engine's guarantees
hold per item: no item holds more leases plus judgments than it wants at the moment of a claim.
A lease taken before an item settled may still be submitted (the item then ends with more
judgments than it wanted, never more than ``max_judgments``).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, select, update
from sqlalchemy.orm import Session

from prefhub.campaigns.answers import LABELS
from prefhub.campaigns.spec import (
    AdaptiveRedundancy,
    CampaignSpec,
    LabelsQuestion,
    Question,
    RatingQuestion,
)
from prefhub.models import Item, ItemStatus, Judgment

DECIDING_KINDS = ("binary", "negative_only", "rating", "labels")
Verdict = Hashable


def slot_cap(spec: CampaignSpec, k: int) -> ColumnElement[int]:
    """How many leases plus judgments an item may hold, in SQL: ``k``, or the item's own
    number under adaptive redundancy (read only while the option is on, so turning it off
    restores K everywhere)."""
    if spec.adaptive is None:
        return literal(k)
    return func.coalesce(Item.judgments_wanted, k)


def wanted_of(spec: CampaignSpec, judgments_wanted: int | None) -> int:
    """The judgments an item wants, from its stored number (see ``slot_cap``)."""
    if spec.adaptive is None or judgments_wanted is None:
        return spec.redundancy
    return judgments_wanted


def count_judgment(session: Session, spec: CampaignSpec, item_id: int, *, new: bool) -> None:
    """Update the item's counters after a judgment was stored: one more judgment when ``new``
    (not a revision), the number it wants (adaptive), and complete once it has them; an item
    that wants more again (a revision brought disagreement) is served again."""
    wanted: ColumnElement[int] = literal(spec.redundancy)
    values: dict[str, Any] = {}
    if spec.adaptive is not None and not _is_gold(session, item_id):
        _lock_item(session, item_id)  # so concurrent submits see each other's verdicts
        wanted_now = judgments_wanted(session, spec, item_id)
        values["judgments_wanted"] = wanted_now
        wanted = literal(wanted_now if wanted_now is not None else spec.redundancy)
    elif not new:
        return  # a revision changes no count
    judged = Item.judgment_count + 1 if new else Item.judgment_count
    if new:
        values["judgment_count"] = judged
    served_again = (
        # Only adaptive numbers move down and up again; a plain K keeps today's statuses.
        [(Item.status == ItemStatus.complete, ItemStatus.ready.value)] if spec.adaptive else []
    )
    values["status"] = case(
        (judged >= wanted, ItemStatus.complete.value), *served_again, else_=Item.status
    )
    session.execute(update(Item).where(Item.id == item_id).values(**values))


def judgments_wanted(session: Session, spec: CampaignSpec, item_id: int) -> int | None:
    """The number the item wants from its judgments now; None for K."""
    assert spec.adaptive is not None
    question = deciding_question(spec)
    if question is None:
        return None
    return wanted_from_verdicts(item_verdicts(session, question, item_id), spec.adaptive)


def wanted_from_verdicts(verdicts: list[Verdict], adaptive: AdaptiveRedundancy) -> int | None:
    first = verdicts[: adaptive.agree_after]
    if len(set(first)) > 1:
        return adaptive.max_judgments
    if len(first) == adaptive.agree_after:
        return adaptive.agree_after
    return None


def deciding_question(spec: CampaignSpec) -> Question | None:
    for kinds in (("pairwise", "ranking"), DECIDING_KINDS):
        for question in spec.questions:
            if question.kind in kinds:
                return question
    return None


def item_verdicts(session: Session, question: Question, item_id: int) -> list[Verdict]:
    """Each task's current verdict on the item, in the order the tasks were first submitted."""
    first_at: dict[int, int] = {}
    current: dict[int, tuple[dict[str, Any], list[int]]] = {}
    rows = session.execute(
        select(Judgment.assignment_id, Judgment.id, Judgment.answers, Judgment.shown_order)
        .where(Judgment.item_id == item_id)
        .order_by(Judgment.id)
    )
    for assignment_id, judgment_id, answers, shown_order in rows:
        first_at.setdefault(assignment_id, judgment_id)
        current[assignment_id] = (answers, shown_order)  # revisions come later: the last wins
    return [
        verdict(question, *current[assignment_id])
        for assignment_id in sorted(first_at, key=first_at.__getitem__)
    ]


def verdict(question: Question, answers: dict[str, Any], shown_order: list[int]) -> Verdict:
    """What a judgment says on ``question``, naming candidates by id (see the module doc)."""
    answer = answers.get(question.id) or {}
    by_label = {LABELS[i]: candidate_id for i, candidate_id in enumerate(shown_order)}
    shown = frozenset(shown_order)
    if question.kind == "pairwise":
        choice = str(answer.get("choice"))
        return (shown, by_label.get(choice, choice))
    if question.kind == "ranking":
        if answer.get("none_acceptable") and not answer.get("ranking"):
            return (shown, "none_acceptable")
        top = (answer.get("ranking") or [[]])[0]
        return (shown, frozenset(by_label.get(label) for label in top))
    if question.kind == "binary":
        return frozenset((by_label.get(label), vote) for label, vote in answer["votes"].items())
    if question.kind == "negative_only":
        return (shown, frozenset(by_label.get(label) for label in answer.get("unacceptable", {})))
    if isinstance(question, RatingQuestion):
        attribute = question.attributes[0].id
        return frozenset(
            (by_label.get(label), scores.get(attribute))
            for label, scores in answer["scores"].items()
        )
    if isinstance(question, LabelsQuestion):
        values = answer.get("values", {})
        if question.target == "prompt":
            return frozenset(values.items())
        return frozenset((by_label.get(label), frozenset(v.items())) for label, v in values.items())
    raise ValueError(f"{question.kind} questions decide no agreement")


def _is_gold(session: Session, item_id: int) -> bool:
    return bool(session.scalar(select(Item.is_gold).where(Item.id == item_id)))


def _lock_item(session: Session, item_id: int) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # FOR NO KEY UPDATE, as the lease path: judgment inserts' key-share locks pass.
        session.execute(select(Item.id).where(Item.id == item_id).with_for_update(key_share=True))
