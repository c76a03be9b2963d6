"""The croissant.json of an export folder: Croissant 1.0 JSON-LD with the Responsible-AI (RAI)
extension, built from the manifest and, when given, the data file.

The same manifest and rows give the same document: no clock (no ``datePublished``: exports are
byte-reproducible), no randomness. Columns and their descriptions come from the dataset card's
table, so README.md and croissant.json describe the same rows. Researcher-written text goes in
as plain JSON strings.

Every field is one ``mlcroissant`` reads (``mlcroissant.Dataset(jsonld=...).records(...)``
yields every row, from JSONL and Parquet alike). Nested values are fields with sub-fields read
by JSON path, each with its real type; a list is ``repeated``. mlcroissant has no type for
free-form JSON (``sc:Text`` reads a string, not an object; no transform serialises one), so
free-form columns (``metadata``, ``answer``, ``shown``, profiles, labels) are described by the
keys and types their values have in the data file (``data_shapes``: every row of an export of
up to ``SHAPE_ROWS`` rows, the first ``SHAPE_ROWS`` of a larger one), and only those: a key no
row has is not declared. Two shapes mlcroissant cannot read are left out and said so in
the parent's description: a list of objects inside another list (message parts with media,
replies of replies), and a key whose values mix types. Without the data file (or with no
rows), the format's declared columns are described and free-form ones left out.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from prefhub.exports import registry
from prefhub.exports.card import (
    AGGREGATIONS,
    campaign_kind,
    columns_of,
    describe,
    feedback_kind,
    row_grain,
)
from prefhub.exports.standings import excluded_sentence

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
SCALAR_TYPES = ("text", "integer", "float", "boolean", "date_time")
# A date-time as exports write them (``created_at``, ``first_at``): ISO 8601 with an offset.
DATE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?")
# A JSON path step that needs no quotes (``where`` is a keyword of mlcroissant's JSON paths).
PLAIN_STEP = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ID_PART = re.compile(r"[^A-Za-z0-9_.-]+")


def croissant(manifest: dict[str, Any], data: Path | None = None) -> dict[str, Any]:
    """The Croissant document for the export ``manifest`` describes (``files[0]`` the data).
    ``data``: that file (JSONL or Parquet), to describe free-form columns by what they hold."""
    campaign, fmt = manifest["campaign"], manifest["format"]
    data_file = manifest["files"][0]
    media = [f for f in manifest["files"] if f["name"].startswith("media/")]
    shapes = data_shapes(data) if data is not None else {}
    return {
        "@context": copy.deepcopy(CONTEXT),
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": f"{_safe_name(campaign['slug'])}-{fmt}",
        "description": _description(manifest),
        "version": f"{campaign['version']}.0.0",
        # Campaigns carry no license; "other" says the dataset card or the researcher decides.
        "license": "other",
        "keywords": [*_feedback_keywords(manifest), "prefhub", fmt, *registry.get(fmt).tags],
        **_languages(manifest),
        "distribution": [_file_object(data_file), *_media_file_sets(media)],
        "recordSet": [_record_set(manifest, data_file["name"], len(media), shapes)],
        **_rai(manifest),
    }


@dataclass
class Shape:
    """What the values at one place of the rows are, over every row: the JSON kinds seen
    (null, boolean, integer, float, text, list, object), whether every text is a date-time,
    the shape of list items and of each object key."""

    kinds: set[str] = field(default_factory=set)
    dates: bool = True
    item: Shape | None = None
    keys: dict[str, Shape] = field(default_factory=dict)


# JSON kinds by Python type (bool before int: exact types, not isinstance).
KINDS: dict[type, str] = {
    type(None): "null",
    bool: "boolean",
    int: "integer",
    float: "float",
    str: "text",
    list: "list",
    dict: "object",
}
# Rows read to describe free-form columns: every row of an export up to this size; of a larger
# one, the first this many (rows of one format share their shape; reading every row of a
# million-row export would cost as much as writing it).
SHAPE_ROWS = 10_000


def data_shapes(path: Path) -> dict[str, Shape]:
    """Each column of the data file (JSONL or Parquet) and the shape of its values."""
    rows = Shape()
    chunks = _chunks(itertools.islice(_rows(path), SHAPE_ROWS), SHAPE_CHUNK)
    for chunk in chunks:
        see_all(rows, chunk)
    return rows.keys


# Rows seen at once by ``see_all``: enough to share its calls, few enough that they do not
# outlive the garbage collector's youngest generation (50: 0.13 s for 10,000 dpo rows, 1,000:
# 0.35 s, one by one: 0.4 s).
SHAPE_CHUNK = 50


def _chunks(values: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while chunk := list(itertools.islice(values, size)):
        yield chunk


def see_all(shape: Shape, values: list[Any]) -> None:
    """Add ``values`` to ``shape``, one level at a time: list items and each object key's
    values are gathered across the values and seen together (one call per place in the rows,
    not one per value); the same shape as seeing the values one by one."""
    types = set(map(type, values))
    for kind_of in types:
        shape.kinds.add(KINDS.get(kind_of) or kind_of.__name__)
    if str in types and shape.dates:
        shape.dates = all(
            DATE_TIME.fullmatch(value) is not None for value in values if type(value) is str
        )
    if list in types:
        if shape.item is None:
            shape.item = Shape()
        see_all(shape.item, [item for value in values if type(value) is list for item in value])
    if dict in types:
        by_key: dict[str, list[Any]] = {}
        for value in values:
            if type(value) is dict:
                for key, element in value.items():
                    found = by_key.get(key)
                    if found is None:
                        found = by_key[key] = []
                    found.append(element)
        keys = shape.keys
        for key, elements in by_key.items():
            place = keys.get(key)
            if place is None:
                place = keys[key] = Shape()
            see_all(place, elements)


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=2000):
            yield from batch.to_pylist()
        return
    with path.open("rb") as lines:
        for line in lines:
            if line.strip():
                yield orjson.loads(line)


def _safe_name(text: str) -> str:
    """``text`` in the characters Croissant names allow: letters, digits, ``-``, ``_``, ``.``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:200] or "prefhub"


