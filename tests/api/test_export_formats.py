"""Every item-campaign format, exported over REST from answers submitted through the API, holds
exactly the rows the README's derivation rules give, loads with `datasets`, and `dpo`, `kto`
and `reward` pass TRL's data utilities."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from prefhub.exports.formats.dpo import STANDARD_SEPARATOR, standard_prompt
from support.api import items, jsonl
from support.exports import assert_uniform_columns
from support.trl import render_conversational, tiny_chat_tokenizer

RATING = {
    "kind": "rating",
    "id": "scores",
    "prompt": "Score each response.",
    "attributes": [
        {"id": "helpfulness", "label": "Helpfulness", "scale": {"min": 0, "max": 4}},
        {
            "id": "verbosity",
            "label": "Verbosity",
            "scale": {"min": 0, "max": 4},
            "required": False,
        },
    ],
}
ALL_KINDS = [
    {"kind": "ranking", "id": "ranking", "allow_ties": True, "allow_none_acceptable": True},
    {"kind": "binary", "id": "thumbs"},
    {
        "kind": "negative_only",
        "id": "unacceptable",
        "reasons": [{"id": "incorrect", "label": "Incorrect"}, {"id": "harmful", "label": "H"}],
    },
    RATING,
    {"kind": "text", "id": "rationale", "purpose": "rationale", "target": "item"},
    {"kind": "text", "id": "critique", "purpose": "critique", "target": "candidate"},
    {"kind": "text", "id": "rewrite", "purpose": "refinement", "target": "candidate"},
]
# Answers by label: the export must name the candidates those labels stood for.
FIRST = {
    "ranking": {"ranking": [["A"], ["B", "C"]]},
    "thumbs": {"votes": {"A": "up", "B": "down", "C": "down"}},
    "unacceptable": {"unacceptable": {"C": ["incorrect", "harmful"]}},
    "scores": {
        "scores": {
            "A": {"helpfulness": 4, "verbosity": 2},  # mean 3.0
            "B": {"helpfulness": 3, "verbosity": 2},  # mean 2.5
            "C": {"helpfulness": 2},  # mean 2.0, verbosity not given
        }
    },
    "rationale": {"text": "A is right."},
    "critique": {"texts": {"B": "B is vague."}},
    "rewrite": {"texts": {"B": "Better B."}},
}
SECOND = {
    "ranking": {"ranking": [], "none_acceptable": True},
    "thumbs": {"votes": {"A": "down", "B": "down", "C": "down"}},
    "unacceptable": {"unacceptable": {}},
    "scores": {"scores": {label: {"helpfulness": 1, "verbosity": 1} for label in "ABC"}},
    "rationale": {"text": ""},
    "critique": {"texts": {}},
    "rewrite": {"texts": {}},
}


@dataclass
class Submitted:
    judgment_id: int
    prompt: str
    texts: dict[str, str]  # label -> candidate text
    answers: dict[str, Any]

    def user(self) -> list[dict[str, str]]:
        return [{"role": "user", "content": self.prompt}]

    def reply(self, label: str) -> list[dict[str, str]]:
        return [{"role": "assistant", "content": self.texts[label]}]


def _submit(client, slug: str, answers: dict[str, Any]) -> Submitted:
    task = client.get(f"/api/annotate/{slug}/next").json()["task"]
    response = client.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": task["assignment_id"],
            "client_id": str(uuid.uuid4()),
            "answers": answers,
            "time_spent_ms": 900,
        },
    )
    assert response.status_code == 200, response.text
    texts = {c["label"]: c["content"][0]["text"] for c in task["candidates"]}
    prompt = task["context"][-1]["content"][0]["text"]
    return Submitted(response.json()["judgment_id"], prompt, texts, answers)


def _campaign(researcher, slug: str, questions: list[dict], rows: list[dict], **extra) -> None:
    spec = {"name": slug, "slug": slug, "redundancy": 1, "questions": questions, **extra}
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(rows), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text


@pytest.fixture
def all_kinds(as_user, unique):
    """Two judgments of three candidates each, every question kind answered."""
    researcher = as_user("researcher")
    slug = f"kinds-{unique}"
    three = [
        {
            "id": f"q{i}",
            "prompt": f"Question {i}: name a prime.",
            "candidates": [{"content": f"Answer {i}.{n}", "model": f"model-{n}"} for n in range(3)],
        }
        for i in range(2)
    ]
    _campaign(researcher, slug, ALL_KINDS, three, max_candidates_shown=3)
    first, second = _submit(as_user(), slug, FIRST), _submit(as_user(), slug, SECOND)
    assert len(first.texts) == len(second.texts) == 3
    return researcher, slug, first, second


@pytest.fixture
def with_strength(as_user, unique):
    """Pairwise with strength and an item rationale: strong A, slight B, and a tie."""
    researcher = as_user("researcher")
    slug = f"strength-{unique}"
    questions = [
        {"kind": "pairwise", "id": "preference", "strength": True},
        {"kind": "text", "id": "why", "purpose": "rationale"},
    ]
    _campaign(researcher, slug, questions, items(3))
    answers = [
        {"preference": {"choice": "A", "strength": "strong"}, "why": {"text": "A is exact."}},
        {"preference": {"choice": "B", "strength": "slight"}, "why": {"text": ""}},
        {"preference": {"choice": "tie"}, "why": {"text": "Same."}},
    ]
    return researcher, slug, [_submit(as_user(), slug, a) for a in answers]


def _export(researcher, slug: str, fmt: str, tmp_path: Path, **options) -> tuple[list, dict]:
    """Export over REST, run the worker's task body; the rows as `datasets` loads them."""
    import datasets

    from prefhub.exports.tasks import execute_export

    job = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": fmt, **options})
    assert job.status_code == 202, job.text
    execute_export(job.json()["id"])
    finished = researcher.get(f"/api/exports/{job.json()['id']}").json()
    assert finished["status"] == "succeeded", finished
    data = researcher.get(f"/api/exports/{finished['id']}/files/{fmt}.jsonl").content
    manifest = researcher.get(f"/api/exports/{finished['id']}/files/manifest.json").json()
    raw = [json.loads(line) for line in data.decode().splitlines()]
    assert manifest["counts"]["rows"] == finished["row_count"] == len(raw)
    assert_uniform_columns(raw)
    if not raw:
        return [], manifest
    path = tmp_path / f"{fmt}-{finished['id']}.jsonl"
    path.write_bytes(data)
    loaded = datasets.load_dataset("json", data_files=str(path), split="train")
    assert len(loaded) == len(raw)
    assert {"id", "campaign", "metadata"} <= set(loaded.column_names)
    for row in raw:
        assert row["campaign"] == slug and row["metadata"]["annotator_id"].startswith("ann-")
    return [dict(example) for example in loaded], manifest


