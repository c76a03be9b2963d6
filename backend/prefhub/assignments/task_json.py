"""The task loop's answers (``NextTaskResponse``, ``SubmitResponse``) as JSON bytes, put
together from parts: a task's campaign, questions and display settings are the same for every
task of a campaign version, so they are serialised once per version and spliced in; only the
task's own fields (ids, lease end, context, candidates) and the progress are serialised per
request. Serialising the whole model cost ≈ 8 % of the API's CPU per judgment.

The bytes parse to what the models' ``model_dump(mode="json")`` gives
(``tests/unit/test_task_json_splice.py``); the routes' ``response_model`` still documents them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from pydantic import TypeAdapter

from prefhub.assignments.fast_path import FreshTask
from prefhub.assignments.schemas import Task, TaskCandidate
from prefhub.assignments.service import AnnotatorProgress, task_payload_of
from prefhub.campaigns.answers import LABELS
from prefhub.campaigns.service import CampaignColumns
from prefhub.kit.content import Message
from prefhub.kit.time import as_utc

_CONTEXT = TypeAdapter(list[Message])
_CANDIDATES = TypeAdapter(list[TaskCandidate])
_DATETIME = orjson.OPT_UTC_Z

# (campaign id, version, created_at, slug, name) → the bytes after the task's lease end up to
# its context, and after its candidates to its end.
_PARTS: dict[tuple[Any, ...], tuple[bytes, bytes]] = {}


def _parts(campaign: CampaignColumns) -> tuple[bytes, bytes]:
    # The name and slug are columns: part of the key, should they ever change on their own.
    key = (campaign.id, campaign.version, campaign.created_at, campaign.slug, campaign.name)
    parts = _PARTS.get(key)
    if parts is None:
        # What the model makes of the version's spec, taken from a task without content.
        sample = Task(
            **task_payload_of(
                campaign,
                assignment_id=0,
                item_id=0,
                expires_at=datetime(2000, 1, 1),
                context=[],
                contents=[],
            )
        ).model_dump(mode="json")
        parts = (
            b',"campaign":' + orjson.dumps(sample["campaign"]) + b',"context":',
            b',"questions":'
            + orjson.dumps(sample["questions"])
            + b',"display":'
            + orjson.dumps(sample["display"])
            + b"}",
        )
        if len(_PARTS) > 512:
            _PARTS.clear()
        _PARTS[key] = parts
    return parts


def timestamp(value: datetime | None) -> bytes:
    """A ``UtcDatetime`` as pydantic writes it (``…Z``), or null."""
    return b"null" if value is None else orjson.dumps(as_utc(value), option=_DATETIME)


def task(campaign: CampaignColumns, fresh: FreshTask) -> bytes:
    """``Task`` of a task just leased, as ``service.task_payload_of`` shapes it, as JSON."""
    before_context, after_candidates = _parts(campaign)
    candidates = [{"label": LABELS[i], "content": c} for i, c in enumerate(fresh.contents)]
    return b"".join(
        (
            b'{"assignment_id":%d,"item_id":%d,"expires_at":'
            % (fresh.assignment_id, fresh.item_id),
            timestamp(fresh.expires_at),
            before_context,
            _CONTEXT.dump_json(_CONTEXT.validate_python(fresh.context)),
            b',"candidates":',
            _CANDIDATES.dump_json(_CANDIDATES.validate_python(candidates)),
            after_candidates,
        )
    )


def next_task(task_json: bytes | None, progress: AnnotatorProgress) -> bytes:
    """``NextTaskResponse`` as JSON."""
    return b'{"task":%s,"progress":{"my_judgments":%d,"items_total":%d,"items_complete":%d}}' % (
        b"null" if task_json is None else task_json,
        progress.my_judgments,
        progress.items_total,
        progress.items_complete,
    )


def submitted(
    judgment_id: int,
    client_id: str,
    undo_until: datetime | None,
    qualification: bytes | None,
    next_json: bytes | None,
) -> bytes:
    """``SubmitResponse`` as JSON (``qualification``: its ``QualificationFeedback`` JSON)."""
    return b'{"judgment_id":%d,"client_id":%s,"undo_until":%s,"qualification":%s,"next":%s}' % (
        judgment_id,
        orjson.dumps(client_id),
        timestamp(undo_until),
        b"null" if qualification is None else qualification,
        b"null" if next_json is None else next_json,
    )
