"""The built-in export formats (``prefhub.exports.registry``), in the order the admin UI offers
them: a campaign kind's first format is its default."""

from __future__ import annotations

from typing import Any

from prefhub.exports.formats.aggregated import (
    AggregatedKtoWriter,
    AggregatedPairsWriter,
    AggregatedRankingWriter,
)
from prefhub.exports.formats.annotators import ITEM_COUNTS, TREE_COUNTS, AnnotatorsWriter
from prefhub.exports.formats.dpo import DpoWriter
from prefhub.exports.formats.items import (
    FeedbackWriter,
    ItemWriter,
    KtoWriter,
    RankingWriter,
    RatingsWriter,
    RewardWriter,
    margin_on_every_row,
    scores_on_every_row,
)
from prefhub.exports.formats.judgments import JudgmentsWriter
from prefhub.exports.formats.siblings import TreeDpoWriter, TreeKtoWriter, TreeRankingWriter
from prefhub.exports.formats.tree_judgments import TreeJudgmentsWriter
from prefhub.exports.formats.trees import TreesWriter
from prefhub.exports.registry import (
    CampaignKind,
    Column,
    ExportFormat,
    WriterFactory,
    WriterSetup,
    register,
)

PROMPT = Column("prompt", "messages", "the conversation up to the reply")
# Options of the formats that turn answers into training rows.
TRAINING_OPTIONS = ("conversational", "min_agreement", "include_profiles")
AGGREGATING_OPTIONS = (*TRAINING_OPTIONS, "aggregation", "drop_ties")


def _item(cls: type, fixed: dict[str, Any] | None = None, **from_options: str) -> WriterFactory:
    """A writer of one item judgment at a time: ``from_options`` maps its settings to the
    ExportOptions fields they take."""

    def make(setup: WriterSetup) -> Any:
        options = setup.options
        chosen = {name: getattr(options, option) for name, option in from_options.items()}
        writer = cls(
            setup.campaign_slug,
            setup.question_kinds,
            conversational=options.conversational,
            **chosen,
            **(fixed or {}),
        )
        if isinstance(writer, ItemWriter):
            writer.questions = setup.questions
        return writer

    return make


def _aggregated(cls: type, *, implicit_prompt: bool = False, **from_options: str) -> WriterFactory:
    """A writer of one consensus per item, by the options' aggregation method."""
    return _item(
        cls,
        {"implicit_prompt": implicit_prompt},
        method="aggregation",
        drop_ties="drop_ties",
        **from_options,
    )


def _siblings(cls: type) -> WriterFactory:
    return lambda setup: cls(setup.campaign_slug, setup.options.conversational)


def _rating_columns(
    declared: list[Column], spec: dict[str, Any], options: dict[str, Any], kind: CampaignKind
) -> list[Column]:
    """One integer column per attribute of the campaign's rating questions."""
    found: dict[str, Column] = {}
    for question in spec.get("questions", []):
        for attribute in question.get("attributes", []) if question["kind"] == "rating" else []:
            scale = attribute.get("scale") or {}
            found[attribute["id"]] = Column(
                attribute["id"],
                "integer",
                f"integer score for {attribute.get('label', attribute['id'])} "
                f"({scale.get('min', 0)} to {scale.get('max', 4)}); null if not scored",
            )
    return [*declared, *found.values()]


def _without(columns: list[Column], name: str) -> list[Column]:
    return [column for column in columns if column.name != name]


def _reward_columns(
    declared: list[Column], spec: dict[str, Any], options: dict[str, Any], kind: CampaignKind
) -> list[Column]:
    """``margin`` only when every row has it: the writers' rule, ``margin_on_every_row``."""
    questions = spec.get("questions", [])
    if margin_on_every_row(questions, options.get("aggregation") or "none"):
        return declared
    return _without(declared, "margin")


