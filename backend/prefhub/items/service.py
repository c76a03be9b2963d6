"""Import items (a context plus candidates) from JSONL, all or nothing: validate the whole
file first (``prepare_import``), then write it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from prefhub.campaigns.lifecycle import require_editable
from prefhub.campaigns.service import spec_of
from prefhub.items.exceptions import (
    DirectImportTooLarge,
    ImportInvalid,
    TreeCampaignHasNoItems,
)
from prefhub.items.media import FolderFiles, MediaResolver, ZipFiles
from prefhub.items.schemas import ImportCandidate, ImportLine
from prefhub.kit import json_input
from prefhub.kit.content import text_parts
from prefhub.kit.errors import PrefhubError
from prefhub.media.service import register
from prefhub.media.storage import StoredMedia
from prefhub.models import Campaign, Candidate, Item, ItemStatus
from prefhub.quality.gold import ImportGold, check_expected

MAX_REPORTED_ERRORS = 100
# The most items a direct (REST) import writes, in its request's one transaction: about a
# tenth of a second of SQLite's write lock. Larger files go to import jobs, written in batches.
DIRECT_IMPORT_MAX_ITEMS = 1000
# Ids per IN (...) list: well under SQLite's and PostgreSQL's bound-parameter limits.
IDS_PER_QUERY = 500


@dataclass(frozen=True)
class LineError:
    line: int
    message: str


def _describe(error: ValidationError) -> str:
    parts = []
    for e in error.errors():
        where = ".".join(str(x) for x in e["loc"]) or "line"
        parts.append(f"{where}: {e['msg']}")
    return "; ".join(parts)


def parse_jsonl(
    lines: Iterable[bytes | str],
) -> tuple[list[tuple[int, ImportLine]], list[LineError]]:
    """Validate every line; blank lines are ignored. Returns parsed lines and all errors."""
    parsed: list[tuple[int, ImportLine]] = []
    errors: list[LineError] = []
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError:
            errors.append(LineError(number, "not valid UTF-8"))
            continue
        if not text.strip():
            continue
        try:
            data = json_input.loads(text)
        except json_input.JsonRefused as exc:  # NUL, a lone surrogate, NaN, too deep
            errors.append(LineError(number, exc.message))
            continue
        except json.JSONDecodeError as exc:
            errors.append(LineError(number, f"malformed JSON: {exc.msg} at column {exc.colno}"))
            continue
        if not isinstance(data, dict):
            errors.append(LineError(number, "each line must be a JSON object"))
            continue
        try:
            parsed.append((number, ImportLine.model_validate(data)))
        except ValidationError as exc:
            errors.append(LineError(number, _describe(exc)))
    return parsed, errors


def _parts(content: str | list[Any]) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return text_parts(content)
    return [part.model_dump(exclude_none=True) for part in content]


def _context(line: ImportLine) -> list[dict[str, Any]]:
    if isinstance(line.prompt, str):
        return [{"role": "user", "content": text_parts(line.prompt)}]
    return [
        {
            # OpenAssistant calls the human side "prompter"; TRL and chat APIs say "user".
            "role": "user" if m.role == "prompter" else m.role,
            "content": _parts(m.content),
        }
        for m in line.prompt
    ]


def refuse_import(campaign: Campaign) -> None:
    """Refuse an import before anything is read: into a closed (read-only) campaign, or into a
    conversation-tree campaign (items belong to item campaigns: a tree campaign grows its
    trees from prompts its annotators write)."""
    require_editable(campaign)
    if spec_of(campaign).trees is not None:
        raise TreeCampaignHasNoItems(
            f"Campaign '{campaign.slug}' is a conversation-tree campaign: it has no items, "
            "so nothing was imported. Its trees start from prompts its annotators write "
            "(initial prompt tasks) and grow from their and the models' replies. To have fixed "
            "prompts and candidates rated, import them into a campaign without `trees:`."
        )


@dataclass
class PreparedImport:
    """A validated file, ready to write: its items (candidates attached, media parts stored,
    no status yet), the line each came from, and the media its parts name."""

    items: list[Item]
    lines: list[int]
    media: list[StoredMedia]
    min_candidates: int

    def status_of(self, item: Item) -> ItemStatus:
        """What an item of this import is once visible: ready with enough candidates."""
        ready = len(item.candidates) >= self.min_candidates
        return ItemStatus.ready if ready else ItemStatus.pending


def count_items(lines: Iterable[bytes | str]) -> int:
    """How many items a file holds at most (its lines that are not blank)."""
    return sum(1 for line in lines if line.strip())


def prepare_import(
    session: Session,
    campaign: Campaign,
    lines: Iterable[bytes | str],
    *,
    files: FolderFiles | ZipFiles | None = None,
    fetch_urls: bool = False,
    prefetched: dict[str, StoredMedia | PrefhubError] | None = None,
) -> PreparedImport:
    """Validate the whole file; any error rejects it whole, with line numbers. Only reads the
    database (ids already taken, the campaign's media), so it holds no write lock.

    Media parts are read from ``files`` (the JSONL's folder or archive), fetched when
    ``fetch_urls``, or taken from the campaign's media, and their bytes stored. A
    conversation-tree campaign refuses every import.
    """
    refuse_import(campaign)
    parsed, errors = parse_jsonl(lines)
    spec = spec_of(campaign)
    seen: dict[str, int] = {}
    for number, line in parsed:
        if isinstance(line.gold, ImportGold):
            errors.extend(
                LineError(number, problem)
                for problem in check_expected(spec, line.gold, len(line.candidates))
            )
        if line.id is None:
            continue
        if line.id in seen:
            errors.append(LineError(number, f"id '{line.id}' repeats line {seen[line.id]}"))
        seen[line.id] = number
    errors.extend(
        LineError(seen[eid], f"id '{eid}' already exists in this campaign")
        for eid in taken_ids(session, campaign.id, list(seen))
    )
    if not parsed and not errors:
        errors.append(LineError(0, "the file holds no items"))
    _refuse(errors)

    resolver = MediaResolver(session, campaign.id, files, fetch_urls, prefetched or {})
    items = []
    for number, line in parsed:
        item = Item(
            campaign_id=campaign.id,
            external_id=line.id or uuid.uuid4().hex,
            context=_context(line),
            extra=line.metadata,
            language=line.language,
            is_gold=line.is_gold,
        )
        if isinstance(line.gold, ImportGold):
            item.gold_expected = (
                line.gold.model_dump(mode="json", exclude_none=True)["expected"] or None
            )
            item.gold_feedback = line.gold.feedback
        item.candidates = [_candidate(c, position) for position, c in enumerate(line.candidates)]
        problems = [
            *(
                p
                for i, message in enumerate(item.context)
                for p in resolver.resolve(message["content"], f"prompt[{i}].content")
            ),
            *(
                p
                for c in item.candidates
                for p in resolver.resolve(c.content, f"candidates[{c.position}].content")
            ),
        ]
        errors.extend(LineError(number, problem) for problem in problems)
        items.append(item)
    _refuse(errors)
    return PreparedImport(
        items, [number for number, _ in parsed], resolver.stored, spec.min_candidates
    )


def taken_ids(session: Session, campaign_id: int, external_ids: list[str]) -> list[str]:
    """Which of these ids the campaign's items (visible or still importing) already have."""
    taken: set[str] = set()
    for start in range(0, len(external_ids), IDS_PER_QUERY):
        chunk = external_ids[start : start + IDS_PER_QUERY]
        taken.update(
            session.scalars(
                select(Item.external_id).where(
                    Item.campaign_id == campaign_id, Item.external_id.in_(chunk)
                )
            )
        )
    return sorted(taken)


def refuse_ids_taken_meanwhile(session: Session, campaign_id: int, lines: dict[str, int]) -> None:
    """Refuse the import (``ImportInvalid``) naming the lines whose id (``lines``: id → line)
    an item of the campaign took after the file was validated: another import running at
    the same time. Returns when none is taken (the conflict was something else)."""
    _refuse(
        [
            LineError(lines[eid], f"id '{eid}' was imported meanwhile by another import")
            for eid in taken_ids(session, campaign_id, list(lines))
        ]
    )


def refuse_large_direct_import(lines: list[bytes], slug: str) -> None:
    """A direct import holds annotators while it writes: a file of more than
    ``DIRECT_IMPORT_MAX_ITEMS`` items is refused (413), pointing to import jobs."""
    count = count_items(lines)
    if count > DIRECT_IMPORT_MAX_ITEMS:
        raise DirectImportTooLarge(
            f"The file holds {count} items; a direct import takes at most "
            f"{DIRECT_IMPORT_MAX_ITEMS}. Send it to POST /api/campaigns/{slug}/items/import-jobs "
            "(or use `prefhub import`): it is written in batches, all or nothing, with "
            "progress, without holding annotators."
        )


def import_items(
    session: Session,
    campaign: Campaign,
    lines: Iterable[bytes | str],
    *,
    files: FolderFiles | ZipFiles | None = None,
    fetch_urls: bool = False,
    prefetched: dict[str, StoredMedia | PrefhubError] | None = None,
) -> list[Item]:
    """Validate and write a (small) file in the caller's one transaction, all or nothing.
    Large files go through an import job, which writes them in batches
    (``items.jobs.write_in_batches``) so that annotators are not held meanwhile."""
    prepared = prepare_import(
        session, campaign, lines, files=files, fetch_urls=fetch_urls, prefetched=prefetched
    )
    for item in prepared.items:
        item.status = prepared.status_of(item)
    register(session, prepared.media, campaign.id)
    session.add_all(prepared.items)
    session.flush()
    return prepared.items


def _refuse(errors: list[LineError]) -> None:
    if errors:
        errors.sort(key=lambda e: e.line)
        raise ImportInvalid(
            f"The file has {len(errors)} invalid line(s); nothing was imported",
            details={
                "errors": [e.__dict__ for e in errors[:MAX_REPORTED_ERRORS]],
                "total_errors": len(errors),
            },
        )


def _candidate(raw: str | ImportCandidate, position: int) -> Candidate:
    if isinstance(raw, str):
        return Candidate(position=position, content=text_parts(raw))
    return Candidate(
        position=position,
        content=_parts(raw.content),
        model_name=raw.model,
        extra=raw.metadata,
    )


def list_items(
    session: Session, campaign: Campaign, *, limit: int, offset: int
) -> tuple[list[Item], int]:
    """A page of the campaign's items; those an import job is still writing are not shown."""
    visible = [Item.campaign_id == campaign.id, Item.status != ItemStatus.importing]
    total = session.scalar(select(func.count(Item.id)).where(*visible))
    items = session.scalars(
        select(Item)
        .where(*visible)
        .order_by(Item.id)
        .limit(limit)
        .offset(offset)
        .options(selectinload(Item.candidates))
    ).all()
    return list(items), int(total or 0)
