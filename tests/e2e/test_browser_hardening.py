"""Under the app's Content-Security-Policy an annotator agrees to consent, reads the guidelines and
rates text and image pairs with no policy violation; Markdown images pointing elsewhere (a
tracking pixel on a capture server) are shown as a note and never requested."""

from __future__ import annotations

import io
import json
import re
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from support.api import PASSWORD, login, make_user, pairwise_spec
from support.browser import wait_moved_on
from support.fake_openai import tiny_png

pytestmark = pytest.mark.browser

# Runs before the page's own scripts in every document of the context; the browser's own console
# message for a violation is collected too.
RECORD_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.warn(`securitypolicyviolation ${e.violatedDirective} ${e.blockedURI}`);
});
"""
CSP_SIGNS = ("securitypolicyviolation", "Content Security Policy")
GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c000000000100010000020144003b"
)


@contextmanager
def capture_server() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 answering a one-pixel GIF and recording every path asked for."""
    hits: list[str] = []

    class Pixel(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/gif")
            self.send_header("Content-Length", str(len(GIF)))
            self.end_headers()
            self.wfile.write(GIF)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Pixel)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def _items_zip(tracker: str) -> bytes:
    """Two text pairs whose Markdown embeds tracking pixels, and one pair of uploaded images."""
    rows: list[dict[str, Any]] = [
        {
            "id": f"text-{i}",
            "prompt": f"Question {i} ![]({tracker}/prompt-{i}.gif)",
            "candidates": [
                f"Answer {i} alpha ![logo]({tracker}/candidate-{i}a.gif)",
                f'Answer {i} beta <img src="{tracker}/raw-{i}.gif">',
            ],
        }
        for i in range(2)
    ]
    rows.append(
        {
            "id": "picture",
            "prompt": "Which picture is brighter?",
            "candidates": [
                {"content": [{"type": "image", "path": f"img/{name}.png", "alt": name}]}
                for name in ("first", "second")
            ],
        }
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("items.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
        for name in ("first", "second"):
            archive.writestr(f"img/{name}.png", tiny_png(name, size=24))
    return out.getvalue()


def _page(browser, server: str, email: str, notes: list[str], **options):  # type: ignore[no-untyped-def]
    """A signed-in page whose policy violations and uncaught errors go to ``notes``."""
    context = browser.new_context(viewport={"width": 1100, "height": 900}, **options)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.on("pageerror", lambda exc: notes.append(f"pageerror {exc}"))
    page.on(
        "console",
        lambda message: (
            notes.append(f"console {message.type} {message.text}")
            if any(sign in message.text for sign in CSP_SIGNS)
            else None
        ),
    )
    page.goto(f"{server}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_url(re.compile(r"/(annotate|admin)"))
    return page


def test_an_annotator_works_under_the_policy_and_no_external_image_is_requested(
    browser, server, db, unique
):
    researcher_email, annotator_email = f"r-{unique}@example.org", f"a-{unique}@example.org"
    make_user(db, researcher_email, "researcher")
    make_user(db, annotator_email, "annotator")
    slug = f"csp-{unique}"
    with capture_server() as (tracker, hits):
        researcher = httpx.Client(base_url=server, timeout=30)
        login(researcher, researcher_email)
        guidelines = (
            f"Pick the **better** answer.\n\n![pixel]({tracker}/guidelines-md.gif)\n\n"
            f'<img src="{tracker}/guidelines-html.gif" alt="pixel">'
        )
        spec = pairwise_spec(slug, redundancy=1, guidelines=guidelines)
        spec["participation"] = {"consent": f"We keep your answers. ![]({tracker}/consent.gif)"}
        assert researcher.post("/api/campaigns", json=spec).status_code == 201
        imported = researcher.post(
            f"/api/campaigns/{slug}/items/import",
            files={"file": ("items.zip", _items_zip(tracker), "application/zip")},
        )
        assert imported.status_code == 201, imported.text
        csp = researcher.get(f"/annotate/{slug}").headers["content-security-policy"]
        assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp

        notes: list[str] = []
        page = _page(browser, server, annotator_email, notes)
        page.goto(f"{server}/annotate/{slug}")

        consent = page.get_by_test_id("consent")
        consent.wait_for()
        assert consent.locator(".external-image-blocked").inner_text() == (
            f"external image blocked: {tracker}/consent.gif"
        )
        page.get_by_role("button", name="I agree").click()

        rated = []
        for _ in range(3):
            task = page.get_by_test_id("task")
            task.wait_for()
            assignment = task.get_attribute("data-assignment-id")
            if page.locator('[data-testid^="candidate-"] img').count():
                # The campaign's own media load under img-src 'self'.
                page.wait_for_function(
                    """() => [...document.querySelectorAll('[data-testid^="candidate-"] img')]
                        .every(i => i.complete && i.naturalWidth === 24)"""
                )
                rated.append("picture")
            else:
                # The prompt's pixel and candidate A's; B's raw <img> is model text, shown as
                # the literal text it is.
                blocked = task.locator(".external-image-blocked")
                assert blocked.count() == 2
                assert all(tracker in text for text in blocked.all_inner_texts())
                assert task.get_by_text(f'<img src="{tracker}/raw-').count() == 1
                rated.append("text")
            if not rated[1:]:
                page.keyboard.press("g")
                drawer = page.get_by_role("dialog", name="Guidelines")
                drawer.wait_for()
                assert drawer.locator("strong", has_text="better").count() == 1
                assert drawer.locator(".external-image-blocked").all_inner_texts() == [
                    f"external image blocked: {tracker}/guidelines-md.gif",
                    f"external image blocked: {tracker}/guidelines-html.gif",
                ]
                page.keyboard.press("Escape")
                drawer.wait_for(state="detached")
            page.keyboard.press("1")
            wait_moved_on(page, assignment)
        page.get_by_test_id("done").wait_for()
        assert sorted(rated) == ["picture", "text", "text"]

        # The researcher's campaign page shows the same guidelines.
        admin = _page(browser, server, researcher_email, notes)
        admin.goto(f"{server}/admin/campaigns/{slug}")
        admin.locator(".external-image-blocked").first.wait_for(state="attached")
        assert admin.locator(".external-image-blocked").count() == 2
        # Without the policy, the Markdown alone still keeps the browser from asking.
        unguarded = _page(browser, server, researcher_email, notes, bypass_csp=True)
        unguarded.goto(f"{server}/admin/campaigns/{slug}")
        unguarded.locator(".external-image-blocked").first.wait_for(state="attached")
        assert unguarded.locator(".external-image-blocked").count() == 2
        admin.wait_for_timeout(300)  # anything still loading has been asked for by now

        assert notes == []
        assert hits == []
        # The recorder and the capture server work: an inline script and a request to the
        # capture server are both seen when they happen.
        page.evaluate(
            """() => { const s = document.createElement('script');
                       s.textContent = 'window.__inline = 1'; document.head.appendChild(s); }"""
        )
        page.wait_for_function("() => true")
        admin.wait_for_timeout(200)
        assert page.evaluate("window.__inline") is None
        assert any("securitypolicyviolation script-src" in note for note in notes), notes
        assert httpx.get(f"{tracker}/control.gif").content == GIF
        assert hits == ["/control.gif"]
        researcher.close()
