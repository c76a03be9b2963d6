"""Imports with media parts: files beside the JSONL (a folder for the CLI, a zip over REST),
URLs (CLI), media already uploaded (sha256). Any bad part refuses the whole file, with line
numbers, and nothing is stored."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from support.api import jsonl, pairwise_spec
from support.fake_openai import tiny_png
from support.media import encoded, wav


def _rows(unique: str) -> list[dict]:
    return [
        {
            "id": "look",
            "prompt": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "Which caption fits?"},
                        {"type": "image", "path": "img/cat.png", "alt": "a cat"},
                    ],
                }
            ],
            "candidates": ["A cat.", "A dog."],
        },
        {
            "id": "listen",
            "prompt": "Which tone is calmer?",
            "candidates": [
                {"content": [{"type": "audio", "path": "low.wav"}], "model": "tts-a"},
                {"content": [{"type": "audio", "path": "high.ogg"}], "model": "tts-b"},
            ],
        },
    ]


def _files(unique: str) -> dict[str, bytes]:
    return {
        "img/cat.png": tiny_png(f"cat-{unique}", size=9),
        "low.wav": wav(0.5, frequency=220),
        "high.ogg": encoded("OGG", "VORBIS", 0.75),
    }


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _import(client, slug, data, name="items.zip"):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": (name, data, "application/octet-stream")},
    )


def _counts(db):  # type: ignore[no-untyped-def]
    from prefhub.models import CampaignMedia, Item, MediaAsset

    with db() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (Item, MediaAsset, CampaignMedia)
        )


def test_a_zip_with_media_beside_the_jsonl_imports_and_the_media_is_served(campaign, unique):
    researcher, slug = campaign
    files = _files(unique)
    archive = _zip(
        {"batch/items.jsonl": jsonl(_rows(unique)), **{f"batch/{k}": v for k, v in files.items()}}
    )
    response = _import(researcher, slug, archive)
    assert response.status_code == 201, response.text
    assert response.json() == {"imported": 2, "ready": 2}

    items = {
        i["external_id"]: i for i in researcher.get(f"/api/campaigns/{slug}/items").json()["items"]
    }
    text, image = items["look"]["context"][0]["content"]
    assert text == {"type": "text", "text": "Which caption fits?"}
    assert image == {
        "type": "image",
        "sha256": hashlib.sha256(files["img/cat.png"]).hexdigest(),
        "content_type": "image/png",
        "width": 9,
        "height": 9,
        "alt": "a cat",
    }
    low, high = (c["content"][0] for c in items["listen"]["candidates"])
    assert (low["type"], low["content_type"], low["duration_ms"]) == ("audio", "audio/wav", 500)
    assert (high["content_type"], high["duration_ms"]) == ("audio/ogg", 750)
    for part, name in ((image, "img/cat.png"), (low, "low.wav"), (high, "high.ogg")):
        served = researcher.get(f"/api/media/{part['sha256']}")
        assert served.status_code == 200 and served.content == files[name]


@pytest.mark.parametrize(
    ("part", "message"),
    [
        ({"type": "image", "path": "../secret.png"}, "leaves the folder"),
        ({"type": "image", "path": "img/../../secret.png"}, "leaves the folder"),
        ({"type": "image", "path": "/etc/passwd"}, "is absolute"),
        ({"type": "image", "path": "C:\\\\Windows\\\\win.ini"}, "is absolute"),
        ({"type": "image", "path": "missing.png"}, "no file 'missing.png'"),
        ({"type": "image", "path": "low.wav"}, "declared image but the file is audio (audio/wav)"),
        ({"type": "audio", "path": "evil.svg"}, "markup"),
        ({"type": "image", "url": "https://example.org/cat.png"}, "fetched by a worker"),
        ({"type": "image", "sha256": "0" * 64}, "not media of this campaign"),
        ({"type": "image", "path": "a.png", "url": "https://example.org/a.png"}, "exactly one of"),
    ],
    ids=[
        "dotdot",
        "dotdot-inside",
        "absolute",
        "windows-absolute",
        "missing",
        "type-mismatch",
        "svg",
        "url-over-rest",
        "unknown-sha",
        "two-sources",
    ],
)
def test_a_bad_media_part_refuses_the_whole_import(campaign, unique, db, part, message):
    researcher, slug = campaign
    rows = [*_rows(unique), {"id": "bad", "prompt": [{"role": "user", "content": [part]}]}]
    members = {"items.jsonl": jsonl(rows), **_files(unique)}
    members["evil.svg"] = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"
    before = _counts(db)
    response = _import(researcher, slug, _zip(members))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "import_invalid"
    (problem,) = error["details"]["errors"]
    assert problem["line"] == 3 and message in problem["message"], problem
    assert _counts(db) == before


def test_an_archive_needs_exactly_one_jsonl(campaign, unique):
    researcher, slug = campaign
    two = _zip({"a.jsonl": jsonl(_rows(unique)), "b.jsonl": b""})
    response = _import(researcher, slug, two)
    assert (
        response.status_code == 422 and "exactly one .jsonl" in response.json()["error"]["message"]
    )


def test_media_uploaded_first_is_referred_to_by_its_sha256(campaign, as_user, unique):
    researcher, slug = campaign
    tone = wav(0.2, frequency=330)
    upload = researcher.post(
        f"/api/campaigns/{slug}/media", files=[("files", ("t.wav", tone, "audio/wav"))]
    )
    sha = upload.json()["files"][0]["part"]["sha256"]
    row = {
        "id": "s",
        "prompt": "Which?",
        "candidates": [{"content": [{"type": "audio", "sha256": sha}]}, "plain text"],
    }
    response = _import(researcher, slug, jsonl([row]), name="items.jsonl")
    assert response.status_code == 201, response.text
    item = researcher.get(f"/api/campaigns/{slug}/items").json()["items"][0]
    assert item["candidates"][0]["content"][0]["duration_ms"] == 200

    # Another researcher's campaign cannot borrow it by naming its hash.
    other = as_user("researcher")
    other_slug = f"other-{unique}"
    other.post("/api/campaigns", json=pairwise_spec(other_slug))
    refused = _import(other, other_slug, jsonl([row]), name="items.jsonl")
    assert refused.status_code == 422
    assert (
        "not media of this campaign" in refused.json()["error"]["details"]["errors"][0]["message"]
    )


def _cli_import(slug: str, path) -> object:  # type: ignore[no-untyped-def]
    from prefhub.cli import app

    return CliRunner().invoke(app, ["import", slug, str(path)])


def test_the_cli_reads_files_beside_the_jsonl_and_fetches_urls(
    campaign, unique, tmp_path, media_server, allow_loopback
):
    researcher, slug = campaign
    for name, data in _files(unique).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    clip = encoded("MP3", "MPEG_LAYER_III", 1.0)
    url = media_server.serve("/clip", clip, headers={"Content-Type": "text/plain"})
    rows = _rows(unique)
    rows[1]["candidates"].append({"content": [{"type": "audio", "url": url}]})
    (tmp_path / "items.jsonl").write_bytes(jsonl(rows))
    result = _cli_import(slug, tmp_path / "items.jsonl")
    assert result.exit_code == 0, result.output
    items = {
        i["external_id"]: i for i in researcher.get(f"/api/campaigns/{slug}/items").json()["items"]
    }
    fetched = items["listen"]["candidates"][2]["content"][0]
    assert (fetched["content_type"], fetched["duration_ms"]) == ("audio/mpeg", 1000)
    assert researcher.get(f"/api/media/{fetched['sha256']}").content == clip


def test_the_cli_refuses_escapes_and_forbidden_urls_with_line_numbers(
    campaign, unique, tmp_path, db
):
    _, slug = campaign
    (tmp_path / "inside").mkdir()
    (tmp_path / "secret.png").write_bytes(tiny_png("secret", size=3))
    (tmp_path / "inside" / "link.png").symlink_to(tmp_path / "secret.png")
    rows = [
        {
            "id": "a",
            "prompt": [{"role": "user", "content": [{"type": "image", "path": "../secret.png"}]}],
        },
        {
            "id": "b",
            "prompt": [{"role": "user", "content": [{"type": "image", "path": "link.png"}]}],
        },
        {
            "id": "c",
            "prompt": [
                {
                    "role": "user",
                    "content": [
                        {"type": "image", "url": "http://169.254.169.254/latest/meta-data/"}
                    ],
                }
            ],
        },
    ]
    (tmp_path / "inside" / "items.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    before = _counts(db)
    result = _cli_import(slug, tmp_path / "inside" / "items.jsonl")
    assert result.exit_code != 0
    assert "line 1" in result.output and "leaves the folder" in result.output
    assert "line 2" in result.output
    assert "line 3" in result.output and "not a public internet address" in result.output
    assert _counts(db) == before
