"""The croissant.json of an export folder (prefhub.exports.croissant): Croissant 1.0 + RAI."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest

from prefhub.exports.croissant import croissant

RATINGS_QUESTION = {
    "kind": "rating",
    "id": "quality",
    "prompt": "Rate each response.",
    "attributes": [
        {"id": "helpfulness", "label": "Helpfulness", "scale": {"min": 0, "max": 4}},
        {"id": "honesty", "label": "Honesty", "scale": {"min": 1, "max": 7}},
    ],
}
# The top-level columns the exporters write, per format (media lists when there are media).
COLUMNS = {
    "dpo": {"id", "campaign", "prompt", "chosen", "rejected", "metadata"},
    "ratings": {"id", "campaign", "prompt", "response", "helpfulness", "honesty", "metadata"}
    | {"images", "audios", "videos"},
}


def manifest(fmt: str = "dpo", file_format: str = "jsonl", **changes: Any) -> dict[str, Any]:
    files = [{"name": f"{fmt}.{file_format}", "size": 123, "sha256": "ab" * 32}]
    files.append({"name": "README.md", "size": 50, "sha256": "cd" * 32})
    if fmt == "ratings":
        files += [
            {"name": f"media/{'1' * 64}.png", "size": 10, "sha256": "1" * 64},
            {"name": f"media/{'2' * 64}.png", "size": 11, "sha256": "2" * 64},
            {"name": f"media/{'3' * 64}.mp3", "size": 12, "sha256": "3" * 64},
        ]
    spec = {
        "guidelines": "Pick the better response.",
        "questions": [
            {"kind": "pairwise", "id": "preference", "prompt": "Which response is better?"},
            RATINGS_QUESTION,
        ],
        "redundancy": 3,
        "participation": {"consent": None, "survey": [], "crowd": None},
        "trees": None,
    }
    return {
        "prefhub_version": "0.1.0",
        "format": fmt,
        "options": {"conversational": True, "aggregation": "none", "file_format": file_format}
        | {"include_profiles": False},
        "campaign": {"slug": "demo", "name": "Demo campaign", "version": 3, "spec": spec},
        "aggregation": "none",
        "filters": {"include_gold": False, "languages": ["en"]},
        "counts": {"rows": 1234, "judgments": 3000, "annotators": 12},
        "annotators_per_item": {
            "items": 400,
            "min": 1,
            "median": 3,
            "max": 5,
            "histogram": {"1": 10, "3": 380, "5": 10},
        },
        "demographics": {
            "age_band": {
                "prompt": "Your age?",
                "kind": "single_choice",
                "answered": 12,
                "counts": {"18-24": 7, "25-34": "<5"},
            },
            "years": {
                "prompt": "Years of experience?",
                "kind": "number",
                "answered": 10,
                "min": 18,
                "median": 30,
                "max": 61,
            },
        },
        "files": files,
    } | changes


def test_declares_croissant_1_0_with_the_rai_and_schema_org_prefixes() -> None:
    document = croissant(manifest())
    context = document["@context"]
    assert context["cr"] == "http://mlcommons.org/croissant/"
    assert context["rai"] == "http://mlcommons.org/croissant/RAI/"
    assert context["sc"] == "https://schema.org/"
    assert context["conformsTo"] == "dct:conformsTo"
    assert document["conformsTo"] == "http://mlcommons.org/croissant/1.0"
    assert document["@type"] == "sc:Dataset"
    assert document["version"] == "3.0.0"


def test_jsonl_file_object_carries_the_manifest_checksum_and_size() -> None:
    (data,) = croissant(manifest())["distribution"]
    assert data["@type"] == "cr:FileObject"
    assert (data["contentUrl"], data["sha256"]) == ("dpo.jsonl", "ab" * 32)
    assert data["encodingFormat"] == "application/jsonlines"
    assert data["contentSize"] == "123 B"


def test_parquet_data_and_media_as_one_file_set_per_type() -> None:
    data, *media = croissant(manifest("ratings", "parquet"))["distribution"]
    assert data["contentUrl"] == "ratings.parquet"
    assert data["encodingFormat"] == "application/x-parquet"
    assert [(m["@type"], m["includes"], m["encodingFormat"]) for m in media] == [
        ("cr:FileSet", "media/*.mp3", "audio/mpeg"),
        ("cr:FileSet", "media/*.png", "image/png"),
    ]


@pytest.mark.parametrize(("fmt", "file_format"), [("dpo", "jsonl"), ("ratings", "parquet")])
def test_every_field_reads_a_column_of_the_format_from_the_data_file(
    fmt: str, file_format: str
) -> None:
    document = croissant(manifest(fmt, file_format))
    (record_set,) = document["recordSet"]
    fields = record_set["field"]
    data_id = document["distribution"][0]["@id"]
    assert {f["source"]["fileObject"]["@id"] for f in fields} == {data_id}
    assert {f["source"]["extract"]["column"] for f in fields} == COLUMNS[fmt]
    assert len({f["@id"] for f in fields}) == len(fields)


def types_of(fields: list[dict[str, Any]]) -> dict[str, Any]:
    """Field name -> its dataType, or for an object its fields' types, "[]" after a list."""
    return {
        f["name"]: (
            types_of(f["subField"]) if "subField" in f else f["dataType"],
            "[]" if f.get("repeated") else "",
        )
        for f in fields
    }


