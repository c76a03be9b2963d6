"""The README.md of an export folder (prefhub.exports.card): a Hugging Face dataset card."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import yaml

from prefhub.exports.card import dataset_card, size_category

SURVEY = [
    {
        "id": "age_band",
        "prompt": "Your age?",
        "kind": "single_choice",
        "options": [{"id": "young", "label": "18-24"}, {"id": "older", "label": "25-34"}],
    },
    {"id": "years", "prompt": "Years of experience?", "kind": "number", "options": []},
    {"id": "free", "prompt": "Anything else?", "kind": "text", "options": []},
]


def spec(**changes: Any) -> dict[str, Any]:
    return {
        "name": "Demo campaign",
        "slug": "demo",
        "guidelines": "## Your task\n\nPick the better response.\n",
        "questions": [
            {"kind": "pairwise", "id": "preference", "prompt": "Which response is better?"},
            {
                "kind": "rating",
                "id": "quality",
                "prompt": "Rate each response.",
                "attributes": [
                    {"id": "helpfulness", "label": "Helpfulness", "scale": {"min": 0, "max": 4}},
                    {"id": "honesty", "label": "Honesty", "scale": {"min": 1, "max": 7}},
                ],
            },
        ],
        "redundancy": 3,
        "participation": {"consent": None, "survey": SURVEY, "crowd": None},
        "trees": None,
    } | changes


def manifest(**changes: Any) -> dict[str, Any]:
    campaign_spec = changes.pop("spec", None) or spec()
    fmt = changes.get("format", "dpo")
    return {
        "prefhub_version": "0.1.0",
        "format": fmt,
        "options": {
            "format": fmt,
            "conversational": True,
            "aggregation": "none",
            "file_format": "jsonl",
            "include_profiles": False,
            "min_agreement": None,
            "drop_ties": False,
        },
        "campaign": {
            "slug": campaign_spec["slug"],
            "name": campaign_spec["name"],
            "version": 3,
            "spec": campaign_spec,
        },
        "aggregation": "none",
        "filters": {"models": None, "languages": None, "include_gold": False, "rounds": None},
        "counts": {"rows": 1234, "judgments": 3000, "annotators": 12},
        "data_files": [f"{fmt}.jsonl"],
        "media_files": 0,
        "annotators_per_item": {
            "items": 400,
            "min": 1,
            "median": 3,
            "max": 10,
            "histogram": {"1": 10, "3": 380, "10": 10},
        },
        "demographics": {
            "age_band": {
                "prompt": "Your age?",
                "kind": "single_choice",
                "answered": 12,
                "counts": {"18-24": 8, "25-34": "<5"},
            },
            "years": {
                "prompt": "Years of experience?",
                "kind": "number",
                "answered": 10,
                "min": 18,
                "median": 30,
                "max": 61,
            },
            "free": {"prompt": "Anything else?", "kind": "text", "answered": 9},
        },
    } | changes


def front_matter(card: str) -> dict[str, Any]:
    assert card.startswith("---\n")
    header, _, _ = card[4:].partition("\n---\n")
    return yaml.safe_load(header)


def body(card: str) -> str:
    return card[4:].partition("\n---\n")[2]


def section(card: str, title: str) -> str:
    """The text under a ``## title`` heading, up to the next one."""
    return body(card).split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_front_matter_parses_back_with_config_size_and_annotation_creators():
    header = front_matter(dataset_card(manifest()))
    assert header["configs"] == [
        {"config_name": "default", "data_files": [{"split": "train", "path": "dpo.jsonl"}]}
    ]
    assert header["size_categories"] == ["1K<n<10K"]
    assert header["annotations_creators"] == ["expert-generated"]
    assert header["task_categories"] == ["text-generation"]
    assert {"dpo", "trl", "human-feedback", "prefhub"} <= set(header["tags"])
    assert header["pretty_name"] == "Demo campaign"


def test_a_crowd_entry_makes_the_annotations_crowdsourced():
    crowd = {"participant_param": "PROLIFIC_PID", "completion_code": "C0DE"}
    participation = {"consent": None, "survey": [], "crowd": crowd}
    card = dataset_card(manifest(spec=spec(participation=participation)))
    assert front_matter(card)["annotations_creators"] == ["crowdsourced"]
    assert "came through a crowd platform" in section(card, "Who the annotators are")


def test_several_data_files_are_listed_under_the_train_split():
    card = dataset_card(manifest(data_files=["dpo-0.parquet", "dpo-1.parquet"]))
    data_files = front_matter(card)["configs"][0]["data_files"]
    assert data_files == [{"split": "train", "path": ["dpo-0.parquet", "dpo-1.parquet"]}]
    assert 'load_dataset("parquet", data_files=["dpo-0.parquet", "dpo-1.parquet"]' in card


