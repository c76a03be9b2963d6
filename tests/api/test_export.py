from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

import pytest

from support.api import create_campaign_with_items
from support.trl import render_conversational


def _judge(client, slug, choices: list[str]) -> None:
    for choice in choices:
        task = client.get(f"/api/annotate/{slug}/next").json()["task"]
        response = client.post(
            f"/api/annotate/{slug}/submit",
            json={
                "assignment_id": task["assignment_id"],
                "client_id": str(uuid.uuid4()),
                "answers": {"preference": {"choice": choice}},
                "time_spent_ms": 700,
            },
        )
        assert response.status_code == 200


@pytest.fixture
def judged_campaign(as_user, unique):
    """A campaign where two annotators judged: 3 preferences (A, B, B) and one tie."""
    researcher = as_user("researcher")
    slug = f"exp-{unique}"
    create_campaign_with_items(researcher, slug, n_items=3, redundancy=2)
    alice, bob = as_user(), as_user()
    _judge(alice, slug, ["A", "B"])
    _judge(bob, slug, ["B", "tie"])
    return researcher, slug, [alice, bob]


def _run_export(researcher, slug, **options) -> dict:
    """Start a job over REST, run the worker's task body, return the finished job."""
    from prefhub.exports.tasks import execute_export

    job = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "dpo", **options})
    assert job.status_code == 202 and job.json()["status"] == "queued"
    execute_export(job.json()["id"])
    finished = researcher.get(f"/api/exports/{job.json()['id']}").json()
    assert finished["status"] == "succeeded", finished
    return finished


def _rows(researcher, job) -> list[dict]:
    body = researcher.get(f"/api/exports/{job['id']}/files/dpo.jsonl")
    assert body.status_code == 200
    return [json.loads(line) for line in body.text.splitlines()]


def test_dpo_export_holds_one_row_per_preference_with_chosen_and_rejected(judged_campaign, db):
    from sqlalchemy import select

    from prefhub.models import Candidate, Judgment

    researcher, slug, _ = judged_campaign
    job = _run_export(researcher, slug)
    rows = _rows(researcher, job)
    assert job["row_count"] == len(rows) == 3  # the tie expresses no preference
    with db() as session:
        judgments = {
            j.id: j
            for j in session.scalars(
                select(Judgment).where(
                    Judgment.id.in_([r["metadata"]["judgment_id"] for r in rows])
                )
            )
        }
        for row in rows:
            judgment = judgments[row["metadata"]["judgment_id"]]
            choice = judgment.answers["preference"]["choice"]
            winner = judgment.shown_order[0 if choice == "A" else 1]
            loser = judgment.shown_order[1 if choice == "A" else 0]
            assert row["chosen"] == [
                {"role": "assistant", "content": session.get(Candidate, winner).content[0]["text"]}
            ]
            assert row["rejected"][0]["content"] == session.get(Candidate, loser).content[0]["text"]
            assert row["prompt"][0]["role"] == "user"
            assert row["prompt"][0]["content"].startswith("Question ")
            assert row["metadata"]["annotator_id"].startswith("ann-")
            assert row["metadata"]["source_models"]["chosen"] in {"good-model", "bad-model"}
            assert row["campaign"] == slug


def test_manifest_checksums_match_and_exports_are_reproducible(judged_campaign):
    researcher, slug, _ = judged_campaign
    first, second = _run_export(researcher, slug), _run_export(researcher, slug)
    files = {}
    for job in (first, second):
        data = researcher.get(f"/api/exports/{job['id']}/files/dpo.jsonl").content
        manifest = researcher.get(f"/api/exports/{job['id']}/files/manifest.json").json()
        assert manifest["files"][0]["sha256"] == hashlib.sha256(data).hexdigest()
        assert manifest["counts"]["rows"] == 3
        assert manifest["counts"]["skipped_no_preference"] == {"tie": 1}
        assert manifest["campaign"]["spec"]["slug"] == slug
        files[job["id"]] = (data, manifest)
    (data_a, manifest_a), (data_b, manifest_b) = files.values()
    assert data_a == data_b and manifest_a == manifest_b


