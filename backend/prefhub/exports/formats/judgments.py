"""The raw ``judgments`` format: one row per (judgment, question), every revision, never
aggregated. Answers stay as submitted (candidates named by the label shown), with the map
from labels to candidates alongside."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from prefhub.campaigns.answers import LABELS
from prefhub.exports.dpo_encoding import dumps, dumps_row, json_value
from prefhub.exports.judgment_reader import RawBatch, Scope, decode_json
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
    # batch_lines()'s: each distinct answers text's (question pieces, answer as JSON), the
    # shown pieces by (item, shown order as text), annotators' pseudonyms as JSON by id.
    _answer_rows: dict[str, list[tuple[str, str, str, str]]] = field(default_factory=dict)
    _shown_raw: dict[tuple[int, str], tuple[str, str]] = field(default_factory=dict)
    _names: dict[int, str] = field(default_factory=dict)

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
            suffix, kind, quoted = self._question(question_id)
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

    def _question(self, question_id: str) -> tuple[str, str, str]:
        """A question's row id suffix, kind and id, as JSON."""
        question = self._questions.get(question_id)
        if question is None:
            question = self._questions[question_id] = (
                json_value(question_id)[1:-1],
                json_value(self.question_kinds.get(question_id, "unknown")),
                json_value(question_id),
            )
        return question

    def _shown_json(self, record: JudgmentRecord) -> tuple[str, str]:
        """The row's "shown" and "shown_order" as JSON (candidates keep their model for the
        whole export, so the shown order decides both)."""
        order = record.shown_order
        # Cached by ids only (True == 1, but not in JSON).
        key = tuple(order) if all(type(c) is int for c in order) else None
        found = self._shown.get(key) if key is not None else None
        if found is None:
            models = record.candidates
            found = _shown_pieces(order, lambda cid: models.get(cid, _NONE)[1])
            if key is not None:
                self._shown[key] = found
        return found

    def batch_lines(self, batch: RawBatch, scope: Scope) -> tuple[list[str], set[int]]:
        """The lines of a batch read undecoded (``judgment_reader.iter_raw_batches``): what
        ``lines()`` writes for its records, formatted from the rows (no record per judgment),
        and the annotators (ids) with rows. Rows outside the template (a gold item's, an
        annotator's standing marked) are made from records, as ``lines()`` makes them."""
        if len(self._answer_rows) > CACHED or len(self._shown_raw) > CACHED:
            self._answer_rows.clear()
            self._shown_raw.clear()
        items, candidates, marks = batch.items, batch.candidates, scope.marks
        names, simulated = self._names, scope.simulated
        campaign = json_value(self.campaign_slug)
        lines: list[str] = []
        add = lines.append
        with_rows: set[int] = set()
        for row in batch.judgments:
            jid, revision, supersedes, superseded, uid, item, answers, shown_text = row[:8]
            spent, version, created = row[8:11]
            external, gold = items[item]
            if gold or uid in marks:
                found = list(self.lines(_record(row, batch, scope)))
                lines.extend(found)
                if found:
                    with_rows.add(uid)
                continue
            pieces = self._answer_rows.get(answers)
            if pieces is None:
                pieces = self._answer_rows[answers] = [
                    (*self._question(question_id), dumps(answer))
                    for question_id, answer in decode_json(answers).items()
                ]
            if not pieces:
                continue
            shown = self._shown_raw.get((item, shown_text))
            if shown is None:
                shown = self._shown_raw[item, shown_text] = _shown_pieces(
                    decode_json(shown_text), functools.partial(_model_of, candidates, item)
                )
            name = names.get(uid)
            if name is None:
                name = names[uid] = json_value(scope.pseudonym(uid))
            item_id = json_value(external)
            current = "false" if superseded else "true"
            is_simulated = "true" if uid in simulated else "false"
            supersedes_json = "null" if supersedes is None else supersedes
            spent_json = "null" if spent is None else spent
            for suffix, kind, quoted, answer in pieces:
                add(
                    ROW
                    % (
                        name,
                        answer,
                        campaign,
                        version,
                        f'"{created}"',
                        current,
                        f'"j{jid}.{suffix}"',
                        item_id,
                        jid,
                        kind,
                        name,
                        is_simulated,
                        quoted,
                        revision,
                        shown[0],
                        shown[1],
                        supersedes_json,
                        spent_json,
                    )
                )
            with_rows.add(uid)
        return lines, with_rows

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


def _shown_pieces(order: list[Any], model_of: Callable[[Any], str | None]) -> tuple[str, str]:
    """The "shown" and "shown_order" JSON, from the shown order and each candidate's model."""
    if all(type(cid) is int for cid in order):  # ids as json writes integers, listed
        ids = [int.__repr__(cid) for cid in order]
        named = ", ".join(
            [SHOWN % (LABELS[i], ids[i], _model_json(model_of(cid))) for i, cid in enumerate(order)]
        )
        return "{" + named + "}", "[" + ", ".join(ids) + "]"
    named = ", ".join(
        SHOWN % (LABELS[i], json_value(cid), json_value(model_of(cid)))
        for i, cid in enumerate(order)
    )
    return "{" + named + "}", json_value(order)


@functools.lru_cache(maxsize=1024)  # bounded: a worker lives long; models are few
def _model_json(model: str | None) -> str:
    return json_value(model)


def _model_of(candidates: dict[int, tuple[int, str | None]], item: int, candidate: Any) -> Any:
    """A shown candidate's model, if it is one of the item's (a record knows only those)."""
    found = candidates.get(candidate)
    return found[1] if found is not None and found[0] == item else None


def _record(row: Any, batch: RawBatch, scope: Scope) -> JudgmentRecord:
    """A raw row (``RawBatch``) as the record ``judgment_reader`` would have made of it."""
    (jid, revision, supersedes, superseded, uid, item, answers, shown, spent, version) = row[:10]
    external, gold = batch.items[item]
    return JudgmentRecord(
        judgment_id=jid,
        annotator_pseudonym=scope.pseudonym(uid),
        item_external_id=external,
        context=[],
        answers=decode_json(answers),
        shown_order=decode_json(shown),
        candidates={c: ([], model) for c, (i, model) in batch.candidates.items() if i == item},
        time_spent_ms=spent,
        campaign_version=version,
        created_at=row[10],
        revision=revision,
        supersedes_id=supersedes,
        is_current=not superseded,
        annotator_key=uid,
        item_key=item,
        simulated=uid in scope.simulated,
        gold=gold,
        gold_score=row[11],
        standing=scope.marks.get(uid),
    )
