"""Pluralism: two groups of annotators with opposite preferences, who arrive through a crowd
link and answer a profile survey. Aggregation `none` keeps both groups' judgments with their
profiles, `majority` follows the larger group, a group filter returns only that group, and no
export file holds an e-mail or a crowd-platform id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from support.api import jsonl, judge_next

SURVEY = [
    {
        "id": "style",
        "prompt": "Which answers do you like?",
        "kind": "single_choice",
        "options": [
            {"id": "concise", "label": "Short and direct"},
            {"id": "thorough", "label": "Long and detailed"},
        ],
    },
    {"id": "age", "prompt": "Your age", "kind": "number", "min": 18, "max": 99},
]
SHORT, LONG = "Yes.", "Yes, and here is why, step by step, with every detail you could want."
ITEMS = 4


def _items() -> list[dict[str, Any]]:
    return [
        {
            "id": f"q{i}",
            "prompt": f"Is {i} a number?",
            "language": "en",
            "candidates": [
                {"content": SHORT, "model": "terse-model"},
                {"content": LONG, "model": "verbose-model"},
            ],
        }
        for i in range(ITEMS)
    ]


@pytest.fixture
def two_groups(as_user, new_client, unique):
    """Three 'concise' and two 'thorough' crowd annotators each judge every item."""
    researcher = as_user("researcher")
    slug = f"plural-{unique}"
    spec = {
        "name": f"Pluralism {unique}",
        "slug": slug,
        "redundancy": 5,
        "questions": [{"kind": "pairwise", "id": "preference", "prompt": "Which is better?"}],
        "participation": {
            "consent": "We keep your answers.",
            "survey": SURVEY,
            "crowd": {"target_count": ITEMS, "completion_code": "DONE-123"},
        },
    }
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(_items()), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text
    crowd_ids: list[str] = []
    for n, style in enumerate(["concise", "thorough", "concise", "thorough", "concise"]):
        link = {
            "PROLIFIC_PID": f"pid{unique}{n}x",
            "STUDY_ID": f"study{unique}",
            "SESSION_ID": f"sess{unique}{n}",
        }
        crowd_ids += list(link.values())
        person = new_client()
        assert person.post(f"/api/crowd/{slug}/enter", json={"params": link}).status_code == 200
        person.headers["X-CSRF-Token"] = person.cookies["prefhub_csrf"]
        base = f"/api/annotate/{slug}/participation"
        assert person.post(f"{base}/consent", json={"agree": True}).status_code == 200
        answers = {"style": style, "age": 20 + 10 * n}
        assert person.post(f"{base}/profile", json={"answers": answers}).status_code == 200
        wanted = SHORT if style == "concise" else LONG
        for _ in range(ITEMS):
            judge_next(person, slug, lambda task, wanted=wanted: _choose(task, wanted))
    return researcher, slug, crowd_ids


def _choose(task: dict, wanted: str) -> dict:
    label = next(c["label"] for c in task["candidates"] if c["content"][0]["text"] == wanted)
    return {"preference": {"choice": label}}


def _export(researcher, slug: str, **options) -> tuple[list[dict], dict, Path]:
    from prefhub.exports.tasks import execute_export

    body = {"format": "dpo", **options}
    created = researcher.post(f"/api/campaigns/{slug}/exports", json=body)
    assert created.status_code == 202, created.text
    job = execute_export(created.json()["id"])
    assert job is not None and job.status.value == "succeeded", job and job.error_message
    assert job.folder is not None
    folder = Path(job.folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    data = next(f["name"] for f in manifest["files"] if f["name"].startswith(body["format"]))
    if data.endswith(".parquet"):
        import pyarrow.parquet as pq

        rows = pq.read_table(folder / data).to_pylist()
    else:
        rows = [json.loads(line) for line in (folder / data).read_text().splitlines()]
    assert manifest["counts"]["rows"] == len(rows)
    return rows, manifest, folder


def _text(message_list: list[dict]) -> str:
    return message_list[0]["content"]


def test_none_keeps_both_groups_with_their_profiles(two_groups):
    researcher, slug, _ = two_groups
    rows, manifest, _ = _export(researcher, slug, include_profiles=True)
    assert len(rows) == 5 * ITEMS and manifest["aggregation"] == "none"
    for row in rows:
        style = row["metadata"]["profile"]["style"]
        assert _text(row["chosen"]) == (SHORT if style == "concise" else LONG)
    styles = [r["metadata"]["profile"]["style"] for r in rows]
    assert styles.count("concise") == 3 * ITEMS and styles.count("thorough") == 2 * ITEMS
    # Without the option, no profile leaves the database.
    plain, _, _ = _export(researcher, slug)
    assert all("profile" not in r["metadata"] for r in plain)


def test_majority_follows_the_larger_group_and_says_by_how_much(two_groups):
    researcher, slug, _ = two_groups
    rows, manifest, _ = _export(researcher, slug, aggregation="majority", include_profiles=True)
    assert len(rows) == ITEMS and manifest["aggregation"] == "majority"
    for row in rows:
        assert (_text(row["chosen"]), _text(row["rejected"])) == (SHORT, LONG)
        meta = row["metadata"]
        assert meta["votes"] == {"chosen": 3, "rejected": 2, "tie": 0}
        assert meta["agreement"] == pytest.approx(0.6) and len(meta["annotator_id"]) == 5
        assert sorted(p["style"] for p in meta["profile"]) == ["concise"] * 3 + ["thorough"] * 2
    # Bradley-Terry and ranked pairs agree here; reward rows carry Bradley-Terry's margin.
    reward, _, _ = _export(researcher, slug, format="reward", aggregation="bradley_terry")
    assert len(reward) == ITEMS and all(r["margin"] > 0 for r in reward)
    assert all(r["chosen"][-1]["content"] == SHORT for r in reward)
    # Agreement is 3/5 everywhere: a 0.7 threshold drops every item.
    dropped, manifest, _ = _export(researcher, slug, aggregation="majority", min_agreement=0.7)
    assert dropped == [] and manifest["counts"]["items_dropped"] == {"low_agreement": ITEMS}


def test_a_group_filter_returns_only_that_group(two_groups):
    researcher, slug, _ = two_groups
    groups = {"style": ["thorough"]}
    rows, manifest, _ = _export(researcher, slug, annotator_groups=groups)
    assert len(rows) == 2 * ITEMS and {_text(r["chosen"]) for r in rows} == {LONG}
    assert manifest["counts"]["filtered_out_by"] == {"annotator_groups": 3 * ITEMS}
    assert manifest["filters"]["annotator_groups"] == groups
    # Within the group, the majority is the group's own preference.
    rows, _, _ = _export(researcher, slug, annotator_groups=groups, aggregation="majority")
    assert [(_text(r["chosen"]), r["metadata"]["votes"]["chosen"]) for r in rows] == [
        (LONG, 2)
    ] * ITEMS
    # Numbers match as their text; several questions must all match.
    rows, _, _ = _export(
        researcher, slug, annotator_groups={"age": ["20", "40"], "style": ["concise"]}
    )
    assert len(rows) == 2 * ITEMS


def test_annotators_rows_give_counts_reliability_and_profiles_only_on_request(two_groups):
    researcher, slug, _ = two_groups
    rows, _, _ = _export(researcher, slug, format="annotators")
    assert len(rows) == 5 and all("profile" not in r for r in rows)
    assert all(r["judgments"] == ITEMS and r["id"].startswith("ann-") for r in rows)
    rows, _, _ = _export(researcher, slug, format="annotators", include_profiles=True)
    by_style: dict[str, list[dict]] = {}
    for row in rows:
        by_style.setdefault(row["profile"]["style"], []).append(row)
    # A 'thorough' annotator is outvoted 3 to 1 by the others on every item; a 'concise' one
    # sees the others split 2 to 2, with no plurality to side with.
    assert [r["reliability"] for r in by_style["thorough"]] == [0.0, 0.0]
    assert [(r["reliability"], r["pairs_compared"]) for r in by_style["concise"]] == [(None, 0)] * 3


def test_no_export_file_holds_an_email_or_a_crowd_platform_id(two_groups):
    researcher, slug, crowd_ids = two_groups
    from prefhub.kit.db import unit_of_work
    from prefhub.models import User

    with unit_of_work() as session:
        emails = [e for (e,) in session.query(User.email).filter(User.email.is_not(None))]
    folders = [
        _export(researcher, slug, **options)[2]
        for options in (
            {"include_profiles": True},
            {"format": "judgments", "include_profiles": True},
            {"format": "annotators", "include_profiles": True, "file_format": "parquet"},
            {"aggregation": "majority", "include_profiles": True},
        )
    ]
    assert emails and crowd_ids
    for folder in folders:
        files = [p for p in folder.rglob("*") if p.is_file()]
        assert {p.name for p in files} >= {"manifest.json", "README.md", "croissant.json"}
        for path in files:
            content = path.read_bytes()
            for secret in [*emails, *crowd_ids]:
                assert secret.encode() not in content, f"{secret} in {path.name}"


def test_the_dataset_card_summarises_who_the_annotators_are(two_groups):
    import yaml

    researcher, slug, _ = two_groups
    _, manifest, folder = _export(researcher, slug, file_format="parquet")
    card = (folder / "README.md").read_text()
    front = yaml.safe_load(card.split("---")[1])
    assert front["configs"][0]["data_files"][0]["path"] == "dpo.parquet"
    assert front["annotations_creators"] == ["crowdsourced"]
    # Small cells are suppressed when profiles are not in the rows.
    assert manifest["demographics"]["style"]["counts"] == {
        "Short and direct": "<5",
        "Long and detailed": "<5",
    }
    assert manifest["annotators_per_item"]["histogram"] == {"5": ITEMS}
    assert "Short and direct" in card and "Who the annotators are" in card
    names = {f["name"] for f in manifest["files"]}
    assert names == {"dpo.parquet", "README.md", "croissant.json"}
    # The Croissant description points at the data file by its checksum, with the annotators.
    described = json.loads((folder / "croissant.json").read_text())
    data = next(f for f in manifest["files"] if f["name"] == "dpo.parquet")
    (file_object,) = [d for d in described["distribution"] if d["@id"] == "dpo.parquet"]
    assert file_object["sha256"] == data["sha256"]
    assert file_object["encodingFormat"] == "application/x-parquet"
    assert described["rai:annotationsPerItem"].startswith("min 5, median 5, max 5")


def test_annotators_export_describes_the_same_annotators_as_the_judgment_rows(two_groups):
    researcher, slug, _ = two_groups
    _, rows_manifest, _ = _export(researcher, slug)
    _, annotators_manifest, _ = _export(researcher, slug, format="annotators")
    assert annotators_manifest["demographics"]["style"]["answered"] == 5
    assert annotators_manifest["demographics"] == rows_manifest["demographics"]


def test_cli_export_takes_groups_aggregation_and_parquet(two_groups, tmp_path):
    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    from prefhub.cli import app

    _, slug, _ = two_groups
    out = tmp_path / "thorough"
    args = ["export", slug, "--out", str(out), "--group", "style=thorough"]
    args += ["--aggregation", "majority", "--parquet", "--profiles"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = pq.read_table(out / "dpo.parquet").to_pylist()
    assert len(rows) == ITEMS and {r["chosen"][0]["content"] for r in rows} == {LONG}
    assert all(len(r["metadata"]["profile"]) == 2 for r in rows)
    bad = CliRunner().invoke(app, ["export", slug, "--out", str(tmp_path / "x"), "--group", "x"])
    assert bad.exit_code != 0 and "QUESTION=VALUE" in bad.output


@pytest.mark.parametrize("file_format", ["jsonl", "parquet"])
def test_aggregated_rows_and_annotators_load_with_datasets_and_trl(two_groups, file_format):
    import datasets

    from support.trl import render_conversational

    researcher, slug, _ = two_groups
    for fmt, aggregation in [
        ("dpo", "majority"),
        ("reward", "bradley_terry"),
        ("ranking", "ranked_pairs"),
        ("kto", "majority"),
        ("annotators", "none"),
    ]:
        options = {"format": fmt, "aggregation": aggregation, "file_format": file_format}
        rows, manifest, folder = _export(
            researcher, slug, kto_from_preferences=True, include_profiles=True, **options
        )
        data = folder / manifest["files"][0]["name"]
        builder = "parquet" if file_format == "parquet" else "json"
        loaded = datasets.load_dataset(builder, data_files=str(data), split="train")
        assert len(loaded) == len(rows) > 0, fmt
        assert {"id", "campaign", "metadata"} <= set(loaded.column_names), fmt
        if fmt == "dpo":
            for example in loaded:
                render_conversational({k: example[k] for k in ("prompt", "chosen", "rejected")})
        if fmt == "kto":
            assert sorted(loaded["label"]) == [False] * ITEMS + [True] * ITEMS
            render_conversational({k: loaded[0][k] for k in ("prompt", "completion", "label")})
        if fmt == "reward":
            assert all(m > 0 for m in loaded["margin"])
        if fmt == "ranking":
            assert loaded[0]["ranks"] == [0, 1]
