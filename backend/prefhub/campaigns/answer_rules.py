"""Which stored answers a spec change would no longer fit: one rule per change, each with a
stable code, the path it concerns, and a test of one judgment's answers.

Specs are read as stored JSON (every field present, as ``model_dump`` writes it); questions and
their choices are matched by ``id``. Only ``versions.invalidated_answers`` runs the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["warning", "info"]

Answers = dict[str, Any]


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    question: str | None
    path: str
    message: str
    # Whether a judgment's answers are affected; None when no judgment can be.
    hits: Callable[[Answers], bool] | None


def _answer(answers: Answers, question_id: str) -> dict[str, Any]:
    value = answers.get(question_id)
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, dict):
        return []
    return [v for v in value.values() if isinstance(v, dict)]


def _label_maps(answer: dict[str, Any], target: str) -> list[dict[str, Any]]:
    """Label id -> value maps of a labels answer: one per candidate, or one for the prompt."""
    values = answer.get("values")
    if not isinstance(values, dict):
        return []
    return [values] if target == "prompt" else _dicts(values)


def _outside(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and not low <= value <= high


def _narrowed(old: dict[str, Any] | None, new: dict[str, Any] | None) -> bool:
    if not old or not new:
        return False
    return bool(new["min"] > old["min"] or new["max"] < old["max"])


class _RuleBook:
    """The rules a change from one question to another raises, collected in order."""

    def __init__(self) -> None:
        self.rules: list[Rule] = []

    def add(
        self,
        code: str,
        question: str | None,
        path: str,
        message: str,
        hits: Callable[[Answers], bool] | None,
        severity: Severity = "warning",
    ) -> None:
        self.rules.append(Rule(code, severity, question, path, message, hits))

    def choice_removed(
        self, qid: str, path: str, what: str, used: Callable[[dict[str, Any]], bool]
    ) -> None:
        self.add(
            "choice_removed",
            qid,
            path,
            f"{what} is no longer offered; stored answers chose it",
            lambda answers: used(_answer(answers, qid)),
        )

    def keyed(
        self,
        qid: str,
        path: str,
        noun: str,
        old: list[dict[str, Any]],
        new: list[dict[str, Any]],
        used: Callable[[dict[str, Any], str], bool],
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Removed choices of a keyed list; returns both lists by id for further rules."""
        old_by_id, new_by_id = {c["id"]: c for c in old}, {c["id"]: c for c in new}
        for cid in old_by_id:
            if cid not in new_by_id:
                self.choice_removed(
                    qid,
                    f"{path}[{cid}]",
                    f"{noun} '{cid}'",
                    lambda answer, cid=cid: used(answer, cid),  # type: ignore[misc]
                )
        return old_by_id, new_by_id


def _pairwise(
    book: _RuleBook, qid: str, path: str, old: dict[str, Any], new: dict[str, Any]
) -> None:
    for flag, choice in (("allow_tie", "tie"), ("allow_both_bad", "both_bad")):
        if old[flag] and not new[flag]:
            book.choice_removed(
                qid,
                f"{path}.{flag}",
                f"'{choice}'",
                lambda a, choice=choice: a.get("choice") == choice,  # type: ignore[misc]
            )
    if old["strength"] and not new["strength"]:
        book.choice_removed(
            qid,
            f"{path}.strength",
            "The strength question",
            lambda a: a.get("strength") is not None,
        )
    if new["strength"] and not old["strength"]:
        book.add(
            "answer_now_required",
            qid,
            f"{path}.strength",
            "Strength is now asked; stored preferences have none",
            lambda answers: _answer(answers, qid).get("choice") in ("A", "B"),
            "info",
        )
    _, new_aspects = book.keyed(
        qid,
        f"{path}.aspects",
        "Aspect",
        old["aspects"],
        new["aspects"],
        lambda a, cid: cid in (a.get("aspects") or {}),
    )
    for cid in new_aspects:
        if cid not in {c["id"] for c in old["aspects"]}:
            book.add(
                "answer_now_required",
                qid,
                f"{path}.aspects[{cid}]",
                f"Aspect '{cid}' is new; stored answers have no value for it",
                lambda answers, cid=cid: (  # type: ignore[misc]
                    qid in answers and cid not in (_answer(answers, qid).get("aspects") or {})
                ),
                "info",
            )


