"""The image-comparison and OASST-style conversation-tree templates, end to end in headless
Chromium and through the UI only: a researcher picks the template and checks its live preview
(real sample pictures, decoded; the tree's steps and the reply under review), creates the draft,
imports a .zip of a JSONL and its PNGs with the Import form (images) and activates it; annotators
do the work in the browser (compare two pictures; write a prompt, review it, reply to it); the
researcher exports in the template's format from the Exports panel, downloads the files, and
finds the annotators' work in them."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from support.api import make_user
from support.browser import (
    activate_in_browser,
    create_from_builder,
    export_in_browser,
    import_in_browser,
    open_builder_template,
    signed_in_page,
    wait_moved_on,
)

pytestmark = pytest.mark.browser

WIDE = {"width": 1500, "height": 1000}
# What the builder previews each template on (backend/prefhub/campaigns/templates.py).
SAMPLE_CAPTION = "A red fox in the snow, watercolour"
SAMPLE_ALTS = ["a fox in the snow under the sun", "a fox in the snow at dusk"]
SAMPLE_QUESTION = "What is a good first programming language?"
SAMPLE_REPLY = "Python: its syntax is plain and it is used everywhere."

ALTS = {"good": "a lighthouse on a cliff at night", "bad": "a green square"}


def _loaded_images(page: Any, scope_selector: str, count: int) -> list[list[int]]:
    """Wait until ``count`` candidate images under ``scope_selector`` are decoded; their sizes."""
    selector = f'{scope_selector} [data-testid^="candidate-"] img'
    page.wait_for_function(
        """([selector, count]) => {
            const imgs = [...document.querySelectorAll(selector)];
            return imgs.length === count && imgs.every(i => i.complete && i.naturalWidth > 0);
        }""",
        arg=[selector, count],
    )
    return page.locator(selector).evaluate_all(
        "imgs => imgs.map(i => [i.naturalWidth, i.naturalHeight])"
    )


def _png(draw: str, size: tuple[int, int]) -> bytes:
    image = Image.new("RGB", size, (20, 24, 60) if draw == "good" else (245, 245, 245))
    pen = ImageDraw.Draw(image)
    if draw == "good":
        pen.rectangle((40, 30, 56, 90), fill=(230, 230, 230))
        pen.polygon([(48, 12), (20, 30), (76, 30)], fill=(250, 220, 80))
    else:
        pen.rectangle((10, 10, 50, 50), fill=(40, 160, 60))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _media_zip(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """items.jsonl (two prompts, each with a good and a bad picture by two models) and the PNGs
    it names, zipped as the Import form takes them; and each file's sha256 by role."""
    files = {f"img/{q}-{n}.png": _png(q, (96 + n, 96)) for q in ("good", "bad") for n in (1, 2)}
    rows = [
        {
            "id": f"picture-{n}",
            "prompt": f"A lighthouse at night, picture {n}",
            "candidates": [
                {
                    "content": [{"type": "image", "path": f"img/{q}-{n}.png", "alt": ALTS[q]}],
                    "model": f"{q}-model",
                }
                for q in ("good", "bad")
            ],
        }
        for n in (1, 2)
    ]
    path = tmp_path / "pictures.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("items.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
        for name, data in files.items():
            archive.writestr(name, data)
    return path, {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}


def _label_with_alt(scope: Any, alt: str) -> str:
    for label in ("A", "B"):
        if scope.locator(f'[data-testid="candidate-{label}"] img').get_attribute("alt") == alt:
            return label
    raise AssertionError(f"no candidate shows {alt!r}")


def _pick(page: Any, scope: Any, label: str) -> None:
    """Prefer ``label`` on the pairwise key (1 = A, 2 = B) and on both aspects."""
    page.keyboard.press("1" if label == "A" else "2")
    for aspect in ("fidelity", "aesthetics"):
        scope.get_by_test_id(f"aspect-{aspect}-{label}").check()
    scope.get_by_test_id("submit").click()


