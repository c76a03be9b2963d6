"""The fast dpo path's JSON pieces are what ``json`` writes for the same values."""

from __future__ import annotations

import json
from collections import Counter
from json.encoder import encode_basestring

import pytest

from prefhub.exports import dpo_encoding, fast_dpo
from prefhub.exports.dpo_encoding import dumps as _dumps
from prefhub.exports.formats.dpo import completion_value, prompt_value
from prefhub.kit import json_pieces

TEXTS = [
    "",
    "plain",
    'quote " backslash \\ slash / newline \n tab \t nul \x00 bell \x07 del \x7f',
    "é ü 中文 🙂 \u2028 \u2029 </script>",
]


@pytest.mark.parametrize("text", TEXTS)
def test_completion_is_json_of_the_assistant_message(text):
    content = [{"type": "text", "text": text}]
    expected = _dumps(completion_value(content, conversational=True))
    completion = dpo_encoding.completion_json(json_pieces.text_json(content).encode())
    assert completion == expected.encode()
    assert json.loads(completion) == [{"role": "assistant", "content": text}]


def test_prompt_is_json_of_the_messages_with_their_text_parts_joined():
    context = [
        {"role": "system", "content": [{"type": "text", "text": TEXTS[2]}]},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": TEXTS[3]},
                {"type": "image", "sha256": "0" * 64},
                {"type": "text", "text": "second part"},
            ],
        },
        {"role": "assistant", "content": []},
    ]
    expected = _dumps(prompt_value(context, conversational=True))
    assert json_pieces.prompt_json(context) == expected.encode()


def _code_points(start: int, stop: int) -> str:
    return "".join(chr(c) for c in range(start, stop) if not 0xD800 <= c <= 0xDFFF)


@pytest.mark.parametrize("start", range(0, 0x110000, 0x10000))
def test_json_strings_escape_every_code_point_as_json_does(start):
    # Lone surrogates are left out: PostgreSQL text cannot hold them (nor NUL, kept here).
    text = _code_points(start, start + 0x10000)
    assert json_pieces.json_string(text) == encode_basestring(text).encode()
    for char in text[:0x100]:  # one by one too: an escape is never merged with its neighbour
        assert json_pieces.json_string(char) == encode_basestring(char).encode()


def test_questions_come_in_jsonb_key_order():
    # jsonb stores an object's keys shorter first, then bytewise; é is two bytes in UTF-8.
    keys = ["preference", "style", "b", "a", "zz", "é", "ab"]
    assert fast_dpo.jsonb_key_order(keys) == ["a", "b", "ab", "zz", "é", "style", "preference"]


def test_stated_rows_work_out_a_repeated_answers_text_per_judgment():
    # Two judgments share each answers text: each still gets its rows (in the answers' stored
    # order, with its own shown order) and its own skipped counts.
    both = json.dumps({"other": {"x": 1}, "second": {"choice": "B"}, "first": {"choice": "A"}})
    tie = json.dumps({"first": {"choice": "tie"}, "second": {}})
    judgments = [
        (1, 7, 70, "[11, 12]", 900, 2, "2026-01-01 10:00:00", both),
        (2, 8, 70, "[12, 11]", None, 2, "2026-01-01 10:00:01", both),
        (3, 7, 71, "[13, 14, 15]", 5, 2, "2026-01-01 10:00:02", tie),
        (4, 8, 71, "[14, 13]", 6, 2, "2026-01-01 10:00:03", tie),
    ]
    skipped: Counter[str] = Counter()
    rows = fast_dpo._stated_rows(judgments, {"first": 1, "second": 2}, skipped)
    assert [row[:8] for row in rows] == [
        (1, 7, 70, 12, 11, 2, "B", None),
        (1, 7, 70, 11, 12, 1, "A", None),
        (2, 8, 70, 11, 12, 2, "B", None),
        (2, 8, 70, 12, 11, 1, "A", None),
    ]
    assert [row[8:] for row in rows[2:]] == [(None, 2, "2026-01-01 10:00:01", None, None)] * 2
    assert skipped == Counter({"tie": 2, "None": 2})
