"""The raw ``judgments`` format: one row per (judgment, question), every revision, never
aggregated. Answers stay as submitted (candidates named by the label shown), with the map
from labels to candidates alongside."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from prefhub.campaigns.answers import LABELS
from prefhub.exports.dpo_encoding import dumps, dumps_row, json_value
from prefhub.exports.judgment_record import JudgmentRecord

# A row as ``dumps_row`` writes it (keys sorted), when its metadata holds only the annotator
# and whether they are simulated: one formatting a row instead of encoding a dict.
ROW = (
    '{"annotator_id": %s, "answer": %s, "campaign": %s, "campaign_version": %s, '
    '"created_at": %s, "current": %s, "id": %s, "item_id": %s, "judgment_id": %s, "kind": %s, '
    '"metadata": {"annotator_id": %s, "simulated": %s}, "question": %s, "revision": %s, '
    '"shown": %s, "shown_order": %s, "supersedes": %s, "time_spent_ms": %s}'
)
SHOWN = '"%s": {"candidate_id": %s, "model": %s}'
# Entries of the writer's caches before they start afresh: memory stays bounded.
CACHED = 50_000


@dataclass
class JudgmentsWriter:
    campaign_slug: str
    question_kinds: dict[str, str]
    conversational: bool = True
    skipped: Counter[str] = field(default_factory=Counter)
    current_only: bool = False
    # Rows name candidates by id and model only: the reader need not load contents.
    reads_content: bool = False
    # Pieces of rows made once, not once a row (a worker's writer lives for one export):
    # answers encoded, by (the decoded answers object, question): the reader decodes each
    # distinct answer text once, so rows share these objects; "shown" and "shown_order" by
    # the shown order; per question, its row id suffix, kind and id as JSON.
    _answers: dict[tuple[int, str], tuple[Any, str]] = field(default_factory=dict)
    _shown: dict[tuple[Any, ...], tuple[str, str]] = field(default_factory=dict)
    _questions: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def lines(self, record: JudgmentRecord) -> Iterator[str]:
        """``rows()`` as ``dumps_row`` writes them, from a template where the row fits it."""
        if record.profile is not None or record.gold or record.standing is not None:
            yield from map(dumps_row, self.rows(record))
            return
        if len(self._answers) > CACHED or len(self._shown) > CACHED:
            self._answers.clear()
            self._shown.clear()
        name = json_value(record.annotator_pseudonym)
        shown, shown_order = self._shown_json(record)
        campaign = json_value(self.campaign_slug)
        version = json_value(record.campaign_version)
        created = json_value(record.created_at)
        current = "true" if record.is_current else "false"
        item_id, judgment_id = json_value(record.item_external_id), json_value(record.judgment_id)
        simulated = "true" if record.simulated else "false"
        revision, supersedes = json_value(record.revision), json_value(record.supersedes_id)
        spent = json_value(record.time_spent_ms)
        answers = record.answers
        for question_id, answer in answers.items():
            found = self._answers.get((id(answers), question_id))
            if found is None or found[0] is not answers:
                found = self._answers[id(answers), question_id] = (answers, dumps(answer))
            question = self._questions.get(question_id)
            if question is None:
                question = self._questions[question_id] = (
                    json_value(question_id)[1:-1],
                    json_value(self.question_kinds.get(question_id, "unknown")),
                    json_value(question_id),
                )
            suffix, kind, quoted = question
            yield ROW % (
                name,
                found[1],
                campaign,
                version,
                created,
                current,
                f'"j{judgment_id}.{suffix}"',
                item_id,
                judgment_id,
                kind,
                name,
                simulated,
                quoted,
                revision,
                shown,
                shown_order,
                supersedes,
                spent,
            )

    def _shown_json(self, record: JudgmentRecord) -> tuple[str, str]:
        """The row's "shown" and "shown_order" as JSON (candidates keep their model for the
        whole export, so the shown order decides both)."""
        order = record.shown_order
        # Cached by ids only (True == 1, but not in JSON).
        key = tuple(order) if all(type(c) is int for c in order) else None
        found = self._shown.get(key) if key is not None else None
        if found is None:
            models = record.candidates
            named = ", ".join(
                SHOWN % (LABELS[i], json_value(cid), json_value(models.get(cid, _NONE)[1]))
                for i, cid in enumerate(order)
            )
            found = ("{" + named + "}", json_value(order))
            if key is not None:
                self._shown[key] = found
        return found

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


_NONE: tuple[None, None] = (None, None)
