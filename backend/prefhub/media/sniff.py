"""What a file is, decided from its bytes: never from its name or a Content-Type header.

Only formats a browser plays safely are accepted; SVG (scriptable) and HTML never are.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from prefhub.media.exceptions import UnsupportedMedia
from prefhub.models import MediaKind

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
    if not data:
        raise UnsupportedMedia("The file is empty")
    return _image(data)


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
