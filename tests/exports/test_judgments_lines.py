"""The ``judgments`` format's template lines are the bytes its reference rows dump to."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from prefhub.exports.dpo_encoding import dumps_row
from prefhub.exports.formats.judgments import JudgmentsWriter
from prefhub.exports.judgment_record import JudgmentRecord
from prefhub.exports.standings import Standing

KINDS = {"preference": "pairwise", 'odd "id" é\n': "text", "stars": "rating"}


def _record(judgment_id: int, answers: dict[str, Any], **changes: Any) -> JudgmentRecord:
    base = JudgmentRecord(
        judgment_id=judgment_id,
        annotator_pseudonym="ann-00112233aabbccdd",
        item_external_id=f'item-{judgment_id} «quoted "id"»',
        context=[],
        answers=answers,
        shown_order=[12, 11],
        candidates={11: ([], "qwen2.5-7b"), 12: ([], None)},
        time_spent_ms=4200,
        campaign_version=3,
        created_at="2026-10-01T08:00:02Z",
    )
    return replace(base, **changes)


def test_judgments_lines_write_the_bytes_of_the_dumped_rows() -> None:
    writer = JudgmentsWriter("camp-ü", KINDS)
    shared: dict[str, Any] = {"preference": {"choice": "A", "strength": None, "aspects": {}}}
    several = {
        "stars": {"ratings": {"11": 4.5, "12": 1}},
        'odd "id" é\n': {"text": "tab\there, line\nthere, emoji 🙂"},
        "preference": {"choice": "tie"},
        "unlisted": [1, True, None],
    }
    records = [
        _record(1, shared),
        # The same answers object and shown order again: the cached pieces are reused.
        _record(2, shared, annotator_pseudonym="ann-ffeeddccbbaa9988"),
        _record(3, several, time_spent_ms=None, revision=2, supersedes_id=1, is_current=False),
        # A candidate the record does not know, and three shown.
        _record(4, shared, shown_order=[12, 11, 99], simulated=True),
        # Same ids in another order.
        _record(5, dict(shared), shown_order=[11, 12]),
        # Rows whose metadata the template does not hold: dumped as they are.
        _record(6, shared, gold=True, gold_score=0.5),
        _record(7, shared, profile={"country": "DE"}),
        _record(8, shared, standing=Standing("flagged", "rule", "too fast")),
    ]
    for record in records:
        expected = [dumps_row(row) for row in writer.rows(record)]
        assert list(writer.lines(record)) == expected
    # A fresh writer (empty caches) writes the same lines as one that has cached pieces.
    fresh = JudgmentsWriter("camp-ü", KINDS)
    assert list(fresh.lines(records[1])) == list(writer.lines(records[1]))
