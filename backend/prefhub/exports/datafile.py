"""An export's data file, hashed as it is written: the manifest's sha256 without reading a
file of gigabytes a second time. The Python writers write text to it, the fast ``dpo`` path
bytes to its ``buffer``.

Where the filesystem allows, the file is written with ``O_DIRECT``, past the page cache: an
export is written once and not read back soon, and copying gigabytes into the page cache cost
more CPU than making them (on the benchmark's VM, 1 to 7 s of kernel time for 1.9 GB, against
0.4 s written directly; bench/RESULTS.md). Direct writes must be whole, aligned blocks, so bytes
are staged in an aligned buffer and the last partial block is written normally at the end.
"""

from __future__ import annotations

import errno
import hashlib
import io
import mmap
import os
from pathlib import Path
from typing import Any

BLOCK = 4096  # a multiple of every logical block size direct I/O asks for
STAGE = 8 << 20


class HashingWriter(io.BufferedIOBase):
    """A binary file that keeps the sha256 and the size of what was written."""

    def __init__(self, path: Path, *, direct: bool = True) -> None:
        self._path = path
        self._digest = hashlib.sha256()
        self.size = 0
        self._file: io.BufferedWriter | None = None
        self._fd: int | None = None
        if direct and hasattr(os, "O_DIRECT"):
            try:
                self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_DIRECT, 0o644)
            except OSError:
                self._fd = None  # the filesystem refuses direct I/O (tmpfs): the page cache
        if self._fd is None:
            self._file = path.open("wb")
        else:
            self._stage = mmap.mmap(-1, STAGE)  # page-aligned, as direct I/O needs
            self._staged = 0
            self._written_directly = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        with memoryview(data) as view, view.cast("B") as octets:
            # hashlib and the file's write release the GIL on large buffers: a writer thread
            # overlaps with other work.
            self._digest.update(octets)
            if self._file is not None:
                self._file.write(octets)
            else:
                self._stage_bytes(octets)
            self.size += len(octets)
            return len(octets)

    def _stage_bytes(self, octets: memoryview) -> None:
        while octets:
            taken = octets[: STAGE - self._staged]
            self._stage[self._staged : self._staged + len(taken)] = taken
            self._staged += len(taken)
            octets = octets[len(taken) :]
            if self._staged == STAGE:
                self._write_staged(STAGE)

    def _write_staged(self, length: int) -> None:
        """Write the first ``length`` staged bytes (whole blocks) directly."""
        assert self._fd is not None
        with memoryview(self._stage) as stage:
            try:
                done = 0
                while done < length:
                    done += os.write(self._fd, stage[done:length])
            except OSError as exc:
                if exc.errno != errno.EINVAL or self._written_directly:
                    raise
                refused: bytes | None = bytes(stage[: self._staged])
            else:
                refused = None
                self._written_directly += length
                # What is left (the partial block at the end) moves to the front.
                rest = self._staged - length
                stage[:rest] = stage[length : self._staged]
                self._staged = rest
        if refused is not None:
            # Opened, but direct writes refused: start again through the page cache.
            os.close(self._fd)
            self._fd = None
            self._release_stage()
            self._file = self._path.open("wb")
            self._file.write(refused)

    def flush(self) -> None:
        # Direct writes wait for whole blocks; what is staged is written when the file closes.
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self.closed:
            return
        super().close()  # flushes first
        if self._file is not None:
            self._file.close()
            return
        assert self._fd is not None
        whole = self._staged - self._staged % BLOCK
        if whole:
            self._write_staged(whole)
        # _write_staged may have fallen back to the page cache (and closed the descriptor).
        if not self._writing_directly():
            self._close_buffered()
            return
        os.close(self._fd)
        if self._staged:
            with self._path.open("r+b") as tail, memoryview(self._stage) as stage:
                tail.seek(0, os.SEEK_END)
                tail.write(stage[: self._staged])
        self._release_stage()

    def _writing_directly(self) -> bool:
        return self._fd is not None

    def _close_buffered(self) -> None:
        if self._file is not None:
            self._file.close()

    def _release_stage(self) -> None:
        self._stage.close()
        self._staged = 0

    @property
    def name(self) -> str:
        """The file's path, as a file object's ``name`` (what TextIOWrapper may report)."""
        return str(self._path)

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def open_data_file(path: Path) -> tuple[io.TextIOWrapper, HashingWriter]:
    """The data file as text (UTF-8, "\\n" kept as is) and the binary writer under it."""
    hashing = HashingWriter(path)
    return io.TextIOWrapper(hashing, encoding="utf-8", newline="\n"), hashing