def test_an_image_comparison_campaign_is_built_from_its_template_and_annotated_in_the_browser(
    browser, server, db, unique, tmp_path: Path
):
    researcher_email, annotator_email = f"r-{unique}@example.org", f"a-{unique}@example.org"
    make_user(db, researcher_email, "researcher")
    make_user(db, annotator_email, "annotator")
    name, slug = f"Pictures {unique}", f"pictures-{unique}"

    # 1. The builder: the sample pictures are served and decoded, and the preview answers.
    researcher = signed_in_page(browser, server, researcher_email, r"/admin$", viewport=WIDE)
    preview = open_builder_template(researcher, server, "image-comparison", name=name, slug=slug)
    assert preview.get_by_text(SAMPLE_CAPTION).is_visible()
    assert preview.get_by_role("region", name="Which image fits the prompt better?").is_visible()
    sizes = _loaded_images(researcher, '[data-testid="builder-preview"]', 2)
    assert sizes == [[160, 120], [160, 120]]
    alts = preview.locator('[data-testid^="candidate-"] img').evaluate_all(
        "imgs => imgs.map(i => i.alt)"
    )
    assert alts == SAMPLE_ALTS
    researcher.get_by_role("heading", name="Preview").click()
    _pick(researcher, preview, "B")
    stored = preview.get_by_test_id("preview-answers")
    stored.wait_for()
    assert json.loads(stored.inner_text()) == {
        "preference": {"choice": "B", "aspects": {"fidelity": "B", "aesthetics": "B"}}
    }
    create_from_builder(researcher, slug, name)

    # 2-3. A .zip of the JSONL and its PNGs through the Import form, then live.
    archive, shas = _media_zip(tmp_path)
    import_in_browser(researcher, archive, imported=2)
    activate_in_browser(researcher)

    # 4. The annotator sees both pictures, decoded, and prefers the good one.
    annotator = signed_in_page(
        browser, server, annotator_email, viewport={"width": 1100, "height": 900}
    )
    annotator.get_by_role("link", name=f"Start {name}").click()
    task = annotator.get_by_test_id("task")
    task.wait_for()
    assignment = task.get_attribute("data-assignment-id")
    shown = _loaded_images(annotator, '[data-testid="task"]', 2)
    assert shown[0] == shown[1] and shown[0] in ([97, 96], [98, 96])  # picture 1 or picture 2
    good = _label_with_alt(annotator, ALTS["good"])
    src = annotator.locator(f'[data-testid="candidate-{good}"] img').get_attribute("src")
    chosen_sha = re.fullmatch(r".*/api/media/([0-9a-f]{64})", src or "")
    assert chosen_sha, src
    chosen = chosen_sha.group(1)
    assert chosen in {shas["img/good-1.png"], shas["img/good-2.png"]}
    _pick(annotator, annotator, good)
    wait_moved_on(annotator, assignment)

    # 5. image_pairs from the Exports panel: the row names the chosen picture as the winner,
    # and the picture downloaded from the export is the file the annotator saw.
    [row] = export_in_browser(researcher, "image_pairs", tmp_path)
    assert row["campaign"] == slug
    first_won = row["label_0"] == 1.0
    assert row["label_0"] in (0.0, 1.0)
    winner = row["jpg_0" if first_won else "jpg_1"]
    assert chosen in winner, (winner, chosen)
    assert row["metadata"]["source_models"][0 if first_won else 1] == "good-model"
    assert row["caption"].startswith("A lighthouse at night, picture")
    panel = researcher.get_by_role("region", name="Exports")
    newest = panel.get_by_test_id(re.compile(r"^export-\d+$")).first
    newest.locator("summary", has_text="media/").click()
    with researcher.expect_download() as download_info:
        newest.get_by_role("link", name=re.compile(chosen)).click()
    saved = tmp_path / "winner.png"
    download_info.value.save_as(saved)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == chosen
    assert researcher.js_errors == [] and annotator.js_errors == []


def _tree_task(page: Any, kind: str) -> int:
    """Skip (with the Skip tool) whatever other kind of tree task comes, until one of ``kind``;
    its id. The campaign's weights pick task kinds at random among those with work."""
    for _ in range(30):
        task = page.get_by_test_id("tree-task").and_(page.locator('[aria-busy="false"]'))
        task.wait_for()
        task_id = int(task.get_attribute("data-task-id"))
        if task.get_attribute("data-kind") == kind:
            return task_id
        page.get_by_role("button", name="Skip").click()
        page.get_by_role("dialog").get_by_role("button", name="Skip task").click()
        wait_moved_on(page, task_id, tree=True)
    raise AssertionError(f"no {kind} task came")


