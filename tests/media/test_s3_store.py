"""``PREFHUB_MEDIA_STORAGE=s3``: media go to an S3-compatible bucket (a real S3 HTTP endpoint on
127.0.0.1, moto's server), once per sha256, and come back through the API whole, by byte range
and into exports, with the same authorization as files on disk."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from support.api import jsonl, pairwise_spec
from support.fake_openai import tiny_png
from support.media import wav

REGION = "us-east-1"


@dataclass
class Bucket:
    client: Any
    name: str
    prefix: str

    def versions(self) -> dict[str, int]:
        """Object key -> how many times it was written (the bucket keeps every version)."""
        listed = self.client.list_object_versions(Bucket=self.name).get("Versions", [])
        counts: dict[str, int] = {}
        for version in listed:
            counts[version["Key"]] = counts.get(version["Key"], 0) + 1
        return counts


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, unique: str) -> Bucket:
    """A fresh versioned bucket, and the settings pointing the media store at it."""
    import boto3

    from prefhub.settings import get_settings

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "prefhub-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "prefhub-test-secret")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION)
    name = f"prefhub-media-{unique}"
    client.create_bucket(Bucket=name)
    client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    settings = get_settings()
    for attribute, value in {
        "media_storage": "s3",
        "s3_bucket": name,
        "s3_prefix": "/team/media/",
        "s3_endpoint_url": s3_endpoint,
        "s3_region": REGION,
    }.items():
        monkeypatch.setattr(settings, attribute, value)
    return Bucket(client, name, "team/media")


def _upload(client, slug, *files):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/campaigns/{slug}/media",
        files=[("files", (name, data, "application/octet-stream")) for name, data in files],
    )


def test_uploads_are_stored_in_the_bucket_once_under_their_hash(campaign, bucket):
    from prefhub.settings import get_settings

    researcher, slug = campaign
    png, tone = tiny_png("s3-upload", size=9), wav(0.3, frequency=523)
    response = _upload(researcher, slug, ("a.png", png), ("t.wav", tone))
    assert response.status_code == 201, response.text
    keys = {}
    for data, ext in ((png, "png"), (tone, "wav")):
        sha = hashlib.sha256(data).hexdigest()
        keys[sha] = f"{bucket.prefix}/{sha[:2]}/{sha[2:4]}/{sha}.{ext}"
    assert bucket.versions() == {key: 1 for key in keys.values()}
    stored = bucket.client.get_object(Bucket=bucket.name, Key=keys[hashlib.sha256(png).hexdigest()])
    assert stored["Body"].read() == png and stored["ContentType"] == "image/png"
    # Nothing was written to local disk.
    local = get_settings().media_root
    assert not [k for k in keys.values() if (local / k.removeprefix("team/media/")).exists()]

    # The same bytes again, from this campaign and another: no object is written again.
    again = _upload(researcher, slug, ("copy.png", png))
    assert again.status_code == 201 and again.json()["files"][0]["part"]["sha256"] in keys
    assert bucket.versions() == {key: 1 for key in keys.values()}


def test_bucket_media_are_served_whole_and_by_range_to_those_who_may_see_them(
    campaign, bucket, as_user
):
    researcher, slug = campaign
    tone = wav(0.25, frequency=440)
    part = _upload(researcher, slug, ("t.wav", tone)).json()["files"][0]["part"]
    url = f"/api/media/{part['sha256']}"

    whole = researcher.get(url)
    assert whole.status_code == 200 and whole.content == tone
    assert whole.headers["content-type"] == "audio/wav"
    assert whole.headers["content-length"] == str(len(tone))
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["x-content-type-options"] == "nosniff"

    head = researcher.get(url, headers={"Range": "bytes=0-7"})
    assert head.status_code == 206 and head.content == tone[:8]
    assert head.headers["content-range"] == f"bytes 0-7/{len(tone)}"
    assert head.headers["content-length"] == "8"
    middle = researcher.get(url, headers={"Range": "bytes=100-"})
    assert middle.status_code == 206 and middle.content == tone[100:]
    tail = researcher.get(url, headers={"Range": "bytes=-16"})
    assert tail.status_code == 206 and tail.content == tone[-16:]
    past = researcher.get(url, headers={"Range": f"bytes={len(tone)}-"})
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{len(tone)}"
    several = researcher.get(url, headers={"Range": "bytes=0-1,4-5"})
    assert several.status_code == 200 and several.content == tone

    # Someone who may not see the campaign cannot tell that the file exists.
    assert as_user("researcher").get(url).status_code == 404
    assert as_user("annotator").get(f"/api/media/{'0' * 64}").status_code == 404


def test_a_presigned_redirect_serves_the_bytes_when_configured(campaign, bucket, monkeypatch):
    from prefhub.settings import get_settings

    researcher, slug = campaign
    png = tiny_png("presigned", size=6)
    part = _upload(researcher, slug, ("p.png", png)).json()["files"][0]["part"]
    monkeypatch.setattr(get_settings(), "s3_presign_seconds", 60)
    redirect = researcher.get(f"/api/media/{part['sha256']}", follow_redirects=False)
    assert redirect.status_code == 307 and redirect.headers["cache-control"] == "no-store"
    fetched = httpx.get(redirect.headers["location"])
    assert fetched.status_code == 200 and fetched.content == png
    assert fetched.headers["content-type"] == "image/png"


def test_the_store_reads_copies_and_streams_what_it_holds(bucket, tmp_path: Path):
    from prefhub.media.storage import copy_media, media_store, path_of, put_bytes, read_media

    png = tiny_png("store-api", size=11)
    stored = put_bytes(png)
    store = media_store()
    assert store.exists(stored.storage_key) and not store.exists("00/00/missing.png")
    assert store.put(stored.storage_key, png, "image/png") is False
    assert read_media(stored.storage_key) == png
    copy_media(stored.storage_key, tmp_path / "copy.png")
    assert (tmp_path / "copy.png").read_bytes() == png
    assert b"".join(store.stream(stored.storage_key, 1, 3)) == png[1:4]
    assert store.local_path(stored.storage_key) is None
    with pytest.raises(RuntimeError, match="not on local disk"):
        path_of(stored.storage_key)


def test_a_campaign_with_bucket_media_exports_them_with_checksums(as_user, bucket, db, unique):
    from prefhub.exports.tasks import execute_export
    from prefhub.models import ExportJob

    researcher = as_user("researcher")
    slug = f"s3-export-{unique}"
    spec = pairwise_spec(slug, redundancy=1)
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    red, blue = tiny_png("red", size=8), tiny_png("blue", size=8)
    row = {
        "id": "pictures",
        "prompt": "Which picture is a better cat?",
        "candidates": [
            {"content": [{"type": "image", "path": "red.png"}], "model": "a"},
            {"content": [{"type": "image", "path": "blue.png"}], "model": "b"},
        ],
    }
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("items.jsonl", jsonl([row]))
        out.writestr("red.png", red)
        out.writestr("blue.png", blue)
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.zip", archive.getvalue(), "application/zip")},
    )
    assert imported.status_code == 201, imported.text
    assert len(bucket.versions()) == 2  # the import stored both pictures in the bucket

    annotator = as_user("annotator")
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    submitted = annotator.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": task["assignment_id"],
            "client_id": f"c-{unique}",
            "answers": {"preference": {"choice": "A"}},
        },
    )
    assert submitted.status_code in (200, 201), submitted.text

    # Image candidates: the image_pairs format (dpo's vision form refuses them).
    job = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "image_pairs"})
    assert job.status_code == 202, job.text
    execute_export(job.json()["id"])
    with db() as session:
        folder = Path(
            session.scalar(select(ExportJob.folder).where(ExportJob.id == job.json()["id"]))
        )
    manifest = json.loads((folder / "manifest.json").read_text())
    (exported,) = [
        json.loads(line) for line in (folder / "image_pairs.jsonl").read_text().splitlines()
    ]
    images = [exported["jpg_0"], exported["jpg_1"]]
    listed = {f["name"]: f for f in manifest["files"] if f["name"].startswith("media/")}
    assert set(images) == set(listed) and len(listed) == 2
    for name in images:
        data = (folder / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == listed[name]["sha256"] == Path(name).stem
        assert listed[name]["size"] == len(data)
    assert {Path(n).stem for n in images} == {
        hashlib.sha256(red).hexdigest(),
        hashlib.sha256(blue).hexdigest(),
    }


def test_prune_deletes_bucket_objects_no_media_record_names(campaign, bucket):
    """Bytes put in the bucket whose transaction never recorded them (a refused import) are
    deleted by ``prefhub media prune``; recorded ones and other objects under the prefix stay."""
    import time

    from typer.testing import CliRunner

    from prefhub.cli import app
    from prefhub.media.storage import put_bytes

    researcher, slug = campaign
    recorded = tiny_png("s3-recorded", size=7)
    assert _upload(researcher, slug, ("r.png", recorded)).status_code == 201
    orphan = put_bytes(tiny_png("s3-orphan", size=8))  # stored, never recorded
    foreign = f"{bucket.prefix}/notes/readme.txt"
    bucket.client.put_object(Bucket=bucket.name, Key=foreign, Body=b"not media")
    time.sleep(1.1)  # object times have whole seconds

    fresh = CliRunner().invoke(app, ["media", "prune"])
    assert "deleted 0 of 0 stored files" in fresh.output, fresh.output
    pruned = CliRunner().invoke(app, ["media", "prune", "--older-than", "0"])

    assert pruned.exit_code == 0, pruned.output
    assert "deleted 1 of 2 stored files" in pruned.output and orphan.storage_key in pruned.output
    left = set(bucket.versions())
    sha = hashlib.sha256(recorded).hexdigest()
    assert f"{bucket.prefix}/{sha[:2]}/{sha[2:4]}/{sha}.png" in left
    assert f"{bucket.prefix}/{orphan.storage_key}" not in {
        obj["Key"] for obj in bucket.client.list_objects_v2(Bucket=bucket.name)["Contents"]
    }
    assert foreign in left
