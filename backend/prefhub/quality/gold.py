"""Gold items: expected answers imported with an item, scored when a judgment is submitted.

An expected answer names candidates by their **import position** — "A" is the line's first
candidate, "B" the second — never by the label an annotator saw: candidates are shuffled per
annotator, so scoring maps each shown label through the judgment's ``shown_order`` back to the
candidate's import position. One expected shape per question kind:

- pairwise: ``{"accept": ["A", "tie"]}`` — the set of choices counted correct;
- ranking: ``{"order": ["B", "A", "C"]}`` — best first; scored as the share of pairs the
  annotator ordered the same way (a tie between them is wrong). With ``"pass_share": 0.6`` a
  share at or above it scores 1 (one swapped pair of many passes). Or ``{"top": ["B", "C"]}``:
  only the best place is checked — right when every candidate put first is in the set;
- binary: ``{"votes": {"A": "up", "B": "down"}}`` — a candidate left out is not checked
  (either vote is accepted);
- negative_only: ``{"unacceptable": ["B"], "borderline": ["C"]}`` — every listed one marked,
  no other; a borderline candidate may be marked or not;
- rating: ``{"scores": {"A": {"helpfulness": {"value": 4, "tolerance": 1}}}}`` — any score
  within value ± tolerance.

A judgment's score is the mean over the expected questions it could be scored on (a question
whose candidates were not all shown is left out); null when none could.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from prefhub.campaigns.answers import LABELS
from prefhub.campaigns.spec import CampaignSpec, PairwiseQuestion, RatingQuestion
from prefhub.models import Campaign, Candidate, Item, ItemStatus, Judgment

Letter = Annotated[str, Field(pattern=r"^[A-Z]$")]
MAX_FEEDBACK = 2000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExpectedScore(_Strict):
    value: int = Field(ge=-100, le=100)
    tolerance: int = Field(default=0, ge=0, le=200, description="±, inclusive")


class ExpectedAnswer(_Strict):
    """What one question's answer should be; exactly one field, the one its kind takes."""

    accept: list[Literal["A", "B", "tie", "both_bad"]] | None = Field(
        default=None, min_length=1, max_length=4
    )
    order: list[Letter] | None = Field(default=None, min_length=2, max_length=26)
    pass_share: float | None = Field(
        default=None, gt=0, le=1, description="with order: a share of agreeing pairs that passes"
    )
    top: list[Letter] | None = Field(default=None, min_length=1, max_length=26)
    votes: dict[Letter, Literal["up", "down"]] | None = Field(
        default=None, min_length=1, max_length=26
    )
    unacceptable: list[Letter] | None = Field(default=None, max_length=26)
    borderline: list[Letter] | None = Field(
        default=None, max_length=26, description="with unacceptable: may be marked or not"
    )
    scores: (
        dict[
            Letter,
            Annotated[
                dict[Annotated[str, Field(max_length=64)], ExpectedScore], Field(max_length=12)
            ],
        ]
        | None
    ) = Field(default=None, min_length=1, max_length=26)

    @model_validator(mode="after")
    def _one_field(self) -> ExpectedAnswer:
        given = [name for name in ANSWER_FIELDS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(ANSWER_FIELDS)}")
        for modifier, needs in MODIFIERS.items():
            if getattr(self, modifier) is not None and getattr(self, needs) is None:
                raise ValueError(f"{modifier} goes with {needs}")
        return self

    def field(self) -> str:
        return next(name for name in ANSWER_FIELDS if getattr(self, name) is not None)


# Which fields of an expected answer each scorable question kind takes (one of them).
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "pairwise": ("accept",),
    "ranking": ("order", "top"),
    "binary": ("votes",),
    "negative_only": ("unacceptable",),
    "rating": ("scores",),
}
ANSWER_FIELDS = tuple(name for fields in KIND_FIELDS.values() for name in fields)
# Fields that only qualify another: modifier -> the field it needs.
MODIFIERS = {"pass_share": "order", "borderline": "unacceptable"}


class ImportGold(_Strict):
    """A gold item's ``gold`` object in an import line."""

    expected: dict[Annotated[str, Field(max_length=64)], ExpectedAnswer] = Field(
        default_factory=dict, max_length=20, description="question id -> expected answer"
    )
    feedback: str | None = Field(default=None, max_length=MAX_FEEDBACK)


@dataclass(frozen=True)
class GoldProblem:
    field: str  # e.g. "gold.expected.preference.accept"
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def check_expected(spec: CampaignSpec, gold: ImportGold, n_candidates: int) -> list[str]:
    """What is wrong with a line's expected answers against the campaign's questions and the
    line's candidates; empty when nothing is."""
    return [str(problem) for problem in expected_problems(spec, gold, n_candidates)]


