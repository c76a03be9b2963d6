"""The README.md of an export folder: a Hugging Face dataset card, built from the manifest alone.

The same manifest gives the same text (no clock, no database), but for one warning section when
the pseudonym key is the public development default (``pseudonyms.development_key_in_use``).
Researcher-written text (names, prompts, guidelines, filter values) is flattened to one line in
lists and table cells and quoted line by line, so it cannot break the card's structure; the YAML
header is ``yaml.safe_dump``'s.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import yaml

from prefhub.exports import registry
from prefhub.exports.pseudonyms import DEVELOPMENT_KEY_WARNING, development_key_in_use
from prefhub.exports.standings import excluded_sentence

GUIDELINES_EXCERPT_CHARS = 1500
# Hugging Face's size_categories ids: the i-th is for fewer than 1000 * 10**i rows.
SIZE_CATEGORIES = ("n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M", "10M<n<100M")
# How a "messages" or "reply" column reads in each form (registry.Column.type).
FORMS = {
    True: {
        "messages": "a list of `{role, content}` messages",
        "reply": "a list of one assistant message",
    },
    False: {"messages": "one string (a transcript when it has several turns)", "reply": "a string"},
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
    notes = export_notes(manifest)
    sections = [
        _front_matter(manifest),
        _summary(manifest),
        _section("Notices", "\n".join(f"- {note}" for note in notes)) if notes else "",
        *(
            [_section("Warning: reversible pseudonyms", DEVELOPMENT_KEY_WARNING)]
            if development_key_in_use()
            else []
        ),
        _structure(manifest),
        _annotation_process(manifest),
        _annotators(manifest),
        _personal_information(manifest),
        _reproducibility(manifest),
    ]
    return "\n\n".join(filter(None, sections)) + "\n"


def export_notes(manifest: dict[str, Any]) -> list[str]:
    """What a reader must know before using the rows: simulated judgments, excluded
    annotators, no rows. The card lists them first; ``prefhub export`` prints them."""
    notes = []
    synthetic, counts = manifest.get("synthetic") or {}, manifest["counts"]
    simulated, policy = synthetic.get("judgments", 0), synthetic.get("policy", "none")
    trees = campaign_kind(manifest) == "conversation-tree"
    if policy == "only_simulated":
        notes.append(
            "Every judgment in this export is simulated: synthetic annotators of `prefhub "
            "simulate` made them, no person did. Use it to preview the formats, not as human "
            "feedback."
        )
    elif policy == "included" and simulated:
        notes.append(
            f"{simulated:,} of the {counts.get('judgments', 0):,} judgments are simulated "
            "(`prefhub simulate`; kept by include_simulated): `metadata.simulated` is true on "
            "their rows."
        )
    elif policy == "included" and synthetic.get("rows"):
        notes.append(
            f"{synthetic['rows']:,} rows involve simulated annotators (`prefhub simulate`; "
            "the trees they took part in are kept by include_simulated): `metadata.simulated` "
            "is true on them."
        )
    elif policy == "excluded" and synthetic.get("left_out") and trees:
        notes.append(
            f"{synthetic['left_out']:,} trees with simulated contributions (`prefhub simulate`) "
            "were left out, as the campaign has human ones (rerun with --include-simulated to "
            "keep them, marked)."
        )
    elif policy == "excluded" and synthetic.get("left_out"):
        notes.append(
            f"{synthetic['left_out']:,} simulated judgments (`prefhub simulate`) were left out, "
            "as the campaign has human ones; include_simulated keeps them."
        )
    if excluded := excluded_sentence(manifest):
        notes.append(_escape_html(excluded))  # the reasons are rules' and researchers' text
    if counts["rows"] == 0:
        notes.append(
            f"This export has no rows{_why_empty(manifest)}. 🤗 Datasets' `load_dataset` "
            "refuses a data file without rows: the card's load snippet makes the empty split "
            "with the export's columns instead."
        )
    return notes


def _why_empty(manifest: dict[str, Any]) -> str:
    counts = manifest["counts"]
    left_out = {name: n for name, n in counts.get("filtered_out_by", {}).items() if n}
    if "judgments_in_campaign" not in counts:
        if counts.get("trees"):
            return ""
        if left_out:
            return ": the filters left out every tree (" + _left_out_text(left_out) + ")"
        return ": no tree was in the states exported"
    if not counts["judgments_in_campaign"]:
        return ": the campaign has no judgments yet"
    if counts["judgments"] == 0 and left_out:
        return ": the filters left out every judgment (" + _left_out_text(left_out) + ")"
    return f": none of its {counts['judgments']:,} judgments gives a row of this format"


def _left_out_text(left_out: dict[str, int]) -> str:
    return ", ".join(f"`{_code(name)}` {n:,}" for name, n in left_out.items())


def size_category(rows: int) -> str:
    """Hugging Face's size bucket for a dataset of ``rows`` rows."""
    for power, name in enumerate(SIZE_CATEGORIES):
        if rows < 1000 * 10**power:
            return name
    return "100M<n<1B" if rows < 10**9 else "n>1B"


