"""The croissant.json of an in-situ export: Croissant 1.0 with the Responsible-AI terms, for
rows whose columns are fixed per format (``insitu/export.py``), so every field is declared
here rather than discovered from the data. ``mlcroissant`` reads every record back (tested).

Left out as fields (mlcroissant has no type for them): ``metadata.event_ids`` (a list that may
be empty in every row) and ``metadata.judge`` (an object on judge rows, null on the others).
"""

from __future__ import annotations

import copy
from typing import Any

from prefhub.exports.croissant import CONFORMS_TO, CONTEXT, DATA_ENCODINGS

# (name, data type or None for a list of {role, content} messages, description), by format.
_MESSAGES = None
_COMMON_HEAD: list[tuple[str, str | None, str]] = [
    ("id", "sc:Text", "row id: the source's slug and the derived row's number"),
    ("source", "sc:Text", "the feedback source's slug"),
    ("prompt", _MESSAGES, "the conversation before the judged answer, from its start"),
]
_BY_FORMAT: dict[str, list[tuple[str, str | None, str]]] = {
    "dpo": [
        ("chosen", _MESSAGES, "the answer the signal prefers (one assistant message)"),
        ("rejected", _MESSAGES, "the answer the signal rejects (one assistant message)"),
    ],
    "kto": [
        ("completion", _MESSAGES, "the judged answer (one assistant message)"),
        ("label", "sc:Boolean", "whether the signal found the answer desirable"),
    ],
    "judgments": [
        ("kind", "sc:Text", "pair (chosen/rejected) or kto (completion/label)"),
        ("chosen", _MESSAGES, "pairs: the answer the signal prefers"),
        ("rejected", _MESSAGES, "pairs: the answer the signal rejects"),
        ("completion", _MESSAGES, "KTO rows: the judged answer"),
        ("label", "sc:Boolean", "KTO rows: whether the signal found the answer desirable"),
    ],
}
_COMMON_TAIL: list[tuple[str, str | None, str]] = [
    ("signal", "sc:Text", "the user signal the row was derived from"),
    ("confidence", "sc:Float", "the rule's prior that a careful annotator would agree"),
    ("verified", "sc:Boolean", "whether people confirmed the row (null: not verified)"),
]
_METADATA = [
    ("conversation", "the product's conversation id"),
    ("message_id", "the product's id of the judged (or rejected) answer"),
    ("user", "the user's keyed pseudonym (null when the product sent no user id)"),
]


def croissant(manifest: dict[str, Any]) -> dict[str, Any]:
    """The document for the export ``manifest`` describes (``files[0]``: the data file)."""
    source, fmt = manifest["source"], manifest["format"]
    data = manifest["files"][0]
    columns = [*_COMMON_HEAD, *_BY_FORMAT[fmt], *_COMMON_TAIL]
    fields = [_field(fmt, data["name"], name, kind, what) for name, kind, what in columns]
    fields.append(
        {
            "@type": "cr:Field",
            "@id": f"{fmt}/metadata",
            "name": "metadata",
            "description": "where the row came from (event_ids and judge are in the data file)",
            "subField": [
                {
                    "@type": "cr:Field",
                    "@id": f"{fmt}/metadata/{key}",
                    "name": key,
                    "description": what,
                    "dataType": "sc:Text",
                    "source": _source(data["name"], "metadata", key),
                }
                for key, what in _METADATA
            ],
            "source": _source(data["name"], "metadata"),
        }
    )
    redaction = source["redaction"]
    return {
        "@context": copy.deepcopy(CONTEXT),
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": f"{source['slug']}-insitu-{fmt}",
        "description": (
            f"Preference data derived from the conversations of the chat product "
            f"'{source['name']}' and its users' own signals, exported by prefhub."
        ),
        "version": "1.0.0",
        "license": "other",
        "keywords": ["prefhub", "in-situ feedback", "human feedback", fmt],
        "distribution": [
            {
                "@type": "cr:FileObject",
                "@id": data["name"],
                "name": data["name"],
                "contentUrl": data["name"],
                "contentSize": f"{data['size']} B",
                "encodingFormat": DATA_ENCODINGS["jsonl"],
                "sha256": data["sha256"],
            }
        ],
        "recordSet": [
            {
                "@type": "cr:RecordSet",
                "@id": fmt,
                "name": fmt,
                "description": f"The rows of {data['name']}: one per derived row.",
                "field": fields,
            }
        ],
        "rai:dataCollection": (
            "Conversations and feedback events sent by a deployed chat product to prefhub's "
            "ingestion API; preference rows derived from them by rules per signal (and a judge "
            f"model where one was run). Consent basis declared: {source['consent_basis'] or 'none'}"
        ),
        "rai:dataCollectionType": ["Web API", "User-generated content data"],
        "rai:personalSensitiveInformation": (
            "Text redacted before storage: "
            + ", ".join([*redaction["kinds"], *(p["label"] for p in redaction["custom_patterns"])])
            + "; user ids kept only as keyed pseudonyms; conversations deleted after "
            f"{source['retention_days']} days and on a user's request."
        ),
        "rai:dataUseCases": "Training and evaluating reward and policy models (DPO, KTO).",
        "rai:dataBiases": (
            "Users' signals are noisy and skewed toward what users bother to react to; the "
            "confidence column and people's verification measure each signal."
        ),
    }


def _field(fmt: str, file_id: str, name: str, data_type: str | None, what: str) -> dict[str, Any]:
    found: dict[str, Any] = {
        "@type": "cr:Field",
        "@id": f"{fmt}/{name}",
        "name": name,
        "description": what,
    }
    if data_type is None:  # a list of {role, content} messages
        found["repeated"] = True
        found["subField"] = [
            {
                "@type": "cr:Field",
                "@id": f"{fmt}/{name}/{key}",
                "name": key,
                "description": "system, user or assistant" if key == "role" else "its text",
                "dataType": "sc:Text",
                "source": _source(file_id, name, key),
            }
            for key in ("role", "content")
        ]
    else:
        found["dataType"] = data_type
    found["source"] = _source(file_id, name)
    return found


def _source(file_id: str, column: str, key: str | None = None) -> dict[str, Any]:
    source: dict[str, Any] = {"fileObject": {"@id": file_id}, "extract": {"column": column}}
    if key is not None:
        source["transform"] = {"jsonPath": key}
    return source
