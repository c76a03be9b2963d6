"""``image_pairs`` and ``audio_pairs``: preferences between media *candidates* (two generated
images, two spoken renderings) in the shape their trainers read, and the rule that keeps media
candidates out of TRL's vision form.

``image_pairs`` is the Pick-a-Pic v2 shape the diffusers Diffusion-DPO example
(``examples/research_projects/diffusion_dpo/train_diffusion_dpo.py``) reads: ``caption``,
``jpg_0``, ``jpg_1``, ``label_0`` (1.0: image 0 preferred, 0.0: image 1, 0.5: a tie) and
``label_1 = 1 - label_0``. ``audio_pairs`` is the same for speech and sound: ``text``,
``audio_0``, ``audio_1``, ``label_0``, ``label_1``. One writer makes both (``PairShape``).

* The prompt column holds what the model was asked for: the text of the last user message, as
  an image endpoint is sent it (``generation.images.image_prompt``).
* ``*_0`` is the candidate shown first (the lower label, A before B), ``*_1`` the other: the
  order annotators saw, as in Pick-a-Pic, so the label says which side won. Each holds the
  file's path under ``media/``, relative to the export folder (JSONL and Parquet alike: a
  column means one thing in both). The diffusers example opens bytes
  (``Image.open(io.BytesIO(row["jpg_0"]))``); reading them is one ``map`` (README, "Export
  formats").
* Rows: every (better, worse) pair of ``preference_pairs`` (a pairwise A/B, every pair of a
  ranking's tiers or of different rating means), and a tie row (``label_0`` 0.5) for a pairwise
  "tie", two candidates in one ranking tier, or two candidates with equal rating means. With
  ``drop_ties`` the ties give no row (counted under ``skipped``). "both_bad" and "none
  acceptable" state no preference and give none. Note that the diffusers example does not
  filter ties: it trains a 0.5 row as if image 0 had won; drop them for it.
* A candidate must hold exactly one media file, of the format's kind; a pair with another
  candidate is skipped and counted (``not_one_image``): a campaign mixing image and audio items
  (the ``demo-multimodal`` demo) gives its image items to ``image_pairs``, its audio items to
  ``audio_pairs``.

Media candidates in TRL's vision form (``dpo``, ``kto``, ``reward``, ... : every format with
``media_columns``) would put ``{"type": "image"}`` in ``chosen`` / ``rejected`` while TRL
(``prepare_multimodal_messages``, 1.16) fills image placeholders of the prompt only:
``check_candidates`` refuses those exports, naming the format to use, and refuses
``image_pairs`` / ``audio_pairs`` for a campaign whose candidates hold no such media.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from typing import Any, ClassVar, Literal

from sqlalchemy import ColumnElement, exists, func, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, object_session

from prefhub.exports import registry
from prefhub.exports.exceptions import UnsupportedExport
from prefhub.exports.formats.catalog import _item
from prefhub.exports.formats.dpo import COLUMNS, MediaFiles
from prefhub.exports.formats.items import ItemWriter
from prefhub.exports.formats.preferences import (
    PREFERENCE_KINDS,
    Pair,
    label_of,
    preference_pairs,
    ranking_tiers,
    rating_means,
    tiers_by_score,
)
from prefhub.exports.judgment_record import JudgmentRecord
from prefhub.kit.content import plain_text
from prefhub.models import Campaign, CampaignMedia, Candidate, Item, MediaAsset

TIE = 0.5
# preference_pairs' names for the ties it gives no pair: pairwise "tie", two candidates in one
# ranking tier, two with equal rating means. Rows here, unless drop_ties.
TIE_COUNTS = ("tie", "tied_pairs", "equal_score_pairs")


class WrongFormatForCandidates(UnsupportedExport):
    """The format cannot carry the campaign's candidates: media candidates in TRL's vision
    form, or a media-pairs format without such candidates."""

    code = "wrong_format_for_candidates"


@dataclass(frozen=True)
class PairShape:
    """A media-pairs format's columns: the prompt's, and the two files'."""

    kind: str  # the media kind of the candidates: "image", "audio"
    prompt: str
    first: str
    second: str


