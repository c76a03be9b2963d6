"""Expected answers may accept a set, not only one answer: pairwise a set of choices, ranking a
passing share of agreeing pairs or only an accepted best, binary a candidate left unchecked,
negative_only borderline candidates, rating a tolerance. Each is scored through the shown
order and checked against the question like any expected answer."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from prefhub.campaigns.spec import CampaignSpec
from prefhub.quality.gold import ImportGold, check_expected, expected_problems, score

# Candidate ids 10..13 imported at positions 0..3 ("A".."D" in an expected answer).
POSITIONS = {10: 0, 11: 1, 12: 2, 13: 3}


def _score(expected: dict[str, Any], answers: dict[str, Any], shown: list[int]) -> float | None:
    stored = ImportGold.model_validate({"expected": expected}).model_dump(
        mode="json", exclude_none=True
    )["expected"]
    return score(stored, answers, shown, POSITIONS)


def _ranked(*groups: str) -> dict[str, Any]:
    return {"ranking": {"ranking": [list(group) for group in groups]}}


def test_a_ranking_passes_at_its_share_of_agreeing_pairs():
    expected = {"ranking": {"order": ["A", "B", "C", "D"], "pass_share": 0.8}}
    shown = [10, 11, 12, 13]  # shown in import order
    assert _score(expected, _ranked("A", "B", "C", "D"), shown) == 1.0
    # One swapped pair of six: 5/6 agree, at or above 0.8 -> passes.
    assert _score(expected, _ranked("B", "A", "C", "D"), shown) == 1.0
    # Two swapped pairs: 4/6 is below 0.8 -> the plain share.
    assert _score(expected, _ranked("B", "A", "D", "C"), shown) == pytest.approx(4 / 6)
    assert _score(
        {"ranking": {"order": ["A", "B", "C", "D"]}}, _ranked("B", "A", "C", "D"), shown
    ) == pytest.approx(5 / 6)


def test_a_ranking_may_check_only_the_best_place():
    expected = {"ranking": {"top": ["B", "C"]}}
    shown = [12, 10, 11]  # shown A, B, C are imported C, A, B
    assert _score(expected, _ranked("A", "B", "C"), shown) == 1.0  # imported C first
    assert _score(expected, _ranked("C", "B", "A"), shown) == 1.0  # imported B first
    assert _score(expected, _ranked("AC", "B"), shown) == 1.0  # C and B tied first
    assert _score(expected, _ranked("B", "A", "C"), shown) == 0.0  # imported A first
    assert _score(expected, _ranked("AB", "C"), shown) == 0.0  # A tied first with C
    none = {"ranking": {"ranking": [], "none_acceptable": True}}
    assert _score(expected, none, shown) == 0.0
    # No accepted candidate was shown: nothing to check.
    assert _score(expected, _ranked("A", "B"), [10, 13]) is None


def test_binary_leaves_a_candidate_out_to_accept_either_vote():
    expected = {"acceptable": {"votes": {"B": "down"}}}
    shown = [11, 10]  # shown A is imported B
    for vote_on_a in ("up", "down"):
        answer = {"acceptable": {"votes": {"A": "down", "B": vote_on_a}}}
        assert _score(expected, answer, shown) == 1.0
    assert _score(expected, {"acceptable": {"votes": {"A": "up", "B": "up"}}}, shown) == 0.0


def test_negative_only_borderline_candidates_may_be_marked_or_not():
    expected = {"unacceptable": {"unacceptable": ["B"], "borderline": ["C"]}}
    shown = [10, 11, 12]  # import order

    def marked(*labels: str) -> dict[str, Any]:
        return {"unacceptable": {"unacceptable": {label: ["harmful"] for label in labels}}}

    assert _score(expected, marked("B"), shown) == 1.0
    assert _score(expected, marked("B", "C"), shown) == 1.0
    assert _score(expected, marked("C"), shown) == 0.5  # B missed; A right
    assert _score(expected, marked("A", "B"), shown) == 0.5


def test_modifiers_go_only_with_the_field_they_qualify():
    for bad in (
        {"q": {"top": ["A"], "pass_share": 0.5}},
        {"q": {"votes": {"A": "up"}, "borderline": ["A"]}},
        {"q": {"order": ["A", "B"], "top": ["A"]}},
        {"q": {"order": ["A", "B"], "pass_share": 0}},
    ):
        with pytest.raises(ValidationError):
            ImportGold.model_validate({"expected": bad})


SPEC = CampaignSpec.model_validate(
    {
        "name": "g",
        "slug": "g",
        "questions": [
            {"kind": "pairwise", "id": "preference", "prompt": "?", "allow_tie": False},
            {"kind": "ranking", "id": "ranking", "prompt": "?"},
            {"kind": "negative_only", "id": "unacceptable", "prompt": "?"},
        ],
    }
)


@pytest.mark.parametrize(
    ("expected", "field", "message"),
    [
        (
            {"preference": {"accept": ["A", "tie"]}},
            "gold.expected.preference.accept",
            "this question does not allow a tie",
        ),
        ({"ranking": {"top": ["A", "A"]}}, "gold.expected.ranking.top", "appears twice"),
        ({"ranking": {"top": ["E"]}}, "gold.expected.ranking", "no candidate 'E'"),
        (
            {"ranking": {"votes": {"A": "up"}}},
            "gold.expected.ranking",
            "a ranking question expects 'order' or 'top'",
        ),
        (
            {"unacceptable": {"unacceptable": ["A"], "borderline": ["A"]}},
            "gold.expected.unacceptable.borderline",
            "both unacceptable and borderline",
        ),
        (
            {"unacceptable": {"unacceptable": [], "borderline": ["D"]}},
            "gold.expected.unacceptable",
            "no candidate 'D'",
        ),
    ],
)
def test_accepted_sets_are_checked_against_the_question(expected, field, message):
    gold = ImportGold.model_validate({"expected": expected})
    problems = expected_problems(SPEC, gold, 3)
    assert [(p.field, message in p.message) for p in problems] == [(field, True)]
    assert check_expected(SPEC, gold, 3) == [f"{problems[0].field}: {problems[0].message}"]
