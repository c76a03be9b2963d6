"""The croissant.json of an export folder (prefhub.exports.croissant): Croissant 1.0 + RAI."""

from __future__ import annotations

import copy
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
# The top-level columns the exporters write, per format (media lists when there are media);
# without the data file, free-form ``metadata`` is not declared.
COLUMNS = {
    "dpo": {"id", "campaign", "prompt", "chosen", "rejected"},
    "ratings": {"id", "campaign", "prompt", "response", "helpfulness", "honesty"}
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
    assert {"id", "campaign"} <= types.keys()
    # Free-form JSON is declared from the data file only; without it, said to be left out.
    assert "metadata" not in types
    assert "`metadata` (free-form JSON)" in document["recordSet"][0]["description"]
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


def test_margin_and_scores_are_declared_only_when_every_row_has_them() -> None:
    """The writers' rules: margin when every pairwise question asks strength (or by
    ranked_pairs / bradley_terry), scores when the campaign has a rating question (or by
    bradley_terry); conversation-tree rankings have none."""

    def columns(fmt: str, questions: list[dict[str, Any]], aggregation: str = "none") -> set:
        base = manifest(fmt)
        spec = base["campaign"]["spec"] | {"questions": questions}
        changed = manifest(
            fmt,
            campaign=base["campaign"] | {"spec": spec},
            options=base["options"] | {"aggregation": aggregation},
        )
        return set(types_of(croissant(changed)["recordSet"][0]["field"]))

    strength = {"kind": "pairwise", "id": "p", "prompt": "Which?", "strength": True}
    plain = strength | {"strength": False}
    ranking = {"kind": "ranking", "id": "r", "prompt": "Rank."}
    assert "margin" in columns("reward", [strength, ranking, RATINGS_QUESTION])
    assert "margin" not in columns("reward", [plain, ranking])
    assert "margin" not in columns("reward", [strength], "majority")
    assert "margin" in columns("reward", [plain], "bradley_terry")
    assert "margin" in columns("reward", [plain], "ranked_pairs")
    assert "scores" in columns("ranking", [ranking, RATINGS_QUESTION])
    assert "scores" not in columns("ranking", [ranking])
    assert "scores" in columns("ranking", [ranking], "bradley_terry")
    assert "scores" not in columns("ranking", [ranking, RATINGS_QUESTION], "majority")
    base = manifest("ranking")
    trees = base["campaign"] | {"spec": base["campaign"]["spec"] | {"trees": TREES}}
    tree_types = types_of(croissant(manifest("ranking", campaign=trees))["recordSet"][0]["field"])
    assert "scores" not in tree_types and "ranks" in tree_types


def _write_rows(path: Any, rows: list[dict[str, Any]]) -> None:
    if path.suffix == ".parquet":
        from prefhub.exports.parquet import jsonl_to_parquet

        source = path.with_suffix(".jsonl")
        _write_rows(source, rows)
        jsonl_to_parquet(source, path)
    else:
        path.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows), "utf-8")


