"""Exports: write one (streaming, batch by batch), describe the formats, serve the files.

The job around an export (create, send, finish) is ``exports.jobs``."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefhub import __version__
from prefhub.campaigns.service import spec_of
from prefhub.exports import registry
from prefhub.exports.card import dataset_card
from prefhub.exports.croissant import croissant
from prefhub.exports.datafile import open_data_file
from prefhub.exports.demographics import summarize_profiles
from prefhub.exports.exceptions import (
    BadExportDestination,
    ExportFileNotFound,
    ExportNotReady,
    UnsupportedExport,
)
from prefhub.exports.formats.media_pairs import (
    candidate_media,
    candidate_media_kinds,
    check_candidates,
)
from prefhub.exports.parquet import jsonl_to_parquet
from prefhub.exports.question_fit import declared, unread_warning
from prefhub.exports.row_writing import (
    MEDIA_KEY,
    STATS_KEY,
    ProgressCallback,
    profiles_of,
    write_judgment_rows,
    write_tree_rows,
)
from prefhub.exports.schemas import (
    CandidateMediaKind,
    ExportColumnOut,
    ExportFormatList,
    ExportFormatOut,
    ExportOptionOut,
    ExportOptions,
)
from prefhub.exports.snapshot import campaign_snapshot
from prefhub.media.storage import copy_media
from prefhub.models import (
    Campaign,
    ExportJob,
    JobStatus,
    MediaAsset,
)
from prefhub.settings import get_settings

MANIFEST_NAME = "manifest.json"
# Archive members deflated; the rest (Parquet, media) are compressed already and stored.
_DEFLATED_SUFFIXES = frozenset({".jsonl", ".json", ".md"})
_CHUNK = 1 << 20
# Written first into a ``.partial`` folder: only a folder holding it may be cleared on a retry.
PARTIAL_MARKER = ".prefhub-export-partial"


def default_folder(campaign: Campaign, job: ExportJob) -> Path:
    return get_settings().export_root / f"{campaign.slug}-{job.format}-{job.id:06d}"


def file_path(session: Session, job: ExportJob, name: str) -> Path:
    """Only files the job itself recorded can be served: no path tricks."""
    folder = _finished_folder(job)
    # Jobs recorded before manifest.json was listed still serve it.
    if name not in {f["name"] for f in job.files} | {MANIFEST_NAME}:
        raise ExportFileNotFound(f"Export {job.id} has no file '{name}'")
    return folder / name


def _finished_folder(job: ExportJob) -> Path:
    if job.status != JobStatus.succeeded or not job.folder:
        raise ExportNotReady(f"Export {job.id} is {job.status.value}")
    return Path(job.folder)


def recorded_files(folder: Path, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """What a job records as its files: the manifest's, then manifest.json itself (its own
    sha256 cannot be inside it, so it is computed once it is written)."""
    return [*manifest["files"], file_entry(folder, MANIFEST_NAME)]


def listed_files(job: ExportJob) -> list[dict[str, Any]]:
    """An export's files as the API lists them. A job recorded before manifest.json was
    listed gets its entry from the folder, while the folder is there."""
    files = list(job.files)
    if job.status == JobStatus.succeeded and job.folder:
        folder = Path(job.folder)
        if MANIFEST_NAME not in {f["name"] for f in files} and (folder / MANIFEST_NAME).is_file():
            files.append(file_entry(folder, MANIFEST_NAME))
    return files


@dataclass(frozen=True)
class Archive:
    filename: str
    chunks: Iterator[bytes]


def archive(job: ExportJob, campaign: Campaign) -> Archive:
    """The whole export folder as a zip, streamed: every recorded file under one folder named
    like the zip. Nothing is built in memory or on disk first (``zip_stream``)."""
    folder = _finished_folder(job)
    names = [f["name"] for f in listed_files(job)]
    if MANIFEST_NAME not in names:
        names.append(MANIFEST_NAME)
    # Checked before the first byte: a file missing halfway would cut the download short.
    for name in names:
        path = folder / name
        if path.is_symlink() or not path.is_file():
            raise ExportFileNotFound(f"Export {job.id}'s folder no longer holds '{name}'")
    stem = f"{campaign.slug}-{job.format}-{job.id}"
    return Archive(f"{stem}.zip", zip_stream(folder, names, stem))


class _Sink:
    """A write-only stream whose bytes are taken out as they come (no ``tell``: zipfile
    then writes a data descriptor after each member instead of seeking back)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def zip_stream(folder: Path, names: list[str], root: str) -> Iterator[bytes]:
    """Zip ``names`` (paths inside ``folder``) as ``root/<name>``, yielding the bytes as they
    are made: memory stays at about one read (1 MiB) whatever the size. Text is deflated;
    Parquet and media, already compressed, are stored."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w") as out:
        for name in names:
            path = folder / name
            info = zipfile.ZipInfo.from_file(path, f"{root}/{name}")
            deflate = path.suffix in _DEFLATED_SUFFIXES
            info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
            # from_file set file_size: members over 4 GiB get their Zip64 fields.
            with path.open("rb") as source, out.open(info, "w") as member:
                while chunk := source.read(_CHUNK):
                    member.write(chunk)
                    if data := sink.take():
                        yield data
            if data := sink.take():  # the rest of the member and its data descriptor
                yield data
    yield sink.take()  # the central directory


def file_entry(folder: Path, name: str) -> dict[str, Any]:
    path = folder / name
    return {"name": name, "size": path.stat().st_size, "sha256": _sha256(path)}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_export(
    session: Session,
    campaign: Campaign,
    options: ExportOptions,
    destination: Path,
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Write the export folder and return its manifest. Reads only; the caller commits.

    Files are written to a sibling ``.partial`` folder and renamed at the end, so a crashed
    run never leaves a folder that looks complete. Nothing already there is overwritten.
    """
    check_supported(campaign, options)
    partial = claim_destination(destination)

    jsonl_name = f"{options.format}.jsonl"
    write_rows = write_tree_rows if is_tree_campaign(campaign) else write_judgment_rows
    out, hashed = open_data_file(partial / jsonl_name)
    with out:
        summary = write_rows(session, campaign, options, out, on_progress)
    data_name = jsonl_name
    files = [{"name": jsonl_name, "size": hashed.size, "sha256": hashed.hexdigest()}]
    if options.file_format == "parquet":
        data_name = f"{options.format}.parquet"
        jsonl_to_parquet(partial / jsonl_name, partial / data_name)
        (partial / jsonl_name).unlink()
        files = [file_entry(partial, data_name)]
    media = _copy_media(session, summary.pop(MEDIA_KEY, {}), partial)
    stats = summary.pop(STATS_KEY)
    manifest = {
        "prefhub_version": __version__,
        "format": options.format,
        "options": options.model_dump(mode="json", exclude={"salt"})
        | {"salted": bool(options.salt)},
        "campaign": campaign_snapshot(campaign),
        "annotators_per_item": stats["annotators_per_item"],
        "demographics": summarize_profiles(
            profiles_of(session, campaign, options, stats),
            spec_of(campaign).participation.survey,
            exact=options.include_profiles,
        ),
    } | summary
    card = dataset_card(manifest | {"data_files": [data_name], "media_files": len(media)})
    (partial / "README.md").write_text(card, "utf-8")
    described = croissant(manifest | {"files": [*files, *media]}, partial / data_name)
    (partial / "croissant.json").write_text(
        json.dumps(described, indent=2, ensure_ascii=False, sort_keys=True) + "\n", "utf-8"
    )
    extras = [file_entry(partial, "README.md"), file_entry(partial, "croissant.json")]
    manifest["files"] = [*files, *extras, *media]
    (partial / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n", "utf-8"
    )
    (partial / PARTIAL_MARKER).unlink()
    if destination.exists() or destination.is_symlink():
        raise BadExportDestination(f"{destination} appeared while exporting; left {partial}")
    partial.rename(destination)
    return manifest


