"""A published export never hands out a crowd link's completion code or return URL: they are how
crowd workers get paid, and the manifest, card and Croissant all carry the campaign's config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.api import create_campaign_with_items, judge_next


@pytest.mark.parametrize("export_format", ["dpo", "judgments", "annotators"])
def test_no_export_file_holds_the_completion_code_or_return_url(as_user, unique, db, export_format):
    from prefhub.exports.tasks import execute_export
    from prefhub.models import ExportJob

    researcher = as_user("researcher")
    slug = f"leak-{unique}"
    create_campaign_with_items(researcher, slug, n_items=2, redundancy=1)
    code = f"PAYME{unique.upper()}"
    url = f"https://crowd.example.org/submissions/complete-{unique}?cc={code}"
    spec = researcher.get(f"/api/campaigns/{slug}").json()["spec"]
    crowd = {"completion_code": code, "completion_url": url, "target_count": 2}
    updated = researcher.put(
        f"/api/campaigns/{slug}/spec", json=spec | {"participation": {"crowd": crowd}}
    )
    assert updated.status_code == 200, updated.text
    assert (
        researcher.get(f"/api/campaigns/{slug}").json()["spec"]["participation"]["crowd"][
            "completion_code"
        ]
        == code
    )  # the researcher still sees their own link
    annotator = as_user("annotator")
    for _ in range(2):
        assert judge_next(annotator, slug, {"preference": {"choice": "A"}}).status_code == 200

    job = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": export_format})
    execute_export(job.json()["id"])
    with db() as session:
        folder = Path(session.get(ExportJob, job.json()["id"]).folder)

    files = [path for path in folder.rglob("*") if path.is_file()]
    assert {"manifest.json", "README.md", "croissant.json"} <= {path.name for path in files}
    for path in files:
        text = path.read_bytes().decode("utf-8", "replace")
        assert code not in text, path.name
        assert f"complete-{unique}" not in text, path.name
    manifest = json.loads((folder / "manifest.json").read_text())
    shown = manifest["campaign"]["spec"]["participation"]["crowd"]
    assert shown["completion_code"] == "[redacted]" and "completion_url" not in shown
    assert shown["target_count"] == 2  # the rest of the config snapshot is kept
    # A crowd campaign judged by an invited account: the card says where they came from.
    card = (folder / "README.md").read_text()
    assert "By where they came from: accounts of the prefhub instance 1." in card
    assert "crowd platform entry link" not in card
    assert manifest["counts"]["annotators_by_source"] == {"invited": 1, "crowd": 0, "simulated": 0}