def _write(page: Any, kind: str, text: str) -> None:
    task_id = _tree_task(page, kind)
    page.get_by_test_id("composer-text").fill(text)
    page.get_by_test_id("composer-text").press("Control+Enter")
    wait_moved_on(page, task_id, tree=True)


def _review(page: Any, under_review: str, quality: int) -> None:
    task_id = _tree_task(page, "review")
    focused = page.locator('[aria-current="true"]')
    assert under_review in focused.inner_text()
    page.get_by_test_id("acceptable-yes").check()
    page.get_by_test_id(f"label-prompt-quality-{quality}").check()
    page.get_by_test_id("tree-submit").click()
    wait_moved_on(page, task_id, tree=True)


def test_an_oasst_tree_campaign_is_built_from_its_template_and_grown_in_the_browser(
    browser, server, db, unique, tmp_path: Path
):
    researcher_email = f"r-{unique}@example.org"
    make_user(db, researcher_email, "researcher")
    name, slug = f"Trees {unique}", f"trees-{unique}"
    prompt = f"How do I keep basil alive on a windowsill? ({unique})"
    reply = "Give it four hours of sun, water when the top soil is dry, and pinch the flowers."

    # 1. The builder: how the template's trees grow, and the review screen on its sample.
    researcher = signed_in_page(browser, server, researcher_email, r"/admin$", viewport=WIDE)
    preview = open_builder_template(researcher, server, "oasst-trees", name=name, slug=slug)
    steps = preview.get_by_test_id("tree-steps").get_by_role("listitem").all_inner_texts()
    assert len(steps) == 5
    assert steps[0].startswith("Start a conversation") and "2 reviews" in steps[0]
    assert "up to 3 replies per message, 4 turns deep" in steps[1]
    assert "12 accepted messages" in steps[3] and "2 rankings" in steps[3]
    conversation = preview.get_by_test_id("task")
    assert conversation.get_by_text(SAMPLE_QUESTION).is_visible()
    assert conversation.get_by_text(SAMPLE_REPLY).is_visible()
    assert preview.get_by_test_id("label-prompt-spam").is_visible()
    create_from_builder(researcher, slug, name)
    # A tree campaign takes no items: its trees start from prompts its annotators write.
    activate_in_browser(researcher)

    # 2. Annotators grow a tree: one writes the prompt, two accept it (the template asks two
    # reviews), and one of them replies as the assistant.
    pages = {}
    for who in ("prompter", "reviewer-1", "reviewer-2"):
        email = f"{who}-{unique}@example.org"
        make_user(db, email, "annotator")
        pages[who] = signed_in_page(browser, server, email, viewport={"width": 1100, "height": 900})
        pages[who].get_by_role("link", name=f"Start {name}").click()
    _write(pages["prompter"], "initial_prompt", prompt)
    _review(pages["reviewer-1"], prompt, quality=4)
    _review(pages["reviewer-2"], prompt, quality=3)
    _write(pages["reviewer-1"], "assistant_reply", reply)

    # 3. The trees export of growing trees, from the Exports panel (ready-for-export trees only
    # by default: this one is still growing).
    panel = researcher.get_by_role("region", name="Exports")
    panel.locator("summary", has_text="Filters and aggregation").click()
    panel.get_by_label("growing").check()
    [row] = export_in_browser(researcher, "trees", tmp_path)
    assert (row["campaign"], row["state"]) == (slug, "growing")
    root = row["prompt"]
    assert (root["role"], root["content"]) == ("prompter", prompt)
    assert root["review_count"] == 2 and root["review_state"] == "accepted"
    assert root["labels"]["quality"] == {"value": 3.5, "count": 2}
    [answer] = root["replies"]
    assert (answer["role"], answer["content"], answer["synthetic"]) == ("assistant", reply, False)
    assert len(row["metadata"]["annotator_id"]) == 3
    assert researcher.js_errors == []
    assert all(page.js_errors == [] for page in pages.values())
