"""Uploading media and queuing URL fetches over REST: campaign managers only, refused with
stable codes, and what is stored comes back as the content part an import file uses."""

from __future__ import annotations

import hashlib

import pytest

from support.fake_openai import tiny_png
from support.media import encoded, mp4, wav


def _upload(client, slug, *files):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/campaigns/{slug}/media",
        files=[("files", (name, data, "application/octet-stream")) for name, data in files],
    )


def test_uploaded_files_come_back_as_content_parts_and_are_served(campaign):
    researcher, slug = campaign
    png, tone, ogg, clip = (
        tiny_png("u", size=7),
        wav(0.25),
        encoded("OGG", "OPUS", 0.5),
        mp4(width=64, height=48, duration_ms=900),
    )
    response = _upload(
        researcher, slug, ("a.png", png), ("t.wav", tone), ("o.ogg", ogg), ("c.mp4", clip)
    )
    assert response.status_code == 201, response.text
    parts = [f["part"] for f in response.json()["files"]]
    assert [f["filename"] for f in response.json()["files"]] == ["a.png", "t.wav", "o.ogg", "c.mp4"]
    assert parts[0] == {
        "type": "image",
        "sha256": hashlib.sha256(png).hexdigest(),
        "content_type": "image/png",
        "width": 7,
        "height": 7,
        "alt": None,
    }
    assert (parts[1]["type"], parts[1]["content_type"], parts[1]["duration_ms"]) == (
        "audio",
        "audio/wav",
        250,
    )
    assert (parts[2]["content_type"], parts[2]["duration_ms"]) == ("audio/ogg", 500)
    assert (parts[3]["type"], parts[3]["width"], parts[3]["height"]) == ("video", 64, 48)
    served = researcher.get(f"/api/media/{parts[1]['sha256']}")
    assert served.status_code == 200 and served.content == tone
    assert served.headers["content-type"] == "audio/wav"
    ranged = researcher.get(f"/api/media/{parts[1]['sha256']}", headers={"Range": "bytes=0-3"})
    assert ranged.status_code == 206 and ranged.content == b"RIFF"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("x.png", b"\x89PNX not a png at all", "Not a supported media file"),
        ("cut.png", tiny_png("cut", size=64)[:60], "truncated or corrupt"),
        ("cut.wav", wav(0.5)[:1000], "truncated"),
        (
            "evil.svg",
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
            "markup",
        ),
        ("page.png", b"<!DOCTYPE html><script>fetch('/api/auth/me')</script>", "markup"),
    ],
    ids=["wrong-magic", "truncated-image", "truncated-wav", "svg-script", "html"],
)
def test_what_is_not_playable_media_is_refused_and_nothing_is_kept(
    campaign, db, name, data, message
):
    from sqlalchemy import func, select

    from prefhub.models import MediaAsset

    researcher, slug = campaign
    with db() as session:
        before = session.scalar(select(func.count(MediaAsset.id)))
    good = tiny_png(f"good-{slug}-{name}", size=3)
    response = _upload(researcher, slug, ("good.png", good), (name, data))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "unsupported_media"
    assert error["message"].startswith(f"{name}: ") and message in error["message"]
    assert error["details"] == {"file": name}
    with db() as session:
        assert session.scalar(select(func.count(MediaAsset.id))) == before


def test_an_oversized_upload_is_refused_with_413(campaign, monkeypatch):
    from prefhub.settings import get_settings

    researcher, slug = campaign
    monkeypatch.setattr(get_settings(), "max_media_bytes", 5_000)
    response = _upload(researcher, slug, ("long.wav", wav(2.0)))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "media_too_large"


def test_only_the_campaigns_manager_may_upload(campaign, as_user, new_client):
    _, slug = campaign
    png = ("a.png", tiny_png("a", size=2))
    # Another researcher's campaign does not exist for them; annotators may never upload.
    assert _upload(as_user("researcher"), slug, png).status_code == 404
    assert _upload(as_user("annotator"), slug, png).status_code == 403
    assert _upload(new_client(), slug, png).status_code == 401
    researcher, _ = campaign
    no_csrf = researcher.post(
        f"/api/campaigns/{slug}/media",
        files=[("files", png)],
        headers={"X-CSRF-Token": "wrong"},
    )
    assert (no_csrf.status_code, no_csrf.json()["error"]["code"]) == (403, "csrf_failed")


def test_a_url_fetch_is_a_job_a_worker_runs(campaign, media_server, allow_loopback, db):
    from prefhub.media.tasks import execute_fetch

    researcher, slug = campaign
    tone = wav(0.3)
    url = media_server.serve("/tone.bin", tone, headers={"Content-Type": "image/svg+xml"})
    job = researcher.post(f"/api/campaigns/{slug}/media/fetch", json={"url": url})
    assert job.status_code == 202, job.text
    assert job.json()["status"] == "queued" and job.json()["part"] is None
    assert media_server.requests == []  # nothing is fetched in the request

    execute_fetch(job.json()["id"])
    done = researcher.get(f"/api/media/fetches/{job.json()['id']}").json()
    assert done["status"] == "succeeded" and done["error"] is None
    part = done["part"]
    assert (part["type"], part["content_type"], part["duration_ms"]) == ("audio", "audio/wav", 300)
    assert researcher.get(f"/api/media/{part['sha256']}").content == tone


def test_a_url_the_worker_refuses_fails_the_job_with_its_code(campaign, media_server):
    from prefhub.media.tasks import execute_fetch

    researcher, slug = campaign
    # The loopback test server, without the test-only setting: refused after DNS.
    url = media_server.serve("/a.png", tiny_png("x", size=2)).replace("127.0.0.1", "localhost")
    job = researcher.post(f"/api/campaigns/{slug}/media/fetch", json={"url": url}).json()
    execute_fetch(job["id"])
    failed = researcher.get(f"/api/media/fetches/{job['id']}").json()
    assert failed["status"] == "failed" and failed["part"] is None
    assert failed["error"]["code"] == "media_url_forbidden"
    assert media_server.requests == []


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "file:///etc/passwd"]
)
def test_a_url_refused_without_dns_is_refused_at_once(campaign, url):
    researcher, slug = campaign
    response = researcher.post(f"/api/campaigns/{slug}/media/fetch", json={"url": url})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "media_url_forbidden"


def test_fetch_jobs_belong_to_the_campaigns_manager(campaign, as_user, media_server):
    researcher, slug = campaign
    job = researcher.post(
        f"/api/campaigns/{slug}/media/fetch", json={"url": "https://example.org/a.png"}
    ).json()
    other = as_user("researcher").get(f"/api/media/fetches/{job['id']}")
    assert (other.status_code, other.json()["error"]["code"]) == (404, "media_fetch_not_found")
    assert researcher.get("/api/media/fetches/999999999").status_code == 404
