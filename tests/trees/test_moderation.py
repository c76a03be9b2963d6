"""Moderators browse trees, see flagged messages, edit and delete messages; annotators and
other researchers cannot."""

from __future__ import annotations

from trees.conftest import grow_to_ranking, next_task, submit, work


def _grow_root_and_reply(as_user, slug):
    """A growing tree whose root has one reply; returns (tree id, root id, reply id)."""
    author, reviewer, replier = (as_user("annotator") for _ in range(3))
    tree_id = work(author, slug)["result"]["tree_id"]
    work(reviewer, slug)
    reply = work(replier, slug)
    assert reply["kind"] == "assistant_reply"
    return tree_id, reply["conversation"][0]["id"], reply["result"]["message_id"]


def test_flagged_messages_and_soft_deletion_of_a_subtree(as_user, tree_campaign):
    researcher, slug = tree_campaign(max_children=1, goal_tree_size=3)
    tree_id, root_id, reply_id = _grow_root_and_reply(as_user, slug)
    flagger = as_user("annotator")
    review = next_task(flagger, slug)
    assert review["kind"] == "review" and review["conversation"][-1]["id"] == reply_id
    answer = {
        "kind": "review",
        "acceptable": False,
        "labels": {"labels": {"values": {"spam": True, "pii": True, "quality": 0}}},
    }
    assert submit(flagger, slug, review, answer).status_code == 200

    flagged = researcher.get(f"/api/campaigns/{slug}/tree-messages/flagged").json()["messages"]
    assert [m["id"] for m in flagged] == [reply_id]
    assert flagged[0]["review_state"] == "rejected"
    assert flagged[0]["flags"] == {
        "pii": {"value": 1.0, "count": 1},
        "spam": {"value": 1.0, "count": 1},
    }

    listed = researcher.get(f"/api/campaigns/{slug}/trees?state=growing").json()
    assert [t["id"] for t in listed["trees"]] == [tree_id] and listed["counts"]["growing"] == 1
    assert researcher.get(f"/api/campaigns/{slug}/trees?state=ranking").json()["trees"] == []

    # Deleting the root hides the whole tree from tasks and halts it.
    deleted = researcher.delete(f"/api/tree-messages/{root_id}")
    assert deleted.status_code == 200 and deleted.json() == {"deleted": 2}
    tree = researcher.get(f"/api/trees/{tree_id}").json()
    assert tree["state"] == "halted_by_moderator" and tree["size"] == 0
    assert tree["root"]["deleted"] and tree["root"]["replies"][0]["deleted"]


def test_editing_keeps_the_old_text_as_a_revision(as_user, tree_campaign):
    researcher, slug = tree_campaign()
    tree_id, root_id, _ = _grow_root_and_reply(as_user, slug)
    before = researcher.get(f"/api/trees/{tree_id}").json()["root"]["content"]
    edited = researcher.put(f"/api/tree-messages/{root_id}", json={"text": "Redacted prompt."})
    assert edited.status_code == 200
    assert edited.json()["root"]["content"] == [{"type": "text", "text": "Redacted prompt."}]
    revisions = researcher.get(f"/api/tree-messages/{root_id}/revisions").json()["revisions"]
    assert [(r["revision"], r["content"]) for r in revisions] == [(1, before)]
    assert researcher.put(f"/api/tree-messages/{root_id}", json={"text": ""}).status_code == 422


def test_only_the_campaign_owner_moderates(as_user, tree_campaign):
    researcher, slug = tree_campaign()
    tree_id, root_id, _ = _grow_root_and_reply(as_user, slug)
    stranger, annotator = as_user("researcher"), as_user("annotator")
    assert stranger.get(f"/api/trees/{tree_id}").status_code == 404
    assert stranger.delete(f"/api/tree-messages/{root_id}").status_code == 404
    listed = stranger.get(f"/api/campaigns/{slug}/trees")
    assert (listed.status_code, listed.json()["error"]["code"]) == (404, "campaign_not_found")
    assert annotator.get(f"/api/trees/{tree_id}").status_code == 403
    assert annotator.put(f"/api/tree-messages/{root_id}", json={"text": "x"}).status_code == 403
    assert as_user("admin").get(f"/api/trees/{tree_id}").status_code == 200
    assert researcher.get("/api/trees/999999").status_code == 404


def test_deleting_a_ranked_reply_reranks_the_rest(as_user, tree_campaign):
    researcher, slug = tree_campaign(
        goal_tree_size=4, max_depth=1, max_children=3, rankings_needed=1
    )
    tree_id = grow_to_ranking(as_user, researcher, slug)
    ranker = as_user("annotator")
    task = next_task(ranker, slug)
    order = [[r["id"]] for r in task["replies"]]
    assert submit(ranker, slug, task, {"kind": "rank", "ranking": order}).status_code == 200
    tree = researcher.get(f"/api/trees/{tree_id}").json()
    assert tree["state"] == "ready_for_export"
    ranks = {r["id"]: r["rank"] for r in tree["root"]["replies"]}
    assert sorted(ranks.values()) == [0, 1, 2]
    best = order[0][0]
    assert researcher.delete(f"/api/tree-messages/{best}").json() == {"deleted": 1}
    after = researcher.get(f"/api/trees/{tree_id}").json()["root"]["replies"]
    assert {r["id"]: r["rank"] for r in after if not r["deleted"]} == {
        order[1][0]: 0,
        order[2][0]: 1,
    }
