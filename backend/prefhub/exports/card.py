"""The README.md of an export folder: a Hugging Face dataset card, built from the manifest alone.

The same manifest gives the same text (no clock, no database). Researcher-written text (names,
prompts, guidelines, filter values) is flattened to one line in lists and table cells and quoted
line by line, so it cannot break the card's structure; the YAML header is ``yaml.safe_dump``'s.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import yaml

GUIDELINES_EXCERPT_CHARS = 1500
# Hugging Face's size_categories ids: the i-th is for fewer than 1000 * 10**i rows.
SIZE_CATEGORIES = ("n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M", "10M<n<100M")
FORMAT_TAGS = {
    "dpo": "rlhf trl",
    "reward": "reward-modeling rlhf trl",
    "kto": "rlhf trl",
    "ranking": "rlhf",
    "feedback": "critique",
    "trees": "conversation-trees",
}
TRAINERS = {
    "dpo": "`DPOTrainer` (preference, explicit prompt; `RewardTrainer` accepts it too)",
    "reward": "`RewardTrainer` (preference, implicit prompt)",
    "kto": "`KTOTrainer` (unpaired preference)",
}
ROW_GRAIN = {
    "dpo": "one row per stated preference: a pairwise choice, a ranked or a rated pair",
    "reward": "one row per stated preference: a pairwise choice, a ranked or a rated pair",
    "kto": "one row per reply judged desirable or undesirable",
    "ranking": "one row per ranking (or rating) answer, replies best first",
    "ratings": "one row per (rating answer, reply)",
    "feedback": "one row per (judgment, reply) that a text question wrote about",
    "judgments": "one row per (judgment, question), every revision, answers as submitted",
    "annotators": "one row per annotator, keyed by the pseudonymous `annotator_id`",
    "trees": "one conversation tree per line",
}
# Tree campaigns' dpo, ranking and kto rows come from rankings of sibling replies.
TREE_ROW_GRAIN = {
    "dpo": "one row per pair of sibling replies an annotator's ranking put in different tiers",
    "ranking": "one row per set of two or more ranked sibling replies, by consensus rank",
    "kto": "one row per consensus-best (true) or consensus-worst (false) reply of a sibling set",
    "judgments": "one row per review and per ranking, as submitted, hidden messages included",
}
TREE_JUDGMENT_COLUMNS = (
    "kind: review or ranking\ntree_id: the tree\nmessage_id: the message reviewed, or the "
    "parent whose replies were ranked\nanswer: {{acceptable, labels}} or {{ranking: tiers of "
    "message ids, best first}}\nshown_order: the sibling order shown (rankings)\n"
    "annotator_id: pseudonymous annotator\ntime_spent_ms: time on the task\n"
    "created_at: when it was submitted"
)
TREE_COUNTS = (
    "prompter_messages: prompts written\nassistant_messages: replies written\n"
    "trees_reviewed: trees reviewed\nrankings: rankings made"
)
# Columns per format, "name: content"; {prompt} and {reply} depend on the conversational form.
COLUMNS = {
    "dpo": "prompt: {prompt}\nchosen: the preferred reply, {reply}\n"
    "rejected: the other reply, {reply}",
    "reward": "chosen: the prompt turns, then the preferred reply\n"
    "rejected: the prompt turns, then the other reply\n"
    "margin: float, how much better `chosen` is; absent when the answer gives no magnitude",
    "kto": "prompt: {prompt}\ncompletion: the reply, {reply}\n"
    "label: bool, true for a desirable reply and false for an undesirable one",
    "ranking": "prompt: {prompt}\ncompletions: the replies, best first, each {reply}\n"
    "ranks: dense ranks of `completions`, 0 = best, tied replies share one\n"
    "scores: rating means, best first; absent for ranking answers",
    "ratings": "prompt: {prompt}\nresponse: the rated reply, {reply}",
    "feedback": "prompt: {prompt}\nresponse: the reply written about, {reply}\n"
    "critique: critiques and rationales of it, joined by a blank line; null if none\n"
    "refinement: the improved reply an annotator wrote; null if none",
    "judgments": "judgment_id: the judgment\nitem_id: the item\nquestion: the question id\n"
    "kind: the question kind\nanswer: the answer as submitted, replies named by shown label\n"
    "shown_order: candidate ids in the order shown\nshown: label to candidate id and model\n"
    "annotator_id: pseudonymous annotator\ntime_spent_ms: time on the task\n"
    "created_at: when it was submitted\ncampaign_version: the spec version judged\n"
    "revision: 0, or how many times it was revised\nsupersedes: the revision it replaces\n"
    "current: whether it is the newest revision",
    "annotators": "annotator_id: the pseudonym the other formats use\n{counts}\n"
    "median_time_ms: median time per task\nfirst_at: first contribution\n"
    "last_at: last contribution\npairs_compared: pairs where the other annotators had a "
    "plurality\nreliability: share of those pairs where this annotator sided with it{profile}",
    "trees": "tree_id: the tree\nstate: the tree's state\nlang: language\nprompt: the root "
    "message, replies nested in `replies` (OpenAssistant Conversations field names)",
}
AGGREGATIONS = {
    "none": "every judgment gives its own rows, so annotators' disagreement is kept as data",
    "majority": "one consensus per item: a pair of replies is a preference when one side has a "
    "strict plurality of its annotators' votes, otherwise a tie",
    "ranked_pairs": "one consensus per item: Tideman's ranked-pairs order over its annotators' "
    "votes (a cycle is broken at its weakest majority)",
    "bradley_terry": "one consensus per item: a Bradley-Terry score per reply (log-odds of "
    "winning; ties count half), the score difference as the margin",
}


def dataset_card(manifest: dict[str, Any]) -> str:
    """The text of README.md for the export ``manifest`` describes."""
    sections = [
        _front_matter(manifest),
        _summary(manifest),
        _structure(manifest),
        _annotation_process(manifest),
        _annotators(manifest),
        _personal_information(manifest),
        _reproducibility(manifest),
    ]
    return "\n\n".join(sections) + "\n"


def size_category(rows: int) -> str:
    """Hugging Face's size bucket for a dataset of ``rows`` rows."""
    for power, name in enumerate(SIZE_CATEGORIES):
        if rows < 1000 * 10**power:
            return name
    return "100M<n<1B" if rows < 10**9 else "n>1B"


