"""The dpo encoding contract (exports/dpo_encoding.py): its three encoders write the same
bytes, whatever the text holds and however the batches fall, on SQLite and PostgreSQL.

The encoders: ``DpoWriter.rows()`` dumped (the reference), ``DpoWriter.lines()``, and
``fast_dpo``'s joined pieces (on PostgreSQL its threaded ``batches``, elsewhere
``portable_batches``)."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import aliased

from support.api import jsonl

TRICKY = [
    'She said "hi" \\ then left.\nNew line\ttab \x01 bell',
    "Unicode: é ü 中文 🙂 and </script><script>alert(1)</script>",
    "",
]
QUESTIONS = [
    {"kind": "pairwise", "id": "preference", "prompt": "Which is better?", "allow_tie": True},
    {"kind": "text", "id": "rationale", "purpose": "rationale", "target": "item"},
    {"kind": "pairwise", "id": "style", "prompt": "Which reads better?", "allow_tie": True},
]
# What each annotator answers, by item position; "style" ties and bad choices included.
CHOICES = [("A", "B"), ("B", "tie"), ("both_bad", "A"), ("tie", "both_bad")]


def _items() -> list[dict]:
    return [
        {
            "id": "tricky-0",
            "prompt": [
                {"role": "system", "content": TRICKY[0]},
                {  # parts of a turn are joined by a blank line
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "First"},
                        {"type": "text", "text": 'turn "2"'},
                    ],
                },
                {"role": "assistant", "content": TRICKY[1]},
                {"role": "user", "content": "And now?"},
            ],
            "language": "en",
            "candidates": [
                {"content": TRICKY[0], "model": 'm-"quoted"'},
                {"content": TRICKY[1]},
            ],
        },
        {
            "id": 'item "two" é',
            "prompt": TRICKY[1],
            "candidates": [
                {
                    "content": [
                        {"type": "text", "text": "part one"},
                        {"type": "text", "text": "two"},
                    ],
                    "model": "m-b",
                },
                {"content": "plain", "model": "m-c"},
            ],
        },
        {
            "id": "gold",
            "prompt": "2 + 2?",
            "gold": True,
            "candidates": [{"content": "4", "model": "m"}, {"content": "5", "model": "m"}],
        },
    ]


@pytest.fixture
def judged(as_user, unique, db, migrated):
    researcher = as_user("researcher")
    slug = f"fast-{unique}"
    spec = {"name": slug, "slug": slug, "redundancy": 4, "questions": QUESTIONS}
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(_items()), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text
    for n, (preference, style) in enumerate(CHOICES):
        annotator = as_user()
        for _ in _items():
            task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
            answers = {
                "preference": {"choice": preference},
                "rationale": {"text": TRICKY[n % 2]},
                "style": {"choice": style},
            }
            submitted = annotator.post(
                f"/api/annotate/{slug}/submit",
                json={
                    "assignment_id": task["assignment_id"],
                    "client_id": str(uuid.uuid4()),
                    "answers": answers,
                    "time_spent_ms": 1234 + n,
                },
            ).json()
            if n == 0:  # undone and revised: only the newest revision is exported
                annotator.post(
                    f"/api/annotate/{slug}/undo", json={"judgment_id": submitted["judgment_id"]}
                )
                annotator.post(
                    f"/api/annotate/{slug}/submit",
                    json={
                        "assignment_id": task["assignment_id"],
                        "client_id": str(uuid.uuid4()),
                        "answers": answers | {"preference": {"choice": "B"}},
                    },
                )
    from prefhub.models import Campaign, Item, Judgment

    with db() as session:
        newer = aliased(Judgment)
        judgments = session.execute(  # current ones, of item "tricky-0": in every export below
            select(Judgment.id, Judgment.shown_order, Judgment.answers)
            .join(Item, Item.id == Judgment.item_id)
            .join(Campaign, Campaign.id == Item.campaign_id)
            .where(Campaign.slug == slug, Item.external_id == "tricky-0")
            .where(~select(newer.id).where(newer.supersedes_id == Judgment.id).exists())
            .order_by(Judgment.id)
        ).all()
        # Of those answered A or B: one without a time, one shown more than two candidates.
        untimed, *_, wide = [
            j for j in judgments if j.answers["preference"]["choice"] in ("A", "B")
        ]
        no_time = update(Judgment).where(Judgment.id == untimed.id).values(time_spent_ms=None)
        session.execute(no_time)
        shown = [*wide.shown_order, wide.shown_order[0]]
        session.execute(update(Judgment).where(Judgment.id == wide.id).values(shown_order=shown))
    return researcher, slug


def _export(researcher, slug: str, **options) -> tuple[bytes, dict]:
    from prefhub.exports.tasks import execute_export

    created = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "dpo", **options})
    assert created.status_code == 202, created.text
    job = execute_export(created.json()["id"])
    assert job is not None and job.folder
    folder = Path(job.folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    return (folder / "dpo.jsonl").read_bytes(), manifest


def _fast_batches(monkeypatch) -> tuple[str, list[int]]:
    """The name of the database's fast path, and a list that grows each time it runs."""
    from prefhub.exports import fast_dpo
    from prefhub.kit.db import get_engine

    name = "batches" if get_engine().dialect.name == "postgresql" else "portable_batches"
    used: list[int] = []
    real = getattr(fast_dpo, name)

    def counted(*args):
        used.append(1)
        return real(*args)

    monkeypatch.setattr(fast_dpo, name, counted)
    return name, used


