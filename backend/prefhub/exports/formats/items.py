"""``kto``, ``reward``, ``ranking``, ``ratings`` and ``feedback`` rows of item campaigns, one
judgment at a time (aggregation ``none``). The derivation rules are in the README, "Export
formats"; pairs and tiers come from ``preferences.py``, as they do for ``dpo``.

Every row carries ``id``, ``campaign`` and ``metadata`` (the annotator's pseudonym, judgment,
item, question, shown order, source models, time spent, campaign version, creation time). When
the campaign has media, content takes TRL's vision form, as in ``dpo``: parts, and the files in
order of appearance in ``images`` / ``audios`` / ``videos``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from prefhub.campaigns.answers import LABELS
from prefhub.exports.formats.dpo import (
    COLUMNS,
    MediaFiles,
    _parts,
    completion_value,
    prompt_value,
    standard_prompt,
)
from prefhub.exports.formats.preferences import (
    PREFERENCE_KINDS,
    candidate_of,
    dense_rank_of,
    label_of,
    preference_pairs,
    ranking_tiers,
    rating_means,
    tiers_by_score,
)
from prefhub.exports.judgment_record import JudgmentRecord
from prefhub.kit.content import plain_text

Files = dict[str, list[str]]


def _setting(question: Any, name: str) -> Any:
    """A question's setting, from a spec object or from its JSON (a manifest's spec)."""
    if isinstance(question, Mapping):
        return question.get(name)
    return getattr(question, name, None)


def margin_on_every_row(questions: Iterable[Any], aggregation: str = "none") -> bool:
    """Whether every ``reward`` row has ``margin`` (else none has): the one rule the writers,
    the card and croissant.json follow. Per judgment: when every pairwise question asks
    strength (a ranking gives the rank distance, a rating the difference of means). Aggregated:
    ranked_pairs (tier distance) and bradley_terry (score difference) give one, majority none.
    ``questions``: the campaign's questions, spec objects or their JSON."""
    if aggregation != "none":
        return aggregation != "majority"
    return all(_setting(q, "strength") for q in questions if _setting(q, "kind") == "pairwise")


def scores_on_every_row(questions: Iterable[Any], aggregation: str = "none") -> bool:
    """Whether every ``ranking`` row has ``scores`` (else none has). Per judgment: when the
    campaign has a rating question (rows of ranking answers then hold null). Aggregated: with
    bradley_terry (its scores), not with the other methods."""
    if aggregation != "none":
        return aggregation == "bradley_terry"
    return any(_setting(q, "kind") == "rating" for q in questions)


