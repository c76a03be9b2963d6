"""The manifest's counts add up, under any combination of filters, and simulated judgments are
marked, counted and left out as documented.

A campaign gets human judgments (annotators in two profile groups, one of them a crowd
participant) and simulated ones (``prefhub simulate``), items in two languages, a gold item,
candidates from three models and judgment times over a week. For random filter combinations
the test works out from the database which judgments each filter should leave out (in the
documented order: simulated, since, until, gold, languages, then annotator groups, rounds,
models) and checks the manifest and the rows against it.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from support.api import jsonl, judge_next, pairwise_spec

MODELS = ("m1", "m2", "m3")
START = datetime(2026, 11, 1, 12, 0)


def _rows() -> list[dict[str, Any]]:
    rows = []
    for i in range(8):
        first, second = MODELS[i % 3], MODELS[(i + 1) % 3]
        rows.append(
            {
                "id": f"q{i}",
                "prompt": f"Question {i}?",
                "language": "en" if i % 3 else "de",
                "gold": i == 7,
                "candidates": [
                    {"content": f"Short {i}.", "model": first},
                    {"content": f"A longer answer to question {i}.", "model": second},
                ],
            }
        )
    return rows


@pytest.fixture
def mixed_campaign(as_user, unique, db):  # type: ignore[no-untyped-def]
    """(researcher, slug): four people judged every item, two simulated annotators some."""
    from prefhub.models import Campaign, Judgment, User
    from prefhub.simulation.service import simulate

    researcher = as_user("researcher")
    slug = f"counts-{unique}"
    created = researcher.post("/api/campaigns", json=pairwise_spec(slug, 6))
    assert created.status_code == 201, created.text
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(_rows()), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text
    rng = random.Random(7)
    people = [as_user() for _ in range(4)]
    for person in people:
        for _ in range(8):
            choice = rng.choice(["A", "B", "B", "tie"])
            judge_next(person, slug, {"preference": {"choice": choice}})
    assert simulate(slug, annotators=2, judgments=10, seed=3).judgments == 10
    with db() as session:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == slug))
        for n, person in enumerate(people):
            session.execute(
                update(User)
                .where(User.id == person.user_id)
                .values(profile={"country": "GB" if n % 2 else "US"})
            )
        # The first person came through the campaign's crowd link.
        session.execute(
            update(User).where(User.id == people[0].user_id).values(crowd_campaign_id=campaign_id)
        )
        campaign_judgments = select(Judgment).where(Judgment.campaign_id == campaign_id)
        for judgment in session.scalars(campaign_judgments):
            judgment.created_at = START + timedelta(hours=7 * (judgment.id % 24))
    return researcher, slug, [p.user_id for p in people]


def _export(researcher, slug: str, **options) -> tuple[list[dict], dict, str]:  # type: ignore[no-untyped-def]
    from prefhub.exports.tasks import execute_export

    created = researcher.post(f"/api/campaigns/{slug}/exports", json=options)
    assert created.status_code == 202, created.text
    job = execute_export(created.json()["id"])
    assert job is not None and job.folder, job and job.error_message
    folder = Path(job.folder)
    data = folder / f"{options['format']}.jsonl"
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    manifest = json.loads((folder / "manifest.json").read_text())
    return rows, manifest, (folder / "README.md").read_text()


def _judgments(db, slug: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Every judgment of the campaign with what the filters look at."""
    from prefhub.models import Campaign, Candidate, Item, Judgment, User

    with db() as session:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == slug))
        models = dict(
            session.execute(
                select(Candidate.id, Candidate.model_name)
                .join(Item, Item.id == Candidate.item_id)
                .where(Item.campaign_id == campaign_id)
            ).all()
        )
        found = session.execute(
            select(
                Judgment.id,
                Judgment.annotator_id,
                Judgment.created_at,
                Judgment.shown_order,
                Item.is_gold,
                Item.language,
                User.is_synthetic,
                User.profile,
            )
            .join(Item, Item.id == Judgment.item_id)
            .join(User, User.id == Judgment.annotator_id)
            .where(Judgment.campaign_id == campaign_id)
        ).all()
    return [
        {
            "id": jid,
            "annotator": uid,
            "created_at": created,
            "models": {models[c] for c in shown},
            "gold": gold,
            "language": language,
            "simulated": synthetic,
            "country": (profile or {}).get("country"),
        }
        for jid, uid, created, shown, gold, language, synthetic, profile in found
    ]


