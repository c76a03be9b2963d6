"""A crowd link's account lives in that link's campaign only, and opening a link never signs
out whoever the browser is signed in as without asking."""

from __future__ import annotations

import uuid

import pytest

from support.api import create_campaign_with_items
from support.fake_openai import tiny_png

LINK = {"PROLIFIC_PID": "5fparticipant", "STUDY_ID": "STUDY-1", "SESSION_ID": "SESSION-1"}


def _crowd_campaign(researcher, slug: str) -> None:
    create_campaign_with_items(researcher, slug, n_items=3, redundancy=2)
    spec = researcher.get(f"/api/campaigns/{slug}").json()["spec"]
    crowd = {"crowd": {"target_count": 2, "completion_code": "DONE"}}
    updated = researcher.put(f"/api/campaigns/{slug}/spec", json=spec | {"participation": crowd})
    assert updated.status_code == 200, updated.text


def _tree_campaign(researcher, slug: str) -> None:
    trees = {"goal_tree_size": 4, "max_depth": 2, "max_children": 2, "max_active_trees": 2}
    spec = {
        "name": slug,
        "slug": slug,
        "questions": [{"kind": "labels", "target": "prompt"}],
        "trees": trees,
    }
    assert researcher.post("/api/campaigns", json=spec).status_code == 201


def _enter(client, slug: str, link: dict[str, str] = LINK, **body):  # type: ignore[no-untyped-def]
    return client.post(f"/api/crowd/{slug}/enter", json={"params": link, **body})


def _signed_in(new_client, slug: str, link: dict[str, str] = LINK):  # type: ignore[no-untyped-def]
    """A browser that entered through ``slug``'s link, echoing its CSRF cookie as the app does."""
    client = new_client()
    response = _enter(client, slug, link)
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = client.cookies["prefhub_csrf"]
    return client


def _listed(client) -> set[str]:  # type: ignore[no-untyped-def]
    response = client.get("/api/annotate/campaigns")
    assert response.status_code == 200, response.text
    return {c["slug"] for c in response.json()["campaigns"]}


def _code(response) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    return response.status_code, response.json()["error"]["code"]


def test_a_crowd_annotator_sees_and_works_only_on_their_links_campaign(as_user, new_client, unique):
    researcher = as_user("researcher")
    study, other, trees = f"study-{unique}", f"other-{unique}", f"trees-{unique}"
    _crowd_campaign(researcher, study)
    create_campaign_with_items(researcher, other, n_items=3, redundancy=2)
    _tree_campaign(researcher, trees)
    png = researcher.post(
        f"/api/campaigns/{other}/media", files=[("files", ("a.png", tiny_png(unique), "image/png"))]
    ).json()["files"][0]["part"]["sha256"]

    # A regular annotator sees all three, and holds a task and a judgment in the other one.
    regular = as_user("annotator")
    assert {study, other, trees} <= _listed(regular)
    task = regular.get(f"/api/annotate/{other}/next").json()["task"]
    judged = regular.post(
        f"/api/annotate/{other}/submit",
        json={
            "assignment_id": task["assignment_id"],
            "client_id": str(uuid.uuid4()),
            "answers": {"preference": {"choice": "A"}},
        },
    )
    assert judged.status_code == 200, judged.text
    held = regular.get(f"/api/annotate/{other}/next").json()["task"]
    assert regular.get(f"/api/media/{png}").status_code == 200
    tree_task = regular.get(f"/api/annotate/{trees}/tree-tasks/next").json()["task"]

    person = _signed_in(new_client, study)
    assert person.get("/api/auth/me").json()["role"] == "annotator"
    assert _listed(person) == {study}
    assert person.get(f"/api/annotate/{study}/next").json()["task"] is not None

    # Every annotate route for another campaign answers as for a campaign that does not exist.
    nowhere = person.get(f"/api/annotate/nowhere-{unique}/next")
    assert _code(nowhere) == (404, "campaign_not_found")
    submission = {
        "assignment_id": held["assignment_id"],
        "client_id": str(uuid.uuid4()),
        "answers": {"preference": {"choice": "B"}},
    }
    refused = {
        "next": person.get(f"/api/annotate/{other}/next"),
        "submit": person.post(f"/api/annotate/{other}/submit", json=submission),
        "skip": person.post(
            f"/api/annotate/{other}/skip", json={"assignment_id": held["assignment_id"]}
        ),
        "report": person.post(
            f"/api/annotate/{other}/report",
            json={"assignment_id": held["assignment_id"], "reason": "broken"},
        ),
        "undo": person.post(
            f"/api/annotate/{other}/undo", json={"judgment_id": judged.json()["judgment_id"]}
        ),
        "judgments": person.get(f"/api/annotate/{other}/judgments"),
        "participation": person.get(f"/api/annotate/{other}/participation"),
        "consent": person.post(
            f"/api/annotate/{other}/participation/consent", json={"agree": True}
        ),
        "profile": person.post(
            f"/api/annotate/{other}/participation/profile", json={"answers": {}}
        ),
        "completion": person.get(f"/api/annotate/{other}/participation/completion"),
        "tree next": person.get(f"/api/annotate/{trees}/tree-tasks/next"),
        "tree submit": person.post(
            f"/api/annotate/{trees}/tree-tasks/{tree_task['id']}/submit",
            json={
                "client_id": str(uuid.uuid4()),
                "answer": {"kind": tree_task["kind"], "text": "Hello there, tree."},
            },
        ),
        "tree skip": person.post(
            f"/api/annotate/{trees}/tree-tasks/{tree_task['id']}/skip", json={"reason": "x"}
        ),
    }
    assert {name: _code(r) for name, r in refused.items()} == {
        name: (404, "campaign_not_found") for name in refused
    }
    assert refused["next"].json() == {
        "error": nowhere.json()["error"] | {"message": f"No campaign with slug '{other}'"}
    }
    assert _code(person.get(f"/api/media/{png}")) == (404, "media_not_found")
    # Nothing the refused calls named was touched: the held task is still the one open (not
    # skipped, reported, or displaced by the undone one) and the one judgment stands.
    assert regular.get(f"/api/annotate/{other}/next").json()["task"] == held
    mine = regular.get(f"/api/annotate/{other}/judgments").json()
    assert [j["answers"]["preference"]["choice"] for j in mine] == ["A"]


