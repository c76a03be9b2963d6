"""A tree's states and transitions, driven through the API by several annotators."""

from __future__ import annotations

from sqlalchemy import select

from trees.conftest import answer_for, next_task, submit, work


def _tree(researcher, tree_id: int) -> dict:
    response = researcher.get(f"/api/trees/{tree_id}")
    assert response.status_code == 200, response.text
    return response.json()


def _nodes(node: dict) -> list[dict]:
    return [node, *(n for reply in node["replies"] for n in _nodes(reply))]


def test_annotators_grow_review_and_rank_a_tree_to_ready_for_export(as_user, tree_campaign, db):
    from prefhub.models import TreeMessage, TreeRanking, TreeReview

    researcher, slug = tree_campaign()
    people = [as_user("annotator") for _ in range(4)]
    first = work(people[0], slug)
    assert first["kind"] == "initial_prompt"
    tree_id = first["result"]["tree_id"]
    assert first["result"]["tree_state"] == "initial_prompt_review"
    # Only the root needs work now, and its author may not review it.
    assert next_task(people[0], slug) is None
    states, kinds = [], []
    turns = (person for _ in range(60) for person in people)
    while not states or states[-1] != "ready_for_export":
        task = work(next(turns), slug)
        if task is not None:
            kinds.append(task["kind"])
            states.append(_tree(researcher, tree_id)["state"])
    seen = list(dict.fromkeys(states))
    assert seen == ["growing", "ranking", "ready_for_export"]
    assert {"review", "assistant_reply", "prompter_reply", "rank"} <= set(kinds)

    tree = _tree(researcher, tree_id)
    nodes = _nodes(tree["root"])
    accepted = [n for n in nodes if n["review_state"] == "accepted"]
    assert tree["size"] == len(accepted) >= 4
    for node in nodes:
        # Roles alternate down every path, and no message is deeper than max_depth.
        for reply in node["replies"]:
            assert reply["role"] != node["role"] and reply["depth"] == node["depth"] + 1 <= 2
        assert len(node["replies"]) <= 2
        ranked = [r for r in node["replies"] if r["review_state"] == "accepted"]
        if len(ranked) >= 2:
            assert sorted(r["rank"] for r in ranked) == list(range(len(ranked)))
            assert node["ranking_count"] >= 1
    with db() as session:
        authors = dict(session.execute(select(TreeMessage.id, TreeMessage.author_id)).all())
        for review in session.scalars(select(TreeReview)):
            assert review.annotator_id != authors[review.message_id]
        for ranking in session.scalars(select(TreeRanking)):
            ranked_authors = {authors[i] for tier in ranking.tiers for i in tier}
            assert ranking.annotator_id not in ranked_authors
    # A finished tree offers nothing, and max_active_trees (1) is free again for a new one.
    assert work(people[1], slug)["kind"] == "initial_prompt"


def test_a_rejected_initial_prompt_aborts_the_tree(as_user, tree_campaign):
    researcher, slug = tree_campaign(reviews_needed_prompt=2, acceptance_threshold=0.6)
    author, r1, r2 = (as_user("annotator") for _ in range(3))
    tree_id = work(author, slug)["result"]["tree_id"]
    assert work(r1, slug, acceptable=True)["kind"] == "review"
    assert _tree(researcher, tree_id)["state"] == "initial_prompt_review"
    last = work(r2, slug, acceptable=False)
    assert last["result"]["tree_state"] == "aborted_low_grade"
    root = _tree(researcher, tree_id)["root"]
    assert (root["review_state"], root["acceptance"]) == ("rejected", 0.5)
    # The aborted tree offers no work; a new tree may start in its place.
    assert next_task(r1, slug)["kind"] == "initial_prompt"


def test_prompt_without_reviews_grows_at_once_and_replies_respect_limits(as_user, tree_campaign):
    researcher, slug = tree_campaign(
        reviews_needed_prompt=0, reviews_needed_reply=0, goal_tree_size=7, max_children=2
    )
    people = [as_user("annotator") for _ in range(3)]
    started = work(people[0], slug)
    assert started["result"]["tree_state"] == "growing"
    tree_id = started["result"]["tree_id"]
    for _ in range(12):
        for person in people:
            work(person, slug)
    tree = _tree(researcher, tree_id)
    nodes = _nodes(tree["root"])
    # Capacity with depth 2 and 2 children is 1 + 2 + 4 = 7: the goal, exactly.
    assert len(nodes) == 7 == tree["size"]
    assert tree["state"] in ("ranking", "ready_for_export")


