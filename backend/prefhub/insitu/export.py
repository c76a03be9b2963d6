"""A feedback source's derived rows as a dataset folder (issue 19, point 5): the rows in TRL's
shapes (``dpo``: prompt/chosen/rejected; ``kto``: prompt/completion/label; ``judgments``: every
derived row, both kinds), each with its ``source``, ``signal``, ``confidence`` and whether
people ``verified`` it; a manifest; a croissant.json (``insitu/croissant.py``); and a card
saying where the data came from, how it was redacted and on what consent basis it was collected.

Written like a campaign export: into a marked ``.partial`` folder renamed when complete, from
one snapshot, in constant memory. Rows are read from the database as it is, so a conversation
erased or expired before the export is not in it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from prefhub import __version__
from prefhub.exports.datafile import open_data_file
from prefhub.exports.service import PARTIAL_MARKER, claim_destination, file_entry
from prefhub.insitu.croissant import croissant
from prefhub.insitu.schemas import RedactionPolicyIn
from prefhub.kit.time import utcnow
from prefhub.models import FeedbackSource, InsituConversation, InsituDerived

InsituFormat = Literal["dpo", "kto", "judgments"]
# The derived kind each format takes (judgments: all).
KIND_OF: dict[str, str | None] = {"dpo": "pair", "kto": "kto", "judgments": None}
TRAINER = {"dpo": "TRL's `DPOTrainer`", "kto": "TRL's `KTOTrainer`", "judgments": None}
# Roles a chat template knows; "developer" is OpenAI's newer name for "system".
_ROLE = {"developer": "system"}


class InsituExportOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: InsituFormat = "dpo"
    signals: list[Annotated[str, Field(min_length=1, max_length=32)]] | None = Field(
        default=None, max_length=20, description="only these signals (all when left out)"
    )
    min_confidence: float = Field(default=0.0, ge=0, le=1)


def write_insitu_export(
    session: Session, source: FeedbackSource, options: InsituExportOptions, destination: Path
) -> dict[str, Any]:
    """Write the folder; returns its manifest. Reads only."""
    partial = claim_destination(destination)
    data_name = f"{options.format}.jsonl"
    by_signal: Counter[str] = Counter()
    skipped = 0
    out, hashed = open_data_file(partial / data_name)
    with out:
        for derived, conversation in _rows(session, source, options):
            row = _row(options.format, source.slug, derived, conversation)
            if row is None:
                skipped += 1
                continue
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            by_signal[derived.signal] += 1
    files = [{"name": data_name, "size": hashed.size, "sha256": hashed.hexdigest()}]
    manifest: dict[str, Any] = {
        "prefhub_version": __version__,
        "format": options.format,
        "options": options.model_dump(mode="json"),
        "source": {
            "slug": source.slug,
            "name": source.name,
            "retention_days": source.retention_days,
            "consent_basis": source.consent_basis,
            "redaction": RedactionPolicyIn(**source.redaction).model_dump(mode="json"),
        },
        "created_at": utcnow().isoformat() + "Z",
        "counts": {
            "rows": sum(by_signal.values()),
            "by_signal": dict(sorted(by_signal.items())),
            "skipped_no_prompt": skipped,
        },
    }
    (partial / "README.md").write_text(card(manifest), "utf-8")
    described = croissant(manifest | {"files": files})
    (partial / "croissant.json").write_text(
        json.dumps(described, indent=2, ensure_ascii=False, sort_keys=True) + "\n", "utf-8"
    )
    manifest["files"] = [
        *files,
        file_entry(partial, "README.md"),
        file_entry(partial, "croissant.json"),
    ]
    (partial / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n", "utf-8"
    )
    (partial / PARTIAL_MARKER).unlink()
    partial.rename(destination)
    return manifest


def _rows(
    session: Session, source: FeedbackSource, options: InsituExportOptions
) -> Iterator[tuple[InsituDerived, str]]:
    query = (
        select(InsituDerived, InsituConversation.external_id)
        .join(InsituConversation, InsituConversation.id == InsituDerived.conversation_id)
        .where(
            InsituDerived.source_id == source.id,
            InsituDerived.confidence >= options.min_confidence,
        )
        .order_by(InsituDerived.id)
        .execution_options(yield_per=1000)
    )
    kind = KIND_OF[options.format]
    if kind is not None:
        query = query.where(InsituDerived.kind == kind)
    if options.signals:
        query = query.where(InsituDerived.signal.in_(options.signals))
    yield from session.execute(query).tuples()


def _messages(prompt: list[list[str]]) -> list[dict[str, str]]:
    return [{"role": _ROLE.get(role, role), "content": text} for role, text in prompt]


def _reply(text: str | None) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": text or ""}]


def _row(fmt: str, slug: str, derived: InsituDerived, conversation: str) -> dict[str, Any] | None:
    content = derived.row
    prompt = _messages(content["prompt"])
    if not prompt:
        return None  # an answer with nothing before it: no trainer takes an empty prompt
    row: dict[str, Any] = {"id": f"{slug}-{derived.id}", "source": slug, "prompt": prompt}
    if derived.kind == "pair":
        pair = {"chosen": _reply(content["chosen"]), "rejected": _reply(content["rejected"])}
        row |= pair if fmt == "dpo" else {"kind": "pair"} | pair
    else:
        kto = {"completion": _reply(content["completion"]), "label": bool(content["label"])}
        row |= kto if fmt == "kto" else {"kind": "kto"} | kto
    row |= {
        "signal": derived.signal,
        "confidence": derived.confidence,
        "verified": None,
        "metadata": {
            "conversation": conversation,
            "message_id": derived.message_id,
            "user": derived.user_pseudonym,
            "event_ids": derived.event_ids,
            # The judge signal's model and rubric; null for the users' own signals.
            "judge": content.get("judge"),
        },
    }
    return row


def card(manifest: dict[str, Any]) -> str:
    """The dataset card: where the rows came from, how they were made and cleaned."""
    source = manifest["source"]
    redaction = source["redaction"]
    counts = manifest["counts"]
    trainer = TRAINER[manifest["format"]]
    custom = ", ".join(p["label"] for p in redaction["custom_patterns"]) or "none"
    signals = "\n".join(f"| {signal} | {count} |" for signal, count in counts["by_signal"].items())
    return f"""---
