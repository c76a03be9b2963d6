"""Export filters: gold items left out unless asked for, languages, models, a date range; and
options that cannot apply refused with a clear 4xx before any work."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from support.api import jsonl, judge_next, pairwise_spec

ROWS = [
    {
        "id": "en-1",
        "prompt": "Hello?",
        "language": "en",
        "candidates": [{"content": "Hi.", "model": "m1"}, {"content": "Hey.", "model": "m2"}],
    },
    {
        "id": "de-1",
        "prompt": "Hallo?",
        "language": "de",
        "candidates": [{"content": "Hi.", "model": "m1"}, {"content": "Na?", "model": "m3"}],
    },
    {
        "id": "gold-1",
        "prompt": "Pick the correct sum: 2 + 2?",
        "language": "en",
        "gold": True,
        "candidates": [{"content": "4", "model": "m1"}, {"content": "5", "model": "m2"}],
    },
]


@pytest.fixture
def filtered(as_user, unique):
    researcher = as_user("researcher")
    slug = f"filters-{unique}"
    assert researcher.post("/api/campaigns", json=pairwise_spec(slug, 1)).status_code == 201
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(ROWS), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text
    annotator = as_user()
    for _ in ROWS:
        judge_next(annotator, slug, {"preference": {"choice": "A"}})
    return researcher, slug


def _items(researcher, slug: str, **options) -> tuple[list[str], dict]:
    from prefhub.exports.tasks import execute_export

    created = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "dpo", **options})
    assert created.status_code == 202, created.text
    job = execute_export(created.json()["id"])
    assert job is not None and job.folder
    folder = Path(job.folder)
    rows = [json.loads(line) for line in (folder / "dpo.jsonl").read_text().splitlines()]
    manifest = json.loads((folder / "manifest.json").read_text())
    return sorted(r["metadata"]["item_id"] for r in rows), manifest


def test_items_keep_their_language_and_gold_flag(filtered):
    researcher, slug = filtered
    listed = researcher.get(f"/api/campaigns/{slug}/items").json()["items"]
    assert {i["external_id"]: (i["language"], i["is_gold"]) for i in listed} == {
        "en-1": ("en", False),
        "de-1": ("de", False),
        "gold-1": ("en", True),
    }


def test_gold_items_are_left_out_unless_asked_for(filtered):
    researcher, slug = filtered
    kept, manifest = _items(researcher, slug)
    assert kept == ["de-1", "en-1"] and manifest["filters"]["include_gold"] is False
    assert _items(researcher, slug, include_gold=True)[0] == ["de-1", "en-1", "gold-1"]


def test_language_and_model_filters(filtered):
    researcher, slug = filtered
    assert _items(researcher, slug, languages=["de"])[0] == ["de-1"]
    kept, manifest = _items(researcher, slug, models=["m1", "m2"], include_gold=True)
    assert kept == ["en-1", "gold-1"]
    assert manifest["counts"]["filtered_out_by"] == {"models": 1}
    assert manifest["filters"]["models"] == ["m1", "m2"]


def test_date_range_keeps_judgments_made_inside_it(filtered, db):
    from prefhub.models import Campaign, Item, Judgment

    researcher, slug = filtered
    last_week = datetime(2026, 11, 20, 12, 0)
    with db() as session:
        item_id = session.scalar(
            select(Item.id)
            .join(Campaign, Campaign.id == Item.campaign_id)
            .where(Campaign.slug == slug, Item.external_id == "de-1")
        )
        session.execute(
            update(Judgment).where(Judgment.item_id == item_id).values(created_at=last_week)
        )
    cutoff = last_week + timedelta(days=1)
    assert _items(researcher, slug, created_to=cutoff.isoformat())[0] == ["de-1"]
    # An aware time is read as UTC: 13:00+01:00 is 12:00 UTC, which is inside [12:00, ...).
    kept, manifest = _items(researcher, slug, created_from="2026-11-20T13:00:00+01:00")
    assert kept == ["de-1", "en-1"]
    assert manifest["filters"]["created_from"] == "2026-11-20T12:00:00"
    assert _items(researcher, slug, created_from=cutoff.isoformat())[0] == ["en-1"]


@pytest.mark.parametrize(
    ("options", "status", "says"),
    [
        ({"format": "ratings", "aggregation": "majority"}, 422, "cannot be aggregated"),
        ({"format": "annotators", "aggregation": "bradley_terry"}, 422, "cannot be aggregated"),
        (
            {"created_from": "2026-11-27T00:00:00", "created_to": "2026-11-26T00:00:00"},
            422,
            "created_from must be before created_to",
        ),
        ({"min_agreement": 1.5}, 422, "min_agreement"),
        ({"annotator_groups": {"style": []}}, 422, "names no values"),
        ({"file_format": "csv"}, 422, "file_format"),
        ({"tree_states": ["growing"]}, 422, "tree_states"),
        ({"format": "trees"}, 422, "conversation-tree"),
    ],
)
def test_options_that_cannot_apply_are_refused_before_any_work(filtered, options, status, says):
    researcher, slug = filtered
    before = len(researcher.get(f"/api/campaigns/{slug}/exports").json()["exports"])
    refused = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "dpo", **options})
    assert refused.status_code == status, refused.text
    assert says in json.dumps(refused.json())
    assert len(researcher.get(f"/api/campaigns/{slug}/exports").json()["exports"]) == before