def check_destination(destination: Path) -> None:
    """Refuse a destination that exists, or whose ``.partial`` sibling is not one an export
    left behind: an export never deletes or overwrites what it did not create."""
    if destination.exists() or destination.is_symlink():
        raise BadExportDestination(
            f"{destination} already exists; exports write a new folder, choose another"
        )
    partial = _partial_of(destination)
    if (partial.exists() or partial.is_symlink()) and not _left_by_an_export(partial):
        raise BadExportDestination(
            f"{partial} exists and was not left by a prefhub export; move it or choose "
            "another destination"
        )


def claim_destination(destination: Path) -> Path:
    """The empty, marked ``.partial`` folder to write ``destination`` into. A crashed export's
    (it still holds the marker) is cleared; anything else there is refused."""
    check_destination(destination)
    partial = _partial_of(destination)
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    (partial / PARTIAL_MARKER).write_text(
        "prefhub writes an export here; the folder is renamed when it is complete\n", "utf-8"
    )
    return partial


def _partial_of(destination: Path) -> Path:
    return destination.with_name(destination.name + ".partial")


def _left_by_an_export(partial: Path) -> bool:
    return (
        partial.is_dir()
        and not partial.is_symlink()
        and (partial / PARTIAL_MARKER).is_file()
        and not (partial / PARTIAL_MARKER).is_symlink()
    )


