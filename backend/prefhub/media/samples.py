"""Built-in sample pictures the campaign builder previews templates on.

They are drawn here when the module loads, a few lines of zlib, so every API process of a
deployment holds the same bytes (and sha256) with nothing checked in or stored:
``GET /api/media/{sha256}`` serves them from memory to staff, the only users who see templates,
and the annotator's media components show them like any stored image.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Callable

WIDTH = 160
HEIGHT = 120
CONTENT_TYPE = "image/png"

Colour = tuple[int, int, int]
Painter = Callable[[int, int], Colour]


def png(width: int, height: int, paint: Painter) -> bytes:
    """An 8-bit RGB PNG whose pixel (x, y) is ``paint(x, y)``."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\0" + bytes(channel for x in range(width) for channel in paint(x, y))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def _scene(sky: Colour, fox: Colour, fox_x: int, sun: bool) -> Painter:
    """A fox-coloured oval on snow under a sky: enough for a preview to be a picture."""

    def paint(x: int, y: int) -> Colour:
        if ((x - fox_x) / 26) ** 2 + ((y - 78) / 14) ** 2 <= 1:
            return fox
        if ((x - fox_x - 24) / 9) ** 2 + ((y - 66) / 8) ** 2 <= 1:
            return fox  # the head
        if sun and (x - 128) ** 2 + (y - 24) ** 2 <= 12**2:
            return (250, 204, 70)
        if y >= 84:
            return (238, 242, 248)  # snow
        shade = y * 60 // 84
        return (sky[0] + shade // 3, sky[1] + shade // 3, min(255, sky[2] + shade // 4))

    return paint


_PICTURES: dict[str, Painter] = {
    "a fox in the snow under the sun": _scene((120, 160, 210), (214, 92, 38), 64, sun=True),
    "a fox in the snow at dusk": _scene((90, 100, 140), (150, 110, 90), 92, sun=False),
}
_BYTES = {name: png(WIDTH, HEIGHT, paint) for name, paint in _PICTURES.items()}
SAMPLE_IMAGES: dict[str, bytes] = {
    hashlib.sha256(data).hexdigest(): data for data in _BYTES.values()
}


def sample_image_part(name: str) -> dict[str, object]:
    """The content part of the built-in picture called ``name`` (alt text: its name)."""
    data = _BYTES[name]
    return {
        "type": "image",
        "sha256": hashlib.sha256(data).hexdigest(),
        "content_type": CONTENT_TYPE,
        "alt": name,
        "width": WIDTH,
        "height": HEIGHT,
    }


def sample_image(sha256: str) -> bytes | None:
    """The bytes of a built-in sample picture, or None when ``sha256`` names none."""
    return SAMPLE_IMAGES.get(sha256)
