"""``/quality/annotators``: the rules act when it is read, an excluded annotator gets no more
tasks, a researcher's decision stands against the rules, and annotators see none of it."""

from __future__ import annotations

from typing import Any

import pytest

from support.api import create_campaign_with_items, items, jsonl, judge_next, pairwise_spec

LEFT_RULE = {"measure": "position_bias_p", "below": 0.01, "min_evidence": 8, "action": "exclude"}
SLOW_RULE = {"measure": "speed_ratio", "below": 0.5, "min_evidence": 3, "action": "flag"}


def _campaign(researcher: Any, slug: str, rules: list[dict[str, Any]]) -> None:
    spec = pairwise_spec(slug, 2, quality={"rules": rules})
    created = researcher.post("/api/campaigns", json=spec)
    assert created.status_code == 201, created.text
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(items(20)), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text


def _always_left(client: Any, slug: str, n: int) -> None:
    for _ in range(n):
        judge_next(client, slug, {"preference": {"choice": "A"}}, time_spent_ms=6000)


def _row(body: dict[str, Any], user_id: int) -> dict[str, Any]:
    return next(a for a in body["annotators"] if a["user_id"] == user_id)


@pytest.fixture(autouse=True)
def _fresh_reports():  # type: ignore[no-untyped-def]
    from prefhub.quality.reliability import forget

    forget()
    yield
    forget()


def test_reading_the_annotators_applies_the_rules_and_an_excluded_annotator_gets_409(
    as_user, unique
) -> None:  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"rules-{unique}"
    _campaign(researcher, slug, [LEFT_RULE])
    clicker, honest = as_user("annotator"), as_user("annotator")
    _always_left(clicker, slug, 9)
    for i in range(9):
        judge_next(honest, slug, {"preference": {"choice": "AB"[i % 2]}}, time_spent_ms=7000)

    response = researcher.get(f"/api/campaigns/{slug}/quality/annotators")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rules"][0]["measure"] == "position_bias_p"
    row = _row(body, clicker.user_id)
    assert row["standing"] == "excluded" and row["standing_source"] == "rule"
    assert row["standing_reason"] == "position bias p-value 0.0039 < 0.01 after 9 pairwise answers"
    assert row["fired_rules"] == [row["standing_reason"]]
    assert row["evidence"]["left_share"] == {
        "value": 1.0,
        "n": 9,
        "p_value": pytest.approx(2 / 512, rel=1e-3),
    }
    assert row["judgments"] == 9 and row["username"] == clicker.email.split("@")[0]
    assert set(row["evidence"]) == {
        "score",
        "gold_accuracy",
        "peer_agreement",
        "left_share",
        "position_bias_p",
        "speed_ratio",
        "straight_lining",
        "skip_rate",
        "report_rate",
    }
    assert _row(body, honest.user_id)["standing"] == "ok"
    assert body["annotators"][0]["user_id"] == clicker.user_id  # lowest score first

    refused = clicker.get(f"/api/annotate/{slug}/next")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "annotator_excluded"
    assert honest.get(f"/api/annotate/{slug}/next").status_code == 200


def test_a_researchers_decision_stands_against_the_rules(as_user, unique) -> None:  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"decide-{unique}"
    _campaign(researcher, slug, [LEFT_RULE])
    clicker = as_user("annotator")
    _always_left(clicker, slug, 4)
    url = f"/api/campaigns/{slug}/quality/annotators/{clicker.user_id}/standing"

    # Restored before the rule could fire: the rule leaves them alone afterwards.
    restored = researcher.post(url, json={"standing": "ok", "reason": "left is right here"})
    assert restored.status_code == 200, restored.text
    assert (restored.json()["standing"], restored.json()["standing_source"]) == (
        "ok",
        "researcher",
    )
    _always_left(clicker, slug, 6)
    row = _row(researcher.get(f"/api/campaigns/{slug}/quality/annotators").json(), clicker.user_id)
    assert row["fired_rules"] and row["standing"] == "ok"
    assert row["standing_reason"] == "left is right here"
    assert clicker.get(f"/api/annotate/{slug}/next").status_code == 200

    # Excluded by the researcher: no more tasks, and the reason is theirs.
    excluded = researcher.post(url, json={"standing": "excluded", "reason": "  clicks A  "})
    assert excluded.json()["standing_reason"] == "clicks A"
    assert clicker.get(f"/api/annotate/{slug}/next").json()["error"]["code"] == (
        "annotator_excluded"
    )


def test_a_flag_no_rule_supports_any_more_is_lifted_but_an_exclusion_stays(
    as_user, unique, db
) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from prefhub.models import Campaign
    from prefhub.quality.rules import apply_rules

    researcher = as_user("researcher")
    slug = f"lift-{unique}"
    _campaign(researcher, slug, [SLOW_RULE])
    fast, slow = as_user("annotator"), as_user("annotator")
    for _ in range(3):
        judge_next(fast, slug, {"preference": {"choice": "B"}}, time_spent_ms=500)
        judge_next(slow, slug, {"preference": {"choice": "A"}}, time_spent_ms=9000)
    body = researcher.get(f"/api/campaigns/{slug}/quality/annotators").json()
    assert _row(body, fast.user_id)["standing"] == "flagged"
    assert _row(body, fast.user_id)["standing_reason"].startswith("speed ratio 0.")
    # Now the slow one slows the median less: the fast one is no longer under half of it.
    for _ in range(6):
        judge_next(fast, slug, {"preference": {"choice": "B"}}, time_spent_ms=8000)
    body = researcher.get(f"/api/campaigns/{slug}/quality/annotators").json()
    assert _row(body, fast.user_id)["standing"] == "ok"
    assert _row(body, fast.user_id)["standing_source"] is None

    with db() as session:
        campaign = session.scalars(select(Campaign).where(Campaign.slug == slug)).one()
        assert apply_rules(session, campaign) == []