def _ranking(
    book: _RuleBook, qid: str, path: str, old: dict[str, Any], new: dict[str, Any]
) -> None:
    if old["allow_ties"] and not new["allow_ties"]:
        book.choice_removed(
            qid,
            f"{path}.allow_ties",
            "A tie",
            lambda a: any(len(group) > 1 for group in a.get("ranking") or []),
        )
    if old["allow_none_acceptable"] and not new["allow_none_acceptable"]:
        book.choice_removed(
            qid,
            f"{path}.allow_none_acceptable",
            "'None acceptable'",
            lambda a: bool(a.get("none_acceptable")),
        )


def _negative_only(
    book: _RuleBook, qid: str, path: str, old: dict[str, Any], new: dict[str, Any]
) -> None:
    book.keyed(
        qid,
        f"{path}.reasons",
        "Reason",
        old["reasons"],
        new["reasons"],
        lambda a, cid: any(cid in reasons for reasons in (a.get("unacceptable") or {}).values()),
    )
    if new["require_reason"] and not old["require_reason"]:
        book.add(
            "answer_now_required",
            qid,
            f"{path}.require_reason",
            "A reason is now required; stored answers marked a response without one",
            lambda answers: any(
                not reasons
                for reasons in (_answer(answers, qid).get("unacceptable") or {}).values()
            ),
            "info",
        )


