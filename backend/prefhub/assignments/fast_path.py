"""The task loop's common case (submit, lease the next task) in a few statements built once.

A campaign whose spec asks for nothing the general path decides in Python (``plain``: no
quotas, gold rate, qualification phase, adaptive redundancy, rounds, informative pairs,
onboarding or crowd target) takes this path: textual SQL per dialect, prepared at import,
executed with parameters on the unit's Core connection and read as tuples, without ORM entities.

Each statement is guarded so that it changes nothing unless the case is the common one: a
submit closes only the annotator's own open, never-judged lease under a client id not seen
before; a lease is taken only when the campaign has no lapsed lease to expire, the annotator
holds no open one and is not excluded. Anything else (a retry, a re-opened task, a lapsed
lease, nothing left in the queue...) answers None before writing, and the caller runs the
general path (``submissions.submit``, ``service.next_task``), which stays the one definition
of the unusual cases. The SQL mirrors the general path's rules where they meet: the queue
(``service._queue``), the count (``adaptive.count_judgment`` without adaptive redundancy),
the lease (``service._new_lease``); ``tests/api/test_fast_path.py`` runs one scripted
session both ways and compares what they store and answer.

On both databases the slot claim returns the item and its candidates, and the lease's insert
the annotator's progress; on PostgreSQL the judgment's insert and its count are one statement
too (SQLite has no data-modifying CTE). PostgreSQL reads the queue head ``FOR NO KEY UPDATE SKIP
LOCKED`` as the general path does; SQLite serialises writers.

Textual SQL measured cheaper than rebuilding Core statements per request (about 3x per
statement) and close to prebuilt Core ones; ``exec_driver_sql`` is cheaper still, but without
SQLAlchemy's conversions of JSON and datetimes, which keep what this path stores identical to
what the ORM stores.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, TextClause, bindparam, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import TextualSelect

from prefhub.assignments.eligibility import Annotator, ineligibility_reason, sees_campaign
from prefhub.assignments.service import AnnotatorProgress, choose_shown_order
from prefhub.campaigns.answers import validate_answers
from prefhub.campaigns.service import CampaignColumns, spec_of
from prefhub.kit.db import CoreUnit
from prefhub.kit.time import utcnow
from prefhub.models import CampaignStatus
from prefhub.models.base import JSONType
from prefhub.quality.gold import gold_score_of

# Tests switch it off to run the same session down the general path and compare.
ENABLED = True


def plain(campaign: CampaignColumns, annotator: Annotator) -> bool:
    """Whether the campaign's spec leaves every decision of the task loop to this path's SQL
    (group eligibility rules ask the database: the general path checks them)."""
    if not ENABLED or campaign.status != CampaignStatus.active:
        return False
    spec = spec_of(campaign)
    participation = spec.participation
    return (
        not spec.quotas
        and not spec.quality.gold_rate
        and spec.quality.qualification is None
        and spec.adaptive is None
        and spec.rounds is None
        and spec.pair_selection != "narrow_intervals"
        and not participation.needs_onboarding
        and participation.crowd is None
        and not spec.eligibility.groups
        and sees_campaign(annotator, campaign.id)
        and ineligibility_reason(spec, annotator) is None
    )


def _statement(sql: str, *, binds: dict[str, Any], columns: dict[str, Any]) -> TextualSelect:
    """``sql`` with the types of its JSON and datetime parameters and of its result columns,
    converted as the ORM converts them (``binds`` may name parameters ``sql`` does not use)."""
    typed = [bindparam(n, type_=t) for n, t in binds.items() if f":{n}" in sql]
    return text(sql).bindparams(*typed).columns(**columns)


_CLOSE_LEASE_SQL = """
UPDATE assignments SET status = 'submitted', finished_at = :now
WHERE id = :assignment_id AND annotator_id = :annotator_id AND campaign_id = :campaign_id
  AND status = 'leased'
  AND NOT EXISTS (SELECT 1 FROM judgments j
                  WHERE j.annotator_id = :annotator_id AND j.client_id = :client_id)
  AND NOT EXISTS (SELECT 1 FROM judgments j WHERE j.assignment_id = :assignment_id)
RETURNING item_id, shown_order,
  (SELECT is_gold FROM items WHERE items.id = assignments.item_id {key_share})
"""
_JUDGMENT_VALUES = """
INSERT INTO judgments (client_id, assignment_id, campaign_id, item_id, annotator_id,
  campaign_version, answers, shown_order, time_spent_ms, revision, supersedes_id, gold_score,
  created_at)
VALUES (:client_id, :assignment_id, :campaign_id, :item_id, :annotator_id, :campaign_version,
  :answers, :shown_order, :time_spent_ms, 0, NULL, :gold_score, :now)
RETURNING id
"""
# adaptive.count_judgment for a new judgment under a plain K.
_COUNT_SQL = """
UPDATE items SET judgment_count = judgment_count + 1,
  status = CASE WHEN judgment_count + 1 >= :k THEN 'complete' ELSE status END
