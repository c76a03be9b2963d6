"""The URL fetcher reaches only public addresses: checked after DNS and on every redirect,
connected to the address it checked, with size limits; the bytes decide what a file is."""

from __future__ import annotations

import pytest

from support.fake_openai import tiny_png
from support.media import wav


def _refused(url: str):  # type: ignore[no-untyped-def]
    from prefhub.kit.errors import PrefhubError
    from prefhub.media.fetch import fetch

    with pytest.raises(PrefhubError) as refused:
        fetch(url)
    return refused.value


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/secret",
        "http://127.8.9.10:8080/",
        "http://10.0.0.1/admin",
        "http://172.16.5.4/",
        "http://192.168.1.1/router",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[fc00::5]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
        "http://100.64.0.1/",
    ],
)
def test_private_and_special_addresses_are_refused(migrated, url):
    error = _refused(url)
    assert error.code == "media_url_forbidden"
    assert "not a public internet address" in error.message


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "Only http and https"),
        ("ftp://example.org/a.png", "Only http and https"),
        ("gopher://example.org/", "Only http and https"),
        ("http://user:pw@example.org/a.png", "user name or password"),
        ("https://example.org/" + "a" * 2100, "longer than"),
    ],
)
def test_only_plain_http_urls_are_fetched(migrated, url, message):
    error = _refused(url)
    assert error.code == "media_url_forbidden" and message in error.message


def test_the_loopback_test_server_is_refused_by_default(migrated, media_server):
    url = media_server.serve("/cat.png", tiny_png("cat", size=6))
    for candidate in (url, media_server.url("/cat.png", host="localhost")):
        error = _refused(candidate)
        assert error.code == "media_url_forbidden"
    # A name that resolves to loopback is refused too, without saying what it resolved to
    # (that would map the inside network for whoever asks).
    message = _refused(media_server.url("/", host="localhost")).message
    assert "localhost" in message and "127.0.0.1" not in message
    assert media_server.requests == []


def test_a_fetch_sends_the_name_it_was_given_as_host(migrated, media_server, allow_loopback):
    from prefhub.media.fetch import fetch

    png = tiny_png("cat", size=6)
    media_server.serve("/cat.png", png, headers={"Content-Type": "text/html"})
    assert fetch(media_server.url("/cat.png", host="localhost")) == png
    assert media_server.requests == [("/cat.png", f"localhost:{media_server.port}")]


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[fe80::1]/",
        "ftp://127.0.0.1/",
    ],
)
def test_a_redirect_to_a_forbidden_address_is_refused(
    migrated, media_server, allow_loopback, target
):
    url = media_server.redirect("/go", target)
    error = _refused(url)
    assert error.code == "media_url_forbidden"
    assert [path for path, _ in media_server.requests] == ["/go"]


def test_redirects_are_followed_and_checked_up_to_a_limit(migrated, media_server, allow_loopback):
    from prefhub.media.fetch import fetch

    audio = wav(0.1)
    media_server.serve("/tone.wav", audio)
    media_server.redirect("/a", "/b", status=301)
    media_server.redirect("/b", media_server.url("/tone.wav", host="localhost"), status=307)
    assert fetch(media_server.url("/a")) == audio
    assert [path for path, _ in media_server.requests] == ["/a", "/b", "/tone.wav"]

    for hop in range(6):
        media_server.redirect(f"/loop{hop}", f"/loop{hop + 1}")
    error = _refused(media_server.url("/loop0"))
    assert error.code == "media_fetch_failed" and "redirects" in error.message


def test_oversized_bodies_are_refused_while_streaming(
    migrated, media_server, allow_loopback, monkeypatch
):
    from prefhub.settings import get_settings

    monkeypatch.setattr(get_settings(), "max_media_bytes", 10_000)
    declared = media_server.serve("/big", bytes(50_000))
    streamed = media_server.serve("/stream", bytes(50_000), chunked=True)
    for url in (declared, streamed):
        error = _refused(url)
        assert (error.code, error.status_code) == ("media_too_large", 413)


def test_errors_from_the_server_are_reported(migrated, media_server, allow_loopback):
    error = _refused(media_server.url("/missing"))
    assert error.code == "media_fetch_failed" and "HTTP 404" in error.message
    error = _refused(media_server.url("/", host="no-such-host.invalid"))
    assert error.code == "media_fetch_failed" and "does not resolve" in error.message