def _rating(book: _RuleBook, qid: str, path: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    def scores(answers: Answers) -> list[dict[str, Any]]:
        return _dicts(_answer(answers, qid).get("scores"))

    old_by_id, new_by_id = book.keyed(
        qid,
        f"{path}.attributes",
        "Attribute",
        old["attributes"],
        new["attributes"],
        lambda a, cid: any(cid in s for s in _dicts(a.get("scores"))),
    )
    for cid, attribute in new_by_id.items():
        here = f"{path}.attributes[{cid}]"
        before = old_by_id.get(cid)
        if before is None or (attribute["required"] and not before["required"]):
            if attribute["required"]:
                book.add(
                    "answer_now_required",
                    qid,
                    here if before is None else f"{here}.required",
                    f"Attribute '{cid}' now needs a score; stored answers lack it",
                    lambda answers, cid=cid: any(cid not in s for s in scores(answers)),  # type: ignore[misc]
                    "info",
                )
            continue
        if before["required"] and not attribute["required"]:
            book.add(
                "required_changed",
                qid,
                f"{here}.required",
                f"Attribute '{cid}' becomes optional",
                None,
                "info",
            )
        scale = attribute["scale"]
        if _narrowed(before["scale"], scale):
            book.add(
                "scale_narrowed",
                qid,
                f"{here}.scale",
                f"Attribute '{cid}' now ranges {scale['min']}..{scale['max']}; "
                "stored scores lie outside",
                lambda answers, cid=cid, lo=scale["min"], hi=scale["max"]: any(  # type: ignore[misc]
                    _outside(s.get(cid), lo, hi) for s in scores(answers)
                ),
            )


def _labels(book: _RuleBook, qid: str, path: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    target = new["target"]

    def maps(answers: Answers) -> list[dict[str, Any]]:
        return _label_maps(_answer(answers, qid), target)

    old_by_id, new_by_id = book.keyed(
        qid,
        f"{path}.labels",
        "Label",
        old["labels"],
        new["labels"],
        lambda a, cid: any(m.get(cid) is not None for m in _label_maps(a, target)),
    )
    for cid, label in new_by_id.items():
        before = old_by_id.get(cid)
        if before is None:
            continue
        here = f"{path}.labels[{cid}]"
        if before["type"] != label["type"]:
            book.add(
                "label_type_changed",
                qid,
                f"{here}.type",
                f"Label '{cid}' changes from {before['type']} to {label['type']}; "
                "stored values no longer fit",
                lambda answers, cid=cid: any(m.get(cid) is not None for m in maps(answers)),  # type: ignore[misc]
            )
        elif label["type"] == "scale" and _narrowed(before["scale"], label["scale"]):
            scale = label["scale"]
            book.add(
                "scale_narrowed",
                qid,
                f"{here}.scale",
                f"Label '{cid}' now ranges {scale['min']}..{scale['max']}; "
                "stored values lie outside",
                lambda answers, cid=cid, lo=scale["min"], hi=scale["max"]: any(  # type: ignore[misc]
                    _outside(m.get(cid), lo, hi) for m in maps(answers)
                ),
            )


def _text_lengths(answer: dict[str, Any]) -> list[str]:
    if isinstance(answer.get("text"), str):
        return [answer["text"]]
    texts = answer.get("texts")
    return [t for t in texts.values() if isinstance(t, str)] if isinstance(texts, dict) else []


def _text(book: _RuleBook, qid: str, path: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    low, high = new["min_length"], new["max_length"]
    if high < old["max_length"] or low > old["min_length"]:
        book.add(
            "text_length_narrowed",
            qid,
            f"{path}.max_length" if high < old["max_length"] else f"{path}.min_length",
            f"Texts must now be {low}..{high} characters; stored texts are not",
            lambda answers: any(
                len(t) > high or 0 < len(t.strip()) < low
                for t in _text_lengths(_answer(answers, qid))
            ),
        )
    if new["required"] != old["required"]:
        book.add(
            "required_changed",
            qid,
            f"{path}.required",
            "An answer is now required; stored answers left it empty"
            if new["required"]
            else "An answer becomes optional",
            (
                lambda answers: (
                    qid in answers
                    and any(not t.strip() for t in _text_lengths(_answer(answers, qid)))
                )
            )
            if new["required"]
            else None,
            "info",
        )


_BY_KIND: dict[str, Callable[[_RuleBook, str, str, dict[str, Any], dict[str, Any]], None]] = {
    "pairwise": _pairwise,
    "ranking": _ranking,
    "negative_only": _negative_only,
    "rating": _rating,
    "labels": _labels,
    "text": _text,
}


def _reshaped(
    qid: str, path: str, before: dict[str, Any], after: dict[str, Any] | None
) -> tuple[str, str, str] | None:
    """Code, path and message when every stored answer to the question stops fitting it."""
    if after is None:
        return (
            "question_removed",
            path,
            f"Question '{qid}' is removed; stored judgments answered it",
        )
    if before.get("kind") != after.get("kind"):
        return (
            "question_kind_changed",
            f"{path}.kind",
            f"Question '{qid}' changes from {before.get('kind')} to {after.get('kind')}; "
            "stored answers have the old shape",
        )
    if before.get("target") != after.get("target"):
        return (
            "question_target_changed",
            f"{path}.target",
            f"Question '{qid}' now asks about the {after.get('target')}, not the "
            f"{before.get('target')}; stored answers have the old shape",
        )
    return None


def _question_rules(book: _RuleBook, old: dict[str, Any], new: dict[str, Any]) -> None:
    old_questions = {q["id"]: q for q in old.get("questions", [])}
    new_questions = {q["id"]: q for q in new.get("questions", [])}
    for qid, before in old_questions.items():
        path = f"questions[{qid}]"
        after = new_questions.get(qid)
        reshaped = _reshaped(qid, path, before, after)
        if reshaped is not None:
            code, where, message = reshaped
            book.add(code, qid, where, message, lambda answers, qid=qid: qid in answers)  # type: ignore[misc]
        elif after is not None and after["kind"] in _BY_KIND:
            _BY_KIND[after["kind"]](book, qid, path, before, after)
    for qid in new_questions:
        if qid not in old_questions:
            book.add(
                "question_added",
                qid,
                f"questions[{qid}]",
                f"Question '{qid}' is new; stored judgments have no answer to it",
                lambda answers, qid=qid: qid not in answers,  # type: ignore[misc]
                "info",
            )


def rules_for(old: dict[str, Any], new: dict[str, Any]) -> list[Rule]:
    """The rules changing spec ``old`` to ``new`` raises, questions first, in spec order."""
    book = _RuleBook()
    _question_rules(book, old, new)
    if old.get("redundancy") != new["redundancy"]:
        book.add(
            "redundancy_changed",
            None,
            "redundancy",
            f"Judgments per item change from {old.get('redundancy')} to {new['redundancy']}",
            None,
            "info",
        )
    return book.rules
