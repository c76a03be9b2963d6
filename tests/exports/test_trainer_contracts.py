"""Issue 15, point 1: every training format's export is loaded as its dataset card says and
trained by the TRL trainers the card names (DPOTrainer, KTOTrainer, RewardTrainer), for two
steps on a tiny model built here, for each campaign kind (item campaigns asking pairwise
questions with and without strength, ranking, rating and binary ones; conversation trees) and
form. Aggregations and options (Parquet, profiles, drop_ties, min_agreement) go through the same
trainers' data preparation and collator and their loss on a batch. Every export's columns are
the same on every row.

The campaigns are made once per module through the API (real annotators' answers) and by the
simulation (trees), then exported many times through the export service."""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from support.api import PASSWORD, jsonl, login
from support.exports import assert_uniform_columns, card_trainers, data_rows, load_as_card_says
from support.trl import (
    first_batch_loss,
    require_trl,
    tiny_chat_tokenizer,
    train_briefly,
    trainer_for,
)

pytestmark = pytest.mark.trl

README = Path(__file__).resolve().parents[2] / "README.md"
ITEMS = 3
# One annotator per judgment of an item (redundancy 3); their profiles differ in shape, as
# real profiles do.
PROFILES = [
    {"age_band": "25-34", "country": "GB"},
    {"age_band": "35-44"},
    {"age_band": "18-24", "country": "IE", "style": "concise"},
]
# Candidate texts by quality, best first; every item offers the first two or all three.
QUALITIES = ("good", "fair", "poor")
TEXTS = {
    "good": "Reply {i} : two is a prime , the smallest one .",
    "fair": "Reply {i} : one is a prime , I think .",
    "poor": "Reply {i} : nine is a prime .",
}
RATING = {
    "kind": "rating",
    "id": "scores",
    "attributes": [{"id": "helpfulness", "label": "Helpfulness", "scale": {"min": 0, "max": 4}}],
}
PAIRWISE = {"kind": "pairwise", "id": "preference"}
# Item campaigns: their questions and how many candidates each item shows.
CAMPAIGNS: dict[str, tuple[list[dict[str, Any]], int]] = {
    "pairwise": ([PAIRWISE, {"kind": "binary", "id": "thumbs"}], 2),
    "strength": ([PAIRWISE | {"strength": True}], 2),
    "ranking": ([{"kind": "ranking", "id": "ranking", "allow_ties": True}], 3),
    "rating": ([RATING], 3),
    # A pairwise question without strength beside a rating: no `reward` row has a margin.
    "mixed": ([PAIRWISE, RATING], 2),
}
# The columns a trainer reads: present, they are never null.
TRAINER_COLUMNS = ("prompt", "chosen", "rejected", "completion", "label", "margin")


# ------------------------------------------------------------------------------- campaigns


def _quality_order(task: dict[str, Any], item: int, annotator: int) -> list[list[str]] | None:
    """The shown labels in tiers, best first, as this annotator sees them; None for "all
    equal". Item 0: all agree; item 1: the third annotator reverses the order; item 2: the
    first annotator finds them equal and the third reverses (no majority on a pair)."""
    by_quality = {}
    for candidate in task["candidates"]:
        text = candidate["content"][0]["text"]
        quality = next(q for q in QUALITIES if TEXTS[q].format(i=item) == text)
        by_quality[quality] = candidate["label"]
    order = [by_quality[q] for q in QUALITIES if q in by_quality]
    if item == 2 and annotator == 0:
        return None
    if item in (1, 2) and annotator == 2:
        order.reverse()
    return [[label] for label in order]


