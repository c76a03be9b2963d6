"""Progress counters kept by database triggers (migration ``2600_progress_counters``), so the
annotator's progress is read from a few rows instead of counted over a campaign's items.

Every write to ``items`` or ``judgments`` (ORM, core, raw SQL, COPY, foreign-key cascades)
passes the triggers, so no writer keeps these numbers and none can forget them. SQLite drops a
table's triggers with the table: a migration that rebuilds ``items`` or ``judgments``
(``batch_alter_table`` with a table copy) must create the triggers again
(``tests/api/test_progress_counters.py`` checks they exist at head).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from prefhub.models.base import Base

# A campaign's item counts are spread over this many rows (by item id), so annotators who
# complete items at the same time rarely wait on one row's lock until the other commits.
ITEM_COUNT_SHARDS = 8


class CampaignItemCount(Base):
    """One shard of a campaign's item counts: items not ``importing`` (``items_total``) and
    ``complete`` ones, among the items whose ``id % ITEM_COUNT_SHARDS`` is ``shard``."""

    __tablename__ = "campaign_item_counts"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    items_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    items_complete: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AnnotatorJudgmentCount(Base):
    """An annotator's judgments in a campaign, revisions (``supersedes_id`` set) not counted."""

    __tablename__ = "annotator_judgment_counts"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    annotator_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    judgments: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
