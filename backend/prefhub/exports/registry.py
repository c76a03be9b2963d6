"""What an export format is, declared once: its writers, columns, row grain, trainer, the
campaign kinds it supports, whether it aggregates, and the options it reads.

Validation (``ExportOptions``, ``service.check_supported``), the row writers
(``row_writing``), the dataset card, Croissant, the CLI's ``--format`` and
``GET /api/exports/formats`` (hence the admin UI) all read this registry. A format is a module
of ``prefhub.exports.formats`` that calls ``register``: every module of that package is
imported the first time the registry is read, so adding a format touches that folder only.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

CampaignKind = Literal["item", "conversation-tree"]
CAMPAIGN_KINDS: tuple[CampaignKind, ...] = ("item", "conversation-tree")
# A column's values. "messages": TRL's prompt, a list of {role, content} messages (a string in
# the standard form); "reply": a list of one assistant message (a string in the standard form);
# "record": an object whose fields are ``Column.fields``; "json": an object of no fixed shape.
ColumnType = Literal[
    "text", "integer", "float", "boolean", "date_time", "messages", "reply", "record", "json"
]


@dataclass(frozen=True)
class Column:
    """One column of a format's rows."""

    name: str
    type: ColumnType
    description: str
    # A list of values of ``type`` (e.g. ``ranks``: integers).
    repeated: bool = False
    # The fields of a "record" column.
    fields: tuple[Column, ...] = ()


@dataclass(frozen=True)
class WriterSetup:
    """What a format's writer is made from: the campaign as the export sees it."""

    campaign_slug: str
    options: Any  # the export's ExportOptions (schemas imports this module)
    # Item campaigns: question id -> kind, and the questions themselves (spec objects).
    question_kinds: dict[str, str] = field(default_factory=dict)
    questions: dict[str, Any] = field(default_factory=dict)
    # Tree campaigns: whether any exported message holds media (asked only when needed).
    tree_media: Callable[[], bool] = lambda: False


WriterFactory = Callable[[WriterSetup], Any]
# Columns that depend on the campaign or the options: (the declared columns, the campaign
# spec, the options as the manifest holds them, campaign kind) -> the columns.
ExtraColumns = Callable[[list[Column], dict[str, Any], dict[str, Any], CampaignKind], list[Column]]


@dataclass(frozen=True)
class ExportFormat:
    """One export format. Rows hold ``id``, ``campaign``, ``columns`` and ``metadata``."""

    name: str
    # The admin UI's label, and one sentence on what the rows are for.
    title: str
    description: str
    # One writer per campaign kind the format supports.
    writers: Mapping[CampaignKind, WriterFactory]
    columns: tuple[Column, ...]
    row_grain: str
    # Where a conversation-tree campaign's rows differ from an item campaign's.
    tree_columns: tuple[Column, ...] | None = None
    tree_row_grain: str | None = None
    extra_columns: ExtraColumns | None = None
    # The TRL trainer the rows fit, as the card says it; None: analysis or your own conversion.
    trainer: str | None = None
    # Whose trainer: the card says "TRL's `DPOTrainer`"; None when ``trainer`` names its own
    # ("the diffusers Diffusion-DPO example").
    trainer_library: str | None = "TRL"
    # Item campaigns: the writer of consensus rows; None when rows cannot be aggregated.
    aggregated_writer: WriterFactory | None = None
    # The ExportOptions fields (beyond filters, salt and file format) the format reads.
    options: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    task_category: str = "text-generation"
    # Whether the rows point at media files (images, audios, videos columns) on item campaigns.
    media_columns: bool = False
    # The manifest's key for what the writer skipped ("skipped_no_preference" for dpo's
    # manifests, as they have always said).
    skipped_key: str = "skipped"
    # Whether the rows keep excluded annotators' judgments (marked) without include_excluded:
    # the raw record of everything submitted does; training data does not.
    keeps_excluded: bool = False

    @property
    def aggregates(self) -> bool:
        return self.aggregated_writer is not None

    @property
    def campaign_kinds(self) -> tuple[CampaignKind, ...]:
        return tuple(kind for kind in CAMPAIGN_KINDS if kind in self.writers)

    @property
    def trainer_phrase(self) -> str | None:
        """The trainer as the card and Croissant name it: "TRL's `DPOTrainer` (...)"."""
        if self.trainer is None or self.trainer_library is None:
            return self.trainer
        return f"{self.trainer_library}'s {self.trainer}"

    def grain(self, kind: CampaignKind) -> str:
        if kind == "conversation-tree" and self.tree_row_grain:
            return self.tree_row_grain
        return self.row_grain

    def columns_for(
        self, kind: CampaignKind, spec: dict[str, Any], options: dict[str, Any]
    ) -> list[Column]:
        """The format's own columns (not ``id``, ``campaign``, ``metadata``) for a campaign."""
        declared = self.tree_columns if kind == "conversation-tree" and self.tree_columns else None
        columns = list(declared if declared is not None else self.columns)
        if self.extra_columns is not None:
            columns = self.extra_columns(columns, spec, options, kind)
        return columns


