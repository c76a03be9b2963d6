"""The qualification phase: an annotator's first N tasks are gold items, each answer followed by
feedback in the labels they saw; below the pass mark they are stopped politely (a crowd
participant with the screen-out code) and their judgments kept; a campaign without enough gold
cannot open; two tabs never get more than N qualification tasks."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from support.api import jsonl, pairwise_spec

FEEDBACK = "Careful-feedback: the first answer gets the sum right."


def _gold(i: int) -> dict[str, Any]:
    return {
        "id": f"gold-{i}",
        "prompt": f"Careful prompt {i}",
        "candidates": [f"right {i}", f"wrong {i}"],
        "gold": {"expected": {"preference": {"accept": ["A"]}}, "feedback": f"{FEEDBACK} {i}"},
    }


def _regular(i: int) -> dict[str, Any]:
    return {"id": f"item-{i}", "prompt": f"Plain prompt {i}", "candidates": [f"x {i}", f"y {i}"]}


def _qualifying_campaign(
    researcher,  # type: ignore[no-untyped-def]
    slug: str,
    *,
    gold: int = 5,
    regular: int = 4,
    tasks: int = 3,
    pass_mark: float = 0.6,
    **extra: Any,
) -> None:
    """A draft with a qualification phase, its items imported, then activated."""
    qualification = {"tasks": tasks, "pass_mark": pass_mark, "screen_out_code": "SCREENED-7"}
    spec = pairwise_spec(slug, redundancy=3, quality={"qualification": qualification}, **extra)
    created = researcher.post("/api/campaigns", json={**spec, "status": "draft"})
    assert created.status_code == 201, created.text
    rows = [_gold(i) for i in range(gold)] + [_regular(i) for i in range(regular)]
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("x.jsonl", jsonl(rows), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text
    opened = researcher.post(f"/api/campaigns/{slug}/status", json={"status": "active"})
    assert opened.status_code == 200, opened.text


def _is_gold(task: dict[str, Any]) -> bool:
    return task["context"][0]["content"][0]["text"].startswith("Careful")


def _label_of(task: dict[str, Any], text: str) -> str:
    return next(c["label"] for c in task["candidates"] if c["content"][0]["text"].startswith(text))


def _answer(client, slug: str, *, right: bool) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Take the next task (a gold one) and answer it rightly or wrongly; the submit response."""
    task = client.get(f"/api/annotate/{slug}/next").json()["task"]
    assert _is_gold(task), task
    choice = _label_of(task, "right" if right else "wrong")
    submitted = client.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": task["assignment_id"],
            "client_id": str(uuid.uuid4()),
            "answers": {"preference": {"choice": choice}},
        },
    )
    assert submitted.status_code == 200, submitted.text
    body: dict[str, Any] = submitted.json()
    body["shown_right"] = _label_of(task, "right")
    return body


def _participant(db, slug: str, user_id: int):  # type: ignore[no-untyped-def]
    from prefhub.models import Campaign, CampaignParticipant

    with db() as session:
        participant = session.scalars(
            select(CampaignParticipant)
            .join(Campaign, Campaign.id == CampaignParticipant.campaign_id)
            .where(Campaign.slug == slug, CampaignParticipant.user_id == user_id)
        ).one()
        session.expunge(participant)
        return participant


def test_a_passing_annotator_sees_feedback_in_their_labels_then_gets_real_tasks(
    as_user, unique, db
):
    researcher = as_user("researcher")
    slug = f"qual-pass-{unique}"
    _qualifying_campaign(researcher, slug)
    annotator = as_user()
    feedbacks = [_answer(annotator, slug, right=r) for r in (False, True, True)]

    for n, response in enumerate(feedbacks, start=1):
        feedback = response["qualification"]
        assert feedback["answered"] == n and feedback["tasks"] == 3
        assert feedback["correct"] is (n > 1)
        assert feedback["score"] == (1.0 if n > 1 else 0.0)
        # The expected answer names the right candidate by the label this annotator saw.
        assert feedback["expected"] == {"preference": {"accept": [response["shown_right"]]}}
        assert feedback["explanation"].startswith(FEEDBACK)
        assert feedback["outcome"] == ("passed" if n == 3 else "pending")
    participant = _participant(db, slug, annotator.user_id)
    assert participant.qualified_at is not None
    assert participant.standing == "ok"

    # Real tasks follow, never announced as anything (no feedback on their submit).
    for _ in range(4):
        task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
        assert not _is_gold(task)
        submitted = annotator.post(
            f"/api/annotate/{slug}/submit",
            json={
                "assignment_id": task["assignment_id"],
                "client_id": str(uuid.uuid4()),
                "answers": {"preference": {"choice": "A"}},
            },
        )
        assert submitted.json()["qualification"] is None


