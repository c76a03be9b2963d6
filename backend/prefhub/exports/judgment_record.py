"""``JudgmentRecord``: one item judgment as every item-campaign format reads it (the judgment,
its item's context and the candidates shown), decoded by ``judgment_reader``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefhub.exports.standings import Standing


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
    # Generation rounds of the candidates shown (read only when the export filters by round:
    # else the reader leaves them empty).
    rounds: frozenset[int] | set[int] = field(default_factory=set)
    # Database ids, for filters and grouping; never written to a file.
    annotator_key: int = 0
    item_key: int = 0
    # The annotator's profile answers, set only when the export includes profiles.
    profile: dict[str, Any] | None = None
    # Made by a simulated annotator (``prefhub simulate``), not a person.
    simulated: bool = False
    # A gold item's judgment: its score against the expected answers (None: not scored).
    gold: bool = False
    gold_score: float | None = None
    # The annotator's quality standing when the row marks it (``Scope.marks``), else None.
    standing: Standing | None = None