IMAGE_PAIRS = PairShape("image", "caption", "jpg_0", "jpg_1")
AUDIO_PAIRS = PairShape("audio", "text", "audio_0", "audio_1")
SHAPES = {"image_pairs": IMAGE_PAIRS, "audio_pairs": AUDIO_PAIRS}


def prompt_text(context: list[dict[str, Any]]) -> str:
    """What the candidates were asked to show or say: the text of the last user message (what
    an image endpoint is sent); without one, the text of every message, a blank line apart."""
    for message in reversed(context):
        if message["role"] == "user":
            return plain_text(message["content"])
    return "\n\n".join(filter(None, (plain_text(m["content"]) for m in context)))


@dataclass
class MediaPairsWriter(ItemWriter):
    """One row per pair of media candidates an answer orders or ties (module docstring)."""

    shape: PairShape = IMAGE_PAIRS
    drop_ties: bool = False
    READS: ClassVar[tuple[str, ...]] = PREFERENCE_KINDS  # preference_pairs' and the ties'

    def rows(self, record: JudgmentRecord) -> Iterator[dict[str, Any]]:
        if self.media is None:  # a campaign without media (check_candidates refuses it)
            self.skipped[f"not_one_{self.shape.kind}"] += 1
            return
        stated: Counter[str] = Counter()
        pairs = list(preference_pairs(record, self.question_kinds, stated))
        for name, count in stated.items():
            if name not in TIE_COUNTS or self.drop_ties:
                self.skipped[name] += count
        ties = [] if self.drop_ties else list(self._ties(record))
        for pair, won in [(p, 1.0) for p in pairs] + [(p, TIE) for p in ties]:
            row = self._pair_row(record, pair, won, self.media)
            if row is None:
                self.skipped[f"not_one_{self.shape.kind}"] += 1
            else:
                yield row

    def _pair_row(
        self, record: JudgmentRecord, pair: Pair, won: float, media: MediaFiles
    ) -> dict[str, Any] | None:
        """The row of ``pair``, its candidates in shown order; ``won`` is 1.0 when
        ``pair.chosen`` was preferred, 0.5 for a tie. None unless both are one file of the
        format's kind."""
        first, second = sorted((pair.chosen, pair.rejected), key=record.shown_order.index)
        found = [self._sha256(record, first), self._sha256(record, second)]
        if found[0] is None or found[1] is None:
            return None
        files = [media.path(found[0]), media.path(found[1])]  # copied only when written
        label_0 = won if first == pair.chosen else 1.0 - won
        shape = self.shape
        columns = {
            shape.prompt: prompt_text(record.context),
            shape.first: files[0],
            shape.second: files[1],
            "label_0": label_0,
            "label_1": 1.0 - label_0,
        }
        metadata = {
            "candidate_labels": [label_of(record, first), label_of(record, second)],
            "source_models": [self._model(record, first), self._model(record, second)],
            "margin": pair.margin,
            "prompt_media": self._prompt_media(record, media),
        }
        # No images / audios / videos columns: the files are the format's own columns.
        return self._row(record, pair.row_id, pair.question, {}, columns, metadata)

    def _sha256(self, record: JudgmentRecord, candidate_id: int) -> str | None:
        """The candidate's one media file, if it is one of the format's kind."""
        found = [p for p in record.candidates[candidate_id][0] if p.get("type") in COLUMNS]
        if len(found) != 1 or found[0]["type"] != self.shape.kind:
            return None
        sha256: str = found[0]["sha256"]
        return sha256

    @staticmethod
    def _prompt_media(record: JudgmentRecord, media: MediaFiles) -> list[str]:
        """Media of the prompt (an image to edit, a voice to imitate), in order: not in the
        prompt column, which is text."""
        return [
            media.path(part["sha256"])
            for message in record.context
            for part in message["content"]
            if part.get("type") in COLUMNS
        ]

    def _ties(self, record: JudgmentRecord) -> Iterator[Pair]:
        """The ties preference_pairs gives no pair: a pairwise "tie", and every two candidates
        of one ranking tier or of equal rating means, in shown order."""
        for question_id, kind, answer in self._answers(record, *self.reads):
            if kind == "pairwise":
                if answer.get("choice") == "tie":
                    a, b = record.shown_order[:2]
                    yield Pair(question_id, f"j{record.judgment_id}.{question_id}", "", a, b, None)
                continue
            if kind == "ranking":
                tiers = ranking_tiers(record, answer)
            else:
                tiers = tiers_by_score(rating_means(record, answer))
            for tier in tiers:
                shown = sorted(tier, key=record.shown_order.index)
                for a, b in combinations(shown, 2):
                    names = f"{label_of(record, a)}={label_of(record, b)}"
                    row_id = f"j{record.judgment_id}.{question_id}.{names}"
                    yield Pair(question_id, row_id, "", a, b, None)


