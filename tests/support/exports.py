"""Checks every export's rows must pass, whoever reads them: the same columns on every row, and
the dataset card's own load snippet run as a reader would run it."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# A column holding TRL's messages: a list of {role, content} objects.
_MESSAGE_KEYS = {"role", "content"}


def assert_uniform_columns(rows: list[dict[str, Any]], not_null: Iterable[str] = ()) -> None:
    """Every row has the same columns; every message object of a column (``prompt``,
    ``chosen``, ``completions``' lists, ...) has the same keys and the same type of
    ``content`` as that column's others; a column's values are of one type (or null); the
    ``not_null`` columns, where present, are never null. Arrow unifies a file's rows into one
    schema and fills gaps with null, so a column missing from some rows reaches a trainer as
    ``None`` on those rows (TRL's reward collator fails on a ``None`` margin)."""
    if not rows:
        return
    columns = set(rows[0])
    for row in rows:
        assert set(row) == columns, (
            f"row {row.get('id')} has columns {sorted(row)}, row {rows[0].get('id')} has "
            f"{sorted(columns)}"
        )
    for column in columns - {"metadata"}:
        values = [row[column] for row in rows]
        kinds = {_kind(value) for value in values if value is not None}
        assert len(kinds) <= 1, f"column {column!r} holds values of types {sorted(kinds)}"
        if column in set(not_null):
            assert None not in values, f"column {column!r} is null on some rows"
        shapes = {_message_shape(message) for value in values for message in _messages(value)}
        assert len(shapes) <= 1, f"column {column!r} holds messages of shapes {sorted(shapes)}"


def _kind(value: Any) -> str:
    # JSON writes 3.0 as 3: integers and floats of one column are one (Arrow's double) type
    return "number" if type(value) in (int, float) else type(value).__name__


def _messages(value: Any) -> Iterable[dict[str, Any]]:
    """The message objects in a column's value (a list of messages, or a list of such lists)."""
    if isinstance(value, dict) and set(value) >= _MESSAGE_KEYS:
        yield value
    elif isinstance(value, list):
        for element in value:
            yield from _messages(element)


def _message_shape(message: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    return tuple(sorted(message)), type(message["content"]).__name__


def data_rows(folder: Path, data_file: str) -> list[dict[str, Any]]:
    """The rows of an export's data file as written (JSONL lines, or Parquet records)."""
    path = folder / data_file
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.read_table(path).to_pylist())
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


# The card's sentence on what reads the rows: "The rows fit TRL's `DPOTrainer` (...)."
CARD_TRAINERS = re.compile(r"The rows fit (.+?)\.(?:\s|$)")


def card_trainers(folder: Path) -> list[str]:
    """The TRL trainer classes the export's dataset card says the rows fit, in its order."""
    found = CARD_TRAINERS.search((folder / "README.md").read_text("utf-8"))
    return re.findall(r"`(\w+Trainer)`", found.group(1)) if found else []


def load_as_card_says(folder: Path) -> Any:
    """Run the Python the export's dataset card shows for loading it, from the export folder,
    as a reader who copies it would; the ``dataset`` it makes."""
    card = (folder / "README.md").read_text("utf-8")
    snippets = re.findall(r"```python\n(.*?)```", card, flags=re.S)
    loading = [code for code in snippets if "\ndataset = " in code]
    assert len(loading) == 1, f"the card shows {len(loading)} load snippets"
    namespace: dict[str, Any] = {}
    here = Path.cwd()
    os.chdir(folder)
    try:
        exec(loading[0], namespace)
    finally:
        os.chdir(here)
    return namespace["dataset"]
