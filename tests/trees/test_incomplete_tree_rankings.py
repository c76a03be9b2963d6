"""A sibling ranking that leaves a shown reply out is no answer: 422 ``invalid_answer`` on
``answer.ranking``, the task stays open and nothing is counted until every reply is ranked."""

from __future__ import annotations

from sqlalchemy import func, select

from trees.conftest import grow_to_ranking, next_task, submit


def test_an_incomplete_tree_ranking_is_refused_until_every_reply_is_ranked(
    as_user, tree_campaign, db
):
    from prefhub.models import TreeRanking

    researcher, slug = tree_campaign(
        goal_tree_size=4, max_depth=1, max_children=3, rankings_needed=1
    )
    tree_id = grow_to_ranking(as_user, researcher, slug)
    ranker = as_user("annotator")
    task = next_task(ranker, slug)
    assert task["kind"] == "rank"
    ids = [r["id"] for r in task["replies"]]
    assert len(ids) == 3

    partial = [
        ([[ids[1]], [ids[0]]], f"rank every reply shown ({ids[2]} not ranked)"),
        ([[ids[2], ids[0]]], f"({ids[1]} not ranked)"),
        ([[ids[0]], [ids[1]], [ids[1]], [ids[2]]], "a reply appears twice"),
        ([[ids[0]], [], [ids[1], ids[2]]], "empty rank group"),
    ]
    for ranking, words in partial:
        response = submit(ranker, slug, task, {"kind": "rank", "ranking": ranking})
        assert response.status_code == 422, (ranking, response.text)
        error = response.json()["error"]
        assert error["code"] == "invalid_answer"
        [detail] = error["details"]
        assert detail["field"] == "answer.ranking" and words in detail["message"]
    # An empty ranking breaks the request schema (at least one group): refused as well.
    empty = submit(ranker, slug, task, {"kind": "rank", "ranking": []})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "validation_error"

    with db() as session:
        counted = session.scalar(
            select(func.count(TreeRanking.id)).where(TreeRanking.task_id == task["id"])
        )
    assert counted == 0
    assert researcher.get(f"/api/trees/{tree_id}").json()["state"] == "ranking"

    full = [[ids[2]], [ids[0], ids[1]]]
    assert submit(ranker, slug, task, {"kind": "rank", "ranking": full}).status_code == 200
    with db() as session:
        [stored] = session.scalars(select(TreeRanking).where(TreeRanking.task_id == task["id"]))
        assert stored.tiers == full
    assert researcher.get(f"/api/trees/{tree_id}").json()["state"] == "ready_for_export"
