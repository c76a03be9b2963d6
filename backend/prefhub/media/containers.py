"""The few container facts mutagen does not give: MP4 track kinds and frame size, WebM (EBML)
headers, and whether a RIFF or MP4 file holds all the bytes its headers promise.

Each reader takes the whole file's bytes and raises ``ContainerError`` on anything malformed.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

# Where they are defined: mutagen.mp4 imports them without re-exporting them.
from mutagen.mp4._atom import Atom, AtomError, Atoms


class ContainerError(ValueError):
    pass


def riff_is_complete(data: bytes) -> None:
    """Every chunk of a RIFF (WAV) file fits in the bytes there are."""
    position = 12
    while position + 8 <= len(data):
        (size,) = struct.unpack_from("<I", data, position + 4)
        end = position + 8 + size
        if end > len(data):
            raise ContainerError("a chunk runs past the end of the file (truncated?)")
        position = end + (size & 1)  # chunks are padded to an even length


@dataclass
class Mp4Tracks:
    handlers: list[bytes] = field(default_factory=list)  # b"vide", b"soun", ...
    width: int | None = None
    height: int | None = None


def mp4_tracks(data: bytes) -> Mp4Tracks:
    """The track kinds of an MP4 file and the first video track's frame size."""
    stream = io.BytesIO(data)
    try:
        atoms = Atoms(stream)
        if atoms.atoms[-1].offset + atoms.atoms[-1].length > len(data):
            raise ContainerError("a box runs past the end of the file (truncated?)")
        tracks = Mp4Tracks()
        for trak in atoms[b"moov"].findall(b"trak"):
            handler = _payload(trak[b"mdia", b"hdlr"], stream)[8:12]
            tracks.handlers.append(handler)
            if handler == b"vide" and tracks.width is None:
                # tkhd ends with width and height, 16.16 fixed point, whatever its version.
                width, height = struct.unpack(">II", _payload(trak[b"tkhd",], stream)[-8:])
                tracks.width, tracks.height = width >> 16, height >> 16
    except (AtomError, KeyError, IndexError, struct.error) as exc:
        raise ContainerError(f"malformed MP4 boxes: {exc}") from exc
    return tracks


def _payload(atom: Atom, stream: io.BytesIO) -> bytes:
    # mutagen leaves Atom.read unannotated: (whether every byte was there, the payload)
    read: tuple[bool, bytes] = atom.read(stream)  # type: ignore[no-untyped-call]
    complete, payload = read
    if not complete:
        raise ContainerError(f"the {atom.name!r} box is truncated")
    return payload


# EBML element ids (Matroska/WebM), with their length marker bits kept.
_EBML, _DOC_TYPE, _SEGMENT, _CLUSTER = 0x1A45DFA3, 0x4282, 0x18538067, 0x1F43B675
_INFO, _TIMECODE_SCALE, _DURATION = 0x1549A966, 0x2AD7B1, 0x4489
_TRACKS, _TRACK_ENTRY, _TRACK_TYPE = 0x1654AE6B, 0xAE, 0x83
_VIDEO, _PIXEL_WIDTH, _PIXEL_HEIGHT = 0xE0, 0xB0, 0xBA
_UNKNOWN = -1


@dataclass
class WebmHeaders:
    doc_type: str = ""
    duration_ms: int | None = None
    has_video: bool = False
    has_audio: bool = False
    width: int | None = None
    height: int | None = None


def webm_headers(data: bytes) -> WebmHeaders:
    """Doc type, duration and tracks of a WebM file, read from its EBML header and the
    Segment's Info and Tracks (clusters are skipped, never decoded)."""
    found = WebmHeaders()
    try:
        element, start, end = _element(data, 0, len(data))
        if element != _EBML:
            raise ContainerError("no EBML header")
        for child, c_start, c_end in _children(data, start, end):
            if child == _DOC_TYPE:
                found.doc_type = data[c_start:c_end].rstrip(b"\0").decode("ascii", "replace")
        element, start, end = _element(data, end, len(data))
        if element != _SEGMENT:
            raise ContainerError("no Segment after the EBML header")
        scale, duration = 1_000_000, None
        for child, c_start, c_end in _children(data, start, end):
            if child == _INFO:
                for name, f_start, f_end in _children(data, c_start, c_end):
                    if name == _TIMECODE_SCALE:
                        scale = int.from_bytes(data[f_start:f_end], "big")
                    elif name == _DURATION:
                        duration = _float(data[f_start:f_end])
            elif child == _TRACKS:
                _tracks(data, c_start, c_end, found)
            elif child == _CLUSTER and c_end == _UNKNOWN:
                break  # a live recording's cluster: its end is only found by decoding
    except (IndexError, struct.error) as exc:
        raise ContainerError(f"malformed EBML: {exc}") from exc
    if duration is not None:
        found.duration_ms = round(duration * scale / 1_000_000)
    return found


def _tracks(data: bytes, start: int, end: int, found: WebmHeaders) -> None:
    for entry, e_start, e_end in _children(data, start, end):
        if entry != _TRACK_ENTRY:
            continue
        fields = {
            name: (f_start, f_end) for name, f_start, f_end in _children(data, e_start, e_end)
        }
        kind = _uint(data, fields.get(_TRACK_TYPE))
        if kind == 2:
            found.has_audio = True
        elif kind == 1 and _VIDEO in fields:
            found.has_video = True
            if found.width is None:
                video = {n: (s, e) for n, s, e in _children(data, *fields[_VIDEO])}
                found.width = _uint(data, video.get(_PIXEL_WIDTH))
                found.height = _uint(data, video.get(_PIXEL_HEIGHT))


def _children(data: bytes, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    position = start
    while position < end:
        element, c_start, c_end = _element(data, position, end)
        yield element, c_start, c_end
        if c_end == _UNKNOWN:
            return
        position = c_end


def _element(data: bytes, position: int, limit: int) -> tuple[int, int, int]:
    """(id, payload start, payload end or _UNKNOWN) of the element at ``position``."""
    element, width = _vint(data, position, keep_marker=True)
    size, size_width = _vint(data, position + width, keep_marker=False)
    start = position + width + size_width
    if size == (1 << (7 * size_width)) - 1:  # all ones: size unknown (a live stream)
        return element, start, _UNKNOWN if element == _CLUSTER else limit
    if start + size > limit:
        raise ContainerError("an element runs past the end of the file (truncated?)")
    return element, start, start + size


def _vint(data: bytes, position: int, *, keep_marker: bool) -> tuple[int, int]:
    first = data[position]
    if first == 0:
        raise ContainerError("invalid EBML variable-length integer")
    width = 9 - first.bit_length()
    if len(data) < position + width:
        raise ContainerError("an EBML header is cut off (truncated?)")
    value = int.from_bytes(data[position : position + width], "big")
    if not keep_marker:
        value &= (1 << (7 * width)) - 1
    return value, width


def _uint(data: bytes, span: tuple[int, int] | None) -> int | None:
    return None if span is None else int.from_bytes(data[span[0] : span[1]], "big")


def _float(raw: bytes) -> float:
    if len(raw) == 4:
        return float(struct.unpack(">f", raw)[0])
    if len(raw) == 8:
        return float(struct.unpack(">d", raw)[0])
    raise ContainerError("a Duration that is neither 4 nor 8 bytes")
