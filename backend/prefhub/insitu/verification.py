"""People verify a sample of derived rows (issue 19, point 4), and how far each signal agrees.

A sample of a source's derived rows becomes items of one of the researcher's ordinary
campaigns, through the same import path as any file (validated, all or nothing): the
conversation before the judged turn is the item's prompt; a pair's two answers are its
candidates (the signal's chosen first; the campaign shuffles what annotators see), for a
campaign with a pairwise question; a KTO row's answer is the one candidate, for a campaign with
a binary (thumbs) question. Annotators then judge them like any other item.

A judgment *confirms* its row when the annotator picked the signal's chosen answer (pairs) or
voted as the signal's label (KTO), *overturns* it when they picked the other way; a tie or "both
bad" decides nothing. A signal's agreement is confirmed / (confirmed + overturned) over its
verified rows' current judgments (a judgment replaced by a revision no longer counts).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session, aliased

from prefhub.campaigns.service import spec_of
from prefhub.insitu.derivation import derive_pending
from prefhub.insitu.exceptions import CampaignCannotVerify, NothingToVerify
from prefhub.items.service import import_items
from prefhub.models import Campaign, Candidate, FeedbackSource, InsituDerived, Judgment

MAX_SAMPLE = 5_000
# The question kind that can verify each derived kind.
VERIFIED_BY = {"pair": "pairwise", "kto": "binary"}
_ROLE = {"developer": "system"}
_IMPORTABLE_ROLES = frozenset({"system", "user", "assistant"})


def kind_for(campaign: Campaign) -> str:
    """The derived kind ``campaign`` can verify: "pair" with a pairwise question, "kto" with a
    binary one; 409 ``campaign_cannot_verify`` otherwise."""
    spec = spec_of(campaign)
    kinds = {question.kind for question in spec.questions}
    if spec.trees is not None:
        raise CampaignCannotVerify("A conversation-tree campaign cannot verify derived rows")
    for kind, question in VERIFIED_BY.items():
        if question in kinds and (kind == "pair") == (spec.min_candidates >= 2):
            return kind
    raise CampaignCannotVerify(
        f"Campaign '{campaign.slug}' needs a pairwise question (for pairs) or a binary "
        "question with min_candidates 1 (for KTO rows)"
    )


def send_sample(
    session: Session,
    source: FeedbackSource,
    campaign: Campaign,
    *,
    sample: int,
    signals: list[str] | None,
    seed: int | None,
) -> dict[str, int]:
    """Import a random sample of the source's not-yet-sent rows of the kind the campaign can
    verify; returns how many rows of each signal were sent."""
    kind = kind_for(campaign)
    derive_pending(session, source.id)
    query = select(InsituDerived.id).where(
        InsituDerived.source_id == source.id,
        InsituDerived.kind == kind,
        InsituDerived.verification_item_id.is_(None),
    )
    if signals:
        query = query.where(InsituDerived.signal.in_(signals))
    ids = list(session.scalars(query.order_by(InsituDerived.id)))
    if not ids:
        raise NothingToVerify("No derived rows of that kind are waiting to be verified")
    chosen = sorted(random.Random(seed).sample(ids, min(sample, len(ids))))
    rows = list(session.scalars(select(InsituDerived).where(InsituDerived.id.in_(chosen))))
    external = {f"insitu-{source.slug}-{row.id}": row for row in rows}
    items = import_items(
        session,
        campaign,
        [json.dumps(_line(external_id, row, source.slug)) for external_id, row in external.items()],
    )
    sent: dict[str, int] = {}
    for item in items:
        row = external[item.external_id]
        session.execute(
            update(InsituDerived)
            .where(InsituDerived.id == row.id)
            .values(verification_item_id=item.id)
        )
        sent[row.signal] = sent.get(row.signal, 0) + 1
    session.flush()
    return sent


def _line(external_id: str, row: InsituDerived, slug: str) -> dict[str, Any]:
    content = row.row
    prompt = [
        {"role": _ROLE.get(role, role), "content": text}
        for role, text in content["prompt"]
        if _ROLE.get(role, role) in _IMPORTABLE_ROLES and text
    ] or [{"role": "user", "content": "(no prompt)"}]
    if row.kind == "pair":
        candidates = [
            {"content": content["chosen"], "metadata": {"insitu": "chosen"}},
            {"content": content["rejected"], "metadata": {"insitu": "rejected"}},
        ]
    else:
        candidates = [{"content": content["completion"], "metadata": {"insitu": "completion"}}]
    return {
        "id": external_id,
        "prompt": prompt,
        "candidates": candidates,
        "metadata": {"insitu": {"source": slug, "derived_id": row.id, "signal": row.signal}},
    }


@dataclass
class Agreement:
    verified: int = 0  # rows with at least one deciding judgment
    confirmed: int = 0  # judgments
    overturned: int = 0
    rows: set[int] = field(default_factory=set)

    @property
    def share(self) -> float | None:
        decided = self.confirmed + self.overturned
        return round(self.confirmed / decided, 4) if decided else None


def agreement_by_signal(session: Session, source_id: int) -> dict[str, Agreement]:
    """Each signal's verified rows and how people's current judgments of them went."""
    result: dict[str, Agreement] = {}
    judged = _judged(source_id)
    candidates: dict[int, dict[int, int]] = {}  # item -> candidate id -> position
    rows = session.execute(judged).tuples().all()
    item_ids = list({item_id for *_, item_id, _, _ in rows})
    for start in range(0, len(item_ids), 1000):
        for candidate_id, item_id, position in session.execute(
            select(Candidate.id, Candidate.item_id, Candidate.position).where(
                Candidate.item_id.in_(item_ids[start : start + 1000])
            )
        ).tuples():
            candidates.setdefault(item_id, {})[candidate_id] = position
    for derived_id, signal, label, item_id, answers, shown in rows:
        verdict = _verdict(answers, shown, candidates.get(item_id, {}), label)
        tally = result.setdefault(signal, Agreement())
        if verdict is None:
            continue
        tally.rows.add(derived_id)
        if verdict:
            tally.confirmed += 1
        else:
            tally.overturned += 1
    for tally in result.values():
        tally.verified = len(tally.rows)
    return result


def _judged(source_id: int) -> Select[Any]:
    newer = aliased(Judgment)
    return (
        select(
            InsituDerived.id,
            InsituDerived.signal,
            InsituDerived.row["label"],
            Judgment.item_id,
            Judgment.answers,
            Judgment.shown_order,
        )
        .join(Judgment, Judgment.item_id == InsituDerived.verification_item_id)
        .where(
            InsituDerived.source_id == source_id,
            ~select(newer.id).where(newer.supersedes_id == Judgment.id).exists(),
        )
    )


def _verdict(
    answers: dict[str, Any], shown: list[Any], positions: dict[int, int], label: Any
) -> bool | None:
    """Whether the judgment confirms the row (None: it decides nothing)."""
    for answer in answers.values():
        if not isinstance(answer, dict):
            continue
        if "choice" in answer:
            picked = {"A": 0, "B": 1}.get(answer["choice"])
            if picked is None or picked >= len(shown):
                return None  # tie, both bad
            return positions.get(int(shown[picked])) == 0  # position 0: the signal's chosen
        if "votes" in answer:
            vote = answer["votes"].get("A")
            if vote is None:
                return None
            return bool((vote == "up") == _as_bool(label))
    return None


def _as_bool(label: Any) -> bool:
    # JSON's true read back through a JSON path: a bool, or the text "true" on some backends.
    return label is True or label in ("true", 1, "1")
