"""``dpo``, ``ranking`` and ``kto`` rows of tree campaigns, from rankings of sibling replies.

A sibling set is a message with two or more accepted, visible replies. Only sets of assistant
replies (to a prompter message) make rows: they are what trainers learn from; sets of prompter
replies are counted in the manifest and skipped. The prompt is the conversation from the root
to the parent, inclusive, with prompter as ``user``: it always ends on a ``user`` turn.

* ``dpo`` (aggregation none): every individual ranking gives a row for each (better, worse)
  pair of replies it placed in different tiers; replies it tied give none.
* ``ranking``: one row per set, the replies by consensus rank (ranked pairs), best first.
* ``kto``: per set, the consensus-best replies with ``label`` true and the consensus-worst with
  ``label`` false; middle replies give no row, nor does a set its consensus leaves all tied.

``ranking`` and ``kto`` need two or more replies with a consensus rank.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from prefhub.exports.formats.dpo import completion_value, prompt_value
from prefhub.exports.formats.preferences import ordered_pairs
from prefhub.exports.tree_reader import MessageRecord, RankingRecord, TreeRecord, dense_ranks

ROLES = {"prompter": "user", "assistant": "assistant"}


@dataclass(frozen=True)
class SiblingSet:
    tree: TreeRecord
    parent: MessageRecord
    replies: list[MessageRecord]  # by id
    rankings: list[RankingRecord]  # by id

    @property
    def row_id(self) -> str:
        return f"t{self.tree.id}.m{self.parent.id}"

    def ranked(self) -> list[tuple[int, MessageRecord]]:
        """Replies with a consensus rank, best first, with their dense rank (0 = best)."""
        ranks = dense_ranks(self.replies)
        placed = sorted(
            (m for m in self.replies if m.id in ranks), key=lambda m: (ranks[m.id], m.id)
        )
        return [(ranks[m.id], m) for m in placed]

    def consensus_metadata(self) -> dict[str, Any]:
        """What rows built from the consensus of the set's rankings say about it."""
        return {
            "annotator_id": sorted({r.annotator for r in self.rankings}),
            "tree_id": self.tree.id,
            "parent_id": self.parent.id,
            "rankings": len(self.rankings),
        }


@dataclass
class SiblingWriter:
    campaign_slug: str
    conversational: bool = True
    skipped: Counter[str] = field(default_factory=Counter)
    aggregation: ClassVar[str] = "ranked_pairs"

    def rows(self, tree: TreeRecord) -> Iterator[dict[str, Any]]:
        for siblings in self._sets(tree):
            context = [
                {"role": ROLES[m.role], "content": m.content} for m in tree.path_to(siblings.parent)
            ]
            prompt = prompt_value(context, conversational=self.conversational)
            yield from self.set_rows(siblings, prompt)

    def set_rows(self, siblings: SiblingSet, prompt: Any) -> Iterator[dict[str, Any]]:
        raise NotImplementedError

    def _sets(self, tree: TreeRecord) -> Iterator[SiblingSet]:
        replies = tree.children()
        for parent in tree.messages:
            accepted = [m for m in replies[parent.id] if m.review_state == "accepted"]
            if len(accepted) < 2:
                continue
            if parent.role != "prompter":
                self.skipped["prompter_reply_sets"] += 1
                continue
            rankings = [r for r in tree.rankings if r.parent_id == parent.id]
            yield SiblingSet(tree, parent, accepted, rankings)

    def _consensus(self, siblings: SiblingSet) -> list[tuple[int, MessageRecord]]:
        """The set's ranked replies, or none (counted) when fewer than two have a rank."""
        ranked = siblings.ranked()
        if len(ranked) < 2:
            self.skipped["unranked_sets"] += 1
            return []
        return ranked

    def _completion(self, message: MessageRecord) -> Any:
        return completion_value(message.content, conversational=self.conversational)

    def _common(self, row_id: str, prompt: Any) -> dict[str, Any]:
        return {"id": row_id, "campaign": self.campaign_slug, "prompt": prompt}


@dataclass
class TreeDpoWriter(SiblingWriter):
    aggregation: ClassVar[str] = "none"

    def set_rows(self, siblings: SiblingSet, prompt: Any) -> Iterator[dict[str, Any]]:
        by_id = {m.id: m for m in siblings.replies}
        if not siblings.rankings:
            self.skipped["unranked_sets"] += 1
        for ranking in siblings.rankings:
            tiers = [[i for i in tier if i in by_id] for tier in ranking.tiers]
            tiers = [tier for tier in tiers if tier]
            self.skipped["tied_pairs"] += sum(len(t) * (len(t) - 1) // 2 for t in tiers)
            for chosen, rejected in ordered_pairs(tiers):
                row_id = f"{siblings.row_id}.r{ranking.id}.{chosen}>{rejected}"
                yield self._common(row_id, prompt) | {
                    "chosen": self._completion(by_id[chosen]),
                    "rejected": self._completion(by_id[rejected]),
                    "metadata": {
                        "annotator_id": ranking.annotator,
                        "tree_id": siblings.tree.id,
                        "parent_id": siblings.parent.id,
                        "ranking_id": ranking.id,
                        "chosen_id": chosen,
                        "rejected_id": rejected,
                        "source_models": {
                            "chosen": by_id[chosen].model_name,
                            "rejected": by_id[rejected].model_name,
                        },
                        "created_at": ranking.created_at,
                    },
                }


@dataclass
class TreeRankingWriter(SiblingWriter):
    def set_rows(self, siblings: SiblingSet, prompt: Any) -> Iterator[dict[str, Any]]:
        ranked = self._consensus(siblings)
        if not ranked:
            return
        yield self._common(siblings.row_id, prompt) | {
            "completions": [self._completion(m) for _, m in ranked],
            "ranks": [rank for rank, _ in ranked],
            "metadata": siblings.consensus_metadata()
            | {
                "message_ids": [m.id for _, m in ranked],
                "source_models": [m.model_name for _, m in ranked],
            },
        }


@dataclass
class TreeKtoWriter(SiblingWriter):
    def set_rows(self, siblings: SiblingSet, prompt: Any) -> Iterator[dict[str, Any]]:
        ranked = self._consensus(siblings)
        if not ranked:
            return
        worst = ranked[-1][0]
        if worst == 0:
            self.skipped["all_tied_sets"] += 1
            return
        for rank, message in ranked:
            if 0 < rank < worst:
                continue
            yield self._common(f"{siblings.row_id}.{message.id}", prompt) | {
                "completion": self._completion(message),
                "label": rank == 0,
                "metadata": siblings.consensus_metadata()
                | {"message_id": message.id, "rank": rank, "source_model": message.model_name},
            }
