"""Rows of TRL's preference format (``prompt``, ``chosen``, ``rejected``) from judgments.

Derivation (README, "Export formats"): a pairwise answer "A" or "B" gives one row with the
preferred candidate as ``chosen``; "tie" and "both_bad" express no preference and give none.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from prefhub.kit.content import plain_text

ROLE_NAMES = {"system": "System", "user": "User", "assistant": "Assistant"}


@dataclass
class JudgmentRecord:
    """A judgment with what it refers to, loaded in batches by the export service."""

    judgment_id: int
    annotator_pseudonym: str
    item_external_id: str
    context: list[dict[str, Any]]
    answers: dict[str, Any]
    shown_order: list[int]
    candidates: dict[int, tuple[list[dict[str, Any]], str | None]]  # id -> (content, model)
    time_spent_ms: int | None
    campaign_version: int
    created_at: str
    revision: int = 0
    supersedes_id: int | None = None
    is_current: bool = True
    # Generation rounds of the candidates shown.
    rounds: set[int] = field(default_factory=set)


@dataclass
class DpoWriter:
    campaign_slug: str
    question_kinds: dict[str, str]
    conversational: bool = True
    skipped: Counter[str] = field(default_factory=Counter)
    # Earlier revisions of an undone judgment are history, not preferences.
    current_only: bool = True

    def rows(self, record: JudgmentRecord) -> Iterator[dict[str, Any]]:
        for question_id, answer in record.answers.items():
            if self.question_kinds.get(question_id) != "pairwise":
                continue
            choice = answer.get("choice")
            if choice not in ("A", "B"):
                self.skipped[str(choice)] += 1
                continue
            winner_index = 0 if choice == "A" else 1
            chosen_id = record.shown_order[winner_index]
            rejected_id = record.shown_order[1 - winner_index]
            chosen_content, chosen_model = record.candidates[chosen_id]
            rejected_content, rejected_model = record.candidates[rejected_id]
            yield {
                "id": f"j{record.judgment_id}.{question_id}",
                "campaign": self.campaign_slug,
                "prompt": prompt_value(record.context, conversational=self.conversational),
                "chosen": completion_value(chosen_content, conversational=self.conversational),
                "rejected": completion_value(rejected_content, conversational=self.conversational),
                "metadata": {
                    "annotator_id": record.annotator_pseudonym,
                    "judgment_id": record.judgment_id,
                    "item_id": record.item_external_id,
                    "question": question_id,
                    "chosen_label": choice,
                    "shown_order": record.shown_order,
                    "source_models": {"chosen": chosen_model, "rejected": rejected_model},
                    "time_spent_ms": record.time_spent_ms,
                    "campaign_version": record.campaign_version,
                    "created_at": record.created_at,
                },
            }


def prompt_value(context: list[dict[str, Any]], *, conversational: bool) -> Any:
    """TRL's ``prompt``: the turns as ``{role, content}`` messages, or one string."""
    if conversational:
        return [{"role": m["role"], "content": plain_text(m["content"])} for m in context]
    if len(context) == 1 and context[0]["role"] == "user":
        return plain_text(context[0]["content"])
    # Standard form has one prompt string: earlier turns become a labelled transcript.
    turns = [f"{ROLE_NAMES[m['role']]}: {plain_text(m['content'])}" for m in context]
    return "\n\n".join([*turns, "Assistant:"])


def completion_value(content: list[dict[str, Any]], *, conversational: bool) -> Any:
    """TRL's ``chosen`` / ``rejected`` / ``completion``: one assistant message, or a string."""
    text = plain_text(content)
    if conversational:
        return [{"role": "assistant", "content": text}]
    return text
