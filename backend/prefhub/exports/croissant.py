"""The croissant.json of an export folder: Croissant 1.0 JSON-LD with the Responsible-AI (RAI)
extension, built from the manifest alone.

The same manifest gives the same document: no clock (no ``datePublished``: exports are
byte-reproducible), no randomness. Columns and their descriptions come from the dataset card's
table, so README.md and croissant.json describe the same rows. Researcher-written text goes in
as plain JSON strings.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from prefhub.exports import registry
from prefhub.exports.card import AGGREGATIONS, columns_of, describe, row_grain

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
# The Croissant 1.0 context (the spec's Appendix 1, as mlcroissant writes it) with the RAI
# prefix: these terms are all "cr:<term>".
CROISSANT_TERMS = (
    "citeAs column equivalentProperty extract field fileObject fileProperty fileSet format "
    "includes isLiveDataset jsonPath key md5 parentField path recordSet references regex "
    "repeated replace samplingRate separator source subField transform"
)
CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "rai": "http://mlcommons.org/croissant/RAI/",
    "sc": "https://schema.org/",
    **{term: f"cr:{term}" for term in CROISSANT_TERMS.split()},
}
# mlcroissant's names for the two data file types.
DATA_ENCODINGS = {"jsonl": "application/jsonlines", "parquet": "application/x-parquet"}
# The extensions prefhub.media.sniff gives stored media, and their types.
MEDIA_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "m4a": "audio/mp4",
    "weba": "audio/webm",
    "mp4": "video/mp4",
    "webm": "video/webm",
}
# Croissant's data types for the registry's column types.
DATA_TYPES = {
    "text": "sc:Text",
    "integer": "sc:Integer",
    "float": "sc:Float",
    "boolean": "sc:Boolean",
    "date_time": "sc:DateTime",
    "json": "sc:Text",
}
# A message of a "messages" or "reply" column in the conversational form.
MESSAGE = (
    registry.Column("role", "text", "system, user or assistant"),
    registry.Column("content", "text", "the message's text"),
)
NESTED_NOTE = " (nested: JSON in a .jsonl file, lists and structs in a .parquet file)"


def croissant(manifest: dict[str, Any]) -> dict[str, Any]:
    """The Croissant document for the export ``manifest`` describes (``files[0]`` the data)."""
    campaign, fmt = manifest["campaign"], manifest["format"]
    data_file = manifest["files"][0]
    media = [f for f in manifest["files"] if f["name"].startswith("media/")]
    return {
        "@context": copy.deepcopy(CONTEXT),
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": f"{_safe_name(campaign['slug'])}-{fmt}",
        "description": _description(manifest),
        "version": f"{campaign['version']}.0.0",
        # Campaigns carry no license; "other" says the dataset card or the researcher decides.
        "license": "other",
        "keywords": ["human-feedback", "prefhub", fmt, *registry.get(fmt).tags],
        **_languages(manifest),
        "distribution": [_file_object(data_file), *_media_file_sets(media)],
        "recordSet": [_record_set(manifest, data_file["name"], len(media))],
        **_rai(manifest),
    }


def _safe_name(text: str) -> str:
    """``text`` in the characters Croissant names allow: letters, digits, ``-``, ``_``, ``.``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:200] or "prefhub"


def _description(manifest: dict[str, Any]) -> str:
    campaign, counts = manifest["campaign"], manifest["counts"]
    return (
        f'Human feedback collected with prefhub in the campaign "{campaign["name"]}" '
        f"({campaign['slug']}, version {campaign['version']}), exported in the "
        f"{manifest['format']} format: {counts['rows']} rows, {row_grain(manifest)}."
    )


def _languages(manifest: dict[str, Any]) -> dict[str, Any]:
    languages = (manifest.get("filters") or {}).get("languages")
    return {"inLanguage": sorted(languages)} if languages else {}


