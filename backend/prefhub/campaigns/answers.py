"""Answer shapes per question kind, validated against the spec and the candidates shown.

Answers name candidates by the label the annotator saw ("A", "B", ...); the judgment's
``shown_order`` maps labels back to candidates. Every error names the offending field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, WithJsonSchema

from prefhub.campaigns.spec import (
    BinaryQuestion,
    CampaignSpec,
    LabelSpec,
    LabelsQuestion,
    NegativeOnlyQuestion,
    PairwiseQuestion,
    RankingQuestion,
    RatingQuestion,
    Scale,
    TextQuestion,
)
from prefhub.kit.errors import InvalidInput

LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class InvalidAnswer(InvalidInput):
    code = "invalid_answer"


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PairwiseAnswer(_Answer):
    choice: Literal["A", "B", "tie", "both_bad"]
    strength: Literal["slight", "clear", "strong"] | None = None
    aspects: dict[str, Literal["A", "B", "tie"]] = Field(default_factory=dict)


class RankingAnswer(_Answer):
    # Best first; each inner list is a group of tied candidates.
    ranking: list[list[str]] = Field(default_factory=list)
    none_acceptable: bool = False


class BinaryAnswer(_Answer):
    votes: dict[str, Literal["up", "down"]]


class NegativeOnlyAnswer(_Answer):
    unacceptable: dict[str, list[str]] = Field(default_factory=dict)


class RatingAnswer(_Answer):
    scores: dict[str, dict[str, StrictInt]]


class ItemTextAnswer(_Answer):
    text: str = ""


class CandidateTextAnswer(_Answer):
    texts: dict[str, str] = Field(default_factory=dict)


# A flag is a boolean, a scale an integer; null (or absent) when not given.
_LABEL_VALUES = {
    "type": "object",
    "additionalProperties": {"anyOf": [{"type": "boolean"}, {"type": "integer"}, {"type": "null"}]},
}


class LabelsAnswer(_Answer):
    # Label id -> value (target "prompt"), or candidate label -> label id -> value. _labels
    # checks the values against the question, so only the schema spells them out.
    values: Annotated[
        dict[str, Any],
        WithJsonSchema(
            {
                "title": "Values",
                "anyOf": [_LABEL_VALUES, {"type": "object", "additionalProperties": _LABEL_VALUES}],
            }
        ),
    ]


# Every answer shape, for the API schema; which one a question takes depends on its kind (and a
# text question's target), so validate_answers picks the model per question.
Answer = (
    PairwiseAnswer
    | RankingAnswer
    | BinaryAnswer
    | NegativeOnlyAnswer
    | RatingAnswer
    | ItemTextAnswer
    | CandidateTextAnswer
    | LabelsAnswer
)


class _Fail(Exception):
    def __init__(self, field: str, message: str) -> None:
        self.field, self.message = field, message


def _labels_exactly(found: set[str], shown: list[str], field: str) -> None:
    missing, extra = sorted(set(shown) - found), sorted(found - set(shown))
    if extra:
        raise _Fail(f"{field}.{extra[0]}", f"no candidate '{extra[0]}' was shown")
    if missing:
        raise _Fail(f"{field}.{missing[0]}", "every shown candidate needs an answer")


def _in_scale(value: Any, scale: Scale, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Fail(field, "must be a whole number")
    if not scale.min <= value <= scale.max:
        raise _Fail(field, f"must be between {scale.min} and {scale.max}")


def _pairwise(q: PairwiseQuestion, a: PairwiseAnswer, shown: list[str]) -> None:
    if len(shown) != 2:
        raise _Fail("choice", "a pairwise question needs exactly two candidates shown")
    if a.choice == "tie" and not q.allow_tie:
        raise _Fail("choice", "this question does not allow a tie")
    if a.choice == "both_bad" and not q.allow_both_bad:
        raise _Fail("choice", "this question does not allow 'both bad'")
    if q.strength and a.choice in ("A", "B") and a.strength is None:
        raise _Fail("strength", "say how strong the preference is: slight, clear or strong")
    if not q.strength and a.strength is not None:
        raise _Fail("strength", "this question does not ask for strength")
    expected = {aspect.id for aspect in q.aspects}
    if set(a.aspects) - expected:
        raise _Fail(f"aspects.{sorted(set(a.aspects) - expected)[0]}", "no such aspect")
    if expected - set(a.aspects):
        raise _Fail(f"aspects.{sorted(expected - set(a.aspects))[0]}", "answer every aspect")


def _ranking(q: RankingQuestion, a: RankingAnswer, shown: list[str]) -> None:
    if a.none_acceptable and not q.allow_none_acceptable:
        raise _Fail("none_acceptable", "this question does not allow 'none acceptable'")
    if a.none_acceptable and not a.ranking:
        return
    placed = [label for group in a.ranking for label in group]
    if any(not group for group in a.ranking):
        raise _Fail("ranking", "empty rank group")
    if len(placed) != len(set(placed)):
        raise _Fail("ranking", "a candidate appears twice")
    extra = sorted(set(placed) - set(shown))
    if extra:
        raise _Fail(f"ranking.{extra[0]}", f"no candidate '{extra[0]}' was shown")
    # A partial ranking is no answer: the web app never fills the gaps with the order shown.
    missing = [label for label in shown if label not in placed]
    if missing:
        raise _Fail(
            f"ranking.{missing[0]}",
            f"rank every shown candidate ({', '.join(missing)} not ranked)",
        )
    if not q.allow_ties and any(len(group) > 1 for group in a.ranking):
        raise _Fail("ranking", "this question does not allow ties")


def _binary(q: BinaryQuestion, a: BinaryAnswer, shown: list[str]) -> None:
    _labels_exactly(set(a.votes), shown, "votes")


def _negative_only(q: NegativeOnlyQuestion, a: NegativeOnlyAnswer, shown: list[str]) -> None:
    allowed = {reason.id for reason in q.reasons}
    for label, reasons in a.unacceptable.items():
        if label not in shown:
            raise _Fail(f"unacceptable.{label}", f"no candidate '{label}' was shown")
        unknown = [r for r in reasons if r not in allowed]
        if unknown:
            raise _Fail(f"unacceptable.{label}", f"unknown reason '{unknown[0]}'")
        if q.require_reason and q.reasons and not reasons:
            raise _Fail(f"unacceptable.{label}", "pick at least one reason")
        if len(reasons) != len(set(reasons)):
            raise _Fail(f"unacceptable.{label}", "a reason appears twice")


def _rating(q: RatingQuestion, a: RatingAnswer, shown: list[str]) -> None:
    _labels_exactly(set(a.scores), shown, "scores")
    attributes = {attribute.id: attribute for attribute in q.attributes}
    for label, scores in a.scores.items():
        for name, value in scores.items():
            if name not in attributes:
                raise _Fail(f"scores.{label}.{name}", "no such attribute")
            _in_scale(value, attributes[name].scale, f"scores.{label}.{name}")
        for attribute in q.attributes:
            if attribute.required and attribute.id not in scores:
                raise _Fail(f"scores.{label}.{attribute.id}", "this attribute needs a score")


def _check_text(q: TextQuestion, text: str, field: str) -> None:
    length = len(text.strip())
    if q.required and length == 0:
        raise _Fail(field, "this question needs an answer")
    if length and length < q.min_length:
        raise _Fail(field, f"write at least {q.min_length} characters")
    if len(text) > q.max_length:
        raise _Fail(field, f"write at most {q.max_length} characters")


def _text(q: TextQuestion, a: ItemTextAnswer | CandidateTextAnswer, shown: list[str]) -> None:
    if isinstance(a, ItemTextAnswer):
        _check_text(q, a.text, "text")
        return
    extra = sorted(set(a.texts) - set(shown))
    if extra:
        raise _Fail(f"texts.{extra[0]}", f"no candidate '{extra[0]}' was shown")
    for label in shown:
        _check_text(q, a.texts.get(label, ""), f"texts.{label}")


def _label_values(specs: list[LabelSpec], values: Any, field: str) -> None:
    if not isinstance(values, dict):
        raise _Fail(field, "must be an object of label values")
    by_id = {spec.id: spec for spec in specs}
    for name, value in values.items():
        spec = by_id.get(name)
        if spec is None:
            raise _Fail(f"{field}.{name}", "no such label")
        if spec.type == "flag" and not isinstance(value, bool):
            raise _Fail(f"{field}.{name}", "a flag is true or false")
        if spec.type == "scale" and value is not None:
            assert spec.scale is not None
            _in_scale(value, spec.scale, f"{field}.{name}")


def _labels(q: LabelsQuestion, a: LabelsAnswer, shown: list[str]) -> None:
    if q.target == "prompt":
        _label_values(q.labels, a.values, "values")
        return
    _labels_exactly(set(a.values), shown, "values")
    for label, values in a.values.items():
        _label_values(q.labels, values, f"values.{label}")


Checker = Callable[[Any, Any, list[str]], None]


def _model_and_check(question: Any) -> tuple[type[_Answer], Checker]:
    if isinstance(question, TextQuestion):
        model = ItemTextAnswer if question.target == "item" else CandidateTextAnswer
        return model, _text
    by_kind: dict[str, tuple[type[_Answer], Checker]] = {
        "pairwise": (PairwiseAnswer, _pairwise),
        "ranking": (RankingAnswer, _ranking),
        "binary": (BinaryAnswer, _binary),
        "negative_only": (NegativeOnlyAnswer, _negative_only),
        "rating": (RatingAnswer, _rating),
        "labels": (LabelsAnswer, _labels),
    }
    return by_kind[question.kind]


def _fail(field: str, message: str) -> InvalidAnswer:
    return InvalidAnswer(f"{field}: {message}", details=[{"field": field, "message": message}])


def shown_labels(count: int) -> list[str]:
    return list(LABELS[:count])


def validate_answers(
    spec: CampaignSpec, answers: dict[str, Any], shown_count: int = 2
) -> dict[str, Any]:
    """Every question answered, with the shape its kind and options allow; nothing extra."""
    unknown = sorted(set(answers) - {q.id for q in spec.questions})
    if unknown:
        raise _fail(f"answers.{unknown[0]}", "no such question in this campaign")
    shown = shown_labels(shown_count)
    clean: dict[str, Any] = {}
    for question in spec.questions:
        path = f"answers.{question.id}"
        if question.id not in answers:
            raise _fail(path, "this question needs an answer")
        model, check = _model_and_check(question)
        try:
            answer = model.model_validate(answers[question.id])
            check(question, answer, shown)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise _fail(".".join([path, *(str(x) for x in first["loc"])]), first["msg"]) from None
        except _Fail as exc:
            raise _fail(f"{path}.{exc.field}", exc.message) from None
        clean[question.id] = answer.model_dump(exclude_defaults=False)
    return clean
