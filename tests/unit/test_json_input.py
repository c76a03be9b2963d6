"""What JSON from outside may hold (prefhub.kit.json_input), case by case."""

from __future__ import annotations

import json

import pytest

from prefhub.kit.json_input import MAX_DEPTH, JsonRefused, check_document, loads, too_deep


def test_brackets_inside_strings_do_not_count_as_nesting():
    document = json.dumps({"text": "[" * 10_000 + "{" * 10_000, "list": [[1]]}).encode()
    assert not too_deep(document)
    check_document(document)


def test_nesting_is_allowed_up_to_the_limit_and_refused_past_it():
    assert not too_deep(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)
    assert too_deep(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))
    # Unbalanced, so malformed, but a parser would still recurse that deep.
    assert too_deep(b'{"a": ' * 100_000)


@pytest.mark.parametrize(
    "document",
    [
        b'{"a": "\\ud83d\\ude00"}',  # a surrogate pair: one emoji
        b'{"a": "C:\\\\u0000"}',  # an escaped backslash, then the letters u0000
        b'{"a": 1e308, "b": -9223372036854775808, "c": "12345678901234567890"}',
        b'{"a": "Infinity and NaN are words"}',
    ],
)
def test_ordinary_documents_pass(document):
    check_document(document)
    assert loads(document) == json.loads(document)


@pytest.mark.parametrize(
    ("document", "code", "field"),
    [
        (b'{"a": ["x", "\\u0000"]}', "invalid_text", "body.a[1]"),
        (b'{"a": {"\\udfff": 1}}', "invalid_text", "body.a"),
        (b'{"a": "\xed\xb0\x80"}', "invalid_text", "body.a"),
        (b'{"a": [1, 9223372036854775808]}', "invalid_value", "body.a[1]"),
        (b'{"a": 1E+309}', "invalid_value", None),
        (b'{"a": -Infinity}', "malformed_json", None),
    ],
)
def test_refusals_name_their_code_and_field(document, code, field):
    with pytest.raises(JsonRefused) as refused:
        check_document(document)
    assert (refused.value.code, refused.value.field) == (code, field)


def test_malformed_json_is_left_to_the_parser_that_reads_it_next():
    check_document(b'{"a": "\\u0000"')  # unterminated: json.loads reports it, not us
    with pytest.raises(json.JSONDecodeError):
        loads(b'{"a": "\\u0000"')