def _by_id(rows: list[dict], *columns: str) -> dict[str, tuple]:
    return {row["id"]: tuple(row[c] for c in columns) for row in rows}


def test_dpo_expands_rankings_and_ratings_to_pairs(all_kinds, tmp_path):
    researcher, slug, first, _ = all_kinds
    rows, manifest = _export(researcher, slug, "dpo", tmp_path)
    j = first.judgment_id
    pairs = {
        f"j{j}.ranking.A>B": ("A", "B"),
        f"j{j}.ranking.A>C": ("A", "C"),
        f"j{j}.scores.A>B": ("A", "B"),
        f"j{j}.scores.A>C": ("A", "C"),
        f"j{j}.scores.B>C": ("B", "C"),
    }
    assert _by_id(rows, "prompt", "chosen", "rejected") == {
        row_id: (first.user(), first.reply(better), first.reply(worse))
        for row_id, (better, worse) in pairs.items()
    }
    for row in rows:
        assert row["metadata"]["source_models"]["chosen"].startswith("model-")
        render_conversational(row)
    # B and C tie in the ranking; the second judgment ranks nothing and scores all alike.
    assert manifest["counts"]["skipped_no_preference"] == {
        "equal_score_pairs": 3,
        "none_acceptable": 1,
        "tied_pairs": 1,
    }


