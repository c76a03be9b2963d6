"""Every export's croissant.json, read record by record with ``mlcroissant`` (the Croissant
reference library), gives back the rows of its data file, field by field and with the types it
declares; it declares every column of the rows (the card's columns, the same on every row) and
no key that no row has.

Every registered format, for each campaign kind it supports, as JSONL and Parquet, in the
conversational and the standard form where the format has both; consensus rows (majority,
Bradley-Terry), profiles, a reward margin, media in prompts and candidates, and an export
without rows. The campaigns are filled once per module by ``prefhub simulate``.

mlcroissant comes with the ``dev`` extra (``.ci/run`` installs it, so this runs in CI); without
it the module is skipped, saying so.
"""

from __future__ import annotations

import copy
import io
import json
import math
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from support.api import jsonl
from support.media import wav

mlc = pytest.importorskip(
    "mlcroissant",
    reason="mlcroissant is not installed (pip install -e '.[dev]'); croissant.json is not read",
)
# mlcroissant 1.1.1's own use of rdflib and pandas, not ours.
pytestmark = [
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.reset_index"),
]

ITEM_QUESTIONS = """questions:
  - {kind: pairwise, id: preference}
  - {kind: ranking, id: ranking, allow_ties: true, allow_none_acceptable: true}
  - {kind: binary, id: thumbs}
  - {kind: negative_only, id: unacceptable}
  - kind: rating
    id: scores
    attributes:
      - {id: helpfulness, label: Helpfulness, scale: {min: 0, max: 4}}
      - {id: honesty, label: Honesty, scale: {min: 1, max: 7}, required: false}
  - {kind: text, id: rationale, purpose: rationale, target: item}
  - {kind: text, id: critique, purpose: critique, target: candidate}
  - {kind: text, id: rewrite, purpose: refinement, target: item}
"""
STRENGTH_QUESTIONS = """questions:
  - {kind: pairwise, id: preference, strength: true}
  - {kind: ranking, id: ranking}
"""
PAIRWISE = "questions:\n  - {kind: pairwise, id: preference}\n"
TREES = """questions:
  - {kind: labels, target: prompt}
lease_minutes: 30
trees:
  goal_tree_size: 5
  max_depth: 3
  max_children: 2
  reviews_needed_prompt: 1
  reviews_needed_reply: 1
  rankings_needed: 1
  max_active_trees: 2
  max_trees: 2
  reply_min_length: 3
"""


@dataclass
class Campaigns:
    """The module's campaigns by kind, in the order a format tries them."""

    item: list[str] = field(default_factory=list)
    tree: list[str] = field(default_factory=list)
    named: dict[str, str] = field(default_factory=dict)


def _png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), colour).save(out, format="PNG")
    return out.getvalue()


def _create(runner: Any, owner: str, folder: Path, slug: str, body: str, items: list[dict]):
    from prefhub.cli import app

    spec = folder / f"{slug}.yaml"
    spec.write_text(f"name: Croissant {slug}\nslug: {slug}\n{body}")
    created = runner.invoke(app, ["campaigns", "create", str(spec), "--owner", owner])
    assert created.exit_code == 0, created.output
    if items:
        data = folder / f"{slug}.jsonl"
        data.write_bytes(jsonl(items))
        imported = runner.invoke(app, ["import", slug, str(data)])
        assert imported.exit_code == 0, imported.output