WHERE id = :item_id
"""
# service._queue's head with service._eligible_items_query's conditions (no gold apart, no
# rounds), and the guards that leave every other case to the general path.
_QUEUE_HEAD_SQL = """
SELECT i.id FROM items i
WHERE i.campaign_id = :campaign_id AND i.status = 'ready' AND i.assigned_count < :k
  AND i.id NOT IN (SELECT a.item_id FROM assignments a
                   WHERE a.annotator_id = :annotator_id AND a.campaign_id = :campaign_id)
  AND NOT EXISTS (SELECT 1 FROM candidates c
                  WHERE c.item_id = i.id AND c.author_id = :annotator_id)
  AND NOT EXISTS (SELECT 1 FROM assignments a
                  WHERE a.status = 'leased' AND a.expires_at < :now
                    AND a.campaign_id = :campaign_id)
  AND NOT EXISTS (SELECT 1 FROM assignments a
                  WHERE a.annotator_id = :annotator_id AND a.status = 'leased'
                    AND a.campaign_id = :campaign_id)
  AND NOT EXISTS (SELECT 1 FROM campaign_participants p
                  WHERE p.campaign_id = :campaign_id AND p.user_id = :annotator_id
                    AND p.standing = 'excluded')
ORDER BY i.judgment_count DESC, i.priority DESC, i.id
LIMIT 1 {lock}
"""
_LEASE_SQL = """
INSERT INTO assignments (campaign_id, item_id, annotator_id, status, shown_order, expires_at,
  created_at)
VALUES (:campaign_id, :item_id, :annotator_id, 'leased', :shown_order, :expires_at, :now)
ON CONFLICT DO NOTHING
RETURNING id, expires_at
"""
_PROGRESS_COLUMNS = """
(SELECT judgments FROM annotator_judgment_counts
 WHERE campaign_id = :campaign_id AND annotator_id = :annotator_id) AS my_judgments,
(SELECT sum(items_total) FROM campaign_item_counts WHERE campaign_id = :campaign_id)
 AS items_total,
(SELECT sum(items_complete) FROM campaign_item_counts WHERE campaign_id = :campaign_id)
 AS items_complete