def test_kto_labels_thumbs_unacceptable_and_on_request_ranking_extremes(all_kinds, tmp_path):
    researcher, slug, first, second = all_kinds
    j1, j2 = first.judgment_id, second.judgment_id
    # By default only unpaired answers (binary, negative-only) give kto rows.
    unpaired, _ = _export(researcher, slug, "kto", tmp_path)
    assert {r["id"] for r in unpaired} == {
        f"j{j1}.thumbs.A",
        f"j{j1}.thumbs.B",
        f"j{j1}.thumbs.C",
        f"j{j1}.unacceptable.C",
        *(f"j{j2}.thumbs.{label}" for label in "ABC"),
    }
    rows, manifest = _export(researcher, slug, "kto", tmp_path, kto_from_preferences=True)
    expected = {
        f"j{j1}.ranking.A": (first, "A", True),
        f"j{j1}.ranking.B": (first, "B", False),
        f"j{j1}.ranking.C": (first, "C", False),
        f"j{j1}.thumbs.A": (first, "A", True),
        f"j{j1}.thumbs.B": (first, "B", False),
        f"j{j1}.thumbs.C": (first, "C", False),
        f"j{j1}.unacceptable.C": (first, "C", False),
        **{f"j{j2}.thumbs.{label}": (second, label, False) for label in "ABC"},
    }
    assert _by_id(rows, "prompt", "completion", "label") == {
        row_id: (judged.user(), judged.reply(label), good)
        for row_id, (judged, label, good) in expected.items()
    }
    reasons = {r["id"]: r["metadata"].get("reasons") for r in rows}
    assert reasons[f"j{j1}.unacceptable.C"] == ["harmful", "incorrect"]
    assert manifest["counts"]["skipped"] == {"none_acceptable": 1}
    for row in rows:
        rendered = render_conversational(row)
        assert row["completion"][0]["content"] in rendered["completion"]


def test_reward_rows_fold_the_prompt_in_and_carry_margins(all_kinds, with_strength, tmp_path):
    from trl.data_utils import maybe_extract_prompt

    researcher, slug, first, _ = all_kinds
    rows, _ = _export(researcher, slug, "reward", tmp_path)
    j = first.judgment_id
    margins = {
        f"j{j}.ranking.A>B": ("A", "B", 1.0),
        f"j{j}.ranking.A>C": ("A", "C", 1.0),
        f"j{j}.scores.A>B": ("A", "B", 0.5),
        f"j{j}.scores.A>C": ("A", "C", 1.0),
        f"j{j}.scores.B>C": ("B", "C", 0.5),
    }
    assert _by_id(rows, "chosen", "rejected", "margin") == {
        row_id: (first.user() + first.reply(a), first.user() + first.reply(b), margin)
        for row_id, (a, b, margin) in margins.items()
    }
    researcher, slug, judged = with_strength
    rows, manifest = _export(researcher, slug, "reward", tmp_path)
    strong, slight, _ = judged
    assert _by_id(rows, "chosen", "rejected", "margin") == {
        f"j{strong.judgment_id}.preference": (
            strong.user() + strong.reply("A"),
            strong.user() + strong.reply("B"),
            3.0,
        ),
        f"j{slight.judgment_id}.preference": (
            slight.user() + slight.reply("B"),
            slight.user() + slight.reply("A"),
            1.0,
        ),
    }
    assert manifest["counts"]["skipped"] == {"tie": 1}
    for row in rows:
        explicit = maybe_extract_prompt(row)
        assert explicit["prompt"] == row["chosen"][:1]
        assert explicit["chosen"] == row["chosen"][1:]
        render_conversational(explicit)
    standard, _ = _export(researcher, slug, "reward", tmp_path, conversational=False)
    for row in standard:
        prompt = maybe_extract_prompt(row)["prompt"]
        assert prompt.startswith("Question ") and isinstance(row["chosen"], str)


