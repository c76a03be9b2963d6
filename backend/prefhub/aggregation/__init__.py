"""Pure aggregation of annotators' judgments: no database, no I/O."""

from prefhub.aggregation.rankings import (
    bradley_terry,
    order_by_scores,
    pairwise_counts,
    ranked_pairs,
    ranks_from_tiers,
)

__all__ = [
    "bradley_terry",
    "order_by_scores",
    "pairwise_counts",
    "ranked_pairs",
    "ranks_from_tiers",
]