def _description(manifest: dict[str, Any]) -> str:
    campaign, counts = manifest["campaign"], manifest["counts"]
    return (
        f'{feedback_kind(manifest)} collected with prefhub in the campaign "{campaign["name"]}" '
        f"({campaign['slug']}, version {campaign['version']}), exported in the "
        f"{manifest['format']} format: {counts['rows']} rows, {row_grain(manifest)}."
        + _synthetic_sentence(manifest)
        + (f" {excluded}" if (excluded := excluded_sentence(manifest)) else "")
    )


def _synthetic_sentence(manifest: dict[str, Any]) -> str:
    """What the rows owe to simulated annotators (``prefhub simulate``), if anything."""
    synthetic, counts = manifest.get("synthetic") or {}, manifest["counts"]
    human, simulated = _made_by(manifest)
    if simulated and not human:
        return (
            " Every judgment in it is synthetic, made by simulated annotators (`prefhub "
            "simulate`): no person made them; it previews the format, it is not human feedback."
        )
    if simulated and synthetic.get("judgments"):
        return (
            f" {synthetic['judgments']} of its {counts.get('judgments', 0)} judgments are "
            "synthetic, made by simulated annotators (`prefhub simulate`); `metadata.simulated` "
            "marks their rows."
        )
    if simulated:
        rows = f"{synthetic['rows']} rows involve" if synthetic.get("rows") else "Some rows involve"
        return (
            f" {rows} simulated annotators (`prefhub simulate`); `metadata.simulated` marks them."
        )
    if synthetic.get("left_out"):
        tree = campaign_kind(manifest) == "conversation-tree"
        what = "trees with simulated contributions" if tree else "simulated judgments"
        return (
            f" {synthetic['left_out']} {what} (`prefhub simulate`) were left out: the rows are "
            "human feedback only."
        )
    return ""


def _made_by(manifest: dict[str, Any]) -> tuple[bool, bool]:
    """Whether people, and whether simulated annotators, made the rows' judgments: from the
    annotators with rows by source where the manifest counts them, else from the synthetic
    policy (manifests before either: people)."""
    synthetic = manifest.get("synthetic") or {}
    policy = synthetic.get("policy", "none")
    sources = manifest["counts"].get("annotators_by_source")
    if sources is not None and any(sources.values()):
        human = bool(sources.get("invited", 0) or sources.get("crowd", 0))
        return human, bool(sources.get("simulated", 0))
    if policy == "only_simulated":
        return False, True
    simulated = policy == "included" and bool(
        synthetic.get("judgments") or synthetic.get("rows") or synthetic.get("annotators")
    )
    return True, simulated


