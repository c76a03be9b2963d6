"""The ``annotators`` format: one row per annotator, by pseudonym.

What a user-conditioned reward model needs to know about the people behind the other files:
how much each annotator did, how fast, how often they sided with the others, and (only when
the export includes profiles) their profile answers, and their quality standing in the campaign
("ok", "flagged" or "excluded", who decided and why). ``reliability`` is leave-one-out
agreement: over the pairs of candidates (or sibling replies) where the *other* annotators of
the item had a strict plurality, the share where this annotator sided with it.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from prefhub.exports.consensus import agreement_with_others, consensus
from prefhub.exports.formats.preferences import PREFERENCE_KINDS
from prefhub.exports.judgment_record import JudgmentRecord
from prefhub.exports.standings import Standing
from prefhub.exports.tree_reader import TreeRecord


@dataclass
class Tally:
    counts: dict[str, int] = field(default_factory=dict)
    times_ms: list[int] = field(default_factory=list)
    first_at: str | None = None
    last_at: str | None = None
    compared: int = 0
    agreed: int = 0

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def seen_at(self, when: str) -> None:
        self.first_at = min(self.first_at or when, when)
        self.last_at = max(self.last_at or when, when)


ITEM_COUNTS = ("judgments",)
TREE_COUNTS = ("prompter_messages", "assistant_messages", "trees_reviewed", "rankings")


@dataclass
class AnnotatorsWriter:
    campaign_slug: str
    question_kinds: dict[str, str] = field(default_factory=dict)
    # The count columns every row has (item campaigns: ITEM_COUNTS, trees: TREE_COUNTS).
    count_columns: tuple[str, ...] = ITEM_COUNTS
    tallies: dict[str, Tally] = field(default_factory=dict)
    # Standings that are not "ok", by pseudonym (set by the export before ``rows``).
    standings: dict[str, Standing] = field(default_factory=dict)

    def _tally(self, pseudonym: str) -> Tally:
        found = self.tallies.get(pseudonym)
        if found is None:
            found = self.tallies[pseudonym] = Tally()
        return found

    def add_item(self, records: list[JudgmentRecord]) -> None:
        """One item's judgments (every kept judgment of it, for reliability)."""
        for record in records:
            tally = self._tally(record.annotator_pseudonym)
            tally.count("judgments")
            tally.seen_at(record.created_at)
            if record.time_spent_ms is not None:
                tally.times_ms.append(record.time_spent_ms)
        for question, kind in self.question_kinds.items():
            if kind in PREFERENCE_KINDS:
                found = consensus("majority", question, kind, records)
                if found is not None:
                    pairs = agreement_with_others(found.orders, found.votes)
                    for record, (compared, agreed) in zip(found.records, pairs, strict=True):
                        self._agree(record.annotator_pseudonym, compared, agreed)

    def add_tree(self, tree: TreeRecord) -> None:
        """One tree's messages, reviews and rankings."""
        for message in tree.messages:
            if message.author is not None:
                self._tally(message.author).count(f"{message.role}_messages")
        for reviewer in sorted(tree.reviewers):
            self._tally(reviewer).count("trees_reviewed")
        by_parent: dict[int, list[Any]] = {}
        for ranking in tree.rankings:
            by_parent.setdefault(ranking.parent_id, []).append(ranking)
            tally = self._tally(ranking.annotator)
            tally.count("rankings")
            tally.seen_at(ranking.created_at)
        for rankings in by_parent.values():
            pairs = agreement_with_others([r.tiers for r in rankings])
            for ranking, (compared, agreed) in zip(rankings, pairs, strict=True):
                self._agree(ranking.annotator, compared, agreed)

    def _agree(self, pseudonym: str, compared: int, agreed: int) -> None:
        tally = self._tally(pseudonym)
        tally.compared += compared
        tally.agreed += agreed

    def rows(self, profiles: dict[str, dict[str, Any]] | None) -> Iterator[dict[str, Any]]:
        """By pseudonym, so the order says nothing about who joined first."""
        for pseudonym in sorted(self.tallies):
            tally = self.tallies[pseudonym]
            row: dict[str, Any] = {
                "id": pseudonym,
                "campaign": self.campaign_slug,
                "annotator_id": pseudonym,
                **{column: tally.counts.get(column, 0) for column in self.count_columns},
                "median_time_ms": (
                    int(statistics.median(tally.times_ms)) if tally.times_ms else None
                ),
                "first_at": tally.first_at,
                "last_at": tally.last_at,
                "pairs_compared": tally.compared,
                "reliability": round(tally.agreed / tally.compared, 4) if tally.compared else None,
            }
            standing = self.standings.get(pseudonym)
            row |= (
                standing.metadata()
                if standing is not None
                else {"standing": "ok", "standing_source": None, "standing_reason": None}
            )
            if profiles is not None:
                row["profile"] = profiles.get(pseudonym, {})
            row["metadata"] = {"annotator_id": pseudonym}
            yield row
