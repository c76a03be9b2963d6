"""The README's pictures are real and retakeable: every image it shows from docs/screenshots exists,
is a PNG of the size `make screenshots` takes, and is written by a `save_screenshot` call in a
browser test, so the README cannot point at a picture no test makes."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "docs" / "screenshots"
# ![alt](docs/screenshots/name.png) or <img src="docs/screenshots/name.png">
README_IMAGE = re.compile(r"""(?:\]\(|src=["'])(?:\./)?docs/screenshots/([^)"'\s]+)""")
SAVE_CALL = re.compile(r"""save_screenshot\(\s*\w+\s*,\s*["']([a-z0-9-]+)["']""")


def _readme_images() -> list[str]:
    return README_IMAGE.findall((ROOT / "README.md").read_text())


def _names_the_tests_save() -> set[str]:
    return {
        name
        for source in (ROOT / "tests" / "e2e").glob("*.py")
        for name in SAVE_CALL.findall(source.read_text())
    }


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_the_readme_shows_screenshots_of_the_researcher_workspace() -> None:
    images = _readme_images()
    assert len(images) >= 4, images
    assert len(set(images)) == len(images), "an image is shown twice"


def test_every_readme_screenshot_exists_at_the_size_the_tests_take() -> None:
    from support.browser import SCREENSHOT_VIEWPORT

    for image in _readme_images():
        path = SCREENSHOTS / image
        assert path.is_file(), f"README shows {image}, missing from docs/screenshots"
        assert _png_size(path) == (SCREENSHOT_VIEWPORT["width"], SCREENSHOT_VIEWPORT["height"])


def test_every_readme_screenshot_is_taken_by_a_browser_test() -> None:
    taken = _names_the_tests_save()
    for image in _readme_images():
        assert image.endswith(".png"), image
        assert image.removesuffix(".png") in taken, (
            f"README shows {image}, but no test in tests/e2e calls save_screenshot(page, "
            f"{image.removesuffix('.png')!r})"
        )


def test_the_committed_screenshots_are_small() -> None:
    pictures = list(SCREENSHOTS.glob("*.png"))
    assert sum(p.stat().st_size for p in pictures) < 2_000_000


def test_save_screenshot_writes_nothing_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    from support.browser import save_screenshot

    class NoPage:
        """Any use of the page would fail: without PREFHUB_SCREENSHOTS=1 none may happen."""

        def __getattr__(self, name: str) -> object:
            raise AssertionError(f"save_screenshot used page.{name}")

    monkeypatch.delenv("PREFHUB_SCREENSHOTS", raising=False)
    assert save_screenshot(NoPage(), "anything") is None
    monkeypatch.setenv("PREFHUB_SCREENSHOTS", "0")
    assert save_screenshot(NoPage(), "anything") is None
