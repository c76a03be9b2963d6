"""Exports of a tree campaign (trees, dpo, ranking, kto) of a tree grown through the API."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from support.trl import render_conversational
from trees.conftest import answer_for, submit


@dataclass
class Grown:
    researcher: Any
    slug: str
    tree_id: int
    people: list[Any]
    deleted_id: int
    rejected_id: int


def _answer(task: dict, person: int, history: dict[str, list[int]]) -> dict:
    """Rankings of assistant replies: the first ties them, the second puts the higher id
    first, the rest the lower id (so some consensus is strict whichever sets they reach).
    The first review of a depth-3 reply rejects it."""
    if task["kind"] == "rank":
        ids = sorted(r["id"] for r in task["replies"])
        assistant_set = task["conversation"][-1]["role"] == "prompter"
        order = len(history["assistant_ranks"]) if assistant_set else 2
        if assistant_set:
            history["assistant_ranks"].append(task["conversation"][-1]["id"])
        if order == 0:
            return {"kind": "rank", "ranking": [ids]}
        return {"kind": "rank", "ranking": [[i] for i in (ids[::-1] if order == 1 else ids)]}
    if task["kind"] == "review" and len(task["conversation"]) == 4 and not history["rejected"]:
        history["rejected"].append(task["conversation"][-1]["id"])
        return answer_for(task, acceptable=False, spam=True)
    return answer_for(task, spam=person == 2)


@pytest.fixture
def grown(as_user, tree_campaign) -> Grown:
    """Six annotators grow a full tree (depth 3, two replies each) to ready_for_export, with
    two rankings per sibling set; then a researcher deletes one ranked assistant reply."""
    researcher, slug = tree_campaign(goal_tree_size=15, max_depth=3, rankings_needed=2)
    people = [as_user("annotator") for _ in range(6)]
    history: dict[str, list[int]] = {"rejected": [], "assistant_ranks": []}
    tree_id = None
    for turn in range(400):
        person = turn % len(people)
        client = people[person]
        task = client.get(f"/api/annotate/{slug}/tree-tasks/next").json()["task"]
        if task is None:
            continue
        response = submit(client, slug, task, _answer(task, person, history))
        assert response.status_code == 200, response.text
        tree_id = tree_id or response.json()["tree_id"]
        if researcher.get(f"/api/trees/{tree_id}").json()["state"] == "ready_for_export":
            break
    assert tree_id is not None, "no tree task was answered"
    root = researcher.get(f"/api/trees/{tree_id}").json()["root"]
    assert history["rejected"], "no depth-3 reply was rejected"
    # A depth-3 assistant reply that was ranked: deleting it dissolves its sibling set (not
    # one of the sets holding the tie or the reversed ranking, which other tests look for).
    deleted = next(
        reply
        for node in _nodes(root)
        if node["depth"] == 2 and node["id"] not in history["assistant_ranks"][:2]
        for reply in node["replies"]
        if reply["rank"] is not None
    )
    assert researcher.delete(f"/api/tree-messages/{deleted['id']}").status_code == 200
    return Grown(researcher, slug, tree_id, people, deleted["id"], history["rejected"][0])


def _nodes(node: dict) -> list[dict]:
    return [node, *(n for reply in node["replies"] for n in _nodes(reply))]


def _export(researcher, slug: str, fmt: str, **options: Any) -> tuple[bytes, dict, dict]:
    """Run an export job over REST; its data file, manifest and job."""
    from prefhub.exports.tasks import execute_export

    job = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": fmt, **options})
    assert job.status_code == 202, job.text
    execute_export(job.json()["id"])
    finished = researcher.get(f"/api/exports/{job.json()['id']}").json()
    assert finished["status"] == "succeeded", finished
    data = researcher.get(f"/api/exports/{finished['id']}/files/{fmt}.jsonl").content
    manifest = researcher.get(f"/api/exports/{finished['id']}/files/manifest.json").json()
    return data, manifest, finished


def _load(tmp_path: Path, name: str, data: bytes):
    datasets = pytest.importorskip("datasets")
    path = tmp_path / name
    path.write_bytes(data)
    return datasets.load_dataset("json", data_files=str(path), split="train")


def _db_messages(db, tree_id: int) -> dict[int, Any]:
    from prefhub.models import TreeMessage

    with db() as session:
        rows = session.scalars(select(TreeMessage).where(TreeMessage.tree_id == tree_id))
        return {m.id: m for m in rows}


def _visible(messages: dict[int, Any]) -> dict[int, Any]:
    shown: dict[int, Any] = {}
    for m in sorted(messages.values(), key=lambda m: (m.depth, m.id)):
        parent_ok = m.parent_id is None or m.parent_id in shown
        if parent_ok and not m.deleted and m.review_state.value != "rejected":
            shown[m.id] = m
    return shown


def _path_texts(messages: dict[int, Any], message_id: int) -> list[tuple[str, str]]:
    path = [messages[message_id]]
    while path[-1].parent_id is not None:
        path.append(messages[path[-1].parent_id])
    roles = {"prompter": "user", "assistant": "assistant"}
    return [(roles[m.role.value], m.content[0]["text"]) for m in reversed(path)]


def _assert_prompt_is_the_path(prompt: list[dict], messages: dict[int, Any], parent_id: int):
    parent = messages[parent_id]
    assert len(prompt) == parent.depth + 1
    assert [(m["role"], m["content"]) for m in prompt] == _path_texts(messages, parent_id)
    assert all(a["role"] != b["role"] for a, b in itertools.pairwise(prompt))
    assert prompt[0]["role"] == prompt[-1]["role"] == "user"


def _pseudonymous_ids(value: Any) -> list[Any]:
    """Every value held under an ``annotator_id`` or ``author_id`` key, anywhere."""
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in ("annotator_id", "author_id"):
                found.extend(inner if isinstance(inner, list) else [inner])
            found.extend(_pseudonymous_ids(inner))
    elif isinstance(value, list):
        for inner in value:
            found.extend(_pseudonymous_ids(inner))
    return found


def test_trees_export_nests_visible_messages_with_ranks_labels_and_pseudonyms(grown, db, tmp_path):
    from prefhub.trees.service import label_summary

    data, manifest, job = _export(grown.researcher, grown.slug, "trees")
    dataset = _load(tmp_path, "trees.jsonl", data)
    assert len(dataset) == job["row_count"] == manifest["counts"]["rows"] == 1
    tree = json.loads(data)
    assert (tree["tree_id"], tree["state"], tree["campaign"]) == (
        grown.tree_id,
        "ready_for_export",
        grown.slug,
    )
    assert dataset[0]["prompt"]["message_id"] == tree["prompt"]["message_id"]

    messages = _db_messages(db, grown.tree_id)
    visible = _visible(messages)
    nodes = _nodes(tree["prompt"])
    assert sorted(n["message_id"] for n in nodes) == sorted(visible)
    assert grown.deleted_id not in visible and grown.rejected_id not in visible
    with db() as session:
        labels = label_summary(session, list(visible))
    for node in nodes:
        message = visible[node["message_id"]]
        assert [r["message_id"] for r in node["replies"]] == sorted(
            m.id for m in visible.values() if m.parent_id == message.id
        )
        assert all(r["parent_id"] == message.id for r in node["replies"])
        assert (node["role"], node["depth"], node["content"]) == (
            message.role.value,
            message.depth,
            message.content[0]["text"],
        )
        assert node["labels"] == labels.get(message.id, {})
        assert node["review_count"] == message.review_count
        assert not node["synthetic"] and node["model_name"] is None
        assert node["author_id"].startswith("ann-")
        siblings = [m for m in visible.values() if m.parent_id == message.parent_id]
        if len(siblings) >= 2 and message.parent_id is not None:
            # Untouched sets keep the consensus rank stored in the database.
            assert node["rank"] == message.rank is not None
    # The deleted reply's sibling is alone now: best of what remains.
    survivor = next(n for n in nodes if n["parent_id"] == messages[grown.deleted_id].parent_id)
    assert survivor["rank"] == 0
    assert tree["metadata"]["left_out"]["deleted"] == 1
    assert tree["metadata"]["left_out"]["rejected"] >= 1
    assert manifest["filters"] == {"tree_states": ["ready_for_export"]}


def test_dpo_rows_expand_each_ranking_to_pairs_with_the_path_as_prompt(grown, db, tmp_path):
    from prefhub.models import TreeRanking

    data, manifest, _ = _export(grown.researcher, grown.slug, "dpo")
    rows = [json.loads(line) for line in data.splitlines()]
    messages = _db_messages(db, grown.tree_id)
    visible = _visible(messages)
    with db() as session:
        rankings = {
            r.id: r
            for r in session.scalars(
                select(TreeRanking).where(TreeRanking.parent_id.in_(list(messages)))
            )
        }
    expected = 0
    for ranking in rankings.values():
        parent = messages[ranking.parent_id]
        replies = [m for m in visible.values() if m.parent_id == parent.id]
        if parent.id in visible and parent.role.value == "prompter" and len(replies) >= 2:
            tiers = [[i for i in tier if i in visible] for tier in ranking.tiers]
            tiers = [t for t in tiers if t]
            expected += sum(len(a) * len(b) for i, a in enumerate(tiers) for b in tiers[i + 1 :])
    assert len(rows) == expected == manifest["counts"]["rows"] > 0
    assert manifest["aggregation"] == "none"
    assert manifest["counts"]["skipped"]["tied_pairs"] > 0  # person 4 ties everything
    assert manifest["counts"]["skipped"]["prompter_reply_sets"] > 0
    for row in rows:
        meta = row["metadata"]
        ranking = rankings[meta["ranking_id"]]
        tier_of = {i: n for n, tier in enumerate(ranking.tiers) for i in tier}
        assert tier_of[meta["chosen_id"]] < tier_of[meta["rejected_id"]]
        assert messages[meta["chosen_id"]].parent_id == meta["parent_id"]
        assert row["chosen"] == [
            {"role": "assistant", "content": messages[meta["chosen_id"]].content[0]["text"]}
        ]
        _assert_prompt_is_the_path(row["prompt"], messages, meta["parent_id"])
        assert meta["tree_id"] == grown.tree_id
    assert {len(r["prompt"]) for r in rows} == {1, 3}  # the root's replies and depth-3 ones
    assert {r["metadata"]["annotator_id"] for r in rows} <= set(_pseudonymous_ids(rows))

    for example in _load(tmp_path, "dpo.jsonl", data):
        rendered = render_conversational(example)
        assert example["chosen"][0]["content"] in rendered["chosen"]
        assert example["rejected"][0]["content"] in rendered["rejected"]


def test_ranking_and_kto_rows_follow_the_consensus_ranks(grown, db, tmp_path):
    messages = _db_messages(db, grown.tree_id)
    visible = _visible(messages)
    ranked_sets = {
        p.id: sorted(
            (m for m in visible.values() if m.parent_id == p.id), key=lambda m: (m.rank, m.id)
        )
        for p in visible.values()
        if p.role.value == "prompter"
        and sum(1 for m in visible.values() if m.parent_id == p.id) >= 2
    }
    data, manifest, _ = _export(grown.researcher, grown.slug, "ranking")
    dataset = _load(tmp_path, "ranking.jsonl", data)
    assert len(dataset) == len(ranked_sets) == manifest["counts"]["rows"]
    assert manifest["aggregation"] == "ranked_pairs"
    for row in dataset:
        replies = ranked_sets[row["metadata"]["parent_id"]]
        assert row["metadata"]["message_ids"] == [m.id for m in replies]
        assert row["ranks"] == [m.rank for m in replies]
        assert row["completions"] == [
            [{"role": "assistant", "content": m.content[0]["text"]}] for m in replies
        ]
        assert len(row["metadata"]["annotator_id"]) == 2  # rankings_needed
        _assert_prompt_is_the_path(row["prompt"], messages, row["metadata"]["parent_id"])

    data, manifest, _ = _export(grown.researcher, grown.slug, "kto")
    dataset = _load(tmp_path, "kto.jsonl", data)
    expected = {}
    for replies in ranked_sets.values():
        best, worst = replies[0].rank, replies[-1].rank
        if best != worst:
            expected |= {m.id: m.rank == best for m in replies if m.rank in (best, worst)}
    assert {r["metadata"]["message_id"]: r["label"] for r in dataset} == expected
    assert any(expected.values()) and not all(expected.values())
    for row in dataset:
        _assert_prompt_is_the_path(row["prompt"], messages, row["metadata"]["parent_id"])
        text = messages[row["metadata"]["message_id"]].content[0]["text"]
        assert row["completion"] == [{"role": "assistant", "content": text}]
    rendered = render_conversational(dataset[0])
    assert dataset[0]["completion"][0]["content"] in rendered["completion"]


def test_tree_exports_are_reproducible_and_carry_no_emails_or_user_ids(grown, tmp_path):
    from typer.testing import CliRunner

    from prefhub.cli import app

    people = [grown.researcher, *grown.people]
    for fmt in ("trees", "dpo", "ranking", "kto"):
        first, manifest, _ = _export(grown.researcher, grown.slug, fmt)
        second, again, _ = _export(grown.researcher, grown.slug, fmt)
        assert first == second and manifest == again, fmt
        text = first.decode() + json.dumps(manifest)
        for person in people:
            assert person.email not in text and person.email.split("@")[0] not in text
        ids = _pseudonymous_ids([json.loads(line) for line in first.splitlines()])
        assert ids and all(i is None or str(i).startswith("ann-") for i in ids), fmt

    out = tmp_path / "cli-trees"
    result = CliRunner().invoke(app, ["export", grown.slug, "--format", "trees", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 1 rows" in result.output
    assert (out / "trees.jsonl").read_bytes() == _export(grown.researcher, grown.slug, "trees")[0]


def test_only_ready_trees_export_unless_other_states_are_asked_for(grown):
    from trees.conftest import work

    # max_active_trees is free again: a new tree starts, waiting for its prompt's review.
    assert work(grown.people[0], grown.slug)["kind"] == "initial_prompt"
    data, _, _ = _export(grown.researcher, grown.slug, "trees")
    assert [json.loads(line)["tree_id"] for line in data.splitlines()] == [grown.tree_id]
    states = ["ready_for_export", "initial_prompt_review"]
    data, manifest, _ = _export(grown.researcher, grown.slug, "trees", tree_states=states)
    rows = [json.loads(line) for line in data.splitlines()]
    assert [r["state"] for r in rows] == states
    assert rows[1]["prompt"]["review_state"] == "pending" and rows[1]["prompt"]["replies"] == []
    # The manifest names the states in lifecycle order, however the request listed them.
    assert manifest["filters"] == {"tree_states": states[::-1]}


def test_formats_a_campaign_kind_cannot_give_are_refused(grown, as_user, unique):
    from support.api import create_campaign_with_items

    refused = grown.researcher.post(
        f"/api/campaigns/{grown.slug}/exports", json={"format": "ratings"}
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "unsupported_export")
    items = f"items-{unique}"
    create_campaign_with_items(grown.researcher, items, n_items=1)
    response = grown.researcher.post(f"/api/campaigns/{items}/exports", json={"format": "trees"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unsupported_export"
    assert "conversation-tree" in response.json()["error"]["message"]


def test_annotators_rows_count_each_persons_work_with_profiles_on_request(grown, db):
    from prefhub.models import ConversationTree, TreeMessage, TreeRanking, User

    with db() as session:
        for n, person in enumerate(grown.people):
            session.get_one(User, person.user_id).profile = {"group": "ab"[n % 2]}
        rankings = session.scalar(
            select(func.count(TreeRanking.id))
            .join(TreeMessage, TreeMessage.id == TreeRanking.parent_id)
            .join(ConversationTree, ConversationTree.id == TreeMessage.tree_id)
            .where(ConversationTree.id == grown.tree_id, TreeMessage.deleted.is_(False))
        )
    data, manifest, _ = _export(grown.researcher, grown.slug, "annotators")
    rows = [json.loads(line) for line in data.splitlines()]
    assert rows == sorted(rows, key=lambda r: r["id"]) and len(rows) == manifest["counts"]["rows"]
    assert all(r["id"].startswith("ann-") and "profile" not in r for r in rows)
    assert sum(r["rankings"] for r in rows) == rankings
    assert sum(r["prompter_messages"] + r["assistant_messages"] for r in rows) > 0
    # Someone tied a sibling set and someone reversed one: not everyone agrees with the others.
    compared = [r for r in rows if r["pairs_compared"]]
    assert compared and all(0 <= r["reliability"] <= 1 for r in compared)
    data, _, _ = _export(grown.researcher, grown.slug, "annotators", include_profiles=True)
    assert {r["profile"]["group"] for r in map(json.loads, data.splitlines())} == {"a", "b"}
    # Profiles reach the other tree formats too, one per annotator id.
    data, _, _ = _export(grown.researcher, grown.slug, "dpo", include_profiles=True)
    row = json.loads(data.splitlines()[0])
    assert row["metadata"]["profile"]["group"] in ("a", "b")


def test_tree_exports_refuse_item_options_and_filter_by_language(grown):
    for options in ({"aggregation": "majority"}, {"models": ["m"]}, {"min_agreement": 0.5}):
        refused = grown.researcher.post(
            f"/api/campaigns/{grown.slug}/exports", json={"format": "dpo", **options}
        )
        assert refused.status_code == 422, options
        assert "conversation-tree campaign" in refused.json()["error"]["message"]
    data, manifest, _ = _export(grown.researcher, grown.slug, "trees", languages=["xx"])
    assert data == b"" and manifest["counts"]["filtered_out"] == 1


def test_judgments_rows_are_every_review_and_ranking_as_submitted(grown, db):
    from prefhub.models import ConversationTree, TreeMessage, TreeRanking, TreeReview

    with db() as session:
        in_tree = (
            select(TreeMessage.id)
            .join(ConversationTree, ConversationTree.id == TreeMessage.tree_id)
            .where(ConversationTree.id == grown.tree_id)
        )
        reviews = {
            r.id: r
            for r in session.scalars(select(TreeReview).where(TreeReview.message_id.in_(in_tree)))
        }
        rankings = {
            r.id: r
            for r in session.scalars(select(TreeRanking).where(TreeRanking.parent_id.in_(in_tree)))
        }
        session.expunge_all()
    data, manifest, _ = _export(grown.researcher, grown.slug, "judgments")
    rows = [json.loads(line) for line in data.splitlines()]
    assert len(rows) == len(reviews) + len(rankings) == manifest["counts"]["rows"]
    for row in rows:
        kind, number = row["id"].split("-")
        assert row["kind"] == kind and row["tree_id"] == grown.tree_id
        assert row["annotator_id"].startswith("ann-")
        if kind == "review":
            review = reviews[int(number)]
            assert row["message_id"] == review.message_id
            assert row["answer"] == {"acceptable": review.acceptable, "labels": review.labels}
        else:
            ranking = rankings[int(number)]
            assert row["message_id"] == ranking.parent_id
            assert row["answer"] == {"ranking": ranking.tiers}
            assert sorted(row["shown_order"]) == sorted(i for t in ranking.tiers for i in t)
    # The rejected message's reviews are there, the one that rejected it among them.
    rejecting = [r for r in rows if r["message_id"] == grown.rejected_id and r["kind"] == "review"]
    assert any(r["answer"]["acceptable"] is False for r in rejecting)


def test_tree_formats_export_as_parquet_with_the_same_rows(grown):
    import pyarrow.parquet as pq

    from prefhub.exports.tasks import execute_export

    for fmt in ("trees", "dpo", "judgments", "annotators"):
        jsonl, _, _ = _export(grown.researcher, grown.slug, fmt)
        job = grown.researcher.post(
            f"/api/campaigns/{grown.slug}/exports", json={"format": fmt, "file_format": "parquet"}
        ).json()
        done = execute_export(job["id"])
        assert done is not None and done.status.value == "succeeded", done and done.error
        table = pq.read_table(Path(done.folder) / f"{fmt}.parquet")
        expected = [json.loads(line) for line in jsonl.splitlines()]
        assert table.num_rows == len(expected) > 0, fmt
        assert [r["id"] for r in table.to_pylist()] == [r["id"] for r in expected], fmt