JUDGMENT_ROWS: list[dict[str, Any]] = [
    {
        "id": "j1.preference",
        "campaign": "demo",
        "prompt": [{"role": "user", "content": "Hi?"}],
        "chosen": [{"role": "assistant", "content": "Hello."}],
        "rejected": [{"role": "assistant", "content": "Go away."}],
        "metadata": {
            "annotator_id": "ann-1",
            "judgment_id": 1,
            "created_at": "2026-01-02T03:04:05Z",
            "shown_order": [4, 7],
            "simulated": False,
            "source_models": {"chosen": "m-a", "rejected": None},
            "profile": {"age_band": "18-24", "where": "GB"},
            "mixed": "text",
        },
    },
    {
        "id": "j2.preference",
        "campaign": "demo",
        "prompt": [{"role": "user", "content": "Bye?"}],
        "chosen": [{"role": "assistant", "content": "Bye."}],
        "rejected": [{"role": "assistant", "content": "No."}],
        "metadata": {
            "annotator_id": "ann-2",
            "judgment_id": 2,
            "created_at": "2026-01-02T03:05:05Z",
            "shown_order": [7, 4],
            "simulated": True,
            "source_models": {"chosen": "m-b", "rejected": "m-a"},
            "mixed": 3,
        },
    },
]


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_free_form_columns_are_described_by_what_the_rows_hold(tmp_path: Any, suffix: str) -> None:
    """metadata's keys, with their types (a date as a date, a list as repeated, an object's
    keys as sub-fields read by JSON path), only those some row has; a key whose values mix
    types is left out and said so."""
    data = tmp_path / f"dpo{suffix}"
    rows = copy.deepcopy(JUDGMENT_ROWS)
    if suffix == ".parquet":  # Parquet holds no column of mixed types
        for row in rows:
            del row["metadata"]["mixed"]
    _write_rows(data, rows)
    base = manifest("dpo", suffix[1:])
    base["files"][0]["name"] = data.name
    document = croissant(base, data)
    (record_set,) = document["recordSet"]
    types = types_of(record_set["field"])
    assert list(types) == ["id", "campaign", "prompt", "chosen", "rejected", "metadata"]
    metadata, _ = types["metadata"]
    assert metadata == {
        "annotator_id": ("sc:Text", ""),
        "created_at": ("sc:DateTime", ""),
        "judgment_id": ("sc:Integer", ""),
        "profile": ({"age_band": ("sc:Text", ""), "where": ("sc:Text", "")}, ""),
        "shown_order": ("sc:Integer", "[]"),
        "simulated": ("sc:Boolean", ""),
        "source_models": ({"chosen": ("sc:Text", ""), "rejected": ("sc:Text", "")}, ""),
    }
    mixed = "`metadata.mixed` (values of mixed types)"
    assert (mixed in record_set["description"]) == (suffix == ".jsonl")
    fields = {f["name"]: f for f in record_set["field"]}
    profile = {f["name"]: f for f in fields["metadata"]["subField"]}["profile"]
    where = profile["subField"][1]
    assert where["@id"] == "dpo/metadata/profile/where"
    # "where" is a word of mlcroissant's JSON paths: quoted.
    assert where["source"]["transform"] == [{"jsonPath": "profile"}, {"jsonPath": "'where'"}]
    assert croissant(base, data) == document  # the same rows, the same document


def test_replies_in_a_list_read_as_their_one_message(tmp_path: Any) -> None:
    """ranking's completions are replies, each a list of one message: mlcroissant reads no
    list inside a list, so each is read as its message (JSON path ``[0]``); message parts
    (media) inside such lists cannot be read and are said to be left out."""
    data = tmp_path / "ranking.jsonl"
    reply = [{"role": "assistant", "content": "One."}]
    parts = [{"role": "user", "content": [{"type": "text", "text": "Look"}, {"type": "image"}]}]
    _write_rows(
        data,
        [
            {
                "id": "j1.ranking",
                "campaign": "demo",
                "prompt": parts,
                "completions": [reply, reply],
                "ranks": [0, 1],
                "scores": None,
                "images": ["media/a.png"],
                "metadata": {"tiers": [[1], [2, 3]]},
            }
        ],
    )
    base = manifest("ranking")
    base["files"][0]["name"] = data.name
    (record_set,) = croissant(base, data)["recordSet"]
    fields = {f["name"]: f for f in record_set["field"]}
    _, content = fields["completions"]["subField"]
    assert content["source"]["transform"] == [{"jsonPath": "[0]"}, {"jsonPath": "content"}]
    assert fields["completions"]["repeated"] is True
    assert [f["name"] for f in fields["prompt"]["subField"]] == ["role"]
    assert "`prompt.content` (objects in a list inside a list)" in record_set["description"]
    # scores null on every row: the declared type; tiers, a list of lists of integers.
    assert (fields["scores"]["dataType"], fields["scores"]["repeated"]) == ("sc:Float", True)
    (tiers,) = fields["metadata"]["subField"]
    assert (tiers["dataType"], tiers["repeated"]) == ("sc:Integer", True)
    assert "a list of lists" in tiers["description"]


