"""Media bytes are judged by what they are, stored once, and refused with clear errors."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from support.fake_openai import tiny_png


def _jpeg(size=(20, 10)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def test_images_are_recognised_by_their_bytes_with_dimensions(migrated):
    from prefhub.media.sniff import sniff

    png, jpeg = sniff(tiny_png("a", size=12)), sniff(_jpeg())
    assert (png.content_type, png.extension, png.width, png.height) == ("image/png", "png", 12, 12)
    assert (jpeg.content_type, jpeg.width, jpeg.height) == ("image/jpeg", 20, 10)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"GIF89a but not really an image at all", "Not a supported image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "markup"),
        (b"<!doctype html><img src=x onerror=alert(1)>", "markup"),
        (tiny_png("t", size=64)[:60], "truncated or corrupt"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "WAV file is truncated or corrupt"),
    ],
)
def test_what_is_not_a_safe_image_is_refused(migrated, data, message):
    from prefhub.media.exceptions import UnsupportedMedia
    from prefhub.media.sniff import sniff

    with pytest.raises(UnsupportedMedia) as refused:
        sniff(data)
    assert message in refused.value.message
    assert refused.value.code == "unsupported_media"


def test_a_decompression_bomb_is_refused(migrated):
    from prefhub.media.exceptions import UnsupportedMedia
    from prefhub.media.sniff import sniff

    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, format="PNG")  # a few KB, 81 million pixels
    assert len(out.getvalue()) < 100_000
    with pytest.raises(UnsupportedMedia, match="pixels"):
        sniff(out.getvalue())


def test_the_same_bytes_are_stored_once_under_their_hash(migrated):
    from prefhub.media.storage import path_of, put_bytes

    data = tiny_png("dedup", size=5)
    first, second = put_bytes(data), put_bytes(data)
    assert first == second
    assert first.sha256 == hashlib.sha256(data).hexdigest()
    assert path_of(first.storage_key).read_bytes() == data
    assert first.storage_key.endswith(".png")
    assert not list(path_of(first.storage_key).parent.glob(".incoming-*"))
    assert first.part() == {
        "type": "image",
        "sha256": first.sha256,
        "content_type": "image/png",
        "width": 5,
        "height": 5,
    }


def test_oversized_media_is_refused_before_it_is_read(migrated, monkeypatch):
    from prefhub.media import storage
    from prefhub.media.exceptions import MediaTooLarge
    from prefhub.settings import get_settings

    monkeypatch.setattr(get_settings(), "max_media_bytes", 100)
    with pytest.raises(MediaTooLarge) as refused:
        storage.put_bytes(tiny_png("big", size=64))
    assert refused.value.status_code == 413
