"""What reliability reads from the database, reduced there: GROUP BY annotator aggregates
over the campaign's current judgments (the latest revision of each), so a pass costs a few
index scans rather than a million rows in Python. Only MACE needs answers per item, and it
reads a fixed sample of the items (``mace_answers``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, case, cast, exists, func, select
from sqlalchemy.orm import Session, aliased

from prefhub.models import Campaign, Judgment
from prefhub.quality import mace
from prefhub.quality.agreement import Measure, values_of

TIME_BUCKET_MS = 100  # medians are read from counts per 100 ms
SAMPLE_SCALE = 10_000
# Knuth's multiplicative hash, so the sampled items spread over the id range; the product of
# an INTEGER id and it fits a 64-bit integer on both databases.
HASH = 2_654_435_761


def _current(campaign: Campaign) -> list[ColumnElement[bool]]:
    newer = aliased(Judgment)
    return [
        Judgment.campaign_id == campaign.id,
        ~exists().where(newer.supersedes_id == Judgment.id),
    ]


@dataclass
class Timing:
    judgments: int = 0
    timed: int = 0
    buckets: dict[int, int] = field(default_factory=dict)  # 100 ms bucket -> judgments

    def median_ms(self) -> float | None:
        return _median(self.buckets, self.timed)


def timings(session: Session, campaign: Campaign) -> tuple[dict[int, Timing], float | None]:
    """Each annotator's judgments and time histogram, and the campaign's median time."""
    bucket = Judgment.time_spent_ms // TIME_BUCKET_MS
    found: dict[int, Timing] = {}
    overall: dict[int, int] = {}
    for annotator, slot, n in session.execute(
        select(Judgment.annotator_id, bucket, func.count())
        .where(*_current(campaign))
        .group_by(Judgment.annotator_id, bucket)
    ).tuples():
        timing = found.setdefault(annotator, Timing())
        timing.judgments += n
        if slot is not None:
            slot = int(slot)
            timing.timed += n
            timing.buckets[slot] = timing.buckets.get(slot, 0) + n
            overall[slot] = overall.get(slot, 0) + n
    return found, _median(overall, sum(overall.values()))


def _median(buckets: dict[int, int], n: int) -> float | None:
    """The median of a histogram, each bucket at its middle (with an even count exactly at
    a bucket's end, halfway to the next one, as ``statistics.median`` would)."""
    if n == 0:
        return None
    slots = sorted(buckets)
    seen = 0
    for i, slot in enumerate(slots):
        seen += buckets[slot]
        if seen * 2 > n or (seen * 2 == n and i + 1 == len(slots)):
            return (slot + 0.5) * TIME_BUCKET_MS
        if seen * 2 == n:
            return (slot + slots[i + 1] + 1) / 2 * TIME_BUCKET_MS
    return None


def positions(
    session: Session, campaign: Campaign, pairwise: Sequence[str]
) -> dict[int, tuple[int, int]]:
    """annotator -> (answers choosing "A", the candidate shown first; answers choosing "B"),
    over every pairwise question."""
    if not pairwise:
        return {}
    choices = [Judgment.answers[(q, "choice")].as_string() for q in pairwise]

    def count(label: str) -> ColumnElement[Any]:
        chosen = [case((c == label, 1), else_=0) for c in choices]
        total: ColumnElement[Any] = chosen[0]
        for more in chosen[1:]:
            total = total + more
        return func.sum(total)

    left, right = count("A"), count("B")
    return {
        annotator: (int(a or 0), int(b or 0))
        for annotator, a, b in session.execute(
            select(Judgment.annotator_id, left, right)
            .where(*_current(campaign))
            .group_by(Judgment.annotator_id)
        ).tuples()
    }


def repeats(
    session: Session, campaign: Campaign, rating: Sequence[str]
) -> dict[int, tuple[int, int]]:
    """annotator -> (rating answers identical to their previous one to the same question,
    rating answers that had a previous one)."""
    found: dict[int, tuple[int, int]] = {}
    for q in rating:
        scores = Judgment.answers[(q, "scores")].as_string()
        previous = (
            func.lag(scores).over(partition_by=Judgment.annotator_id, order_by=Judgment.id)
        ).label("previous")
        ordered = (
            select(Judgment.annotator_id.label("annotator"), scores.label("scores"), previous)
            .where(*_current(campaign), scores.is_not(None))
            .subquery()
        )
        compared = ordered.c.previous.is_not(None)
        for annotator, same, n in session.execute(
            select(
                ordered.c.annotator,
                func.sum(case((ordered.c.scores == ordered.c.previous, 1), else_=0)),
                func.sum(case((compared, 1), else_=0)),
            ).group_by(ordered.c.annotator)
        ).tuples():
            had = found.get(annotator, (0, 0))
            found[annotator] = (had[0] + int(same or 0), had[1] + int(n or 0))
    return found


def mace_answers(
    session: Session, campaign: Campaign, nominal: Sequence[Measure], share: float
) -> list[mace.Answer]:
    """The nominal answers of a fixed pseudo-random ``share`` of the items (all of each
    chosen item's judgments, so overlaps stay whole): (unit, annotator, value)."""
    questions = sorted({m.question for m in nominal})
    if not questions:
        return []
    where = _current(campaign)
    if share < 1:
        cut = int(share * SAMPLE_SCALE)
        where.append((cast(Judgment.item_id, BigInteger) * HASH) % SAMPLE_SCALE < cut)
    rows = session.execute(
        select(
            Judgment.annotator_id,
            Judgment.item_id,
            Judgment.shown_order,
            *(Judgment.answers[q] for q in questions),
        ).where(*where)
    ).tuples()
    answers: list[mace.Answer] = []
    for row in rows:
        annotator, item_id, shown = row[0], row[1], row[2] or []
        given: dict[str, Any] = {
            q: a for q, a in zip(questions, row[3:], strict=True) if isinstance(a, dict)
        }
        for measure in nominal:
            for unit, value in values_of(measure, given, shown):
                answers.append(((measure.id, item_id, unit), annotator, value))
    return answers
