"""The ``judgments`` format formatted from rows read undecoded (``JudgmentsWriter.batch_lines``
over ``judgment_reader.iter_raw_batches``) writes the bytes of the records path
(``JudgmentsWriter.lines``) and of the reference rows dumped, and the same manifest counts, on
SQLite and PostgreSQL: revisions, a gold item, marked standings, a missing time, three
candidates shown, text answers with escapes, small batches and caches starting afresh."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from support.api import jsonl, judge_next
from support.standings import set_standing

TRICKY = 'She said "hi" \\ then left.\nNew line\ttab \x01 é 中文 🙂 </script>'
QUESTIONS = [
    {"kind": "pairwise", "id": "preference", "prompt": "Which is better?", "allow_tie": True},
    {"kind": "text", "id": "rationale", "purpose": "rationale", "target": "item"},
    {"kind": "pairwise", "id": "style", "prompt": "Which reads better?", "allow_tie": True},
]
ITEMS = [
    {
        "id": 'item "one" é',
        "prompt": TRICKY,
        "candidates": [{"content": "a", "model": 'm-"q"'}, {"content": "b"}],
    },
    {
        "id": "two",
        "prompt": "plain",
        "candidates": [{"content": "c", "model": "m-c"}, {"content": "d", "model": "m-d"}],
    },
    {
        "id": "gold",
        "prompt": "2 + 2?",
        "gold": True,
        "candidates": [{"content": "4", "model": "m"}, {"content": "5", "model": "m"}],
    },
]
CHOICES = ["A", "B", "tie", "both_bad"]


@pytest.fixture
def judged(as_user, unique, db, migrated):  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"raw-{unique}"
    spec = {"name": slug, "slug": slug, "redundancy": 4, "questions": QUESTIONS}
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(ITEMS), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text
    people = [as_user() for _ in CHOICES]
    judged_ids = []
    for n, (person, choice) in enumerate(zip(people, CHOICES, strict=True)):
        for _ in ITEMS:
            answers = {
                "preference": {"choice": choice},
                "rationale": {"text": TRICKY if n % 2 else "ok"},
                "style": {"choice": CHOICES[-1 - n]},
            }
            judged_ids.append(judge_next(person, slug, answers, 1000 + n).json()["judgment_id"])
            if n == 0:  # undone and revised: both revisions are in the raw record
                undo = {"judgment_id": judged_ids[-1]}
                assert person.post(f"/api/annotate/{slug}/undo", json=undo).status_code == 200
                judge_next(person, slug, answers | {"preference": {"choice": "B"}}, 7)
    set_standing(db, slug, people[1].user_id, "excluded", "rule", "too fast")
    set_standing(db, slug, people[2].user_id, "flagged", "researcher", "odd")
    from prefhub.models import Judgment

    with db() as session:
        first, wide = judged_ids[1], judged_ids[-2]
        session.execute(update(Judgment).where(Judgment.id == first).values(time_spent_ms=None))
        shown = session.scalar(select(Judgment.shown_order).where(Judgment.id == wide))
        session.execute(
            update(Judgment).where(Judgment.id == wide).values(shown_order=[*shown, shown[0]])
        )
    return researcher, slug


def _export(researcher, slug: str, **options: Any) -> tuple[bytes, dict]:  # type: ignore[no-untyped-def]
    from prefhub.exports.tasks import execute_export

    body = {"format": "judgments", **options}
    created = researcher.post(f"/api/campaigns/{slug}/exports", json=body)
    assert created.status_code == 202, created.text
    job = execute_export(created.json()["id"])
    assert job is not None and job.folder, job and job.error_message
    folder = Path(job.folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    return (folder / "judgments.jsonl").read_bytes(), manifest


def _counted_raw_batches(monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    """A list that grows by each raw batch read."""
    from prefhub.exports import judgment_reader, row_writing

    real, used = judgment_reader.iter_raw_batches, []

    def counted(*args):  # type: ignore[no-untyped-def]
        for batch in real(*args):
            used.append(len(batch.judgments))
            yield batch

    monkeypatch.setattr(row_writing, "iter_raw_batches", counted)
    return used


def _without_files(manifest: dict) -> dict:
    return {k: v for k, v in manifest.items() if k != "files"}


@pytest.mark.parametrize("options", [{}, {"include_gold": True, "salt": "s1"}])
def test_raw_batches_write_the_bytes_of_records_and_of_dumped_rows(judged, monkeypatch, options):  # type: ignore[no-untyped-def]
    from prefhub.exports import row_writing
    from prefhub.exports.dpo_encoding import dumps_row

    researcher, slug = judged
    used = _counted_raw_batches(monkeypatch)
    raw, raw_manifest = _export(researcher, slug, **options)
    assert used, "the raw path did not run"
    monkeypatch.setattr(row_writing, "reads_raw", lambda writer, scope: False)
    records, records_manifest = _export(researcher, slug, **options)
    monkeypatch.setattr(row_writing, "_encoder", lambda w: lambda r: map(dumps_row, w.rows(r)))
    dumped, dumped_manifest = _export(researcher, slug, **options)
    assert raw == records == dumped
    assert _without_files(raw_manifest) == _without_files(records_manifest)
    assert raw_manifest["counts"] == dumped_manifest["counts"]
    rows = [json.loads(line) for line in raw.splitlines()]
    assert raw_manifest["counts"]["rows"] == len(rows) > 0
    # Every case the template and its fallback write is in the file.
    assert {row["current"] for row in rows} == {True, False}
    assert None in {row["time_spent_ms"] for row in rows}
    assert {len(row["shown_order"]) for row in rows} == {2, 3}
    assert {row["metadata"].get("standing") for row in rows} >= {"excluded", "flagged", None}
    assert {row["question"] for row in rows} == {q["id"] for q in QUESTIONS}
    gold = {row["item_id"] for row in rows} & {"gold"}
    assert bool(gold) is bool(options.get("include_gold"))
    if gold:
        assert all("gold" in r["metadata"] for r in rows if r["item_id"] == "gold")


def test_batches_of_one_and_caches_starting_afresh_write_the_same_bytes(judged, monkeypatch):  # type: ignore[no-untyped-def]
    from prefhub.exports import judgment_reader, row_writing
    from prefhub.exports.formats import judgments

    researcher, slug = judged
    expected, expected_manifest = _export(researcher, slug, include_gold=True)
    monkeypatch.setattr(judgment_reader, "BATCH_SIZE", 1)
    monkeypatch.setattr(judgments, "CACHED", 0)
    used = _counted_raw_batches(monkeypatch)
    raw, manifest = _export(researcher, slug, include_gold=True)
    assert used == [1] * manifest["counts"]["judgments"]
    assert raw == expected
    assert manifest["counts"] == expected_manifest["counts"]
    assert manifest["files"][0]["sha256"] == expected_manifest["files"][0]["sha256"]
    monkeypatch.setattr(row_writing, "reads_raw", lambda writer, scope: False)
    assert _export(researcher, slug, include_gold=True)[0] == expected
