"""Media files made by the tests themselves: real audio (stdlib ``wave``; MP3, Ogg and FLAC
encoded by libsndfile through ``soundfile``) and MP4 / WebM containers assembled box by box
(no video encoder is needed to test what prefhub reads: the headers)."""

from __future__ import annotations

import io
import json
import math
import struct
import wave
import zipfile


def wav(seconds: float = 1.0, rate: int = 8000, frequency: float = 440.0) -> bytes:
    """A mono 16-bit sine tone."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * frequency * i / rate)))
        for i in range(int(seconds * rate))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


def encoded(fmt: str, subtype: str, seconds: float = 1.0, rate: int = 48000) -> bytes:
    """A sine tone encoded by libsndfile: ("MP3", "MPEG_LAYER_III"), ("OGG", "VORBIS"),
    ("OGG", "OPUS"), ("FLAC", "PCM_16")."""
    import numpy as np
    import soundfile

    t = np.arange(int(seconds * rate)) / rate
    out = io.BytesIO()
    soundfile.write(out, 0.3 * np.sin(2 * np.pi * 440 * t), rate, format=fmt, subtype=subtype)
    return out.getvalue()


def _box(name: bytes, *payload: bytes) -> bytes:
    body = b"".join(payload)
    return struct.pack(">I", 8 + len(body)) + name + body


def mp4(
    *, width: int = 320, height: int = 240, duration_ms: int = 2500, handler: bytes = b"vide"
) -> bytes:
    """An MP4 file with one track (``vide`` or ``soun``) and a few bytes of media data."""
    mvhd = _box(b"mvhd", bytes(4), bytes(8), struct.pack(">II", 1000, duration_ms), bytes(80))
    tkhd = _box(
        b"tkhd",
        b"\0\0\0\x03",
        bytes(8),
        struct.pack(">I", 1),
        bytes(4),
        struct.pack(">I", duration_ms),
        bytes(8 + 8 + 36),
        struct.pack(">II", width << 16, height << 16),
    )
    mdhd = _box(b"mdhd", bytes(4), bytes(8), struct.pack(">II", 1000, duration_ms), bytes(4))
    hdlr = _box(b"hdlr", bytes(4), bytes(4), handler, bytes(12), b"track\0")
    trak = _box(b"trak", tkhd, _box(b"mdia", mdhd, hdlr))
    return (
        _box(b"ftyp", b"isom", struct.pack(">I", 512), b"isomiso2mp41")
        + _box(b"moov", mvhd, trak)
        + _box(b"mdat", bytes(64))
    )


def _vint_size(size: int) -> bytes:
    return (size | (1 << 56)).to_bytes(8, "big")  # 8-byte EBML size


def _el(element_id: int, payload: bytes) -> bytes:
    raw_id = element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
    return raw_id + _vint_size(len(payload)) + payload


def _uint(element_id: int, value: int) -> bytes:
    return _el(element_id, value.to_bytes(4, "big"))


def webm(
    *,
    width: int = 640,
    height: int = 360,
    duration_ms: float | None = 1500.0,
    video: bool = True,
    doc_type: bytes = b"webm",
    live: bool = False,
) -> bytes:
    """A WebM file: EBML header, Segment with Info, Tracks and one Cluster.

    ``live`` writes what a browser's MediaRecorder does: no Duration, unknown-size Segment
    and Cluster.
    """
    header = _el(0x1A45DFA3, _uint(0x4286, 1) + _el(0x4282, doc_type) + _uint(0x4287, 4))
    info = _uint(0x2AD7B1, 1_000_000)
    if duration_ms is not None and not live:
        info += _el(0x4489, struct.pack(">d", duration_ms))
    if video:
        entry = _uint(0xD7, 1) + _uint(0x83, 1) + _el(0x86, b"V_VP9")
        entry += _el(0xE0, _uint(0xB0, width) + _uint(0xBA, height))
    else:
        entry = _uint(0xD7, 1) + _uint(0x83, 2) + _el(0x86, b"A_OPUS")
    tracks = _el(0x1654AE6B, _el(0xAE, entry))
    cluster_body = _uint(0xE7, 0) + _el(0xA3, bytes(32))
    unknown = b"\x01\xff\xff\xff\xff\xff\xff\xff"
    if live:
        cluster = b"\x1f\x43\xb6\x75" + unknown + cluster_body
        return header + b"\x18\x53\x80\x67" + unknown + _el(0x1549A966, info) + tracks + cluster
    segment = _el(0x1549A966, info) + tracks + _el(0x1F43B675, cluster_body)
    return header + _el(0x18538067, segment)


def prompt_images_campaign(researcher, slug: str) -> None:  # type: ignore[no-untyped-def]
    """Items asking about images in their prompt (one or two), answered in text; judged by
    simulated annotators. (Media *candidates* export as image_pairs / audio_pairs:
    tests/exports/test_media_pairs.py.)"""
    from typer.testing import CliRunner

    from prefhub.cli import app
    from support.api import pairwise_spec
    from support.fake_openai import tiny_png

    files = {f"{name}.png": tiny_png(name, size=12) for name in ("cat", "dog", "owl")}
    rows = [
        {
            "id": f"look-{n}",
            "prompt": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": question},
                        *({"type": "image", "path": f"{name}.png"} for name in shown),
                    ],
                }
            ],
            "candidates": [f"A {shown[0]}.", f"Not a {shown[0]}."],
        }
        for n, (question, shown) in enumerate(
            [("What is this?", ["cat"]), ("Which is first?", ["dog", "owl"])]
        )
    ]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("items.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
        for name, data in files.items():
            out.writestr(name, data)
    created = researcher.post("/api/campaigns", json=pairwise_spec(slug, redundancy=3))
    assert created.status_code == 201, created.text
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.zip", archive.getvalue(), "application/zip")},
    )
    assert imported.status_code == 201, imported.text
    simulated = CliRunner().invoke(
        app, ["simulate", slug, "--annotators", "3", "--judgments", "6", "--seed", "4"]
    )
    assert simulated.exit_code == 0, simulated.output
