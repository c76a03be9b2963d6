"""Checking a spec before it is a campaign, and the templates the builder starts from."""

from __future__ import annotations

import pytest

from prefhub.campaigns.spec import CampaignSpec
from prefhub.campaigns.templates import TEMPLATES
from support.api import pairwise_spec


def test_valid_spec_comes_back_with_its_defaults(as_user):
    researcher = as_user("researcher")
    response = researcher.post("/api/campaign-specs/validate", json=pairwise_spec("check-me"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["valid"] is True
    assert body["spec"]["slug"] == "check-me"
    assert body["spec"]["redundancy"] == 2
    assert body["spec"]["undo_seconds"] == 60
    assert body["spec"]["questions"][0]["allow_tie"] is True
    assert body["spec"]["participation"] == {"consent": None, "survey": [], "crowd": None}


def test_every_problem_is_listed_at_its_field(as_user):
    spec = pairwise_spec(
        "Not A Slug",
        redundancy=0,
        questions=[
            {"kind": "pairwise", "id": "preference", "prompt": ""},
            {"kind": "rating", "id": "rating", "attributes": []},
            {"kind": "sliders", "id": "unknown_kind"},
        ],
        participation={"crowd": {"target_count": 0}},
    )
    response = as_user("admin").post("/api/campaign-specs/validate", json=spec)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    fields = {detail["field"] for detail in error["details"]}
    assert {
        "body.slug",
        "body.redundancy",
        "body.questions.0.pairwise.prompt",
        "body.questions.1.rating.attributes",
        "body.questions.2",
        "body.participation.crowd.target_count",
        "body.participation.crowd.completion_code",
    } <= fields
    assert all(detail["message"] for detail in error["details"])


def test_a_spec_wide_rule_is_reported_at_the_spec(as_user):
    spec = pairwise_spec(
        "dupes",
        questions=[{"kind": "binary", "id": "same"}, {"kind": "text", "id": "same"}],
    )
    response = as_user("researcher").post("/api/campaign-specs/validate", json=spec)
    assert response.status_code == 422
    [detail] = response.json()["error"]["details"]
    assert detail["field"] == "body"
    assert "question ids must be unique" in detail["message"]


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("annotator", 403)])
def test_only_staff_may_check_specs_or_read_templates(new_client, as_user, role, status):
    client = as_user(role) if role else new_client()
    checked = client.post("/api/campaign-specs/validate", json=pairwise_spec("nope"))
    assert checked.status_code == status
    assert client.get("/api/campaign-specs/templates").status_code == status


def test_templates_cover_the_common_study_types(as_user):
    response = as_user("researcher").get("/api/campaign-specs/templates")
    assert response.status_code == 200
    assert [t["id"] for t in response.json()] == [
        "pairwise-dpo",
        "ranking",
        "kto-thumbs",
        "helpsteer-attributes",
        "critique-refinement",
        "oasst-trees",
        "image-comparison",
    ]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.id)
def test_every_template_is_a_valid_spec_the_server_accepts(as_user, template):
    spec = template.spec.model_dump(mode="json")
    assert CampaignSpec.model_validate(spec) == template.spec
    response = as_user("researcher").post("/api/campaign-specs/validate", json=spec)
    assert response.status_code == 200, response.text
    # The preview needs as many sample candidates as a task shows.
    assert len(template.sample.candidates) >= template.spec.min_candidates


def test_the_tree_template_is_a_tree_campaign():
    [trees] = [t for t in TEMPLATES if t.id == "oasst-trees"]
    assert trees.spec.trees is not None
    assert all(q.kind == "labels" and q.target == "prompt" for q in trees.spec.questions)


def test_the_image_template_shows_images():
    [images] = [t for t in TEMPLATES if t.id == "image-comparison"]
    assert images.spec.candidates_per_task == 2
    assert all(
        [part.type for part in candidate] == ["image"] for candidate in images.sample.candidates
    )
    prompt = images.sample.context[-1].content[0]
    assert prompt.type == "text"