# ------------------------------------------------------------------ which formats fit


def candidate_media_kinds(session: Session, campaign_id: int) -> set[str]:
    """The media kinds ("image", "audio", "video") some candidate of the campaign holds. The
    campaign's media assets say which kinds can occur (one small query; none for a text
    campaign); a query per such kind asks whether a candidate's content has a part of it."""
    present = session.scalars(
        select(MediaAsset.kind)
        .join(CampaignMedia, CampaignMedia.asset_id == MediaAsset.id)
        .where(CampaignMedia.campaign_id == campaign_id)
        .distinct()
    ).all()
    found = set()
    for kind in sorted({str(k) for k in present}):
        held = exists().where(
            Item.campaign_id == campaign_id,
            Candidate.item_id == Item.id,
            _has_part(session, kind),
        )
        if session.scalar(select(held)):
            found.add(kind)
    return found


def _has_part(session: Session, kind: str) -> ColumnElement[bool]:
    """Whether ``Candidate.content`` (a list of parts) has a part of type ``kind``."""
    if session.get_bind().dialect.name == "postgresql":
        return Candidate.content.op("@>")(type_coerce([{"type": kind}], JSONB))
    parts = func.json_each(Candidate.content).table_valued("value")
    return exists(
        select(1).select_from(parts).where(func.json_extract(parts.c.value, "$.type") == kind)
    )


def candidate_media(entry: registry.ExportFormat) -> Literal["none", "image", "audio", "any"]:
    """The candidates a format's rows can carry: "none" (text; the TRL vision-form formats,
    ``media_columns``, take media in the prompt only), "image" / "audio" (``image_pairs``,
    ``audio_pairs``: one such file per candidate), "any" (judgments, annotators)."""
    shape = SHAPES.get(entry.name)
    if shape is not None:
        return "image" if shape.kind == "image" else "audio"
    return "none" if entry.media_columns else "any"


def check_candidates(campaign: Campaign, format_name: str) -> None:
    """Refuse an item-campaign export whose format cannot carry its candidates: media
    candidates in a TRL vision-form format (``media_columns``), or ``image_pairs`` /
    ``audio_pairs`` without candidates of their kind. The message names what to export."""
    shape = SHAPES.get(format_name)
    if candidate_media(registry.get(format_name)) == "any":
        return  # judgments, annotators: every answer as given, whatever the candidates
    session = object_session(campaign)
    assert session is not None, "check_candidates needs the campaign's session"
    kinds = candidate_media_kinds(session, campaign.id)
    fits = [name for name, s in SHAPES.items() if s.kind in kinds]
    if shape is not None:
        if shape.kind not in kinds:
            if not kinds:
                held, use = "hold no media", "dpo (or another TRL format)"
            else:
                held, use = f"are {_kinds(kinds)}", " or ".join([*fits, "judgments"])
            raise WrongFormatForCandidates(
                f"'{format_name}' exports candidates that are {shape.kind} files; the "
                f"candidates of '{campaign.slug}' {held}: export {use}"
            )
        return
    if kinds:
        use = (
            f"{' and '.join(fits)} (or judgments, every answer as given)"
            if fits
            else ("judgments, every answer as given (no format trains on video pairs yet)")
        )
        raise WrongFormatForCandidates(
            f"the candidates of '{campaign.slug}' are {_kinds(kinds)}: TRL's vision form "
            f"carries media in the prompt only, so '{format_name}' rows would not load in its "
            f"trainers; export {use}"
        )