@dataclass
class ItemWriter:
    campaign_slug: str
    question_kinds: dict[str, str]
    conversational: bool = True
    skipped: Counter[str] = field(default_factory=Counter)
    current_only: bool = True
    # Set when the campaign has media: every row then takes the vision form.
    media: MediaFiles | None = None
    # The campaign's questions by id, for what kinds alone do not say (attributes, purposes).
    questions: dict[str, Any] = field(default_factory=dict)
    # The question kinds whose answers give rows: the export form and the CLI read it
    # (``exports.question_fit``) to say which formats a campaign's questions fit.
    READS: ClassVar[tuple[str, ...]] = ()

    @property
    def reads(self) -> tuple[str, ...]:
        return self.READS

    def rows(self, record: JudgmentRecord) -> Iterator[dict[str, Any]]:
        raise NotImplementedError

    def _files(self) -> Files:
        return {column: [] for column in COLUMNS.values()}

    def _prompt(self, record: JudgmentRecord, files: Files) -> Any:
        if self.media is None:
            return prompt_value(record.context, conversational=self.conversational)
        messages = [
            {"role": m["role"], "content": _parts(m["content"], self.media, files)}
            for m in record.context
        ]
        if self.conversational:
            return messages
        return standard_prompt(record.context)

    def _completion(self, record: JudgmentRecord, candidate_id: int, files: Files) -> Any:
        content = record.candidates[candidate_id][0]
        if self.media is None:
            return completion_value(content, conversational=self.conversational)
        parts = _parts(content, self.media, files)
        if self.conversational:
            return [{"role": "assistant", "content": parts}]
        return plain_text(content)

    def _columns(self, row_id: str, files: Files, columns: dict[str, Any]) -> dict[str, Any]:
        """A row's columns before ``metadata``: id, campaign, the format's, the media lists."""
        row = {"id": row_id, "campaign": self.campaign_slug, **columns}
        if self.media is not None:
            row |= files
        return row

    def _row(
        self,
        record: JudgmentRecord,
        row_id: str,
        question: str,
        files: Files,
        columns: dict[str, Any],
        metadata: dict[str, Any],
    ) -> dict[str, Any]:
        row = self._columns(row_id, files, columns)
        row["metadata"] = {
            "annotator_id": record.annotator_pseudonym,
            "judgment_id": record.judgment_id,
            "item_id": record.item_external_id,
            "question": question,
            "shown_order": record.shown_order,
            "simulated": record.simulated,
            "time_spent_ms": record.time_spent_ms,
            "campaign_version": record.campaign_version,
            "created_at": record.created_at,
        } | metadata
        if record.profile is not None:
            row["metadata"]["profile"] = record.profile
        if record.standing is not None:  # an excluded annotator's, kept by include_excluded
            row["metadata"].update(record.standing.metadata())
        return row

    def _with_prompt(self, record: JudgmentRecord, candidate_id: int, files: Files) -> Any:
        """TRL's implicit prompt: the prompt and the completion as one conversation or text."""
        prompt = self._prompt(record, files)
        completion = self._completion(record, candidate_id, files)
        if self.conversational:
            return [*prompt, *completion]
        # The standard prompt ends with its separator (``standard_prompt``), as in ``dpo``.
        return prompt + completion

    def _model(self, record: JudgmentRecord, candidate_id: int) -> str | None:
        return record.candidates[candidate_id][1]

    def _questions(self) -> list[Any]:
        """The export's questions (spec objects; a bare ``{"kind": ...}`` where only the kind
        was given), for the column rules above."""
        return [
            self.questions.get(question_id) or {"kind": kind}
            for question_id, kind in self.question_kinds.items()
        ]

    def _answers(self, record: JudgmentRecord, *kinds: str) -> Iterator[tuple[str, str, Any]]:
        for question_id, answer in record.answers.items():
            kind = self.question_kinds.get(question_id)
            if kind in kinds:
                yield question_id, kind, answer


@dataclass
class KtoWriter(ItemWriter):
    """Unpaired: one row per candidate an answer calls good (``label`` true) or bad (false):
    binary and negative-only answers, and, with ``from_preferences``, pairwise and ranking."""

    from_preferences: bool = False
    READS: ClassVar[tuple[str, ...]] = ("binary", "negative_only")
    # What ``from_preferences`` reads too (the winner good, the loser bad).
    FROM_PREFERENCES: ClassVar[tuple[str, ...]] = ("pairwise", "ranking")

    @property
    def reads(self) -> tuple[str, ...]:
        return self.READS + (self.FROM_PREFERENCES if self.from_preferences else ())

    def rows(self, record: JudgmentRecord) -> Iterator[dict[str, Any]]:
        for question_id, kind, answer in self._answers(record, *self.reads):
            for candidate_id, label, extra in self._labels(record, kind, answer):
                files = self._files()
                columns = {
                    "prompt": self._prompt(record, files),
                    "completion": self._completion(record, candidate_id, files),
                    "label": label,
                }
                shown = label_of(record, candidate_id)
                metadata = {
                    "candidate_label": shown,
                    "source_model": self._model(record, candidate_id),
                } | extra
                row_id = f"j{record.judgment_id}.{question_id}.{shown}"
                yield self._row(record, row_id, question_id, files, columns, metadata)

    def _labels(
        self, record: JudgmentRecord, kind: str, answer: dict[str, Any]
    ) -> Iterator[tuple[int, bool, dict[str, Any]]]:
        if kind == "binary":
            for shown in LABELS[: len(record.shown_order)]:
                vote = answer["votes"].get(shown)
                if vote is not None:
                    yield candidate_of(record, shown), vote == "up", {}
        elif kind == "negative_only":
            # Only what was marked: an unmarked candidate was not judged acceptable, only not
            # flagged, so it gives no row.
            for shown in LABELS[: len(record.shown_order)]:
                if shown in answer.get("unacceptable", {}):
                    reasons = sorted(answer["unacceptable"][shown])
                    yield candidate_of(record, shown), False, {"reasons": reasons}
        elif kind == "pairwise":
            choice = answer.get("choice")
            if choice not in ("A", "B"):
                self.skipped[str(choice)] += 1
                return
            winner = 0 if choice == "A" else 1
            yield record.shown_order[winner], True, {}
            yield record.shown_order[1 - winner], False, {}
        else:
            tiers = ranking_tiers(record, answer)
            if not tiers:
                self.skipped["none_acceptable"] += 1
                return
            if len(tiers) < 2:
                self.skipped["all_tied"] += 1
                return
            for candidate_id in tiers[0]:
                yield candidate_id, True, {"rank": 0}
            for candidate_id in tiers[-1]:
                yield candidate_id, False, {"rank": len(tiers) - 1}