def test_annotators_can_neither_read_nor_set_standings(as_user, unique) -> None:  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"private-{unique}"
    create_campaign_with_items(researcher, slug, 4)
    annotator = as_user("annotator")
    judge_next(annotator, slug, {"preference": {"choice": "A"}})
    other = as_user("researcher")
    for caller in (annotator, other):
        read = caller.get(f"/api/campaigns/{slug}/quality/annotators")
        assert read.status_code in (403, 404), read.text
        assert "annotators" not in read.json()
        wrote = caller.post(
            f"/api/campaigns/{slug}/quality/annotators/{annotator.user_id}/standing",
            json={"standing": "ok", "reason": "me"},
        )
        assert wrote.status_code in (403, 404), wrote.text
    body = researcher.get(f"/api/campaigns/{slug}/quality/annotators").json()
    assert _row(body, annotator.user_id)["standing_source"] is None


@pytest.mark.parametrize(
    ("path_user", "body", "status", "code"),
    [
        (None, {"standing": "banned", "reason": ""}, 422, None),
        (None, {"standing": "flagged", "reason": "x" * 501}, 422, None),
        (None, {"standing": "flagged", "extra": 1}, 422, None),
        (0, {"standing": "flagged"}, 422, None),
        (2**31, {"standing": "flagged"}, 422, None),
        ("stranger", {"standing": "flagged"}, 404, "annotator_not_found"),
    ],
)
def test_bad_standing_requests_are_refused_with_4xx(
    as_user, unique, path_user, body, status, code
) -> None:  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"bad-{unique}"
    create_campaign_with_items(researcher, slug, 2)
    annotator = as_user("annotator")
    judge_next(annotator, slug, {"preference": {"choice": "A"}})
    who = {None: annotator.user_id, "stranger": as_user("annotator").user_id}.get(
        path_user, path_user
    )
    response = researcher.post(
        f"/api/campaigns/{slug}/quality/annotators/{who}/standing", json=body
    )
    assert response.status_code == status, response.text
    if code:
        assert response.json()["error"]["code"] == code


def test_straight_lining_and_skip_and_report_rates_are_measured(as_user, unique) -> None:  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"measures-{unique}"
    rating = {"kind": "rating", "id": "q", "attributes": [{"id": "helpfulness", "label": "H"}]}
    spec = {**pairwise_spec(slug, 2), "questions": [rating]}
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(items(16)), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text
    same, varied = as_user("annotator"), as_user("annotator")
    flat_answer = {"q": {"scores": {"A": {"helpfulness": 2}, "B": {"helpfulness": 2}}}}
    for _ in range(11):
        judge_next(same, slug, flat_answer)
    for i in range(6):
        scores = {"A": {"helpfulness": i % 5}, "B": {"helpfulness": (i + 2) % 5}}
        judge_next(varied, slug, {"q": {"scores": scores}})
    for action, body in (("skip", {}), ("report", {"reason": "broken"})):
        task = varied.get(f"/api/annotate/{slug}/next").json()["task"]
        done = varied.post(
            f"/api/annotate/{slug}/{action}", json={"assignment_id": task["assignment_id"], **body}
        )
        assert done.status_code in (200, 204), done.text

    body = researcher.get(f"/api/campaigns/{slug}/quality/annotators").json()
    flat = _row(body, same.user_id)["evidence"]
    assert _row(body, same.user_id)["judgments"] == 11, body
    assert flat["straight_lining"] == {"value": 1.0, "n": 10, "p_value": None}
    assert flat["left_share"]["n"] == 0 and flat["left_share"]["value"] is None
    assert flat["skip_rate"]["value"] == 0 and flat["skip_rate"]["n"] == 11
    spread = _row(body, varied.user_id)["evidence"]
    assert spread["straight_lining"]["value"] == 0.0
    assert spread["skip_rate"] == {"value": round(1 / 8, 4), "n": 8, "p_value": None}
    assert spread["report_rate"] == {"value": round(1 / 8, 4), "n": 8, "p_value": None}
    # Total repetition (over at least 10 answers) halves the score.
    assert _row(body, same.user_id)["score"] == pytest.approx(
        _row(body, varied.user_id)["score"] / 2
    )


def test_a_researcher_may_decide_on_an_annotator_before_their_first_judgment(
    as_user, unique
) -> None:  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"early-{unique}"
    create_campaign_with_items(researcher, slug, 2)
    newcomer = as_user("annotator")
    assert newcomer.get(f"/api/annotate/{slug}/next").status_code == 200  # holds a lease
    url = f"/api/campaigns/{slug}/quality/annotators/{newcomer.user_id}/standing"
    for standing in ("flagged", "ok"):
        response = researcher.post(url, json={"standing": standing, "reason": "watching"})
        assert response.status_code == 200, response.text
        assert response.json()["judgments"] == 0
        assert response.json()["standing"] == standing
        assert response.json()["standing_source"] == "researcher"
