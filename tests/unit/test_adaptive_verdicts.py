"""What counts as agreement for adaptive redundancy: per question kind, on candidates (through
the order each annotator was shown), and which question decides."""

from __future__ import annotations

from typing import Any

from prefhub.assignments.adaptive import deciding_question, verdict, wanted_from_verdicts
from prefhub.campaigns.answers import validate_answers
from prefhub.campaigns.spec import AdaptiveRedundancy, CampaignSpec

RATING = {
    "kind": "rating",
    "attributes": [
        {"id": "helpfulness", "label": "Helpfulness", "scale": {"min": 0, "max": 4}},
        {"id": "verbosity", "label": "Verbosity", "required": False},
    ],
}


def spec(*questions: dict[str, Any], **extra: Any) -> CampaignSpec:
    return CampaignSpec.model_validate(
        {"name": "t", "slug": "t", "questions": list(questions), **extra}
    )


def said(s: CampaignSpec, answers: dict[str, Any], shown_order: list[int]) -> Any:
    """The verdict of ``answers`` (checked as a submit checks them) given ``shown_order``."""
    question = deciding_question(s)
    assert question is not None
    return verdict(question, validate_answers(s, answers, len(shown_order)), shown_order)


def test_the_same_pairwise_winner_agrees_whichever_letter_it_had() -> None:
    s = spec({"kind": "pairwise"})
    first = said(s, {"preference": {"choice": "A"}}, [10, 11])
    assert first == said(s, {"preference": {"choice": "B"}}, [11, 10])
    assert first != said(s, {"preference": {"choice": "A"}}, [11, 10])
    assert said(s, {"preference": {"choice": "tie"}}, [10, 11]) == said(
        s, {"preference": {"choice": "tie"}}, [11, 10]
    )
    # The same candidate winning against another candidate is another comparison.
    assert first != said(s, {"preference": {"choice": "A"}}, [10, 12])


def test_rankings_agree_on_their_top_candidates_and_none_acceptable() -> None:
    s = spec({"kind": "ranking"}, max_candidates_shown=3)
    top = said(s, {"ranking": {"ranking": [["A"], ["B"], ["C"]]}}, [1, 2, 3])
    assert top == said(s, {"ranking": {"ranking": [["C"], ["A", "B"]]}}, [2, 3, 1])
    assert top != said(s, {"ranking": {"ranking": [["B"], ["A"], ["C"]]}}, [1, 2, 3])
    none = said(s, {"ranking": {"none_acceptable": True}}, [1, 2, 3])
    assert none == said(s, {"ranking": {"none_acceptable": True}}, [3, 1, 2]) != top


def test_binary_negative_only_rating_and_labels_compare_per_candidate() -> None:
    binary = spec({"kind": "binary"})
    votes = said(binary, {"acceptable": {"votes": {"A": "up", "B": "down"}}}, [1, 2])
    assert votes == said(binary, {"acceptable": {"votes": {"A": "down", "B": "up"}}}, [2, 1])
    assert votes != said(binary, {"acceptable": {"votes": {"A": "up", "B": "up"}}}, [1, 2])

    negative = spec({"kind": "negative_only", "require_reason": False})
    marked = said(negative, {"unacceptable": {"unacceptable": {"B": []}}}, [1, 2])
    assert marked == said(negative, {"unacceptable": {"unacceptable": {"A": []}}}, [2, 1])
    assert marked != said(negative, {"unacceptable": {"unacceptable": {}}}, [1, 2])

    rating = spec(RATING)
    scores = said(
        rating, {"rating": {"scores": {"A": {"helpfulness": 3}, "B": {"helpfulness": 1}}}}, [1, 2]
    )
    # Only the first attribute decides.
    assert scores == said(
        rating,
        {"rating": {"scores": {"A": {"helpfulness": 1, "verbosity": 2}, "B": {"helpfulness": 3}}}},
        [2, 1],
    )

    labels = spec({"kind": "labels", "target": "prompt"})
    flags = said(labels, {"labels": {"values": {"spam": True}}}, [1, 2])
    assert flags == said(labels, {"labels": {"values": {"spam": True}}}, [2, 1])
    assert flags != said(labels, {"labels": {"values": {"spam": False}}}, [1, 2])


def test_the_first_comparative_question_decides_and_text_never_does() -> None:
    mixed = spec(RATING, {"kind": "text"}, {"kind": "ranking"})
    question = deciding_question(mixed)
    assert question is not None and question.kind == "ranking"
    first = deciding_question(spec({"kind": "text"}, {"kind": "binary"}))
    assert first is not None and first.kind == "binary"
    assert deciding_question(spec({"kind": "text"})) is None


def test_what_an_item_wants_from_its_verdicts_in_order() -> None:
    rule = AdaptiveRedundancy(agree_after=3, max_judgments=6)
    assert wanted_from_verdicts([], rule) is None
    assert wanted_from_verdicts(["x", "x"], rule) is None  # K until it can agree
    assert wanted_from_verdicts(["x", "x", "x"], rule) == 3
    assert wanted_from_verdicts(["x", "y"], rule) == 6  # disagreement shows early
    # Decided by the first agree_after: a later dissent does not re-open a settled item.
    assert wanted_from_verdicts(["x", "x", "x", "y"], rule) == 3
