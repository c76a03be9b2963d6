"""Which question kinds an export format reads, and whether a campaign's questions give it any
row: the export form opens on the first format that fits and labels those that would be empty,
and ``prefhub export`` warns before writing an empty export.

The kinds are asked of the format's item writer itself, made for the options: its ``reads``
is what its ``rows`` read (``KtoWriter``: binary and negative_only, and pairwise and ranking
with ``kto_from_preferences``), so the list is written once, where the rows are made. A writer
without ``reads`` (``judgments``, ``annotators``) takes every answer, whatever its kind.
Conversation-tree campaigns have no question kinds to fit: every tree format reads the trees.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, get_args

from prefhub.exports import registry
from prefhub.exports.schemas import Aggregation, ExportOptions


def reads(entry: registry.ExportFormat, options: ExportOptions) -> tuple[str, ...] | None:
    """The question kinds whose answers give the format's rows of an item campaign, with these
    options; None: every kind. A format without an item writer reads none."""
    factory = entry.writers.get("item")
    if options.aggregation != "none" and entry.aggregated_writer is not None:
        factory = entry.aggregated_writer
    if factory is None:
        return ()
    writer = factory(registry.WriterSetup("", options))
    found = getattr(writer, "reads", None)
    return None if found is None else tuple(found)


def _variants(entry: registry.ExportFormat, option: str) -> list[dict[str, Any]]:
    """The settings of an option other than its default that may change what is read."""
    if option == "aggregation":
        methods = [m for m in get_args(Aggregation) if m != "none"]
        return [{"aggregation": m} for m in methods] if entry.aggregates else []
    default = ExportOptions.model_fields[option].default
    return [{option: not default}] if isinstance(default, bool) else []


def declared(entry: registry.ExportFormat) -> tuple[list[str] | None, dict[str, list[str]]]:
    """What ``GET /api/exports/formats`` says the format reads: the kinds by default (None:
    every kind) and, per option, the kinds that option adds (``kto_from_preferences``:
    pairwise and ranking; ``aggregation``: ranking's consensus of pairwise answers)."""
    default = ExportOptions(format=entry.name)
    base = reads(entry, default)
    if base is None:
        return None, {}
    added: dict[str, list[str]] = {}
    for option in entry.options:
        more: list[str] = []
        for change in _variants(entry, option):
            found = reads(entry, default.model_copy(update=change)) or ()
            more += [kind for kind in found if kind not in base and kind not in more]
        if more:
            added[option] = more
    return list(base), added


def reads_none_of(
    entry: registry.ExportFormat, question_kinds: Iterable[str], options: ExportOptions
) -> bool:
    """Whether the format, with these options, reads no question of these kinds (its export of
    an item campaign asking only them would have no rows)."""
    found = reads(entry, options)
    return found is not None and not set(found) & set(question_kinds)


def unread_warning(
    campaign_slug: str, question_kinds: Sequence[str], options: ExportOptions
) -> str:
    """Why an export will be empty, and the formats that read the campaign's questions; ''
    when the format reads one of them."""
    entry = registry.get(options.format)
    if not reads_none_of(entry, question_kinds, options):
        return ""
    asked = ", ".join(dict.fromkeys(question_kinds)) or "none"
    found = reads(entry, options) or ()
    _, added = declared(entry)
    unless = "".join(f"; with {option}: {', '.join(kinds)}" for option, kinds in added.items())
    fitting = [
        other.name
        for other in registry.for_kind("item")
        if not reads_none_of(other, question_kinds, ExportOptions(format=other.name))
    ]
    return (
        f"'{options.format}' reads no question of '{campaign_slug}' (its questions: {asked}); "
        f"it reads {', '.join(found) or 'no question kind'}{unless}, so the export will have "
        f"no rows. Formats that read its questions: {', '.join(fitting)}"
    )
