"""The export data file holds exactly what was written and its sha256, whether written past
the page cache (O_DIRECT, in whole blocks, the last partial block at the end) or through it."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from prefhub.exports import datafile
from prefhub.exports.datafile import BLOCK, HashingWriter, open_data_file


def chunks(total: int, sizes: list[int]) -> list[bytes]:
    out, n, i = [], 0, 0
    while n < total:
        size = min(sizes[i % len(sizes)], total - n)
        out.append(os.urandom(size))
        n, i = n + size, i + 1
    return out


@pytest.mark.parametrize("direct", [True, False])
@pytest.mark.parametrize("total", [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 17])
@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_bytes_and_digest_are_what_was_written(tmp_path: Path, monkeypatch, direct, total, kind):
    monkeypatch.setattr(datafile, "STAGE", 2 * BLOCK)  # several stage flushes on small data
    data = chunks(total, [1, BLOCK - 3, 5000, 2 * BLOCK + 1])
    path = tmp_path / "rows.jsonl"
    writer = HashingWriter(path, direct=direct)
    for chunk in data:
        writer.write(kind(chunk))
    writer.close()
    expected = b"".join(data)
    assert path.read_bytes() == expected
    assert writer.size == len(expected)
    assert writer.hexdigest() == hashlib.sha256(expected).hexdigest()


def test_text_and_bytes_interleave_in_order(tmp_path: Path):
    path = tmp_path / "dpo.jsonl"
    out, hashed = open_data_file(path)
    with out:
        out.write('{"é": "first"}\n')
        out.flush()
        out.buffer.write(b'{"second": 2}\n' * 1000)
        out.write("third\n")
    expected = ('{"é": "first"}\n' + '{"second": 2}\n' * 1000 + "third\n").encode()
    assert path.read_bytes() == expected
    assert hashed.hexdigest() == hashlib.sha256(expected).hexdigest()


@pytest.mark.skipif(not os.path.isdir("/dev/shm"), reason="needs tmpfs at /dev/shm")
def test_a_filesystem_without_direct_io_is_written_through_the_page_cache(tmp_path: Path):
    # tmpfs refuses O_DIRECT at open (or at the first write, on some kernels).
    path = Path("/dev/shm") / f"prefhub-datafile-{os.getpid()}.jsonl"
    try:
        writer = HashingWriter(path)
        data = os.urandom(3 * BLOCK + 5)
        writer.write(data)
        writer.close()
        assert path.read_bytes() == data
        assert writer.hexdigest() == hashlib.sha256(data).hexdigest()
    finally:
        path.unlink(missing_ok=True)