def _expected(judgments: list[dict[str, Any]], options: dict[str, Any]) -> tuple[set[int], dict]:
    """The judgments kept, and how many each filter left out (the first that applies)."""
    has_humans = any(not j["simulated"] for j in judgments)
    checks = []
    if any(j["simulated"] for j in judgments) and has_humans and not options["include_simulated"]:
        checks.append(("simulated", lambda j: not j["simulated"]))
    if "created_from" in options:
        since = datetime.fromisoformat(options["created_from"])
        checks.append(("created_from", lambda j: j["created_at"] >= since))
    if "created_to" in options:
        until = datetime.fromisoformat(options["created_to"])
        checks.append(("created_to", lambda j: j["created_at"] < until))
    if not options["include_gold"]:
        checks.append(("gold", lambda j: not j["gold"]))
    if "languages" in options:
        checks.append(("languages", lambda j: j["language"] in options["languages"]))
    if "annotator_groups" in options:
        countries = options["annotator_groups"]["country"]
        checks.append(("annotator_groups", lambda j: j["country"] in countries))
    if "models" in options:
        checks.append(("models", lambda j: j["models"] <= set(options["models"])))
    kept, left_out = set(), dict.fromkeys((name for name, _ in checks), 0)
    for judgment in judgments:
        failed = next((name for name, keeps in checks if not keeps(judgment)), None)
        if failed is None:
            kept.add(judgment["id"])
        else:
            left_out[failed] += 1
    return kept, left_out


def _random_options(rng: random.Random) -> dict[str, Any]:
    options: dict[str, Any] = {
        "include_gold": rng.random() < 0.4,
        "include_simulated": rng.random() < 0.4,
    }
    if rng.random() < 0.5:
        options["created_from"] = (START + timedelta(hours=rng.randrange(0, 160))).isoformat()
    if rng.random() < 0.4:
        options["created_to"] = (START + timedelta(hours=rng.randrange(80, 200))).isoformat()
        if "created_from" in options and options["created_from"] >= options["created_to"]:
            del options["created_from"]
    if rng.random() < 0.4:
        options["languages"] = [rng.choice(["en", "de"])]
    if rng.random() < 0.4:
        options["annotator_groups"] = {"country": [rng.choice(["GB", "US"])]}
    if rng.random() < 0.4:
        options["models"] = rng.sample(MODELS, 2)
    return options


def _judgment_id(row: dict[str, Any]) -> int:
    """A judgments row names its judgment in a column, other rows in their metadata."""
    return int(row["judgment_id"] if "judgment_id" in row else row["metadata"]["judgment_id"])