def expected_problems(spec: CampaignSpec, gold: ImportGold, n_candidates: int) -> list[GoldProblem]:
    """``check_expected``'s problems, each with the field it names (the import and the data
    browser's gold form report the same ones)."""
    questions = {q.id: q for q in spec.questions}
    problems: list[GoldProblem] = []
    letters = set(LABELS[:n_candidates])
    for qid, expected in gold.expected.items():
        where = f"gold.expected.{qid}"

        def problem(field: str, message: str, where: str = where) -> None:
            problems.append(GoldProblem(f"{where}{field}", message))

        question = questions.get(qid)
        if question is None:
            problem("", f"the campaign has no question '{qid}'")
            continue
        wanted = KIND_FIELDS.get(question.kind)
        if wanted is None:
            problem("", f"a {question.kind} question cannot be gold-checked")
            continue
        if expected.field() not in wanted:
            problem("", f"a {question.kind} question expects {' or '.join(map(repr, wanted))}")
            continue
        named = _letters(expected)
        unknown = sorted(set(named) - letters)
        if unknown:
            problem(
                "",
                f"no candidate '{unknown[0]}' (the item has {n_candidates}; A is the first)",
            )
        for field in ("order", "top", "unacceptable", "borderline"):
            listed = getattr(expected, field)
            if listed is not None and len(set(listed)) != len(listed):
                problem(f".{field}", "a candidate appears twice")
        if set(expected.unacceptable or ()) & set(expected.borderline or ()):
            problem(".borderline", "a candidate cannot be both unacceptable and borderline")
        if isinstance(question, PairwiseQuestion) and expected.accept is not None:
            if "tie" in expected.accept and not question.allow_tie:
                problem(".accept", "this question does not allow a tie")
            if "both_bad" in expected.accept and not question.allow_both_bad:
                problem(".accept", "this question does not allow 'both bad'")
        if isinstance(question, RatingQuestion) and expected.scores is not None:
            attributes = {a.id: a for a in question.attributes}
            for letter, scores in expected.scores.items():
                for name, score in scores.items():
                    attribute = attributes.get(name)
                    if attribute is None:
                        problem(f".scores.{letter}.{name}", "no such attribute")
                    elif not attribute.scale.min <= score.value <= attribute.scale.max:
                        problem(
                            f".scores.{letter}.{name}",
                            f"value must be between {attribute.scale.min} and "
                            f"{attribute.scale.max}",
                        )
    return problems


def _letters(expected: ExpectedAnswer) -> list[str]:
    if expected.accept is not None:
        return [c for c in expected.accept if c in ("A", "B")]
    if expected.order is not None:
        return list(expected.order)
    if expected.top is not None:
        return list(expected.top)
    if expected.votes is not None:
        return list(expected.votes)
    if expected.unacceptable is not None:
        return [*expected.unacceptable, *(expected.borderline or ())]
    return list(expected.scores or {})


def score(
    expected: dict[str, Any],
    answers: dict[str, Any],
    shown_order: list[int],
    positions: dict[int, int],
) -> float | None:
    """How well ``answers`` match a gold item's stored ``expected`` answers, 0..1.

    ``shown_order`` is the judgment's candidate ids as shown (A, B, ...); ``positions`` maps a
    candidate id to its import position. None when no expected question could be scored.
    """
    # Shown label -> import letter, and back.
    to_import = {
        LABELS[i]: LABELS[positions[cid]] for i, cid in enumerate(shown_order) if cid in positions
    }
    shown = set(to_import.values())
    scores = [
        s
        for qid, raw in expected.items()
        if qid in answers
        for s in [_score_one(ExpectedAnswer.model_validate(raw), answers[qid], to_import, shown)]
        if s is not None
    ]
    return sum(scores) / len(scores) if scores else None


def _score_one(
    expected: ExpectedAnswer, answer: Any, to_import: dict[str, str], shown: set[str]
) -> float | None:
    if not isinstance(answer, dict):
        return None
    if expected.accept is not None:
        # Scored only when the two imported candidates were the two shown.
        if shown != {"A", "B"}:
            return None
        choice = str(answer.get("choice"))
        return float(to_import.get(choice, choice) in set(expected.accept))
    if expected.order is not None:
        share = _ranking_score(expected.order, answer, to_import, shown)
        if share is not None and expected.pass_share is not None and share >= expected.pass_share:
            return 1.0
        return share
    if expected.top is not None:
        return _top_score(expected.top, answer, to_import, shown)
    if expected.votes is not None:
        votes = answer.get("votes") or {}
        given = {to_import.get(label): vote for label, vote in votes.items()}
        return _share(
            given.get(letter) == vote for letter, vote in expected.votes.items() if letter in shown
        )
    if expected.unacceptable is not None:
        marked = {to_import.get(label) for label in answer.get("unacceptable") or {}}
        bad = set(expected.unacceptable)
        either = set(expected.borderline or ())
        return _share((letter in marked) == (letter in bad) for letter in sorted(shown - either))
    scores = answer.get("scores") or {}
    given_scores = {to_import.get(label): s for label, s in scores.items()}
    return _share(
        isinstance(v := (given_scores.get(letter) or {}).get(name), int)
        and abs(v - want.value) <= want.tolerance
        for letter, wanted in (expected.scores or {}).items()
        if letter in shown
        for name, want in wanted.items()
    )