@pytest.mark.parametrize(
    ("rows", "category"),
    [
        (0, "n<1K"),
        (999, "n<1K"),
        (1_000, "1K<n<10K"),
        (99_999, "10K<n<100K"),
        (100_000, "100K<n<1M"),
        (1_000_000, "1M<n<10M"),
        (12_345_678, "10M<n<100M"),
        (999_999_999, "100M<n<1B"),
        (5_000_000_000, "n>1B"),
    ],
)
def test_size_category_follows_the_hugging_face_buckets(rows, category):
    assert size_category(rows) == category


def test_the_card_has_every_section_in_order():
    headings = re.findall(r"^#{1,2} .*$", body(dataset_card(manifest())), flags=re.MULTILINE)
    assert headings == [
        "# Demo campaign",
        "## Dataset structure",
        "## Annotation process",
        "## Who the annotators are",
        "## Personal and sensitive information",
        "## Reproducibility",
    ]


@pytest.mark.parametrize(
    ("fmt", "file", "trainer"),
    [
        ("dpo", "dpo.jsonl", "`DPOTrainer`"),
        ("reward", "reward.parquet", "`RewardTrainer`"),
        ("kto", "kto.jsonl", "`KTOTrainer`"),
        ("ranking", "ranking.jsonl", "No TRL trainer"),
        ("judgments", "judgments.jsonl", "No TRL trainer"),
    ],
)
def test_summary_shows_how_to_load_the_file_and_which_trainer_fits(fmt, file, trainer):
    card = dataset_card(manifest(format=fmt, data_files=[file]))
    reader = "parquet" if file.endswith(".parquet") else "json"
    assert f'load_dataset("{reader}", data_files="{file}", split="train")' in card
    summary = body(card).split("\n## ", 1)[0]
    assert trainer in summary
    assert "1,234 rows from 3,000 judgments by 12 annotators" in summary


@pytest.mark.parametrize(
    ("fmt", "columns"),
    [
        ("dpo", ["id", "campaign", "prompt", "chosen", "rejected", "metadata"]),
        # The pairwise question asks no strength: no row has a margin, so none is listed.
        ("reward", ["id", "campaign", "chosen", "rejected", "metadata"]),
        ("kto", ["id", "campaign", "prompt", "completion", "label", "metadata"]),
        ("ranking", ["id", "campaign", "prompt", "completions", "ranks", "scores", "metadata"]),
        ("ratings", ["id", "campaign", "prompt", "response", "helpfulness", "honesty", "metadata"]),
        (
            "feedback",
            ["id", "campaign", "prompt", "response", "critique", "refinement", "metadata"],
        ),
    ],
)
def test_structure_lists_the_columns_of_the_format(fmt, columns):
    structure = section(dataset_card(manifest(format=fmt)), "Dataset structure")
    assert re.findall(r"^\| `(\w+)` \|", structure, flags=re.MULTILINE) == columns


def test_ratings_columns_give_each_attribute_its_scale():
    structure = section(dataset_card(manifest(format="ratings")), "Dataset structure")
    assert "| `honesty` | integer score for Honesty (1 to 7); null if not scored |" in structure


def test_media_columns_appear_when_the_export_has_media_files():
    card = dataset_card(manifest(media_files=17))
    names = re.findall(r"^\| `(\w+)` \|", section(card, "Dataset structure"), flags=re.MULTILINE)
    assert names[-4:] == ["images", "audios", "videos", "metadata"]
    assert "The 17 files under `media/`" in card


def test_annotation_process_lists_questions_redundancy_aggregation_and_applied_filters():
    filters = {
        "models": ["m-a", "m-b"],
        "languages": None,
        "include_gold": False,
        "annotator_groups": {"country": ["GB", "IE"]},
        "rounds": [],
    }
    process = section(dataset_card(manifest(filters=filters)), "Annotation process")
    assert "| `preference` | pairwise | Which response is better? |" in process
    assert "| `quality` | rating | Rate each response. |" in process
    assert "K = 3 annotators" in process
    assert "Aggregation **none**" in process
    assert re.findall(r"^- `(\w+)`: (.*)$", process, flags=re.MULTILINE) == [
        ("models", "m-a, m-b"),
        ("annotator_groups", "country in GB, IE"),
    ]
    assert "> ## Your task\n>\n> Pick the better response." in process


def test_no_filters_is_said_so():
    process = section(dataset_card(manifest()), "Annotation process")
    assert "No filters were applied." in process
    assert "Filters applied" not in process
    # Leaving gold items out is the default, said apart from the filters.
    assert "Gold (attention-check) items, if the campaign has any, are left out." in process
    included = manifest(filters={"include_gold": True})
    process = section(dataset_card(included), "Annotation process")
    assert "Gold (attention-check) items are included." in process
    assert "No filters were applied." in process


