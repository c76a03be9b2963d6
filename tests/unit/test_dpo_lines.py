"""The dpo writer's fast ``lines()`` writes byte for byte what dumping ``rows()`` writes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from prefhub.exports.dpo_encoding import dumps_row
from prefhub.exports.formats import dpo
from prefhub.exports.formats.dpo import DpoWriter
from prefhub.exports.judgment_record import JudgmentRecord

KINDS = {"preference": "pairwise", "style": "pairwise", "notes": "text"}


def text(value: str) -> list[dict[str, str]]:
    return [{"type": "text", "text": value}]


def record(judgment_id: int, answers: dict, **changes) -> JudgmentRecord:
    fields: dict[str, Any] = {
        "judgment_id": judgment_id,
        "annotator_pseudonym": "ann-0123456789abcdef",
        "item_external_id": 'item "7" \\ ünïcode',
        "context": [
            {"role": "system", "content": text("Be brief.")},
            {"role": "user", "content": text('Say "hi"\nin\tFrench 🇫🇷')},
        ],
        "answers": answers,
        "shown_order": [12, 11],
        "candidates": {
            11: (text("Salut ! </script> \u2028"), "model-a"),
            12: ([*text("Bonjour."), {"type": "image", "sha256": "0" * 64}], None),
        },
        "time_spent_ms": None,
        "campaign_version": 3,
        "created_at": "2026-11-01T10:00:00Z",
    }
    return JudgmentRecord(**(fields | changes))


RECORDS = [
    record(1, {"preference": {"choice": "A", "strength": None, "aspects": {}}}),
    record(2, {"preference": {"choice": "B"}, "style": {"choice": "A"}, "notes": {"text": "x"}}),
    record(3, {"preference": {"choice": "tie"}}, time_spent_ms=4200),
    record(4, {"preference": {"choice": "both_bad"}, "style": {"choice": "B"}}),
    record(5, {"preference": {"choice": "A"}}, item_external_id="plain", time_spent_ms=0),
]


@pytest.mark.parametrize("conversational", [True, False])
def test_lines_equal_dumped_rows_and_count_the_same_skips(conversational):
    fast = DpoWriter("camp-ü", KINDS, conversational=conversational)
    slow = DpoWriter("camp-ü", KINDS, conversational=conversational)
    # Twice over: the second pass reads the prompts and completions the first one encoded.
    lines = [line for _ in range(2) for r in RECORDS for line in fast.lines(r)]
    dumped = [dumps_row(row) for _ in range(2) for r in RECORDS for row in slow.rows(r)]
    assert lines == dumped
    assert len(lines) == 10
    assert fast.skipped == slow.skipped == {"tie": 2, "both_bad": 2}
    assert dumped[0] == json.dumps(next(slow.rows(RECORDS[0])), ensure_ascii=False, sort_keys=True)


def test_lines_stay_right_when_the_encoded_cache_starts_afresh(monkeypatch):
    monkeypatch.setattr(dpo, "ENCODED_CACHE_CHARS", 100)
    writer = DpoWriter("c", KINDS)
    lines = [line for _ in range(3) for r in RECORDS for line in writer.lines(r)]
    assert lines == [dumps_row(row) for _ in range(3) for r in RECORDS for row in writer.rows(r)]
    assert writer._encoded_chars <= max(100, *(len(v) for v in writer._encoded.values()))


def test_lines_equal_dumped_rows_for_ranking_and_rating_pairs():
    kinds = {"rank": "ranking", "score": "rating"}
    three = {
        "shown_order": [12, 11, 13],
        "candidates": RECORDS[0].candidates | {13: (text("Hi"), "m")},
    }
    records = [
        record(
            6,
            {
                "rank": {"ranking": [["B"], ["A", "C"]]},
                "score": {"scores": {"A": {"h": 1}, "B": {"h": 3}, "C": {"h": 1}}},
            },
            **three,
        ),
        record(7, {"rank": {"ranking": [], "none_acceptable": True}}, **three),
    ]
    fast, slow = DpoWriter("c", kinds), DpoWriter("c", kinds)
    lines = [line for r in records for line in fast.lines(r)]
    assert lines == [dumps_row(row) for r in records for row in slow.rows(r)]
    assert [json.loads(line)["id"] for line in lines] == [
        "j6.rank.B>A",
        "j6.rank.B>C",
        "j6.score.B>A",
        "j6.score.B>C",
    ]
    assert fast.skipped == {"tied_pairs": 1, "equal_score_pairs": 1, "none_acceptable": 1}
