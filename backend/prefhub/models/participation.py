from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from prefhub.models.base import Base, TimestampMixin


class CampaignParticipant(TimestampMixin, Base):
    """An annotator's standing in one campaign: consent, profile answers, crowd identity.

    The crowd-platform participant id is kept only as a keyed hash (enough to resume the same
    person); study and session ids are kept for the researcher's reconciliation and never
    exported.
    """

    __tablename__ = "campaign_participants"
    __table_args__ = (
        UniqueConstraint("campaign_id", "user_id"),
        UniqueConstraint("campaign_id", "external_id_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    consented_at: Mapped[datetime | None] = mapped_column(DateTime())
    profile: Mapped[dict[str, Any] | None] = mapped_column()
    profile_answered_at: Mapped[datetime | None] = mapped_column(DateTime())
    external_id_hash: Mapped[str | None] = mapped_column(String(64))
    study_id: Mapped[str | None] = mapped_column(String(200))
    session_id: Mapped[str | None] = mapped_column(String(200))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime())
    # Quality standing (``prefhub.quality``): "ok", "flagged" (for a researcher to look at) or
    # "excluded" (no more tasks; judgments kept, marked, and left out of training exports).
    # ``standing_source`` says who decided: "rule", "researcher" or "qualification".
    standing: Mapped[str] = mapped_column(String(16), default="ok", server_default="ok")
    standing_reason: Mapped[str | None] = mapped_column(String(500))
    standing_source: Mapped[str | None] = mapped_column(String(16))
    standing_at: Mapped[datetime | None] = mapped_column(DateTime())
    # When the annotator passed the campaign's qualification phase (None: not yet, or none).
    qualified_at: Mapped[datetime | None] = mapped_column(DateTime())
