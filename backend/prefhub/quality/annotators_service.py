"""The annotators view of a campaign: each annotator's reliability, standing and the rules
that fire on them, as the Quality tab, ``GET /quality/annotators`` and ``prefhub quality
annotators`` show it. Reading it applies the campaign's rules first, so what it shows is
what the rules decided."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefhub.campaigns.service import spec_of
from prefhub.campaigns.spec import QualityRule
from prefhub.models import Campaign, CampaignParticipant, User
from prefhub.quality.reliability import reliability_report
from prefhub.quality.reliability_measures import Evidence
from prefhub.quality.rules import apply_rules, fired_rules


@dataclass(frozen=True)
class AnnotatorRow:
    user_id: int
    username: str
    group: str | None
    judgments: int
    score: float | None
    standing: str
    standing_reason: str | None
    standing_source: str | None
    evidence: dict[str, Evidence]
    fired_rules: list[str]


@dataclass(frozen=True)
class AnnotatorsView:
    annotators: list[AnnotatorRow]  # lowest score first
    rules: list[QualityRule]
    grouping: str
    computed_at: datetime


def username(user: User) -> str:
    """How a researcher knows the annotator: their display name, else e-mail, else id."""
    return user.display_name or user.email or f"user {user.id}"


def annotators_view(session: Session, campaign: Campaign) -> AnnotatorsView:
    report = reliability_report(session, campaign)
    apply_rules(session, campaign, report)
    rules = spec_of(campaign).quality.rules
    participants = {
        p.user_id: p
        for p in session.scalars(
            select(CampaignParticipant).where(CampaignParticipant.campaign_id == campaign.id)
        )
    }
    ids = sorted(
        set(report.annotators)
        | {u for u, p in participants.items() if p.standing != "ok" or p.standing_source}
    )
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    rows = []
    for user_id in ids:
        found = report.annotators.get(user_id)
        participant = participants.get(user_id)
        rows.append(
            AnnotatorRow(
                user_id=user_id,
                username=username(users[user_id]),
                group=found.group if found else None,
                judgments=found.judgments if found else 0,
                score=found.score if found else None,
                standing=participant.standing if participant else "ok",
                standing_reason=participant.standing_reason if participant else None,
                standing_source=participant.standing_source if participant else None,
                evidence=found.evidence if found else {},
                fired_rules=[f.reason for f in fired_rules(rules, found)] if found else [],
            )
        )
    rows.sort(key=lambda r: (r.score is None, r.score or 0.0, r.user_id))
    return AnnotatorsView(rows, rules, report.grouping, report.computed_at)


def annotator_row(session: Session, campaign: Campaign, user_id: int) -> AnnotatorRow | None:
    return next(
        (r for r in annotators_view(session, campaign).annotators if r.user_id == user_id), None
    )