def test_the_same_participant_id_is_a_separate_account_in_each_campaign(
    as_user, new_client, unique, db
):
    from prefhub.models import CampaignParticipant, User

    researcher = as_user("researcher")
    first, second = f"first-{unique}", f"second-{unique}"
    _crowd_campaign(researcher, first)
    _crowd_campaign(researcher, second)
    in_first = _signed_in(new_client, first).get("/api/auth/me").json()["id"]
    in_second_browser = _signed_in(new_client, second)
    in_second = in_second_browser.get("/api/auth/me").json()["id"]
    assert in_first != in_second
    assert _listed(in_second_browser) == {second}
    # The first campaign's link, opened again, resumes its own account, not the second's.
    assert _signed_in(new_client, first).get("/api/auth/me").json()["id"] == in_first

    with db() as session:
        users = {u: session.get_one(User, u) for u in (in_first, in_second)}
        hashes = {
            p.user_id: p.external_id_hash
            for p in session.query(CampaignParticipant).filter(
                CampaignParticipant.user_id.in_(users)
            )
        }
        campaigns = {u: users[u].crowd_campaign_id for u in users}
    assert campaigns[in_first] != campaigns[in_second] and None not in campaigns.values()
    assert hashes[in_first] != hashes[in_second]


def test_a_crowd_link_asks_before_replacing_a_signed_in_session(as_user, new_client, unique):
    slug = f"ask-{unique}"
    _crowd_campaign(as_user("researcher"), slug)
    annotator = as_user("annotator", name="alice")
    before = annotator.get("/api/auth/me").json()

    asked = _enter(annotator, slug)
    assert _code(asked) == (409, "session_exists")
    assert asked.json()["error"]["details"] == {
        "display_name": before["display_name"],
        "role": "annotator",
    }
    assert "set-cookie" not in asked.headers
    assert annotator.get("/api/auth/me").json() == before

    # Signing someone out takes their session's CSRF token, as any other write does.
    forged = annotator.post(
        f"/api/crowd/{slug}/enter",
        json={"params": LINK, "replace_session": True},
        headers={"X-CSRF-Token": "forged"},
    )
    assert _code(forged) == (403, "csrf_failed")
    assert annotator.get("/api/auth/me").json() == before

    old_session = annotator.cookies["prefhub_session"]
    switched = _enter(annotator, slug, replace_session=True)
    assert switched.status_code == 200, switched.text
    assert switched.json() == {"slug": slug, "kind": "items"}
    assert annotator.cookies["prefhub_session"] != old_session
    me = annotator.get("/api/auth/me").json()
    assert me["email"] is None and me["id"] != before["id"]

    stale = new_client()
    stale.cookies.set("prefhub_session", old_session)
    assert _code(stale.get("/api/auth/me")) == (401, "not_authenticated")


def test_the_same_participant_reentering_keeps_their_session(as_user, new_client, unique, db):
    from prefhub.models import CampaignParticipant

    researcher = as_user("researcher")
    slug, elsewhere = f"keep-{unique}", f"elsewhere-{unique}"
    _crowd_campaign(researcher, slug)
    _crowd_campaign(researcher, elsewhere)
    person = _signed_in(new_client, slug)
    session_cookie = person.cookies["prefhub_session"]
    me = person.get("/api/auth/me").json()

    again = _enter(person, slug, LINK | {"SESSION_ID": "SESSION-2"})
    assert again.status_code == 200 and again.json() == {"slug": slug, "kind": "items"}
    assert "set-cookie" not in again.headers
    assert person.cookies["prefhub_session"] == session_cookie
    assert person.get("/api/auth/me").json() == me
    with db() as session:
        participant = session.query(CampaignParticipant).filter_by(user_id=me["id"]).one()
        assert participant.session_id == "SESSION-2"

    # Another participant id on this browser, or another campaign's link, is someone else.
    for other_slug, link in ((slug, LINK | {"PROLIFIC_PID": "someone-else"}), (elsewhere, LINK)):
        asked = _enter(person, other_slug, link)
        assert _code(asked) == (409, "session_exists")
        assert asked.json()["error"]["details"]["display_name"] == me["display_name"]
    assert person.get("/api/auth/me").json() == me


@pytest.mark.parametrize("link", [{"STUDY_ID": "s"}, {"PROLIFIC_PID": "<bad>"}])
def test_a_broken_link_says_so_before_asking_about_the_session(as_user, unique, link):
    slug = f"broken-{unique}"
    _crowd_campaign(as_user("researcher"), slug)
    annotator = as_user("annotator")
    assert _code(_enter(annotator, slug, link)) == (422, "invalid_crowd_link")
    assert _code(_enter(annotator, slug, link, replace_session=True)) == (
        422,
        "invalid_crowd_link",
    )
    assert annotator.get("/api/auth/me").status_code == 200
