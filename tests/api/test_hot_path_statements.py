"""The annotator's hot path in a handful of SQL statements: a submit that also answers the next
task (the common case: no quotas, gold rate, qualification or pair selection) is counted with an
SQLAlchemy ``before_cursor_execute`` listener, so a change that adds round trips fails here."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from support.api import create_campaign_with_items

# Statements of one request, who is calling (auth's) included. Before #18 (PostgreSQL): a submit
# took 8 and the GET /next after it 14 (22 for one judgment); then 10 for submit-with-next on
# both databases. The fast path (``assignments/fast_path.py``) now takes, after auth's read:
# close the lease (the checks that it is a fresh one, and whether its item is gold, in the same
# UPDATE); insert the judgment and count it (one statement on PostgreSQL, two on SQLite); claim
# the queue head's slot, returning the item with its candidates; insert the lease, returning the
# annotator's progress. A resumed task tries the fast claim first (its guard finds the open
# lease) and takes the general path, which first reads the caller and the campaign as ORM entities
# (auth reads them as columns, for the fast path).
_BUDGETS = {  # submit with next, submit, next leasing, next resuming
    "postgresql": (5, 3, 3, 7),
    "sqlite": (6, 4, 3, 7),
}
MAX_SUBMIT_WITH_NEXT, MAX_SUBMIT, MAX_NEXT_LEASING, MAX_NEXT_RESUMING = _BUDGETS[
    os.environ.get("PREFHUB_TEST_DB", "sqlite")
]


@contextmanager
def statements() -> Iterator[list[str]]:
    from prefhub.kit.db import get_engine

    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _show(label: str, seen: list[str]) -> None:
    print(f"\n{label}: {len(seen)} statements")
    for statement in seen:
        print("   ", " ".join(statement.split())[:160])


def test_submit_with_next_takes_few_statements(as_user, unique):
    slug = f"stmts-{unique}"
    create_campaign_with_items(as_user("researcher"), slug, n_items=6, redundancy=2)
    annotator = as_user()
    # Warm the caches the first request of a process fills.
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    for _ in range(2):
        body = {
            "assignment_id": task["assignment_id"],
            "client_id": str(uuid.uuid4()),
            "answers": {"preference": {"choice": "A"}},
            "next": True,
        }
        with statements() as seen:
            response = annotator.post(f"/api/annotate/{slug}/submit", json=body)
        assert response.status_code == 200, response.text
        task = response.json()["next"]["task"]
        assert task is not None
    _show("submit with next", seen)
    with statements() as plain_next:
        assert annotator.get(f"/api/annotate/{slug}/next").status_code == 200
    _show("next (resuming)", plain_next)
    body = {
        "assignment_id": task["assignment_id"],
        "client_id": str(uuid.uuid4()),
        "answers": {"preference": {"choice": "A"}},
    }
    with statements() as plain_submit:
        assert annotator.post(f"/api/annotate/{slug}/submit", json=body).status_code == 200
    _show("submit", plain_submit)
    with statements() as leasing_next:
        assert annotator.get(f"/api/annotate/{slug}/next").json()["task"] is not None
    _show("next (leasing)", leasing_next)
    assert len(seen) <= MAX_SUBMIT_WITH_NEXT
    assert len(plain_submit) <= MAX_SUBMIT
    assert len(leasing_next) <= MAX_NEXT_LEASING
    assert len(plain_next) <= MAX_NEXT_RESUMING
