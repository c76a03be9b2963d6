"""Rows of TRL's preference format (``prompt``, ``chosen``, ``rejected``) from judgments.

Derivation (README, "Export formats"; ``preferences.py``): a pairwise answer "A" or "B" gives
one row with the preferred candidate as ``chosen``; "tie" and "both_bad" express no preference
and give none. Ranking and rating answers give a row for every (better, worse) pair.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from prefhub.exports.dpo_encoding import (
    METADATA,
    PROFILE,
    ROW_HEAD,
    ROW_MIDDLE,
    ROW_TAIL,
    dumps,
    dumps_row,
    json_value,
)
from prefhub.exports.formats.preferences import PREFERENCE_KINDS, preference_pairs
from prefhub.exports.judgment_record import JudgmentRecord
from prefhub.kit.content import plain_text

ROLE_NAMES = {"system": "System", "user": "User", "assistant": "Assistant"}
# What ends a standard-form prompt before its completion, and joins a transcript's turns
# (``standard_prompt``; README, "Export formats").
STANDARD_SEPARATOR = "\n\n"
# Characters of encoded prompts and completions lines() keeps (then it starts afresh).
ENCODED_CACHE_CHARS = 16_000_000


@dataclass
class MediaFiles:
    """Media parts as files of the export: ``media/<sha256>.<ext>``, in TRL's vision form.

    ``names`` maps an asset's sha256 to its file name; ``used`` collects what rows refer to,
    so the export copies exactly those files.
    """

    names: dict[str, str]
    used: set[str] = field(default_factory=set)

    def path(self, sha256: str) -> str:
        self.used.add(sha256)
        return f"media/{self.names[sha256]}"


COLUMNS = {"image": "images", "audio": "audios", "video": "videos"}


@dataclass
class DpoWriter:
    campaign_slug: str
    question_kinds: dict[str, str]
    conversational: bool = True
    skipped: Counter[str] = field(default_factory=Counter)
    # Earlier revisions of an undone judgment are history, not preferences.
    current_only: bool = True
    # Set when the campaign has media: every row then takes the vision form.
    media: MediaFiles | None = None

    # JSON of prompts (by item) and completions (by candidate) for lines(): a row's bulk, and
    # shared by the K judgments of an item. Cleared when full, so memory stays bounded.
    _encoded: dict[str | int | tuple[str, str], str] = field(default_factory=dict, repr=False)
    _encoded_chars: int = field(default=0, repr=False)
    # The question kinds whose answers give rows (what preference_pairs reads).
    READS: ClassVar[tuple[str, ...]] = PREFERENCE_KINDS

    @property
    def reads(self) -> tuple[str, ...]:
        return self.READS

    def rows(self, record: JudgmentRecord) -> Iterator[dict[str, Any]]:
        if self.media is not None:
            yield from self._vision_rows(record, self.media)
            return
        for row_id, question_id, choice, chosen_id, rejected_id in self._preferences(record):
            yield {
                "id": row_id,
                "campaign": self.campaign_slug,
                "prompt": prompt_value(record.context, conversational=self.conversational),
                "chosen": completion_value(
                    record.candidates[chosen_id][0], conversational=self.conversational
                ),
                "rejected": completion_value(
                    record.candidates[rejected_id][0], conversational=self.conversational
                ),
                "metadata": self._metadata(record, question_id, choice, chosen_id, rejected_id),
            }

    def lines(self, record: JudgmentRecord) -> Iterator[str]:
        """``rows()`` as JSON lines, exactly as ``dumps_row`` writes them (``dpo_encoding``: the
        contract; a test holds the two together), without a dict and a json.dumps per row:
        each prompt and completion is encoded once per export, the rest written into the
        contract's templates."""
        # Media rows, and rows marking their annotator's standing (include_excluded: few),
        # are not in the contract's templates: dumped as rows.
        if self.media is not None or record.standing is not None:
            yield from map(dumps_row, self.rows(record))
            return
        for row_id, question_id, choice, chosen_id, rejected_id in self._preferences(record):
            metadata = METADATA % (
                json_value(record.annotator_pseudonym),
                json_value(record.campaign_version),
                json_value(choice),
                json_value(record.created_at),
                json_value(record.item_external_id),
                json_value(record.judgment_id),
                self._profile_json(record),
                json_value(question_id),
                f"[{', '.join([json_value(c) for c in record.shown_order])}]",
                "true" if record.simulated else "false",
                json_value(record.candidates[chosen_id][1]),
                json_value(record.candidates[rejected_id][1]),
                json_value(record.time_spent_ms),
            )
            yield (
                ROW_HEAD
                % (json_value(self.campaign_slug), self._completion_json(record, chosen_id))
                + ROW_MIDDLE % (json_value(row_id), metadata)
                + ROW_TAIL % (self._prompt_json(record), self._completion_json(record, rejected_id))
            )

    def _vision_rows(self, record: JudgmentRecord, media: MediaFiles) -> Iterator[dict[str, Any]]:
        """TRL's vision form: message content as parts, a media part as ``{"type": "image"}``,
        and the files in order of appearance (prompt, chosen, rejected) in ``images`` (and
        ``audios`` / ``videos``, the same way)."""
        for row_id, question_id, choice, chosen_id, rejected_id in self._preferences(record):
            files: dict[str, list[str]] = {column: [] for column in COLUMNS.values()}
            prompt = [
                {"role": m["role"], "content": _parts(m["content"], media, files)}
                for m in record.context
            ]
            chosen = _parts(record.candidates[chosen_id][0], media, files)
            rejected = _parts(record.candidates[rejected_id][0], media, files)
            if not self.conversational:
                prompt_value_: Any = standard_prompt(record.context)
                chosen_value: Any = plain_text(record.candidates[chosen_id][0])
                rejected_value: Any = plain_text(record.candidates[rejected_id][0])
            else:
                prompt_value_ = prompt
                chosen_value = [{"role": "assistant", "content": chosen}]
                rejected_value = [{"role": "assistant", "content": rejected}]
            yield {
                "id": row_id,
                "campaign": self.campaign_slug,
                "prompt": prompt_value_,
                "chosen": chosen_value,
                "rejected": rejected_value,
                **files,
                "metadata": self._metadata(record, question_id, choice, chosen_id, rejected_id),
            }

    def _preferences(self, record: JudgmentRecord) -> Iterator[tuple[str, str, str, int, int]]:
        """(row id, question, chosen label, chosen id, rejected id) for each stated preference:
        pairwise "A"/"B", and every better/worse pair of a ranking or a rating."""
        for pair in preference_pairs(record, self.question_kinds, self.skipped):
            yield pair.row_id, pair.question, pair.chosen_label, pair.chosen, pair.rejected

    def _metadata(
        self, record: JudgmentRecord, question_id: str, choice: str, chosen_id: int, rejected: int
    ) -> dict[str, Any]:
        return {
            "annotator_id": record.annotator_pseudonym,
            "judgment_id": record.judgment_id,
            "item_id": record.item_external_id,
            "question": question_id,
            "chosen_label": choice,
            "shown_order": record.shown_order,
            "simulated": record.simulated,
            "source_models": {
                "chosen": record.candidates[chosen_id][1],
                "rejected": record.candidates[rejected][1],
            },
            "time_spent_ms": record.time_spent_ms,
            "campaign_version": record.campaign_version,
            "created_at": record.created_at,
        } | (
            ({"profile": record.profile} if record.profile is not None else {})
            | (record.standing.metadata() if record.standing is not None else {})
        )

    def _profile_json(self, record: JudgmentRecord) -> str:
        """The ``"profile": …, `` member of lines()' metadata, or nothing."""
        if record.profile is None:
            return ""
        key = ("profile", record.annotator_pseudonym)
        found = self._encoded.get(key)
        if found is None:
            found = PROFILE % dumps(record.profile)
            self._remember(key, found)
        return found

    def _prompt_json(self, record: JudgmentRecord) -> str:
        found = self._encoded.get(record.item_external_id)
        if found is None:
            found = dumps(prompt_value(record.context, conversational=self.conversational))
            self._remember(record.item_external_id, found)
        return found

    def _completion_json(self, record: JudgmentRecord, candidate_id: int) -> str:
        found = self._encoded.get(candidate_id)
        if found is None:
            content = record.candidates[candidate_id][0]
            found = dumps(completion_value(content, conversational=self.conversational))
            self._remember(candidate_id, found)
        return found

    def _remember(self, key: str | int | tuple[str, str], encoded: str) -> None:
        # Item external ids are strings, candidate ids integers: one dict holds both.
        if self._encoded_chars + len(encoded) > ENCODED_CACHE_CHARS:
            self._encoded.clear()
            self._encoded_chars = 0
        self._encoded[key] = encoded
        self._encoded_chars += len(encoded)


