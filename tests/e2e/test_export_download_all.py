"""In headless Chromium, a researcher's exports panel lists every file of an export
(manifest.json included) and "Download all (.zip)" saves the whole folder as one zip."""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

import httpx
import pytest

from support.api import create_campaign_with_items, finished_export, login, make_user
from support.browser import signed_in_page

pytestmark = pytest.mark.browser


def test_download_all_saves_the_export_folder_the_panel_lists(
    browser, server, db, unique, tmp_path: Path
):
    email = f"zip-{unique}@example.org"
    make_user(db, email, "researcher")
    researcher = httpx.Client(base_url=server, timeout=30)
    login(researcher, email)
    slug = f"zip-{unique}"
    create_campaign_with_items(researcher, slug, n_items=2, redundancy=1)
    done = finished_export(researcher, slug, "judgments")
    listed = {f["name"]: f["sha256"] for f in done["files"]}
    assert {"manifest.json", "README.md", "croissant.json"} <= set(listed)

    page = signed_in_page(browser, server, email, r"/admin$")
    page.goto(f"{server}/admin/campaigns/{slug}")
    files = page.get_by_role("list", name=f"Export {done['id']} files")
    files.wait_for()
    shown = files.get_by_role("link").all_inner_texts()
    assert sorted(shown) == sorted(listed)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download all (.zip)").click()
    download = download_info.value
    stem = f"{slug}-judgments-{done['id']}"
    assert download.suggested_filename == f"{stem}.zip"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        members = {
            re.sub(f"^{stem}/", "", name): hashlib.sha256(archive.read(name)).hexdigest()
            for name in archive.namelist()
        }
    assert members == listed
    assert page.js_errors == []
