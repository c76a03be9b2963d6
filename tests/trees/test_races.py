"""Two annotators finishing a stage at the same moment move the tree once (real concurrency on
PostgreSQL: each submit runs in its own thread, transaction and connection)."""

from __future__ import annotations

import threading

from trees.conftest import next_task, submit, work


def _at_once(calls):
    """Run the calls in threads released together; their responses."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_last_reviews_at_once_open_the_tree_once(as_user, tree_campaign):
    researcher, slug = tree_campaign(reviews_needed_prompt=2)
    author, first, second = (as_user("annotator") for _ in range(3))
    tree_id = work(author, slug)["result"]["tree_id"]
    tasks = [next_task(first, slug), next_task(second, slug)]
    assert [t["kind"] for t in tasks] == ["review", "review"]
    responses = _at_once(
        [lambda: submit(first, slug, tasks[0]), lambda: submit(second, slug, tasks[1])]
    )
    assert [r.status_code for r in responses] == [200, 200]
    tree = researcher.get(f"/api/trees/{tree_id}").json()
    assert tree["state"] == "growing"
    assert (tree["root"]["review_count"], tree["size"]) == (2, 1)
    # A third reviewer finds nothing left to review on the root.
    third = next_task(as_user("annotator"), slug)
    assert third is None or third["kind"] != "review"


def test_two_last_rankings_at_once_finish_the_tree_once(as_user, tree_campaign):
    researcher, slug = tree_campaign(
        goal_tree_size=3, max_depth=1, max_children=2, rankings_needed=2
    )
    growers = [as_user("annotator") for _ in range(3)]
    tree_id = work(growers[0], slug)["result"]["tree_id"]
    turns = (person for _ in range(20) for person in growers)
    while researcher.get(f"/api/trees/{tree_id}").json()["state"] != "ranking":
        work(next(turns), slug)
    assert researcher.get(f"/api/trees/{tree_id}").json()["state"] == "ranking"
    rankers = [as_user("annotator"), as_user("annotator")]
    tasks = [next_task(r, slug) for r in rankers]
    assert [t["kind"] for t in tasks] == ["rank", "rank"]
    # Opposite orders: the consensus still gives each reply one rank.
    orders = [
        [[r["id"]] for r in tasks[0]["replies"]],
        [[r["id"]] for r in tasks[1]["replies"]][::-1],
    ]
    responses = _at_once(
        [
            lambda: submit(rankers[0], slug, tasks[0], {"kind": "rank", "ranking": orders[0]}),
            lambda: submit(rankers[1], slug, tasks[1], {"kind": "rank", "ranking": orders[1]}),
        ]
    )
    assert [r.status_code for r in responses] == [200, 200]
    tree = researcher.get(f"/api/trees/{tree_id}").json()
    assert tree["state"] == "ready_for_export" and tree["root"]["ranking_count"] == 2
    ranks = sorted(r["rank"] for r in tree["root"]["replies"])
    assert ranks in ([0, 1], [0, 0])
