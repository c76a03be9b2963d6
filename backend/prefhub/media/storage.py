"""Where media bytes live: content-addressed files under ``PREFHUB_MEDIA_ROOT``.

Writing needs no database: a worker can store a generated image, and the transaction that
stores the candidate records it (``service.register``).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from prefhub.media.exceptions import MediaTooLarge
from prefhub.media.sniff import Sniffed, sniff
from prefhub.models import MediaKind
from prefhub.settings import get_settings


@dataclass(frozen=True)
class StoredMedia:
    sha256: str
    byte_size: int
    storage_key: str
    sniffed: Sniffed

    def part(self) -> dict[str, object]:
        """The content part that refers to these bytes."""
        s = self.sniffed
        return media_part(s.kind, self.sha256, s.content_type, s.width, s.height, s.duration_ms)


def media_part(
    kind: MediaKind,
    sha256: str,
    content_type: str,
    width: int | None,
    height: int | None,
    duration_ms: int | None,
) -> dict[str, object]:
    """A content part (``kit.content``) for stored bytes; facts not known are left out."""
    part: dict[str, object] = {"type": kind.value, "sha256": sha256, "content_type": content_type}
    known = {"width": width, "height": height, "duration_ms": duration_ms}
    part.update({name: value for name, value in known.items() if value is not None})
    return part


def media_root() -> Path:
    return get_settings().media_root


def path_of(storage_key: str) -> Path:
    return media_root() / storage_key


def read_limited(chunks: Iterable[bytes], limit: int) -> bytes:
    """Join ``chunks``, refusing as soon as they pass ``limit`` (the rest is never read)."""
    data = bytearray()
    for chunk in chunks:
        data += chunk
        if len(data) > limit:
            raise MediaTooLarge(f"The file is larger than the limit of {limit:,} bytes")
    return bytes(data)


def read_file_limited(file: BinaryIO, limit: int, chunk: int = 1024 * 1024) -> bytes:
    """Read an open file in chunks, refusing it once it passes ``limit``."""
    return read_limited(iter(lambda: file.read(chunk), b""), limit)


def put_bytes(data: bytes) -> StoredMedia:
    """Validate and store ``data``; storing the same bytes again is a no-op."""
    limit = get_settings().max_media_bytes
    if len(data) > limit:
        raise MediaTooLarge(f"The file is {len(data):,} bytes; the limit is {limit:,}")
    sniffed = sniff(data)
    sha = hashlib.sha256(data).hexdigest()
    key = f"{sha[:2]}/{sha[2:4]}/{sha}.{sniffed.extension}"
    target = path_of(key)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename: readers never see half a file.
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return StoredMedia(sha, len(data), key, sniffed)


def read_media(storage_key: str) -> bytes:
    """The bytes of a stored file (for a model request, say)."""
    return path_of(storage_key).read_bytes()
