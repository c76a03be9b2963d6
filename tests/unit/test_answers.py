"""Each question kind accepts the answers its spec allows and rejects the rest, naming the field."""

from __future__ import annotations

import pytest

from prefhub.campaigns.answers import InvalidAnswer, validate_answers
from prefhub.campaigns.spec import CampaignSpec


def spec(*questions: dict, **extra) -> CampaignSpec:
    return CampaignSpec.model_validate(
        {"name": "t", "slug": "t", "questions": list(questions), **extra}
    )


def rejects(s: CampaignSpec, answers: dict, field: str, shown: int = 2) -> str:
    with pytest.raises(InvalidAnswer) as caught:
        validate_answers(s, answers, shown)
    assert caught.value.details[0]["field"] == field, caught.value.details
    return caught.value.details[0]["message"]


PAIRWISE = {
    "kind": "pairwise",
    "strength": True,
    "aspects": [{"id": "helpful", "label": "Helpful"}, {"id": "honest", "label": "Honest"}],
}


def test_pairwise_with_strength_and_aspects():
    s = spec(PAIRWISE)
    good = {"choice": "B", "strength": "clear", "aspects": {"helpful": "B", "honest": "tie"}}
    assert validate_answers(s, {"preference": good}, 2)["preference"]["strength"] == "clear"
    tie = {"choice": "tie", "aspects": {"helpful": "A", "honest": "B"}}
    assert validate_answers(s, {"preference": tie}, 2)["preference"]["strength"] is None
    rejects(s, {"preference": {**good, "strength": None}}, "answers.preference.strength")
    rejects(s, {"preference": {**good, "strength": "huge"}}, "answers.preference.strength")
    rejects(
        s,
        {"preference": {**good, "aspects": {"helpful": "A"}}},
        "answers.preference.aspects.honest",
    )
    rejects(s, {"preference": good}, "answers.preference.choice", shown=3)


def test_pairwise_without_strength_refuses_one():
    s = spec({"kind": "pairwise", "allow_both_bad": False})
    rejects(s, {"preference": {"choice": "A", "strength": "slight"}}, "answers.preference.strength")
    rejects(s, {"preference": {"choice": "both_bad"}}, "answers.preference.choice")


def test_ranking_with_ties_and_none_acceptable():
    s = spec({"kind": "ranking"}, max_candidates_shown=3)
    ok = validate_answers(s, {"ranking": {"ranking": [["B"], ["A", "C"]]}}, 3)
    assert ok["ranking"] == {"ranking": [["B"], ["A", "C"]], "none_acceptable": False}
    assert validate_answers(s, {"ranking": {"none_acceptable": True}}, 3)
    rejects(s, {"ranking": {"ranking": [["A"], ["B"]]}}, "answers.ranking.ranking.C", shown=3)
    rejects(
        s,
        {"ranking": {"ranking": [["A"], ["B"], ["C"], ["D"]]}},
        "answers.ranking.ranking.D",
        shown=3,
    )
    rejects(
        s, {"ranking": {"ranking": [["A", "A"], ["B"], ["C"]]}}, "answers.ranking.ranking", shown=3
    )
    strict = spec({"kind": "ranking", "allow_ties": False, "allow_none_acceptable": False})
    rejects(strict, {"ranking": {"ranking": [["A", "B"]]}}, "answers.ranking.ranking")
    rejects(strict, {"ranking": {"none_acceptable": True}}, "answers.ranking.none_acceptable")


def test_binary_needs_a_vote_per_shown_candidate():
    s = spec({"kind": "binary"})
    assert validate_answers(s, {"acceptable": {"votes": {"A": "up", "B": "down"}}}, 2)
    rejects(s, {"acceptable": {"votes": {"A": "up"}}}, "answers.acceptable.votes.B")
    rejects(s, {"acceptable": {"votes": {"A": "up", "B": "meh"}}}, "answers.acceptable.votes.B")


def test_negative_only_accepts_nothing_marked_and_needs_reasons_for_marked():
    s = spec({"kind": "negative_only"})
    assert validate_answers(s, {"unacceptable": {}}, 2)["unacceptable"] == {"unacceptable": {}}
    ok = {"unacceptable": {"B": ["incorrect", "harmful"]}}
    assert validate_answers(s, {"unacceptable": ok}, 2)
    rejects(s, {"unacceptable": {"unacceptable": {"B": []}}}, "answers.unacceptable.unacceptable.B")
    rejects(
        s,
        {"unacceptable": {"unacceptable": {"B": ["boring"]}}},
        "answers.unacceptable.unacceptable.B",
    )
    rejects(
        s,
        {"unacceptable": {"unacceptable": {"C": ["harmful"]}}},
        "answers.unacceptable.unacceptable.C",
    )


