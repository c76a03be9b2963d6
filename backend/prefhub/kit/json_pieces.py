"""The JSON an export writes for a candidate's text and an item's prompt, made once when the
candidate or item is written (``models.item``) so that a large export copies it rather than
encoding it again (``exports/fast_dpo.py``; bench/RESULTS.md).

The bytes are those of the Python export writers (``exports/formats/dpo.py``): orjson escapes a
string exactly as ``json`` does with ``ensure_ascii`` off, about fifteen times faster
(``tests/unit/test_fast_dpo_pieces.py`` compares every code point).
"""

from __future__ import annotations

from typing import Any

import orjson

from prefhub.kit.content import plain_text


def json_string(text: str) -> bytes:
    """``text`` as a JSON string, in UTF-8."""
    return orjson.dumps(text)


def text_json(content: list[dict[str, Any]]) -> str:
    """A candidate's text (its text parts joined, as exports write it) as a JSON string."""
    return json_string(plain_text(content)).decode()


def prompt_json(context: list[dict[str, Any]]) -> bytes:
    """An item's context as TRL's conversational prompt, ``[{"content": ..., "role": ...}]``,
    as exports write it."""
    messages = [
        b'{"content": '
        + json_string(plain_text(m["content"]))
        + b', "role": '
        + json_string(m["role"])
        + b"}"
        for m in context
    ]
    return b"[" + b", ".join(messages) + b"]"
