"""Excluded annotators in conversation-tree exports: as a tree's messages, reviews and rankings
build on each other, the trees an excluded annotator took part in are left out whole (of every
format but ``judgments``, which keeps and marks their reviews and rankings) unless
``include_excluded``; flagged annotators' trees stay in.

Three people grow the first tree to ready_for_export, three others the second; then one of the
second group is excluded by a researcher and one of the first is flagged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from support.standings import flat, pseudonym, set_standing
from trees.conftest import tree_spec, work

REASON = "wrote replies copied from elsewhere"


@dataclass
class TwoTrees:
    researcher: Any
    slug: str
    kept_tree: int  # grown by the first group (one of them flagged)
    left_tree: int  # grown by the second group (one of them excluded)
    excluded: int
    flagged: int


def _grow(as_user, researcher, slug: str) -> tuple[int, list[int]]:  # type: ignore[no-untyped-def]
    """Three fresh people grow the next tree to ready_for_export: its id and theirs."""
    people = [as_user() for _ in range(3)]
    first = work(people[0], slug)
    assert first is not None and first["kind"] == "initial_prompt", first
    tree_id = int(first["result"]["tree_id"])
    turns = (person for _ in range(60) for person in people)
    while researcher.get(f"/api/trees/{tree_id}").json()["state"] != "ready_for_export":
        work(next(turns), slug)
    return tree_id, [person.user_id for person in people]


@pytest.fixture
def two_trees(as_user, unique, db) -> TwoTrees:  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"excluded-trees-{unique}"
    created = researcher.post("/api/campaigns", json=tree_spec(slug, max_trees=2))
    assert created.status_code == 201, created.text
    kept_tree, first_group = _grow(as_user, researcher, slug)
    left_tree, second_group = _grow(as_user, researcher, slug)
    # One of each group who reviewed a message: the judgments format has rows of theirs.
    excluded, flagged = _a_reviewer(db, left_tree), _a_reviewer(db, kept_tree)
    assert excluded in second_group and flagged in first_group
    set_standing(db, slug, excluded, "excluded", "researcher", REASON)
    set_standing(db, slug, flagged, "flagged", "rule", "fast")
    return TwoTrees(researcher, slug, kept_tree, left_tree, excluded, flagged)


def _a_reviewer(db, tree_id: int) -> int:  # type: ignore[no-untyped-def]
    from prefhub.models import TreeMessage, TreeReview

    with db() as session:
        found = session.scalar(
            select(TreeReview.annotator_id)
            .join(TreeMessage, TreeMessage.id == TreeReview.message_id)
            .where(TreeMessage.tree_id == tree_id)
            .order_by(TreeReview.id)
            .limit(1)
        )
    assert found is not None, f"no review in tree {tree_id}"
    return int(found)


def _export(trees: TwoTrees, fmt: str, **options: Any) -> tuple[list[dict], dict, str]:
    from prefhub.exports.tasks import execute_export

    created = trees.researcher.post(
        f"/api/campaigns/{trees.slug}/exports", json={"format": fmt, **options}
    )
    assert created.status_code == 202, created.text
    job = execute_export(created.json()["id"])
    assert job is not None and job.folder, job and job.error_message
    folder = Path(job.folder)
    rows = [json.loads(line) for line in (folder / f"{fmt}.jsonl").read_text().splitlines()]
    manifest = json.loads((folder / "manifest.json").read_text())
    return rows, manifest, (folder / "README.md").read_text()


def _tree_ids(rows: list[dict]) -> set[int]:
    # A trees row names its tree in a column, a judgments row in its metadata.
    return {int(row["tree_id"] if "tree_id" in row else row["metadata"]["tree_id"]) for row in rows}


def test_trees_an_excluded_annotator_took_part_in_are_left_out_unless_asked(two_trees):
    rows, manifest, card = _export(two_trees, "trees")
    assert _tree_ids(rows) == {two_trees.kept_tree}
    assert manifest["counts"]["filtered_out_by"] == {"excluded": 1}
    assert manifest["excluded"] == {
        "policy": "left_out",
        "annotators": 1,
        "by_source": {"researcher": 1},
        "reasons": {"researcher": [REASON]},
        "trees": 1,
    }
    assert (
        f"1 annotator was excluded: 1 by a researcher ({REASON}); 1 tree they took part in was "
        "left out (include_excluded: false"
    ) in flat(card)

    rows, manifest, card = _export(two_trees, "trees", include_excluded=True)
    assert _tree_ids(rows) == {two_trees.kept_tree, two_trees.left_tree}
    assert manifest["counts"]["filtered_out_by"] == {}
    assert manifest["excluded"]["policy"] == "included"
    assert "the trees they took part in are included (include_excluded: true)" in flat(card)


def test_tree_judgments_keep_and_mark_excluded_and_flagged_annotators(two_trees):
    rows, manifest, _ = _export(two_trees, "judgments")
    assert _tree_ids(rows) == {two_trees.kept_tree, two_trees.left_tree}
    standing = {}
    for row in rows:
        standing.setdefault(row["annotator_id"], set()).add(row["metadata"].get("standing"))
    assert standing[pseudonym(two_trees.excluded)] == {"excluded"}
    assert standing[pseudonym(two_trees.flagged)] == {"flagged"}
    others = set(standing) - {pseudonym(two_trees.excluded), pseudonym(two_trees.flagged)}
    assert others and all(standing[other] == {None} for other in others)
    excluded_rows = [r for r in rows if r["annotator_id"] == pseudonym(two_trees.excluded)]
    assert excluded_rows[0]["metadata"]["standing_reason"] == REASON
    assert manifest["excluded"]["policy"] == "marked"
    assert manifest["excluded"]["rows"] == len(excluded_rows)
