"""Simulated work in conversation-tree exports is left out a whole tree at a time.

A tree's prompts, replies, reviews and rankings build on each other, so a tree a simulated
annotator (``prefhub simulate``) wrote, reviewed or ranked in is left out of the exports of a
campaign that also has human work, unless ``include_simulated``; a campaign with only simulated
work exports it all, and says so.

The campaign: three people grow the first tree to ready_for_export; a fourth person writes the
second tree's prompt; simulated annotators then review it, grow it, and grow a third tree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from trees.conftest import tree_spec, work

TREE_FORMATS = ("trees", "dpo", "judgments", "annotators")


@dataclass
class MixedTrees:
    researcher: Any
    slug: str
    human_tree: int  # grown by people only
    ready_trees: set[int]  # every tree ready for export
    people: list[int]  # who grew the human tree
    prompt_writer: int  # wrote the prompt of a tree simulated annotators grew


def _tree_state(researcher, tree_id: int) -> str:  # type: ignore[no-untyped-def]
    return str(researcher.get(f"/api/trees/{tree_id}").json()["state"])


def _ready_trees(db, slug: str) -> set[int]:  # type: ignore[no-untyped-def]
    from prefhub.models import Campaign, ConversationTree, TreeState

    with db() as session:
        return set(
            session.scalars(
                select(ConversationTree.id)
                .join(Campaign, Campaign.id == ConversationTree.campaign_id)
                .where(Campaign.slug == slug, ConversationTree.state == TreeState.ready_for_export)
            )
        )


@pytest.fixture
def mixed_trees(as_user, unique, db) -> MixedTrees:  # type: ignore[no-untyped-def]
    from prefhub.simulation.service import simulate

    researcher = as_user("researcher")
    slug = f"sim-trees-{unique}"
    created = researcher.post("/api/campaigns", json=tree_spec(slug, max_trees=3))
    assert created.status_code == 201, created.text
    people = [as_user() for _ in range(3)]
    first = work(people[0], slug)
    assert first is not None and first["kind"] == "initial_prompt"
    human_tree = first["result"]["tree_id"]
    turns = (person for _ in range(60) for person in people)
    while _tree_state(researcher, human_tree) != "ready_for_export":
        work(next(turns), slug)
    prompt_writer = as_user()
    started = work(prompt_writer, slug)
    assert started is not None and started["kind"] == "initial_prompt"
    mixed_tree = started["result"]["tree_id"]
    result = simulate(slug, annotators=3, judgments=300, seed=2)
    assert result.exhausted, "the simulated annotators left work undone"
    ready = _ready_trees(db, slug)
    # The scenario holds: the human tree, the tree people and simulated annotators shared, and
    # a tree of simulated annotators only.
    assert human_tree in ready and mixed_tree in ready and len(ready) == 3, ready
    return MixedTrees(
        researcher,
        slug,
        human_tree,
        ready,
        [p.user_id for p in people],
        prompt_writer.user_id,
    )


def _export(researcher, slug: str, fmt: str, **options: Any) -> tuple[list[dict], dict, Path]:  # type: ignore[no-untyped-def]
    """Run an export job; its rows, manifest and folder."""
    from prefhub.exports.tasks import execute_export

    created = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": fmt, **options})
    assert created.status_code == 202, created.text
    job = execute_export(created.json()["id"])
    assert job is not None and job.folder, job and job.error_message
    folder = Path(job.folder)
    lines = (folder / f"{fmt}.jsonl").read_text().splitlines()
    return (
        [json.loads(line) for line in lines],
        json.loads((folder / "manifest.json").read_text()),
        folder,
    )


def _tree_of(row: dict[str, Any]) -> int:
    """The tree a row comes from (the annotators format's rows name none)."""
    return int(row["tree_id"] if "tree_id" in row else row["metadata"]["tree_id"])


def _message_ids(db, tree_ids: set[int]) -> set[int]:  # type: ignore[no-untyped-def]
    from prefhub.models import TreeMessage

    with db() as session:
        return set(session.scalars(select(TreeMessage.id).where(TreeMessage.tree_id.in_(tree_ids))))


def _node_ids(node: dict[str, Any]) -> list[int]:
    return [node["message_id"], *(i for reply in node["replies"] for i in _node_ids(reply))]


def test_trees_simulated_annotators_took_part_in_are_left_out_of_a_human_campaign(mixed_trees, db):
    from prefhub.exports.pseudonyms import Pseudonymizer

    left_out = len(mixed_trees.ready_trees) - 1
    human_messages = _message_ids(db, {mixed_trees.human_tree})
    pseudonym = Pseudonymizer("")
    people = set(map(pseudonym, mixed_trees.people))
    for fmt in TREE_FORMATS:
        rows, manifest, folder = _export(mixed_trees.researcher, mixed_trees.slug, fmt)
        said = f"{fmt}: {manifest['counts']}"
        # dpo rows need a ranked set of assistant replies, which the human tree may not have.
        assert rows or fmt == "dpo", said
        if fmt != "annotators":
            assert {_tree_of(row) for row in rows} <= {mixed_trees.human_tree}, said
        annotators = {a for row in rows for a in _annotator_ids(row)}
        # Only the people of the human tree have rows: not the simulated annotators, nor the
        # person whose only work is the prompt of a left-out tree.
        assert annotators <= people and pseudonym(mixed_trees.prompt_writer) not in annotators
        assert not any(row["metadata"]["simulated"] for row in rows), said
        counts = manifest["counts"]
        assert counts["trees_in_states"] == len(mixed_trees.ready_trees), said
        assert counts["trees"] == 1 and counts["filtered_out"] == left_out, said
        assert counts["filtered_out_by"] == {"simulated": left_out}, said
        assert counts["annotators"] == len(annotators), said
        assert counts["annotators_by_source"] == {
            "invited": len(annotators),
            "crowd": 0,
            "simulated": 0,
        }, said
        assert manifest["synthetic"] == {
            "policy": "excluded",
            "annotators": 0,
            "rows": 0,
            "left_out": left_out,
        }, said
        card = (folder / "README.md").read_text()
        assert (
            f"{left_out} trees with simulated contributions (`prefhub simulate`) were left out"
            in card
        ), said
        assert "rerun with --include-simulated to keep them, marked" in card
        assert "Human feedback collected" in card and "synthetic" not in card.split("---")[1]
        croissant = json.loads((folder / "croissant.json").read_text())
        assert f"{left_out} trees with simulated contributions" in croissant["description"]
        if fmt == "trees":
            exported = {i for row in rows for i in _node_ids(row["prompt"])}
            assert exported and exported <= human_messages

    # A language no tree has: each tree counts for the first filter that leaves it out.
    rows, manifest, folder = _export(
        mixed_trees.researcher, mixed_trees.slug, "trees", languages=["xx"]
    )
    assert rows == []
    assert manifest["counts"]["filtered_out_by"] == {"simulated": left_out, "languages": 1}
    assert manifest["counts"]["filtered_out"] == len(mixed_trees.ready_trees)
    assert "the filters left out every tree" in (folder / "README.md").read_text()


def test_a_simulated_review_of_a_message_the_export_hides_still_leaves_its_tree_out(
    mixed_trees, db
):
    """A review shapes what a tree shows (and the judgments format exports it) even when the
    message it reviewed is hidden now."""
    from prefhub.models import TreeMessage, TreeReview, User

    with db() as session:
        deepest = session.scalars(
            select(TreeMessage.id)
            .where(TreeMessage.tree_id == mixed_trees.human_tree)
            .order_by(TreeMessage.depth.desc(), TreeMessage.id)
        ).first()
        # One of this campaign's simulated annotators: an author in the other trees.
        simulated = session.scalars(
            select(User.id)
            .join(TreeMessage, TreeMessage.author_id == User.id)
            .where(
                User.is_synthetic.is_(True),
                TreeMessage.tree_id.in_(mixed_trees.ready_trees - {mixed_trees.human_tree}),
            )
        ).first()
        assert simulated is not None
    deleted = mixed_trees.researcher.delete(f"/api/tree-messages/{deepest}")
    assert deleted.status_code == 200, deleted.text
    with db() as session:
        session.add(TreeReview(message_id=deepest, annotator_id=simulated, acceptable=True))
    rows, manifest, folder = _export(mixed_trees.researcher, mixed_trees.slug, "judgments")
    every_tree = len(mixed_trees.ready_trees)
    assert rows == [] and manifest["synthetic"]["policy"] == "excluded"
    assert manifest["counts"]["filtered_out_by"] == {"simulated": every_tree}
    assert "the filters left out every tree (`simulated`" in (folder / "README.md").read_text()


def test_include_simulated_keeps_those_trees_marked(mixed_trees):
    from prefhub.exports.pseudonyms import Pseudonymizer

    pseudonym = Pseudonymizer("")
    rows, manifest, folder = _export(
        mixed_trees.researcher, mixed_trees.slug, "trees", include_simulated=True
    )
    simulated = {_tree_of(row): row["metadata"]["simulated"] for row in rows}
    assert set(simulated) == mixed_trees.ready_trees
    # Simulated annotators wrote in every tree but the human one.
    assert {tree for tree, marked in simulated.items() if not marked} == {mixed_trees.human_tree}
    synthetic = manifest["synthetic"]
    assert synthetic["policy"] == "included" and synthetic["left_out"] == 0
    assert synthetic["rows"] == len(mixed_trees.ready_trees) - 1
    assert synthetic["annotators"] == manifest["counts"]["annotators_by_source"]["simulated"] > 0
    assert manifest["counts"]["filtered_out"] == 0 and manifest["counts"]["filtered_out_by"] == {}
    card = (folder / "README.md").read_text()
    assert "Human and simulated feedback collected" in card
    assert "kept by include_simulated" in card

    rows, manifest, _ = _export(
        mixed_trees.researcher, mixed_trees.slug, "judgments", include_simulated=True
    )
    assert {_tree_of(row) for row in rows} == mixed_trees.ready_trees
    # Each review and ranking is marked by who made it.
    marked = {row["annotator_id"]: row["metadata"]["simulated"] for row in rows}
    assert marked and all(
        marked[p] is False for p in map(pseudonym, mixed_trees.people) if p in marked
    )
    assert sum(marked.values()) == manifest["synthetic"]["annotators"] > 0
    assert sum(row["metadata"]["simulated"] for row in rows) == manifest["synthetic"]["rows"]


def test_a_campaign_with_only_simulated_trees_exports_them_all(as_user, unique, db):
    from prefhub.simulation.service import simulate

    researcher = as_user("researcher")
    slug = f"sim-only-trees-{unique}"
    created = researcher.post("/api/campaigns", json=tree_spec(slug, max_trees=2))
    assert created.status_code == 201, created.text
    assert simulate(slug, annotators=3, judgments=300, seed=2).exhausted
    ready = _ready_trees(db, slug)
    assert ready
    rows, manifest, folder = _export(researcher, slug, "trees")
    assert {_tree_of(row) for row in rows} == ready
    assert all(row["metadata"]["simulated"] for row in rows)
    assert manifest["synthetic"]["policy"] == "only_simulated"
    assert manifest["synthetic"]["left_out"] == 0 and manifest["counts"]["filtered_out"] == 0
    assert manifest["counts"]["annotators_by_source"]["invited"] == 0
    assert "Simulated feedback (no person made it)" in (folder / "README.md").read_text()


def _annotator_ids(row: dict[str, Any]) -> list[str]:
    ids = row["metadata"]["annotator_id"]
    return [ids] if isinstance(ids, str) else list(ids)
