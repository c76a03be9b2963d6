"""What JSON from outside (a request body, an import line) may hold before anything reads it.

Refused: nesting deeper than ``MAX_DEPTH``; strings (values or keys) holding NUL or a lone
UTF-16 surrogate, which PostgreSQL cannot store and UTF-8 cannot encode; ``NaN`` and
``Infinity``, which are not JSON; numbers too large for a double, which parse as infinity, and
integers beyond 64 bits, which exports (Parquet) and most JSON readers cannot hold.
The checks cost nothing on ordinary documents: each starts with a byte count or search that
only a suspicious document gets past.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 64
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# A JSON string (its quotes, escapes and all), so brackets inside strings are not counted.
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# An innermost pair of brackets; JSON that parses never mixes their kinds.
_PAIR = re.compile(rb"[\[{][\]}]")
# What may hide a NUL or lone surrogate: an escape of one, or a surrogate's UTF-8 bytes (the
# json module decodes bytes with ``surrogatepass``). A false alarm only costs a full parse.
_ESCAPE_SUSPECT = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_SURROGATE_BYTES = re.compile(rb"\xed[\xa0-\xbf]")
# Digits as 0 and exponents as e, so a number that may be too large (a three-digit exponent,
# or 19 digits in a row) is a substring search.
_NUMBER_SHAPES = bytes.maketrans(b"123456789E", b"000000000e")
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


class JsonRefused(ValueError):
    """Why a JSON document is refused: an HTTP status, a stable code and the field's path."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None: a NUL or a lone surrogate (a decoded JSON string
    holds a surrogate only when it is unpaired: pairs decode to one code point)."""
    match = _BAD_TEXT.search(text)
    if match is None:
        return None
    if match.group() == "\x00":
        return "contains a NUL character (\\u0000)"
    return f"contains a lone surrogate (\\u{ord(match.group()):04x})"


def storable(text: str) -> str:
    """``text`` with what a database cannot hold (NUL, lone surrogates) replaced by U+FFFD:
    for text that must be kept though nobody can be asked to correct it, e.g. a model's reply."""
    return _BAD_TEXT.sub("\ufffd", text)


def too_deep(document: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether arrays and objects nest deeper than ``limit`` (malformed JSON may say False)."""
    if document.count(b"[") + document.count(b"{") <= limit:
        return False
    skeleton = _STRING.sub(b"", document).translate(None, _NOT_BRACKETS)
    for _ in range(limit):
        if not skeleton:
            return False
        inner = _PAIR.sub(b"", skeleton)
        if len(inner) == len(skeleton):
            # Unbalanced, so not JSON; refused as deep when a parser would recurse deeply.
            return skeleton.count(b"[") + skeleton.count(b"{") > limit
        skeleton = inner
    return bool(skeleton)


def check_document(document: bytes, where: str = "body") -> None:
    """Raise ``JsonRefused`` for what this module refuses, naming fields from ``where``;
    malformed JSON passes (the parser that reads the document next reports it)."""
    if too_deep(document):
        raise JsonRefused(400, "json_too_deep", f"JSON nested deeper than {MAX_DEPTH} levels")
    if suspect(document):
        try:
            value = _parse(document)
        except JsonRefused:
            raise
        except ValueError:  # malformed, or not UTF-8
            return
        check_value(value, where)


def suspect(document: bytes) -> bool:
    """Whether the document may hold what is refused (substring tests first: they are fast).
    False also for every line of a JSONL block that is not suspect as a whole."""
    return (
        (b"\\u" in document and _ESCAPE_SUSPECT.search(document) is not None)
        or (b"\xed" in document and _SURROGATE_BYTES.search(document) is not None)
        or b"NaN" in document
        or b"Infinity" in document
        or _big_number(document.translate(_NUMBER_SHAPES))
    )


def _big_number(shapes: bytes) -> bool:
    return b"e000" in shapes or b"e+000" in shapes or b"0" * 19 in shapes


def loads(document: bytes | str, where: str = "") -> Any:
    """``json.loads`` that refuses what ``check_document`` refuses. Malformed JSON raises
    ``json.JSONDecodeError`` (a ``ValueError``, as ``JsonRefused`` is)."""
    raw = document.encode("utf-8", "surrogatepass") if isinstance(document, str) else document
    if too_deep(raw):
        raise JsonRefused(400, "json_too_deep", f"JSON nested deeper than {MAX_DEPTH} levels")
    value = _parse(document)
    check_value(value, where)
    return value


def _parse(document: bytes | str) -> Any:
    return json.loads(document, parse_constant=_constant, parse_float=_float)


def _constant(name: str) -> Any:
    raise JsonRefused(400, "malformed_json", f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonRefused(422, "invalid_value", f"the number {text[:40]} is out of range")
    return value


def check_value(value: Any, path: str) -> None:
    """Refuse (``JsonRefused``) text a database cannot hold or integers beyond 64 bits
    anywhere in a decoded document, naming where."""
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            raise JsonRefused(422, "invalid_text", f"{path or 'text'}: {problem}", path)
    elif isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        message = f"{path or 'number'}: the integer is beyond 64 bits"
        raise JsonRefused(422, "invalid_value", message, path)
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            problem = text_problem(key)
            if problem:
                field = path or "object"
                raise JsonRefused(422, "invalid_text", f"{field}: a key {problem}", path)
            check_value(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_value(item, f"{path}[{index}]")