# What every row holds around the format's own columns.
ID_COLUMN = Column("id", "text", "row id")
CAMPAIGN_COLUMN = Column("campaign", "text", "campaign slug")
METADATA_COLUMN = Column(
    "metadata",
    "json",
    "provenance: pseudonymous annotator id, item or tree, question, source models",
)
MEDIA_COLUMNS = tuple(
    Column(f"{kind}s", "text", f"the {kind} files under `media/`, in order of appearance", True)
    for kind in ("image", "audio", "video")
)
# Options every format reads (filters, pseudonyms, file type) are not listed per format.
OPTION_DESCRIPTIONS = {
    "conversational": "TRL's conversational form (lists of {role, content} messages); off: "
    "its standard form (strings)",
    "aggregation": "how several annotators' judgments of one item become rows: none (a row "
    "per judgment), majority, bradley_terry or ranked_pairs",
    "drop_ties": "leave out rows that carry a tie",
    "min_agreement": "leave out items whose annotators agree less than this (0 to 1)",
    "kto_from_preferences": "pairwise and ranking answers also give rows (winner true, "
    "loser false)",
    "include_profiles": "the annotators' profile answers in every row's metadata",
}

_formats: dict[str, ExportFormat] = {}
_discovered = threading.Event()
_discovering = threading.Lock()


def register(entry: ExportFormat) -> ExportFormat:
    """Add a format (or replace the one of that name); returns it."""
    unknown = set(entry.options) - OPTION_DESCRIPTIONS.keys()
    if unknown:
        raise ValueError(f"format {entry.name!r} names unknown options {sorted(unknown)}")
    if not entry.writers:
        raise ValueError(f"format {entry.name!r} has no writer for any campaign kind")
    _formats[entry.name] = entry
    return entry


def unregister(name: str) -> None:
    _formats.pop(name, None)


def _discover() -> None:
    """Import every module of ``prefhub.exports.formats``: each registers its formats. Once,
    under a lock: a second thread must not read the registry half filled."""
    if _discovered.is_set():
        return
    with _discovering:
        if _discovered.is_set():
            return
        package = importlib.import_module("prefhub.exports.formats")
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
        _discovered.set()


def all_formats() -> list[ExportFormat]:
    """Every registered format, in the order registered."""
    _discover()
    return list(_formats.values())


def names() -> list[str]:
    return [entry.name for entry in all_formats()]


def get(name: str) -> ExportFormat:
    _discover()
    try:
        return _formats[name]
    except KeyError:
        raise KeyError(f"no export format {name!r}; formats: {', '.join(_formats)}") from None


def find(name: str) -> ExportFormat | None:
    _discover()
    return _formats.get(name)


def for_kind(kind: CampaignKind) -> list[ExportFormat]:
    """The formats a campaign of this kind can export, its default first."""
    return [entry for entry in all_formats() if kind in entry.writers]


def aggregatable() -> list[str]:
    return [entry.name for entry in all_formats() if entry.aggregates]
