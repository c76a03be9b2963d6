"""The raw ``judgments`` format: one row per (judgment, question), every revision, never
aggregated. Answers stay as submitted (candidates named by the label shown), with the map
from labels to candidates alongside."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from prefhub.campaigns.answers import LABELS
from prefhub.exports.judgment_record import JudgmentRecord


@dataclass
class JudgmentsWriter:
    campaign_slug: str
    question_kinds: dict[str, str]
    conversational: bool = True
    skipped: Counter[str] = field(default_factory=Counter)
    current_only: bool = False

    def rows(self, record: JudgmentRecord) -> Iterator[dict[str, Any]]:
        shown = {
            LABELS[i]: {"candidate_id": cid, "model": record.candidates.get(cid, (None, None))[1]}
            for i, cid in enumerate(record.shown_order)
        }
        for question_id, answer in record.answers.items():
            yield {
                "id": f"j{record.judgment_id}.{question_id}",
                "campaign": self.campaign_slug,
                "judgment_id": record.judgment_id,
                "item_id": record.item_external_id,
                "question": question_id,
                "kind": self.question_kinds.get(question_id, "unknown"),
                "answer": answer,
                "shown_order": record.shown_order,
                "shown": shown,
                "annotator_id": record.annotator_pseudonym,
                "time_spent_ms": record.time_spent_ms,
                "created_at": record.created_at,
                "campaign_version": record.campaign_version,
                "revision": record.revision,
                "supersedes": record.supersedes_id,
                "current": record.is_current,
                "metadata": {
                    "annotator_id": record.annotator_pseudonym,
                    "simulated": record.simulated,
                }
                | ({"profile": record.profile} if record.profile is not None else {})
                # Only on a gold item's judgments (exported with include_gold): its score, 0..1.
                | ({"gold": True, "gold_score": record.gold_score} if record.gold else {})
                # Only when the annotator's standing is not "ok": flagged, or excluded.
                | (record.standing.metadata() if record.standing is not None else {}),
            }
