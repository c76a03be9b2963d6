"""An export's data file, hashed as it is written: the manifest's sha256 without reading a
file of gigabytes a second time. The Python writers write text to it, the fast ``dpo`` path
bytes to its ``buffer``."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any


class HashingWriter(io.BufferedIOBase):
    """A binary file that keeps the sha256 and the size of what was written."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("wb")
        self._digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        # Both release the GIL on large buffers: a writer thread overlaps with other work.
        self._digest.update(data)
        self._file.write(data)
        written = len(memoryview(data).cast("B"))
        self.size += written
        return written

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        if not self.closed:
            super().close()  # flushes first
            self._file.close()

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def open_data_file(path: Path) -> tuple[io.TextIOWrapper, HashingWriter]:
    """The data file as text (UTF-8, "\\n" kept as is) and the binary writer under it."""
    hashing = HashingWriter(path)
    return io.TextIOWrapper(hashing, encoding="utf-8", newline="\n"), hashing
