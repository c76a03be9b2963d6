"""Annotators' quality standing as exports see it (``CampaignParticipant.standing``).

An excluded annotator's judgments stay in the database and in ``judgments`` exports, marked;
the other formats leave them out unless ``include_excluded`` (then their rows are marked too,
where a row is one annotator's). Flagged annotators stay in, and ``judgments`` rows mark them.
The manifest's ``excluded`` summary says how many annotators were excluded, by whom and why,
and what became of their judgments; the card and Croissant say it in one sentence.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefhub.models import CampaignParticipant
from prefhub.participation.service import EXCLUDED

# What an export did with excluded annotators' judgments (manifest ``excluded.policy``):
# none excluded, left out, kept by include_excluded, or kept because the format keeps every
# judgment (``judgments``).
ExcludedPolicy = Literal["none", "left_out", "included", "marked"]
# Who decided, as the card names them, in the order it lists them.
SOURCES = {
    "rule": "by quality rules",
    "researcher": "by a researcher",
    "qualification": "for failing the qualification",
}
# The reasons the card quotes per source, at most; the manifest keeps every distinct one.
QUOTED_REASONS = 3


@dataclass(frozen=True)
class Standing:
    """An annotator's standing in a campaign when it is not "ok"."""

    standing: str  # "flagged" or "excluded"
    source: str | None  # "rule", "researcher" or "qualification"
    reason: str | None

    @property
    def excluded(self) -> bool:
        return self.standing == EXCLUDED

    def metadata(self) -> dict[str, Any]:
        """The keys a row's metadata carries for this annotator."""
        return {
            "standing": self.standing,
            "standing_source": self.source,
            "standing_reason": self.reason,
        }


def campaign_standings(session: Session, campaign_id: int) -> dict[int, Standing]:
    """The campaign's annotators whose standing is not "ok", by user id."""
    rows = session.execute(
        select(
            CampaignParticipant.user_id,
            CampaignParticipant.standing,
            CampaignParticipant.standing_source,
            CampaignParticipant.standing_reason,
        ).where(
            CampaignParticipant.campaign_id == campaign_id, CampaignParticipant.standing != "ok"
        )
    ).all()
    return {
        user_id: Standing(standing, source, reason) for user_id, standing, source, reason in rows
    }


Key = TypeVar("Key", int, str)  # an annotator: user id, or pseudonym


def excluded_ids(standings: dict[Key, Standing]) -> frozenset[Key]:
    return frozenset(key for key, standing in standings.items() if standing.excluded)


def standing_policy(
    standings: dict[Key, Standing], keeps_excluded: bool, include_excluded: bool
) -> tuple[ExcludedPolicy, dict[Key, Standing]]:
    """What an export does with excluded annotators' work, and whose rows carry their
    standing: a format that ``keeps_excluded`` (``judgments``) keeps and marks everyone not
    "ok"; the others leave the excluded out, or keep them marked when ``include_excluded``."""
    excluded = excluded_ids(standings)
    if keeps_excluded:
        return ("marked" if excluded else "none"), standings
    if not excluded:
        return "none", {}
    if include_excluded:
        return "included", {key: standings[key] for key in excluded}
    return "left_out", {}


def excluded_summary(
    standings: dict[Key, Standing], policy: ExcludedPolicy, n: int, unit: str = "judgments"
) -> dict[str, Any]:
    """The manifest's ``excluded``: the excluded annotators by source, their distinct reasons
    by source (most frequent first), and ``n`` of their ``unit`` left out or kept (by
    ``policy``): judgments of item campaigns; in tree campaigns, the trees they took part in
    left out, or the rows of theirs kept."""
    excluded = [standing for standing in standings.values() if standing.excluded]
    by_source = Counter(standing.source or "unknown" for standing in excluded)
    reasons: dict[str, Counter[str]] = {}
    for standing in excluded:
        if standing.reason:
            reasons.setdefault(standing.source or "unknown", Counter())[standing.reason] += 1
    return {
        "policy": policy,
        "annotators": len(excluded),
        "by_source": dict(sorted(by_source.items())),
        "reasons": {
            source: [reason for reason, _ in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))]
            for source, found in sorted(reasons.items())
        },
        # Left out ("left_out"), or in the rows ("included", "marked").
        unit: n,
    }


def excluded_sentence(manifest: dict[str, Any]) -> str:
    """What the export did with excluded annotators, for the card, the CLI and Croissant; ''
    when the campaign has none (or the manifest predates standings)."""
    summary = manifest.get("excluded") or {}
    if not summary.get("annotators"):
        return ""
    who = _who(summary)
    judgments, policy = summary.get("judgments", 0), summary.get("policy")
    if "judgments" not in summary:
        return _in_trees(who, policy, summary.get("trees", 0), summary.get("rows", 0))
    if policy == "left_out":
        return (
            f"{who}; {judgments:,} of their judgments were left out (include_excluded: false; "
            "the `judgments` format keeps them, marked)."
        )
    mark = "`metadata.standing` marks their rows"
    if policy == "included":
        return (
            f"{who}; their {judgments:,} judgments are included (include_excluded: true) and "
            f"{mark} where a row is one annotator's."
        )
    return f"{who}; their {judgments:,} judgments are in this export and {mark}."


def _in_trees(who: str, policy: str | None, trees: int, rows: int) -> str:
    """The sentence of a tree campaign's export, where work is left out a tree at a time."""
    if policy == "left_out":
        return (
            f"{who}; {trees:,} {'tree' if trees == 1 else 'trees'} they took part in "
            f"{'was' if trees == 1 else 'were'} left out (include_excluded: false; "
            "the `judgments` format keeps their reviews and rankings, marked)."
        )
    kept = "are included (include_excluded: true)" if policy == "included" else "are kept"
    return (
        f"{who}; the trees they took part in {kept}, and `metadata.standing` marks the "
        f"{rows:,} rows that are theirs alone."
    )


def _who(summary: dict[str, Any]) -> str:
    """ "5 annotators were excluded: 3 by quality rules (reason; reason), 1 by a researcher,
    1 for failing the qualification"."""
    by_source = summary.get("by_source", {})
    order = [*SOURCES, *sorted(set(by_source) - SOURCES.keys())]
    parts = []
    for source in (s for s in order if by_source.get(s)):
        reasons = summary.get("reasons", {}).get(source, [])
        quoted = "; ".join(" ".join(reason.split()) for reason in reasons[:QUOTED_REASONS])
        if len(reasons) > QUOTED_REASONS:
            quoted += f"; {len(reasons) - QUOTED_REASONS} more in manifest.json"
        said = SOURCES.get(source, "for reasons not recorded")
        parts.append(f"{by_source[source]:,} {said}" + (f" ({quoted})" if quoted else ""))
    n = summary["annotators"]
    return f"{n:,} annotator{'s were' if n != 1 else ' was'} excluded: {', '.join(parts)}"