def _front_matter(manifest: dict[str, Any]) -> str:
    fmt, files = manifest["format"], manifest["data_files"]
    only_simulated = (manifest.get("synthetic") or {}).get("policy") == "only_simulated"
    creators = (
        [] if only_simulated else ["crowdsourced" if _crowd(manifest) else "expert-generated"]
    )
    human = [] if only_simulated else ["human-feedback"]
    if _has_simulated(manifest):
        creators.append("machine-generated")
        human.append("synthetic")
    header = {
        "pretty_name": _one_line(manifest["campaign"]["name"]),
        "license": "other",
        "task_categories": [_entry(manifest).task_category],
        "tags": [fmt, *_entry(manifest).tags, *human, "prefhub"],
        "annotations_creators": creators,
        # Annotators write a tree campaign's messages, beside models; items are imported.
        "language_creators": [*dict.fromkeys([*creators, "machine-generated"])]
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
    trainer = _entry(manifest).trainer_phrase
    files, media = manifest["data_files"], manifest.get("media_files")
    reader = "parquet" if files[0].endswith(".parquet") else "json"
    paths = json.dumps(files[0] if len(files) == 1 else files, ensure_ascii=False)
    summary = (
        f"{feedback_kind(manifest)} collected with prefhub in the campaign "
        f"`{_code(campaign['slug'])}` "
        f"(version {campaign['version']}), exported in the **{fmt}** format: "
        f"{counts['rows']:,} rows{' from ' + made_of if made_of else ''}; "
        f"{row_grain(manifest)}. "
    )
    summary += (
        f"The rows fit {trainer}."
        if trainer
        else "No TRL trainer reads this format as it is: it is for analysis or your own conversion."
    )
    return _paragraphs(
        f"# {_cell(campaign['name'])}",
        summary,
        "Load it from the export folder with 🤗 Datasets:",
        f"```python\nfrom datasets import load_dataset\n\n"
        f'dataset = load_dataset("{reader}", data_files={paths}, split="train")\n```'
        if counts["rows"]
        else _empty_dataset_snippet(manifest),
        f"The {media:,} files under `media/` are the images, audio and video the rows refer "
        "to, by paths relative to the export folder."
        if media
        else "",
    )


def _empty_dataset_snippet(manifest: dict[str, Any]) -> str:
    """The load snippet of an export without rows: 🤗 Datasets' ``load_dataset`` refuses every
    split without rows (datasets 5.2: an empty JSONL file, Parquet with its schema, or
    ``features=`` given), so the snippet builds the empty split with the export's columns, and
    code written for the rows runs on it unchanged."""
    columns = ", ".join(f'"{column.name}": []' for column in columns_of(manifest))
    return (
        "```python\nfrom datasets import Dataset\n\n"
        "# No rows, and load_dataset refuses a file without rows: the empty split, its columns.\n"
        f"dataset = Dataset.from_dict({{{columns}}})\n```"
    )


def feedback_kind(manifest: dict[str, Any]) -> str:
    """ "Human feedback", unless simulated annotators made some or all of the rows'
    judgments."""
    synthetic = manifest.get("synthetic") or {}
    if synthetic.get("policy") == "only_simulated":
        return "Simulated feedback (no person made it)"
    if synthetic.get("policy") == "included" and (
        synthetic.get("judgments") or synthetic.get("rows")
    ):
        return "Human and simulated feedback"
    return "Human feedback"


def _has_simulated(manifest: dict[str, Any]) -> bool:
    return feedback_kind(manifest) != "Human feedback"


def row_grain(manifest: dict[str, Any]) -> str:
    return _entry(manifest).grain(campaign_kind(manifest))


def campaign_kind(manifest: dict[str, Any]) -> registry.CampaignKind:
    return "conversation-tree" if _spec(manifest).get("trees") else "item"


def _entry(manifest: dict[str, Any]) -> registry.ExportFormat:
    return registry.get(manifest["format"])


def _structure(manifest: dict[str, Any]) -> str:
    grain = row_grain(manifest)
    columns = [(column.name, describe(column, manifest)) for column in columns_of(manifest)]
    table = _table(["column", "content"], ([f"`{n}`", c] for n, c in columns))
    return _section("Dataset structure", f"{grain[0].upper()}{grain[1:]}.", table)


def columns_of(manifest: dict[str, Any]) -> list[registry.Column]:
    """Every column of the rows of the manifest's export, in the order the card lists them."""
    entry, kind = _entry(manifest), campaign_kind(manifest)
    columns = entry.columns_for(kind, _spec(manifest), manifest["options"])
    if manifest.get("media_files") and kind == "item" and entry.media_columns:
        columns += registry.MEDIA_COLUMNS
    return [registry.ID_COLUMN, registry.CAMPAIGN_COLUMN, *columns, registry.METADATA_COLUMN]


def describe(column: registry.Column, manifest: dict[str, Any]) -> str:
    """What a column holds, in the export's conversational or standard form; researcher text
    (attribute labels) made safe for a table cell."""
    form = FORMS[bool(manifest["options"].get("conversational", True))].get(column.type)
    if form is None:
        return _cell(column.description)
    return f"{_cell(column.description)}, {'each ' if column.repeated else ''}{form}"


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
    included = chosen.get("include_gold")
    gold = GOLD[included] if isinstance(included, bool) else ""  # item campaigns only
    applied = "\n".join(f"- `{_code(k)}`: {_cell(_filter_value(v))}" for k, v in filters.items())
    guidelines = (spec.get("guidelines") or "").strip()
    counts = manifest["counts"]
    kept = (
        f"Of the campaign's {counts['judgments_in_campaign']:,} judgments, "
        f"{counts['judgments']:,} are in this export"
        + (
            f"; left out: {_left_out_text(counts['filtered_out_by'])} (a judgment several "
            "filters would leave out counts for the first)."
            if counts.get("filtered_out_by")
            else "."
        )
        if "judgments_in_campaign" in counts
        else ""
    )
    return _section(
        "Annotation process",
        "The questions asked on each task:\n\n" + questions if asked else "",
        _method(manifest),
        f"Filters applied:\n\n{applied}" if filters else "No filters were applied.",
        gold,
        kept,
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
        _sources(manifest),
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


SOURCES = {
    "invited": "accounts of the prefhub instance",
    "crowd": "crowd platform entry link",
    "simulated": "simulated (`prefhub simulate`, no person)",
}


def _sources(manifest: dict[str, Any]) -> str:
    """Where the annotators with rows came from, as counted; old manifests: the spec's."""
    sources = manifest["counts"].get("annotators_by_source")
    if sources is None:
        return (
            "They came through a crowd platform (the campaign's crowd entry link)."
            if _crowd(manifest)
            else "They were accounts on the prefhub instance; no crowd platform was used."
        )
    named = [f"{SOURCES[source]} {n:,}" for source, n in sources.items() if n]
    return f"By where they came from: {'; '.join(named)}." if named else ""


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
