"""A database that drops out mid-request answers 503 ``database_unavailable`` with Retry-After,
never a 500; the request's writes roll back whole, and the same submit sent again is stored once.

The fault is real: on PostgreSQL the API's own connection is terminated with
``pg_terminate_backend`` in the middle of the submit's transaction; on both databases the
driver's own OperationalError is raised at the same point (as SQLite's "database is locked").
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from support.api import create_campaign_with_items
from support.db_faults import EVERY_FAULT, database_drops_out_at, skip_unless_possible


def _state(db, slug: str, client_id: str, assignment_id: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from prefhub.models import Assignment, Campaign, Item, Judgment

    with db() as session:
        assignment = session.get_one(Assignment, assignment_id)
        return {
            "judgments": session.scalar(
                select(func.count()).select_from(Judgment).where(Judgment.client_id == client_id)
            ),
            "assignment": assignment.status.value,
            "item_judgments": session.scalar(
                select(Item.judgment_count).where(Item.id == assignment.item_id)
            ),
            "campaign_judgments": session.scalar(
                select(func.count())
                .select_from(Judgment)
                .join(Campaign, Campaign.id == Judgment.campaign_id)
                .where(Campaign.slug == slug)
            ),
        }


@EVERY_FAULT
def test_a_submit_the_database_dropped_answers_503_with_retry_after_and_stores_once(
    how, as_user, db, unique
):
    skip_unless_possible(how)
    slug = f"dbgone-{unique}"
    create_campaign_with_items(as_user("researcher"), slug, n_items=2, redundancy=1)
    annotator = as_user()
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    body = {
        "assignment_id": task["assignment_id"],
        "client_id": str(uuid.uuid4()),
        "answers": {"preference": {"choice": "B"}},
        "time_spent_ms": 900,
    }

    # The item's counter is the submit's last write: the assignment's new status (and, on
    # SQLite, the judgment) are already in the transaction when the connection goes. On
    # PostgreSQL the fast path inserts the judgment and counts it in one statement.
    with database_drops_out_at("UPDATE ITEMS|WITH JUDGMENT AS", how) as failed:
        response = annotator.post(f"/api/annotate/{slug}/submit", json=body)
    assert failed, "the submit never reached the item's counter"

    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "2"
    error = response.json()["error"]
    assert error["code"] == "database_unavailable"
    assert "UPDATE" not in error["message"] and "items" not in error["message"]
    assert _state(db, slug, body["client_id"], body["assignment_id"]) == {
        "judgments": 0,
        "assignment": "leased",
        "item_judgments": 0,
        "campaign_judgments": 0,
    }

    # The web app sends the same body again (same client id): stored once.
    again = annotator.post(f"/api/annotate/{slug}/submit", json=body)
    assert again.status_code == 200, again.text
    assert annotator.post(f"/api/annotate/{slug}/submit", json=body).status_code == 200
    assert _state(db, slug, body["client_id"], body["assignment_id"]) == {
        "judgments": 1,
        "assignment": "submitted",
        "item_judgments": 1,
        "campaign_judgments": 1,
    }


def test_routes_that_use_the_database_declare_503_and_health_does_not():
    from prefhub.app import create_app

    paths = create_app().openapi()["paths"]
    submit = paths["/api/annotate/{slug}/submit"]["post"]["responses"]
    assert "database_unavailable" in submit["503"]["description"]
    assert submit["503"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    assert "503" not in paths["/api/health"]["get"]["responses"]