def _answer(question: dict[str, Any], tiers: list[list[str]] | None, labels: list[str]) -> dict:
    kind = question["kind"]
    best = tiers[0][0] if tiers else None
    if kind == "pairwise":
        if best is None:
            return {"choice": "tie"}
        return {"choice": best} | ({"strength": "clear"} if question.get("strength") else {})
    if kind == "binary":
        return {"votes": {label: "up" if best in (None, label) else "down" for label in labels}}
    if kind == "ranking":
        return {"ranking": tiers or [labels]}
    # rating: 4 for the best, 0 for the worst, all 2 when equal
    top = len(labels) - 1
    points = {t[0]: 4 * (top - n) // top for n, t in enumerate(tiers)} if tiers else {}
    return {"scores": {label: {"helpfulness": points.get(label, 2)} for label in labels}}


def _client(app: Any, address: str, role: str, profile: dict[str, Any] | None = None) -> Any:
    from fastapi.testclient import TestClient

    from prefhub.auth.service import create_user
    from prefhub.kit.db import unit_of_work
    from prefhub.models import Role

    email = f"{role}-{uuid.uuid4().hex[:10]}@example.org"
    with unit_of_work() as session:
        create_user(
            session,
            email=email,
            password=PASSWORD,
            role=Role(role),
            languages=["en"],
            profile=profile,
        )
    client = TestClient(app, raise_server_exceptions=False, client=(address, 50000))
    login(client, email)
    return client


@dataclass
class Campaigns:
    """The module's campaigns by name (item campaigns by CAMPAIGNS' keys, and "trees")."""

    slugs: dict[str, str]
    texts: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def campaigns(migrated: str) -> Iterator[Campaigns]:
    """Each item campaign judged by three annotators over REST, every item by each; a tree
    campaign grown to ready_for_export by simulated annotators."""
    from prefhub.app import create_app
    from prefhub.simulation.service import simulate

    app = create_app()
    # Addresses of this module's own (RFC 2544's test range, above the conftest's).
    addresses = (f"198.19.115.{n}" for n in itertools.count(1))
    researcher = _client(app, next(addresses), "researcher")
    annotators = [_client(app, next(addresses), "annotator", p) for p in PROFILES]
    run = uuid.uuid4().hex[:6]
    slugs: dict[str, str] = {}
    texts: list[str] = []
    for name, (questions, shown) in CAMPAIGNS.items():
        slug = slugs[name] = f"contract-{name}-{run}"
        items = [
            {
                "id": f"q{i}",
                "prompt": f"Question {i} : name a prime number .",
                "candidates": [
                    {"content": TEXTS[q].format(i=i), "model": f"model-{q}"}
                    for q in QUALITIES[:shown]
                ],
            }
            for i in range(ITEMS)
        ]
        texts += [str(i["prompt"]) for i in items]
        texts += [TEXTS[q].format(i=i) for i in range(ITEMS) for q in QUALITIES[:shown]]
        spec = {"name": slug, "slug": slug, "redundancy": len(annotators), "questions": questions}
        assert researcher.post("/api/campaigns", json=spec).status_code == 201
        imported = researcher.post(
            f"/api/campaigns/{slug}/items/import",
            files={"file": ("items.jsonl", jsonl(items), "application/jsonl")},
        )
        assert imported.status_code == 201, imported.text
        for annotator, person in enumerate(annotators):
            for _ in range(ITEMS):
                _judge(person, slug, questions, annotator)
    slugs["trees"] = _grown_trees(researcher, f"contract-trees-{run}", simulate)
    for client in (researcher, *annotators):
        client.close()
    yield Campaigns(slugs, texts)


def _judge(person: Any, slug: str, questions: list[dict[str, Any]], annotator: int) -> None:
    task = person.get(f"/api/annotate/{slug}/next").json()["task"]
    assert task is not None
    found = re.search(r"Question (\d+)", task["context"][-1]["content"][0]["text"])
    assert found is not None
    item = int(found.group(1))
    labels = [c["label"] for c in task["candidates"]]
    tiers = _quality_order(task, item, annotator)
    submitted = person.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": task["assignment_id"],
            "client_id": str(uuid.uuid4()),
            "answers": {q["id"]: _answer(q, tiers, labels) for q in questions},
            "time_spent_ms": 1200,
        },
    )
    assert submitted.status_code == 200, submitted.text


