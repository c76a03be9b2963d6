"""A summary of the exported annotators' profiles for the dataset card and the manifest.

Counts per answer, never per person. Unless the export carries the profiles themselves, a
count under ``SMALL_CELL`` is shown as ``"<5"``: a rare answer in a small crowd can single a
person out. Suppression is complementary: when only one cell of a question would be hidden, the
next smallest is hidden too, so no hidden count is the total ("answered") minus the shown ones;
a question whose only answer is hidden hides its "answered" count as well.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from typing import Any

from prefhub.campaigns.participation_spec import SurveyQuestion

SMALL_CELL = 5
# Free-text and identifying keys: counted as answered, never tabulated.
UNTABULATED_KINDS = ("text",)


def summarize_profiles(
    profiles: Iterable[dict[str, Any]], survey: list[SurveyQuestion], *, exact: bool
) -> dict[str, Any]:
    """Per profile question (the survey's, in its order, then any other profile keys):
    its prompt, kind, how many answered, and answer counts or number statistics."""
    profiles = list(profiles)
    asked = {q.id: q for q in survey}
    keys = [q.id for q in survey] + sorted(
        {key for profile in profiles for key in profile} - set(asked)
    )
    summary: dict[str, Any] = {}
    for key in keys:
        answers = [p[key] for p in profiles if p.get(key) not in (None, "", [])]
        question = asked.get(key)
        kind = question.kind if question else _kind_of(answers)
        entry: dict[str, Any] = {
            "prompt": question.prompt if question else key,
            "kind": kind,
            "answered": len(answers),
        }
        if kind == "number":
            numbers = [float(a) for a in answers if isinstance(a, int | float)]
            if numbers and (exact or len(numbers) >= SMALL_CELL):
                entry |= {
                    "min": _plain(min(numbers)),
                    "median": _plain(statistics.median(numbers)),
                    "max": _plain(max(numbers)),
                }
        elif kind not in UNTABULATED_KINDS:
            labels = {o.id: o.label for o in question.options} if question else {}
            counted = Counter(
                labels.get(str(value), str(value))
                for answer in answers
                for value in (answer if isinstance(answer, list) else [answer])
            )
            ordered = sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))
            hidden = set() if exact else suppressed_cells(ordered)
            entry["counts"] = {
                label: f"<{SMALL_CELL}" if label in hidden else n for label, n in ordered
            }
            if hidden and len(hidden) == len(ordered) == 1:
                entry["answered"] = f"<{SMALL_CELL}"
        summary[key] = entry
    return summary


def suppressed_cells(ordered: list[tuple[str, int]]) -> set[str]:
    """The labels of the cells to hide among ``ordered`` (largest count first): every count
    under ``SMALL_CELL`` and, when that is a single cell, the next smallest as its complement."""
    hidden = {label for label, n in ordered if n < SMALL_CELL}
    if len(hidden) == 1 and len(ordered) > 1:
        hidden.add(ordered[-2][0])  # the hidden cell is the last, the smallest
    return hidden


def _kind_of(answers: list[Any]) -> str:
    if answers and all(isinstance(a, int | float) and not isinstance(a, bool) for a in answers):
        return "number"
    if any(isinstance(a, list) for a in answers):
        return "multiple_choice"
    return "single_choice"


def _plain(number: float) -> float | int:
    return int(number) if float(number).is_integer() else round(number, 2)