def _front_matter(manifest: dict[str, Any]) -> str:
    fmt, files = manifest["format"], manifest["data_files"]
    creators = ["crowdsourced" if _crowd(manifest) else "expert-generated"]
    header = {
        "pretty_name": _one_line(manifest["campaign"]["name"]),
        "license": "other",
        "task_categories": ["text-classification" if fmt == "ratings" else "text-generation"],
        "tags": [fmt, *FORMAT_TAGS.get(fmt, "").split(), "human-feedback", "prefhub"],
        "annotations_creators": creators,
        # Annotators write a tree campaign's messages, beside models; items are imported.
        "language_creators": [*creators, "machine-generated"]
        if _spec(manifest).get("trees")
        else ["machine-generated", "other"],
        "size_categories": [size_category(manifest["counts"]["rows"])],
        "configs": [
            {
                "config_name": "default",
                "data_files": [{"split": "train", "path": files[0] if len(files) == 1 else files}],
            }
        ],
    }
    return f"---\n{yaml.safe_dump(header, sort_keys=False, allow_unicode=True)}---"


def _summary(manifest: dict[str, Any]) -> str:
    fmt, counts, campaign = manifest["format"], manifest["counts"], manifest["campaign"]
    made_of = " and ".join(f"{counts[k]:,} {k}" for k in ("judgments", "trees") if k in counts)
    made_of += f" by {counts['annotators']:,} annotators" if "annotators" in counts else ""
    trainer = TRAINERS.get(fmt)
    files, media = manifest["data_files"], manifest.get("media_files")
    reader = "parquet" if files[0].endswith(".parquet") else "json"
    paths = json.dumps(files[0] if len(files) == 1 else files, ensure_ascii=False)
    summary = (
        f"Human feedback collected with prefhub in the campaign `{_code(campaign['slug'])}` "
        f"(version {campaign['version']}), exported in the **{fmt}** format: "
        f"{counts['rows']:,} rows{' from ' + made_of if made_of else ''}; "
        f"{row_grain(manifest)}. "
    )
    summary += (
        f"The rows fit TRL's {trainer}."
        if trainer
        else "No TRL trainer reads this format as it is: it is for analysis or your own conversion."
    )
    return _paragraphs(
        f"# {_cell(campaign['name'])}",
        summary,
        "Load it from the export folder with 🤗 Datasets:",
        f"```python\nfrom datasets import load_dataset\n\n"
        f'dataset = load_dataset("{reader}", data_files={paths}, split="train")\n```',
        f"The {media:,} files under `media/` are the images, audio and video the rows refer "
        "to, by paths relative to the export folder."
        if media
        else "",
    )


def row_grain(manifest: dict[str, Any]) -> str:
    fmt = manifest["format"]
    if _spec(manifest).get("trees") and fmt in TREE_ROW_GRAIN:
        return TREE_ROW_GRAIN[fmt]
    return ROW_GRAIN.get(fmt, f"rows of the {fmt} format")