@pytest.mark.parametrize(
    "options", [{}, {"include_gold": True, "salt": "s1"}, {"languages": ["en"]}]
)
def test_the_three_dpo_encoders_write_the_same_bytes(judged, monkeypatch, options):
    from prefhub.exports import fast_dpo, row_writing
    from prefhub.exports.dpo_encoding import dumps_row

    researcher, slug = judged
    name, used = _fast_batches(monkeypatch)
    fast, fast_manifest = _export(researcher, slug, **options)
    assert used, f"the fast path ({name}) did not run"
    monkeypatch.setattr(fast_dpo, "applies", lambda *a: False)
    lines, lines_manifest = _export(researcher, slug, **options)
    # The reference: each row a dict, dumped.
    monkeypatch.setattr(row_writing, "_encoder", lambda w: lambda r: map(dumps_row, w.rows(r)))
    dumped, dumped_manifest = _export(researcher, slug, **options)
    assert fast.count(b"\n") >= 4 and fast == lines == dumped
    drop = ("files",)  # the data files are equal; the card names its own export
    assert {k: v for k, v in fast_manifest.items() if k not in drop} == {
        k: v for k, v in lines_manifest.items() if k not in drop
    }
    assert lines_manifest["counts"] == dumped_manifest["counts"]
    assert fast_manifest["counts"]["skipped_no_preference"]["tie"] > 0
    rows = [json.loads(line) for line in fast.splitlines()]
    assert {row["metadata"]["question"] for row in rows} == {"preference", "style"}
    assert {len(row["metadata"]["shown_order"]) for row in rows} == {2, 3}
    assert None in {row["metadata"]["time_spent_ms"] for row in rows}


def test_small_batches_and_cache_resets_give_the_same_bytes(judged, monkeypatch):
    """Batches of one judgment, and a piece cache that starts afresh at every batch, change
    nothing: the lines, their order and the counts stay the Python writer's."""
    from prefhub.exports import fast_dpo
    from prefhub.kit.db import get_engine

    researcher, slug = judged
    monkeypatch.setattr(fast_dpo, "BATCH", 1)
    monkeypatch.setattr(fast_dpo, "CACHED_CANDIDATES", 1)
    progress: list[int] = []
    name = "batches" if get_engine().dialect.name == "postgresql" else "portable_batches"
    real = getattr(fast_dpo, name)

    def counted(*args):
        for data, rows, read in real(*args):
            progress.append(read)
            yield data, rows, read

    monkeypatch.setattr(fast_dpo, name, counted)
    fast, fast_manifest = _export(researcher, slug)
    monkeypatch.setattr(fast_dpo, "applies", lambda *a: False)
    python, python_manifest = _export(researcher, slug)
    assert fast == python and fast.count(b"\n") == fast_manifest["counts"]["rows"]
    # One batch per judgment read (superseded revisions and gold items are not read).
    assert progress == [1] * fast_manifest["counts"]["judgments"]
    assert fast_manifest["counts"] == python_manifest["counts"]
    assert fast_manifest["files"][0]["sha256"] == python_manifest["files"][0]["sha256"]


def test_json_made_on_insert_and_json_made_at_export_give_the_same_bytes(judged, db):
    """Items and candidates get their export JSON when they are written; rows written before
    that column existed (null) are encoded by the export, to the same bytes."""
    from prefhub.models import Campaign, Candidate, Item

    researcher, slug = judged
    with db() as session:
        campaign = session.query(Campaign).filter_by(slug=slug).one()
        items = session.query(Item).filter_by(campaign_id=campaign.id).all()
        candidates = session.query(Candidate).filter(
            Candidate.item_id.in_([item.id for item in items])
        )
        assert items and all(item.prompt_json for item in items)
        assert all(candidate.text_json for candidate in candidates)
    stored, manifest = _export(researcher, slug)
    with db() as session:
        ids = [item.id for item in items]
        session.execute(update(Item).where(Item.id.in_(ids)).values(prompt_json=None))
        session.execute(update(Candidate).where(Candidate.item_id.in_(ids)).values(text_json=None))
    encoded, _ = _export(researcher, slug)
    assert stored == encoded and stored.count(b"\n") == manifest["counts"]["rows"] > 0


def test_exports_backfill_stores_the_json_of_rows_written_before_it(judged, db):
    """`prefhub exports backfill` gives rows without export JSON what an insert gives them, a
    batch per transaction, until none is left; exports stay the same bytes."""
    from typer.testing import CliRunner

    from prefhub.cli.main import app
    from prefhub.models import Campaign, Candidate, Item

    researcher, slug = judged
    with db() as session:
        campaign = session.query(Campaign).filter_by(slug=slug).one()
        items = dict(
            session.execute(
                select(Item.id, Item.prompt_json).where(Item.campaign_id == campaign.id)
            ).all()
        )
        texts = dict(
            session.execute(
                select(Candidate.id, Candidate.text_json).where(Candidate.item_id.in_(items))
            ).all()
        )
    before, _ = _export(researcher, slug)
    with db() as session:
        session.execute(update(Item).where(Item.id.in_(items)).values(prompt_json=None))
        session.execute(update(Candidate).where(Candidate.id.in_(texts)).values(text_json=None))
    result = CliRunner().invoke(app, ["exports", "backfill", "--batch", "2"])
    assert result.exit_code == 0, result.output
    filled = re.search(r"export JSON of (\d+) items and (\d+) candidates", result.output)
    assert filled and int(filled[1]) >= len(items) and int(filled[2]) >= len(texts)
    with db() as session:
        assert (
            dict(session.execute(select(Item.id, Item.prompt_json).where(Item.id.in_(items))).all())
            == items
        )
        assert (
            dict(
                session.execute(
                    select(Candidate.id, Candidate.text_json).where(Candidate.id.in_(texts))
                ).all()
            )
            == texts
        )
    again = CliRunner().invoke(app, ["exports", "backfill"])
    assert "export JSON of 0 items and 0 candidates" in again.output
    after, _ = _export(researcher, slug)
    assert after == before
