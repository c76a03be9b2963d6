"""``prefhub export --out X`` writes a new folder and never deletes or overwrites one it did not
create: an existing ``X``, or an ``X.partial`` that no export left, is refused untouched."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select


def _said(result) -> str:
    """The command's output as one line (the console wraps long messages)."""
    return " ".join(result.output.split())


def _export_jobs(db, slug: str) -> int:
    from prefhub.models import Campaign, ExportJob

    with db() as session:
        return session.scalar(
            select(func.count(ExportJob.id)).join(Campaign).where(Campaign.slug == slug)
        )


def test_a_partial_folder_someone_else_made_survives_and_the_export_fails(
    cli, judged, tmp_path, db
):
    out = tmp_path / "dataset"
    partial = tmp_path / "dataset.partial"
    (partial / "notes").mkdir(parents=True)
    (partial / "notes" / "thesis.txt").write_text("three years of work")

    result = cli("export", judged, "--out", str(out))

    assert result.exit_code == 1
    assert "dataset.partial exists and was not left by a prefhub export" in _said(result)
    assert (partial / "notes" / "thesis.txt").read_text() == "three years of work"
    assert sorted(p.name for p in partial.rglob("*")) == ["notes", "thesis.txt"]
    assert not out.exists()
    assert _export_jobs(db, judged) == 0  # refused before a job was made


@pytest.mark.parametrize("existing", ["empty folder", "folder with a file", "file"])
def test_an_existing_destination_is_refused_untouched(cli, judged, tmp_path, db, existing):
    out = tmp_path / "dataset"
    if existing == "file":
        out.write_text("keep me")
    else:
        out.mkdir()
        if existing == "folder with a file":
            (out / "keep.txt").write_text("keep me")

    result = cli("export", judged, "--out", str(out))

    assert result.exit_code == 1
    assert "dataset already exists" in _said(result)
    if existing == "file":
        assert out.read_text() == "keep me"
    else:
        assert [p.name for p in out.iterdir()] == (["keep.txt"] if "file" in existing else [])
    assert not (tmp_path / "dataset.partial").exists()
    assert _export_jobs(db, judged) == 0


def test_a_crashed_exports_partial_folder_is_cleared_and_the_export_completes(
    cli, judged, tmp_path
):
    from prefhub.exports.service import PARTIAL_MARKER

    out = tmp_path / "dataset"
    partial = tmp_path / "dataset.partial"
    partial.mkdir()
    (partial / PARTIAL_MARKER).write_text("left by an export that was killed\n")
    (partial / "dpo.jsonl").write_text('{"half": "a row')

    result = cli("export", judged, "--out", str(out))

    assert result.exit_code == 0, result.output
    assert not partial.exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["manifest.json", *(f["name"] for f in manifest["files"])]
    )
    assert all(json.loads(line)["prompt"] for line in (out / "dpo.jsonl").read_text().splitlines())