def _structure(manifest: dict[str, Any]) -> str:
    grain = row_grain(manifest)
    columns = columns_of(manifest)
    table = _table(["column", "content"], ([f"`{n}`", c] for n, c in columns)) if columns else ""
    return _section("Dataset structure", f"{grain[0].upper()}{grain[1:]}.", table)


def columns_of(manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """(column, what it holds) for the rows of the manifest's format; [] when not fixed."""
    fmt = manifest["format"]
    if fmt not in COLUMNS:
        return []
    options = manifest["options"]
    if options.get("conversational", True):
        prompt, reply = "a list of `{role, content}` messages", "a list of one assistant message"
    else:
        prompt, reply = "one string (a transcript when it has several turns)", "a string"
    tree = bool(_spec(manifest).get("trees"))
    template = TREE_JUDGMENT_COLUMNS if tree and fmt == "judgments" else COLUMNS[fmt]
    text = template.format(
        prompt=f"the conversation up to the reply, {prompt}",
        reply=reply,
        counts=TREE_COUNTS if tree else "judgments: judgments made",
        profile="\nprofile: the profile answers" if options.get("include_profiles") else "",
    )
    columns = [tuple(line.split(": ", 1)) for line in text.splitlines()]
    if fmt == "ratings":
        columns += _rating_columns(_spec(manifest))
    if manifest.get("media_files") and not tree and fmt not in ("judgments", "annotators"):
        columns += [
            (f"{kind}s", f"the {kind} files under `media/`, in order of appearance")
            for kind in ("image", "audio", "video")
        ]
    provenance = "provenance: pseudonymous annotator id, item or tree, question, source models"
    return [("id", "row id"), ("campaign", "campaign slug"), *columns, ("metadata", provenance)]


def _rating_columns(spec: dict[str, Any]) -> list[tuple[str, str]]:
    columns: dict[str, str] = {}
    for question in spec.get("questions", []):
        for attribute in question.get("attributes", []) if question["kind"] == "rating" else []:
            scale = attribute.get("scale") or {}
            columns[attribute["id"]] = (
                f"integer score for {_cell(attribute.get('label', attribute['id']))} "
                f"({scale.get('min', 0)} to {scale.get('max', 4)}); null if not scored"
            )
    return list(columns.items())


GOLD = {
    False: "Gold (attention-check) items, if the campaign has any, are left out.",
    True: "Gold (attention-check) items are included.",
}


def _annotation_process(manifest: dict[str, Any]) -> str:
    spec = _spec(manifest)
    asked = spec.get("questions", [])
    questions = _table(
        ["question", "kind", "prompt"],
        ([f"`{_code(q['id'])}`", _cell(q["kind"]), _cell(q["prompt"])] for q in asked),
    )
    chosen = manifest.get("filters") or {}
    filters = {
        k: v
        for k, v in chosen.items()
        if k != "include_gold" and v is not None and v is not False and v not in ([], {})
    }
    gold = GOLD.get(chosen.get("include_gold"), "")  # item campaigns only
    applied = "\n".join(f"- `{_code(k)}`: {_cell(_filter_value(v))}" for k, v in filters.items())
    guidelines = (spec.get("guidelines") or "").strip()
    return _section(
        "Annotation process",
        "The questions asked on each task:\n\n" + questions if asked else "",
        _method(manifest),
        f"Filters applied:\n\n{applied}" if filters else "No filters were applied.",
        gold,
        "The annotators' guidelines (an excerpt; all of them are in manifest.json, at "
        f"`campaign.spec.guidelines`):\n\n{_quoted(_excerpt(guidelines))}"
        if guidelines
        else "",
    )


def _method(manifest: dict[str, Any]) -> str:
    """How many annotators judged each item, and how their judgments became rows."""
    spec, aggregation = _spec(manifest), manifest.get("aggregation", "none")
    trees = spec.get("trees")
    if not trees:
        return (
            f"Each item was assigned to K = {spec.get('redundancy', '?')} annotators. Aggregation "
            f"**{_code(aggregation)}**: {AGGREGATIONS.get(aggregation, 'see manifest.json')}."
        )
    consensus = trees.get("consensus", "ranked_pairs")
    return (
        "Annotators (and models) grew conversation trees; each reply needed "
        f"{trees.get('reviews_needed_reply', '?')} reviews and each set of sibling replies "
        f"{trees.get('rankings_needed', '?')} rankings. `dpo` rows keep each annotator's own "
        f"ranking; `ranking` and `kto` rows use the **{_code(consensus)}** consensus of them."
    )


def _filter_value(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{key} in {_filter_value(v)}" for key, v in value.items())
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _excerpt(text: str) -> str:
    if len(text) <= GUIDELINES_EXCERPT_CHARS:
        return text
    return text[:GUIDELINES_EXCERPT_CHARS].rsplit(None, 1)[0] + " …"


def _quoted(text: str) -> str:
    return "\n".join(f"> {_escape_html(line)}".rstrip() for line in text.splitlines())


def _annotators(manifest: dict[str, Any]) -> str:
    counts, per_item = manifest["counts"], manifest.get("annotators_per_item")
    demographics = manifest.get("demographics") or {}
    who = [
        f"{counts['annotators']:,} annotators contributed to these rows."
        if "annotators" in counts
        else "",
        "They came through a crowd platform (the campaign's crowd entry link)."
        if _crowd(manifest)
        else "They were accounts on the prefhub instance; no crowd platform was used.",
        "An `annotator_id` is a pseudonym, a keyed hash of the account, stable across exports "
        "made with the same salt; no e-mail address, name or crowd-platform id appears.",
        "Each row's metadata includes its annotator's profile answers."
        if manifest["options"].get("include_profiles")
        else "Profile answers are not in the rows; only the summary below describes them.",
    ]
    histogram = sorted((per_item or {}).get("histogram", {}).items(), key=lambda kv: int(kv[0]))
    return _section(
        "Who the annotators are",
        " ".join(filter(None, who)),
        f"Annotators per item, over {per_item['items']:,} items: min {per_item['min']}, median "
        f"{per_item['median']}, max {per_item['max']}.\n\n"
        + _table(["annotators", "items"], histogram)
        if per_item
        else "",
        "### Profile survey\n\nCounts given as `<5` are suppressed small cells: fewer than five "
        "annotators gave that answer, and the exact number is withheld."
        if demographics
        else "",
        *(_survey_answers(qid, summary) for qid, summary in demographics.items()),
    )


def _survey_answers(question_id: str, summary: dict[str, Any]) -> str:
    kind = summary["kind"]
    heading = f"**{_cell(summary.get('prompt', question_id))}** ({_cell(kind)}, "
    heading += f"{summary.get('answered', 0)} answered)"
    if "counts" in summary:
        rows = ([_cell(answer), count] for answer, count in summary["counts"].items())
        note = " An annotator may give several answers." if kind == "multiple_choice" else ""
        return f"{heading}{note}\n\n{_table(['answer', 'annotators'], rows)}"
    if kind == "number" and "median" in summary:
        stats = [summary.get(key, "") for key in ("min", "median", "max")]
        return f"{heading}\n\n{_table(['min', 'median', 'max'], [stats])}"
    if kind == "number":
        return f"{heading}: statistics withheld, fewer than five answers."
    return f"{heading}: free text, not summarised here."


def _personal_information(manifest: dict[str, Any]) -> str:
    profiles = " and in each row's metadata" if manifest["options"].get("include_profiles") else ""
    consented = (_spec(manifest).get("participation") or {}).get("consent")
    return _section(
        "Personal and sensitive information",
        "The rows hold the prompts and replies as imported or generated, and what annotators "
        "answered, free text included; prefhub does not screen them for personal data. "
        f"Annotators appear only under pseudonyms, their profile answers only as the counts "
        f"above{profiles}."
        + (" They agreed to the campaign's consent text before any task." if consented else ""),
    )


def _reproducibility(manifest: dict[str, Any]) -> str:
    return _section(
        "Reproducibility",
        f"Exported by prefhub {manifest['prefhub_version']} from version "
        f"{manifest['campaign']['version']} of the campaign. `manifest.json` holds the export "
        "options, the campaign spec, the counts and the sha256 of every file; exporting the "
        "same database again with the same options gives identical files.",
    )


def _spec(manifest: dict[str, Any]) -> dict[str, Any]:
    return manifest["campaign"].get("spec") or {}


def _crowd(manifest: dict[str, Any]) -> bool:
    """Whether annotators came through a crowd platform's entry link."""
    return bool((_spec(manifest).get("participation") or {}).get("crowd"))


def _section(title: str, *blocks: str) -> str:
    return _paragraphs(f"## {title}", *blocks)


def _paragraphs(*blocks: str) -> str:
    return "\n\n".join(block for block in blocks if block)


def _table(header: list[str], rows: Iterable[Iterable[Any]]) -> str:
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(map(str, line)) + " |" for line in lines)


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())


def _escape_html(text: str) -> str:
    # A stray "<!--" or "<details>" would swallow the rest of the card; "<5" is left alone.
    return re.sub(r"<(?=[A-Za-z!/?])", "&lt;", text)


def _cell(text: Any) -> str:
    """Researcher text for a table cell, list item or heading: one line, no pipes, no HTML."""
    return _escape_html(_one_line(text)).replace("|", "\\|")


def _code(text: Any) -> str:
    """Text for inline code: one line, no backtick to close the span early."""
    return _one_line(text).replace("`", "'")