def _ranking_columns(
    declared: list[Column], spec: dict[str, Any], options: dict[str, Any], kind: CampaignKind
) -> list[Column]:
    """``scores`` only when every row has it: the writers' rule, ``scores_on_every_row``;
    conversation-tree rankings have none."""
    questions = spec.get("questions", [])
    if kind == "item" and scores_on_every_row(questions, options.get("aggregation") or "none"):
        return declared
    return _without(declared, "scores")


def _annotator_columns(
    declared: list[Column], spec: dict[str, Any], options: dict[str, Any], kind: CampaignKind
) -> list[Column]:
    """The count columns of the campaign's kind after ``annotator_id``, and profiles if
    exported."""
    counts = TREE_COUNT_COLUMNS if kind == "conversation-tree" else ITEM_COUNT_COLUMNS
    profile = [Column("profile", "json", "the profile answers")]
    return [
        declared[0],
        *counts,
        *declared[1:],
        *(profile if options.get("include_profiles") else []),
    ]


ITEM_COUNT_COLUMNS = [Column(ITEM_COUNTS[0], "integer", "judgments made")]
TREE_COUNT_COLUMNS = [
    Column(name, "integer", what)
    for name, what in zip(
        TREE_COUNTS,
        ("prompts written", "replies written", "trees reviewed", "rankings made"),
        strict=True,
    )
]
MESSAGE_FIELDS = (
    Column("message_id", "integer", "the message"),
    Column("parent_id", "integer", "the message it replies to; null for the prompt"),
    Column("role", "text", "prompter or assistant"),
    Column("content", "text", "the text (a list of parts when the export holds media)"),
    Column("lang", "text", "language"),
    Column("depth", "integer", "0 for the prompt, then one more per reply"),
    Column("author_id", "text", "pseudonymous author; null for a model's reply"),
    Column("synthetic", "boolean", "whether a model wrote it"),
    Column("model_name", "text", "the model that wrote it, if one did"),
    Column("review_state", "text", "the review outcome"),
    Column("review_count", "integer", "reviews it had"),
    Column("labels", "json", "review labels as {name: {value, count}}"),
    Column("rank", "integer", "rank among its siblings, 0 = best; null if unranked"),
    Column("replies", "json", "the replies to it, each a message like this one"),
)

