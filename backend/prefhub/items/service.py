"""Import items (a context plus candidates) from JSONL, all or nothing: validate the whole
file first in one streamed pass (``prepare_import``, which also turns each line into the rows
it is written as), then write it (``items.bulk``)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import String, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, selectinload

from prefhub.campaigns.lifecycle import require_editable
from prefhub.campaigns.service import spec_of
from prefhub.items.bulk import CandidateRow, ItemRow, RowSpool, write_rows
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
from prefhub.kit.json_pieces import prompt_json, text_json
from prefhub.media.service import register
from prefhub.media.storage import StoredMedia
from prefhub.models import Campaign, Item, ItemStatus
from prefhub.quality.gold import ImportGold, check_expected

MAX_REPORTED_ERRORS = 100
# The most items a direct (REST) import writes, in its request's one transaction: about a
# tenth of a second of SQLite's write lock. Larger files go to import jobs, written in batches.
DIRECT_IMPORT_MAX_ITEMS = 1000
# Ids per IN (...) list: well under SQLite's and PostgreSQL's bound-parameter limits.
IDS_PER_QUERY = 500
# Ids per array parameter on PostgreSQL (``taken_ids``).
IDS_PER_ARRAY = 10_000
# Lines checked at once for what json_input refuses (``validated_lines``).
LINES_PER_BLOCK = 256
# A job reads its upload this much at a time (``FileLines``).
READ_CHUNK = 1024 * 1024
# Items per write of a direct import (all in the caller's one transaction).
ROWS_PER_WRITE = 1000


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


def validated_lines(lines: Iterable[bytes | str]) -> Iterator[tuple[int, ImportLine | LineError]]:
    """Each line that is not blank, numbered from 1, as its model or its error, streamed.

    Lines are read a block at a time: a block in which nothing may hold what ``json_input``
    refuses (one substring search for all its lines) is validated straight from the bytes by
    pydantic; a line that fails there, and every line of a suspect block, goes the long way
    (``_validate``), which words every error as it always has."""
    block: list[tuple[int, bytes | str]] = []
    for numbered in enumerate(lines, start=1):
        block.append(numbered)
        if len(block) == LINES_PER_BLOCK:
            yield from _validate_block(block)
            block = []
    yield from _validate_block(block)


def _validate_block(
    block: list[tuple[int, bytes | str]],
) -> Iterator[tuple[int, ImportLine | LineError]]:
    raws = [
        raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass") for _, raw in block
    ]
    fast = not json_input.suspect(b"\n".join(raws))
    for (number, raw), document in zip(block, raws, strict=True):
        if fast and not json_input.too_deep(document):
            try:
                yield number, ImportLine.model_validate_json(document)
                continue
            except ValidationError:
                pass
        result = _validate(number, raw)
        if result is not None:
            yield number, result


def _validate(number: int, raw: bytes | str) -> ImportLine | LineError | None:
    """One line, its errors worded for people; None for a blank line."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        return LineError(number, "not valid UTF-8")
    if not text.strip():
        return None
    try:
        data = json_input.loads(text)
    except json_input.JsonRefused as exc:  # NUL, a lone surrogate, NaN, too deep
        return LineError(number, exc.message)
    except json.JSONDecodeError as exc:
        return LineError(number, f"malformed JSON: {exc.msg} at column {exc.colno}")
    if not isinstance(data, dict):
        return LineError(number, "each line must be a JSON object")
    try:
        return ImportLine.model_validate(data)
    except ValidationError as exc:
        return LineError(number, _describe(exc))


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
    """A validated file, ready to write: its items as rows (candidates included, media parts
    stored), kept in a spool so that memory does not grow with the file, and the media its
    parts name. ``close`` it once written."""

    rows: RowSpool
    campaign_id: int
    media: list[StoredMedia]
    min_candidates: int

    @property
    def count(self) -> int:
        return self.rows.count

    @property
    def candidate_range(self) -> tuple[int, int]:
        """The fewest and the most candidates an item of the file has."""
        return self.rows.fewest_candidates, self.rows.most_candidates

    def status_of(self, row: ItemRow) -> ItemStatus:
        """What an item of this import is once visible: ready with enough candidates."""
        ready = len(row.candidates) >= self.min_candidates
        return ItemStatus.ready if ready else ItemStatus.pending

    def close(self) -> None:
        self.rows.close()


def count_items(lines: Iterable[bytes | str]) -> int:
    """How many items a file holds at most (its lines that are not blank)."""
    return sum(1 for line in lines if line.strip())


@dataclass(frozen=True)
class FileLines:
    """The lines of a JSONL file on disk, read a chunk at a time whenever they are iterated
    (a job reads them twice: the URLs to fetch first, then the items), split exactly as
    ``bytes.splitlines`` splits the whole file."""

    path: Path

    def __iter__(self) -> Iterator[bytes]:
        with self.path.open("rb") as file:
            pending = b""
            while chunk := file.read(READ_CHUNK):
                buffer = pending + chunk
                cut = buffer.rfind(b"\n") + 1  # a "\r\n" is never cut in two
                yield from buffer[:cut].splitlines()
                pending = buffer[cut:]
            yield from pending.splitlines()


