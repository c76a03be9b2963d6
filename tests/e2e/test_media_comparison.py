"""An annotator in headless Chromium compares two images (zooming one) and two audio clips, each
served by the media endpoint and playable; the keyboard submits; the `image_pairs` and
`audio_pairs` exports hold them."""

from __future__ import annotations

import io
import json
import zipfile

import httpx
import pytest
from PIL import Image, ImageDraw

from support.api import export_rows, login, make_user, pairwise_spec
from support.browser import signed_in_page, wait_moved_on
from support.media import wav

pytestmark = pytest.mark.browser

IMAGE_ALTS = {"good": "a red circle in the middle", "bad": "a blue square in a corner"}
AUDIO_ALTS = {"good": "a low hum at 220 Hz", "bad": "a high beep at 1200 Hz"}


def _png(colour: tuple[int, int, int], box: tuple[int, int, int, int]) -> bytes:
    image = Image.new("RGB", (200, 120), (250, 250, 250))
    ImageDraw.Draw(image).ellipse(box, fill=colour)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _media_zip() -> bytes:
    """The import a researcher uploads: items.jsonl and the files its parts name, in one zip."""
    files = {
        "img/good.png": _png((220, 40, 40), (60, 20, 140, 100)),
        "img/bad.png": _png((40, 90, 220), (5, 5, 40, 40)),
        "snd/good.wav": wav(seconds=1.0, frequency=220),
        "snd/bad.wav": wav(seconds=0.6, frequency=1200),
    }

    def row(item: str, prompt: str, kind: str, folder: str, ext: str, alts: dict[str, str]):
        return {
            "id": item,
            "prompt": prompt,
            "candidates": [
                {
                    "content": [{"type": kind, "path": f"{folder}/{q}.{ext}", "alt": alts[q]}],
                    "model": f"{q}-model",
                }
                for q in ("good", "bad")
            ],
        }

    rows = [
        row("picture", "Draw a red circle in the middle.", "image", "img", "png", IMAGE_ALTS),
        row("sound", "Play a calm, low hum.", "audio", "snd", "wav", AUDIO_ALTS),
    ]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("items.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def _label_of_good(page, selector: str, good_alt: str) -> str:  # type: ignore[no-untyped-def]
    """The label (A or B) of the candidate whose media part carries the good alt text."""
    for label in ("A", "B"):
        alt = page.locator(f'[data-testid="candidate-{label}"] {selector}').get_attribute(
            "alt" if selector == "img" else "aria-label"
        )
        if alt == good_alt:
            return label
    raise AssertionError(f"no candidate shows {good_alt!r}")


def _compare_images(page) -> str:  # type: ignore[no-untyped-def]
    images = page.locator('[data-testid^="candidate-"] img')
    assert images.count() == 2
    # Both PNGs come from /api/media/{sha256} and decode: the browser knows their pixel size.
    page.wait_for_function(
        """() => {
            const imgs = [...document.querySelectorAll('[data-testid^="candidate-"] img')];
            return imgs.length === 2 && imgs.every(i => i.complete && i.naturalWidth > 0);
        }"""
    )
    sizes = images.evaluate_all("imgs => imgs.map(i => [i.naturalWidth, i.naturalHeight])")
    assert sizes == [[200, 120], [200, 120]]
    good = _label_of_good(page, "img", IMAGE_ALTS["good"])

    # Zoom from the keyboard: Enter on "Enlarge" opens a dialog, Escape closes it, focus returns.
    enlarge = page.locator(f'[data-testid="candidate-{good}"] [data-testid="zoom-open"]')
    enlarge.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name=f"Image: {IMAGE_ALTS['good']}")
    dialog.wait_for()
    zoomed = dialog.get_by_test_id("zoom-image")
    assert zoomed.evaluate("i => i.getBoundingClientRect().width") > 200  # larger than in the list
    page.keyboard.press("1")  # page shortcuts are quiet while the dialog is open
    assert dialog.is_visible()
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    assert enlarge.evaluate("el => el === document.activeElement")
    return good


def _compare_audio(page) -> str:  # type: ignore[no-untyped-def]
    audio = page.locator('[data-testid^="candidate-"] audio')
    assert audio.count() == 2
    # The WAVs are served playable: metadata loads and gives a duration.
    page.wait_for_function(
        """() => {
            const clips = [...document.querySelectorAll('[data-testid^="candidate-"] audio')];
            return clips.length === 2 && clips.every(a => a.readyState >= 1 && a.duration > 0);
        }"""
    )
    durations = sorted(audio.evaluate_all("clips => clips.map(a => a.duration)"))
    assert durations[0] == pytest.approx(0.6, abs=0.05)
    assert durations[1] == pytest.approx(1.0, abs=0.05)
    good = _label_of_good(page, "audio", AUDIO_ALTS["good"])
    replay = page.get_by_role("button", name=f"Replay {AUDIO_ALTS['good']}")
    replay.focus()
    page.keyboard.press("Enter")
    return good


def test_annotator_compares_images_then_audio_and_the_pairs_exports_hold_both(
    browser, server, db, unique
):
    researcher_email, annotator_email = f"r-{unique}@example.org", f"a-{unique}@example.org"
    make_user(db, researcher_email, "researcher")
    make_user(db, annotator_email, "annotator")
    slug = f"media-{unique}"
    researcher = httpx.Client(base_url=server, timeout=30)
    login(researcher, researcher_email)
    created = researcher.post("/api/campaigns", json=pairwise_spec(slug, redundancy=1))
    assert created.status_code == 201, created.text
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.zip", _media_zip(), "application/zip")},
    )
    assert imported.status_code == 201, imported.text

    page = signed_in_page(browser, server, annotator_email, viewport={"width": 1100, "height": 900})
    page.goto(f"{server}/annotate/{slug}")

    picked: dict[str, str] = {}
    for _ in range(2):
        task = page.get_by_test_id("task")
        task.wait_for()
        assignment = task.get_attribute("data-assignment-id")
        if page.locator('[data-testid^="candidate-"] img').count():
            kind, good = "picture", _compare_images(page)
        else:
            kind, good = "sound", _compare_audio(page)
        picked[kind] = good
        # One plain A/B question: the digit key is the whole answer.
        page.keyboard.press("1" if good == "A" else "2")
        wait_moved_on(page, assignment)
    page.get_by_test_id("done").wait_for()
    assert sorted(picked) == ["picture", "sound"]
    assert page.js_errors == []

    # Media candidates export as image_pairs / audio_pairs (dpo refuses them): the first file is
    # the one shown as A, label_0 says whether it won.
    for fmt, item in (("image_pairs", "picture"), ("audio_pairs", "sound")):
        (row,) = export_rows(researcher, slug, fmt, f"{fmt}.jsonl")
        metadata = row["metadata"]
        assert metadata["item_id"] == item and metadata["candidate_labels"] == ["A", "B"]
        good_first = picked[item] == "A"
        assert row["label_0"] == (1.0 if good_first else 0.0)
        assert metadata["source_models"][0 if good_first else 1] == "good-model"
    researcher.close()
