"""The items an annotator was already given in a campaign: one condition for every query that
must leave them out (nobody sees an item twice)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select

from prefhub.models import Assignment, Item


def unseen_by(campaign_id: int, annotator_id: int) -> ColumnElement[bool]:
    """Items of the campaign the annotator never held an assignment for.

    An uncorrelated ``NOT IN``: PostgreSQL reads the annotator's assignments once into a hash
    (a hashed SubPlan) and SQLite into an ephemeral index. A correlated ``NOT EXISTS`` made one
    index probe per item it passed over instead, and the queue puts the items an annotator
    judged first (nearer completion), so every lease re-checked all of their own judgments.
    ``assignments.item_id`` is never NULL, so ``NOT IN`` means what ``NOT EXISTS`` meant.
    """
    given = select(Assignment.item_id).where(
        Assignment.annotator_id == annotator_id, Assignment.campaign_id == campaign_id
    )
    return Item.id.not_in(given)
