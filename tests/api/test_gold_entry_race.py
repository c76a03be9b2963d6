"""A judgment submitted while a researcher's gold edit of its item is in flight is scored
against the edit's answers: the score waits for the edit (PostgreSQL: the item's row lock;
SQLite: the write lock), so no judgment is left scored against answers that changed."""

from __future__ import annotations

import threading

from sqlalchemy import select

from support.api import create_campaign_with_items


def test_a_submit_during_a_gold_edit_waits_and_is_scored_against_the_new_answers(
    as_user, unique, db
):
    from prefhub.kit.db import get_sessionmaker
    from prefhub.models import Campaign, Candidate, Item
    from prefhub.quality.gold import ImportGold, gold_score_of
    from prefhub.quality.gold_entry import set_gold

    slug = f"gold-race-{unique}"
    create_campaign_with_items(as_user("researcher"), slug, 1)
    with db() as session:
        item_id = session.scalars(
            select(Item.id)
            .join(Campaign, Campaign.id == Item.campaign_id)
            .where(Campaign.slug == slug)
        ).one()
        shown = list(
            session.scalars(
                select(Candidate.id)
                .where(Candidate.item_id == item_id)
                .order_by(Candidate.position)
            )
        )

    editor = get_sessionmaker()()
    try:
        campaign = editor.scalars(select(Campaign).where(Campaign.slug == slug)).one()
        gold = ImportGold.model_validate({"expected": {"preference": {"accept": ["B"]}}})
        set_gold(editor, campaign, item_id, gold)  # the item was ordinary: now gold, uncommitted

        scored: list[float | None] = []

        def score_a_submit() -> None:
            with db() as session:
                answers = {"preference": {"choice": "A"}}  # shown in import order: A is A
                scored.append(gold_score_of(session, item_id, answers, shown))

        scorer = threading.Thread(target=score_a_submit)
        scorer.start()
        scorer.join(1.0)
        assert scorer.is_alive(), f"scored before the edit committed: {scored}"
        editor.commit()
    finally:
        editor.close()
    scorer.join(30)
    assert scored == [0.0]  # expected B, answered A: scored, not left null
