"""The profile summary of an export (prefhub.exports.demographics): small cells are hidden, and
never one alone, so the "answered" total does not give a hidden count back by subtraction."""

from __future__ import annotations

from typing import Any

from prefhub.campaigns.participation_spec import SurveyQuestion
from prefhub.exports.demographics import summarize_profiles

AGE = SurveyQuestion.model_validate(
    {
        "id": "age",
        "prompt": "Your age?",
        "kind": "single_choice",
        "options": [
            {"id": "a", "label": "18-24"},
            {"id": "b", "label": "25-34"},
            {"id": "c", "label": "35+"},
        ],
    }
)


def profiles(**counts: int) -> list[dict[str, Any]]:
    return [{"age": option} for option, n in counts.items() for _ in range(n)]


def age_summary(exact: bool = False, **counts: int) -> dict[str, Any]:
    return summarize_profiles(profiles(**counts), [AGE], exact=exact)["age"]


def recoverable(summary: dict[str, Any]) -> bool:
    """Whether a hidden count is the total minus the counts shown."""
    hidden = [n for n in summary["counts"].values() if not isinstance(n, int)]
    return len(hidden) == 1 and isinstance(summary["answered"], int)


def test_one_small_cell_hides_the_next_smallest_too():
    summary = age_summary(a=12, b=7, c=2)
    assert summary["answered"] == 21
    assert summary["counts"] == {"18-24": 12, "25-34": "<5", "35+": "<5"}
    assert not recoverable(summary)


def test_two_small_cells_are_hidden_and_large_ones_shown():
    summary = age_summary(a=12, b=3, c=2)
    assert summary["counts"] == {"18-24": 12, "25-34": "<5", "35+": "<5"}
    assert not recoverable(summary)


def test_no_small_cell_hides_nothing_and_exact_exports_hide_nothing():
    assert age_summary(a=12, b=7, c=5)["counts"] == {"18-24": 12, "25-34": 7, "35+": 5}
    exact = age_summary(exact=True, a=12, b=7, c=2)
    assert exact["counts"] == {"18-24": 12, "25-34": 7, "35+": 2} and exact["answered"] == 21


def test_a_single_small_answer_hides_the_total_too():
    summary = age_summary(c=3)
    assert summary["counts"] == {"35+": "<5"} and summary["answered"] == "<5"