def test_long_guidelines_are_quoted_as_an_excerpt_of_about_1500_characters():
    guidelines = "\n\n".join(f"Rule {n}: judge content, not length." for n in range(200))
    process = section(
        dataset_card(manifest(spec=spec(guidelines=guidelines))), "Annotation process"
    )
    quoted = [line for line in process.splitlines() if line.startswith(">")]
    excerpt = "\n".join(line[2:] for line in quoted)
    assert 1400 < len(excerpt) <= 1502
    assert excerpt.endswith(" …")
    assert "Rule 199" not in process


def test_annotators_section_gives_counts_the_histogram_and_pseudonymity():
    annotators = section(dataset_card(manifest()), "Who the annotators are")
    assert "12 annotators" in annotators
    assert "min 1, median 3, max 10" in annotators
    # Histogram rows in numeric order, not string order ("10" after "3").
    assert re.findall(r"^\| (\d+) \| (\d+) \|$", annotators, flags=re.MULTILINE)[:3] == [
        ("1", "10"),
        ("3", "380"),
        ("10", "10"),
    ]
    assert "keyed hash" in annotators and "no e-mail address" in annotators
    assert "Profile answers are not in the rows" in annotators


def test_included_profiles_are_said_to_be_in_the_rows():
    card = dataset_card(manifest(options=manifest()["options"] | {"include_profiles": True}))
    assert "Each row's metadata includes its annotator's profile answers." in card
    assert "in each row's metadata" in section(card, "Personal and sensitive information")


def test_demographics_become_tables_with_suppressed_cells_explained():
    annotators = section(dataset_card(manifest()), "Who the annotators are")
    assert "**Your age?** (single_choice, 12 answered)" in annotators
    assert "| 18-24 | 8 |\n| 25-34 | <5 |" in annotators
    assert "| min | median | max |\n| --- | --- | --- |\n| 18 | 30 | 61 |" in annotators
    assert "**Anything else?** (text, 9 answered): free text" in annotators
    assert "`<5` are suppressed small cells" in annotators


def test_a_tree_export_describes_trees_and_leaves_out_survey_and_per_item_counts():
    trees = {"reviews_needed_reply": 2, "rankings_needed": 3, "consensus": "bradley_terry"}
    tree_spec = spec(questions=[], trees=trees, participation={"survey": []})
    tree = manifest(format="trees", spec=tree_spec, demographics={}, counts={"rows": 5, "trees": 5})
    del tree["annotators_per_item"]
    card = dataset_card(tree)
    assert "Profile survey" not in card and "Annotators per item" not in card
    assert "one conversation tree per line" in card
    process = section(card, "Annotation process")
    assert "3 rankings" in process and "**bradley_terry** consensus" in process
    assert "K =" not in process and "questions asked" not in process
    assert "machine-generated" in front_matter(card)["language_creators"]


def test_a_hostile_campaign_name_and_guidelines_cannot_break_the_card():
    name = "Evil: # 'quoted' \"double\" | pipe\n---\n<!-- hide"
    guidelines = "Line one | cell\n<!-- everything after this -->\n```\nfenced\n## Heading"
    prompt = "Which | is\nbetter?"
    questions = [{"kind": "pairwise", "id": "preference", "prompt": prompt}]
    card = dataset_card(manifest(spec=spec(name=name, guidelines=guidelines, questions=questions)))
    assert front_matter(card)["pretty_name"] == " ".join(name.split())
    assert "<!--" not in body(card)
    title = body(card).strip().splitlines()[0]
    assert title == "# Evil: # 'quoted' \"double\" \\| pipe --- &lt;!-- hide"
    process = section(card, "Annotation process")
    assert "| `preference` | pairwise | Which \\| is better? |" in process
    quoted = process.split("`campaign.spec.guidelines`):\n\n", 1)[1].splitlines()
    assert quoted == [
        "> Line one | cell",
        "> &lt;!-- everything after this -->",
        "> ```",
        "> fenced",
        "> ## Heading",
    ]
    # The guidelines' heading stays inside the quote: the sections that follow are intact.
    assert "\n## Who the annotators are\n" in card


def test_the_same_manifest_gives_the_same_card():
    first = manifest(filters={"models": ["b", "a"], "annotator_groups": {"x": ["1"]}})
    second = copy.deepcopy(first)
    assert dataset_card(first) == dataset_card(second)
    assert first == second  # the card leaves the manifest as it was


def test_the_card_warns_when_pseudonyms_use_the_development_key(monkeypatch):
    from prefhub.settings import DEV_SECRET_KEY, get_settings

    assert "Warning: reversible pseudonyms" not in dataset_card(manifest())
    monkeypatch.setattr(get_settings(), "secret_key", DEV_SECRET_KEY)
    card = dataset_card(manifest())
    warning = card.split("## Warning: reversible pseudonyms\n\n")[1].split("\n\n## ")[0]
    assert "development secret key" in warning and "not pseudonymous" in warning
    # Right after the summary, before the structure, so a reader meets it first.
    assert card.index("## Warning: reversible pseudonyms") < card.index("## Dataset structure")
