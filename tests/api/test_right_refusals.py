"""Right refusals (issue 16, point 7): an item import into a conversation-tree campaign, and
deleting a model endpoint that candidates, tree replies or generation jobs record."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from support.api import items, jsonl
from support.fake_openai import tiny_png
from trees.conftest import tree_spec


def _tree_campaign(client: Any, slug: str) -> None:
    spec = {
        "name": slug,
        "slug": slug,
        "questions": [{"kind": "labels", "target": "prompt"}],
        "trees": {"goal_tree_size": 4, "max_depth": 2},
    }
    created = client.post("/api/campaigns", json=spec)
    assert created.status_code == 201, created.text


def _stored(db, slug: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """What an import would have left behind in the campaign."""
    from prefhub.models import Campaign, CampaignMedia, ImportJob, Item

    with db() as session:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == slug))

        def count(model: Any) -> int:
            where = model.campaign_id == campaign_id
            return int(session.scalar(select(func.count()).select_from(model).where(where)))

        media = count(CampaignMedia)
        return {"items": count(Item), "import_jobs": count(ImportJob), "media": media}


def _uploads() -> set[Path]:
    from prefhub.items.jobs import uploads_dir

    return set(uploads_dir().iterdir())


def _archive() -> bytes:
    """A zip of one item whose prompt shows a picture kept beside the JSONL."""
    line = {
        "prompt": [{"role": "user", "content": [{"type": "image", "path": "cat.png"}]}],
        "candidates": ["A cat.", "A dog."],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("items.jsonl", jsonl([line]))
        archive.writestr("cat.png", tiny_png("refused-cat"))
    return buffer.getvalue()


def _assert_tree_refusal(response: Any, slug: str) -> None:
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "tree_campaign_has_no_items"
    assert f"'{slug}' is a conversation-tree campaign" in error["message"]
    assert "nothing was imported" in error["message"]
    assert "prompts its annotators write" in error["message"]


@pytest.mark.parametrize("route", ["import", "import-jobs"])
def test_an_import_into_a_tree_campaign_is_refused_and_stores_nothing(as_user, db, unique, route):
    researcher = as_user("researcher")
    slug = f"refuse-{route}-{unique}"
    _tree_campaign(researcher, slug)
    before = _uploads()
    for upload in (("i.jsonl", jsonl(items(3))), ("i.zip", _archive())):
        response = researcher.post(f"/api/campaigns/{slug}/items/{route}", files={"file": upload})
        _assert_tree_refusal(response, slug)
    assert _stored(db, slug) == {"items": 0, "import_jobs": 0, "media": 0}
    assert _uploads() == before  # no upload kept for a job
    # The same files go into an item campaign: the refusal is the campaign's kind, not them.
    item_slug = f"items-{route}-{unique}"
    spec = {"name": item_slug, "slug": item_slug, "questions": [{"kind": "pairwise"}]}
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    accepted = researcher.post(
        f"/api/campaigns/{item_slug}/items/{route}", files={"file": ("i.jsonl", jsonl(items(3)))}
    )
    assert accepted.status_code in (201, 202), accepted.text


def test_the_services_refuse_too_before_keeping_anything(as_user, db, unique):
    """Whatever calls them (a job, a script): the import and the job maker refuse a tree
    campaign before reading or keeping the file."""
    from prefhub.items.exceptions import TreeCampaignHasNoItems
    from prefhub.items.jobs import create_job
    from prefhub.items.service import import_items
    from prefhub.models import Campaign, User

    researcher = as_user("researcher")
    slug = f"service-{unique}"
    _tree_campaign(researcher, slug)
    before = _uploads()
    with db() as session:
        campaign = session.scalars(select(Campaign).where(Campaign.slug == slug)).one()
        user = session.get_one(User, researcher.user_id)
        with pytest.raises(TreeCampaignHasNoItems):
            create_job(session, campaign, user, jsonl(items(1)), "i.jsonl")
        with pytest.raises(TreeCampaignHasNoItems):
            import_items(session, campaign, jsonl(items(1)).splitlines())
    assert _uploads() == before
    assert _stored(db, slug) == {"items": 0, "import_jobs": 0, "media": 0}


def _cli() -> Any:
    """``prefhub`` run in this process."""
    from prefhub.cli import app

    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_the_cli_refuses_an_import_into_a_tree_campaign(as_user, db, unique, tmp_path):
    researcher = as_user("researcher")
    slug = f"cli-tree-{unique}"
    _tree_campaign(researcher, slug)
    data = tmp_path / "items.jsonl"
    data.write_bytes(jsonl(items(2)))
    result = _cli()("import", slug, str(data))
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())  # as the terminal wraps it
    assert f"error: Campaign '{slug}' is a conversation-tree campaign" in said
    assert "prompts its annotators write" in said
    assert _stored(db, slug)["items"] == 0


# ---------------------------------------------------------------- deleting a model


def _model(client: Any, name: str) -> None:
    body = {"name": name, "base_url": "http://127.0.0.1:9/v1", "model": "m"}
    assert client.post("/api/models", json=body).status_code == 201


def _names(client: Any) -> set[str]:
    return {m["name"] for m in client.get("/api/models").json()["models"]}


def test_an_unused_model_is_deleted_by_its_owner_or_an_admin(as_user, unique):
    owner, admin = as_user("researcher"), as_user("admin")
    _model(owner, f"unused-{unique}")
    _model(owner, f"unused2-{unique}")
    assert owner.delete(f"/api/models/unused-{unique}").status_code == 204
    assert admin.delete(f"/api/models/unused2-{unique}").status_code == 204
    assert not {f"unused-{unique}", f"unused2-{unique}"} & _names(admin)
    gone = owner.delete(f"/api/models/unused-{unique}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "model_not_found"


def test_a_researcher_it_is_shared_with_may_not_delete_it(as_user, unique):
    owner, colleague = as_user("researcher"), as_user("researcher")
    _model(owner, f"shared-{unique}")
    shared = owner.put(
        f"/api/models/shared-{unique}/sharing", json={"researchers": [colleague.email]}
    )
    assert shared.status_code == 200, shared.text
    refused = colleague.delete(f"/api/models/shared-{unique}")
    assert refused.status_code == 403, refused.text
    assert f"shared-{unique}" in _names(owner)


def test_a_model_in_use_is_refused_with_the_counts_and_kept(as_user, db, unique):
    from prefhub.models import Candidate, ModelEndpoint

    owner, admin = as_user("researcher"), as_user("admin")
    name = f"used-{unique}"
    _model(owner, name)
    slug = f"used-{unique}"
    spec = {"name": slug, "slug": slug, "questions": [{"kind": "pairwise"}]}
    assert owner.post("/api/campaigns", json=spec).status_code == 201
    rows = [
        {"id": f"p{i}", "prompt": f"Prompt {i}", "candidates": [{"content": "x", "model": name}]}
        for i in range(3)
    ]
    imported = owner.post(
        f"/api/campaigns/{slug}/items/import", files={"file": ("i.jsonl", jsonl(rows))}
    )
    assert imported.status_code == 201, imported.text
    job = owner.post(f"/api/campaigns/{slug}/generation-jobs", json={"models": [name]})
    assert job.status_code == 202, job.text
    for client in (owner, admin):
        refused = client.delete(f"/api/models/{name}")
        assert refused.status_code == 409, refused.text
        error = refused.json()["error"]
        assert error["code"] == "model_in_use"
        assert error["details"] == {
            "candidates": 3,
            "tree_replies": 0,
            "generation_jobs": 1,
            "tree_campaigns": 0,
        }
        assert "3 candidates, 1 generation jobs" in error["message"]
        assert "was not deleted" in error["message"]
    assert name in _names(owner)
    with db() as session:
        assert session.scalar(select(ModelEndpoint.id).where(ModelEndpoint.name == name))
        kept = select(Candidate.model_name).where(Candidate.model_name == name)
        names = set(session.scalars(kept))
    assert names == {name}  # the candidates keep their provenance


def test_a_model_a_tree_campaign_asks_for_replies_is_in_use(as_user, unique):
    """Nothing it made is stored yet, but deleting it would fail the campaign's next prompt."""
    owner = as_user("researcher")
    name = f"replier-{unique}"
    _model(owner, name)
    spec = tree_spec(f"replies-{unique}", model_replies={"models": [name]})
    assert owner.post("/api/campaigns", json=spec).status_code == 201
    refused = owner.delete(f"/api/models/{name}")
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["details"]["tree_campaigns"] == 1
    assert "1 tree campaigns" in refused.json()["error"]["message"]
    assert name in _names(owner)


def test_the_cli_deletes_an_unused_model_and_refuses_one_in_use(as_user, unique, tmp_path):
    owner = as_user("researcher")
    cli = _cli()
    _model(owner, f"cli-unused-{unique}")
    deleted = cli("models", "delete", f"cli-unused-{unique}")
    assert deleted.exit_code == 0, deleted.output
    assert f"deleted model 'cli-unused-{unique}'" in deleted.output
    assert f"cli-unused-{unique}" not in _names(owner)

    name = f"cli-used-{unique}"
    _model(owner, name)
    slug = f"cli-used-{unique}"
    spec = {"name": slug, "slug": slug, "questions": [{"kind": "pairwise"}]}
    assert owner.post("/api/campaigns", json=spec).status_code == 201
    data = tmp_path / "items.jsonl"
    data.write_bytes(jsonl([{"prompt": "Hi", "candidates": [{"content": "x", "model": name}]}]))
    assert cli("import", slug, str(data)).exit_code == 0
    refused = cli("models", "delete", name)
    assert refused.exit_code == 1, refused.output
    assert f"Model '{name}' is in use (1 candidates)" in " ".join(refused.output.split())
    assert name in _names(owner)
