"""Where media bytes live: a local folder (the default) or an S3-compatible bucket.

Keys are content-addressed (``xx/yy/<sha256>.<ext>``), so the bytes under a key never change:
storing a key that exists is skipped, and every copy of a key is as good as another.
``PREFHUB_MEDIA_STORAGE`` picks the store; ``storage.media_store()`` builds it from the current
settings on each call, so a changed setting (or a test's) is followed at once.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

CHUNK = 256 * 1024


class MediaStore(Protocol):
    def exists(self, key: str) -> bool: ...

    def put(self, key: str, data: bytes, content_type: str) -> bool:
        """Store ``data`` under ``key`` unless the key exists; whether anything was written."""
        ...

    def read(self, key: str) -> bytes: ...

    def copy_to(self, key: str, target: Path) -> None:
        """Write the bytes under ``key`` to the file ``target`` without holding them all."""
        ...

    def stream(self, key: str, first: int, last: int) -> Iterator[bytes]:
        """Bytes ``first`` to ``last`` (inclusive) of ``key``, in chunks."""
        ...

    def local_path(self, key: str) -> Path | None:
        """The file holding ``key`` when it is on this machine's disk; otherwise None."""
        ...

    def presigned_url(self, key: str, seconds: int, content_type: str) -> str | None:
        """A URL reading ``key`` for ``seconds`` without credentials, where the store has them."""
        ...

    def written_before(self, moment: datetime) -> Iterator[str]:
        """Every key whose bytes were written before ``moment`` (an aware datetime)."""
        ...

    def delete(self, key: str) -> None: ...


class LocalStore:
    """Files under a folder, ``<root>/<key>``; written beside the target and renamed into
    place, so a reader never sees half a file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def local_path(self, key: str) -> Path:
        return self.root / key

    def exists(self, key: str) -> bool:
        return self.local_path(key).exists()

    def put(self, key: str, data: bytes, content_type: str) -> bool:
        target = self.local_path(key)
        if target.exists():
            # Stored again now: to ``media prune``, these bytes are as new as this write, which
            # its transaction has yet to record.
            os.utime(target)
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return True

    def read(self, key: str) -> bytes:
        return self.local_path(key).read_bytes()

    def presigned_url(self, key: str, seconds: int, content_type: str) -> None:
        return None

    def copy_to(self, key: str, target: Path) -> None:
        shutil.copyfile(self.local_path(key), target)

    def stream(self, key: str, first: int, last: int) -> Iterator[bytes]:
        with self.local_path(key).open("rb") as file:
            file.seek(first)
            remaining = last - first + 1
            while remaining > 0 and (chunk := file.read(min(CHUNK, remaining))):
                remaining -= len(chunk)
                yield chunk

    def written_before(self, moment: datetime) -> Iterator[str]:
        # Left-over ``.incoming-`` files of a write cut short are listed too: nothing names them.
        cutoff = moment.timestamp()
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                yield path.relative_to(self.root).as_posix()

    def delete(self, key: str) -> None:
        self.local_path(key).unlink(missing_ok=True)


class S3Store:
    """Objects in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, …) under
    ``<prefix>/<key>``. Credentials come from boto3's usual chain (``AWS_ACCESS_KEY_ID`` and
    ``AWS_SECRET_ACCESS_KEY``, a profile, an instance role); prefhub never stores them."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = s3_client(endpoint_url or None, region or None)

    def object_key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def local_path(self, key: str) -> None:
        return None

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def put(self, key: str, data: bytes, content_type: str) -> bool:
        if self.exists(key):
            return False
        # Two writers racing on one key write the same bytes: content addressing makes the
        # last write as good as the first.
        self.client.put_object(
            Bucket=self.bucket, Key=self.object_key(key), Body=data, ContentType=content_type
        )
        return True

    def read(self, key: str) -> bytes:
        body = self._get(key)["Body"]
        try:
            data: bytes = body.read()
            return data
        finally:
            body.close()

    def copy_to(self, key: str, target: Path) -> None:
        body = self._get(key)["Body"]
        try:
            with target.open("wb") as out:
                shutil.copyfileobj(body, out, CHUNK)
        finally:
            body.close()

    def stream(self, key: str, first: int, last: int) -> Iterator[bytes]:
        # Ask now, not on the first chunk: a missing object fails before a response starts.
        body = self._get(key, Range=f"bytes={first}-{last}")["Body"]
        return _chunks(body)

    def presigned_url(self, key: str, seconds: int, content_type: str) -> str:
        params = {
            "Bucket": self.bucket,
            "Key": self.object_key(key),
            "ResponseContentType": content_type,
            "ResponseContentDisposition": "inline",
        }
        url: str = self.client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=seconds
        )
        return url

    def written_before(self, moment: datetime) -> Iterator[str]:
        start = f"{self.prefix}/" if self.prefix else ""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start
        )
        for page in pages:
            for listed in page.get("Contents", []):
                if listed["LastModified"] < moment:
                    yield listed["Key"][len(start) :]

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))

    def browser_origins(self) -> tuple[str, ...]:
        """The origins a browser fetches this bucket's presigned URLs from (for the web app's
        Content-Security-Policy): the endpoint (path-style URLs) and the host a presigned URL
        actually names; on AWS also the bucket's regional host, which S3 may redirect to."""
        from botocore.exceptions import BotoCoreError

        endpoint = urlsplit(self.client.meta.endpoint_url)
        origins = [f"{endpoint.scheme}://{endpoint.netloc}"]
        if endpoint.hostname and endpoint.hostname.endswith(".amazonaws.com"):
            origins.append(f"{endpoint.scheme}://{self.bucket}.{endpoint.netloc}")
        try:
            sample = urlsplit(self.presigned_url("origin-probe", 60, "application/octet-stream"))
            origins.append(f"{sample.scheme}://{sample.netloc}")
        except BotoCoreError:  # no credentials (yet): the endpoint's origins must do
            pass
        return tuple(dict.fromkeys(origin.lower() for origin in origins))

    def _get(self, key: str, **options: str) -> dict[str, Any]:
        response: dict[str, Any] = self.client.get_object(
            Bucket=self.bucket, Key=self.object_key(key), **options
        )
        return response


def _chunks(body: Any) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(CHUNK)
    finally:
        body.close()


@lru_cache(maxsize=8)
def s3_client(endpoint_url: str | None, region: str | None) -> Any:
    """One client per endpoint and region (clients are thread-safe and slow to build)."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:
        raise RuntimeError(
            "PREFHUB_MEDIA_STORAGE=s3 needs boto3: pip install 'prefhub[s3]' "
            "(from a checkout: make install-dev EXTRAS=dev,s3)"
        ) from exc
    config = Config(
        # Checksums only where S3 demands them: several S3-compatible stores refuse the
        # newer default trailers.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"mode": "standard"},
    )
    # A session of its own: boto3's default session is not thread-safe.
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint_url, region_name=region, config=config
    )
