"""The bulk import path (items.bulk, the streamed validation of items.service) writes what the
ORM would and words errors as the line-by-line path does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

LINES = [
    b'{"id": "a", "prompt": "P", "candidates": ["x", "y"]}',
    b'{"prompt": [{"role": "prompter", "content": "hi"}], "candidates": [{"content": "c"}]}',
    b'{"prompt": "NaN is a word here", "candidates": ["Infinity too"]}',
    b'{"prompt": "nul \\u0000 inside"}',
    b'{"prompt": "lone \\ud800 surrogate"}',
    b'{"prompt": 3}',
    b"[1, 2]",
    b'{"prompt": "P", "bogus": 1}',
    b"not json",
    b"",
    b"   ",
    b'{"prompt": "P", "metadata": {"n": 123456789012345678901234}}',
    b'{"prompt": "P", "gold": {"expected": {"preference": "A"}}, "candidates": ["a", "b"]}',
    b'{"prompt": "P", "gold": true}',
    b"\xff\xfe not utf-8",
    b'{"prompt": "' + b"[" * 70 + b'"}',
    b'{"prompt": ' + b"[" * 70 + b"]" * 70 + b"}",
    b'{"prompt": "caf\xc3\xa9", "language": "pt-BR"}',
]


def test_streamed_validation_reads_every_line_as_the_line_by_line_path_does() -> None:
    from prefhub.items import service

    expected = [
        (number, result)
        for number, raw in enumerate(LINES, start=1)
        if (result := service._validate(number, raw)) is not None
    ]

    # Every line in a block of its own, and all in one block: the fast path and the
    # suspect-block path must agree with the long way line by line.
    def message(result: object) -> object:
        return result.message if isinstance(result, service.LineError) else result

    alone = [pair for line in LINES for pair in service.validated_lines([line])]
    together = list(service.validated_lines(LINES))
    assert together == expected
    assert [message(r) for _, r in alone] == [message(r) for _, r in expected]
    assert any(isinstance(r, service.LineError) for _, r in expected)
    assert any(not isinstance(r, service.LineError) for _, r in expected)


@pytest.mark.parametrize(
    "data",
    [
        b"a\nb\r\nc\rd\n\ne",
        b"a\r\nb\r\n",
        b"\r\n\r\n\n",
        b"one line without end",
        b"x" * 30 + b"\r" + b"y" * 5 + b"\n",
        b"",
    ],
)
def test_an_upload_is_read_in_chunks_into_the_lines_splitlines_gives(
    data: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefhub.items import service

    path = tmp_path / "items.jsonl"
    path.write_bytes(data)
    for chunk in (1, 2, 3, 7, 1024):
        monkeypatch.setattr(service, "READ_CHUNK", chunk)
        assert list(service.FileLines(path)) == data.splitlines(), chunk
        assert list(service.FileLines(path)) == data.splitlines()  # again: a second pass


def test_the_bulk_writer_leaves_no_column_with_a_default_unwritten() -> None:
    """A column the bulk writer does not name is filled by nobody: it must be nullable and
    have no default of the ORM's (a new column with a default needs its place in items.bulk)."""
    from prefhub.items.bulk import CANDIDATE_COLUMNS, ITEM_COLUMNS
    from prefhub.models import Candidate, Item

    for model, written in ((Item, ITEM_COLUMNS), (Candidate, CANDIDATE_COLUMNS)):
        columns = {c.name: c for c in model.__table__.columns}
        assert set(written) <= set(columns), model
        for name, column in columns.items():
            if name in written or (model is Candidate and name == "id"):
                continue
            assert column.nullable and column.default is None, f"{model.__name__}.{name}"


def test_rows_come_back_from_the_spool_in_order_in_batches_of_the_size_asked() -> None:
    from prefhub.items.bulk import SPOOL_CHUNK, CandidateRow, ItemRow, RowSpool

    spool = RowSpool()
    rows = [
        ItemRow(
            line=n,
            external_id=f"e{n}",
            context=json.dumps([{"role": "user", "content": []}]),
            prompt_json="[]",
            metadata="{}",
            language=None,
            is_gold=n % 2 == 0,
            gold_expected=None,
            gold_feedback=None,
            candidates=tuple(CandidateRow(p, "[]", '""', None, "{}") for p in range(n % 3)),
        )
        for n in range(SPOOL_CHUNK * 2 + 7)
    ]
    for row in rows:
        spool.add(row)
    try:
        batches = list(spool.batches(300))
        assert [len(b) for b in batches] == [300, 300, 300, 107]
        assert [r for b in batches for r in b] == rows
        assert [r for b in spool.batches(10_000) for r in b] == rows  # read again
        assert spool.count == len(rows)
        assert (spool.fewest_candidates, spool.most_candidates) == (0, 2)
    finally:
        spool.close()
