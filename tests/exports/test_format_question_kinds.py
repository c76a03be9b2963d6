"""Every export format declares the question kinds it reads (``question_fit``: asked of its
writers), and the declaration is what the export does: a campaign asking only a kind the
format reads gives rows, a campaign asking only another kind gives none. The admin form opens
on the first format that fits and ``prefhub export`` warns before an empty export."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from support.api import jsonl
from support.media import wav

# One question of each kind, and an answer that states something about candidates A and B.
QUESTIONS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "pairwise": ({"kind": "pairwise", "id": "q"}, {"choice": "A"}),
    "ranking": ({"kind": "ranking", "id": "q"}, {"ranking": [["A"], ["B"]]}),
    "binary": ({"kind": "binary", "id": "q"}, {"votes": {"A": "up", "B": "down"}}),
    "negative_only": (
        {"kind": "negative_only", "id": "q"},
        {"unacceptable": {"B": ["incorrect"]}},
    ),
    "rating": (
        {"kind": "rating", "id": "q", "attributes": [{"id": "helpfulness", "label": "H"}]},
        {"scores": {"A": {"helpfulness": 4}, "B": {"helpfulness": 1}}},
    ),
    "text": (
        {"kind": "text", "id": "q", "purpose": "critique", "target": "candidate"},
        {"texts": {"A": "A is vague."}},
    ),
    "labels": ({"kind": "labels", "id": "q", "target": "prompt"}, {"values": {"quality": 3}}),
}


def _png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, format="PNG")
    return out.getvalue()


def _import(media: str) -> tuple[str, bytes, str]:
    """One item with two candidates: texts, or two image (audio) files in a zip."""
    if media == "none":
        candidates = [{"content": "It is 4.", "model": "m1"}, {"content": "Five.", "model": "m2"}]
        row = {"id": "item-0", "prompt": "What is 2 + 2?", "candidates": candidates}
        return "items.jsonl", jsonl([row]), "application/jsonl"
    files = (
        {"a.png": _png((200, 30, 30)), "b.png": _png((30, 30, 200))}
        if media == "image"
        else {"a.wav": wav(0.2, frequency=220), "b.wav": wav(0.2, frequency=880)}
    )
    row = {
        "id": "item-0",
        "prompt": "Make one.",
        "candidates": [
            {"content": [{"type": media, "path": name}], "model": f"m{n}"}
            for n, name in enumerate(files)
        ],
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("items.jsonl", json.dumps(row) + "\n")
        for name, data in files.items():
            archive.writestr(name, data)
    return "items.zip", out.getvalue(), "application/zip"


@pytest.fixture
def judged_campaign(as_user, unique):  # type: ignore[no-untyped-def]
    """make(kind, media) -> the slug of a campaign asking one question of ``kind`` about
    candidates holding ``media`` ("none": text), judged once."""
    researcher = as_user("researcher")

    def make(kind: str, media: str) -> str:
        question, answer = QUESTIONS[kind]
        slug = f"fit-{kind.replace('_', '-')}-{media}-{unique}"
        spec = {"name": slug, "slug": slug, "redundancy": 1, "questions": [question]}
        assert researcher.post("/api/campaigns", json=spec).status_code == 201
        imported = researcher.post(
            f"/api/campaigns/{slug}/items/import", files={"file": _import(media)}
        )
        assert imported.status_code == 201, imported.text
        annotator = as_user()
        task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
        submission = {
            "assignment_id": task["assignment_id"],
            "client_id": str(uuid.uuid4()),
            "answers": {"q": answer},
        }
        submitted = annotator.post(f"/api/annotate/{slug}/submit", json=submission)
        assert submitted.status_code == 200, submitted.text
        return slug

    make.researcher = researcher  # type: ignore[attr-defined]
    return make


def _variants(entry: Any) -> list[dict[str, Any]]:
    """The default options and every other setting of an option that may change what the
    format reads (aggregation methods, flags)."""
    from prefhub.exports.question_fit import _variants

    return [{}] + [change for option in entry.options for change in _variants(entry, option)]


@pytest.mark.parametrize("kind", list(QUESTIONS))
def test_every_format_gives_rows_exactly_for_the_question_kinds_it_declares(
    kind, judged_campaign, db, tmp_path: Path
):
    from prefhub.campaigns.service import get_by_slug
    from prefhub.exports import registry
    from prefhub.exports.formats.media_pairs import candidate_media
    from prefhub.exports.question_fit import reads
    from prefhub.exports.schemas import ExportOptions
    from prefhub.exports.service import write_export

    slugs: dict[str, str] = {}
    checked = 0
    for entry in registry.for_kind("item"):
        carried = candidate_media(entry)
        media = "none" if carried == "any" else carried
        if media not in slugs:
            slugs[media] = judged_campaign(kind, media)
        for change in _variants(entry):
            options = ExportOptions(format=entry.name, **change)
            declared = reads(entry, options)
            with db() as session:
                manifest = write_export(
                    session,
                    get_by_slug(session, slugs[media]),
                    options,
                    tmp_path / f"{entry.name}-{checked}",
                )
            rows = manifest["counts"]["rows"]
            expected = declared is None or kind in declared
            assert (rows > 0) == expected, (entry.name, change, declared, rows)
            checked += 1
    assert checked > len(registry.for_kind("item"))  # option variants were exported too


def test_the_format_list_says_what_each_format_reads_and_which_candidates_it_carries(as_user):
    formats = {
        f["name"]: f for f in as_user("researcher").get("/api/exports/formats").json()["formats"]
    }
    reads = {name: f["question_kinds"] for name, f in formats.items()}
    assert reads["dpo"] == reads["reward"] == ["pairwise", "ranking", "rating"]
    assert reads["kto"] == ["binary", "negative_only"]
    assert formats["kto"]["question_kinds_by_option"] == {
        "kto_from_preferences": ["pairwise", "ranking"]
    }
    assert reads["ranking"] == ["ranking", "rating"]
    assert formats["ranking"]["question_kinds_by_option"] == {"aggregation": ["pairwise"]}
    assert reads["ratings"] == ["rating"] and reads["feedback"] == ["text"]
    assert reads["judgments"] is None and reads["annotators"] is None
    assert reads["image_pairs"] == reads["audio_pairs"] == ["pairwise", "ranking", "rating"]
    carries = {name: f["candidate_media"] for name, f in formats.items()}
    assert carries["image_pairs"] == "image" and carries["audio_pairs"] == "audio"
    assert carries["dpo"] == carries["kto"] == carries["feedback"] == "none"
    assert carries["judgments"] == carries["annotators"] == "any"


def test_the_campaign_export_list_says_what_media_its_candidates_hold(judged_campaign):
    researcher = judged_campaign.researcher
    for media, held in (("none", []), ("image", ["image"]), ("audio", ["audio"])):
        listed = researcher.get(f"/api/campaigns/{judged_campaign('pairwise', media)}/exports")
        assert listed.status_code == 200 and listed.json()["candidate_media"] == held


def test_the_cli_warns_when_the_format_reads_no_question_of_the_campaign(
    judged_campaign, tmp_path: Path
):
    from typer.testing import CliRunner

    from prefhub.cli.main import app

    slug = judged_campaign("binary", "none")  # a KTO-thumbs campaign
    empty = CliRunner().invoke(app, ["export", slug, "--out", str(tmp_path / "dpo")])
    assert empty.exit_code == 0, empty.output
    output = " ".join(empty.output.split())
    assert f"warning: 'dpo' reads no question of '{slug}' (its questions: binary)" in output
    assert "Formats that read its questions: judgments, kto, annotators" in output
    assert "wrote 0 rows" in output

    fitting = CliRunner().invoke(
        app, ["export", slug, "--out", str(tmp_path / "kto"), "--format", "kto"]
    )
    assert fitting.exit_code == 0, fitting.output
    assert "reads no question" not in fitting.output and "wrote 2 rows" in fitting.output


FIXTURE = Path(__file__).parents[2] / "frontend/src/features/admin/testing/export-formats.ts"


def _fixture_source() -> str:
    from prefhub.exports.service import describe_formats

    listed = json.dumps(describe_formats().model_dump(mode="json"), indent=2, ensure_ascii=False)
    return (
        "// GET /api/exports/formats as the server answers it, for the admin UI's tests.\n"
        "// Written by tests/exports/test_format_question_kinds.py, which fails when the\n"
        "// server's list changes; PREFHUB_WRITE_FIXTURES=1 and that test rewrite it.\n"
        "// Do not edit by hand.\n"
        "import type { ExportFormatList } from '../api/get-export-formats';\n\n"
        f"export const exportFormats: ExportFormatList = {listed};\n"
    )


def test_the_admin_uis_format_fixture_is_the_servers_format_list():
    """The vitest tests of the export form read the formats the server really lists."""
    import os

    expected = _fixture_source()
    if os.environ.get("PREFHUB_WRITE_FIXTURES") == "1":
        FIXTURE.write_text(expected, "utf-8")
    assert FIXTURE.read_text("utf-8") == expected, (
        f"{FIXTURE.name} is not the server's format list: rerun this test with "
        "PREFHUB_WRITE_FIXTURES=1 to rewrite it"
    )