def test_a_retried_qualification_submit_gets_the_same_feedback(as_user, unique):
    researcher = as_user("researcher")
    slug = f"qual-retry-{unique}"
    _qualifying_campaign(researcher, slug)
    annotator = as_user()
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    body = {
        "assignment_id": task["assignment_id"],
        "client_id": str(uuid.uuid4()),
        "answers": {"preference": {"choice": _label_of(task, "right")}},
    }
    first = annotator.post(f"/api/annotate/{slug}/submit", json=body).json()
    again = annotator.post(f"/api/annotate/{slug}/submit", json=body).json()
    assert first["judgment_id"] == again["judgment_id"]
    assert first["qualification"] == again["qualification"]
    assert first["qualification"]["answered"] == 1


def test_a_failing_annotator_is_stopped_politely_and_their_judgments_kept(as_user, unique, db):
    from prefhub.models import Campaign, Judgment

    researcher = as_user("researcher")
    slug = f"qual-fail-{unique}"
    _qualifying_campaign(researcher, slug, tasks=3, pass_mark=0.6)
    annotator = as_user()
    outcomes = [_answer(annotator, slug, right=r)["qualification"] for r in (True, False, False)]
    assert [f["outcome"] for f in outcomes] == ["pending", "pending", "failed"]

    refused = annotator.get(f"/api/annotate/{slug}/next")
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "annotator_excluded"
    assert error["message"].startswith("Thank you for your time")
    # Not a crowd campaign: the code is there, no return link.
    assert error["details"] == {
        "source": "qualification",
        "screen_out_code": "SCREENED-7",
        "return_url": None,
    }
    participant = _participant(db, slug, annotator.user_id)
    assert participant.standing == "excluded"
    assert participant.standing_source == "qualification"
    assert participant.standing_reason == "qualification 1 of 3 right (0.33), pass mark 0.60"
    assert participant.qualified_at is None
    with db() as session:
        kept = session.scalars(
            select(Judgment.gold_score)
            .join(Campaign, Campaign.id == Judgment.campaign_id)
            .where(Campaign.slug == slug, Judgment.annotator_id == annotator.user_id)
            .order_by(Judgment.id)
        ).all()
    assert kept == [1.0, 0.0, 0.0]
    # Another annotator is not affected by that decision.
    assert _answer(as_user(), slug, right=True)["qualification"]["outcome"] == "pending"


def test_a_screened_out_crowd_participant_gets_the_code_and_the_way_back(
    as_user, new_client, unique
):
    researcher = as_user("researcher")
    slug = f"qual-crowd-{unique}"
    crowd = {
        "target_count": 10,
        "completion_code": "PAID-1",
        "completion_url": "https://app.prolific.com/submissions/complete?cc=PAID-1",
    }
    _qualifying_campaign(researcher, slug, tasks=2, participation={"crowd": crowd})
    person = new_client()
    entered = person.post(f"/api/crowd/{slug}/enter", json={"params": {"PROLIFIC_PID": "p-1"}})
    assert entered.status_code == 200, entered.text
    person.headers["X-CSRF-Token"] = person.cookies["prefhub_csrf"]
    for _ in range(2):
        _answer(person, slug, right=False)
    refused = person.get(f"/api/annotate/{slug}/next")
    assert refused.status_code == 409
    details = refused.json()["error"]["details"]
    assert details["screen_out_code"] == "SCREENED-7"
    # The platform's return URL, carrying the screen-out code instead of the completion code.
    assert details["return_url"] == "https://app.prolific.com/submissions/complete?cc=SCREENED-7"
    assert "PAID-1" not in refused.text
    # The completion code is not theirs either.
    completion = person.get(f"/api/annotate/{slug}/participation/completion")
    assert completion.status_code == 200, completion.text
    assert completion.json()["code"] is None


def test_without_a_screen_out_code_no_return_url_carries_the_completion_code(db):
    from prefhub.models import Campaign
    from prefhub.participation.service import screen_out

    spec = pairwise_spec(
        "x",
        quality={"qualification": {"tasks": 1}},
        participation={
            "crowd": {"completion_code": "PAID", "completion_url": "https://e.org/done?cc=PAID"}
        },
    )
    assert screen_out(Campaign(id=-1, version=1, spec=spec)) == {
        "screen_out_code": None,
        "return_url": None,
    }
    spec["participation"]["crowd"]["completion_url"] = "https://e.org/back"
    assert screen_out(Campaign(id=-2, version=1, spec=spec))["return_url"] == "https://e.org/back"


