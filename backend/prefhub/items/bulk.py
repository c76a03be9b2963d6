"""Items as rows, written in bulk: what an import writes, without ORM objects.

A validated line becomes an ``ItemRow`` (its JSON columns encoded once, the export-JSON columns
``prompt_json`` and ``text_json`` made beside them), kept in a ``RowSpool`` (a temporary file:
memory does not grow with the import) until written. ``write_rows`` writes a batch in a few
statements: on PostgreSQL ids taken from the sequence up front and both tables sent by ``COPY``;
on SQLite, whose writer holds the whole database, ids counted on from the largest and two
``executemany`` of plain tuples. Either way it returns the items' ids.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, NamedTuple

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prefhub.kit.time import utcnow
from prefhub.models import Item, ItemStatus

# Rows pickled together in the spool: one read of the spool fills a good part of a batch.
SPOOL_CHUNK = 500
# A spool stays in memory up to this size, then moves to a temporary file.
SPOOL_IN_MEMORY = 4 * 1024 * 1024


class CandidateRow(NamedTuple):
    position: int
    content: str  # JSON
    text_json: str
    model_name: str | None
    metadata: str  # JSON


class ItemRow(NamedTuple):
    line: int  # of the import file, for errors found while writing
    external_id: str
    context: str  # JSON
    prompt_json: str
    metadata: str  # JSON
    language: str | None
    is_gold: bool
    gold_expected: str | None  # JSON
    gold_feedback: str | None
    candidates: tuple[CandidateRow, ...]


class RowSpool:
    """Rows in the order they were added, read back (as many times as needed) in batches."""

    def __init__(self) -> None:
        # Closed by ``close``: the spool outlives any one block of its owner's code.
        self._file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
        self._chunk: list[tuple[Any, ...]] = []
        self.count = 0
        self.fewest_candidates = self.most_candidates = 0

    def add(self, row: ItemRow) -> None:
        n = len(row.candidates)
        if not self.count or n < self.fewest_candidates:
            self.fewest_candidates = n
        self.most_candidates = max(self.most_candidates, n)
        # As plain tuples: a named tuple pickles several times slower.
        self._chunk.append((*row[:-1], tuple(tuple(c) for c in row.candidates)))
        self.count += 1
        if len(self._chunk) >= SPOOL_CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self._chunk:
            self._file.seek(0, 2)
            pickle.dump(self._chunk, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._chunk = []

    def batches(self, size: int | Callable[[], int]) -> Iterator[list[ItemRow]]:
        """The rows in batches of ``size``, or of what ``size()`` says as each batch begins
        (a writer that adapts its batches to who else is writing)."""
        size_now: Callable[[], int] = size if callable(size) else lambda: size
        self._flush()
        self._file.seek(0)
        batch: list[ItemRow] = []
        wanted = size_now()
        make_item, make_candidate = ItemRow._make, CandidateRow._make
        while True:
            try:
                chunk: list[tuple[Any, ...]] = pickle.load(self._file)
            except EOFError:
                break
            for fields in chunk:
                candidates = tuple(map(make_candidate, fields[-1]))
                batch.append(make_item((*fields[:-1], candidates)))
                if len(batch) >= wanted:
                    yield batch
                    batch = []
                    wanted = size_now()
        if batch:
            yield batch

    def close(self) -> None:
        self._file.close()


# The columns written; every other column of the two tables is nullable and left NULL, or
# filled by the database (candidates.id). tests/items/test_bulk_rows.py checks the models
# against these lists, so that a new column with a default cannot be forgotten here.
ITEM_COLUMNS = (
    "id",
    "campaign_id",
    "external_id",
    "context",
    "prompt_json",
    "metadata",
    "language",
    "is_gold",
    "gold_expected",
    "gold_feedback",
    "status",
    "priority",
    "assigned_count",
    "judgment_count",
    "round",
    "created_at",
)
CANDIDATE_COLUMNS = (
    "item_id",
    "position",
    "content",
    "text_json",
    "model_name",
    "model_params",
    "round",
    "metadata",
    "created_at",
)


def write_rows(
    session: Session, campaign_id: int, rows: Sequence[ItemRow], statuses: Sequence[ItemStatus]
) -> list[int]:
    """Insert the items (``statuses[i]`` for ``rows[i]``) and their candidates in the
    session's transaction; returns the items' ids in order. An id the campaign already has
    raises ``IntegrityError``, as a flush would."""
    if not rows:
        return []
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return _copy(connection, campaign_id, rows, statuses)
    return _insert_many(connection, campaign_id, rows, statuses)


def _item_tuple(
    item_id: int, campaign_id: int, row: ItemRow, status: str, now: Any
) -> tuple[Any, ...]:
    return (
        item_id,
        campaign_id,
        row.external_id,
        row.context,
        row.prompt_json,
        row.metadata,
        row.language,
        row.is_gold,
        row.gold_expected,
        row.gold_feedback,
        status,
        0,  # priority
        0,  # assigned_count
        0,  # judgment_count
        0,  # round: imported items are round 0
        now,
    )


def _candidate_tuples(item_id: int, row: ItemRow, now: Any) -> Iterator[tuple[Any, ...]]:
    for c in row.candidates:
        yield (item_id, c.position, c.content, c.text_json, c.model_name, "{}", 0, c.metadata, now)


def _copy(
    connection: Connection,
    campaign_id: int,
    rows: Sequence[ItemRow],
    statuses: Sequence[ItemStatus],
) -> list[int]:
    ids = list(
        connection.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence('items', 'id')) FROM generate_series(1, %s)",
            (len(rows),),
        ).scalars()
    )
    now = utcnow()
    driver: Any = connection.connection.driver_connection  # psycopg's: COPY
    try:
        with driver.cursor() as cursor:
            with cursor.copy(f"COPY items ({', '.join(ITEM_COLUMNS)}) FROM STDIN") as copy:
                for item_id, row, status in zip(ids, rows, statuses, strict=True):
                    copy.write_row(_item_tuple(item_id, campaign_id, row, status.value, now))
            with cursor.copy(
                f"COPY candidates ({', '.join(CANDIDATE_COLUMNS)}) FROM STDIN"
            ) as copy:
                for item_id, row in zip(ids, rows, strict=True):
                    for values in _candidate_tuples(item_id, row, now):
                        copy.write_row(values)
    except Exception as exc:
        if str(getattr(exc, "sqlstate", "")).startswith("23"):  # integrity constraint
            raise IntegrityError("COPY items", None, exc) from exc
        raise
    return ids


def _insert_many(
    connection: Connection,
    campaign_id: int,
    rows: Sequence[ItemRow],
    statuses: Sequence[ItemStatus],
) -> list[int]:
    # SQLite's writer holds the whole database: the ids after the largest are free, and they
    # are the ones SQLite itself would give (no AUTOINCREMENT).
    last = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM items").scalar_one()
    ids = list(range(last + 1, last + 1 + len(rows)))
    dialect = connection.dialect
    # The text SQLAlchemy stores for a datetime on SQLite, as the ORM writes it.
    stored = Item.__table__.c.created_at.type.dialect_impl(dialect).bind_processor(dialect)
    now = stored(utcnow()) if stored else utcnow()
    connection.exec_driver_sql(
        f"INSERT INTO items ({', '.join(ITEM_COLUMNS)}) "
        f"VALUES ({', '.join('?' for _ in ITEM_COLUMNS)})",
        [
            _item_tuple(item_id, campaign_id, row, status.value, now)
            for item_id, row, status in zip(ids, rows, statuses, strict=True)
        ],
    )
    candidates = [
        values
        for item_id, row in zip(ids, rows, strict=True)
        for values in _candidate_tuples(item_id, row, now)
    ]
    if candidates:
        connection.exec_driver_sql(
            f"INSERT INTO candidates ({', '.join(CANDIDATE_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in CANDIDATE_COLUMNS)})",
            candidates,
        )
    return ids