def _feedback_keywords(manifest: dict[str, Any]) -> list[str]:
    human, simulated = _made_by(manifest)
    return (["human-feedback"] if human else []) + (["synthetic"] if simulated else [])


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


def _record_set(
    manifest: dict[str, Any], file_id: str, media_files: int, shapes: dict[str, Shape]
) -> dict[str, Any]:
    fmt = manifest["format"]
    builder = _Fields(manifest, fmt, file_id)
    declared = columns_of(manifest | {"media_files": media_files})
    if shapes:
        # The rows say which columns there are: the format's, in its order, then any other.
        known = {column.name for column in declared}
        columns = [column for column in declared if column.name in shapes] + [
            registry.Column(name, "json", "a column the format does not list")
            for name in sorted(shapes.keys() - known)
        ]
    else:
        columns = declared
    fields = []
    for column in columns:
        found = builder.column(column, shapes.get(column.name))
        if found is not None:
            fields.append(found)
    description = f"The rows of {file_id}: {row_grain(manifest)}."
    if builder.left_out:
        description += (
            " Not declared as fields, as mlcroissant cannot read them: "
            + "; ".join(builder.left_out)
            + "."
        )
    return {
        "@type": "cr:RecordSet",
        "@id": fmt,
        "name": fmt,
        "description": description,
        "field": fields,
    }


