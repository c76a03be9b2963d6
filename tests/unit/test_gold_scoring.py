"""Gold scoring maps each shown label through the judgment's shown order back to the
candidate's import position, so a correct answer scores 1 whatever order the annotator saw."""

from __future__ import annotations

from typing import Any

import pytest

from prefhub.campaigns.spec import CampaignSpec
from prefhub.quality.gold import ImportGold, check_expected, score

# Candidate ids 10, 11, 12 imported at positions 0, 1, 2 ("A", "B", "C" in the gold answer).
POSITIONS = {10: 0, 11: 1, 12: 2}


def _score(expected: dict[str, Any], answers: dict[str, Any], shown: list[int]) -> float | None:
    gold = ImportGold.model_validate({"expected": expected})
    stored = gold.model_dump(mode="json", exclude_none=True)["expected"]
    return score(stored, answers, shown, POSITIONS)


@pytest.mark.parametrize(
    ("shown", "choice", "expected_score"),
    [
        ([10, 11], "A", 1.0),  # shown in import order: A is the imported A
        ([10, 11], "B", 0.0),
        ([11, 10], "B", 1.0),  # swapped: the annotator's B is the imported A
        ([11, 10], "A", 0.0),
        ([11, 10], "tie", 0.0),
    ],
)
def test_pairwise_choice_is_scored_through_the_shown_order(shown, choice, expected_score):
    expected = {"preference": {"accept": ["A"]}}
    assert _score(expected, {"preference": {"choice": choice}}, shown) == expected_score


def test_pairwise_accepts_a_set_of_choices():
    expected = {"preference": {"accept": ["B", "tie"]}}
    assert _score(expected, {"preference": {"choice": "tie"}}, [11, 10]) == 1.0
    assert _score(expected, {"preference": {"choice": "A"}}, [11, 10]) == 1.0
    assert _score(expected, {"preference": {"choice": "both_bad"}}, [11, 10]) == 0.0


def test_pairwise_is_not_scored_when_other_candidates_were_shown():
    expected = {"preference": {"accept": ["A"]}}
    assert _score(expected, {"preference": {"choice": "A"}}, [10, 12]) is None


def test_ranking_scores_the_share_of_pairs_in_the_expected_order():
    expected = {"ranking": {"order": ["A", "B", "C"]}}
    # Shown C, A, B: the annotator's [B, C, A] labels are imported A, B, C: all three pairs right.
    shown = [12, 10, 11]
    assert _score(expected, {"ranking": {"ranking": [["B"], ["C"], ["A"]]}}, shown) == 1.0
    # Shown order taken as the ranking: C first, then A, B — only (A, B) right.
    assert _score(expected, {"ranking": {"ranking": [["A"], ["B"], ["C"]]}}, shown) == 1 / 3
    # A tie between A and B is not the order expected.
    tied = {"ranking": {"ranking": [["B", "C"], ["A"]]}}
    assert _score(expected, tied, shown) == 2 / 3
    assert _score(expected, {"ranking": {"ranking": [], "none_acceptable": True}}, shown) == 0.0


def test_binary_votes_are_scored_per_candidate_through_the_shown_order():
    expected = {"acceptable": {"votes": {"A": "up", "B": "down"}}}
    shown = [11, 10]  # shown A is imported B
    assert _score(expected, {"acceptable": {"votes": {"A": "down", "B": "up"}}}, shown) == 1.0
    assert _score(expected, {"acceptable": {"votes": {"A": "up", "B": "up"}}}, shown) == 0.5
    assert _score(expected, {"acceptable": {"votes": {"A": "up", "B": "down"}}}, shown) == 0.0


def test_rating_is_correct_within_its_tolerance():
    expected = {"rating": {"scores": {"A": {"helpful": {"value": 4, "tolerance": 1}}}}}
    shown = [11, 10]  # imported A is shown as B

    def rated(b_score: int) -> dict[str, Any]:
        return {"rating": {"scores": {"A": {"helpful": 0}, "B": {"helpful": b_score}}}}

    assert _score(expected, rated(4), shown) == 1.0
    assert _score(expected, rated(3), shown) == 1.0
    assert _score(expected, rated(2), shown) == 0.0
    exact = {"rating": {"scores": {"A": {"helpful": {"value": 4}}}}}
    assert _score(exact, rated(3), shown) == 0.0


def test_negative_only_needs_exactly_the_bad_ones_marked():
    expected = {"unacceptable": {"unacceptable": ["B"]}}
    shown = [11, 10]
    assert _score(expected, {"unacceptable": {"unacceptable": {"A": ["harmful"]}}}, shown) == 1.0
    assert _score(expected, {"unacceptable": {"unacceptable": {"B": ["harmful"]}}}, shown) == 0.0


def test_a_judgment_score_is_the_mean_over_its_expected_questions():
    expected = {"preference": {"accept": ["A"]}, "acceptable": {"votes": {"A": "up"}}}
    answers = {"preference": {"choice": "B"}, "acceptable": {"votes": {"A": "up", "B": "up"}}}
    assert _score(expected, answers, [10, 11]) == 0.5


SPEC = CampaignSpec.model_validate(
    {
        "name": "g",
        "slug": "g",
        "questions": [
            {"kind": "pairwise", "id": "preference", "prompt": "?"},
            {
                "kind": "rating",
                "id": "rating",
                "prompt": "?",
                "attributes": [{"id": "helpful", "label": "H", "scale": {"min": 0, "max": 4}}],
            },
            {"kind": "text", "id": "why", "prompt": "?"},
        ],
    }
)


@pytest.mark.parametrize(
    ("expected", "problem"),
    [
        ({"nope": {"accept": ["A"]}}, "gold.expected.nope: the campaign has no question 'nope'"),
        ({"preference": {"votes": {"A": "up"}}}, "a pairwise question expects 'accept'"),
        ({"why": {"accept": ["A"]}}, "a text question cannot be gold-checked"),
        ({"rating": {"scores": {"C": {"helpful": {"value": 1}}}}}, "no candidate 'C'"),
        ({"rating": {"scores": {"A": {"kind": {"value": 1}}}}}, "no such attribute"),
        ({"rating": {"scores": {"A": {"helpful": {"value": 9}}}}}, "between 0 and 4"),
    ],
)
def test_expected_answers_are_checked_against_the_questions(expected, problem):
    problems = check_expected(SPEC, ImportGold.model_validate({"expected": expected}), 2)
    assert len(problems) == 1 and problem in problems[0]


def test_matching_expected_answers_have_no_problems():
    gold = ImportGold.model_validate(
        {
            "expected": {
                "preference": {"accept": ["A", "tie"]},
                "rating": {"scores": {"B": {"helpful": {"value": 3, "tolerance": 1}}}},
            },
            "feedback": "B ignores the question.",
        }
    )
    assert check_expected(SPEC, gold, 2) == []
