"""Answer shapes per question kind, validated against the campaign spec on submit."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from prefhub.campaigns.spec import CampaignSpec, PairwiseQuestion
from prefhub.kit.errors import InvalidInput


class InvalidAnswer(InvalidInput):
    code = "invalid_answer"


PairwiseChoice = Literal["A", "B", "tie", "both_bad"]


class PairwiseAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    choice: PairwiseChoice


def _check_pairwise(question: PairwiseQuestion, raw: Any, path: str) -> dict[str, Any]:
    answer = PairwiseAnswer.model_validate(raw)
    if answer.choice == "tie" and not question.allow_tie:
        raise _fail(f"{path}.choice", "this question does not allow a tie")
    if answer.choice == "both_bad" and not question.allow_both_bad:
        raise _fail(f"{path}.choice", "this question does not allow 'both bad'")
    return answer.model_dump()


def _fail(field: str, message: str) -> InvalidAnswer:
    return InvalidAnswer(f"{field}: {message}", details=[{"field": field, "message": message}])


def validate_answers(spec: CampaignSpec, answers: dict[str, Any]) -> dict[str, Any]:
    """Every question answered, with the shape its kind and options allow; nothing extra."""
    unknown = sorted(set(answers) - {q.id for q in spec.questions})
    if unknown:
        raise _fail(f"answers.{unknown[0]}", "no such question in this campaign")
    clean: dict[str, Any] = {}
    for question in spec.questions:
        path = f"answers.{question.id}"
        if question.id not in answers:
            raise _fail(path, "this question needs an answer")
        try:
            clean[question.id] = _check_pairwise(question, answers[question.id], path)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join([path, *(str(x) for x in first["loc"])])
            raise _fail(field, first["msg"]) from None
    return clean