def test_manifest_counts_match_the_rows_under_random_filters(mixed_campaign, db):
    from prefhub.exports.pseudonyms import Pseudonymizer

    researcher, slug, people = mixed_campaign
    judgments = _judgments(db, slug)
    assert sum(j["simulated"] for j in judgments) == 10
    by_id = {j["id"]: j for j in judgments}
    pseudonym = Pseudonymizer("")
    crowd, simulated_names = (
        pseudonym(people[0]),
        {pseudonym(j["annotator"]) for j in judgments if j["simulated"]},
    )
    rng = random.Random(20261206)
    for _ in range(14):
        options = _random_options(rng)
        kept, left_out = _expected(judgments, options)
        for fmt in ("judgments", "dpo"):
            rows, manifest, card = _export(researcher, slug, format=fmt, **options)
            counts = manifest["counts"]
            said = f"{fmt} {options}"
            assert counts["judgments_in_campaign"] == len(judgments), said
            assert counts["judgments"] == len(kept), said
            assert counts["filtered_out_by"] == left_out, said
            assert counts["filtered_out"] == sum(left_out.values()), said
            assert counts["judgments"] + counts["filtered_out"] == len(judgments), said
            row_judgments = {_judgment_id(r) for r in rows}
            annotators = {r["metadata"]["annotator_id"] for r in rows}
            if fmt == "judgments":
                assert row_judgments == kept, said
            else:
                assert row_judgments <= kept, said  # ties give no dpo row
            assert counts["annotators"] == len(annotators), said
            sources = counts["annotators_by_source"]
            assert sources == {
                "invited": len(annotators - simulated_names - {crowd}),
                "crowd": int(crowd in annotators),
                "simulated": len(annotators & simulated_names),
            }, said
            simulated_kept = sum(by_id[j]["simulated"] for j in kept)
            assert manifest["synthetic"]["judgments"] == simulated_kept, said
            assert manifest["synthetic"]["left_out"] == left_out.get("simulated", 0), said
            for row in rows:
                expected = by_id[_judgment_id(row)]["simulated"]
                assert row["metadata"]["simulated"] is expected, said
            if counts["rows"] == 0:
                assert "This export has no rows" in card, said


def test_simulated_judgments_are_left_out_of_a_human_campaign_unless_asked(mixed_campaign, db):
    researcher, slug, _ = mixed_campaign
    rows, manifest, card = _export(researcher, slug, format="judgments", include_gold=True)
    assert manifest["synthetic"] == {
        "policy": "excluded",
        "judgments": 0,
        "annotators": 0,
        "left_out": 10,
    }
    assert not any(r["metadata"]["simulated"] for r in rows)
    assert "10 simulated judgments (`prefhub simulate`) were left out" in card
    assert card.count("Human feedback collected") == 1

    rows, manifest, card = _export(
        researcher, slug, format="judgments", include_simulated=True, include_gold=True
    )
    assert manifest["synthetic"]["policy"] == "included"
    assert manifest["synthetic"]["judgments"] == 10 == sum(r["metadata"]["simulated"] for r in rows)
    assert (
        manifest["synthetic"]["annotators"]
        == manifest["counts"]["annotators_by_source"]["simulated"]
    )
    assert "Human and simulated feedback collected" in card
    assert "`metadata.simulated` is true on their rows" in card
    assert "synthetic" in card.split("---")[1]  # the card's tags


def test_a_campaign_with_only_simulated_judgments_exports_them_and_says_so(as_user, unique, db):
    from prefhub.simulation.service import simulate

    researcher = as_user("researcher")
    slug = f"sim-only-{unique}"
    assert researcher.post("/api/campaigns", json=pairwise_spec(slug, 3)).status_code == 201
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(_rows()[:4]), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text
    assert simulate(slug, annotators=3, judgments=9, seed=1).judgments == 9
    rows, manifest, card = _export(researcher, slug, format="judgments")
    assert len(rows) == 9 and all(r["metadata"]["simulated"] for r in rows)
    assert manifest["synthetic"]["policy"] == "only_simulated"
    assert manifest["counts"]["annotators_by_source"] == {"invited": 0, "crowd": 0, "simulated": 3}
    assert "Every judgment in this export is simulated" in card
    assert "Simulated feedback (no person made it)" in card
    assert "Human feedback" not in card
    header = card.split("---")[1]
    assert "human-feedback" not in header and "machine-generated" in header


def test_an_empty_export_says_why_in_its_card(mixed_campaign):
    researcher, slug, _ = mixed_campaign
    rows, manifest, card = _export(
        researcher, slug, format="dpo", created_from="2030-01-01T00:00:00"
    )
    assert rows == [] and manifest["counts"]["rows"] == 0
    assert "This export has no rows: the filters left out every judgment" in card
    assert "`created_from` " in card
