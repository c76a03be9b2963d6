"""Our Krippendorff's alpha equals the ``krippendorff`` package's on the same data."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Hashable, Sequence
from typing import Any

import krippendorff
import numpy as np
import pytest

from prefhub.quality.agreement import Level, agreement, entropy

Matrix = Sequence[Sequence[float | None]]  # annotators x units, None = missing


def ours(matrix: Matrix, level: Level) -> float | None:
    units: list[Counter[Hashable]] = []
    for u in range(len(matrix[0])):
        units.append(Counter(row[u] for row in matrix if row[u] is not None))
    return agreement(units, level).alpha


def theirs(matrix: Matrix, level: Level) -> float:
    data = np.array([[math.nan if v is None else v for v in row] for row in matrix], dtype=float)
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))


# Krippendorff (2011)'s worked example: 4 coders, 12 units, missing values.
KRIPPENDORFF_2011: Matrix = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


@pytest.mark.parametrize(
    ("level", "published"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
)
def test_alpha_matches_the_package_and_the_published_example(level: Level, published: float):
    found = ours(KRIPPENDORFF_2011, level)
    assert found == pytest.approx(theirs(KRIPPENDORFF_2011, level), abs=1e-9)
    assert found == pytest.approx(published, abs=1e-3)


def _random_matrix(seed: int, values: Sequence[int], missing: float) -> list[list[Any]]:
    rng = random.Random(seed)
    truth = [rng.choice(values) for _ in range(40)]
    rows = []
    for _ in range(6):
        row: list[Any] = []
        for t in truth:
            if rng.random() < missing:
                row.append(None)
            else:
                row.append(t if rng.random() < 0.6 else rng.choice(values))
        rows.append(row)
    return rows


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
@pytest.mark.parametrize("seed", range(6))
def test_alpha_matches_the_package_on_random_data_with_missing_values(level: Level, seed: int):
    matrix = _random_matrix(seed, [0, 1, 2, 3, 4] if seed % 2 else [1, 2, 7], missing=0.3)
    assert ours(matrix, level) == pytest.approx(theirs(matrix, level), abs=1e-9)


def test_alpha_is_one_for_perfect_agreement_and_undefined_without_variation():
    assert ours([[1, 2, 1, None], [1, 2, 1, 2]], "nominal") == pytest.approx(1.0)
    assert ours([[1, 1, 1], [1, 1, 1]], "nominal") is None


def test_raw_agreement_is_the_share_of_agreeing_pairs():
    found = agreement([Counter({"a": 2, "b": 1}), Counter({"a": 2}), Counter({"b": 1})], "nominal")
    # unit 1: 3 pairs, 1 agreeing; unit 2: 1 pair, agreeing; unit 3 is not pairable
    assert found.raw == pytest.approx(2 / 4)
    assert (found.units, found.values) == (2, 5)


def test_entropy_is_zero_for_unanimous_votes_and_one_for_an_even_split():
    assert entropy([3, 0, 0]) == 0.0
    assert entropy([1, 1, 0]) == pytest.approx(1.0)
    assert 0 < entropy([3, 1, 0]) < 1
