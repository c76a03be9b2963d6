"""Annotators' quality standing, written as the quality rules and the researcher's exclude
action write it, for tests of what follows from it."""

from __future__ import annotations

from sqlalchemy import select


def set_standing(db, slug: str, user_id: int, standing: str, source: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    """Set an annotator's standing in a campaign (their participant row is made if they have
    none)."""
    from prefhub.kit.time import utcnow
    from prefhub.models import Campaign, CampaignParticipant

    with db() as session:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == slug))
        participant = session.scalar(
            select(CampaignParticipant).where(
                CampaignParticipant.campaign_id == campaign_id,
                CampaignParticipant.user_id == user_id,
            )
        )
        if participant is None:
            participant = CampaignParticipant(campaign_id=campaign_id, user_id=user_id)
            session.add(participant)
        participant.standing = standing
        participant.standing_source = source
        participant.standing_reason = reason
        participant.standing_at = utcnow()


def pseudonym(user_id: int) -> str:
    """The annotator id an export made without a salt gives the user."""
    from prefhub.exports.pseudonyms import Pseudonymizer

    return Pseudonymizer("")(user_id)


def flat(text: str) -> str:
    """``text`` with its line breaks and runs of spaces as single spaces (card paragraphs wrap)."""
    return " ".join(text.split())
