"""The dpo encoding contract: the exact bytes of a ``dpo`` line, in one place.

A line is what ``json.dumps(row, ensure_ascii=False, sort_keys=True)`` writes (``dumps_row``):
keys sorted, ``", "`` and ``": "`` separators, non-ASCII characters as they are. Three encoders
write dpo lines and all three take their layout from here:

1. ``DpoWriter.rows()`` dumped by ``dumps_row``: the reference (every form: standard,
   vision, profiles);
2. ``DpoWriter.lines()``: ``ROW_HEAD`` + ``ROW_MIDDLE`` + ``ROW_TAIL`` filled with JSON made
   once per prompt and completion;
3. ``fast_dpo`` (PostgreSQL): the same templates as bytes, a candidate's head and tail made
   once, from the JSON stored with items and candidates on insert (``kit.json_pieces``: the
   ``prompt_json`` and ``text_json`` columns; ``stored_json.backfill`` fills old rows) or, for
   rows without it, from their content by the same functions.

``tests/exports/test_dpo_encoders.py`` holds the three to the same bytes on SQLite and
PostgreSQL; ``tests/unit/test_fast_dpo_pieces.py`` holds the stored pieces to ``json``'s.

A conversational row without media, keys in the order written::

    {"campaign": C, "chosen": [REPLY], "id": ID, "metadata": {METADATA},
     "prompt": [MESSAGES], "rejected": [REPLY]}
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

from prefhub.kit.json_pieces import json_string, prompt_json, text_json

__all__ = [
    "METADATA",
    "PROFILE",
    "ROW_HEAD",
    "ROW_MIDDLE",
    "ROW_TAIL",
    "completion_json",
    "dumps",
    "dumps_row",
    "json_string",
    "json_value",
    "prompt_json",
    "text_json",
]

dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
# A line in three parts, so that the bulk of it (the campaign and chosen reply; the prompt and
# rejected reply) is made once per candidate and only the middle once per row. The %s slots
# take JSON: str templates for str, ``.encode()`` of them for bytes.
ROW_HEAD = '{"campaign": %s, "chosen": %s'
ROW_MIDDLE = ', "id": %s, "metadata": %s'
ROW_TAIL = ', "prompt": %s, "rejected": %s}'
# The metadata object, keys sorted, every value JSON; the %s after "judgment_id" is PROFILE
# filled, or nothing.
METADATA = (
    '{"annotator_id": %s, "campaign_version": %s, "chosen_label": %s, "created_at": %s, '
    '"item_id": %s, "judgment_id": %s, %s"question": %s, "shown_order": %s, "simulated": %s, '
    '"source_models": {"chosen": %s, "rejected": %s}, "time_spent_ms": %s}'
)
PROFILE = '"profile": %s, '
COMPLETION = b'[{"content": %s, "role": "assistant"}]'


def dumps_row(row: dict[str, Any]) -> str:
    """One JSONL line of an export (sorted keys, so files are byte-identical run to run)."""
    return dumps(row)


def json_value(value: Any) -> str:
    """``value`` as dumps_row writes it: strings, integers and null directly, the rest dumped."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)  # json's own escaping when ensure_ascii is off
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    return dumps(value)


def completion_json(text: bytes) -> bytes:
    """``[{"role": "assistant", "content": text}]`` as ``dumps_row`` writes it, from the text
    as a JSON string (``json_string``, or a candidate's stored ``text_json``)."""
    return COMPLETION % text