def test_exports_carry_no_emails_and_a_salt_changes_the_pseudonyms(judged_campaign):
    researcher, slug, annotators = judged_campaign
    plain = _run_export(researcher, slug)
    salted = _run_export(researcher, slug, salt="study-2")
    texts = [
        researcher.get(f"/api/exports/{job['id']}/files/{name}").text
        for job in (plain, salted)
        for name in ("dpo.jsonl", "manifest.json")
    ]
    for text in texts:
        for person in [*annotators, researcher]:
            assert person.email not in text
            assert person.email.split("@")[0] not in text
    ids_plain = {r["metadata"]["annotator_id"] for r in _rows(researcher, plain)}
    ids_salted = {r["metadata"]["annotator_id"] for r in _rows(researcher, salted)}
    assert len(ids_plain) == len(ids_salted) == 2
    assert not ids_plain & ids_salted


def test_standard_form_uses_plain_strings(judged_campaign):
    researcher, slug, _ = judged_campaign
    rows = _rows(researcher, _run_export(researcher, slug, conversational=False))
    assert all(isinstance(r[k], str) for r in rows for k in ("prompt", "chosen", "rejected"))


def test_download_supports_ranges_and_refuses_path_tricks(judged_campaign):
    researcher, slug, _ = judged_campaign
    job = _run_export(researcher, slug)
    full = researcher.get(f"/api/exports/{job['id']}/files/dpo.jsonl").content
    part = researcher.get(
        f"/api/exports/{job['id']}/files/dpo.jsonl", headers={"Range": "bytes=0-9"}
    )
    assert part.status_code == 206 and part.content == full[:10]
    for name in ("..%2F..%2Fetc%2Fpasswd", "..%2Fmanifest.json", "other.jsonl"):
        response = researcher.get(f"/api/exports/{job['id']}/files/{name}")
        assert response.status_code == 404, name
        assert response.json()["error"]["code"] in {"export_file_not_found", "not_found"}
    missing = researcher.get("/api/exports/999999")
    assert missing.json()["error"]["code"] == "export_not_found"


def test_export_loads_with_datasets_and_passes_trl_data_utilities(judged_campaign, tmp_path):
    datasets = pytest.importorskip("datasets")
    researcher, slug, _ = judged_campaign
    job = _run_export(researcher, slug)
    path = tmp_path / "dpo.jsonl"
    path.write_bytes(researcher.get(f"/api/exports/{job['id']}/files/dpo.jsonl").content)
    dataset = datasets.load_dataset("json", data_files=str(path), split="train")
    assert {"prompt", "chosen", "rejected", "id", "campaign", "metadata"} <= set(
        dataset.column_names
    )
    assert len(dataset) == 3
    for example in dataset:
        rendered = render_conversational(example)
        assert rendered["prompt"].startswith("<|user|>\nQuestion ")
        assert rendered["chosen"].endswith("<|end|>\n")
        assert example["chosen"][0]["content"] in rendered["chosen"]
        assert example["rejected"][0]["content"] in rendered["rejected"]


def test_cli_export_writes_the_same_rows_as_the_job(judged_campaign, tmp_path):
    from typer.testing import CliRunner

    from prefhub.cli import app

    researcher, slug, _ = judged_campaign
    job = _run_export(researcher, slug)
    out = tmp_path / "cli-export"
    result = CliRunner().invoke(app, ["export", slug, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 3 rows" in result.output
    assert (out / "dpo.jsonl").read_bytes() == researcher.get(
        f"/api/exports/{job['id']}/files/dpo.jsonl"
    ).content
    assert json.loads((out / "manifest.json").read_text())["counts"]["rows"] == 3
    assert not Path(str(out) + ".partial").exists()


def test_round_filter_keeps_only_judgments_of_that_rounds_candidates(as_user, unique, db):
    from sqlalchemy import select, update

    from prefhub.models import Campaign, Candidate, Item

    researcher = as_user("researcher")
    slug = f"rounds-{unique}"
    create_campaign_with_items(researcher, slug, n_items=2, redundancy=1)
    with db() as session:
        second = session.scalar(
            select(Item.id)
            .join(Campaign, Campaign.id == Item.campaign_id)
            .where(Campaign.slug == slug, Item.external_id == "item-1")
        )
        session.execute(update(Candidate).where(Candidate.item_id == second).values(round=1))
    _judge(as_user(), slug, ["A", "B"])
    job = _run_export(researcher, slug, rounds=[1])
    rows = _rows(researcher, job)
    assert [r["metadata"]["item_id"] for r in rows] == ["item-1"]
    manifest = researcher.get(f"/api/exports/{job['id']}/files/manifest.json").json()
    assert manifest["filters"]["rounds"] == [1] and manifest["counts"]["filtered_out"] == 1
