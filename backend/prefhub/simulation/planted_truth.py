"""How the quality layer did against a planted population (``simulation.population``).

- **Rules**: an annotator counts as flagged when their standing in the campaign is
  ``flagged`` or ``excluded``; precision and recall of that set against the planted spammers,
  and the share of the minority group flagged.
- **dpo agreement**: the share of a dpo export's rows whose ``chosen`` answer is the one the
  group of the row's annotator prefers (by that group's noise-free utility; a spammer is
  measured against the group their profile claims). Each row is held to its own annotator's
  group, so the minority's rows agree as much as the majority's, and only rows that carry no
  preference (spam) lower it.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefhub.campaigns.service import get_by_slug
from prefhub.exports import jobs as export_jobs
from prefhub.exports.schemas import ExportOptions
from prefhub.exports.tasks import execute_export
from prefhub.kit.db import unit_of_work
from prefhub.models import Campaign, CampaignParticipant, Judgment
from prefhub.simulation.population import MINORITY, Planted

FLAGGED = ("flagged", "excluded")
# A researcher's rules for a planted campaign (spec ``quality.rules``): exclude an annotator
# whose gold accuracy is below 0.6 after 5 gold items, who chose the left answer more than 90 %
# of the time over 15 judgments, or who takes less than a quarter of the campaign's usual time.
RESEARCHER_RULES: list[dict[str, Any]] = [
    {"measure": "gold_accuracy", "below": 0.6, "min_evidence": 5, "action": "exclude"},
    {"measure": "left_share", "above": 0.9, "min_evidence": 15, "action": "exclude"},
    {"measure": "speed_ratio", "below": 0.25, "min_evidence": 10, "action": "exclude"},
]


@dataclass(frozen=True)
class RuleOutcome:
    spammers: int
    flagged: int  # annotators flagged or excluded
    caught: int  # of them, planted spammers
    minority: int
    minority_flagged: int
    by_kind: dict[str, int] = field(default_factory=dict)  # flagged, per planted kind/group

    @property
    def precision(self) -> float:
        return self.caught / self.flagged if self.flagged else 0.0

    @property
    def recall(self) -> float:
        return self.caught / self.spammers if self.spammers else 0.0

    @property
    def minority_flag_rate(self) -> float:
        return self.minority_flagged / self.minority if self.minority else 0.0


def rule_outcome(session: Session, campaign: Campaign, planted: dict[int, Planted]) -> RuleOutcome:
    standings = dict(
        session.execute(
            select(CampaignParticipant.user_id, CampaignParticipant.standing).where(
                CampaignParticipant.campaign_id == campaign.id,
                CampaignParticipant.user_id.in_(list(planted)),
            )
        )
        .tuples()
        .all()
    )
    flagged = [planted[uid] for uid, standing in standings.items() if standing in FLAGGED]
    honest_minority = [p for p in planted.values() if not p.is_spammer and p.group == MINORITY]
    return RuleOutcome(
        spammers=sum(p.is_spammer for p in planted.values()),
        flagged=len(flagged),
        caught=sum(p.is_spammer for p in flagged),
        minority=len(honest_minority),
        minority_flagged=sum(not p.is_spammer and p.group == MINORITY for p in flagged),
        by_kind=dict(Counter(p.describe for p in flagged)),
    )


def dpo_rows(slug: str, *, include_excluded: bool) -> list[dict[str, Any]]:
    """The rows of a dpo export of the campaign (standard form), run by the export job code as
    ``prefhub export`` runs it."""
    options = ExportOptions.model_validate(
        {"format": "dpo", "conversational": False, "include_excluded": include_excluded}
    )
    with unit_of_work() as session:
        job_id = export_jobs.create_job(
            session, get_by_slug(session, slug), None, options, send=False
        ).id
    with tempfile.TemporaryDirectory(prefix="prefhub-planted-") as tmp:
        folder = Path(tmp) / "export"
        job = execute_export(job_id, destination=folder)
        if job is None or job.folder is None:
            raise RuntimeError(f"the dpo export of {slug} did not finish")
        lines = (folder / "dpo.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines]


def dpo_agreement(
    session: Session, campaign: Campaign, rows: list[dict[str, Any]], planted: dict[int, Planted]
) -> float:
    """The share of ``rows`` (of ``campaign``) whose chosen answer the row's annotator's group
    prefers."""
    if not rows:
        return 0.0
    annotator_of = dict(
        session.execute(
            select(Judgment.id, Judgment.annotator_id).where(Judgment.campaign_id == campaign.id)
        )
        .tuples()
        .all()
    )
    agree = 0
    for row in rows:
        group = planted[annotator_of[row["metadata"]["judgment_id"]]].group
        agree += group.utility(_text(row["chosen"])) > group.utility(_text(row["rejected"]))
    return agree / len(rows)


def _text(value: Any) -> str:
    """A dpo answer's text, in standard (a string) or conversational form (one message)."""
    if isinstance(value, str):
        return value
    content = value[-1]["content"]
    if isinstance(content, str):
        return content
    return " ".join(part.get("text", "") for part in content)
