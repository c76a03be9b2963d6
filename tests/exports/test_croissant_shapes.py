"""Croissant's column facts (``data_shapes``) are gathered a level at a time over many rows;
they must be what seeing each value on its own gives."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from prefhub.exports.croissant import DATE_TIME, KINDS, SHAPE_ROWS, Shape, data_shapes, see_all


def _see_one(shape: Shape, value: Any) -> None:
    """The definition: one value at a time, depth first."""
    kind = KINDS.get(type(value))
    if kind is None:
        shape.kinds.add(type(value).__name__)
        return
    shape.kinds.add(kind)
    if kind == "text":
        shape.dates = shape.dates and DATE_TIME.fullmatch(value) is not None
    elif kind == "list":
        if shape.item is None:
            shape.item = Shape()
        for element in value:
            _see_one(shape.item, element)
    elif kind == "object":
        for key, element in value.items():
            _see_one(shape.keys.setdefault(key, Shape()), element)


def _value(rng: random.Random, depth: int) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.45:
        return rng.choice(
            [None, True, False, 0, 7, -3, 1.5, "text", "", "2026-12-07T14:54:00Z", "2026-12-07"]
        )
    if roll < 0.7:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    keys = rng.sample(["a", "b", "when", "parts", "role"], rng.randint(0, 3))
    return {key: _value(rng, depth + 1) for key in keys}


def _row(rng: random.Random) -> dict[str, Any]:
    return {
        "id": f"j{rng.randint(1, 99)}",
        "created_at": rng.choice(["2026-12-07T14:54:00Z", "2026-12-07T14:54:01+00:00"]),
        "metadata": _value(rng, 0),
        "answer": _value(rng, 1),
        "chosen": [{"role": "assistant", "content": rng.choice(["x", None])}],
    }


def test_shapes_seen_together_equal_shapes_seen_one_by_one() -> None:
    rng = random.Random(18)
    for _ in range(200):
        values = [_value(rng, 0) for _ in range(rng.randint(0, 12))]
        alone, together = Shape(), Shape()
        for value in values:
            _see_one(alone, value)
        # In two steps, as data_shapes takes its rows in chunks.
        half = len(values) // 2
        see_all(together, values[:half])
        see_all(together, values[half:])
        assert together == alone, values


def test_data_shapes_of_a_file_equal_its_rows_seen_one_by_one(tmp_path: Path) -> None:
    rng = random.Random(7)
    rows = [_row(rng) for _ in range(SHAPE_ROWS + 500)]
    # A date column whose last rows, past SHAPE_ROWS, are not dates: they are not read.
    for row in rows[SHAPE_ROWS:]:
        row["created_at"] = "later"
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), "utf-8")
    expected: dict[str, Shape] = {}
    for row in rows[:SHAPE_ROWS]:
        for name, value in row.items():
            _see_one(expected.setdefault(name, Shape()), value)
    shapes = data_shapes(path)
    assert shapes == expected
    assert shapes["created_at"].dates
    assert shapes["chosen"].item is not None
    assert shapes["chosen"].item.keys["content"].kinds == {"text", "null"}
