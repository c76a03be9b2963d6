"""Media for the multimodal demo, made here: shapes drawn with Pillow and synthesised tones.

No downloads: a newcomer sees image and audio comparisons at once, and the same files travel
the real import path (parts that name files beside the JSONL).
"""

from __future__ import annotations

import io
import json
import math
import struct
import tempfile
import wave
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from prefhub.items.media import FolderFiles
from prefhub.items.service import import_items
from prefhub.models import Campaign, Item

SIZE = 256
RATE = 16_000
COLOURS = {"red": (220, 40, 40), "blue": (40, 90, 220), "green": (40, 170, 80)}
# (request, the shape that fits it, one that misses)
PICTURES = [
    ("Draw a red circle in the middle.", ("circle", "red", "centre"), ("circle", "red", "corner")),
    ("Draw a blue square.", ("square", "blue", "centre"), ("circle", "blue", "centre")),
    ("Draw a green triangle.", ("triangle", "green", "centre"), ("triangle", "red", "centre")),
    (
        "Draw a small red square in a corner.",
        ("square", "red", "corner"),
        ("square", "green", "centre"),
    ),
]
# (request, the tone that fits it, one that misses): (frequency Hz, seconds, waveform)
SOUNDS = [
    ("Play a calm, low hum.", (220, 1.2, "sine"), (880, 1.2, "square")),
    ("Play a short, high beep.", (1200, 0.3, "sine"), (300, 1.5, "sine")),
    ("Play a smooth middle A (440 Hz).", (440, 1.0, "sine"), (440, 1.0, "square")),
]


def picture(shape: str, colour: str, where: str) -> bytes:
    image = Image.new("RGB", (SIZE, SIZE), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    size = 120 if where == "centre" else 60
    left = (SIZE - size) // 2 if where == "centre" else 16
    top = left
    box = (left, top, left + size, top + size)
    fill = COLOURS[colour]
    if shape == "circle":
        draw.ellipse(box, fill=fill)
    elif shape == "square":
        draw.rectangle(box, fill=fill)
    else:
        draw.polygon(
            [(left + size // 2, top), (left, top + size), (left + size, top + size)], fill=fill
        )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def tone(frequency: float, seconds: float, waveform: str) -> bytes:
    """16-bit mono WAV, faded in and out so it does not click."""
    frames = int(RATE * seconds)
    fade = max(1, int(RATE * 0.02))
    samples = []
    for n in range(frames):
        phase = math.sin(2 * math.pi * frequency * n / RATE)
        value = phase if waveform == "sine" else math.copysign(0.6, phase)
        gain = min(1.0, n / fade, (frames - n) / fade)
        samples.append(int(0.5 * 32767 * value * gain))
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(struct.pack(f"<{frames}h", *samples))
    return out.getvalue()


def _where(spot: str) -> str:
    return "in the middle" if spot == "centre" else "in a corner"


def _row(
    folder: Path, item_id: str, request: str, kind: str, made: list[tuple[bytes, str]]
) -> dict[str, Any]:
    """An item whose two candidates are media files written beside the JSONL."""
    extension = "png" if kind == "image" else "wav"
    candidates = []
    for index, (data, alt) in enumerate(made, start=1):
        name = f"{kind}/{item_id}-{index}.{extension}"
        (folder / name).write_bytes(data)
        part = {"type": kind, "path": name, "alt": alt}
        candidates.append({"content": [part], "model": f"demo-{kind}-model-{index}"})
    return {"id": item_id, "prompt": request, "candidates": candidates}


def _lines(folder: Path) -> list[str]:
    rows = [
        _row(
            folder,
            f"image-{n}",
            request,
            "image",
            [(picture(*s), f"a {s[1]} {s[0]} {_where(s[2])}") for s in (good, bad)],
        )
        for n, (request, good, bad) in enumerate(PICTURES)
    ]
    rows += [
        _row(
            folder,
            f"audio-{n}",
            request,
            "audio",
            [(tone(*s), f"a {s[2]} tone at {s[0]} Hz for {s[1]} s") for s in (good, bad)],
        )
        for n, (request, good, bad) in enumerate(SOUNDS)
    ]
    return [json.dumps(row) for row in rows]


def import_demo_media(session: Session, campaign: Campaign) -> list[Item]:
    with tempfile.TemporaryDirectory(prefix="prefhub-demo-") as tmp:
        folder = Path(tmp)
        (folder / "image").mkdir()
        (folder / "audio").mkdir()
        lines = _lines(folder)
        return import_items(session, campaign, lines, files=FolderFiles(folder))