def test_a_campaign_without_enough_gold_cannot_open_and_the_builder_is_told(as_user, unique):
    researcher = as_user("researcher")
    slug = f"qual-short-{unique}"
    qualification = {"quality": {"qualification": {"tasks": 3}}}
    spec = pairwise_spec(slug, **qualification)
    refused = researcher.post("/api/campaigns", json=spec)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "not_enough_gold"

    assert researcher.post("/api/campaigns", json={**spec, "status": "draft"}).status_code == 201
    rows = [_gold(0), _gold(1), _regular(0), {**_regular(1), "gold": True}]  # 2 with answers
    researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("x.jsonl", jsonl(rows), "application/jsonl")},
    )
    check = researcher.post(f"/api/campaigns/{slug}/spec/check", json=spec).json()
    assert check["valid"] is True  # a draft may be saved; it says what activating needs
    warning = next(w for w in check["warnings"] if w["code"] == "not_enough_gold")
    assert warning["path"] == "quality.qualification.tasks"
    assert "needs 3 gold items" in warning["message"] and "has 2" in warning["message"]

    opened = researcher.post(f"/api/campaigns/{slug}/status", json={"status": "active"})
    assert opened.status_code == 409, opened.text
    error = opened.json()["error"]
    assert error["code"] == "not_enough_gold"
    assert error["details"] == {"needed": 3, "available": 2}
    assert researcher.get(f"/api/campaigns/{slug}").json()["status"] == "draft"

    researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("y.jsonl", jsonl([_gold(2)]), "application/jsonl")},
    )
    opened = researcher.post(f"/api/campaigns/{slug}/status", json={"status": "active"})
    assert opened.status_code == 200, opened.text

    # Open, asking for more than there is: refused when saved, a problem when checked.
    more = pairwise_spec(slug, quality={"qualification": {"tasks": 4}})
    saved = researcher.put(f"/api/campaigns/{slug}/spec", json=more)
    assert saved.status_code == 409 and saved.json()["error"]["code"] == "not_enough_gold"
    check = researcher.post(f"/api/campaigns/{slug}/spec/check", json=more).json()
    assert check["valid"] is False
    assert [p["field"] for p in check["problems"]] == ["quality.qualification.tasks"]


def test_a_lapsed_qualification_lease_does_not_count(as_user, unique, db):
    from prefhub.kit.time import utcnow
    from prefhub.models import Assignment

    researcher = as_user("researcher")
    slug = f"qual-lapse-{unique}"
    _qualifying_campaign(researcher, slug, gold=4, tasks=2, pass_mark=1.0)
    annotator = as_user()
    lapsed = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    with db() as session:
        session.execute(
            update(Assignment)
            .where(Assignment.id == lapsed["assignment_id"])
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    first = _answer(annotator, slug, right=True)["qualification"]
    assert (first["answered"], first["outcome"]) == (1, "pending")
    second = _answer(annotator, slug, right=True)["qualification"]
    assert (second["answered"], second["outcome"]) == (2, "passed")


def test_parallel_requests_of_one_annotator_get_no_more_than_n_qualification_tasks(
    as_user, unique, db
):
    from prefhub.assignments.exceptions import LeaseCapReached
    from prefhub.assignments.service import next_task
    from prefhub.models import Campaign, User

    researcher = as_user("researcher")
    slug = f"qual-tabs-{unique}"
    _qualifying_campaign(researcher, slug, gold=8, regular=8, tasks=3, max_open_leases=6)
    annotator = as_user()
    served: list[bool] = []
    refusals: list[str] = []
    lock = threading.Lock()

    def ask() -> None:
        try:
            with db() as session:
                campaign = session.scalars(select(Campaign).where(Campaign.slug == slug)).one()
                user = session.get_one(User, annotator.user_id)
                task = next_task(session, campaign, user, additional=True)
                with lock:
                    served.append(task is not None and task.item.is_gold)
        except LeaseCapReached as exc:
            with lock:
                refusals.append(exc.code)

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Three gold leases, all qualification tasks; the other requests wait for their answers.
    assert served == [True, True, True]
    assert refusals == ["lease_cap_reached"] * 3

    # Another tab asking plainly gets a task already held, not a fourth.
    held = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    assert _is_gold(held)
    with db() as session:
        from prefhub.models import Assignment

        leased = session.scalars(
            select(Assignment.id).where(Assignment.annotator_id == annotator.user_id)
        ).all()
    assert held["assignment_id"] in leased and len(leased) == 3


def test_expected_answers_are_renamed_to_the_labels_shown():
    from prefhub.quality.qualification import in_shown_labels

    # Import order: candidate 10 is A, 11 is B, 12 is C; shown as C, A (B left out).
    positions = {10: 0, 11: 1, 12: 2}
    expected = {
        "rank": {"order": ["B", "C", "A"], "pass_share": 0.5},
        "vote": {"votes": {"A": "up", "C": "down"}},
        "pair": {"accept": ["C", "tie"]},
    }
    assert in_shown_labels(expected, [12, 10], positions) == {
        "rank": {"order": ["A", "B"], "pass_share": 0.5},
        "vote": {"votes": {"B": "up", "A": "down"}},
        "pair": {"accept": ["A", "tie"]},
    }


def test_export_snapshots_hide_the_screen_out_code():
    from prefhub.exports.redaction import payment_secrets
    from prefhub.exports.snapshot import REDACTED, public_spec

    spec = pairwise_spec("x", quality={"qualification": {"tasks": 2, "screen_out_code": "OUT"}})
    public = public_spec(spec)
    assert public["quality"]["qualification"]["screen_out_code"] == REDACTED
    assert spec["quality"]["qualification"]["screen_out_code"] == "OUT"  # a copy
    assert payment_secrets({"campaign": {"spec": spec}}) == ["OUT"]
    assert payment_secrets({"campaign": {"spec": public}}) == []
    without = pairwise_spec("x", quality={"qualification": {"tasks": 2}})
    assert public_spec(without)["quality"]["qualification"].get("screen_out_code") is None
