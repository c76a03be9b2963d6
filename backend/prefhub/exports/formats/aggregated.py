"""Consensus rows of item campaigns: one item's judgments become rows together (aggregation
``majority``, ``bradley_terry`` or ``ranked_pairs``; the rules are in ``consensus.py`` and the
README, "Aggregation").

The columns are those of the per-judgment formats, so trainers load either alike. ``metadata``
says where a row came from: ``annotator_id`` and ``judgment_ids`` list every judgment that
stated something about the row's question, with ``votes``, ``agreement`` and, when the export
includes them, each annotator's ``profile`` in the same order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from prefhub.exports.consensus import (
    Consensus,
    Method,
    agreement_of,
    binary_votes,
    consensus,
    unacceptable_votes,
)
from prefhub.exports.formats.items import (
    Files,
    ItemWriter,
    KtoWriter,
    margin_on_every_row,
    scores_on_every_row,
)
from prefhub.exports.formats.preferences import PREFERENCE_KINDS
from prefhub.exports.judgment_record import JudgmentRecord


@dataclass
class AggregatedWriter(ItemWriter):
    method: Method = "majority"
    drop_ties: bool = False
    # reward: the prompt folded into chosen and rejected (TRL's implicit prompt).
    implicit_prompt: bool = False
    READS: ClassVar[tuple[str, ...]] = PREFERENCE_KINDS

    def group_rows(self, records: list[JudgmentRecord]) -> Iterator[dict[str, Any]]:
        raise NotImplementedError

    def _consensuses(
        self, records: list[JudgmentRecord], kinds: tuple[str, ...] | None = None
    ) -> Iterator[Consensus]:
        kinds = self.reads if kinds is None else kinds
        for question, kind in self.question_kinds.items():
            if kind in kinds:
                found = consensus(self.method, question, kind, records)
                if found is None:
                    self.skipped["no_preference_stated"] += 1
                else:
                    yield found

    def _group_row(
        self,
        row_id: str,
        question: str,
        records: list[JudgmentRecord],
        files: Files,
        columns: dict[str, Any],
        metadata: dict[str, Any],
    ) -> dict[str, Any]:
        row = self._columns(row_id, files, columns)
        row["metadata"] = {
            "aggregation": self.method,
            "annotator_id": [r.annotator_pseudonym for r in records],
            "judgment_ids": [r.judgment_id for r in records],
            "item_id": records[0].item_external_id,
            "question": question,
            # Whether simulated annotators made any of the judgments (include_simulated).
            "simulated": any(r.simulated for r in records),
        } | metadata
        if records[0].profile is not None:
            row["metadata"]["profile"] = [r.profile for r in records]
        return row

    def _models(self, record: JudgmentRecord, *candidates: int) -> list[str | None]:
        return [self._model(record, c) for c in candidates]


@dataclass
class AggregatedPairsWriter(AggregatedWriter):
    """``dpo`` (``prompt``, ``chosen``, ``rejected``) or, with ``implicit_prompt``, ``reward``
    (the prompt folded in, and ``margin`` on every row when the method gives one,
    ``margin_on_every_row``): a row per consensus preference."""

    def group_rows(self, records: list[JudgmentRecord]) -> Iterator[dict[str, Any]]:
        first = records[0]
        with_margin = margin_on_every_row(self._questions(), self.method)
        for found in self._consensuses(records):
            ties = len(found.votes) - len(found.preferences)
            if self.method == "majority" and ties:
                self.skipped["tied_pairs"] += ties
            for p in found.preferences:
                files = self._files()
                if self.implicit_prompt:
                    columns: dict[str, Any] = {
                        "chosen": self._with_prompt(first, p.better, files),
                        "rejected": self._with_prompt(first, p.worse, files),
                    }
                    if with_margin:
                        columns["margin"] = p.margin
                else:
                    columns = {
                        "prompt": self._prompt(first, files),
                        "chosen": self._completion(first, p.better, files),
                        "rejected": self._completion(first, p.worse, files),
                    }
                chosen, rejected = self._models(first, p.better, p.worse)
                metadata = {
                    "agreement": found.agreement,
                    "votes": p.votes,
                    "source_models": {"chosen": chosen, "rejected": rejected},
                }
                row_id = f"{first.item_external_id}.{found.question}.c{p.better}>c{p.worse}"
                yield self._group_row(
                    row_id, found.question, found.records, files, columns, metadata
                )


@dataclass
class AggregatedRankingWriter(AggregatedWriter):
    """A row per question: the consensus order, best first, with dense ranks (and scores for
    Bradley-Terry, ``scores_on_every_row``)."""

    def group_rows(self, records: list[JudgmentRecord]) -> Iterator[dict[str, Any]]:
        first = records[0]
        with_scores = scores_on_every_row(self._questions(), self.method)
        for found in self._consensuses(records):
            if self.drop_ties and any(len(tier) > 1 for tier in found.tiers):
                self.skipped["tied_consensus"] += 1
                continue
            order = [c for tier in found.tiers for c in tier]
            files = self._files()
            columns: dict[str, Any] = {
                "prompt": self._prompt(first, files),
                "completions": [self._completion(first, c, files) for c in order],
                "ranks": [rank for rank, tier in enumerate(found.tiers) for _ in tier],
            }
            if with_scores:
                scores = found.scores or {}
                columns["scores"] = [scores.get(c) for c in order]
            metadata = {"agreement": found.agreement, "source_models": self._models(first, *order)}
            row_id = f"{first.item_external_id}.{found.question}"
            yield self._group_row(row_id, found.question, found.records, files, columns, metadata)


@dataclass
class AggregatedKtoWriter(AggregatedWriter):
    """A row per candidate the judgments, taken together, call good or bad: binary votes by
    majority (an even split gives none); negative-only marks when most judgments that showed
    the candidate marked it; with ``from_preferences``, the consensus's best tier good and its
    worst tier bad."""

    from_preferences: bool = False
    # As per judgment (``KtoWriter``): binary and negative-only; pairwise and ranking on request.
    READS: ClassVar[tuple[str, ...]] = KtoWriter.READS

    @property
    def reads(self) -> tuple[str, ...]:
        return self.READS + (KtoWriter.FROM_PREFERENCES if self.from_preferences else ())

    def group_rows(self, records: list[JudgmentRecord]) -> Iterator[dict[str, Any]]:
        for question, kind in self.question_kinds.items():
            if kind == "binary":
                yield from self._binary(records, question)
            elif kind == "negative_only":
                yield from self._negative(records, question)
        if self.from_preferences:
            for found in self._consensuses(records, KtoWriter.FROM_PREFERENCES):
                yield from self._preferred(found)

    def _binary(self, records: list[JudgmentRecord], question: str) -> Iterator[dict[str, Any]]:
        for candidate, (up, down, voters) in binary_votes(records, question).items():
            if up == down:
                self.skipped["tied_votes"] += 1
                continue
            extra = {"votes": {"up": up, "down": down}, "agreement": agreement_of([[up, down]])}
            yield self._kto_row(question, voters, candidate, up > down, extra)

    def _negative(self, records: list[JudgmentRecord], question: str) -> Iterator[dict[str, Any]]:
        for candidate, (marked, shown, reasons, seen) in unacceptable_votes(
            records, question
        ).items():
            if 2 * marked <= shown:
                continue  # not marked by most: says nothing (unmarked is not "acceptable")
            extra = {"votes": {"unacceptable": marked, "shown": shown}, "reasons": reasons}
            yield self._kto_row(question, seen, candidate, False, extra)

    def _preferred(self, found: Consensus) -> Iterator[dict[str, Any]]:
        if len(found.tiers) < 2:
            self.skipped["all_tied"] += 1
            return
        extra = {"agreement": found.agreement}
        for candidate in found.tiers[0]:
            yield self._kto_row(found.question, found.records, candidate, True, extra)
        for candidate in found.tiers[-1]:
            yield self._kto_row(found.question, found.records, candidate, False, extra)

    def _kto_row(
        self,
        question: str,
        records: list[JudgmentRecord],
        candidate: int,
        label: bool,
        extra: dict[str, Any],
    ) -> dict[str, Any]:
        first = records[0]
        files = self._files()
        columns = {
            "prompt": self._prompt(first, files),
            "completion": self._completion(first, candidate, files),
            "label": label,
        }
        metadata = {"source_model": self._model(first, candidate)} | extra
        row_id = f"{first.item_external_id}.{question}.c{candidate}"
        return self._group_row(row_id, question, records, files, columns, metadata)


AGGREGATED_WRITERS: dict[str, Any] = {
    "dpo": AggregatedPairsWriter,
    "reward": AggregatedPairsWriter,
    "ranking": AggregatedRankingWriter,
    "kto": AggregatedKtoWriter,
}
