"""What a file is, decided from its bytes: never from its name or a Content-Type header.

Only formats a browser plays safely are accepted; SVG (scriptable) and HTML never are.
Images are opened with Pillow, audio with mutagen (headers only: nothing is decoded), MP4 and
WebM structure with ``containers``.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, cast

from mutagen import FileType, MutagenError
from mutagen.flac import FLAC
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE
from PIL import Image, UnidentifiedImageError

from prefhub.media.containers import ContainerError, mp4_tracks, riff_is_complete, webm_headers
from prefhub.media.exceptions import UnsupportedMedia
from prefhub.models import MediaKind

SUPPORTED = (
    "images PNG, JPEG, GIF, WebP; audio WAV, MP3, Ogg (Vorbis, Opus), FLAC, M4A/AAC; "
    "video MP4, WebM"
)

# Pillow format name -> (content type, file extension)
IMAGE_FORMATS = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
# Refuse decompression bombs: a small file that decodes to gigabytes of pixels.
MAX_PIXELS = 64_000_000


@dataclass(frozen=True)
class Sniffed:
    kind: MediaKind
    content_type: str
    extension: str
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None


def sniff(data: bytes) -> Sniffed:
    """Identify ``data`` or raise ``UnsupportedMedia`` saying why it is refused."""
    if not data:
        raise UnsupportedMedia("The file is empty")
    for matches, reader in _READERS:
        if matches(data):
            return reader(data)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise UnsupportedMedia(
            "The file is markup (SVG, HTML or XML), which can carry scripts and is never "
            f"stored; supported: {SUPPORTED}"
        )
    raise UnsupportedMedia(
        f"Not a supported media file, judged by its bytes; supported: {SUPPORTED}"
    )


def _image(data: bytes) -> Sniffed:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise UnsupportedMedia(
                        f"The image is {width}x{height}; at most {MAX_PIXELS:,} pixels"
                    )
                # Decoding every pixel is what catches a truncated or corrupt file.
                image.load()
                content_type, extension = IMAGE_FORMATS[image.format or ""]
    except UnidentifiedImageError as exc:
        raise UnsupportedMedia(
            "Not a supported image (PNG, JPEG, GIF or WebP), judged by its bytes"
        ) from exc
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise UnsupportedMedia(f"The image is truncated or corrupt: {exc}") from exc
    except Image.DecompressionBombWarning as exc:
        raise UnsupportedMedia(f"The image decodes to too many pixels: {exc}") from exc
    return Sniffed(MediaKind.image, content_type, extension, width, height)


class _StreamInfo(Protocol):
    """The facts read from a format's stream info (mutagen declares none of them)."""

    length: float
    bitrate: int


def _stream_info(loader: Callable[[io.BytesIO], FileType], data: bytes, name: str) -> _StreamInfo:
    try:
        # FileType types ``info`` as None; each format's class sets its own stream info.
        info = cast(_StreamInfo, loader(io.BytesIO(data)).info)
    except (MutagenError, ValueError) as exc:
        raise UnsupportedMedia(f"The {name} file is truncated or corrupt: {exc}") from exc
    if not info.length or info.length <= 0:
        raise UnsupportedMedia(f"The {name} file holds no audio or video (zero duration)")
    return info


def _duration_ms(loader: Callable[[io.BytesIO], FileType], data: bytes, name: str) -> int:
    return round(_stream_info(loader, data, name).length * 1000)


def _wav(data: bytes) -> Sniffed:
    try:
        riff_is_complete(data)
    except ContainerError as exc:
        raise UnsupportedMedia(f"The WAV file is truncated or corrupt: {exc}") from exc
    return Sniffed(MediaKind.audio, "audio/wav", "wav", duration_ms=_duration_ms(WAVE, data, "WAV"))


def _mp3(data: bytes) -> Sniffed:
    info = _stream_info(MP3, data, "MP3")
    duration = round(info.length * 1000)
    # A VBR header states the whole stream's frames, so a cut-off file still claims its
    # full length: the bytes there are must roughly match length x bitrate.
    expected = info.length * info.bitrate / 8
    if len(data) < expected / 2:
        raise UnsupportedMedia(
            f"The MP3 file is truncated: {len(data):,} bytes of about {int(expected):,}"
        )
    return Sniffed(MediaKind.audio, "audio/mpeg", "mp3", duration_ms=duration)


def _flac(data: bytes) -> Sniffed:
    duration = _duration_ms(FLAC, data, "FLAC")
    return Sniffed(MediaKind.audio, "audio/flac", "flac", duration_ms=duration)


def _ogg(data: bytes) -> Sniffed:
    # The first packet names the codec; Theora video and other Ogg streams are refused.
    head = data[:64]
    if b"OpusHead" in head:
        duration = _duration_ms(OggOpus, data, "Ogg Opus")
    elif b"\x01vorbis" in head:
        duration = _duration_ms(OggVorbis, data, "Ogg Vorbis")
    else:
        raise UnsupportedMedia("An Ogg file that is neither Vorbis nor Opus audio")
    return Sniffed(MediaKind.audio, "audio/ogg", "ogg", duration_ms=duration)


def _mp4(data: bytes) -> Sniffed:
    try:
        tracks = mp4_tracks(data)
    except ContainerError as exc:
        raise UnsupportedMedia(f"The MP4 file is truncated or corrupt: {exc}") from exc
    duration = _duration_ms(MP4, data, "MP4")
    if b"vide" in tracks.handlers:
        return Sniffed(MediaKind.video, "video/mp4", "mp4", tracks.width, tracks.height, duration)
    if b"soun" in tracks.handlers:
        return Sniffed(MediaKind.audio, "audio/mp4", "m4a", duration_ms=duration)
    raise UnsupportedMedia("An MP4 file with neither a video nor an audio track")


def _webm(data: bytes) -> Sniffed:
    try:
        headers = webm_headers(data)
    except ContainerError as exc:
        raise UnsupportedMedia(f"The WebM file is truncated or corrupt: {exc}") from exc
    if headers.doc_type != "webm":
        raise UnsupportedMedia(f"An EBML file of type {headers.doc_type!r}; only WebM is played")
    if headers.has_video:
        return Sniffed(
            MediaKind.video,
            "video/webm",
            "webm",
            headers.width,
            headers.height,
            headers.duration_ms,
        )
    if headers.has_audio:
        return Sniffed(MediaKind.audio, "audio/webm", "weba", duration_ms=headers.duration_ms)
    raise UnsupportedMedia("A WebM file with neither a video nor an audio track")


def _is_mp3(data: bytes) -> bool:
    # An ID3 tag, or an MPEG audio frame header (11 sync bits, a layer that is not 0).
    return data.startswith(b"ID3") or (
        len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0 and data[1] & 0x06 != 0
    )


_READERS: list[tuple[Callable[[bytes], bool], Callable[[bytes], Sniffed]]] = [
    (
        lambda d: (
            d.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a"))
            or (d[:4] == b"RIFF" and d[8:12] == b"WEBP")
        ),
        _image,
    ),
    (lambda d: d[:4] == b"RIFF" and d[8:12] == b"WAVE", _wav),
    (lambda d: d.startswith(b"fLaC"), _flac),
    (lambda d: d.startswith(b"OggS"), _ogg),
    (lambda d: d[4:8] == b"ftyp", _mp4),
    (lambda d: d.startswith(b"\x1a\x45\xdf\xa3"), _webm),
    (_is_mp3, _mp3),
]