@pytest.fixture(scope="module")
def campaigns(migrated: str, tmp_path_factory: pytest.TempPathFactory) -> Campaigns:
    """Text items with every question kind; pairwise with strength; an image in the prompt;
    image candidates; audio candidates; a conversation-tree campaign. Judged by simulate."""
    from typer.testing import CliRunner

    from prefhub.cli import app
    from prefhub.simulation.service import simulate

    runner = CliRunner()
    tag = uuid.uuid4().hex[:8]
    owner = f"croissant-{tag}@example.org"
    password = "lamp-orbit-cactus-velvet"
    made = runner.invoke(
        app, ["users", "create", owner, "--role", "researcher", "--password", password]
    )
    assert made.exit_code == 0, made.output
    folder = tmp_path_factory.mktemp("croissant-campaigns")
    (folder / "red.png").write_bytes(_png((200, 0, 0)))
    (folder / "blue.png").write_bytes(_png((0, 0, 200)))
    (folder / "low.wav").write_bytes(wav(0.2, rate=8000, frequency=220))
    (folder / "high.wav").write_bytes(wav(0.3, rate=8000, frequency=880))
    text = [
        {
            "id": f"text-{i}",
            "prompt": f"Question {i}: what is {i} + {i}?",
            "candidates": [
                {"content": f"It is {2 * i}.", "model": "good-model"},
                {"content": f"It is {2 * i + 1}, I think.", "model": "bad-model"},
                {"content": f"- maybe {i}\n- or `{i}`", "model": "list-model"},
            ],
        }
        for i in range(4)
    ]

    def picture(path: str, model: str) -> dict[str, Any]:
        return {"content": [{"type": "image", "path": path, "alt": model}], "model": model}

    vision = [
        {
            "id": f"vision-{i}",
            "prompt": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": f"Which colour is this, {i}?"},
                        {"type": "image", "path": "red.png"},
                    ],
                }
            ],
            "candidates": ["Red.", {"content": "Blue.", "model": "colour-blind"}],
        }
        for i in range(2)
    ]
    pictures = [
        {
            "id": f"picture-{i}",
            "prompt": f"Draw colour {i}.",
            "candidates": [picture("red.png", "painter-a"), picture("blue.png", "painter-b")],
        }
        for i in range(2)
    ]
    audio = [
        {
            "id": f"audio-{i}",
            "prompt": f"Hum note {i}.",
            "candidates": [
                {"content": [{"type": "audio", "path": "low.wav"}], "model": "low"},
                {"content": [{"type": "audio", "path": "high.wav"}], "model": "high"},
            ],
        }
        for i in range(2)
    ]
    found = Campaigns()
    for name, body, rows, kind in (
        ("items", "redundancy: 2\nmax_candidates_shown: 3\n" + ITEM_QUESTIONS, text, "item"),
        ("strength", "redundancy: 1\n" + STRENGTH_QUESTIONS, text[:3], "item"),
        ("vision", "redundancy: 1\n" + PAIRWISE, vision, "item"),
        ("pictures", "redundancy: 1\n" + PAIRWISE, pictures, "item"),
        ("audio", "redundancy: 1\n" + PAIRWISE, audio, "item"),
        ("trees", TREES, [], "tree"),
    ):
        slug = f"crec-{name}-{tag}"
        _create(runner, owner, folder, slug, body, rows)
        simulate(slug, annotators=3 if kind == "item" else 4, judgments=400, seed=7)
        found.named[name] = slug
        if name not in ("strength", "vision"):  # those two serve the cases that name them
            getattr(found, kind).append(slug)
    return found


@dataclass(frozen=True)
class Case:
    format: str
    kind: str  # item or tree
    options: tuple[tuple[str, Any], ...] = ()
    campaign: str | None = None  # a named campaign, else the first of its kind that fits

    @property
    def id(self) -> str:
        said = [f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in self.options]
        return "-".join(
            [self.format, self.kind, *([self.campaign] if self.campaign else []), *said]
        )


def _cases() -> list[Case]:
    from prefhub.exports import registry

    cases = []
    for kind, registry_kind in (("item", "item"), ("tree", "conversation-tree")):
        for entry in registry.for_kind(registry_kind):  # type: ignore[arg-type]
            forms = (True, False) if "conversational" in entry.options else (True,)
            for file_format in ("jsonl", "parquet"):
                for conversational in forms:
                    options: tuple[tuple[str, Any], ...] = (("file_format", file_format),)
                    if not conversational:
                        options += (("conversational", False),)
                    cases.append(Case(entry.name, kind, options))
            if "include_profiles" in entry.options:
                cases.append(Case(entry.name, kind, (("include_profiles", True),)))
            if kind == "item" and entry.aggregates:
                cases.append(Case(entry.name, kind, (("aggregation", "majority"),)))
                cases.append(
                    Case(
                        entry.name,
                        kind,
                        (("aggregation", "bradley_terry"), ("file_format", "parquet")),
                    )
                )
            if kind == "item" and entry.media_columns:  # media in the prompt: TRL's vision form
                cases.append(Case(entry.name, kind, (), campaign="vision"))
    # A margin on every row: every pairwise question asks strength.
    cases += [
        Case("reward", "item", (("file_format", f),), campaign="strength")
        for f in ("jsonl", "parquet")
    ]
    # No row at all: the declared columns, and nothing to read.
    cases += [
        Case("dpo", "item", (("languages", ["xx"]), ("file_format", f)))
        for f in ("jsonl", "parquet")
    ]
    return cases


