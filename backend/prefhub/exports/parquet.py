"""An export's JSONL file as one Parquet file with the same columns, in constant memory.

Two passes over the file, ``batch_rows`` lines at a time: the first infers each batch's column
types and unifies them (a column null in one batch and typed in another takes the type; an
integer column holding a float somewhere becomes double; struct fields seen in only some rows
become nullable fields); the second writes each batch as a row group under that schema.

Columns and struct fields are in sorted order, as the export writes its keys, so the same JSONL
gives a byte-identical file. Reading it back gives the JSONL rows, except that a key absent from
a row (a top-level column or a struct field) comes back as None, and an object that is empty in
every row (``"aspects": {}``) comes back as None: Parquet has no struct without fields.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


def jsonl_to_parquet(source: Path, target: Path, *, batch_rows: int = 20_000) -> int:
    """Write ``source`` (one JSON object per line) to ``target`` as Parquet; the row count.

    Raises ValueError naming the column when a column's values cannot share one type (an
    integer in one row and a string in another), or naming the line that is not an object.
    """
    if batch_rows < 1:
        raise ValueError("batch_rows must be at least 1")
    types = _unified_types(source, batch_rows)
    schema = pa.schema([(name, _parquet_type(kind)) for name, kind in sorted(types.items())])
    clear = {name for name, kind in types.items() if _has_empty_struct(kind)}
    rows = 0
    with pq.ParquetWriter(target, schema, compression="zstd") as writer:
        for batch in _batches(source, batch_rows):
            arrays = []
            for field in schema:
                values = [row.get(field.name) for row in batch]
                if field.name in clear:
                    values = [_without_empty_structs(v, field.type) for v in values]
                arrays.append(pa.array(values, type=field.type))
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
            rows += len(batch)
    return rows


def _unified_types(source: Path, batch_rows: int) -> dict[str, pa.DataType]:
    types: dict[str, pa.DataType] = {}
    for batch in _batches(source, batch_rows):
        for name in {key for row in batch for key in row}:
            found = _inferred_type(name, [row.get(name) for row in batch])
            types[name] = _unified(name, types[name], found) if name in types else found
    return types


def _inferred_type(name: str, values: list[Any]) -> pa.DataType:
    try:
        return pa.array(values).type
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
        raise _incompatible(name, exc) from exc


def _unified(name: str, first: pa.DataType, second: pa.DataType) -> pa.DataType:
    try:
        schema = pa.unify_schemas(
            [pa.schema([(name, first)]), pa.schema([(name, second)])],
            promote_options="permissive",
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise _incompatible(name, exc) from exc
    return schema.field(name).type


def _incompatible(name: str, exc: Exception) -> ValueError:
    return ValueError(f"column {name!r} holds values of incompatible types: {exc}")


def _parquet_type(kind: pa.DataType) -> pa.DataType:
    """``kind`` with struct fields sorted by name, and null for a struct without fields."""
    if pa.types.is_struct(kind):
        if kind.num_fields == 0:
            return pa.null()
        fields = sorted(kind, key=lambda f: f.name)
        return pa.struct([(f.name, _parquet_type(f.type)) for f in fields])
    if pa.types.is_list(kind):
        return pa.list_(_parquet_type(kind.value_type))
    return kind


def _has_empty_struct(kind: pa.DataType) -> bool:
    if pa.types.is_struct(kind):
        return kind.num_fields == 0 or any(_has_empty_struct(f.type) for f in kind)
    if pa.types.is_list(kind):
        return _has_empty_struct(kind.value_type)
    return False


def _without_empty_structs(value: Any, kind: pa.DataType) -> Any:
    """``value`` with None where ``kind`` (a Parquet type) holds null for an empty object."""
    if value is None or pa.types.is_null(kind):
        return None
    if pa.types.is_struct(kind):
        return {f.name: _without_empty_structs(value.get(f.name), f.type) for f in kind}
    if pa.types.is_list(kind):
        return [_without_empty_structs(item, kind.value_type) for item in value]
    return value


def _batches(source: Path, batch_rows: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    with source.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{source.name} line {number}: {exc}") from exc
            if not isinstance(row, dict):
                raise ValueError(f"{source.name} line {number}: not a JSON object")
            batch.append(row)
            if len(batch) == batch_rows:
                yield batch
                batch = []
    if batch:
        yield batch
