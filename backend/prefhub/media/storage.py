"""Media bytes, content-addressed: validated, named by their sha256 and kept in the store
``PREFHUB_MEDIA_STORAGE`` picks (files under ``PREFHUB_MEDIA_ROOT`` or an S3-compatible bucket,
see ``stores``).

Writing needs no database: a worker can store a generated image, and the transaction that
stores the candidate records it (``service.register``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO

from prefhub.media.exceptions import MediaTooLarge
from prefhub.media.sniff import Sniffed, sniff
from prefhub.media.stores import LocalStore, MediaStore, S3Store
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


def media_store() -> MediaStore:
    """The store the current settings name."""
    settings = get_settings()
    if settings.media_storage == "s3":
        if not settings.s3_bucket:
            raise RuntimeError("PREFHUB_MEDIA_STORAGE=s3 needs PREFHUB_S3_BUCKET")
        return S3Store(
            settings.s3_bucket, settings.s3_prefix, settings.s3_endpoint_url, settings.s3_region
        )
    return LocalStore(settings.media_root)


def presigned_origins() -> tuple[str, ...]:
    """Origins besides the app's own that serve media to browsers: the bucket's, when
    ``PREFHUB_S3_PRESIGN_SECONDS`` > 0 redirects media requests to presigned bucket URLs."""
    settings = get_settings()
    if settings.media_storage != "s3" or not settings.s3_presign_seconds or not settings.s3_bucket:
        return ()
    return _bucket_origins(
        settings.s3_bucket, settings.s3_prefix, settings.s3_endpoint_url, settings.s3_region
    )


@lru_cache(maxsize=8)
def _bucket_origins(
    bucket: str, prefix: str, endpoint_url: str | None, region: str | None
) -> tuple[str, ...]:
    return S3Store(bucket, prefix, endpoint_url, region).browser_origins()


def media_root() -> Path:
    return get_settings().media_root


def path_of(storage_key: str) -> Path:
    """The file of a stored key in the local store (``PREFHUB_MEDIA_STORAGE=local`` only; use
    ``read_media`` or ``copy_media`` to work with either store)."""
    if get_settings().media_storage != "local":
        raise RuntimeError("media are not on local disk (PREFHUB_MEDIA_STORAGE=s3)")
    return media_root() / storage_key


def read_limited(chunks: Iterable[bytes], limit: int) -> bytes:
    """Join ``chunks``, refusing as soon as they pass ``limit`` (the rest is never read)."""
    data = bytearray()
    for chunk in chunks:
        data += chunk
        if len(data) > limit:
            raise MediaTooLarge(f"The file is larger than the limit of {limit:,} bytes")
    return bytes(data)


def read_file_limited(file: IO[bytes], limit: int, chunk: int = 1024 * 1024) -> bytes:
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
    media_store().put(key, data, sniffed.content_type)
    return StoredMedia(sha, len(data), key, sniffed)


def read_media(storage_key: str) -> bytes:
    """The bytes of a stored file (for a model request, say)."""
    return media_store().read(storage_key)


def copy_media(storage_key: str, target: Path) -> None:
    """Write a stored file to ``target`` (an export's copy), in chunks."""
    media_store().copy_to(storage_key, target)
