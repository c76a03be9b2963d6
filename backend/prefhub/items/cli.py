"""``prefhub import``: items from a JSONL file, with their media."""

from __future__ import annotations

from pathlib import Path

import typer

from prefhub.cli.common import console, fail
from prefhub.kit.errors import PrefhubError


def register(app: typer.Typer) -> None:
    app.command("import")(import_file)


def import_file(slug: str, file: Path) -> None:
    """Import items from a JSONL file; a bad file is rejected whole, with line numbers.

    Media parts may name files beside the JSONL ({"type": "image", "path": "a.png"}) or
    public URLs ({"type": "audio", "url": "https://..."}), fetched here.
    """
    from prefhub.campaigns.service import get_by_slug
    from prefhub.items.media import FolderFiles
    from prefhub.items.service import import_items, refuse_tree_campaign
    from prefhub.kit.db import unit_of_work
    from prefhub.models import ItemStatus

    try:
        with unit_of_work() as session:
            campaign = get_by_slug(session, slug)
            refuse_tree_campaign(campaign)  # before the file is read
            with file.open("rb") as lines:
                items = import_items(
                    session,
                    campaign,
                    lines,
                    files=FolderFiles(file.parent),
                    fetch_urls=True,
                )
            ready = sum(1 for i in items if i.status == ItemStatus.ready)
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc}") from None
    except PrefhubError as exc:
        raise fail(exc.message, exc.details) from None
    console.print(f"imported {len(items)} items into '{slug}' ({ready} ready for annotation)")
