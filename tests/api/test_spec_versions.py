"""Spec versions over REST: the list with judgments per version, the diff of two versions,
and the check of a new spec that names the stored answers it would invalidate, saving nothing."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from support.api import create_campaign_with_items, items, jsonl, judge_next, pairwise_spec

PREFERENCE = {"choice": "A"}


def _spec(slug: str) -> dict[str, Any]:
    """A pairwise question with aspects, a rating and a rationale: one of each choice kind."""
    return pairwise_spec(
        slug,
        questions=[
            {
                "kind": "pairwise",
                "id": "preference",
                "prompt": "Which is better?",
                "aspects": [
                    {"id": "clarity", "label": "Clarity"},
                    {"id": "safety", "label": "Safety"},
                ],
            },
            {
                "kind": "rating",
                "id": "rating",
                "attributes": [
                    {"id": "helpful", "label": "Helpful", "scale": {"min": 0, "max": 4}}
                ],
            },
            {"kind": "text", "id": "rationale", "prompt": "Why?"},
        ],
    )


def _answers(choice: str, safety: str, score_a: int, score_b: int) -> dict[str, Any]:
    return {
        "preference": {"choice": choice, "aspects": {"clarity": "A", "safety": safety}},
        "rating": {"scores": {"A": {"helpful": score_a}, "B": {"helpful": score_b}}},
        "rationale": {"text": "Because."},
    }


@pytest.fixture
def judged(as_user, unique):
    """A campaign of ``_spec`` with three judgments: two ties, scores 4, 0 and 2."""
    researcher = as_user("researcher")
    slug = f"versions-{unique}"
    created = researcher.post("/api/campaigns", json=_spec(slug))
    assert created.status_code == 201, created.text
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import", files={"file": ("i.jsonl", jsonl(items(3)))}
    )
    assert imported.status_code == 201, imported.text
    annotator = as_user("annotator")
    for answers in (
        _answers("tie", "tie", 4, 1),
        _answers("A", "B", 3, 0),
        _answers("tie", "A", 2, 2),
    ):
        judge_next(annotator, slug, answers)
    return researcher, slug


def _warnings(check: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(w["code"], w["path"]): w for w in check["warnings"]}


def test_versions_list_counts_the_judgments_made_under_each(as_user, unique):
    researcher = as_user("researcher")
    annotator = as_user("annotator")
    slug = f"versions-{unique}"
    create_campaign_with_items(researcher, slug, 4, redundancy=1)
    judge_next(annotator, slug, {"preference": PREFERENCE})
    edited = researcher.put(
        f"/api/campaigns/{slug}/spec", json=pairwise_spec(slug, redundancy=1, guidelines="v2")
    )
    assert edited.status_code == 200, edited.text
    judge_next(annotator, slug, {"preference": PREFERENCE})
    judge_next(annotator, slug, {"preference": PREFERENCE})
    edited = researcher.put(
        f"/api/campaigns/{slug}/spec", json=pairwise_spec(slug, redundancy=2, guidelines="v3")
    )
    assert edited.status_code == 200, edited.text

    listed = researcher.get(f"/api/campaigns/{slug}/versions")

    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["current"] == 3
    assert [(v["version"], v["judgments"]) for v in body["versions"]] == [(1, 1), (2, 2), (3, 0)]
    # Accounts are named after their e-mail's local part unless given a name.
    assert {v["created_by"] for v in body["versions"]} == {researcher.email.split("@")[0]}
    v2 = researcher.get(f"/api/campaigns/{slug}/versions/2").json()
    assert v2["version"] == 2
    assert v2["spec"]["guidelines"] == "v2"


def test_diff_matches_questions_by_id_not_position(as_user, unique):
    researcher = as_user("researcher")
    slug = f"versions-{unique}"
    spec = _spec(slug)
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    edited = copy.deepcopy(spec)
    preference, _rating, rationale = edited["questions"]
    preference["allow_tie"] = False
    preference["aspects"].append({"id": "tone", "label": "Tone"})
    edited["questions"] = [rationale, preference]  # rating removed, the others swapped
    saved = researcher.put(f"/api/campaigns/{slug}/spec", json=edited)
    assert saved.status_code == 200, saved.text

    diff = researcher.get(
        f"/api/campaigns/{slug}/versions/diff", params={"from_version": 1, "to_version": 2}
    )

    assert diff.status_code == 200, diff.text
    changes = {c["path"]: c for c in diff.json()["changes"]}
    assert changes["questions[preference].allow_tie"] == {
        "path": "questions[preference].allow_tie",
        "kind": "changed",
        "old": True,
        "new": False,
    }
    assert changes["questions[preference].aspects[tone]"]["kind"] == "added"
    assert changes["questions[rating]"]["kind"] == "removed"
    assert changes["questions[rating]"]["old"]["attributes"][0]["id"] == "helpful"
    assert changes["questions"] == {
        "path": "questions",
        "kind": "changed",
        "old": ["preference", "rating", "rationale"],
        "new": ["rationale", "preference"],
    }
    # The rationale moved from third to first and is otherwise the same: no change inside it.
    assert not [p for p in changes if p.startswith("questions[rationale]")]
    assert len(changes) == 4
    back = researcher.get(
        f"/api/campaigns/{slug}/versions/diff", params={"from_version": 2, "to_version": 1}
    ).json()
    assert {c["path"]: c["kind"] for c in back["changes"]}["questions[rating]"] == "added"


def test_check_warns_of_every_answer_a_new_spec_refuses_with_its_count(judged):
    researcher, slug = judged
    spec = _spec(slug)
    preference, rating, _rationale = spec["questions"]
    preference["allow_tie"] = False  # two judgments chose a tie
    preference["aspects"] = [{"id": "clarity", "label": "Clarity"}]  # all three rated safety
    rating["attributes"][0]["scale"] = {"min": 1, "max": 3}  # scores 4 and 0 fall outside
    spec["questions"] = [preference, rating]  # the rationale, answered three times, goes
    spec["redundancy"] = 5

    checked = researcher.post(f"/api/campaigns/{slug}/spec/check", json=spec)

    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["valid"] is True
    assert body["current_version"] == 1
    found = {
        key: (w["severity"], w["question"], w["affected"]) for key, w in _warnings(body).items()
    }
    assert found == {
        ("choice_removed", "questions[preference].allow_tie"): ("warning", "preference", 2),
        ("choice_removed", "questions[preference].aspects[safety]"): ("warning", "preference", 3),
        ("scale_narrowed", "questions[rating].attributes[helpful].scale"): (
            "warning",
            "rating",
            2,
        ),
        ("question_removed", "questions[rationale]"): ("warning", "rationale", 3),
        ("redundancy_changed", "redundancy"): ("info", None, 0),
    }
    paths = {c["path"] for c in body["changes"]}
    assert {"questions[preference].allow_tie", "questions[rationale]", "redundancy"} <= paths


def test_check_warns_of_a_kind_change_and_reports_requiredness_as_info(judged):
    researcher, slug = judged
    spec = _spec(slug)
    spec["questions"][2] = {"kind": "binary", "id": "rationale", "prompt": "Acceptable?"}
    spec["questions"][1]["attributes"][0]["required"] = False

    body = researcher.post(f"/api/campaigns/{slug}/spec/check", json=spec).json()

    found = {key: (w["severity"], w["affected"]) for key, w in _warnings(body).items()}
    assert found == {
        ("required_changed", "questions[rating].attributes[helpful].required"): ("info", 0),
        ("question_kind_changed", "questions[rationale].kind"): ("warning", 3),
    }


def test_a_change_no_stored_answer_used_is_no_warning(judged):
    researcher, slug = judged
    spec = _spec(slug)
    spec["questions"][1]["attributes"][0]["scale"] = {"min": 0, "max": 10}  # widened
    spec["questions"][0]["strength"] = True  # asked from now on: an info, not a warning

    body = researcher.post(f"/api/campaigns/{slug}/spec/check", json=spec).json()

    assert [(w["code"], w["severity"], w["affected"]) for w in body["warnings"]] == [
        ("answer_now_required", "info", 1)  # the one non-tie preference has no strength
    ]


def test_check_saves_nothing(judged):
    researcher, slug = judged
    spec = _spec(slug)
    spec["questions"] = spec["questions"][:1]

    checked = researcher.post(f"/api/campaigns/{slug}/spec/check", json=spec)

    assert checked.status_code == 200, checked.text
    assert checked.json()["warnings"]
    campaign = researcher.get(f"/api/campaigns/{slug}").json()
    assert campaign["version"] == 1
    assert len(campaign["spec"]["questions"]) == 3
    assert [
        v["version"] for v in researcher.get(f"/api/campaigns/{slug}/versions").json()["versions"]
    ] == [1]


def test_check_of_another_slug_is_not_valid(judged):
    researcher, slug = judged
    spec = {**_spec(slug), "slug": "another-slug"}

    body = researcher.post(f"/api/campaigns/{slug}/spec/check", json=spec).json()

    assert body["valid"] is False
    assert body["problems"] == [
        {"field": "slug", "message": "the slug of an existing campaign cannot change"}
    ]


def test_an_invalid_spec_answers_422_naming_every_problem(as_user, unique):
    researcher = as_user("researcher")
    slug = f"versions-{unique}"
    spec = _spec(slug)
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    spec["redundancy"] = 0
    spec["questions"][0]["aspects"][0]["id"] = "Not An Id"
    spec["questions"][1]["attributes"][0]["scale"] = {"min": 3, "max": 1}

    checked = researcher.post(f"/api/campaigns/{slug}/spec/check", json=spec)

    assert checked.status_code == 422, checked.text
    error = checked.json()["error"]
    assert error["code"] == "validation_error"
    fields = {d["field"] for d in error["details"]}
    assert fields == {
        "body.redundancy",
        "body.questions.0.pairwise.aspects.0.id",
        "body.questions.1.rating.attributes.0.scale",
    }


def test_another_researcher_gets_404_on_every_version_route(as_user, unique):
    owner = as_user("researcher")
    slug = f"versions-{unique}"
    create_campaign_with_items(owner, slug, 1)
    stranger = as_user("researcher")

    answers = [
        stranger.get(f"/api/campaigns/{slug}/versions"),
        stranger.get(f"/api/campaigns/{slug}/versions/1"),
        stranger.get(
            f"/api/campaigns/{slug}/versions/diff", params={"from_version": 1, "to_version": 1}
        ),
        stranger.post(f"/api/campaigns/{slug}/spec/check", json=pairwise_spec(slug)),
    ]

    assert [(a.status_code, a.json()["error"]["code"]) for a in answers] == [
        (404, "campaign_not_found")
    ] * 4


def test_a_missing_version_is_404_and_an_unbounded_one_422(as_user, unique):
    researcher = as_user("researcher")
    slug = f"versions-{unique}"
    create_campaign_with_items(researcher, slug, 1)

    missing = researcher.get(f"/api/campaigns/{slug}/versions/2")
    missing_in_diff = researcher.get(
        f"/api/campaigns/{slug}/versions/diff", params={"from_version": 1, "to_version": 7}
    )

    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "version_not_found"
    assert missing_in_diff.status_code == 404
    assert missing_in_diff.json()["error"]["code"] == "version_not_found"
    for version in (0, 2**31):
        assert researcher.get(f"/api/campaigns/{slug}/versions/{version}").status_code == 422
        assert (
            researcher.get(
                f"/api/campaigns/{slug}/versions/diff",
                params={"from_version": version, "to_version": 1},
            ).status_code
            == 422
        )


def test_a_spec_stored_before_newer_fields_existed_checks_without_spurious_changes(
    as_user, db, unique
):
    from sqlalchemy import select

    from prefhub.models import Campaign

    researcher = as_user("researcher")
    slug = f"versions-{unique}"
    create_campaign_with_items(researcher, slug, 1)
    with db() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.slug == slug))
        assert campaign is not None
        older = copy.deepcopy(campaign.spec)
        for field in ("strength", "aspects"):  # as if saved before these options existed
            del older["questions"][0][field]
        del older["participation"]
        campaign.spec = older

    checked = researcher.post(f"/api/campaigns/{slug}/spec/check", json=pairwise_spec(slug))

    assert checked.status_code == 200, checked.text
    assert checked.json()["changes"] == []
    assert checked.json()["warnings"] == []


def _other_kinds_spec(slug: str) -> dict[str, Any]:
    return pairwise_spec(
        slug,
        questions=[
            {"kind": "ranking", "id": "ranking"},
            {"kind": "negative_only", "id": "unacceptable"},
            {"kind": "labels", "id": "labels", "target": "candidates"},
            {"kind": "text", "id": "rationale"},
        ],
    )


def test_check_counts_answers_of_ranking_negative_labels_and_text_questions(as_user, unique):
    researcher = as_user("researcher")
    slug = f"versions-{unique}"
    spec = _other_kinds_spec(slug)
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import", files={"file": ("i.jsonl", jsonl(items(3)))}
    )
    assert imported.status_code == 201, imported.text
    annotator = as_user("annotator")
    for ranking, unacceptable, labels, text in (
        (
            {"ranking": [["A", "B"]]},
            {"B": ["harmful"]},
            {"A": {"spam": True, "quality": 4}, "B": {"quality": 1}},
            "a" * 50,
        ),
        ({"ranking": [["A"], ["B"]]}, {}, {"A": {"quality": 0}, "B": {}}, "short"),
        (
            {"ranking": [], "none_acceptable": True},
            {"A": ["harmful", "incorrect"], "B": ["harmful"]},
            {"A": {}, "B": {"spam": False}},
            "x" * 30,
        ),
    ):
        judge_next(
            annotator,
            slug,
            {
                "ranking": ranking,
                "unacceptable": {"unacceptable": unacceptable},
                "labels": {"values": labels},
                "rationale": {"text": text},
            },
        )
    stored = researcher.get(f"/api/campaigns/{slug}").json()["spec"]
    ranking_q, negative_q, labels_q, text_q = stored["questions"]
    ranking_q["allow_ties"] = False  # one tie
    ranking_q["allow_none_acceptable"] = False  # one "none acceptable"
    negative_q["reasons"] = [r for r in negative_q["reasons"] if r["id"] != "harmful"]  # two
    labels_q["labels"] = [
        {**label, "scale": {"min": 1, "max": 3, "anchors": {}}}  # a 4 and a 0 fall outside
        if label["id"] == "quality"
        else {**label, "type": "scale", "scale": {"min": 0, "max": 4, "anchors": {}}}
        if label["id"] == "pii"  # never given: no warning
        else label
        for label in labels_q["labels"]
        if label["id"] != "spam"  # given twice (true and false)
    ]
    text_q["max_length"] = 40  # one text of 50 characters

    body = researcher.post(f"/api/campaigns/{slug}/spec/check", json=stored).json()

    assert {key: w["affected"] for key, w in _warnings(body).items()} == {
        ("choice_removed", "questions[ranking].allow_ties"): 1,
        ("choice_removed", "questions[ranking].allow_none_acceptable"): 1,
        ("choice_removed", "questions[unacceptable].reasons[harmful]"): 2,
        ("choice_removed", "questions[labels].labels[spam]"): 2,
        ("scale_narrowed", "questions[labels].labels[quality].scale"): 2,
        ("text_length_narrowed", "questions[rationale].max_length"): 1,
    }

    text_q["max_length"] = 5000
    text_q["target"] = "candidate"
    body = researcher.post(f"/api/campaigns/{slug}/spec/check", json=stored).json()

    assert (
        _warnings(body)[("question_target_changed", "questions[rationale].target")]["affected"] == 3
    )