def _kinds(kinds: set[str]) -> str:
    names = {"image": "images", "audio": "audio", "video": "videos"}
    return " and ".join(name for kind, name in names.items() if kind in kinds)


# ------------------------------------------------------------------ the registry entries

PAIR_OPTIONS = ("min_agreement", "include_profiles", "drop_ties")
LABEL_COLUMNS = (
    registry.Column(
        "label_0",
        "float",
        "1.0 when the first file was preferred, 0.0 when the second was, 0.5 for a tie "
        "(no ties with drop_ties)",
    ),
    registry.Column("label_1", "float", "1 - label_0"),
)
PAIR_GRAIN = (
    "one row per pair of {kind} candidates an answer orders (a pairwise choice, a ranked or a "
    "rated pair) or ties, the first as shown first"
)

registry.register(
    registry.ExportFormat(
        name="image_pairs",
        title="Image pairs (text-to-image preference, Pick-a-Pic shape)",
        description="Two generated images per row with the caption and which was preferred, "
        "for Diffusion-DPO.",
        writers={"item": _item(MediaPairsWriter, {"shape": IMAGE_PAIRS}, drop_ties="drop_ties")},
        columns=(
            registry.Column("caption", "text", "what the images were asked to show (the prompt)"),
            registry.Column(
                "jpg_0",
                "text",
                "the image shown first: its path under `media/`, relative to the export folder "
                "(the diffusers example reads the file's bytes)",
            ),
            registry.Column("jpg_1", "text", "the other image's path, likewise"),
            *LABEL_COLUMNS,
        ),
        row_grain=PAIR_GRAIN.format(kind="image"),
        trainer="the diffusers Diffusion-DPO example (`train_diffusion_dpo.py`: the Pick-a-Pic "
        "v2 columns, once the paths are read into bytes) and other Pick-a-Pic readers",
        trainer_library=None,
        options=PAIR_OPTIONS,
        tags=("text-to-image", "diffusion-dpo", "pick-a-pic"),
        task_category="text-to-image",
    )
)
registry.register(
    registry.ExportFormat(
        name="audio_pairs",
        title="Audio pairs (speech / audio preference)",
        description="Two generated audio clips per row with their text and which was "
        "preferred, for TTS and text-to-audio preference training.",
        writers={"item": _item(MediaPairsWriter, {"shape": AUDIO_PAIRS}, drop_ties="drop_ties")},
        columns=(
            registry.Column("text", "text", "what the audio was asked to say or sound like"),
            registry.Column(
                "audio_0",
                "text",
                "the clip played first: its path under `media/`, relative to the export folder",
            ),
            registry.Column("audio_1", "text", "the other clip's path, likewise"),
            *LABEL_COLUMNS,
        ),
        row_grain=PAIR_GRAIN.format(kind="audio"),
        trainer="text-to-speech and text-to-audio preference training (the image_pairs "
        "columns with audio; no standard trainer reads audio pairs yet: `label_0` says which "
        "clip is chosen, as in Diffusion-DPO's data loading)",
        trainer_library=None,
        options=PAIR_OPTIONS,
        tags=("text-to-speech", "text-to-audio", "audio-preference"),
        task_category="text-to-speech",
    )
)