def test_ranking_rows_order_candidates_best_first(all_kinds, tmp_path):
    researcher, slug, first, second = all_kinds
    rows, manifest = _export(researcher, slug, "ranking", tmp_path)
    j1, j2 = first.judgment_id, second.judgment_id
    assert _by_id(rows, "completions", "ranks", "scores") == {
        f"j{j1}.ranking": ([first.reply(x) for x in "ABC"], [0, 1, 1], None),
        f"j{j1}.scores": ([first.reply(x) for x in "ABC"], [0, 1, 2], [3.0, 2.5, 2.0]),
        f"j{j2}.scores": ([second.reply(x) for x in "ABC"], [0, 0, 0], [1.0, 1.0, 1.0]),
    }
    assert all(row["prompt"] == first.user() for row in rows if row["id"].startswith(f"j{j1}"))
    assert manifest["counts"]["skipped"] == {"none_acceptable": 1}


def test_ratings_rows_have_one_integer_column_per_attribute(all_kinds, tmp_path):
    researcher, slug, first, second = all_kinds
    rows, _ = _export(researcher, slug, "ratings", tmp_path)
    j1, j2 = first.judgment_id, second.judgment_id
    expected = {
        f"j{j1}.scores.A": (first.reply("A"), 4, 2),
        f"j{j1}.scores.B": (first.reply("B"), 3, 2),
        f"j{j1}.scores.C": (first.reply("C"), 2, None),
        **{f"j{j2}.scores.{x}": (second.reply(x), 1, 1) for x in "ABC"},
    }
    assert _by_id(rows, "response", "helpfulness", "verbosity") == expected


def test_feedback_rows_attach_texts_to_their_candidates(all_kinds, with_strength, tmp_path):
    researcher, slug, first, _ = all_kinds
    rows, _ = _export(researcher, slug, "feedback", tmp_path)
    j = first.judgment_id
    # The item rationale goes to the ranking's single best candidate.
    assert _by_id(rows, "response", "critique", "refinement") == {
        f"j{j}.A": (first.reply("A"), "A is right.", None),
        f"j{j}.B": (first.reply("B"), "B is vague.", "Better B."),
    }
    researcher, slug, judged = with_strength
    rows, manifest = _export(researcher, slug, "feedback", tmp_path)
    strong = judged[0]
    assert _by_id(rows, "response", "critique", "refinement") == {
        f"j{strong.judgment_id}.A": (strong.reply("A"), "A is exact.", None)
    }
    # The tie's rationale has no chosen candidate to go to.
    assert manifest["counts"]["skipped"] == {"item_text_without_choice": 1}


def test_pairwise_with_strength_feeds_dpo_and_kto(with_strength, tmp_path):
    researcher, slug, (strong, slight, _) = with_strength
    rows, manifest = _export(researcher, slug, "dpo", tmp_path)
    assert _by_id(rows, "chosen", "rejected") == {
        f"j{strong.judgment_id}.preference": (strong.reply("A"), strong.reply("B")),
        f"j{slight.judgment_id}.preference": (slight.reply("B"), slight.reply("A")),
    }
    assert manifest["counts"]["skipped_no_preference"] == {"tie": 1}
    assert _export(researcher, slug, "kto", tmp_path)[0] == []  # pairwise rows on request
    rows, _ = _export(researcher, slug, "kto", tmp_path, kto_from_preferences=True)
    assert _by_id(rows, "completion", "label") == {
        f"j{strong.judgment_id}.preference.A": (strong.reply("A"), True),
        f"j{strong.judgment_id}.preference.B": (strong.reply("B"), False),
        f"j{slight.judgment_id}.preference.B": (slight.reply("B"), True),
        f"j{slight.judgment_id}.preference.A": (slight.reply("A"), False),
    }
    for fmt in ("ranking", "ratings"):
        assert _export(researcher, slug, fmt, tmp_path)[0] == []


