"""Media parts of an import: files beside the JSONL (a folder for the CLI, a zip over REST),
public URLs (fetched by the CLI) or media the campaign already has, turned into stored parts."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy.orm import Session

from prefhub.items.exceptions import ImportInvalid
from prefhub.kit.errors import PrefhubError
from prefhub.media import service as media
from prefhub.media.exceptions import MediaTooLarge
from prefhub.media.fetch import fetch
from prefhub.media.storage import StoredMedia, put_bytes, read_file_limited
from prefhub.settings import get_settings


class MediaRefError(Exception):
    """Why one media part of an import cannot be used; reported with its line number."""


def safe_relative(path: str) -> PurePosixPath:
    """``path`` as a relative path that stays inside the import's folder."""
    relative = PurePosixPath(path.replace("\\", "/"))
    if relative.is_absolute() or (relative.parts and relative.parts[0].endswith(":")):
        raise MediaRefError(f"path '{path}' is absolute; give it relative to the JSONL file")
    if ".." in relative.parts or not relative.parts:
        raise MediaRefError(f"path '{path}' leaves the folder of the JSONL file")
    return relative


@dataclass
class FolderFiles:
    """Files in the folder of a JSONL file on disk (``prefhub import``)."""

    root: Path

    def read(self, path: str) -> bytes:
        root = self.root.resolve()
        target = (root / safe_relative(path)).resolve()
        if not target.is_relative_to(root):  # a symlink pointing out of the folder
            raise MediaRefError(f"path '{path}' leaves the folder of the JSONL file")
        if not target.is_file():
            raise MediaRefError(f"no file '{path}' beside the JSONL file")
        with target.open("rb") as file:
            return read_file_limited(file, _limit())


@dataclass
class ZipFiles:
    """Files in the zip archive that holds the JSONL (REST import)."""

    archive: zipfile.ZipFile
    base: PurePosixPath

    def read(self, path: str) -> bytes:
        name = str(self.base / safe_relative(path))
        try:
            info = self.archive.getinfo(name)
        except KeyError:
            raise MediaRefError(f"no file '{path}' in the archive beside the JSONL") from None
        # The sizes a zip declares can lie (zip bombs): the read itself is limited too.
        with self.archive.open(info) as file:
            return read_file_limited(file, _limit())


@dataclass
class MediaResolver:
    """Turns import media parts into stored parts; each distinct reference is read once."""

    session: Session
    campaign_id: int
    files: FolderFiles | ZipFiles | None
    fetch_urls: bool
    # URLs fetched before the import's transaction began (``prefetch_urls``), so that it does
    # not hold the database (on SQLite, its write lock) while remote servers answer.
    prefetched: dict[str, StoredMedia | PrefhubError] = field(default_factory=dict)
    stored: list[StoredMedia] = field(default_factory=list)
    _cache: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def resolve(self, parts: list[dict[str, Any]], where: str) -> list[str]:
        """Replace media references in ``parts`` in place; returns one message per failure."""
        errors = []
        for index, part in enumerate(parts):
            if part.get("type") == "text":
                continue
            try:
                parts[index] = self._part(part)
            except (MediaRefError, PrefhubError) as exc:
                errors.append(f"{where}[{index}]: {getattr(exc, 'message', exc)}")
        return errors

    def _part(self, ref: dict[str, Any]) -> dict[str, Any]:
        source = next(k for k in ("path", "url", "sha256") if k in ref)
        key = (source, ref[source])
        if key not in self._cache:
            self._cache[key] = self._load(source, ref[source])
        stored = dict(self._cache[key])
        if stored["type"] != ref["type"]:
            raise MediaRefError(
                f"{source} '{ref[source]}' is declared {ref['type']} but the file is "
                f"{stored['type']} ({stored['content_type']})"
            )
        if ref.get("alt"):
            stored["alt"] = ref["alt"]
        return stored

    def _load(self, source: str, value: str) -> dict[str, Any]:
        if source == "sha256":
            asset = media.linked_asset(self.session, self.campaign_id, value)
            if asset is None:
                raise MediaRefError(f"sha256 {value} is not media of this campaign; upload it")
            return media.part_of(asset)
        read: Callable[[str], bytes]
        if source == "path":
            if self.files is None:
                raise MediaRefError(
                    "path parts need their files: import a .zip holding the JSONL and its files"
                )
            read = self.files.read
        else:
            if not self.fetch_urls:
                raise MediaRefError(
                    "url parts are fetched by a worker: send the file to "
                    "POST /api/campaigns/{slug}/items/import-jobs (or use `prefhub import`)"
                )
            if value in self.prefetched:
                found = self.prefetched[value]
                if isinstance(found, PrefhubError):
                    raise found
                self.stored.append(found)
                return found.part()
            read = fetch
        stored = put_bytes(read(value))
        self.stored.append(stored)
        return stored.part()


MEDIA_PART_TYPES = frozenset({"image", "audio", "video"})
# An import names at most this many distinct URLs (each one a fetch of up to the media limit).
MAX_URLS = 10_000


def media_urls(lines: Iterable[bytes]) -> list[str]:
    """The distinct URLs an import file's media parts name, in order. Lines that are not
    JSON are skipped here: the import itself reports them with their line numbers, and so
    are lines that cannot name one (no ``url``, not even escaped), unparsed."""
    urls: dict[str, None] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            url = value.get("url")
            if value.get("type") in MEDIA_PART_TYPES and isinstance(url, str):
                urls.setdefault(url)
            for child in value.values():
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    for line in lines:
        if b"url" not in line and b"\\u" not in line:
            continue
        try:
            walk(json.loads(line))
        except ValueError:
            continue
        if len(urls) > MAX_URLS:
            raise ImportInvalid(f"The file names more than {MAX_URLS} distinct media URLs")
    return list(urls)


def prefetch_urls(urls: list[str]) -> dict[str, StoredMedia | PrefhubError]:
    """Fetch and store each URL, outside any transaction; a refusal is kept for the import to
    report on the lines that name the URL."""
    fetched: dict[str, StoredMedia | PrefhubError] = {}
    for url in urls:
        try:
            fetched[url] = put_bytes(fetch(url))
        except PrefhubError as exc:
            fetched[url] = exc
    return fetched


def _limit() -> int:
    return get_settings().max_media_bytes


def is_zip(data: bytes) -> bool:
    return data.startswith(b"PK\x03\x04")


def open_archive(data: bytes) -> tuple[list[bytes], ZipFiles]:
    """The JSONL lines in a zip archive and the files beside it; the archive must hold
    exactly one ``.jsonl`` file."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = [
            n for n in archive.namelist() if n.endswith(".jsonl") and not n.startswith("__MACOSX/")
        ]
        if len(names) != 1:
            raise ImportInvalid(
                f"The archive must hold exactly one .jsonl file; it holds {len(names)}"
            )
        with archive.open(names[0]) as file:
            jsonl = read_file_limited(file, get_settings().max_upload_bytes)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportInvalid(f"Not a readable zip archive: {exc}") from exc
    except MediaTooLarge as exc:
        raise ImportInvalid(f"The JSONL file in the archive is too large: {exc.message}") from exc
    return jsonl.splitlines(), ZipFiles(archive, PurePosixPath(names[0]).parent)
