"""``prefhub media prune``: bytes a refused import stored before its transaction failed are
deleted once older than the grace period; recorded media, fresh bytes, bytes stored again and
files that are not the store's own are kept."""

from __future__ import annotations

import hashlib
import io
import os
import time
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from support.api import jsonl
from support.fake_openai import tiny_png

DAY = 24 * 3600


@pytest.fixture
def media_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A media store of the test's own: pruning never reaches other tests' files."""
    from prefhub.settings import get_settings

    root = tmp_path / "media"
    monkeypatch.setattr(get_settings(), "media_root_dir", root)
    monkeypatch.setattr(get_settings(), "media_storage", "local")
    return root


def _zip(rows: list[dict], files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("items.jsonl", jsonl(rows))
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def _image_row(name: str) -> dict:
    content = [{"type": "text", "text": "Which caption fits?"}, {"type": "image", "path": name}]
    return {"prompt": [{"role": "user", "content": content}], "candidates": ["A.", "B."]}


def _import(client, slug: str, data: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.zip", data, "application/zip")},
    )


def _stored(root: Path, data: bytes) -> Path:
    (path,) = root.rglob(f"{hashlib.sha256(data).hexdigest()}.*")
    return path


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def _prune(*args: str):  # type: ignore[no-untyped-def]
    from prefhub.cli import app

    return CliRunner().invoke(app, ["media", "prune", *args])


def test_prune_deletes_what_a_refused_import_left_and_keeps_everything_else(
    campaign, media_root, unique
):
    researcher, slug = campaign
    kept, orphan = tiny_png(f"kept-{unique}", size=7), tiny_png(f"orphan-{unique}", size=8)
    imported = _import(researcher, slug, _zip([_image_row("kept.png")], {"kept.png": kept}))
    assert imported.status_code == 201, imported.text
    bad_row = {"prompt": [{"role": "user", "content": [{"type": "image", "path": "none.png"}]}]}
    refused = _import(
        researcher, slug, _zip([_image_row("orphan.png"), bad_row], {"orphan.png": orphan})
    )
    assert refused.status_code == 422, refused.text
    # The refused import stored its first row's bytes before the refusal: nothing records them.
    orphan_file, kept_file = _stored(media_root, orphan), _stored(media_root, kept)
    cut_short = kept_file.parent / ".incoming-abc123"
    cut_short.write_bytes(b"half a file")
    foreign = media_root / "README.txt"
    foreign.write_text("someone's notes beside the store")
    for path in (orphan_file, kept_file, cut_short, foreign):
        _age(path, 2 * DAY)

    listed = _prune("--dry-run")
    assert listed.exit_code == 0, listed.output
    assert "would delete 2 of 3 stored files" in listed.output
    assert orphan_file.name in listed.output and ".incoming-abc123" in listed.output
    assert orphan_file.exists() and cut_short.exists()

    pruned = _prune()
    assert pruned.exit_code == 0, pruned.output
    assert "deleted 2 of 3 stored files written over 24 h ago" in pruned.output
    assert not orphan_file.exists() and not cut_short.exists()
    assert kept_file.read_bytes() == kept and foreign.exists()
    served = researcher.get(f"/api/media/{hashlib.sha256(kept).hexdigest()}")
    assert served.status_code == 200 and served.content == kept


def test_fresh_bytes_and_bytes_stored_again_are_kept(migrated, media_root, unique):
    from prefhub.media.storage import put_bytes

    fresh, again = tiny_png(f"fresh-{unique}", size=5), tiny_png(f"again-{unique}", size=6)
    fresh_file, again_file = (media_root / put_bytes(data).storage_key for data in (fresh, again))
    _age(again_file, 2 * DAY)
    # A new import stores the same bytes again: they are as new as that write.
    put_bytes(again)

    pruned = _prune()
    assert "deleted 0 of 0 stored files" in pruned.output, pruned.output
    assert fresh_file.exists() and again_file.exists()
    everything = _prune("--older-than", "0")
    assert "deleted 2 of 2 stored files written over 0 h ago" in everything.output
    assert not fresh_file.exists() and not again_file.exists()