def synthetic(
    policy: str, judgments: int = 0, *, invited: int = 0, crowd: int = 0, simulated: int = 0
) -> dict[str, Any]:
    """A manifest whose rows come from these annotators (the lead's manifest fields)."""
    base = manifest()
    counts = base["counts"] | {
        "annotators": invited + crowd + simulated,
        "annotators_by_source": {"invited": invited, "crowd": crowd, "simulated": simulated},
    }
    found = {"policy": policy, "judgments": judgments, "annotators": simulated, "left_out": 0}
    return manifest(counts=counts, synthetic=found)


def test_human_rows_say_human_feedback_and_manual_curation() -> None:
    document = croissant(synthetic("none", invited=12))
    assert document["description"].startswith("Human feedback collected with prefhub")
    assert document["rai:dataCollectionType"][0] == "Manual Human Curator"
    assert "Software Collection" not in document["rai:dataCollectionType"]
    assert "12 invited annotators" in document["rai:dataCollection"]
    assert "crowd" not in document["rai:dataCollection"]
    assert "human-feedback" in document["keywords"] and "synthetic" not in document["keywords"]


def test_simulated_rows_never_say_human() -> None:
    document = croissant(synthetic("only_simulated", 3000, simulated=5))
    text = json.dumps(document)
    assert "Human feedback" not in text and "Manual Human Curator" not in text
    assert document["description"].startswith("Simulated feedback (no person made it)")
    assert "no person made them" in document["description"]
    assert document["rai:dataCollectionType"] == ["Software Collection"]
    assert (
        "5 simulated annotators (synthetic judgments, made by `prefhub simulate`)"
        in document["rai:dataCollection"]
    )
    assert "synthetic" in document["keywords"] and "human-feedback" not in document["keywords"]
    assert "Self-reporting" not in document["rai:dataCollectionType"]  # simulated profiles
    assert all("human feedback" not in use.lower() for use in document["rai:dataUseCases"])


def test_mixed_rows_list_both_sources_with_their_counts() -> None:
    crowd_spec = manifest()["campaign"]
    crowd_spec = crowd_spec | {
        "spec": crowd_spec["spec"] | {"participation": {"crowd": {"platform": "prolific"}}}
    }
    document = croissant(
        synthetic("included", 700, invited=12, crowd=30, simulated=5) | {"campaign": crowd_spec}
    )
    assert {"Manual Human Curator", "Software Collection"} <= set(
        document["rai:dataCollectionType"]
    )
    assert document["description"].startswith("Human and simulated feedback")
    assert "700 of its 3000 judgments are synthetic" in document["description"]
    assert (
        "12 invited and 30 crowd annotators; 5 simulated annotators (synthetic judgments, made "
        "by `prefhub simulate`)" in document["rai:dataCollection"]
    )
    # Not "every annotator came through the crowd platform": 12 did not.
    assert "They came through a crowd platform" not in document["rai:dataCollection"]
    assert {"human-feedback", "synthetic"} <= set(document["keywords"])


def test_left_out_simulated_judgments_are_said_and_the_rows_stay_human() -> None:
    found = synthetic("excluded", invited=4)
    found["synthetic"]["left_out"] = 32
    document = croissant(found)
    assert document["description"].startswith("Human feedback")
    assert "32 simulated judgments (`prefhub simulate`) were left out" in document["description"]
    assert document["rai:dataCollectionType"] == ["Manual Human Curator", "Self-reporting"]


def test_a_manifest_without_sources_keeps_the_campaigns_wording() -> None:
    """Manifests written before annotators were counted by source: the spec says where they
    came from; rows are human unless the policy says simulated only."""
    document = croissant(manifest())
    assert "They were invited accounts on the prefhub instance." in document["rai:dataCollection"]
    assert document["rai:dataCollectionType"][0] == "Manual Human Curator"
    only = croissant(manifest(synthetic={"policy": "only_simulated", "judgments": 3}))
    assert only["rai:dataCollectionType"] == ["Software Collection"]
    assert "Manual Human Curator" not in json.dumps(only)