def _file_object(entry: dict[str, Any]) -> dict[str, Any]:
    name = entry["name"]
    return {
        "@type": "cr:FileObject",
        "@id": name,
        "name": name,
        "contentUrl": name,
        "contentSize": f"{entry['size']} B",
        "encodingFormat": DATA_ENCODINGS[name.rsplit(".", 1)[-1]],
        "sha256": entry["sha256"],
    }


def _media_file_sets(media: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One FileSet per file type under media/: a FileSet has one encodingFormat."""
    extensions = sorted({f["name"].rsplit(".", 1)[-1].lower() for f in media})
    return [
        {
            "@type": "cr:FileSet",
            "@id": f"media-{extension}",
            "name": f"media-{extension}",
            "description": "Media files the rows refer to by their path, named by sha256.",
            "encodingFormat": MEDIA_TYPES.get(extension, "application/octet-stream"),
            "includes": f"media/*.{extension}",
        }
        for extension in extensions
    ]


def _record_set(manifest: dict[str, Any], file_id: str, media_files: int) -> dict[str, Any]:
    fmt = manifest["format"]
    conversational = bool(manifest["options"].get("conversational", True))
    columns = columns_of(manifest | {"media_files": media_files})
    return {
        "@type": "cr:RecordSet",
        "@id": fmt,
        "name": fmt,
        "description": f"The rows of {file_id}: {row_grain(manifest)}.",
        "field": [
            _field(column, f"{fmt}/{column.name}", manifest, conversational, file_id, None)
            for column in columns
        ],
    }


def _field(
    column: registry.Column,
    field_id: str,
    manifest: dict[str, Any],
    conversational: bool,
    file_id: str,
    parent: str | None,
) -> dict[str, Any]:
    """A column (or, under ``parent``, one field of its objects) as a Croissant field: a
    list is ``repeated``, an object gives ``subField``s read by JSON path."""
    extract = {"column": parent or column.name}
    source: dict[str, Any] = {"fileObject": {"@id": file_id}, "extract": extract}
    if parent is not None:
        source["transform"] = {"jsonPath": column.name}
    fields = column.fields
    repeated = column.repeated
    if column.type in ("messages", "reply"):
        # Conversational: a list of {role, content} messages; standard: one string.
        fields = MESSAGE if conversational else ()
        repeated = repeated or conversational
    nested = bool(fields) or repeated or column.type == "json"
    found: dict[str, Any] = {
        "@type": "cr:Field",
        "@id": field_id,
        "name": column.name,
        "description": describe(column, manifest) + (NESTED_NOTE if nested else ""),
    }
    if fields:
        found["subField"] = [
            _field(sub, f"{field_id}/{sub.name}", manifest, conversational, file_id, column.name)
            for sub in fields
        ]
    else:
        found["dataType"] = DATA_TYPES.get(column.type, "sc:Text")
    if repeated:
        found["repeated"] = True
    found["source"] = source
    return found


def _rai(manifest: dict[str, Any]) -> dict[str, Any]:
    """The Responsible-AI properties prefhub knows from the manifest."""
    rai = {
        "rai:dataCollection": _collection(manifest),
        # The spec's recommended values closest to annotators judging (or writing) replies.
        "rai:dataCollectionType": ["Manual Human Curator"]
        + (["User-generated content data"] if _spec(manifest).get("trees") else [])
        + (["Self-reporting"] if manifest.get("demographics") else []),
        "rai:dataAnnotationProtocol": _protocol(manifest),
        "rai:dataAnnotationPlatform": f"prefhub {manifest['prefhub_version']}",
        "rai:dataAnnotationAnalysis": _aggregation(manifest),
        "rai:annotationsPerItem": _annotations_per_item(manifest),
        "rai:annotatorDemographics": [
            _demographic(qid, summary)
            for qid, summary in (manifest.get("demographics") or {}).items()
        ],
        "rai:personalSensitiveInformation": _personal_information(manifest),
        "rai:dataUseCases": _use_cases(manifest["format"]),
        "rai:dataBiases": (
            "Judgments reflect the annotators who took part (see rai:annotatorDemographics) and "
            "the prompts, models and questions the researcher chose."
        ),
    }
    return {key: value for key, value in rai.items() if value}


def _collection(manifest: dict[str, Any]) -> str:
    spec, counts = _spec(manifest), manifest["counts"]
    if spec.get("trees"):
        how = (
            "Annotators and models wrote conversation trees, which annotators reviewed and ranked."
        )
    else:
        how = (
            "Annotators judged model replies to imported prompts; each item was assigned to "
            f"K = {spec.get('redundancy', '?')} annotators."
        )
    who = (
        "They came through a crowd platform's entry link."
        if (spec.get("participation") or {}).get("crowd")
        else "They were invited accounts on the prefhub instance."
    )
    total = f" {counts['annotators']} annotators contributed." if "annotators" in counts else ""
    return f"{how} {who}{total}"


def _protocol(manifest: dict[str, Any]) -> str:
    # Prompts are quoted: they end in their own punctuation.
    asked = [
        f'{q["id"]} ({q["kind"]}) "{q["prompt"]}"' for q in _spec(manifest).get("questions", [])
    ]
    questions = "Questions asked on each task: " + "; ".join(asked) + ". " if asked else ""
    return questions + "The guidelines are in manifest.json at campaign.spec.guidelines."


def _aggregation(manifest: dict[str, Any]) -> str:
    trees = _spec(manifest).get("trees")
    if trees:
        consensus = trees.get("consensus", "ranked_pairs")
        return (
            f"dpo rows keep each annotator's ranking; ranking and kto rows: {consensus} consensus."
        )
    aggregation = manifest.get("aggregation", "none")
    return f"Aggregation {aggregation}: {AGGREGATIONS.get(aggregation, 'see manifest.json')}."


def _annotations_per_item(manifest: dict[str, Any]) -> str:
    per_item = manifest.get("annotators_per_item")
    if not per_item:
        return ""
    return (
        f"min {per_item['min']}, median {per_item['median']}, max {per_item['max']} "
        f"over {per_item['items']} items"
    )


def _demographic(question_id: str, summary: dict[str, Any]) -> str:
    """One survey question's answers; "<5" counts stay as given (suppressed small cells)."""
    asked = f"{summary['kind']}, {summary.get('answered', 0)} answered"
    head = f"{summary.get('prompt', question_id)} ({asked})"
    if "counts" in summary:
        return f"{head}: " + "; ".join(f"{answer}: {n}" for answer, n in summary["counts"].items())
    if "median" in summary:
        return f"{head}: min {summary['min']}, median {summary['median']}, max {summary['max']}"
    if summary["kind"] == "number":
        return f"{head}: statistics withheld, fewer than five answers"
    return f"{head}: free text, not summarised"


def _personal_information(manifest: dict[str, Any]) -> list[str]:
    profiles = (
        "Rows include their annotator's profile answers (in metadata, or a profile column)."
        if manifest["options"].get("include_profiles")
        else "Profile answers are not in the rows, only summarised in rai:annotatorDemographics."
    )
    return [
        "Annotators appear only under pseudonymous annotator_id values (a keyed hash); no e-mail "
        "address, name or crowd-platform id is exported.",
        profiles,
        "Prompts, replies and free-text answers are exported as written; prefhub does not screen "
        "them for personal data.",
    ]


def _use_cases(fmt: str) -> list[str]:
    trainer = registry.get(fmt).trainer_phrase
    if trainer:
        return [f"Fine-tuning with {trainer}.", "Analysis of human feedback."]
    return ["Analysis of human feedback, or conversion to a training format."]


def _spec(manifest: dict[str, Any]) -> dict[str, Any]:
    return manifest["campaign"].get("spec") or {}