CASES = _cases()


def _export(campaigns: Campaigns, case: Case, out: Path) -> Path:
    from prefhub.campaigns.service import get_by_slug
    from prefhub.exports import service
    from prefhub.exports.exceptions import UnsupportedExport
    from prefhub.exports.schemas import ExportOptions
    from prefhub.kit.db import unit_of_work

    options = ExportOptions(format=case.format, **dict(case.options))
    if case.campaign:
        slugs = [campaigns.named[case.campaign]]
    else:
        slugs = campaigns.item if case.kind == "item" else campaigns.tree
    refused = []
    for slug in slugs:
        with unit_of_work() as session:
            campaign = get_by_slug(session, slug)
            try:
                service.check_supported(campaign, options)
            except UnsupportedExport as exc:
                refused.append(f"{slug}: {exc}")
                continue
            service.write_export(session, campaign, options, out)
            return out
    raise AssertionError(
        f"no campaign of this module exports {case.format}; add one it fits: {refused}"
    )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_mlcroissant_reads_every_row_of_the_export(campaigns, case, tmp_path):
    folder = _export(campaigns, case, tmp_path / "export")
    check_export(folder)


def test_the_export_folder_holds_the_croissant_of_its_data(campaigns, tmp_path):
    """croissant.json is the one its rows give (``croissant(manifest, data)``): service.py
    hands the data file to croissant(), which describes free-form columns from it."""
    from prefhub.exports.croissant import croissant

    for fmt, file_format in (("judgments", "jsonl"), ("dpo", "parquet")):
        case = Case(fmt, "item", (("file_format", file_format),))
        folder = _export(campaigns, case, tmp_path / f"{fmt}-{file_format}")
        manifest = _manifest(folder)
        written = json.loads((folder / "croissant.json").read_text("utf-8"))
        expected = croissant(manifest, folder / manifest["files"][0]["name"])
        assert written == expected, (
            "croissant.json was not built from the data file: write_export must pass it, "
            "croissant(manifest | {...}, partial / data_name)"
        )


def test_the_check_fails_on_a_mistyped_or_missing_field(campaigns, tmp_path):
    """The records check has teeth: a field typed wrong, a column left out, a key no row
    has, each fail it."""
    folder = _export(campaigns, Case("judgments", "item"), tmp_path / "export")
    document = _described(folder)
    original = copy.deepcopy(document)

    def fields(doc: dict[str, Any]) -> list[dict[str, Any]]:
        return doc["recordSet"][0]["field"]

    def by_name(doc: dict[str, Any], name: str) -> dict[str, Any]:
        return next(f for f in fields(doc) if f["name"] == name)

    by_name(document, "time_spent_ms")["dataType"] = "sc:Text"
    with pytest.raises(AssertionError, match="time_spent_ms"):
        check_export(folder, document)
    document = copy.deepcopy(original)
    by_name(document, "kind")["dataType"] = "sc:Integer"
    with pytest.raises(Exception):  # noqa: B017 (mlcroissant fails to cast, or the check does)
        check_export(folder, document)
    document = copy.deepcopy(original)
    document["recordSet"][0]["field"] = [f for f in fields(document) if f["name"] != "current"]
    with pytest.raises(AssertionError, match="current"):
        check_export(folder, document)
    document = copy.deepcopy(original)
    metadata = by_name(document, "metadata")
    ghost = copy.deepcopy(metadata["subField"][0])
    ghost["@id"] += "_ghost"
    ghost["name"] = "ghost"
    ghost["source"]["transform"] = {"jsonPath": "ghost"}
    metadata["subField"].append(ghost)
    with pytest.raises(AssertionError, match="ghost"):
        check_export(folder, document)
    document = copy.deepcopy(original)
    created = by_name(document, "created_at")
    assert created["dataType"] == "sc:DateTime"
    created["dataType"] = "sc:Text"  # mlcroissant parses the column as dates all the same
    with pytest.raises(Exception, match=r"created_at|judgments"):
        check_export(folder, document)


