"""One user's activity: per campaign, judgments and their median time, first and last; groups;
last seen. Admins see it all, a researcher only their own campaigns."""

from __future__ import annotations

from support.api import create_campaign_with_items, judge_next


def _judge(client, slug: str, time_spent_ms: int) -> None:  # type: ignore[no-untyped-def]
    judge_next(client, slug, {"preference": {"choice": "A"}}, time_spent_ms=time_spent_ms)


def test_admin_sees_judgments_per_campaign_with_median_time_groups_and_last_seen(as_user, unique):
    admin = as_user("admin")
    researcher = as_user("researcher")
    annotator = as_user()
    first, second = f"act-a-{unique}", f"act-b-{unique}"
    create_campaign_with_items(researcher, first, 5)
    create_campaign_with_items(researcher, second, 5)
    for ms in (1000, 3000, 8000):
        _judge(annotator, first, ms)
    _judge(annotator, second, 500)
    group = admin.post("/api/groups", json={"name": f"act-{unique}"}).json()
    admin.put(f"/api/groups/{group['id']}/members", json={"members": [annotator.user_id]})

    response = admin.get(f"/api/users/{annotator.user_id}/activity")
    assert response.status_code == 200, response.text
    activity = response.json()
    assert activity["user"]["email"] == annotator.email
    assert activity["groups"] == [f"act-{unique}"]
    assert activity["judgments"] == 4
    campaigns = {c["slug"]: c for c in activity["campaigns"]}
    assert campaigns[first]["judgments"] == 3 and campaigns[first]["median_time_ms"] == 3000
    assert campaigns[second]["judgments"] == 1 and campaigns[second]["median_time_ms"] == 500
    assert campaigns[first]["first_judgment_at"] <= campaigns[first]["last_judgment_at"]
    # The latest campaign first; last seen is no earlier than the last judgment.
    assert [c["slug"] for c in activity["campaigns"]] == [second, first]
    assert activity["last_seen_at"] >= campaigns[second]["last_judgment_at"]


def test_a_user_who_did_nothing_was_last_seen_signing_in(as_user):
    admin = as_user("admin")
    idle = as_user()
    activity = admin.get(f"/api/users/{idle.user_id}/activity").json()
    assert activity["campaigns"] == [] and activity["judgments"] == 0
    assert activity["last_seen_at"] is not None


def test_researcher_sees_only_their_own_campaigns(as_user, unique):
    mine = as_user("researcher")
    theirs = as_user("researcher")
    annotator = as_user()
    create_campaign_with_items(mine, f"act-mine-{unique}", 3)
    create_campaign_with_items(theirs, f"act-theirs-{unique}", 3)
    _judge(annotator, f"act-mine-{unique}", 100)
    _judge(annotator, f"act-theirs-{unique}", 100)

    activity = mine.get(f"/api/users/{annotator.user_id}/activity").json()
    assert [c["slug"] for c in activity["campaigns"]] == [f"act-mine-{unique}"]
    assert activity["groups"] == []
    assert activity["last_seen_at"] == activity["campaigns"][0]["last_judgment_at"]

    # Someone who never judged in a researcher's campaigns does not exist for them.
    stranger = as_user()
    refused = mine.get(f"/api/users/{stranger.user_id}/activity")
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    assert annotator.get(f"/api/users/{annotator.user_id}/activity").status_code == 403
