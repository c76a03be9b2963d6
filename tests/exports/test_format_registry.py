"""An export format is one registry entry (prefhub.exports.registry): validation, the writers,
the dataset card, Croissant, the CLI and ``GET /api/exports/formats`` all read it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.api import create_campaign_with_items, judge_next


def _toy_rows(setup: Any) -> Any:
    """A writer that gives one row per judgment: the choice made and the shown order."""

    class ToyWriter:
        question_kinds = setup.question_kinds

        def rows(self, record: Any) -> Iterator[dict[str, Any]]:
            answer = record.answers.get("preference", {})
            yield {
                "id": f"toy{record.judgment_id}",
                "campaign": setup.campaign_slug,
                "verdict": answer.get("choice"),
                "shown": record.shown_order,
                "metadata": {"annotator_id": record.annotator_pseudonym},
            }

    return ToyWriter()


@pytest.fixture
def toy_format() -> Iterator[str]:
    """A format registered by this test alone: no file of prefhub names it."""
    from prefhub.exports import registry

    registry.register(
        registry.ExportFormat(
            name="toy",
            title="Toy (a verdict per judgment)",
            description="What each annotator chose, for this test.",
            writers={"item": _toy_rows},
            columns=(
                registry.Column("verdict", "text", "the choice made"),
                registry.Column("shown", "integer", "candidate ids as shown", repeated=True),
            ),
            row_grain="one row per judgment",
            trainer="`ToyTrainer`",
            options=("include_profiles",),
            tags=("toy",),
        )
    )
    yield "toy"
    registry.unregister("toy")


@pytest.fixture
def judged(as_user, unique):
    researcher = as_user("researcher")
    slug = f"toy-{unique}"
    create_campaign_with_items(researcher, slug, n_items=2, redundancy=1)
    annotator = as_user()
    for choice in ("A", "B"):
        judge_next(annotator, slug, {"preference": {"choice": choice}})
    return researcher, slug


def test_a_format_registered_in_one_place_reaches_the_cli_api_card_and_croissant(
    toy_format, judged, db, tmp_path: Path
):
    from typer.testing import CliRunner

    from prefhub.campaigns.service import get_by_slug
    from prefhub.cli.main import app
    from prefhub.exports.schemas import ExportOptions
    from prefhub.exports.service import write_export

    researcher, slug = judged
    listed = CliRunner().invoke(app, ["exports", "formats"])
    assert listed.exit_code == 0 and "toy  [item]  Toy (a verdict per judgment)" in listed.output
    refused = CliRunner().invoke(app, ["export", slug, "--out", str(tmp_path), "--format", "x"])
    assert refused.exit_code != 0 and "toy" in refused.output

    formats = researcher.get("/api/exports/formats")
    assert formats.status_code == 200
    (toy,) = [f for f in formats.json()["formats"] if f["name"] == "toy"]
    assert toy["campaign_kinds"] == ["item"] and toy["aggregates"] is False
    assert [c["name"] for c in toy["columns"]] == ["id", "campaign", "verdict", "shown", "metadata"]
    assert toy["columns"][3] == {
        "name": "shown",
        "type": "integer",
        "description": "candidate ids as shown",
        "repeated": True,
        "fields": [],
    }
    assert [o["name"] for o in toy["options"]] == ["include_profiles"]

    with db() as session:
        folder = tmp_path / "toy-export"
        manifest = write_export(
            session, get_by_slug(session, slug), ExportOptions(format="toy"), folder
        )
    rows = [json.loads(line) for line in (folder / "toy.jsonl").read_text().splitlines()]
    assert sorted(row["verdict"] for row in rows) == ["A", "B"]
    assert manifest["counts"]["rows"] == 2
    card = (folder / "README.md").read_text()
    assert "| `verdict` | the choice made |" in card
    assert "One row per judgment." in card and "`ToyTrainer`" in card
    assert "- toy\n" in card.split("---")[1]  # a tag in the YAML header
    croissant = json.loads((folder / "croissant.json").read_text())
    fields = {f["name"]: f for f in croissant["recordSet"][0]["field"]}
    assert fields["shown"]["dataType"] == "sc:Integer" and fields["shown"]["repeated"] is True
    assert fields["verdict"]["dataType"] == "sc:Text"
    assert "toy" in croissant["keywords"]

    # The CLI writes it too, by the same registry.
    out = tmp_path / "toy-cli"
    written = CliRunner().invoke(app, ["export", slug, "--out", str(out), "--format", "toy"])
    assert written.exit_code == 0, written.output
    assert (out / "toy.jsonl").read_bytes() == (folder / "toy.jsonl").read_bytes()


def test_a_format_refuses_the_campaign_kinds_it_has_no_writer_for(toy_format, as_user, unique):
    """The toy format has no tree writer: a tree campaign is refused before any work."""
    from trees.conftest import tree_spec

    researcher = as_user("researcher")
    slug = f"toy-tree-{unique}"
    assert researcher.post("/api/campaigns", json=tree_spec(slug)).status_code == 201
    refused = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "toy"})
    assert refused.status_code == 422
    assert "need a conversation-tree campaign" not in refused.text
    assert "conversation-tree campaigns export as trees, dpo, judgments" in refused.text


def test_unknown_formats_are_refused_naming_the_registered_ones(as_user, unique):
    researcher = as_user("researcher")
    slug = f"fmt-{unique}"
    create_campaign_with_items(researcher, slug, n_items=1, redundancy=1)
    refused = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "sft"})
    assert refused.status_code == 422
    assert "unknown format" in refused.text and "annotators" in refused.text


def test_the_format_list_serves_each_format_its_kinds_columns_and_options(as_user):
    formats = {
        f["name"]: f for f in as_user("researcher").get("/api/exports/formats").json()["formats"]
    }
    tree_formats = [
        name for name, f in formats.items() if "conversation-tree" in f["campaign_kinds"]
    ]
    assert tree_formats == ["trees", "dpo", "judgments", "kto", "ranking", "annotators"]
    item_formats = [name for name, f in formats.items() if "item" in f["campaign_kinds"]]
    assert item_formats[0] == "dpo" and "trees" not in item_formats
    assert {n for n, f in formats.items() if f["aggregates"]} == {"dpo", "reward", "ranking", "kto"}
    judgments = formats["judgments"]
    assert "created_at" in [c["name"] for c in judgments["tree_columns"]]
    assert next(c for c in judgments["columns"] if c["name"] == "created_at")["type"] == "date_time"
    tree = next(c for c in formats["trees"]["columns"] if c["name"] == "prompt")
    assert tree["type"] == "record" and "replies" in [f["name"] for f in tree["fields"]]
    assert "kto_from_preferences" in [o["name"] for o in formats["kto"]["options"]]
    assert formats["dpo"]["trainer"].startswith("`DPOTrainer`")