# ---------------------------------------------------------------- the check


def _manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "manifest.json").read_text("utf-8"))


def _described(folder: Path) -> dict[str, Any]:
    """The folder's croissant.json."""
    return dict(json.loads((folder / "croissant.json").read_text("utf-8")))


def _rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.read_table(path).to_pylist())
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


@dataclass
class Leaf:
    field: dict[str, Any]
    path: str  # dotted keys from the column, list levels not counted
    column: str
    steps: list[str]  # the JSON path steps of its transforms
    parent: dict[str, Any] | None  # the field it is a sub-field of

    @property
    def data_type(self) -> str:
        return self.field["dataType"]


def _leaves(fields: list[dict[str, Any]], parent: dict[str, Any] | None = None, path: str = ""):
    for found in fields:
        here = f"{path}.{found['name']}" if path else found["name"]
        if "subField" in found:
            yield from _leaves(found["subField"], found, here)
            continue
        source = found["source"]
        transforms = source.get("transform", [])
        transforms = [transforms] if isinstance(transforms, dict) else transforms
        yield Leaf(
            found,
            here,
            source["extract"]["column"],
            [t["jsonPath"] for t in transforms],
            parent,
        )


def _paths(fields: list[dict[str, Any]], path: str = "") -> set[str]:
    """Every declared field's dotted path, objects included."""
    found = set()
    for f in fields:
        here = f"{path}.{f['name']}" if path else f["name"]
        found.add(here)
        found |= _paths(f.get("subField", []), here)
    return found


def _leaf_types(document: dict[str, Any]) -> dict[str, str]:
    return {leaf.path: leaf.data_type for leaf in _leaves(document["recordSet"][0]["field"])}


MISSING = object()


def _step(value: Any, step: str) -> Any:
    """One JSON path step (a key, quoted or not, or ``[i]``) on one value."""
    if step.startswith("[") and step.endswith("]"):
        index = int(step[1:-1])
        return value[index] if isinstance(value, list) and len(value) > index else None
    if step[:1] in "'\"" and step[-1:] == step[:1]:
        step = step[1:-1]
    return value.get(step) if isinstance(value, dict) else None


def _walk(value: Any, steps: list[str]) -> Any:
    """The value at ``steps``: once a list is reached, each step applies to its items (as
    Croissant's transforms do)."""
    for step in steps:
        value = [_step(v, step) for v in value] if isinstance(value, list) else _step(value, step)
    return value


def _row_paths(value: Any, path: str, found: set[str]) -> None:
    """Every path that holds a value (null and empty lists included) in a row; list levels
    are not counted, empty objects hold nothing."""
    if isinstance(value, dict):
        for key, item in value.items():
            _row_paths(item, f"{path}.{key}" if path else key, found)
    elif isinstance(value, list) and value:
        for item in value:
            _row_paths(item, path, found)
    else:
        found.add(path)


def _left_out(record_set: dict[str, Any]) -> list[str]:
    """The paths the record set says it leaves out (mlcroissant cannot read them)."""
    description = record_set["description"]
    if "Not declared as fields" not in description:
        return []
    said = description.split("Not declared as fields", 1)[1]
    return [part.split("`")[1] for part in said.split("; ") if "`" in part]


def _actual(record: dict[str, Any], leaf: Leaf) -> Any:
    """The leaf's value in an mlcroissant record: top-level fields under their id, sub-fields
    under their parent's id (a dict, or a list of dicts for a repeated parent)."""
    field_id = leaf.field["@id"]
    if leaf.parent is None:
        return record[field_id]
    held = record[leaf.parent["@id"]]
    if leaf.parent.get("repeated"):
        return [item[field_id] for item in held]
    return held[field_id]