def _ranking_score(
    order: list[str], answer: dict[str, Any], to_import: dict[str, str], shown: set[str]
) -> float | None:
    ranked = [letter for letter in order if letter in shown]
    if len(ranked) < 2:
        return None
    rank = {
        to_import.get(label): place
        for place, group in enumerate(answer.get("ranking") or [])
        for label in group
    }
    if answer.get("none_acceptable") and not rank:
        return 0.0
    # ``ranked`` is best first: each pair the annotator put strictly in that order counts.
    return _share(
        better in rank and worse in rank and rank[better] < rank[worse]
        for better, worse in combinations(ranked, 2)
    )


def _top_score(
    top: list[str], answer: dict[str, Any], to_import: dict[str, str], shown: set[str]
) -> float | None:
    """1 when every candidate the annotator put first is an accepted one; None when no
    accepted candidate was shown (nothing to find)."""
    if not set(top) & shown:
        return None
    groups = answer.get("ranking") or []
    first = {to_import.get(label) for label in groups[0]} if groups else set()
    return float(bool(first) and first <= set(top))


def _share(hits: Iterable[bool]) -> float | None:
    values = list(hits)
    return sum(values) / len(values) if values else None


def gold_score_of(
    session: Session, item_id: int, answers: dict[str, Any], shown_order: list[int]
) -> float | None:
    """A new judgment's score on a gold item with expected answers; None on any other item.

    Reads the item under FOR KEY SHARE (the lock the judgment's foreign key takes anyway): a
    concurrent gold edit (``gold_entry``, FOR UPDATE) is waited for and its answers used, and
    an edit that comes later waits for this judgment and re-scores it, so none is left scored
    against stale answers."""
    # The lock is taken on every item, gold or not, so that an edit making an item gold is
    # waited for too (a row filtered out by ``is_gold`` would not be locked).
    row = session.execute(
        select(Item.is_gold, Item.gold_expected)
        .where(Item.id == item_id)
        .with_for_update(read=True, key_share=True)
    ).first()
    if row is None or not row.is_gold or not row.gold_expected:
        return None
    expected = row.gold_expected
    positions = dict(
        session.execute(
            select(Candidate.id, Candidate.position).where(Candidate.item_id == item_id)
        )
        .tuples()
        .all()
    )
    return score(expected, answers, shown_order, positions)


@dataclass(frozen=True)
class GoldTally:
    key: int
    seen: int
    correct: int  # judgments scoring 1 (every expected answer met)
    accuracy: float  # mean score


@dataclass(frozen=True)
class GoldReport:
    gold_items: int
    annotators: list[GoldTally]  # key: annotator id, lowest accuracy first
    items: list[tuple[GoldTally, str]]  # key: item id, with its external id; lowest first


def gold_report(session: Session, campaign: Campaign) -> GoldReport:
    """Gold accuracy per annotator and per gold item, from each assignment's first answer
    (revision 0): a later revision, made after seeing the item again, does not count.

    The database sums, from ``ix_judgments_gold`` alone; the gold items come with their
    tallies rather than as ids sent back in a second query (at thousands of gold items,
    building that statement cost more than the query)."""
    scored = [
        Judgment.campaign_id == campaign.id,
        Judgment.gold_score.is_not(None),
        Judgment.revision == 0,
    ]
    sums = (
        func.count(),
        func.sum(case((Judgment.gold_score >= 1.0, 1), else_=0)),
        func.avg(Judgment.gold_score),
    )

    def made(key: Any, seen: Any, correct: Any, mean: Any) -> GoldTally:
        return GoldTally(int(key), int(seen), int(correct or 0), round(float(mean), 4))

    annotators = sorted(
        (
            made(*row)
            for row in session.execute(
                select(Judgment.annotator_id, *sums).where(*scored).group_by(Judgment.annotator_id)
            ).tuples()
        ),
        key=_worst_first,
    )
    # One visit to each gold item (a heap page each: thousands of pages in a large campaign)
    # gives its name, whether it counts among the scorable gold items, and its tally; scores go
    # with an item's gold (``gold_entry.clear_gold``), so no scored item is left out.
    per_item = select(Judgment.item_id, *sums).where(*scored).group_by(Judgment.item_id).subquery()
    gold_items = 0
    items: list[tuple[GoldTally, str]] = []
    for item_id, name, scorable, seen, correct, mean in session.execute(
        select(
            Item.id,
            Item.external_id,
            and_(Item.gold_expected.is_not(None), Item.status != ItemStatus.importing),
            per_item.c[1],
            per_item.c[2],
            per_item.c[3],
        )
        .outerjoin(per_item, per_item.c.item_id == Item.id)
        .where(Item.campaign_id == campaign.id, Item.is_gold.is_(True))
    ).tuples():
        gold_items += bool(scorable)
        if seen:
            items.append((made(item_id, seen, correct, mean), name))
    items.sort(key=lambda pair: _worst_first(pair[0]))
    return GoldReport(gold_items, annotators, items)


def _worst_first(t: GoldTally) -> tuple[float, int]:
    return (t.accuracy, t.key)