def test_halting_a_tree_closes_its_leased_tasks(as_user, tree_campaign):
    researcher, slug = tree_campaign(reviews_needed_prompt=0)
    author, replier = as_user("annotator"), as_user("annotator")
    tree_id = work(author, slug)["result"]["tree_id"]
    task = next_task(replier, slug)
    assert task["kind"] == "assistant_reply"
    annotator_halt = replier.post(f"/api/trees/{tree_id}/halt", json={"reason": "x"})
    assert annotator_halt.status_code == 403
    halted = researcher.post(f"/api/trees/{tree_id}/halt", json={"reason": "off-topic"})
    assert halted.status_code == 200 and halted.json()["state"] == "halted_by_moderator"
    late = submit(replier, slug, task)
    assert (late.status_code, late.json()["error"]["code"]) == (409, "tree_task_closed")
    again = researcher.post(f"/api/trees/{tree_id}/halt", json={"reason": "again"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "tree_state_conflict")
    # Nothing more happens in the halted tree; it no longer counts against max_active_trees.
    assert next_task(replier, slug)["kind"] == "initial_prompt"
    assert len(_nodes(_tree(researcher, tree_id)["root"])) == 1


def test_bad_answers_are_refused_and_retries_store_once(as_user, tree_campaign, db):
    from prefhub.models import TreeMessage

    researcher, slug = tree_campaign()
    annotator = as_user("annotator")
    task = next_task(annotator, slug)
    wrong_kind = submit(annotator, slug, task, {"kind": "rank", "ranking": [[1]]})
    assert (wrong_kind.status_code, wrong_kind.json()["error"]["code"]) == (
        422,
        "wrong_answer_kind",
    )
    short = submit(annotator, slug, task, {"kind": "initial_prompt", "text": " a "})
    assert short.status_code == 422 and short.json()["error"]["details"][0]["field"] == (
        "answer.text"
    )
    shape = submit(annotator, slug, task, {"kind": "initial_prompt"})
    assert shape.status_code == 422
    first = submit(annotator, slug, task, client_id="same-id")
    retry = submit(annotator, slug, task, client_id="same-id")
    assert first.status_code == retry.status_code == 200 and first.json() == retry.json()
    with db() as session:
        roots = session.scalars(
            select(TreeMessage).where(TreeMessage.tree_id == first.json()["tree_id"])
        ).all()
    assert len(roots) == 1
    other = submit(annotator, slug, task, client_id="another-id")
    assert (other.status_code, other.json()["error"]["code"]) == (409, "tree_task_closed")
    missing = submit(annotator, slug, {"id": 999999, "kind": "initial_prompt"})
    assert missing.status_code == 404

    reviewer = as_user("annotator")
    review = next_task(reviewer, slug)
    assert review["kind"] == "review" and review["conversation"][-1]["mine"] is False
    bad_labels = answer_for(review) | {"labels": {"labels": {"values": {"quality": 9}}}}
    refused = submit(reviewer, slug, review, bad_labels)
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "answers.labels.values.quality"
    assert (
        researcher.get(f"/api/campaigns/{slug}/trees").json()["counts"]["initial_prompt_review"]
        == 1
    )


def test_item_campaigns_have_no_tree_tasks(as_user, unique):
    from support.api import create_campaign_with_items

    researcher = as_user("researcher")
    create_campaign_with_items(researcher, f"items-{unique}", n_items=1)
    response = as_user("annotator").get(f"/api/annotate/items-{unique}/tree-tasks/next")
    assert (response.status_code, response.json()["error"]["code"]) == (
        422,
        "not_a_tree_campaign",
    )


def test_specs_that_cannot_reach_their_goal_are_refused(as_user, unique):
    from trees.conftest import tree_spec

    researcher = as_user("researcher")
    spec = tree_spec(f"t-{unique}", goal_tree_size=50, max_depth=2, max_children=2)
    refused = researcher.post("/api/campaigns", json=spec)
    assert refused.status_code == 422 and "cannot be reached" in refused.text
    rating = tree_spec(f"u-{unique}") | {"questions": [{"kind": "pairwise"}]}
    assert researcher.post("/api/campaigns", json=rating).status_code == 422
