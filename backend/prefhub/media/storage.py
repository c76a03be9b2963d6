"""Where media bytes live: content-addressed files under ``PREFHUB_MEDIA_ROOT``.

Writing needs no database: a worker can store a generated image, and the transaction that
stores the candidate records it (``service.register``).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from prefhub.media.exceptions import MediaTooLarge
from prefhub.media.sniff import Sniffed, sniff
from prefhub.settings import get_settings


@dataclass(frozen=True)
class StoredMedia:
    sha256: str
    byte_size: int
    storage_key: str
    sniffed: Sniffed

    def part(self) -> dict[str, object]:
        """The content part that refers to these bytes."""
        part: dict[str, object] = {
            "type": self.sniffed.kind.value,
            "sha256": self.sha256,
            "content_type": self.sniffed.content_type,
        }
        for name in ("width", "height", "duration_ms"):
            if (value := getattr(self.sniffed, name)) is not None:
                part[name] = value
        return part


def media_root() -> Path:
    return get_settings().media_root


def path_of(storage_key: str) -> Path:
    return media_root() / storage_key


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