def prepare_import(
    session: Session,
    campaign: Campaign,
    lines: Iterable[bytes | str],
    *,
    files: FolderFiles | ZipFiles | None = None,
    fetch_urls: bool = False,
    prefetched: dict[str, StoredMedia | PrefhubError] | None = None,
) -> PreparedImport:
    """Validate the whole file in one pass over its lines; any error rejects it whole, with
    line numbers. Only reads the database (ids already taken, the campaign's media), so it
    holds no write lock.

    Media parts are read from ``files`` (the JSONL's folder or archive), fetched when
    ``fetch_urls``, or taken from the campaign's media, and their bytes stored; their errors
    are reported when the file has no other. A conversation-tree campaign refuses every
    import.
    """
    refuse_import(campaign)
    spec = spec_of(campaign)
    resolver = MediaResolver(session, campaign.id, files, fetch_urls, prefetched or {})
    rows = RowSpool()
    errors: list[LineError] = []
    media_errors: list[LineError] = []
    seen: dict[str, int] = {}
    parsed = 0
    try:
        for number, line in validated_lines(lines):
            if isinstance(line, LineError):
                errors.append(line)
                continue
            parsed += 1
            if isinstance(line.gold, ImportGold):
                errors.extend(
                    LineError(number, problem)
                    for problem in check_expected(spec, line.gold, len(line.candidates))
                )
            if line.id is not None:
                if line.id in seen:
                    errors.append(LineError(number, f"id '{line.id}' repeats line {seen[line.id]}"))
                seen[line.id] = number
            if errors:
                continue  # the file is refused: its rows are not needed
            row = _row(number, line, resolver)
            if isinstance(row, list):
                media_errors.extend(row)
            else:
                rows.add(row)
        errors.extend(
            LineError(seen[eid], f"id '{eid}' already exists in this campaign")
            for eid in taken_ids(session, campaign.id, list(seen))
        )
        if not parsed and not errors:
            errors.append(LineError(0, "the file holds no items"))
        _refuse(errors)
        _refuse(media_errors)
    except BaseException:
        rows.close()
        raise
    return PreparedImport(rows, campaign.id, resolver.stored, spec.min_candidates)


def _row(number: int, line: ImportLine, resolver: MediaResolver) -> ItemRow | list[LineError]:
    """The line as the rows it is written as (its media parts stored), or its media errors."""
    context = _context(line)
    contents = [_content(c) for c in line.candidates]
    text_only = isinstance(line.prompt, str) and all(isinstance(c, str) for c in line.candidates)
    problems = (
        []
        if text_only
        else [
            *(
                p
                for i, message in enumerate(context)
                for p in resolver.resolve(message["content"], f"prompt[{i}].content")
            ),
            *(
                p
                for position, content in enumerate(contents)
                for p in resolver.resolve(content, f"candidates[{position}].content")
            ),
        ]
    )
    if problems:
        return [LineError(number, problem) for problem in problems]
    gold_expected = gold_feedback = None
    if isinstance(line.gold, ImportGold):
        gold_expected = line.gold.model_dump(mode="json", exclude_none=True)["expected"] or None
        gold_feedback = line.gold.feedback
    return ItemRow(
        line=number,
        external_id=line.id or uuid.uuid4().hex,
        context=_json(context),
        prompt_json=prompt_json(context).decode(),
        metadata=_json(line.metadata),
        language=line.language,
        is_gold=line.is_gold,
        gold_expected=None if gold_expected is None else _json(gold_expected),
        gold_feedback=gold_feedback,
        candidates=tuple(
            CandidateRow(
                position=position,
                content=_json(content),
                text_json=text_json(content),
                model_name=None if isinstance(raw, str) else raw.model,
                metadata="{}" if isinstance(raw, str) else _json(raw.metadata),
            )
            for position, (raw, content) in enumerate(zip(line.candidates, contents, strict=True))
        ),
    )


def _content(raw: str | ImportCandidate) -> list[dict[str, Any]]:
    return text_parts(raw) if isinstance(raw, str) else _parts(raw.content)


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def taken_ids(session: Session, campaign_id: int, external_ids: list[str]) -> list[str]:
    """Which of these ids the campaign's items (visible or still importing) already have."""
    taken: set[str] = set()
    # PostgreSQL takes a chunk as one array parameter (= ANY): a query of hundreds of
    # parameters costs the driver more to prepare than the database to answer.
    postgres = session.get_bind().dialect.name == "postgresql"
    size = IDS_PER_ARRAY if postgres else IDS_PER_QUERY
    for start in range(0, len(external_ids), size):
        chunk = external_ids[start : start + size]
        among = (
            Item.external_id == any_(bindparam("ids", chunk, type_=ARRAY(String)))
            if postgres
            else Item.external_id.in_(chunk)
        )
        taken.update(
            session.scalars(select(Item.external_id).where(Item.campaign_id == campaign_id, among))
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
    ids: list[int] = []
    try:
        for batch in prepared.rows.batches(ROWS_PER_WRITE):
            statuses = [prepared.status_of(row) for row in batch]
            ids += write_rows(session, campaign.id, batch, statuses)
    finally:
        prepared.close()
    register(session, prepared.media, campaign.id)
    return [
        item
        for start in range(0, len(ids), IDS_PER_QUERY)
        for item in session.scalars(
            select(Item).where(Item.id.in_(ids[start : start + IDS_PER_QUERY])).order_by(Item.id)
        )
    ]


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