register(
    ExportFormat(
        name="trees",
        title="Trees (whole conversation trees)",
        description="One conversation tree per line with every visible message, label and rank.",
        writers={
            "conversation-tree": lambda setup: TreesWriter(
                setup.campaign_slug, media=setup.tree_media()
            )
        },
        columns=(
            Column("tree_id", "integer", "the tree"),
            Column("state", "text", "the tree's state"),
            Column("lang", "text", "language"),
            Column(
                "prompt",
                "record",
                "the root message, replies nested in `replies` (OpenAssistant Conversations "
                "field names)",
                fields=MESSAGE_FIELDS,
            ),
        ),
        row_grain="one conversation tree per line",
        options=("include_profiles",),
        tags=("conversation-trees",),
    )
)
register(
    ExportFormat(
        name="dpo",
        title="DPO (chosen / rejected pairs)",
        description="Preference pairs with an explicit prompt, for TRL's DPOTrainer.",
        writers={"item": _item(DpoWriter), "conversation-tree": _siblings(TreeDpoWriter)},
        aggregated_writer=_aggregated(AggregatedPairsWriter),
        columns=(
            PROMPT,
            Column("chosen", "reply", "the preferred reply"),
            Column("rejected", "reply", "the other reply"),
        ),
        row_grain="one row per stated preference: a pairwise choice, a ranked or a rated pair",
        tree_row_grain="one row per pair of sibling replies an annotator's ranking put in "
        "different tiers",
        trainer="`DPOTrainer` (preference, explicit prompt; `RewardTrainer` accepts it too)",
        options=AGGREGATING_OPTIONS,
        tags=("rlhf", "trl"),
        media_columns=True,
        skipped_key="skipped_no_preference",
    )
)
register(
    ExportFormat(
        name="judgments",
        title="Raw judgments (every answer, never aggregated)",
        description="Every answer as submitted, every revision, for analysis.",
        writers={
            "item": _item(JudgmentsWriter),
            "conversation-tree": lambda setup: TreeJudgmentsWriter(setup.campaign_slug),
        },
        columns=(
            Column("judgment_id", "integer", "the judgment"),
            Column("item_id", "text", "the item"),
            Column("question", "text", "the question id"),
            Column("kind", "text", "the question kind"),
            Column("answer", "json", "the answer as submitted, replies named by shown label"),
            Column("shown_order", "integer", "candidate ids in the order shown", repeated=True),
            Column("shown", "json", "label to candidate id and model"),
            Column("annotator_id", "text", "pseudonymous annotator"),
            Column("time_spent_ms", "integer", "time on the task"),
            Column("created_at", "date_time", "when it was submitted"),
            Column("campaign_version", "integer", "the spec version judged"),
            Column("revision", "integer", "0, or how many times it was revised"),
            Column("supersedes", "integer", "the revision it replaces"),
            Column("current", "boolean", "whether it is the newest revision"),
        ),
        tree_columns=(
            Column("kind", "text", "review or ranking"),
            Column("tree_id", "integer", "the tree"),
            Column(
                "message_id",
                "integer",
                "the message reviewed, or the parent whose replies were ranked",
            ),
            Column(
                "answer",
                "json",
                "{acceptable, labels} or {ranking: tiers of message ids, best first}",
            ),
            Column("shown_order", "integer", "the sibling order shown (rankings)", repeated=True),
            Column("annotator_id", "text", "pseudonymous annotator"),
            Column("time_spent_ms", "integer", "time on the task"),
            Column("created_at", "date_time", "when it was submitted"),
        ),
        row_grain="one row per (judgment, question), every revision, answers as submitted",
        tree_row_grain="one row per review and per ranking, as submitted, hidden messages included",
        options=("min_agreement", "include_profiles"),
        skipped_key="skipped_no_preference",
        keeps_excluded=True,
    )
)
register(
    ExportFormat(
        name="kto",
        title="KTO (unpaired good / bad)",
        description="Replies labelled desirable or undesirable, for TRL's KTOTrainer.",
        writers={
            "item": _item(KtoWriter, from_preferences="kto_from_preferences"),
            "conversation-tree": _siblings(TreeKtoWriter),
        },
        aggregated_writer=_aggregated(AggregatedKtoWriter, from_preferences="kto_from_preferences"),
        columns=(
            PROMPT,
            Column("completion", "reply", "the reply"),
            Column(
                "label", "boolean", "true for a desirable reply and false for an undesirable one"
            ),
        ),
        row_grain="one row per reply judged desirable or undesirable",
        tree_row_grain="one row per consensus-best (true) or consensus-worst (false) reply of a "
        "sibling set",
        trainer="`KTOTrainer` (unpaired preference)",
        options=(*AGGREGATING_OPTIONS, "kto_from_preferences"),
        tags=("rlhf", "trl"),
        media_columns=True,
    )
)
register(
    ExportFormat(
        name="reward",
        title="Reward (implicit prompt, margin)",
        description="Preference pairs with the prompt folded in and a margin, for TRL's "
        "RewardTrainer.",
        writers={"item": _item(RewardWriter)},
        aggregated_writer=_aggregated(AggregatedPairsWriter, implicit_prompt=True),
        columns=(
            Column("chosen", "messages", "the prompt turns, then the preferred reply"),
            Column("rejected", "messages", "the prompt turns, then the other reply"),
            Column(
                "margin",
                "float",
                "how much better `chosen` is (strength, rank distance, difference of mean "
                "ratings, or the consensus's); on every row, or on none when a pairwise question "
                "does not ask strength (or by majority)",
            ),
        ),
        extra_columns=_reward_columns,
        row_grain="one row per stated preference: a pairwise choice, a ranked or a rated pair",
        trainer="`RewardTrainer` (preference, implicit prompt)",
        options=AGGREGATING_OPTIONS,
        tags=("reward-modeling", "rlhf", "trl"),
        media_columns=True,
    )
)
register(
    ExportFormat(
        name="ranking",
        title="Ranking (best first)",
        description="Replies best first with their ranks (and scores where known).",
        writers={
            "item": _item(RankingWriter, drop_ties="drop_ties"),
            "conversation-tree": _siblings(TreeRankingWriter),
        },
        aggregated_writer=_aggregated(AggregatedRankingWriter),
        columns=(
            PROMPT,
            Column("completions", "reply", "the replies, best first", repeated=True),
            Column(
                "ranks",
                "integer",
                "dense ranks of `completions`, 0 = best, tied replies share one",
                repeated=True,
            ),
            Column(
                "scores",
                "float",
                "rating means (Bradley-Terry scores when aggregated so), best first; null for "
                "ranking answers; present when the campaign has a rating question",
                True,
            ),
        ),
        extra_columns=_ranking_columns,
        row_grain="one row per ranking (or rating) answer, replies best first",
        tree_row_grain="one row per set of two or more ranked sibling replies, by consensus rank",
        options=AGGREGATING_OPTIONS,
        tags=("rlhf",),
        media_columns=True,
    )
)
register(
    ExportFormat(
        name="ratings",
        title="Ratings (a column per attribute)",
        description="Each rated reply with one integer column per rated attribute.",
        writers={"item": _item(RatingsWriter)},
        columns=(PROMPT, Column("response", "reply", "the rated reply")),
        extra_columns=_rating_columns,
        row_grain="one row per (rating answer, reply)",
        options=TRAINING_OPTIONS,
        task_category="text-classification",
        media_columns=True,
    )
)
register(
    ExportFormat(
        name="feedback",
        title="Feedback (critique, refinement)",
        description="What annotators wrote about a reply: critiques and refinements.",
        writers={"item": _item(FeedbackWriter)},
        columns=(
            PROMPT,
            Column("response", "reply", "the reply written about"),
            Column(
                "critique",
                "text",
                "critiques and rationales of it, joined by a blank line; null if none",
            ),
            Column("refinement", "text", "the improved reply an annotator wrote; null if none"),
        ),
        row_grain="one row per (judgment, reply) that a text question wrote about",
        options=TRAINING_OPTIONS,
        tags=("critique",),
        media_columns=True,
    )
)
register(
    ExportFormat(
        name="annotators",
        title="Annotators (one row per annotator)",
        description="Who the annotators are: counts, timing, reliability, and profiles on request.",
        writers={
            "item": lambda setup: AnnotatorsWriter(setup.campaign_slug, setup.question_kinds),
            "conversation-tree": lambda setup: AnnotatorsWriter(
                setup.campaign_slug, count_columns=TREE_COUNTS
            ),
        },
        columns=(
            Column("annotator_id", "text", "the pseudonym the other formats use"),
            Column("median_time_ms", "integer", "median time per task"),
            Column("first_at", "date_time", "first contribution"),
            Column("last_at", "date_time", "last contribution"),
            Column("pairs_compared", "integer", "pairs where the other annotators had a plurality"),
            Column(
                "reliability",
                "float",
                "share of those pairs where this annotator sided with it",
            ),
            Column("standing", "text", "quality standing in the campaign: ok, flagged or excluded"),
            Column("standing_source", "text", "who set it: rule, researcher or qualification"),
            Column("standing_reason", "text", "why it was set"),
        ),
        extra_columns=_annotator_columns,
        row_grain="one row per annotator, keyed by the pseudonymous `annotator_id`",
        options=("include_profiles",),
    )
)
