"""The pictures the campaign builder previews the image-comparison template on are real PNGs,
served by the media endpoint to staff (who see templates) and to nobody else."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image


def _sample_parts(client) -> list[dict]:  # type: ignore[no-untyped-def]
    templates = client.get("/api/campaign-specs/templates").json()
    [template] = [t for t in templates if t["id"] == "image-comparison"]
    return [part for candidate in template["sample"]["candidates"] for part in candidate]


@pytest.mark.parametrize("role", ["researcher", "admin"])
def test_staff_get_the_template_sample_images_as_the_pngs_their_parts_describe(as_user, role):
    client = as_user(role)
    parts = _sample_parts(client)
    assert len(parts) == 2 and len({p["sha256"] for p in parts}) == 2
    for part in parts:
        served = client.get(f"/api/media/{part['sha256']}")
        assert served.status_code == 200, served.text
        assert served.headers["content-type"] == "image/png"
        assert served.headers["x-content-type-options"] == "nosniff"
        assert hashlib.sha256(served.content).hexdigest() == part["sha256"]
        image = Image.open(io.BytesIO(served.content))
        image.load()  # decodes every pixel: a truncated or corrupt file raises here
        assert image.format == "PNG"
        assert (image.width, image.height) == (part["width"], part["height"])
        assert len(image.getcolors(maxcolors=1 << 16) or []) > 4  # a picture, not a blank box
        assert part["alt"]


def test_annotators_and_strangers_cannot_fetch_the_template_sample_images(as_user, new_client):
    sha256 = _sample_parts(as_user("researcher"))[0]["sha256"]
    assert as_user("annotator").get(f"/api/media/{sha256}").status_code == 404
    assert new_client().get(f"/api/media/{sha256}").status_code == 401


def test_the_template_names_only_the_built_in_pictures(as_user):
    """Drawn from code when the app starts: no stored file a template names can go missing."""
    from prefhub.media.samples import SAMPLE_IMAGES

    parts = _sample_parts(as_user("researcher"))
    assert {p["sha256"] for p in parts} == set(SAMPLE_IMAGES)
