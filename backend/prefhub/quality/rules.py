"""The campaign's quality rules applied to its annotators' reliability, and the researcher's
own decisions on an annotator's standing.

A rule (``spec.quality.rules``) fires when its measure passes its threshold once the measure
rests on at least ``min_evidence`` observations. Applying the rules sets each annotator's
standing with source ``rule``: ``excluded`` when a firing rule excludes, else ``flagged``;
a rule flag whose rules no longer fire is lifted. Rules never touch a standing a researcher
or the qualification phase decided, and never lift an exclusion.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prefhub.campaigns.service import spec_of
from prefhub.campaigns.spec import QualityRule
from prefhub.kit.errors import NotFound
from prefhub.kit.time import utcnow
from prefhub.models import Assignment, Campaign, CampaignParticipant, User
from prefhub.quality.reliability import (
    AnnotatorReliability,
    ReliabilityReport,
    reliability_report,
)


class UnknownAnnotator(NotFound):
    """The user took no task in the campaign: there is no standing of theirs to set."""

    code = "annotator_not_found"


Standing = Literal["ok", "flagged", "excluded"]
RULE, RESEARCHER = "rule", "researcher"
MAX_REASON = 500

LABEL = {
    "score": "score",
    "gold_accuracy": "gold accuracy",
    "peer_agreement": "peer agreement",
    "left_share": "left share",
    "position_bias_p": "position bias p-value",
    "speed_ratio": "speed ratio",
    "straight_lining": "straight-lining",
    "skip_rate": "skip rate",
    "report_rate": "report rate",
}
EVIDENCE = {
    "score": "judgments",
    "gold_accuracy": "gold items",
    "peer_agreement": "shared items",
    "left_share": "pairwise answers",
    "position_bias_p": "pairwise answers",
    "speed_ratio": "timed judgments",
    "straight_lining": "rating answers",
    "skip_rate": "tasks",
    "report_rate": "tasks",
}


@dataclass(frozen=True)
class FiredRule:
    rule: QualityRule
    reason: str  # e.g. "gold accuracy 0.42 < 0.6 after 12 gold items"


def fired_rules(rules: list[QualityRule], annotator: AnnotatorReliability) -> list[FiredRule]:
    fired = []
    for rule in rules:
        found = annotator.evidence.get(rule.measure)
        if found is None or found.value is None or found.n < rule.min_evidence:
            continue
        if rule.below is not None and found.value < rule.below:
            sign, threshold = "<", rule.below
        elif rule.above is not None and found.value > rule.above:
            sign, threshold = ">", rule.above
        else:
            continue
        shown = f"{found.value:.2g}" if rule.measure == "position_bias_p" else f"{found.value:.2f}"
        reason = (
            f"{LABEL[rule.measure]} {shown} {sign} {threshold:g} "
            f"after {found.n} {EVIDENCE[rule.measure]}"
        )
        fired.append(FiredRule(rule, reason))
    return fired


@dataclass(frozen=True)
class StandingChange:
    user_id: int
    standing: Standing
    reason: str | None


def apply_rules(
    session: Session, campaign: Campaign, report: ReliabilityReport | None = None
) -> list[StandingChange]:
    """Set the standings the campaign's rules call for (source ``rule``); returns what
    changed. Computes the reliability report as of now unless given one."""
    rules = spec_of(campaign).quality.rules
    if not rules:
        return []
    if report is None:
        report = reliability_report(session, campaign, wait=True)
    participants = {
        p.user_id: p
        for p in session.scalars(
            select(CampaignParticipant).where(CampaignParticipant.campaign_id == campaign.id)
        )
    }
    changes: list[StandingChange] = []
    for user_id, annotator in sorted(report.annotators.items()):
        fired = fired_rules(rules, annotator)
        participant = participants.get(user_id)
        current = participant.standing if participant is not None else "ok"
        source = participant.standing_source if participant is not None else None
        if current == "excluded" or source not in (None, RULE):
            continue  # never lift an exclusion, never override a researcher's decision
        if not fired:
            if current == "flagged" and participant is not None:
                _set(participant, "ok", None, RULE)
                changes.append(StandingChange(user_id, "ok", None))
            continue
        target: Standing = (
            "excluded" if any(f.rule.action == "exclude" for f in fired) else "flagged"
        )
        reason = "; ".join(f.reason for f in fired)[:MAX_REASON]
        if participant is None:
            participant = _participant(session, campaign.id, user_id)
        if (current, participant.standing_reason) == (target, reason):
            continue
        _set(participant, target, reason, RULE)
        changes.append(StandingChange(user_id, target, reason))
    session.flush()
    return changes


def set_standing(
    session: Session, campaign: Campaign, user_id: int, standing: Standing, reason: str
) -> CampaignParticipant:
    """A researcher's decision: it stands until a researcher changes it (rules leave it)."""
    if not worked_on(session, campaign, user_id):
        raise UnknownAnnotator("This user never worked on this campaign")
    participant = _participant(session, campaign.id, user_id)
    _set(participant, standing, reason.strip()[:MAX_REASON] or None, RESEARCHER)
    session.flush()
    return participant


def worked_on(session: Session, campaign: Campaign, user_id: int) -> bool:
    """Whether the user took a task in the campaign or has a participant row there."""
    took = exists().where(Assignment.campaign_id == campaign.id, Assignment.annotator_id == user_id)
    joined = exists().where(
        CampaignParticipant.campaign_id == campaign.id, CampaignParticipant.user_id == user_id
    )
    return bool(session.scalar(select(User.id).where(User.id == user_id, or_(took, joined))))


def _participant(session: Session, campaign_id: int, user_id: int) -> CampaignParticipant:
    """The annotator's participant row, created if they have none yet (rows are made on
    consent, survey or crowd entry; a quality standing may come first)."""
    query = select(CampaignParticipant).where(
        CampaignParticipant.campaign_id == campaign_id, CampaignParticipant.user_id == user_id
    )
    participant = session.scalar(query)
    if participant is None:
        try:
            with session.begin_nested():
                participant = CampaignParticipant(campaign_id=campaign_id, user_id=user_id)
                session.add(participant)
        except IntegrityError:
            # Made by a concurrent request since we looked: use theirs.
            participant = session.scalars(query).one()
    return participant


def _set(
    participant: CampaignParticipant, standing: Standing, reason: str | None, source: str
) -> None:
    participant.standing = standing
    participant.standing_reason = reason
    # A researcher's "ok" is a decision too (rules leave it); a lifted rule flag is no one's.
    participant.standing_source = source if standing != "ok" or source == RESEARCHER else None
    participant.standing_at = utcnow()
