"""A campaign's quality at a glance, from the same reports the REST endpoints serve: progress,
leaderboard, agreement per question, gold accuracy and the annotators' standings."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prefhub.models import Campaign, CampaignParticipant
from prefhub.quality import agreement_service, service
from prefhub.quality.agreement_service import AgreementReport
from prefhub.quality.gold import GoldReport, gold_report
from prefhub.quality.progress import ProgressReport, progress_report
from prefhub.quality.reliability import AnnotatorReliability, reliability_report
from prefhub.quality.service import LeaderboardReport

LOWEST_SCORES = 5


@dataclass
class QualitySummary:
    progress: ProgressReport
    leaderboard: LeaderboardReport
    agreement: AgreementReport
    gold: GoldReport
    standings: dict[str, int]  # "flagged" / "excluded" -> annotators
    scored: int  # annotators with a reliability score
    lowest: list[AnnotatorReliability]  # the lowest reliability scores, lowest first


def quality_summary(session: Session, campaign: Campaign) -> QualitySummary:
    reliability = reliability_report(session, campaign, wait=True)
    scores = sorted(reliability.annotators.values(), key=lambda a: (a.score, a.user_id))
    return QualitySummary(
        progress=progress_report(session, campaign),
        leaderboard=service.leaderboard_report(session, campaign),
        agreement=agreement_service.agreement_report(session, campaign),
        gold=gold_report(session, campaign),
        standings=standings(session, campaign),
        scored=len(scores),
        lowest=scores[:LOWEST_SCORES],
    )


def standings(session: Session, campaign: Campaign) -> dict[str, int]:
    """How many of the campaign's annotators are flagged and excluded (everyone else is ok,
    with or without a participant row)."""
    counted = dict.fromkeys(("flagged", "excluded"), 0)
    for standing, n in session.execute(
        select(CampaignParticipant.standing, func.count())
        .where(CampaignParticipant.campaign_id == campaign.id, CampaignParticipant.standing != "ok")
        .group_by(CampaignParticipant.standing)
    ).tuples():
        counted[standing] = counted.get(standing, 0) + int(n)
    return counted
