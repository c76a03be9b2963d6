"""Consent and a profile survey before the first task; crowd links that sign annotators in
without a password and end with a completion code."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select

from support.api import create_campaign_with_items
from support.participation import SURVEY


def _campaign(researcher, slug: str, **participation) -> None:
    create_campaign_with_items(researcher, slug, n_items=4, redundancy=2)
    spec = researcher.get(f"/api/campaigns/{slug}").json()["spec"]
    updated = researcher.put(
        f"/api/campaigns/{slug}/spec", json=spec | {"participation": participation}
    )
    assert updated.status_code == 200, updated.text


def _answer(client, slug: str, task: dict):
    return client.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": task["assignment_id"],
            "client_id": str(uuid.uuid4()),
            "answers": {"preference": {"choice": "A"}},
        },
    )


def test_consent_and_survey_come_before_the_first_task(as_user, unique):
    slug = f"onboard-{unique}"
    _campaign(
        as_user("researcher"), slug, consent="## Consent\n\nWe keep your answers.", survey=SURVEY
    )
    annotator = as_user("annotator")
    blocked = annotator.get(f"/api/annotate/{slug}/next")
    assert (blocked.status_code, blocked.json()["error"]["code"]) == (409, "onboarding_required")
    state = annotator.get(f"/api/annotate/{slug}/participation").json()
    assert (state["consented"], state["ready"]) == (False, False)
    assert [q["id"] for q in state["survey"]] == ["age_band", "languages", "hours", "values"]

    early = annotator.post(
        f"/api/annotate/{slug}/participation/profile", json={"answers": {"age_band": "young"}}
    )
    assert (early.status_code, early.json()["error"]["code"]) == (409, "consent_required")
    assert annotator.post(
        f"/api/annotate/{slug}/participation/consent", json={"agree": True}
    ).json()["consented"]
    assert annotator.get(f"/api/annotate/{slug}/next").status_code == 409

    good = {"age_band": "older", "languages": ["de", "en"], "hours": 2.5}
    for bad, field in [
        (good | {"age_band": "ancient"}, "answers.age_band"),
        (good | {"languages": ["en", "en"]}, "answers.languages"),
        (good | {"hours": 30}, "answers.hours"),
        (good | {"hours": True}, "answers.hours"),
        ({k: v for k, v in good.items() if k != "hours"}, "answers.hours"),
        (good | {"shoe_size": 42}, "answers.shoe_size"),
    ]:
        refused = annotator.post(
            f"/api/annotate/{slug}/participation/profile", json={"answers": bad}
        )
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_profile"
        assert refused.json()["error"]["details"][0]["field"] == field
    stored = annotator.post(f"/api/annotate/{slug}/participation/profile", json={"answers": good})
    assert stored.json()["ready"] is True
    # Choices are stored in the survey's order, whatever order they were sent in.
    assert stored.json()["answers"] == {
        "age_band": "older",
        "languages": ["en", "de"],
        "hours": 2.5,
    }
    assert annotator.get(f"/api/annotate/{slug}/next").json()["task"] is not None


def test_a_crowd_link_signs_in_resumes_and_ends_with_a_completion_code(
    as_user, new_client, unique, db, tmp_path
):
    from prefhub.models import CampaignParticipant, User

    slug = f"crowd-{unique}"
    researcher = as_user("researcher")
    _campaign(
        researcher,
        slug,
        crowd={
            "target_count": 2,
            "completion_code": "C0MPLETE",
            "completion_url": "https://app.prolific.example/submissions/complete?cc=C0MPLETE",
        },
    )
    pid, study, sess = f"5f{unique}prolific", "STUDY-1", "SESSION-9"
    link = {"PROLIFIC_PID": pid, "STUDY_ID": study, "SESSION_ID": sess}
    person = new_client()
    entered = person.post(f"/api/crowd/{slug}/enter", json={"params": link})
    assert entered.status_code == 200 and entered.json() == {"slug": slug, "kind": "items"}
    # As the web app does: echo the CSRF cookie the entry set.
    person.headers["X-CSRF-Token"] = person.cookies["prefhub_csrf"]
    me = person.get("/api/auth/me").json()
    assert me["role"] == "annotator" and me["email"] is None

    assert person.get(f"/api/annotate/{slug}/participation/completion").json()["completed"] is False
    for _ in range(2):
        task = person.get(f"/api/annotate/{slug}/next").json()["task"]
        response = person.post(
            f"/api/annotate/{slug}/submit",
            json={
                "assignment_id": task["assignment_id"],
                "client_id": str(uuid.uuid4()),
                "answers": {"preference": {"choice": "B"}},
            },
        )
        assert response.status_code == 200, response.text
    done = person.get(f"/api/annotate/{slug}/participation/completion").json()
    assert done == {
        "done": 2,
        "target": 2,
        "completed": True,
        "code": "C0MPLETE",
        "url": "https://app.prolific.example/submissions/complete?cc=C0MPLETE",
    }
    # Paid for two: no third task.
    assert person.get(f"/api/annotate/{slug}/next").json()["task"] is None

    # The same link later (another browser) resumes the same annotator; another id is new.
    again = new_client()
    again.post(f"/api/crowd/{slug}/enter", json={"params": link})
    assert again.get("/api/auth/me").json()["id"] == me["id"]
    other = new_client()
    other.post(f"/api/crowd/{slug}/enter", json={"params": {"PROLIFIC_PID": "someone-else"}})
    assert other.get("/api/auth/me").json()["id"] != me["id"]

    with db() as session:
        participant = session.scalar(
            select(CampaignParticipant).where(CampaignParticipant.user_id == me["id"])
        )
        user = session.get(User, me["id"])
        stored = json.dumps(
            [participant.external_id_hash, user.display_name, user.email, user.profile]
        )
    assert (participant.study_id, participant.session_id) == (study, sess)
    assert participant.completed_at is not None
    assert pid not in stored  # only a keyed hash of the platform id is kept

    # The export never names the platform id either.
    from prefhub.exports.tasks import execute_export

    for export_format in ("judgments", "dpo"):
        job = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": export_format})
        execute_export(job.json()["id"])
        listed = researcher.get(f"/api/exports/{job.json()['id']}").json()
        assert listed["status"] == "succeeded" and listed["files"]
        for file in listed["files"]:
            body = researcher.get(f"/api/exports/{listed['id']}/files/{file['name']}").text
            assert pid not in body and study not in body and sess not in body


def test_bad_crowd_links_are_refused(as_user, new_client, unique):
    slug = f"crowdbad-{unique}"
    _campaign(as_user("researcher"), slug, crowd={"completion_code": "X"})
    client = new_client()
    missing = client.post(f"/api/crowd/{slug}/enter", json={"params": {"STUDY_ID": "s"}})
    assert (missing.status_code, missing.json()["error"]["code"]) == (422, "invalid_crowd_link")
    weird = client.post(f"/api/crowd/{slug}/enter", json={"params": {"PROLIFIC_PID": "<script>"}})
    assert weird.status_code == 422
    plain = f"plain-{unique}"
    create_campaign_with_items(as_user("researcher"), plain, n_items=1)
    closed = client.post(f"/api/crowd/{plain}/enter", json={"params": {"PROLIFIC_PID": "abc"}})
    assert (closed.status_code, closed.json()["error"]["code"]) == (404, "crowd_entry_not_found")
    assert client.get("/api/auth/me").status_code == 401
