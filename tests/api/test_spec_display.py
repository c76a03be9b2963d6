"""A campaign's display settings: candidate layout and media playback, validated, sent with
every task, and versioned as a harmless change (no stored answer stops fitting)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from prefhub.models import Campaign, CampaignVersion
from support.api import create_campaign_with_items, items, jsonl, judge_next, pairwise_spec

DEFAULT_DISPLAY = {
    "layout": "auto",
    "media": {
        "autoplay": False,
        "loop": False,
        "require_full_playback": False,
        "image_fit": "contain",
    },
}

AUDIO_STUDY = {
    "layout": "stacked",
    "media": {"autoplay": True, "require_full_playback": True, "image_fit": "cover"},
}


def _display_spec(slug: str, display: dict[str, Any] | None = None) -> dict[str, Any]:
    spec = pairwise_spec(slug)
    if display is not None:
        spec["display"] = display
    return spec


def test_a_spec_without_display_keeps_todays_screen(as_user):
    response = as_user("researcher").post(
        "/api/campaign-specs/validate", json=_display_spec("no-display")
    )
    assert response.status_code == 200, response.text
    assert response.json()["spec"]["display"] == DEFAULT_DISPLAY


def test_display_settings_validate_and_come_back_with_defaults_filled(as_user):
    response = as_user("researcher").post(
        "/api/campaign-specs/validate", json=_display_spec("audio-study", AUDIO_STUDY)
    )
    assert response.status_code == 200, response.text
    assert response.json()["spec"]["display"] == {
        "layout": "stacked",
        "media": {
            "autoplay": True,
            "loop": False,
            "require_full_playback": True,
            "image_fit": "cover",
        },
    }


def test_bad_display_values_are_422_at_their_fields(as_user):
    bad = {
        "layout": "carousel",
        "media": {"autoplay": "sometimes", "image_fit": "stretch", "volume": 3},
        "theme": "dark",
    }
    response = as_user("researcher").post(
        "/api/campaign-specs/validate", json=_display_spec("bad-display", bad)
    )
    assert response.status_code == 422, response.text
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert fields == {
        "body.display.layout",
        "body.display.media.autoplay",
        "body.display.media.image_fit",
        "body.display.media.volume",
        "body.display.theme",
    }


def test_every_task_carries_its_campaigns_display(as_user, unique):
    researcher = as_user("researcher")
    slug = f"display-{unique}"
    created = researcher.post("/api/campaigns", json=_display_spec(slug, AUDIO_STUDY))
    assert created.status_code == 201, created.text
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import", files={"file": ("i.jsonl", jsonl(items(1)))}
    )
    assert imported.status_code == 201, imported.text
    task = as_user("annotator").get(f"/api/annotate/{slug}/next").json()["task"]
    assert task["display"]["layout"] == "stacked"
    assert task["display"]["media"]["require_full_playback"] is True


def test_a_display_change_is_a_new_version_that_invalidates_no_answer(as_user, db, unique):
    researcher = as_user("researcher")
    slug = f"display-{unique}"
    create_campaign_with_items(researcher, slug, 2, redundancy=1)
    judge_next(as_user("annotator"), slug, {"preference": {"choice": "tie"}})
    with db() as session:
        # As if saved before display existed: neither check nor diff may report it as added.
        campaign = session.scalar(select(Campaign).where(Campaign.slug == slug))
        assert campaign is not None
        first = session.scalar(
            select(CampaignVersion).where(
                CampaignVersion.campaign_id == campaign.id, CampaignVersion.version == 1
            )
        )
        assert first is not None
        assert first.spec["display"] == DEFAULT_DISPLAY
        first.spec = {k: v for k, v in first.spec.items() if k != "display"}
        campaign.spec = {k: v for k, v in campaign.spec.items() if k != "display"}
    changed = _display_spec(slug, {"layout": "stacked", "media": {"loop": True}})
    changed["redundancy"] = 1

    checked = researcher.post(f"/api/campaigns/{slug}/spec/check", json=changed)
    assert checked.status_code == 200, checked.text
    assert {(c["path"], c["new"]) for c in checked.json()["changes"]} == {
        ("display.layout", "stacked"),
        ("display.media.loop", True),
    }
    assert checked.json()["warnings"] == []

    saved = researcher.put(f"/api/campaigns/{slug}/spec", json=changed)
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 2
    assert saved.json()["spec"]["display"]["layout"] == "stacked"
    diff = researcher.get(
        f"/api/campaigns/{slug}/versions/diff", params={"from_version": 1, "to_version": 2}
    )
    assert diff.status_code == 200, diff.text
    assert [(c["path"], c["kind"], c["old"], c["new"]) for c in diff.json()["changes"]] == [
        ("display.layout", "changed", "auto", "stacked"),
        ("display.media.loop", "changed", False, True),
    ]
