"""An export's JSONL as one Parquet file (prefhub.exports.parquet): same rows, same bytes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from prefhub.exports.parquet import jsonl_to_parquet


def dpo_row(n: int, *, time_spent_ms: int | None, rejected_model: str | None) -> dict[str, Any]:
    return {
        "id": f"j{n}.preference",
        "campaign": "demo",
        "prompt": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": f'Say "hi" ünïcode {n}\n'},
        ],
        "chosen": [{"role": "assistant", "content": "Salut !"}],
        "rejected": [{"role": "assistant", "content": "Hello."}],
        "metadata": {
            "annotator_id": "ann-3f2a",
            "judgment_id": n,
            "item_id": f"demo-{n:03}",
            "question": "preference",
            "chosen_label": "B",
            "shown_order": [8, 7],
            "source_models": {"chosen": "m-a", "rejected": rejected_model},
            "time_spent_ms": time_spent_ms,
            "campaign_version": 1,
            "created_at": "2026-11-01T10:00:00Z",
        },
    }


# The first rows have only nulls where later rows have integers and strings, so with a small
# batch_rows the types are settled across batches.
DPO_ROWS = [
    dpo_row(1, time_spent_ms=None, rejected_model=None),
    dpo_row(2, time_spent_ms=None, rejected_model=None),
    dpo_row(3, time_spent_ms=5400, rejected_model="m-b"),
]
RANKING_ROWS = [
    {
        "id": "j1.rank",
        "prompt": [{"role": "user", "content": "Rank these."}],
        "completions": [[{"role": "assistant", "content": c}] for c in ("x", "y", "z")],
        "ranks": [0, 1, 1],
        "metadata": {"candidate_labels": ["B", "A", "C"], "source_models": ["m", None, "n"]},
    },
    {
        "id": "j2.score",
        "prompt": [{"role": "user", "content": "Rate these."}],
        "completions": [[{"role": "assistant", "content": c}] for c in ("x", "y")],
        "ranks": [0, 1],
        "scores": [3, 1],  # integral means are written as JSON integers
        "metadata": {"candidate_labels": ["A", "B"], "source_models": [None, None]},
    },
    {
        "id": "j3.score",
        "prompt": [{"role": "user", "content": "Rate these."}],
        "completions": [[{"role": "assistant", "content": c}] for c in ("x", "y")],
        "ranks": [0, 1],
        "scores": [1, 0.5],
        "metadata": {"candidate_labels": ["B", "A"], "source_models": ["m", "n"]},
    },
]
PROFILE_ROWS = [
    {
        "id": f"ann-{n}",
        "annotator_id": f"ann-{n}",
        "judgments": n,
        "reliability": reliability,
        "profile": {"age_band": age, "languages": languages, "years": years},
    }
    for n, reliability, age, languages, years in [
        (1, None, "18-24", ["en"], None),
        (2, 0.75, None, [], 12),
        (3, 1, "25-34", ["en", "fr"], 30),
    ]
]


def vision_row(n: int, images: list[str], image_part: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"j{n}.preference",
        "prompt": [{"role": "user", "content": [image_part, {"type": "text", "text": "Which?"}]}],
        "chosen": [{"role": "assistant", "content": [{"type": "text", "text": "A cat."}]}],
        "rejected": [{"role": "assistant", "content": [{"type": "text", "text": "A dog."}]}],
        "images": images,
        "audios": [],
        "videos": [],
    }


VISION_IMAGES = [(1, ["media/0a.png"]), (2, ["media/0b.png", "media/0c.jpg"])]
VISION_ROWS = [vision_row(n, images, {"type": "image"}) for n, images in VISION_IMAGES]
# A part's fields share one struct: an image part reads back with "text" None, as
# datasets.load_dataset("json") gives it too.
VISION_READ_BACK = [
    vision_row(n, images, {"type": "image", "text": None}) for n, images in VISION_IMAGES
]
# Ranking answers have no scores: the column reads back None for them.
RANKING_READ_BACK = [{"scores": None} | row for row in RANKING_ROWS]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text(
        "".join(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in rows),
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("batch_rows", [1, 2, 20_000])
@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (DPO_ROWS, DPO_ROWS),
        (RANKING_ROWS, RANKING_READ_BACK),
        (PROFILE_ROWS, PROFILE_ROWS),
        (VISION_ROWS, VISION_READ_BACK),
    ],
    ids=["dpo", "ranking", "profiles", "vision"],
)
def test_parquet_reads_back_as_the_jsonl_rows(tmp_path, rows, expected, batch_rows):
    source = write_jsonl(tmp_path / "rows.jsonl", rows)
    count = jsonl_to_parquet(source, tmp_path / "rows.parquet", batch_rows=batch_rows)
    back = pq.read_table(tmp_path / "rows.parquet").to_pylist()
    assert count == len(rows)
    assert back == expected


def test_a_column_integral_in_some_rows_and_fractional_in_others_becomes_double(tmp_path):
    source = write_jsonl(tmp_path / "ranking.jsonl", RANKING_ROWS)
    jsonl_to_parquet(source, tmp_path / "ranking.parquet", batch_rows=2)
    table = pq.read_table(tmp_path / "ranking.parquet")
    assert str(table.schema.field("scores").type) == "list<element: double>"
    assert str(table.schema.field("ranks").type) == "list<element: int64>"
    assert table.column("scores").to_pylist()[1:] == [[3.0, 1.0], [1.0, 0.5]]


def test_columns_null_in_a_first_batch_take_the_type_of_later_batches(tmp_path):
    source = write_jsonl(tmp_path / "dpo.jsonl", DPO_ROWS)
    jsonl_to_parquet(source, tmp_path / "dpo.parquet", batch_rows=2)
    metadata = pq.read_schema(tmp_path / "dpo.parquet").field("metadata").type
    assert str(metadata.field("time_spent_ms").type) == "int64"
    assert str(metadata.field("source_models").type) == "struct<chosen: string, rejected: string>"


def test_struct_fields_some_rows_lack_come_back_as_none_in_sorted_order(tmp_path):
    rows = [
        {"id": "a", "metadata": {"votes": 3, "question": "q"}},
        {"id": "b", "metadata": {"question": "q", "agreement": 0.5, "profile": {"age": "30"}}},
    ]
    source = write_jsonl(tmp_path / "rows.jsonl", rows)
    jsonl_to_parquet(source, tmp_path / "rows.parquet", batch_rows=1)
    table = pq.read_table(tmp_path / "rows.parquet")
    assert table.schema.field("metadata").type.names == [
        "agreement",
        "profile",
        "question",
        "votes",
    ]
    assert table.to_pylist() == [
        {"id": "a", "metadata": {"agreement": None, "profile": None, "question": "q", "votes": 3}},
        {
            "id": "b",
            "metadata": {
                "agreement": 0.5,
                "profile": {"age": "30"},
                "question": "q",
                "votes": None,
            },
        },
    ]


def test_an_object_empty_in_every_row_comes_back_as_none(tmp_path):
    # A pairwise answer without aspects, as the judgments format writes it: Parquet has no
    # struct without fields.
    rows = [{"answer": {"aspects": {}, "choice": c}, "shown": [{"extra": {}}]} for c in "AB"]
    source = write_jsonl(tmp_path / "judgments.jsonl", rows)
    jsonl_to_parquet(source, tmp_path / "judgments.parquet")
    back = pq.read_table(tmp_path / "judgments.parquet").to_pylist()
    assert back == [
        {"answer": {"aspects": None, "choice": c}, "shown": [{"extra": None}]} for c in "AB"
    ]


def test_the_same_jsonl_gives_a_byte_identical_parquet_file(tmp_path):
    source = write_jsonl(tmp_path / "dpo.jsonl", DPO_ROWS * 50)
    first, second = tmp_path / "first.parquet", tmp_path / "second.parquet"
    jsonl_to_parquet(source, first, batch_rows=40)
    jsonl_to_parquet(source, second, batch_rows=40)
    assert first.read_bytes() == second.read_bytes()
    # Nothing that changes run to run: the writer's version and the Arrow schema only.
    metadata = pq.read_metadata(first)
    assert set(metadata.metadata) == {b"ARROW:schema"}
    assert metadata.created_by.startswith("parquet-cpp-arrow version ")


def test_rows_are_written_batch_rows_at_a_time(tmp_path):
    source = write_jsonl(tmp_path / "dpo.jsonl", DPO_ROWS * 5)
    assert jsonl_to_parquet(source, tmp_path / "dpo.parquet", batch_rows=4) == 15
    metadata = pq.read_metadata(tmp_path / "dpo.parquet")
    assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == [4, 4, 4, 3]


def test_an_empty_jsonl_gives_a_readable_file_without_rows(tmp_path):
    source = tmp_path / "empty.jsonl"
    source.write_text("")
    assert jsonl_to_parquet(source, tmp_path / "empty.parquet") == 0
    assert pq.read_table(tmp_path / "empty.parquet").num_rows == 0


@pytest.mark.parametrize("batch_rows", [1, 10])
@pytest.mark.parametrize(
    ("rows", "column"),
    [
        ([{"id": 1}, {"id": "j1"}], "id"),
        ([{"metadata": {"item_id": 7}}, {"metadata": {"item_id": "demo-7"}}], "metadata"),
        ([{"label": True}, {"label": 1}], "label"),
    ],
)
def test_a_column_with_incompatible_types_is_refused_by_name(tmp_path, rows, column, batch_rows):
    source = write_jsonl(tmp_path / "mixed.jsonl", rows)
    with pytest.raises(ValueError, match=f"column '{column}' holds values of incompatible types"):
        jsonl_to_parquet(source, tmp_path / "mixed.parquet", batch_rows=batch_rows)
    assert not (tmp_path / "mixed.parquet").exists()


def test_a_line_that_is_not_an_object_is_refused_with_its_number(tmp_path):
    source = tmp_path / "bad.jsonl"
    source.write_text('{"id": 1}\n[1, 2]\n')
    with pytest.raises(ValueError, match=r"bad\.jsonl line 2: not a JSON object"):
        jsonl_to_parquet(source, tmp_path / "bad.parquet")


def test_datasets_loads_the_parquet_file_with_the_same_rows_and_columns(tmp_path):
    datasets = pytest.importorskip("datasets")
    cases = [("dpo", DPO_ROWS, DPO_ROWS), ("vision", VISION_ROWS, VISION_READ_BACK)]
    for name, rows, expected in [*cases, ("profiles", PROFILE_ROWS, PROFILE_ROWS)]:
        source = write_jsonl(tmp_path / f"{name}.jsonl", rows)
        target = tmp_path / f"{name}.parquet"
        jsonl_to_parquet(source, target)
        loaded = datasets.load_dataset(
            "parquet", data_files=str(target), split="train", cache_dir=str(tmp_path / "cache")
        )
        assert len(loaded) == len(rows)
        assert loaded.column_names == sorted(rows[0])
        assert loaded.to_list() == expected