def _copy_media(session: Session, used: dict[str, str], folder: Path) -> list[dict[str, Any]]:
    """Copy the media files rows refer to into ``media/``; their manifest entries. The sha256
    is the file's name and is checked again on the copy."""
    if not used:
        return []
    keys: dict[str, str] = dict(
        session.execute(
            select(MediaAsset.sha256, MediaAsset.storage_key).where(
                MediaAsset.sha256.in_(list(used))
            )
        )
        .tuples()
        .all()
    )
    (folder / "media").mkdir()
    entries = []
    for sha, name in sorted(used.items()):
        target = folder / "media" / name
        copy_media(keys[sha], target)
        digest = _sha256(target)
        if digest != sha:
            raise RuntimeError(f"media file {keys[sha]} does not match its sha256 {sha}")
        entries.append({"name": f"media/{name}", "size": target.stat().st_size, "sha256": digest})
    return entries


def describe_formats() -> ExportFormatList:
    """The registry as the API serves it (the admin UI's export form reads it)."""
    return ExportFormatList(formats=[_format_out(entry) for entry in registry.all_formats()])


def campaign_candidate_media(session: Session, campaign: Campaign) -> list[CandidateMediaKind]:
    """The media kinds the campaign's candidates hold (none for conversation trees)."""
    if is_tree_campaign(campaign):
        return []
    found = candidate_media_kinds(session, campaign.id)
    kinds: tuple[CandidateMediaKind, ...] = ("image", "audio", "video")
    return [kind for kind in kinds if kind in found]


def unread_questions_warning(campaign: Campaign, options: ExportOptions) -> str:
    """'' unless the format reads no question of this item campaign (its export would have
    no rows): then why, and the formats that do (``question_fit.unread_warning``)."""
    if is_tree_campaign(campaign):
        return ""
    kinds = [question.kind for question in spec_of(campaign).questions]
    return unread_warning(campaign.slug, kinds, options)


def _format_out(entry: registry.ExportFormat) -> ExportFormatOut:
    def columns(listed: tuple[registry.Column, ...]) -> list[ExportColumnOut]:
        around = (registry.ID_COLUMN, registry.CAMPAIGN_COLUMN)
        return [_column_out(c) for c in (*around, *listed, registry.METADATA_COLUMN)]

    question_kinds, by_option = declared(entry)

    return ExportFormatOut(
        name=entry.name,
        title=entry.title,
        description=entry.description,
        campaign_kinds=list(entry.campaign_kinds),
        row_grain=entry.row_grain,
        tree_row_grain=entry.tree_row_grain,
        columns=columns(entry.columns),
        tree_columns=columns(entry.tree_columns) if entry.tree_columns is not None else None,
        trainer=entry.trainer,
        aggregates=entry.aggregates,
        options=[
            ExportOptionOut(name=name, description=registry.OPTION_DESCRIPTIONS[name])
            for name in entry.options
        ],
        question_kinds=question_kinds,
        question_kinds_by_option=by_option,
        candidate_media=candidate_media(entry),
    )


def _column_out(column: registry.Column) -> ExportColumnOut:
    return ExportColumnOut(
        name=column.name,
        type=column.type,
        description=column.description,
        repeated=column.repeated,
        fields=[_column_out(f) for f in column.fields],
    )


def is_tree_campaign(campaign: Campaign) -> bool:
    return spec_of(campaign).trees is not None


def check_supported(campaign: Campaign, options: ExportOptions) -> None:
    """Refuse, before any work, an export the campaign's kind cannot give, or whose format
    cannot carry its candidates (media candidates: ``media_pairs.check_candidates``)."""
    tree = is_tree_campaign(campaign)
    kind: registry.CampaignKind = "conversation-tree" if tree else "item"
    if kind not in registry.get(options.format).writers:
        formats = [entry.name for entry in registry.for_kind(kind)]
        later = "are not built yet" if tree else "need a conversation-tree campaign"
        raise UnsupportedExport(
            f"'{options.format}' exports of {kind} campaigns {later}; "
            f"{kind} campaigns export as {', '.join(formats)}"
        )
    if not tree:
        if options.tree_states is not None:
            raise UnsupportedExport("tree_states applies to conversation-tree campaigns only")
        check_candidates(campaign, options.format)
        return
    # Tree campaigns rank sibling replies by the campaign's own consensus method, and their
    # rows are per tree: item filters do not apply.
    set_fields = options.model_fields_set
    refused: list[str] = [
        name
        for name in (
            "rounds",
            "models",
            "created_from",
            "created_to",
            "annotator_groups",
            "min_agreement",
            "kto_from_preferences",
        )
        if name in set_fields and getattr(options, name) not in (None, False)
    ]
    if options.aggregation != "none":
        refused.append("aggregation")
    if refused:
        raise UnsupportedExport(
            f"{', '.join(refused)} cannot apply to a conversation-tree campaign: its rankings are "
            "aggregated by the campaign's consensus setting; filter trees by tree_states and "
            "languages"
        )