def _grown_trees(researcher: Any, slug: str, simulate: Any) -> str:
    """Two trees grown to ready_for_export by six simulated annotators (two rankings of every
    set of sibling replies)."""
    spec = {
        "name": slug,
        "slug": slug,
        "questions": [{"kind": "labels", "target": "prompt"}],
        "trees": {
            "goal_tree_size": 6,
            "max_depth": 3,
            "max_children": 2,
            "reviews_needed_prompt": 1,
            "reviews_needed_reply": 1,
            "rankings_needed": 2,
            "max_active_trees": 2,
            "max_trees": 2,
            "lone_reply_sibling_probability": 1.0,
        },
    }
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    result = simulate(slug, annotators=6, judgments=2000, seed=3)
    assert result.exhausted, result
    return slug


@pytest.fixture(scope="module")
def trl_offline() -> Iterator[None]:
    """TRL importable (else skip, or fail where CI requires it), and the Hub offline: a model
    or tokenizer name anywhere fails instead of downloading."""
    require_trl()
    import datasets
    import huggingface_hub.constants
    import torch
    import transformers

    datasets.disable_progress_bars()
    transformers.logging.set_verbosity_error()
    threads = torch.get_num_threads()
    # models of a few thousand weights: one thread is faster than splitting each product
    torch.set_num_threads(1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
        yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tokenizer(campaigns: Campaigns, trl_offline: None) -> Any:
    """A word-level tokenizer knowing this module's texts and the simulation's words."""
    from prefhub.simulation import trees

    return tiny_chat_tokenizer(
        tuple(campaigns.texts) + trees.TOPICS + trees.FOLLOW_UPS + trees.ADVICE
    )


# ------------------------------------------------------------------------------- exports


Options = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Case:
    """One export: a format of a campaign with options; ``train`` runs the trainers' steps,
    otherwise their data preparation, collator and loss on the first batch."""

    format: str
    campaign: str
    options: Options = ()
    train: bool = False

    @property
    def id(self) -> str:
        shown = [
            "standard" if (k, v) == ("conversational", False) else k if v is True else f"{k}={v}"
            for k, v in self.options
        ]
        return "-".join([self.format, self.campaign, *shown, "train" if self.train else "batch"])


def export(slug: str, folder: Path, **options: Any) -> tuple[dict[str, Any], list[dict]]:
    """Write an export of ``slug`` with ``options`` through the export service, as the worker
    does; its manifest and its data file's rows as written."""
    from prefhub.campaigns.service import get_by_slug
    from prefhub.exports.schemas import ExportOptions
    from prefhub.exports.service import write_export
    from prefhub.kit.db import unit_of_work

    with unit_of_work(read_only=True, snapshot=True) as session:
        manifest = write_export(
            session, get_by_slug(session, slug), ExportOptions(**options), folder
        )
    data_file = manifest["files"][0]["name"]
    rows = data_rows(folder, data_file)
    assert manifest["counts"]["rows"] == len(rows)
    assert_uniform_columns(rows, not_null=TRAINER_COLUMNS)
    return manifest, rows


def _cases() -> Iterator[Case]:
    forms: list[Options] = [(), (("conversational", False),)]
    kto_sources: list[tuple[str, Options]] = [
        ("pairwise", ()),  # binary votes
        ("pairwise", (("kto_from_preferences", True),)),
        ("strength", (("kto_from_preferences", True),)),
        ("ranking", (("kto_from_preferences", True),)),
    ]
    sources: dict[str, list[tuple[str, Options]]] = {
        "dpo": [(name, ()) for name in CAMPAIGNS],
        "reward": [(name, ()) for name in CAMPAIGNS],
        "kto": kto_sources,
    }
    for fmt, campaigns in sources.items():
        for (campaign, extra), form in itertools.product(campaigns, forms):
            # every campaign kind in each form, trained; then each consensus of it
            yield Case(fmt, campaign, extra + form, train=True)
            for method in ("majority", "bradley_terry", "ranked_pairs"):
                yield Case(fmt, campaign, (("aggregation", method), *extra, *form))
        # options, on the campaign whose rows show them best
        campaign, extra = campaigns[-1]
        yield Case(fmt, campaign, (*extra, ("file_format", "parquet")), train=True)
        yield Case(fmt, campaign, (*extra, ("include_profiles", True)))
        yield Case(fmt, campaign, (*extra, ("include_profiles", True), ("aggregation", "majority")))
        yield Case(fmt, campaign, (*extra, ("aggregation", "majority"), ("drop_ties", True)))
        yield Case(fmt, campaign, (*extra, ("min_agreement", 0.8)))
        yield Case(fmt, campaign, (*extra, ("min_agreement", 0.8), ("aggregation", "ranked_pairs")))
    for fmt, form in itertools.product(("dpo", "kto"), forms):
        yield Case(fmt, "trees", form, train=True)
    yield Case("dpo", "trees", (("include_profiles", True),))
    yield Case("kto", "trees", (("include_profiles", True), ("file_format", "parquet")))


CASES = list(_cases())


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_export_feeds_the_trainers_its_card_names(case, campaigns, tokenizer, tmp_path):
    from prefhub.exports import registry

    folder = tmp_path / "export"
    _, rows = export(
        campaigns.slugs[case.campaign], folder, format=case.format, **dict(case.options)
    )
    assert rows, f"{case.id} gave no rows to train on"
    dataset = load_as_card_says(folder)
    assert len(dataset) == len(rows)
    trainers = card_trainers(folder)
    assert trainers, "the card names no trainer"
    assert trainers[0] in (registry.get(case.format).trainer or "")
    for name in trainers:
        trainer = trainer_for(name, dataset, tokenizer, tmp_path / name)
        # nothing was dropped on the way: every row became a training example
        assert len(trainer.train_dataset) == len(rows)
        if case.train:
            train_briefly(trainer)
        else:
            first_batch_loss(trainer)


@pytest.mark.parametrize("file_format", ["jsonl", "parquet"])
def test_an_empty_export_loads_as_its_card_says(file_format, campaigns, tmp_path):
    """🤗 Datasets refuses every split without rows (an empty JSONL file, a Parquet file with
    its schema, `features=` given): the card of a 0-row export says why there are no rows, and
    its snippet makes the empty split with the columns a row of the format has."""
    from datasets import load_dataset

    from prefhub.exports.card import columns_of

    folder = tmp_path / "export"
    # rating answers give no kto rows
    manifest, rows = export(
        campaigns.slugs["rating"], folder, format="kto", file_format=file_format
    )
    assert rows == []
    card = (folder / "README.md").read_text()
    assert "This export has no rows: none of its" in card and "gives a row of this format" in card
    dataset = load_as_card_says(folder)
    assert len(dataset) == 0
    assert dataset.column_names == [c.name for c in columns_of(manifest | {"media_files": 0})]
    # the columns a row of kto has, as a non-empty export of it shows
    _, kto_rows = export(campaigns.slugs["pairwise"], tmp_path / "rows", format="kto")
    assert set(dataset.column_names) == set(kto_rows[0])
    with pytest.raises(Exception):  # noqa: B017 - the datasets limitation the card works around
        load_dataset(
            "parquet" if file_format == "parquet" else "json",
            data_files=str(folder / f"kto.{file_format}"),
            split="train",
        )


def test_readme_shows_how_each_training_format_loads_into_its_trainer():
    """README's export section: for every format a TRL trainer reads, a snippet that loads the
    format's file with `load_dataset` and trains the trainer its card names first."""
    from prefhub.exports import registry

    text = README.read_text("utf-8")
    section = text[text.index("## Export formats") :]
    section = section[: section.index("\n## ", 1)]
    snippets = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    trained = [
        entry
        for entry in registry.all_formats()
        if entry.trainer and getattr(entry, "trainer_library", "TRL") == "TRL"
    ]
    assert {entry.name for entry in trained} >= {"dpo", "kto", "reward"}
    for entry in trained:
        trainer = re.findall(r"`(\w+Trainer)`", entry.trainer)[0]
        assert any(
            f'data_files="{entry.name}.jsonl"' in code
            and "load_dataset(" in code
            and f"{trainer}(" in code
            and ".train()" in code
            for code in snippets
        ), f"README shows no snippet loading {entry.name}.jsonl into {trainer}"
        assert f"| `{entry.name}` | TRL's `{trainer}`" in section
