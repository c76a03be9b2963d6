"""A campaign's display settings in headless Chromium: candidates stacked one under the other on a
wide screen, and Submit held until both audio candidates have really played to their end."""

from __future__ import annotations

import io
import json
import zipfile

import httpx
import pytest

from support.api import login, make_user, pairwise_spec
from support.browser import signed_in_page
from support.media import wav

pytestmark = pytest.mark.browser

ALTS = {"low": "a low hum", "high": "a high beep"}


def _audio_zip() -> bytes:
    row = {
        "id": "sound",
        "prompt": "Play a calm tone.",
        "candidates": [
            {"content": [{"type": "audio", "path": f"{name}.wav", "alt": alt}], "model": name}
            for name, alt in ALTS.items()
        ],
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("items.jsonl", json.dumps(row) + "\n")
        archive.writestr("low.wav", wav(seconds=0.4, frequency=220))
        archive.writestr("high.wav", wav(seconds=0.3, frequency=1200))
    return out.getvalue()


def test_stacked_candidates_and_submit_only_after_every_clip_played_to_its_end(
    browser, server, db, unique
):
    researcher_email, annotator_email = f"r-{unique}@example.org", f"a-{unique}@example.org"
    make_user(db, researcher_email, "researcher")
    make_user(db, annotator_email, "annotator")
    slug = f"display-{unique}"
    spec = pairwise_spec(slug, redundancy=1)
    spec["display"] = {"layout": "stacked", "media": {"require_full_playback": True}}
    with httpx.Client(base_url=server, timeout=30) as researcher:
        login(researcher, researcher_email)
        created = researcher.post("/api/campaigns", json=spec)
        assert created.status_code == 201, created.text
        imported = researcher.post(
            f"/api/campaigns/{slug}/items/import",
            files={"file": ("items.zip", _audio_zip(), "application/zip")},
        )
        assert imported.status_code == 201, imported.text

    page = signed_in_page(browser, server, annotator_email, viewport={"width": 1400, "height": 900})
    page.goto(f"{server}/annotate/{slug}")
    page.get_by_test_id("task").wait_for()

    # Wide enough for a pair side by side, yet B sits below A.
    a_box = page.get_by_test_id("candidate-A").bounding_box()
    b_box = page.get_by_test_id("candidate-B").bounding_box()
    assert a_box is not None and b_box is not None
    assert b_box["y"] >= a_box["y"] + a_box["height"]
    assert b_box["x"] == pytest.approx(a_box["x"], abs=1)

    # A lone A/B question would be answered by the key; here the answer waits for the clips.
    page.keyboard.press("1")
    submit = page.get_by_test_id("submit")
    assert submit.is_disabled()
    needed = page.get_by_test_id("playback-needed")
    assert "0 of 2 played" in needed.inner_text()

    for alt in ALTS.values():
        page.get_by_role("button", name=f"Replay {alt}").click()
        page.wait_for_function(
            "(alt) => document.querySelector(`audio[aria-label='${alt}']`).ended", arg=alt
        )
        if alt == ALTS["low"]:
            needed.filter(has_text="1 of 2 played").wait_for()
            assert submit.is_disabled()

    needed.wait_for(state="detached")
    assert submit.is_enabled()
    submit.click()
    page.get_by_test_id("done").wait_for()
    assert page.js_errors == []