"""

# The claimed item's candidates as one JSON array of [id, position, content] (sorted by
# position in Python: an aggregate's order is not SQLite's to promise).
_CANDIDATES_SQL = {
    "postgresql": "SELECT json_agg(json_build_array(c.id, c.position, c.content)) "
    "FROM candidates c WHERE c.item_id = {item}",
    "sqlite": "SELECT json_group_array(json_array(c.id, c.position, json(c.content))) "
    "FROM candidates c WHERE c.item_id = {item}",
}
# service.release_slot
_RELEASE_SQL = """
UPDATE items SET assigned_count = assigned_count - 1 WHERE id = :item_id AND assigned_count > 0
"""

_SUBMIT_BINDS = {"now": DateTime(), "answers": JSONType, "shown_order": JSONType}
_LEASE_BINDS = {"now": DateTime(), "expires_at": DateTime(), "shown_order": JSONType}
_CLAIM_COLUMNS = {"id": Integer, "context": JSONType, "candidates": JSONType}
_LEASE_COLUMNS = {
    "id": Integer,
    "expires_at": DateTime(),
    "my_judgments": Integer,
    "items_total": Integer,
    "items_complete": Integer,
}
_CLOSE_COLUMNS = {"item_id": Integer, "shown_order": JSONType, "is_gold": Boolean}


@dataclass(frozen=True)
class _Statements:
    close_lease: TextualSelect
    store: TextualSelect  # insert the judgment (and, on PostgreSQL, count it)
    count: TextClause | None  # SQLite: count it in a statement of its own
    claim: TextualSelect  # claim the queue head's slot, with the item's candidates
    lease: TextualSelect  # insert the lease, with the annotator's progress
    release: TextClause


_POSTGRESQL = _Statements(
    close_lease=_statement(
        _CLOSE_LEASE_SQL.format(key_share="FOR KEY SHARE"),
        binds=_SUBMIT_BINDS,
        columns=_CLOSE_COLUMNS,
    ),
    store=_statement(
        f"WITH judgment AS ({_JUDGMENT_VALUES}), counted AS ({_COUNT_SQL}) SELECT id FROM judgment",
        binds=_SUBMIT_BINDS,
        columns={"id": Integer},
    ),
    count=None,
    claim=_statement(
        f"""WITH head AS ({_QUEUE_HEAD_SQL.format(lock="FOR NO KEY UPDATE SKIP LOCKED")}),
        claimed AS (UPDATE items SET assigned_count = items.assigned_count + 1 FROM head
                    WHERE items.id = head.id AND items.assigned_count < :k
                    RETURNING items.id, items.context)
        SELECT claimed.id, claimed.context,
          ({_CANDIDATES_SQL["postgresql"].format(item="claimed.id")}) AS candidates
        FROM claimed""",
        binds={"now": DateTime()},
        columns=_CLAIM_COLUMNS,
    ),
    # The progress is read in the statement after the judgment's: its triggers have run.
    lease=_statement(
        f"""WITH lease AS ({_LEASE_SQL})
        SELECT lease.id, lease.expires_at, {_PROGRESS_COLUMNS}
        FROM (SELECT 1) AS one LEFT JOIN lease ON true""",
        binds=_LEASE_BINDS,
        columns=_LEASE_COLUMNS,
    ),
    release=text(_RELEASE_SQL),
)

_SQLITE = _Statements(
    close_lease=_statement(
        _CLOSE_LEASE_SQL.format(key_share=""), binds=_SUBMIT_BINDS, columns=_CLOSE_COLUMNS
    ),
    store=_statement(_JUDGMENT_VALUES, binds=_SUBMIT_BINDS, columns={"id": Integer}),
    count=text(_COUNT_SQL),
    claim=_statement(
        f"""UPDATE items SET assigned_count = assigned_count + 1
        WHERE id = ({_QUEUE_HEAD_SQL.format(lock="")}) AND assigned_count < :k
        RETURNING id, context,
          ({_CANDIDATES_SQL["sqlite"].format(item="items.id")}) AS candidates""",
        binds={"now": DateTime()},
        columns=_CLAIM_COLUMNS,
    ),
    lease=_statement(
        f"{_LEASE_SQL}, {_PROGRESS_COLUMNS}", binds=_LEASE_BINDS, columns=_LEASE_COLUMNS
    ),
    release=text(_RELEASE_SQL),
)


def _position(candidate: list[Any]) -> Any:
    return candidate[1]


def _statements(connection: Connection) -> _Statements:
    return _POSTGRESQL if connection.dialect.name == "postgresql" else _SQLITE


@dataclass(frozen=True)
class StoredJudgment:
    id: int
    client_id: str
    created_at: datetime


def submit(
    unit: CoreUnit,
    campaign: CampaignColumns,
    annotator: Annotator,
    *,
    assignment_id: int,
    client_id: str,
    answers: dict[str, Any],
    time_spent_ms: int | None,
) -> StoredJudgment | None:
    """Store a fresh lease's judgment; None, with nothing written, for any other case.
    Answers that fail validation raise after the lease was closed: the request rolls back."""
    connection = unit.connection
    sql = _statements(connection)
    now = utcnow()
    params: dict[str, Any] = {
        "now": now,
        "assignment_id": assignment_id,
        "annotator_id": annotator.id,
        "campaign_id": campaign.id,
        "client_id": client_id,
    }
    closed = connection.execute(sql.close_lease, params).first()
    if closed is None:
        return None
    item_id, shown_order, is_gold = closed
    spec = spec_of(campaign)
    clean = validate_answers(spec, answers, len(shown_order))
    gold_score = gold_score_of(unit.session, item_id, clean, shown_order) if is_gold else None
    params.update(
        item_id=item_id,
        campaign_version=campaign.version,
        answers=clean,
        shown_order=shown_order,
        time_spent_ms=time_spent_ms,
        gold_score=gold_score,
        k=spec.redundancy,
    )
    judgment_id = connection.execute(sql.store, params).scalar_one()
    if sql.count is not None:
        connection.execute(sql.count, params)
    return StoredJudgment(judgment_id, client_id, now)


@dataclass(frozen=True)
class FreshTask:
    """A task just leased, with what its response needs (candidates in the order shown)."""

    assignment_id: int
    item_id: int
    expires_at: datetime
    context: list[Any]
    contents: list[list[Any]]
    progress: AnnotatorProgress


def lease_next(
    unit: CoreUnit,
    campaign: CampaignColumns,
    annotator: Annotator,
    rng: random.Random | None = None,
) -> FreshTask | None:
    """Lease the queue head to an annotator holding no task; None, with nothing written, when
    the general path must decide (including when nothing is left)."""
    connection = unit.connection
    sql = _statements(connection)
    spec = spec_of(campaign)
    now = utcnow()
    params: dict[str, Any] = {
        "now": now,
        "annotator_id": annotator.id,
        "campaign_id": campaign.id,
        "k": spec.redundancy,
    }
    claimed = connection.execute(sql.claim, params).first()
    if claimed is None:
        return None
    item_id, context, candidates = claimed
    content_of = {cid: content for cid, _, content in sorted(candidates or [], key=_position)}
    shown_order = choose_shown_order(
        connection,
        item_id,
        list(content_of),
        rng or random.SystemRandom(),
        spec.candidates_per_task,
    )
    params.update(
        item_id=item_id,
        shown_order=shown_order,
        expires_at=now + timedelta(minutes=spec.lease_minutes),
    )
    lease = connection.execute(sql.lease, params).first()
    if lease is None or lease[0] is None:
        # The same annotator leased this item in a concurrent request: the slot goes back.
        connection.execute(sql.release, params)
        return None
    return FreshTask(
        assignment_id=lease[0],
        item_id=item_id,
        expires_at=lease[1],
        context=context,
        contents=[content_of[cid] for cid in shown_order],
        progress=AnnotatorProgress(*(int(n or 0) for n in lease[2:])),
    )