@dataclass
class RewardWriter(ItemWriter):
    """TRL's implicit-prompt preference rows: ``chosen`` and ``rejected`` hold the prompt too.
    ``margin`` is on every row or on none (TRL's collator stacks it): on all when every
    preference question gives one (a pairwise question asking strength, a ranking, a rating),
    decided from the questions before the first row (``margin_on_every_row``)."""

    READS: ClassVar[tuple[str, ...]] = PREFERENCE_KINDS  # what preference_pairs reads

    def rows(self, record: JudgmentRecord) -> Iterator[dict[str, Any]]:
        with_margin = margin_on_every_row(self._questions())
        for pair in preference_pairs(record, self.question_kinds, self.skipped):
            files = self._files()
            columns: dict[str, Any] = {
                "chosen": self._with_prompt(record, pair.chosen, files),
                "rejected": self._with_prompt(record, pair.rejected, files),
            }
            if with_margin:
                columns["margin"] = pair.margin
            metadata = {
                "chosen_label": pair.chosen_label,
                "rejected_label": label_of(record, pair.rejected),
                "source_models": {
                    "chosen": self._model(record, pair.chosen),
                    "rejected": self._model(record, pair.rejected),
                },
            }
            yield self._row(record, pair.row_id, pair.question, files, columns, metadata)


@dataclass
class RankingWriter(ItemWriter):
    """One row per ranking or rating answer: the candidates best first with dense ranks; with
    ``drop_ties``, answers that tie candidates give none. ``scores`` is on every row or on none
    (``scores_on_every_row``): when the campaign has a rating question, rows of ranking answers
    hold null."""

    drop_ties: bool = False
    READS: ClassVar[tuple[str, ...]] = ("ranking", "rating")

    def rows(self, record: JudgmentRecord) -> Iterator[dict[str, Any]]:
        with_scores = scores_on_every_row(self._questions())
        for question_id, kind, answer in self._answers(record, *self.reads):
            means: dict[int, float] = {}
            if kind == "ranking":
                tiers = ranking_tiers(record, answer)
                if not tiers:
                    self.skipped["none_acceptable"] += 1
                    continue
            else:
                means = rating_means(record, answer)
                tiers = tiers_by_score(means)
                if not tiers:
                    self.skipped["unscored"] += 1
                    continue
            if self.drop_ties and any(len(tier) > 1 for tier in tiers):
                self.skipped["tied"] += 1
                continue
            rank = dense_rank_of(tiers)
            order = [candidate for tier in tiers for candidate in tier]
            files = self._files()
            prompt = self._prompt(record, files)
            columns: dict[str, Any] = {
                "prompt": prompt,
                "completions": [self._completion(record, c, files) for c in order],
                "ranks": [rank[c] for c in order],
            }
            if with_scores:
                columns["scores"] = [round(means[c], 4) for c in order] if means else None
            metadata = {
                "candidate_labels": [label_of(record, c) for c in order],
                "source_models": [self._model(record, c) for c in order],
            }
            row_id = f"j{record.judgment_id}.{question_id}"
            yield self._row(record, row_id, question_id, files, columns, metadata)


