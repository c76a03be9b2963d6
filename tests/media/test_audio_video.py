"""Audio and video are recognised by their bytes, with durations and frame sizes; markup and
broken files are refused."""

from __future__ import annotations

import pytest

from support.media import encoded, mp4, wav, webm


@pytest.mark.parametrize(
    ("data", "content_type", "duration_ms"),
    [
        (wav(1.5), "audio/wav", 1500),
        (encoded("MP3", "MPEG_LAYER_III", 2.0), "audio/mpeg", 2000),
        (encoded("OGG", "VORBIS", 1.0), "audio/ogg", 1000),
        (encoded("OGG", "OPUS", 1.25), "audio/ogg", 1250),
        (encoded("FLAC", "PCM_16", 0.5), "audio/flac", 500),
        (mp4(handler=b"soun", duration_ms=3000), "audio/mp4", 3000),
        (webm(video=False, duration_ms=700), "audio/webm", 700),
    ],
    ids=["wav", "mp3", "ogg-vorbis", "ogg-opus", "flac", "m4a", "webm-audio"],
)
def test_audio_is_recognised_with_its_duration(data, content_type, duration_ms):
    from prefhub.media.sniff import sniff

    sniffed = sniff(data)
    assert (sniffed.kind.value, sniffed.content_type) == ("audio", content_type)
    assert sniffed.duration_ms == duration_ms
    assert sniffed.width is None and sniffed.height is None


@pytest.mark.parametrize(
    ("data", "content_type", "size", "duration_ms"),
    [
        (mp4(width=320, height=240, duration_ms=2500), "video/mp4", (320, 240), 2500),
        (webm(width=640, height=360, duration_ms=1500), "video/webm", (640, 360), 1500),
        # What a browser's MediaRecorder writes: no duration, sizes unknown until the end.
        (webm(width=1280, height=720, live=True), "video/webm", (1280, 720), None),
    ],
    ids=["mp4", "webm", "webm-live"],
)
def test_video_is_recognised_with_its_frame_size_and_duration(
    data, content_type, size, duration_ms
):
    from prefhub.media.sniff import sniff

    sniffed = sniff(data)
    assert (sniffed.kind.value, sniffed.content_type) == ("video", content_type)
    assert (sniffed.width, sniffed.height) == size
    assert sniffed.duration_ms == duration_ms


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (wav(1.0)[:4000], "WAV file is truncated"),
        (encoded("MP3", "MPEG_LAYER_III", 2.0)[:1500], "MP3 file is truncated"),
        (encoded("OGG", "VORBIS", 1.0)[:2000], "Ogg Vorbis file is truncated or corrupt"),
        (mp4()[:-10], "MP4 file is truncated"),
        (webm()[:-5], "WebM file is truncated"),
        (webm(doc_type=b"matroska"), "only WebM"),
        (mp4(handler=b"text"), "neither a video nor an audio track"),
        (mp4(duration_ms=0), "zero duration"),
        (
            b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"not audio" * 50,
            "MP3 file is truncated or corrupt",
        ),
        (b"OggS\x00\x02" + bytes(22) + b"\x80theora" + bytes(40), "neither Vorbis nor Opus"),
    ],
    ids=[
        "wav-cut",
        "mp3-cut",
        "ogg-cut",
        "mp4-cut",
        "webm-cut",
        "matroska",
        "mp4-no-track",
        "mp4-empty",
        "id3-garbage",
        "theora",
    ],
)
def test_broken_or_unplayable_audio_and_video_is_refused(data, message):
    from prefhub.media.exceptions import UnsupportedMedia
    from prefhub.media.sniff import sniff

    with pytest.raises(UnsupportedMedia) as refused:
        sniff(data)
    assert message in refused.value.message


@pytest.mark.parametrize(
    "data",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"\xef\xbb\xbf  <?xml version='1.0'?><svg onload='alert(1)'/>",
        b"\n<!DOCTYPE html><html><script>alert(1)</script></html>",
    ],
    ids=["svg-script", "svg-xml-bom", "html"],
)
def test_markup_is_never_media(data):
    from prefhub.media.exceptions import UnsupportedMedia
    from prefhub.media.sniff import sniff

    with pytest.raises(UnsupportedMedia, match="markup"):
        sniff(data)


def test_unknown_bytes_are_refused_naming_what_is_supported():
    from prefhub.media.exceptions import UnsupportedMedia
    from prefhub.media.sniff import sniff

    with pytest.raises(UnsupportedMedia) as refused:
        sniff(b"%PDF-1.7 pretending to be a picture")
    assert "Not a supported media file" in refused.value.message
    assert "WebM" in refused.value.message and "FLAC" in refused.value.message