def test_rating_attributes_become_integer_fields() -> None:
    fields = croissant(manifest("ratings", "parquet"))["recordSet"][0]["field"]
    types = types_of(fields)
    assert types["helpfulness"] == types["honesty"] == ("sc:Integer", "")
    message = {"role": ("sc:Text", ""), "content": ("sc:Text", "")}
    assert types["response"] == (message, "[]")


def test_nested_columns_declare_their_fields_and_lists() -> None:
    """Messages are lists of {role, content} (read by JSON path from their column), ranks a
    list of integers; in the standard form a message column is one string."""
    fields = croissant(manifest("ranking"))["recordSet"][0]["field"]
    types = types_of(fields)
    assert types["ranks"] == ("sc:Integer", "[]") and types["scores"] == ("sc:Float", "[]")
    assert types["prompt"] == ({"role": ("sc:Text", ""), "content": ("sc:Text", "")}, "[]")
    (prompt,) = [f for f in fields if f["name"] == "prompt"]
    role = prompt["subField"][0]
    assert role["@id"] == "ranking/prompt/role"
    assert role["source"]["extract"] == {"column": "prompt"}
    assert role["source"]["transform"] == {"jsonPath": "role"}
    standard = manifest("ranking")
    standard["options"] = standard["options"] | {"conversational": False}
    types = types_of(croissant(standard)["recordSet"][0]["field"])
    assert types["prompt"] == ("sc:Text", "")
    judgments = types_of(croissant(manifest("judgments"))["recordSet"][0]["field"])
    assert judgments["created_at"] == ("sc:DateTime", "")
    assert judgments["shown_order"] == ("sc:Integer", "[]")


def test_rai_describes_annotators_and_keeps_suppressed_cells() -> None:
    document = croissant(manifest())
    assert document["rai:annotatorDemographics"] == [
        "Your age? (single_choice, 12 answered): 18-24: 7; 25-34: <5",
        "Years of experience? (number, 10 answered): min 18, median 30, max 61",
    ]
    assert document["rai:annotationsPerItem"] == "min 1, median 3, max 5 over 400 items"
    assert document["rai:dataAnnotationPlatform"] == "prefhub 0.1.0"
    assert (
        'preference (pairwise) "Which response is better?"'
        in (document["rai:dataAnnotationProtocol"])
    )
    assert "K = 3 annotators" in document["rai:dataCollection"]
    assert document["rai:dataAnnotationAnalysis"].startswith("Aggregation none:")


def test_profiles_are_said_to_be_in_the_rows_only_when_exported() -> None:
    without = " ".join(croissant(manifest())["rai:personalSensitiveInformation"])
    options = manifest()["options"] | {"include_profiles": True}
    with_profiles = " ".join(
        croissant(manifest(options=options))["rai:personalSensitiveInformation"]
    )
    assert "not in the rows" in without
    assert "not in the rows" not in with_profiles
    assert "pseudonymous" in without


def test_no_date_so_the_same_manifest_gives_the_same_document() -> None:
    first = croissant(manifest("ratings", "parquet"))
    text = json.dumps(first, sort_keys=True)
    assert datetime.date.today().isoformat() not in text
    assert not re.search(r'"date\w*":', text)
    first["@context"]["cr"] = "changed"
    assert croissant(manifest("ratings", "parquet")) == croissant(manifest("ratings", "parquet"))
    assert json.dumps(croissant(manifest("ratings", "parquet")), sort_keys=True) == text


def test_researcher_text_stays_plain_text_and_the_name_is_sanitised() -> None:
    name = 'Quotes " and \n newlines </script>'
    campaign = manifest()["campaign"] | {"name": name, "slug": "demo campaign/ü"}
    document = json.loads(json.dumps(croissant(manifest(campaign=campaign))))
    assert f'"{name}"' in document["description"]
    assert re.fullmatch(r"[A-Za-z0-9._-]+", document["name"])
    assert document["name"] == "demo-campaign-dpo"


FORMATS = ["dpo", "reward", "kto", "ranking", "ratings", "feedback", "judgments", "annotators"]
TREES = {"consensus": "ranked_pairs"}


@pytest.mark.parametrize(
    ("fmt", "trees"), [(f, None) for f in FORMATS] + [(f, TREES) for f in ("trees", "judgments")]
)
def test_every_format_gets_typed_fields_naming_its_columns(fmt: str, trees: Any) -> None:
    base = manifest(fmt)
    spec = base["campaign"]["spec"] | {"trees": trees}
    document = croissant(manifest(fmt, campaign=base["campaign"] | {"spec": spec}))
    types = types_of(document["recordSet"][0]["field"])
    assert {"id", "campaign", "metadata"} <= types.keys()
    leaves = {"sc:Text", "sc:Integer", "sc:Float", "sc:Boolean", "sc:DateTime"}

    def leaf_types(found: dict[str, Any]) -> set[str]:
        return {
            t
            for kind, _ in found.values()
            for t in (leaf_types(kind) if isinstance(kind, dict) else {kind})
        }

    assert leaf_types(types) <= leaves
    assert types.get("label", ("sc:Boolean", ""))[0] == "sc:Boolean"
    # The pairwise question asks no strength: no reward row has a margin.
    assert "margin" not in types
    assert fmt != "ranking" or types["scores"] == ("sc:Float", "[]")