@dataclass
class RatingsWriter(ItemWriter):
    """One row per (rating answer, candidate): an integer column per attribute."""

    READS: ClassVar[tuple[str, ...]] = ("rating",)

    def rows(self, record: JudgmentRecord) -> Iterator[dict[str, Any]]:
        for question_id, _, answer in self._answers(record, *self.reads):
            attributes = [a.id for a in self.questions[question_id].attributes]
            for shown in LABELS[: len(record.shown_order)]:
                scores = answer.get("scores", {}).get(shown)
                if scores is None:
                    continue
                candidate_id = candidate_of(record, shown)
                files = self._files()
                columns = {
                    "prompt": self._prompt(record, files),
                    "response": self._completion(record, candidate_id, files),
                } | {attribute: scores.get(attribute) for attribute in attributes}
                metadata = {
                    "candidate_label": shown,
                    "source_model": self._model(record, candidate_id),
                }
                row_id = f"j{record.judgment_id}.{question_id}.{shown}"
                yield self._row(record, row_id, question_id, files, columns, metadata)


@dataclass
class FeedbackWriter(ItemWriter):
    """One row per (judgment, candidate) that text questions wrote about: ``critique`` and
    ``refinement``, each the texts of that purpose joined by a blank line, else null.
    (Pairwise, ranking and rating answers only say which candidate an item-level text is
    about: alone they give no row.)"""

    READS: ClassVar[tuple[str, ...]] = ("text",)

    def rows(self, record: JudgmentRecord) -> Iterator[dict[str, Any]]:
        texts: dict[int, dict[str, list[str]]] = {}
        questions: dict[int, list[str]] = {}
        best: int | None = None
        for question_id, _, answer in self._answers(record, *self.reads):
            column = "refinement" if self._purpose(question_id) == "refinement" else "critique"
            if "texts" in answer:
                written = [
                    (candidate_of(record, label), text) for label, text in answer["texts"].items()
                ]
            else:
                if not answer.get("text", "").strip():
                    continue
                best = best if best is not None else self._best(record)
                if best is None:
                    self.skipped["item_text_without_choice"] += 1
                    continue
                written = [(best, answer["text"])]
            for candidate_id, text in written:
                if text.strip():
                    texts.setdefault(candidate_id, {}).setdefault(column, []).append(text)
                    questions.setdefault(candidate_id, []).append(question_id)
        for candidate_id in record.shown_order:
            if candidate_id not in texts:
                continue
            found = texts[candidate_id]
            shown = label_of(record, candidate_id)
            files = self._files()
            columns = {
                "prompt": self._prompt(record, files),
                "response": self._completion(record, candidate_id, files),
                "critique": "\n\n".join(found["critique"]) if "critique" in found else None,
                "refinement": "\n\n".join(found["refinement"]) if "refinement" in found else None,
            }
            metadata = {
                "candidate_label": shown,
                "source_model": self._model(record, candidate_id),
                "questions": questions[candidate_id],
            }
            row_id = f"j{record.judgment_id}.{shown}"
            yield self._row(record, row_id, questions[candidate_id][0], files, columns, metadata)

    def _purpose(self, question_id: str) -> str:
        question = self.questions.get(question_id)
        return getattr(question, "purpose", "rationale")

    def _best(self, record: JudgmentRecord) -> int | None:
        """The candidate an item-level text is about: the pairwise winner, else the only
        candidate in a ranking's top tier, else the only one with the best rating mean."""
        for kind in ("pairwise", "ranking", "rating"):
            for _, _, answer in self._answers(record, kind):
                if kind == "pairwise":
                    tiers = (
                        [[candidate_of(record, answer["choice"])]]
                        if answer.get("choice") in ("A", "B")
                        else []
                    )
                elif kind == "ranking":
                    tiers = ranking_tiers(record, answer)
                else:
                    tiers = tiers_by_score(rating_means(record, answer))
                if tiers and len(tiers[0]) == 1:
                    return tiers[0][0]
            if kind in self.question_kinds.values():
                return None  # the first kind the campaign asks decides
        return None