tags:
- prefhub
- in-situ-feedback
- {manifest["format"]}
---

# {source["name"]} ({source["slug"]}): in-situ feedback, `{manifest["format"]}`

Preference data derived from the conversations of a deployed chat product and its users'
own signals (thumbs, ratings, regenerations, edits, follow-up turns, copies, abandonment),
exported by prefhub {manifest["prefhub_version"]} on {manifest["created_at"]}.
{f"Rows load into {trainer}." if trainer else "One row per derived row, of both kinds."}

## Consent

The researcher declared this consent basis for the use of the product's conversations:

> {source["consent_basis"] or "(none declared)"}

## Personal data

Before anything was stored, text was redacted: {", ".join(redaction["kinds"]) or "no built-in kind"}
(phone numbers in the formats of {", ".join(redaction["phone_regions"])} and any written with
"+"), and the source's own patterns: {custom}. Each finding reads as a placeholder such as
`[EMAIL]`. The product's user ids are kept only as keyed pseudonyms (`metadata.user`),
unrelated across sources. Conversations are deleted {source["retention_days"]} days after
their last event, and on a user's request; rows of conversations deleted before this export
are not in it.

## Rows

{counts["rows"]} rows ({counts["skipped_no_prompt"]} derived rows left out: an answer with no
prompt before it).

| signal | rows |
| --- | --- |
{signals}

Each row names its `signal` and a `confidence`: the rule's prior that a careful annotator
would agree (thumbs 0.9, ratings 0.7-0.8, edits 0.85, regenerations 0.7, follow-up turns 0.6,
copies 0.5, abandonment 0.2). `verified` says whether people confirmed the row in a
verification campaign (null: not verified). Signals are noisy: weigh rows by confidence, or
keep the signals whose verified agreement is high.
"""
