"""Excluded annotators in exports: their judgments stay in ``judgments`` exports, marked, and are
left out of the other formats unless ``include_excluded``; flagged annotators stay in; the
manifest, card and Croissant say how many were excluded, by whom and why.

Six people judge every item of a pairwise campaign; then one is excluded by a quality rule, one
by a researcher (standing written on their participant rows, as the rules and the researcher's
action do), and one is flagged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support.api import create_campaign_with_items, judge_next
from support.standings import flat, pseudonym, set_standing

ITEMS = 5
RULE_REASON = "gold accuracy 0.42 < 0.6 after 12 gold items"
RESEARCHER_REASON = "clicked A on every task"
FLAG_REASON = "median time 900 ms, fastest 2%"


@dataclass
class Campaign:
    researcher: Any
    slug: str
    excluded_by_rule: int
    excluded_by_researcher: int
    flagged: int
    others: list[int]


@pytest.fixture
def campaign(as_user, unique, db) -> Campaign:  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"excluded-{unique}"
    create_campaign_with_items(researcher, slug, ITEMS, redundancy=6)
    people = [as_user() for _ in range(6)]
    for n, person in enumerate(people):
        for _ in range(ITEMS):
            judge_next(person, slug, {"preference": {"choice": "B" if n == 0 else "A"}})
    ids = [person.user_id for person in people]
    set_standing(db, slug, ids[0], "excluded", "rule", RULE_REASON)
    set_standing(db, slug, ids[1], "excluded", "researcher", RESEARCHER_REASON)
    set_standing(db, slug, ids[2], "flagged", "rule", FLAG_REASON)
    return Campaign(researcher, slug, ids[0], ids[1], ids[2], ids[3:])


def _export(campaign: Campaign, **options: Any) -> tuple[list[dict], dict, str, dict]:
    return _folder(_export_folder(campaign, **options), options["format"])


def _export_folder(campaign: Campaign, **options: Any) -> Path:
    from prefhub.exports.tasks import execute_export

    created = campaign.researcher.post(f"/api/campaigns/{campaign.slug}/exports", json=options)
    assert created.status_code == 202, created.text
    assert created.json()["options"]["include_excluded"] is options.get("include_excluded", False)
    job = execute_export(created.json()["id"])
    assert job is not None and job.folder, job and job.error_message
    return Path(job.folder)


def _folder(folder: Path, fmt: str) -> tuple[list[dict], dict, str, dict]:
    rows = [json.loads(line) for line in (folder / f"{fmt}.jsonl").read_text().splitlines()]
    manifest = json.loads((folder / "manifest.json").read_text())
    croissant = json.loads((folder / "croissant.json").read_text())
    return rows, manifest, (folder / "README.md").read_text(), croissant


def _annotators(rows: list[dict]) -> set[str]:
    return {row["metadata"]["annotator_id"] for row in rows}


@pytest.mark.parametrize(
    ("fmt", "extra"),
    [("dpo", {}), ("kto", {"kto_from_preferences": True}), ("reward", {})],
)
def test_excluded_annotators_are_left_out_of_training_formats_and_flagged_ones_stay(
    campaign, fmt, extra
):
    rows, manifest, card, croissant = _export(campaign, format=fmt, **extra)
    excluded = {pseudonym(campaign.excluded_by_rule), pseudonym(campaign.excluded_by_researcher)}
    kept = {pseudonym(campaign.flagged), *map(pseudonym, campaign.others)}
    assert _annotators(rows) == kept
    # Training rows carry no standing unless include_excluded kept an excluded annotator.
    assert not any("standing" in row["metadata"] for row in rows)
    assert manifest["options"]["include_excluded"] is False
    assert manifest["counts"]["filtered_out_by"] == {"excluded": 2 * ITEMS}
    assert manifest["counts"]["judgments"] == 4 * ITEMS
    assert manifest["excluded"] == {
        "policy": "left_out",
        "annotators": 2,
        "by_source": {"researcher": 1, "rule": 1},
        "reasons": {"researcher": [RESEARCHER_REASON], "rule": [RULE_REASON]},
        "judgments": 2 * ITEMS,
    }
    said = (
        f"2 annotators were excluded: 1 by quality rules ({RULE_REASON}), 1 by a researcher "
        f"({RESEARCHER_REASON}); {2 * ITEMS} of their judgments were left out "
        "(include_excluded: false"
    )
    assert said in flat(card)
    assert said in croissant["description"]

    rows, manifest, card, croissant = _export(campaign, format=fmt, include_excluded=True, **extra)
    assert _annotators(rows) == kept | excluded
    for row in rows:
        marked = row["metadata"].get("standing")
        annotator = row["metadata"]["annotator_id"]
        assert marked == ("excluded" if annotator in excluded else None), row
    by_researcher = next(
        r
        for r in rows
        if r["metadata"]["annotator_id"] == pseudonym(campaign.excluded_by_researcher)
    )
    assert by_researcher["metadata"]["standing_source"] == "researcher"
    assert by_researcher["metadata"]["standing_reason"] == RESEARCHER_REASON
    assert manifest["options"]["include_excluded"] is True
    assert manifest["counts"]["filtered_out_by"] == {}
    assert manifest["excluded"]["policy"] == "included"
    assert manifest["excluded"]["judgments"] == 2 * ITEMS
    assert (
        f"their {2 * ITEMS} judgments are included (include_excluded: true) and "
        "`metadata.standing` marks their rows"
    ) in flat(card)


def test_judgments_exports_keep_excluded_and_flagged_annotators_marked(campaign):
    rows, manifest, card, _ = _export(campaign, format="judgments")
    assert len(rows) == 6 * ITEMS
    marks = {
        row["metadata"]["annotator_id"]: {
            k: row["metadata"].get(k) for k in ("standing", "standing_source", "standing_reason")
        }
        for row in rows
    }
    assert marks[pseudonym(campaign.excluded_by_rule)] == {
        "standing": "excluded",
        "standing_source": "rule",
        "standing_reason": RULE_REASON,
    }
    assert marks[pseudonym(campaign.excluded_by_researcher)]["standing"] == "excluded"
    assert marks[pseudonym(campaign.flagged)] == {
        "standing": "flagged",
        "standing_source": "rule",
        "standing_reason": FLAG_REASON,
    }
    for other in campaign.others:  # "ok": no standing keys at all
        assert not any(
            "standing" in r["metadata"] for r in rows if r["annotator_id"] == pseudonym(other)
        )
    assert manifest["counts"]["filtered_out_by"] == {}
    assert manifest["excluded"]["policy"] == "marked"
    assert manifest["excluded"]["judgments"] == 2 * ITEMS
    assert f"their {2 * ITEMS} judgments are in this export and `metadata.standing`" in flat(card)


def test_annotators_format_lists_each_standing_and_leaves_the_excluded_out(campaign):
    rows, *_ = _export(campaign, format="annotators")
    standings = {row["annotator_id"]: row["standing"] for row in rows}
    assert standings == {pseudonym(campaign.flagged): "flagged"} | {
        pseudonym(other): "ok" for other in campaign.others
    }
    flagged = next(row for row in rows if row["standing"] == "flagged")
    assert (flagged["standing_source"], flagged["standing_reason"]) == ("rule", FLAG_REASON)

    rows, *_ = _export(campaign, format="annotators", include_excluded=True)
    by_id = {row["annotator_id"]: row for row in rows}
    rule = by_id[pseudonym(campaign.excluded_by_rule)]
    assert (rule["standing"], rule["standing_source"], rule["standing_reason"]) == (
        "excluded",
        "rule",
        RULE_REASON,
    )
    assert by_id[pseudonym(campaign.excluded_by_researcher)]["standing_source"] == "researcher"


def test_a_campaign_without_excluded_annotators_says_nothing_of_them(as_user, unique):
    researcher = as_user("researcher")
    slug = f"all-ok-{unique}"
    create_campaign_with_items(researcher, slug, 2, redundancy=1)
    judge_next(as_user(), slug, {"preference": {"choice": "A"}})
    plain = Campaign(researcher, slug, 0, 0, 0, [])
    rows, manifest, card, _ = _export(plain, format="dpo")
    assert len(rows) == 1
    assert manifest["excluded"]["policy"] == "none" and manifest["excluded"]["annotators"] == 0
    assert "excluded" not in card


def test_the_cli_flag_brings_excluded_annotators_back(campaign, tmp_path):
    from typer.testing import CliRunner

    from prefhub.cli import app

    left_out = tmp_path / "left-out"
    result = CliRunner().invoke(app, ["export", campaign.slug, "--out", str(left_out)])
    assert result.exit_code == 0, result.output
    assert "2 annotators were excluded" in flat(result.output)
    rows, manifest, *_ = _folder(left_out, "dpo")
    assert pseudonym(campaign.excluded_by_rule) not in _annotators(rows)

    kept = tmp_path / "kept"
    result = CliRunner().invoke(
        app, ["export", campaign.slug, "--out", str(kept), "--include-excluded"]
    )
    assert result.exit_code == 0, result.output
    rows, manifest, *_ = _folder(kept, "dpo")
    assert manifest["options"]["include_excluded"] is True
    assert pseudonym(campaign.excluded_by_rule) in _annotators(rows)


def test_the_api_refuses_an_include_excluded_that_is_not_a_boolean(campaign):
    for value in ("maybe", 2, None, [True]):
        response = campaign.researcher.post(
            f"/api/campaigns/{campaign.slug}/exports",
            json={"format": "dpo", "include_excluded": value},
        )
        assert response.status_code == 422, (value, response.text)
        error = response.json()["error"]
        assert error["code"] == "validation_error" and "include_excluded" in response.text


def test_dpo_rows_with_excluded_annotators_kept_load_into_trl(campaign, tmp_path):
    from support.exports import load_as_card_says
    from support.trl import first_batch_loss, require_trl, tiny_chat_tokenizer, trainer_for

    require_trl()
    folder = _export_folder(campaign, format="dpo", include_excluded=True)
    rows, *_ = _folder(folder, "dpo")
    assert any("standing" in row["metadata"] for row in rows)
    # One schema for marked and unmarked metadata: the card's snippet loads every row.
    dataset = load_as_card_says(folder)
    assert len(dataset) == len(rows)
    texts = tuple(json.dumps([row["prompt"], row["chosen"], row["rejected"]]) for row in rows)
    trainer = trainer_for("DPOTrainer", dataset, tiny_chat_tokenizer(texts), tmp_path / "dpo")
    assert len(trainer.train_dataset) == len(rows)
    first_batch_loss(trainer)
