"""`prefhub seed-demo` adds demo-trees; `prefhub simulate demo-trees` grows every tree to
ready-for-export with simulated annotators."""

from __future__ import annotations

from sqlalchemy import func, select


def test_simulated_annotators_grow_the_demo_trees_to_ready_for_export(migrated, db):
    from typer.testing import CliRunner

    from prefhub.cli import app
    from prefhub.models import (
        Campaign,
        ConversationTree,
        TreeMessage,
        TreeRanking,
        TreeReview,
        TreeState,
    )

    runner = CliRunner()
    assert runner.invoke(app, ["seed-demo"]).exit_code == 0
    result = runner.invoke(
        app, ["simulate", "demo-trees", "--annotators", "6", "--judgments", "2000", "--seed", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "(no work left)" in result.output
    with db() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.slug == "demo-trees"))
        states = dict(
            session.execute(
                select(ConversationTree.state, func.count())
                .where(ConversationTree.campaign_id == campaign.id)
                .group_by(ConversationTree.state)
            ).all()
        )
        trees = session.scalars(
            select(ConversationTree.id).where(
                ConversationTree.campaign_id == campaign.id,
                ConversationTree.state == TreeState.ready_for_export,
            )
        ).all()
        messages = session.scalars(select(TreeMessage).where(TreeMessage.tree_id.in_(trees))).all()
        reviews = session.scalar(select(func.count(TreeReview.id)))
        rankings = session.scalar(select(func.count(TreeRanking.id)))
    # max_trees 3: three trees finished (aborted ones, if any, were replaced), none left open.
    assert states.get(TreeState.ready_for_export) == 3
    assert not any(states.get(s) for s in ("initial_prompt_review", "growing", "ranking"))
    accepted = [m for m in messages if m.review_state.value == "accepted"]
    assert len(accepted) >= 3 * 6
    assert reviews >= len(accepted) and rankings > 0
    # Every set of sibling replies got ranks from the consensus: dense, from 0 (the groups
    # disagree, so a set may well end tied at 0).
    siblings: dict[int, list[int | None]] = {}
    for m in accepted:
        if m.parent_id is not None:
            siblings.setdefault(m.parent_id, []).append(m.rank)
    sets = [ranks for ranks in siblings.values() if len(ranks) >= 2]
    assert sets
    for ranks in sets:
        assert None not in ranks and min(ranks) == 0
        assert sorted(set(ranks)) == list(range(max(ranks) + 1))