def _parts(
    content: list[dict[str, Any]], media: MediaFiles, files: dict[str, list[str]]
) -> list[dict[str, Any]]:
    """Content as TRL's parts; each media file is listed in its column as it appears."""
    parts: list[dict[str, Any]] = []
    for part in content:
        kind = part.get("type")
        if kind == "text":
            parts.append({"type": "text", "text": part["text"]})
        elif kind in COLUMNS:
            files[COLUMNS[kind]].append(media.path(part["sha256"]))
            parts.append({"type": kind})
    return parts


def prompt_value(context: list[dict[str, Any]], *, conversational: bool) -> Any:
    """TRL's ``prompt``: the turns as ``{role, content}`` messages, or one string."""
    if conversational:
        return [{"role": m["role"], "content": plain_text(m["content"])} for m in context]
    return standard_prompt(context)


def standard_prompt(context: list[dict[str, Any]]) -> str:
    """The standard (plain-string) form's prompt, the one rule every format follows: the
    prompt ends with what separates it from the completion (a blank line after a lone user
    turn; a space after the closing ``Assistant:`` of a transcript of several turns), so
    ``prompt + completion`` is the whole text, as TRL's trainers join them and as ``reward``'s
    implicit-prompt strings are written. Media parts are left out."""
    if len(context) == 1 and context[0]["role"] == "user":
        return plain_text(context[0]["content"]) + STANDARD_SEPARATOR
    turns = [f"{ROLE_NAMES[m['role']]}: {plain_text(m['content'])}" for m in context]
    return STANDARD_SEPARATOR.join([*turns, "Assistant:"]) + " "


def completion_value(content: list[dict[str, Any]], *, conversational: bool) -> Any:
    """TRL's ``chosen`` / ``rejected`` / ``completion``: one assistant message, or a string."""
    text = plain_text(content)
    if conversational:
        return [{"role": "assistant", "content": text}]
    return text