def _same(actual: Any, expected: Any, data_type: str, where: str) -> None:
    import numpy as np
    import pandas as pd

    if expected is None:
        assert actual is None, f"{where}: expected null, mlcroissant read {actual!r}"
        return
    if isinstance(expected, list):
        assert isinstance(actual, (list, np.ndarray)), f"{where}: {actual!r} is not a list"
        assert len(actual) == len(expected), f"{where}: {list(actual)!r} != {expected!r}"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            _same(a, e, data_type, f"{where}[{i}]")
        return
    if data_type == "sc:Text":
        assert isinstance(expected, str), f"{where}: declared text, the row has {expected!r}"
        assert isinstance(actual, bytes), f"{where}: mlcroissant read {actual!r}"
        assert actual.decode("utf-8") == expected, f"{where}: {actual!r} != {expected!r}"
    elif data_type == "sc:Integer":
        assert type(expected) is int, f"{where}: declared integer, the row has {expected!r}"
        assert actual == expected and not isinstance(actual, bool), f"{where}: {actual!r}"
    elif data_type == "sc:Float":
        assert type(expected) in (int, float), f"{where}: declared float, row has {expected!r}"
        assert math.isclose(actual, expected), f"{where}: {actual!r} != {expected!r}"
    elif data_type == "sc:Boolean":
        assert type(expected) is bool, f"{where}: declared boolean, the row has {expected!r}"
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"
    elif data_type == "sc:DateTime":
        assert isinstance(expected, str), f"{where}: declared a date, the row has {expected!r}"
        assert isinstance(actual, pd.Timestamp), f"{where}: mlcroissant read {actual!r}"
        assert actual == pd.Timestamp(expected), f"{where}: {actual} != {expected}"
    else:
        raise AssertionError(f"{where}: unexpected data type {data_type}")


def check_export(folder: Path, document: dict[str, Any] | None = None) -> None:
    """mlcroissant reads the folder's rows back, every field equal to the data file's."""
    from prefhub.exports.card import columns_of

    manifest = _manifest(folder)
    document = document if document is not None else _described(folder)
    data = folder / manifest["files"][0]["name"]
    rows = _rows(data)
    assert len(rows) == manifest["counts"]["rows"]
    (record_set,) = document["recordSet"]
    fields = record_set["field"]
    declared_columns = [f["name"] for f in fields]
    media = sum(1 for f in manifest["files"] if f["name"].startswith("media/"))
    card_columns = [c.name for c in columns_of(manifest | {"media_files": media})]
    if rows:
        # The same columns on every row: those the card lists, and Croissant declares.
        for row in rows:
            assert sorted(row) == sorted(rows[0]), f"row {row['id']}: {sorted(row)}"
        columns = set(rows[0])
        assert columns == set(card_columns), (
            f"the rows' columns are not the card's: only in the rows {columns - set(card_columns)}"
            f", only in the card {set(card_columns) - columns}"
        )
        assert columns == set(declared_columns), (
            f"Croissant's columns are not the rows': not declared {columns - set(declared_columns)}"
            f", declared but absent {set(declared_columns) - columns}"
        )
    else:
        assert declared_columns, "an export without rows still declares its columns"
    # Every value of the rows is declared, or said to be left out; every key declared is
    # there in some row.
    present: set[str] = set()
    for row in rows:
        _row_paths(row, "", present)
    declared = _paths(fields)
    left_out = _left_out(record_set)
    for path in sorted(present):
        covered = path in declared or any(
            path == skip or path.startswith(skip + ".") for skip in left_out
        )
        assert covered, f"{path} holds values in the rows but Croissant does not declare it"
    leaves = list(_leaves(fields))
    for leaf in leaves:
        assert not rows or leaf.path in present, f"{leaf.path} is declared but no row has it"

    read = folder / "croissant-read.json"
    read.write_text(json.dumps(document), "utf-8")
    records = list(mlc.Dataset(jsonld=str(read)).records(record_set=record_set["@id"]))
    assert len(records) == len(rows), f"mlcroissant read {len(records)} of {len(rows)} rows"
    for n, (record, row) in enumerate(zip(records, rows, strict=True)):
        for leaf in leaves:
            expected = _walk(row.get(leaf.column), leaf.steps)
            actual = _actual(record, leaf)
            parent = leaf.parent or {}
            if expected is None and parent.get("repeated") and actual == [None]:
                continue  # mlcroissant reads a null list of objects as one object of nulls
            _same(actual, expected, leaf.data_type, f"row {n} ({row['id']}) {leaf.path}")