class _Fields:
    """The Croissant fields of one record set: a column's, or (by JSON path ``steps`` from
    its column) those of the values nested in it."""

    def __init__(self, manifest: dict[str, Any], fmt: str, file_id: str) -> None:
        self.manifest, self.fmt, self.file_id = manifest, fmt, file_id
        self.conversational = bool(manifest["options"].get("conversational", True))
        self.left_out: list[str] = []
        self.ids: set[str] = set()

    def column(self, column: registry.Column, shape: Shape | None) -> dict[str, Any] | None:
        if shape is None:
            shape = self._declared_shape(column)
        if shape is None:
            self.left_out.append(f"`{column.name}` (free-form JSON)")
            return None
        description = describe(column, self.manifest)
        return self._field(column.name, column.name, [], shape, column, description, 0)

    def _declared_shape(self, column: registry.Column) -> Shape | None:
        """The shape the format declares for a column (None for free-form JSON)."""
        if column.type in ("messages", "reply"):
            message = Shape({"object"}, keys=_shapes_of(MESSAGE))
            found = Shape({"list"}, item=message) if self.conversational else Shape({"text"})
        elif column.type == "record":
            found = Shape({"object"}, keys=_shapes_of(column.fields))
        elif column.type in SCALAR_TYPES:
            found = Shape({column.type if column.type != "date_time" else "text"})
        else:
            return None
        return Shape({"list"}, item=found) if column.repeated else found

    def _field(
        self,
        name: str,
        column: str,
        steps: list[str | int],
        shape: Shape,
        hint: registry.Column | None,
        description: str,
        lists: int,
    ) -> dict[str, Any] | None:
        """The field of the values at ``steps`` in ``column``; None when mlcroissant cannot
        read them (``left_out`` says why). ``lists``: lists of objects already crossed."""
        path = ".".join(str(step) for step in [column, *steps] if step != 0)
        kinds = shape.kinds - {"null"}
        # A list, or null in every row where the format declares a list.
        repeated = kinds == {"list"} or (not kinds and hint is not None and hint.repeated)
        inner, inside = shape, steps
        if kinds == {"list"}:
            inner = shape.item or Shape()
            kinds = inner.kinds - {"null"}
            if kinds == {"list"} and _replies(hint, self.conversational):
                # Replies, each a list of one assistant message: read as that message.
                inner = inner.item or Shape()
                kinds = inner.kinds - {"null"}
                inside = [*steps, 0]
                description += " (each read as its one message)"
            while kinds == {"list"}:  # a list of lists of values (ranking tiers)
                inner = inner.item or Shape()
                kinds = inner.kinds - {"null"}
                if "object" in kinds:
                    self.left_out.append(f"`{path}` (lists of lists of objects)")
                    return None
                description += " (a list of lists)"
        found: dict[str, Any] = {
            "@type": "cr:Field",
            "@id": self._id(self.fmt, column, *(str(s) for s in steps if s != 0)),
            "name": name,
            "description": description,
        }
        if kinds == {"object"}:
            if repeated and lists:
                self.left_out.append(f"`{path}` (objects in a list inside a list)")
                return None
            subfields = self._subfields(column, inside, inner, hint, lists + repeated)
            if not subfields:
                empty = not inner.keys
                self.left_out.append(
                    f"`{path}` ({'an empty object in every row' if empty else 'no readable key'})"
                )
                return None
            found["subField"] = subfields
        elif len(kinds) > 1 or not kinds <= {*SCALAR_TYPES, "text"}:
            self.left_out.append(f"`{path}` (values of mixed types)")  # or not JSON's
            return None
        else:
            found["dataType"] = self._data_type(name, kinds, inner, hint)
        if repeated:
            found["repeated"] = True
        nested = "subField" in found or repeated or hint is None or hint.type == "json"
        if nested and not steps and NESTED_NOTE not in description:
            found["description"] += NESTED_NOTE
        found["source"] = self._source(column, steps)
        return found

    def _subfields(
        self,
        column: str,
        steps: list[str | int],
        shape: Shape,
        hint: registry.Column | None,
        lists: int,
    ) -> list[dict[str, Any]]:
        hints = {f.name: f for f in _hint_fields(hint, self.conversational)}
        # The declared fields in their order, then the other keys alphabetically.
        names = [n for n in hints if n in shape.keys] + sorted(shape.keys.keys() - hints.keys())
        fields = []
        for key in names:
            sub = hints.get(key)
            dotted = ".".join(str(step) for step in [column, *steps, key] if step != 0)
            what = sub.description if sub is not None else f"`{dotted}`"
            found = self._field(key, column, [*steps, key], shape.keys[key], sub, what, lists)
            if found is not None:
                fields.append(found)
        return fields

    @staticmethod
    def _data_type(name: str, kinds: set[str], shape: Shape, hint: registry.Column | None) -> str:
        if not kinds:  # null in every row: the declared type, else text
            declared = hint.type if hint is not None else "text"
            return DATA_TYPES.get(declared, "sc:Text")
        if kinds == {"text"}:
            dated = hint.type == "date_time" if hint is not None else name.endswith("_at")
            return "sc:DateTime" if dated and shape.dates else "sc:Text"
        if kinds <= {"integer", "float"}:
            return "sc:Integer" if kinds == {"integer"} else "sc:Float"
        return DATA_TYPES[next(iter(kinds))]

    def _source(self, column: str, steps: list[str | int]) -> dict[str, Any]:
        source: dict[str, Any] = {
            "fileObject": {"@id": self.file_id},
            "extract": {"column": column},
        }
        # One JSON path per key: mlcroissant applies each to every item of a list.
        transforms = [{"jsonPath": _step(step)} for step in steps]
        if transforms:
            source["transform"] = transforms[0] if len(transforms) == 1 else transforms
        return source

    def _id(self, *parts: str) -> str:
        base = "/".join(ID_PART.sub("_", part) or "_" for part in parts)
        found, n = base, 1
        while found in self.ids:
            n += 1
            found = f"{base}_{n}"
        self.ids.add(found)
        return found


def _shapes_of(columns: tuple[registry.Column, ...]) -> dict[str, Shape]:
    """Declared fields as shapes (free-form JSON ones left out)."""
    shapes = {}
    for column in columns:
        if column.type in SCALAR_TYPES:
            kind = "text" if column.type == "date_time" else column.type
            shapes[column.name] = (
                Shape({"list"}, item=Shape({kind})) if column.repeated else Shape({kind})
            )
    return shapes


def _hint_fields(hint: registry.Column | None, conversational: bool) -> tuple[registry.Column, ...]:
    if hint is None:
        return ()
    if hint.type in ("messages", "reply") and conversational:
        return MESSAGE
    return hint.fields


def _replies(hint: registry.Column | None, conversational: bool) -> bool:
    return conversational and hint is not None and hint.type == "reply" and hint.repeated


def _step(key: str | int) -> str:
    """A JSON path step: a key, or an index (an int)."""
    if isinstance(key, int):
        return f"[{key}]"
    if PLAIN_STEP.fullmatch(key) and key != "where":
        return key
    quote = "'" if "'" not in key else '"'
    return f"{quote}{key}{quote}"