RATING = {
    "kind": "rating",
    "attributes": [
        {
            "id": "helpfulness",
            "label": "Helpfulness",
            "scale": {"min": 0, "max": 4, "anchors": {0: "no", 4: "yes"}},
        },
        {"id": "verbosity", "label": "Verbosity", "required": False},
    ],
}


def test_rating_scores_within_scale_for_every_candidate():
    s = spec(RATING)
    ok = {"scores": {"A": {"helpfulness": 4, "verbosity": 1}, "B": {"helpfulness": 0}}}
    assert validate_answers(s, {"rating": ok}, 2)["rating"] == ok
    rejects(
        s,
        {"rating": {"scores": {"A": {"helpfulness": 5}, "B": {"helpfulness": 1}}}},
        "answers.rating.scores.A.helpfulness",
    )
    rejects(
        s,
        {"rating": {"scores": {"A": {"helpfulness": True}, "B": {"helpfulness": 1}}}},
        "answers.rating.scores.A.helpfulness",
    )
    rejects(
        s,
        {"rating": {"scores": {"A": {"verbosity": 1}, "B": {"helpfulness": 1}}}},
        "answers.rating.scores.A.helpfulness",
    )
    rejects(s, {"rating": {"scores": {"A": {"helpfulness": 1}}}}, "answers.rating.scores.B")


def test_text_per_item_and_per_candidate_with_lengths():
    s = spec({"kind": "text", "required": True, "min_length": 10, "max_length": 50})
    assert validate_answers(s, {"rationale": {"text": "A is more accurate."}}, 2)
    rejects(s, {"rationale": {"text": "   "}}, "answers.rationale.text")
    rejects(s, {"rationale": {"text": "short"}}, "answers.rationale.text")
    rejects(s, {"rationale": {"text": "x" * 51}}, "answers.rationale.text")
    optional = spec({"kind": "text", "id": "fix", "target": "candidate", "purpose": "refinement"})
    assert validate_answers(optional, {"fix": {"texts": {"A": "better text"}}}, 2)
    rejects(optional, {"fix": {"texts": {"Z": "?"}}}, "answers.fix.texts.Z")


def test_labels_on_the_prompt_and_on_candidates():
    s = spec({"kind": "labels", "target": "prompt"})
    assert validate_answers(s, {"labels": {"values": {"spam": True, "quality": 2}}}, 2)
    rejects(s, {"labels": {"values": {"spam": "yes"}}}, "answers.labels.values.spam")
    rejects(s, {"labels": {"values": {"quality": 9}}}, "answers.labels.values.quality")
    rejects(s, {"labels": {"values": {"toxicity": 1}}}, "answers.labels.values.toxicity")
    per = spec({"kind": "labels"})
    assert validate_answers(per, {"labels": {"values": {"A": {"pii": True}, "B": {}}}}, 2)
    rejects(per, {"labels": {"values": {"A": {}}}}, "answers.labels.values.B")


def test_a_combined_screen_needs_every_question_and_nothing_else():
    s = spec({"kind": "pairwise"}, RATING, {"kind": "text"})
    answers = {
        "preference": {"choice": "A"},
        "rating": {"scores": {"A": {"helpfulness": 3}, "B": {"helpfulness": 1}}},
        "rationale": {"text": ""},
    }
    assert set(validate_answers(s, answers, 2)) == {"preference", "rating", "rationale"}
    rejects(s, {k: v for k, v in answers.items() if k != "rating"}, "answers.rating")
    rejects(s, {**answers, "bonus": {}}, "answers.bonus")


def test_spec_rules_refuse_inconsistent_campaigns():
    with pytest.raises(ValueError, match="min_candidates"):
        spec({"kind": "ranking"}, min_candidates=1)
    with pytest.raises(ValueError, match="unique"):
        spec({"kind": "binary"}, {"kind": "binary"})
    with pytest.raises(ValueError, match="below max"):
        spec(
            {
                "kind": "rating",
                "attributes": [{"id": "x", "label": "X", "scale": {"min": 3, "max": 3}}],
            }
        )
    assert spec({"kind": "pairwise"}, {"kind": "binary", "id": "ok"}).candidates_per_task == 2
    assert spec({"kind": "ranking"}, max_candidates_shown=5).candidates_per_task == 5