# Issue 15: columns uniform across an export's rows, checked by TRL's own code.
TWO = [
    {
        "id": f"q{i}",
        "prompt": f"Question {i}: name a prime.",
        "candidates": [{"content": f"Answer {i}.{n}", "model": f"model-{n}"} for n in range(2)],
    }
    for i in range(2)
]


def _pairwise_and_rating(as_user, slug: str, *, strength: bool) -> Any:
    researcher = as_user("researcher")
    pairwise = {"kind": "pairwise", "id": "preference", "strength": strength}
    _campaign(researcher, slug, [pairwise, RATING], TWO)
    choice = {"choice": "A", "strength": "clear"} if strength else {"choice": "A"}
    scores = {"A": {"helpfulness": 4}, "B": {"helpfulness": 1}}
    for _ in TWO:
        _submit(as_user(), slug, {"preference": choice, "scores": {"scores": scores}})
    return researcher


def _collate(rows: list[dict[str, Any]], columns: list[str]) -> dict[str, Any]:
    """The batch TRL's RewardTrainer makes of the rows: each row tokenized, `margin` kept when
    the dataset has the column (as the trainer keeps every column it knows)."""
    from trl.trainer.reward_trainer import DataCollatorForPreference

    tokenizer = tiny_chat_tokenizer()

    def ids(conversation: list[dict[str, str]]) -> list[int]:
        return tokenizer(tokenizer.apply_chat_template(conversation, tokenize=False))["input_ids"]

    examples = [
        {"chosen_ids": ids(row["chosen"]), "rejected_ids": ids(row["rejected"])}
        | ({"margin": row["margin"]} if "margin" in columns else {})
        for row in rows
    ]
    return DataCollatorForPreference(pad_token_id=0)(examples)


@pytest.mark.parametrize("strength", [False, True])
def test_reward_margin_is_on_every_row_or_none(as_user, unique, tmp_path, strength):
    pytest.importorskip("trl")
    researcher = _pairwise_and_rating(as_user, f"margins-{unique}", strength=strength)
    rows, _ = _export(researcher, f"margins-{unique}", "reward", tmp_path)
    questions = sorted({row["metadata"]["question"] for row in rows})
    assert questions == ["preference", "scores"] and len(rows) == 4
    columns = sorted({key for row in rows for key in row})
    batch = _collate(rows, columns)
    assert batch["input_ids"].shape[0] == 2 * len(rows)
    if strength:
        # clear strength 2.0 for the pairwise rows, the score gap 3.0 for the rating rows
        assert sorted(batch["margin"].tolist()) == [2.0, 2.0, 3.0, 3.0]
    else:
        # a pairwise question without strength gives no margin: no row carries one
        assert "margin" not in columns and "margin" not in batch


def test_dpo_and_reward_standard_rows_join_prompt_and_completion_alike(as_user, unique, tmp_path):
    slug = f"standard-{unique}"
    researcher = _pairwise_and_rating(as_user, slug, strength=False)
    dpo, _ = _export(researcher, slug, "dpo", tmp_path, conversational=False)
    reward, _ = _export(researcher, slug, "reward", tmp_path, conversational=False)
    assert len(dpo) == len(reward) == 4
    by_id = {row["id"]: row for row in reward}
    for row in dpo:
        assert row["prompt"].startswith("Question ")
        assert row["prompt"].endswith(STANDARD_SEPARATOR)
        assert by_id[row["id"]]["chosen"] == row["prompt"] + row["chosen"]
        assert by_id[row["id"]]["rejected"] == row["prompt"] + row["rejected"]


def test_standard_transcript_prompt_ends_with_its_separator():
    def turn(role: str, text: str) -> dict[str, Any]:
        return {"role": role, "content": [{"type": "text", "text": text}]}

    assert standard_prompt([turn("user", "Hi")]) == "Hi\n\n"
    transcript = [turn("user", "Hi"), turn("assistant", "Hello"), turn("user", "Bye")]
    assert standard_prompt(transcript) == "User: Hi\n\nAssistant: Hello\n\nUser: Bye\n\nAssistant: "