def _rai(manifest: dict[str, Any]) -> dict[str, Any]:
    """The Responsible-AI properties prefhub knows from the manifest."""
    rai = {
        "rai:dataCollection": _collection(manifest),
        "rai:dataCollectionType": _collection_types(manifest),
        "rai:dataAnnotationProtocol": _protocol(manifest),
        "rai:dataAnnotationPlatform": f"prefhub {manifest['prefhub_version']}",
        "rai:dataAnnotationAnalysis": _aggregation(manifest),
        "rai:annotationsPerItem": _annotations_per_item(manifest),
        "rai:annotatorDemographics": [
            _demographic(qid, summary)
            for qid, summary in (manifest.get("demographics") or {}).items()
        ],
        "rai:personalSensitiveInformation": _personal_information(manifest),
        "rai:dataUseCases": _use_cases(manifest),
        "rai:dataBiases": _biases(manifest),
    }
    return {key: value for key, value in rai.items() if value}


def _collection_types(manifest: dict[str, Any]) -> list[str]:
    """The RAI spec's recommended values closest to how the rows were made: annotators
    judging (or writing) replies by hand, and simulated annotators' judgments, which software
    made (the spec has no value for synthetic data; the description says it)."""
    human, simulated = _made_by(manifest)
    people = [
        "Manual Human Curator",
        *(["User-generated content data"] if _spec(manifest).get("trees") else []),
        *(["Self-reporting"] if manifest.get("demographics") else []),
    ]
    return [*(people if human else []), *(["Software Collection"] if simulated else [])]


def _collection(manifest: dict[str, Any]) -> str:
    spec, counts = _spec(manifest), manifest["counts"]
    human, _ = _made_by(manifest)
    who = "Annotators" if human else "Simulated annotators (`prefhub simulate`)"
    if spec.get("trees"):
        how = (
            "Annotators and models wrote conversation trees, which annotators reviewed and ranked."
            if human
            else "Simulated annotators (`prefhub simulate`) and models wrote conversation trees, "
            "which the simulated annotators reviewed and ranked."
        )
    else:
        how = (
            f"{who} judged model replies to imported prompts; each item was assigned to "
            f"K = {spec.get('redundancy', '?')} annotators."
        )
    sources = counts.get("annotators_by_source")
    if sources is None:
        origin = (
            "They came through a crowd platform's entry link."
            if (spec.get("participation") or {}).get("crowd")
            else "They were invited accounts on the prefhub instance."
        )
        total = f" {counts['annotators']} annotators contributed." if "annotators" in counts else ""
        return f"{how} {origin}{total}"
    return f"{how} Annotators with rows: {_by_source(sources)}."


def _by_source(sources: dict[str, int]) -> str:
    """ "12 invited and 30 crowd annotators; 5 simulated annotators (synthetic judgments, made
    by `prefhub simulate`)"."""
    people = [f"{sources[k]} {k}" for k in ("invited", "crowd") if sources.get(k)]
    parts = []
    if people:
        n = sum(sources.get(k, 0) for k in ("invited", "crowd"))
        parts.append(f"{' and '.join(people)} annotator{'s' if n != 1 else ''}")
    if sources.get("simulated"):
        n = sources["simulated"]
        parts.append(
            f"{n} simulated annotator{'s' if n != 1 else ''} (synthetic judgments, made by "
            "`prefhub simulate`)"
        )
    return "; ".join(parts) or "none"


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


def _use_cases(manifest: dict[str, Any]) -> list[str]:
    trainer = registry.get(manifest["format"]).trainer_phrase
    human, _ = _made_by(manifest)
    if not human:
        return [
            "Previewing the format and testing a training pipeline before people judge: "
            "every judgment is synthetic (`prefhub simulate`)."
        ]
    if trainer:
        return [f"Fine-tuning with {trainer}.", "Analysis of human feedback."]
    return ["Analysis of human feedback, or conversion to a training format."]


def _biases(manifest: dict[str, Any]) -> str:
    human, simulated = _made_by(manifest)
    found = (
        "Judgments reflect the annotators who took part (see rai:annotatorDemographics) and "
        "the prompts, models and questions the researcher chose."
        if human
        else "The prompts, models and questions are the researcher's choice."
    )
    if simulated:
        found += (
            " Simulated judgments follow prefhub's simulated preference groups (concise, "
            "thorough, structured), not people's preferences."
        )
    return found


def _spec(manifest: dict[str, Any]) -> dict[str, Any]:
    return manifest["campaign"].get("spec") or {}
