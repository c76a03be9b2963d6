"""In-situ exports (issue 19, point 5): pairs from regenerations and edits and KTO rows from
thumbs, exported over REST as a job, load into TRL's trainers and train; every row names its
source, signal, confidence and verification; the card names the consent basis and the
redaction; an erased user's conversations are in no export made afterwards."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from support.trl import require_trl, tiny_chat_tokenizer, train_briefly, trainer_for

CONSENT = "Users opted in under Settings > Help improve the model (2026 terms, section 4)."


def _message(id_: str, role: str, content: str, parent: str | None = None) -> dict[str, Any]:
    message = {"id": id_, "role": role, "content": content}
    return message | ({"parent_id": parent} if parent else {})


def _events(conv: str, user: str) -> list[dict[str, Any]]:
    """A conversation with a regeneration (the alternative kept), an edit of the kept answer,
    and a thumbs up on a second turn."""
    base = {"conversation_id": conv, "user_id": user}
    return [
        base
        | {
            "type": "conversation",
            "event_id": f"{conv}-1",
            "model": "demo-chat",
            "messages": [
                _message(f"{conv}-u1", "system", "You are a helpful assistant."),
                _message(f"{conv}-u2", "user", f"What is the capital of France ({conv})?"),
                _message(f"{conv}-a1", "assistant", "It is Lyon."),
            ],
        },
        base
        | {
            "type": "regenerate",
            "event_id": f"{conv}-2",
            "message_id": f"{conv}-a1",
            "alternatives": [{"id": f"{conv}-a2", "content": "Paris is the capital of France."}],
            "kept_id": f"{conv}-a2",
        },
        base
        | {
            "type": "edit",
            "event_id": f"{conv}-3",
            "message_id": f"{conv}-a2",
            "content": "Paris is the capital of France, on the Seine.",
        },
        base
        | {
            "type": "follow_up",
            "event_id": f"{conv}-4",
            "message": _message(f"{conv}-u3", "user", "And of Italy?", f"{conv}-a2"),
        },
        base
        | {
            "type": "conversation",
            "event_id": f"{conv}-5",
            "model": "demo-chat",
            "messages": [_message(f"{conv}-a3", "assistant", "Rome is.", f"{conv}-u3")],
        },
        base
        | {"type": "thumbs", "event_id": f"{conv}-6", "message_id": f"{conv}-a3", "value": "up"},
    ]


@pytest.fixture
def source(as_user: Callable[..., TestClient], new_client: Callable[[], TestClient], unique: str):  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"insitu-{unique}"
    made = researcher.post(
        "/api/feedback-sources",
        json={"slug": slug, "name": "Demo chat", "consent_basis": CONSENT, "retention_days": 30},
    )
    assert made.status_code == 201, made.text
    key = researcher.post(f"/api/feedback-sources/{slug}/keys", json={"name": "k"}).json()["key"]
    batch = [event for i in range(4) for event in _events(f"conv{i}", f"user-{i % 2}")]
    sent = new_client().post(
        f"/api/ingest/{slug}/events",
        json=batch,
        headers={"Authorization": f"Bearer {key}"},
    )
    assert sent.json()["accepted"] == len(batch), sent.text
    return researcher, slug


def _export(researcher: TestClient, slug: str, **options: Any) -> tuple[dict[str, Any], Any]:
    """Start the job over REST, run the worker's task body, return the job and its rows."""
    from prefhub.insitu.export_jobs import execute

    job = researcher.post(f"/api/feedback-sources/{slug}/exports", json=options)
    assert job.status_code == 202 and job.json()["status"] == "queued", job.text
    execute(job.json()["id"])
    finished = researcher.get(f"/api/insitu-exports/{job.json()['id']}").json()
    assert finished["status"] == "succeeded", finished
    name = f"{options.get('format', 'dpo')}.jsonl"
    data = researcher.get(f"/api/insitu-exports/{finished['id']}/files/{name}")
    assert data.status_code == 200
    return finished, [json.loads(line) for line in data.text.splitlines()]


def test_pairs_from_regenerations_and_edits_train_dpo(source, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    require_trl()
    from datasets import Dataset

    researcher, slug = source
    job, rows = _export(researcher, slug, format="dpo")
    assert {row["signal"] for row in rows} == {"regenerate", "edit"}
    assert len(rows) == 8 == job["row_count"]
    regenerated = next(row for row in rows if row["signal"] == "regenerate")
    assert regenerated["chosen"] == [
        {"role": "assistant", "content": "Paris is the capital of France."}
    ]
    assert regenerated["rejected"] == [{"role": "assistant", "content": "It is Lyon."}]
    assert regenerated["prompt"][0]["role"] == "system"
    assert regenerated["prompt"][-1]["role"] == "user"
    assert (regenerated["source"], regenerated["confidence"], regenerated["verified"]) == (
        slug,
        0.7,
        None,
    )
    assert regenerated["metadata"]["user"].startswith("usr-")
    edited = next(row for row in rows if row["signal"] == "edit")
    assert edited["chosen"][0]["content"].endswith("on the Seine.")
    dataset = Dataset.from_list(rows)
    texts = tuple(
        message["content"]
        for row in rows
        for message in [*row["prompt"], *row["chosen"], *row["rejected"]]
    )
    trainer = trainer_for("DPOTrainer", dataset, tiny_chat_tokenizer(texts), tmp_path / "dpo")
    assert len(trainer.train_dataset) == len(rows)
    train_briefly(trainer)


def test_thumbs_and_satisfaction_give_kto_rows_that_train(source, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    require_trl()
    from datasets import Dataset

    researcher, slug = source
    _, rows = _export(researcher, slug, format="kto", min_confidence=0.6)
    assert {row["signal"] for row in rows} == {"thumbs"}
    assert all(row["label"] is True for row in rows)
    assert rows[0]["completion"] == [{"role": "assistant", "content": "Rome is."}]
    texts = tuple(
        message["content"] for row in rows for message in [*row["prompt"], *row["completion"]]
    )
    trainer = trainer_for(
        "KTOTrainer", Dataset.from_list(rows), tiny_chat_tokenizer(texts), tmp_path / "kto"
    )
    assert len(trainer.train_dataset) == len(rows)
    train_briefly(trainer)


def test_the_card_says_where_the_data_came_from(source) -> None:  # type: ignore[no-untyped-def]
    researcher, slug = source
    job, rows = _export(researcher, slug, format="judgments")
    assert {row["kind"] for row in rows} == {"pair", "kto"}
    assert {f["name"] for f in job["files"]} == {
        "judgments.jsonl",
        "README.md",
        "croissant.json",
        "manifest.json",
    }
    card = researcher.get(f"/api/insitu-exports/{job['id']}/files/README.md").text
    assert CONSENT in card
    assert "email, phone, payment_card, ip_address, url_credentials" in card
    assert "deleted 30 days after" in card
    manifest = researcher.get(f"/api/insitu-exports/{job['id']}/files/manifest.json").json()
    assert manifest["source"]["consent_basis"] == CONSENT
    assert sum(manifest["counts"]["by_signal"].values()) == len(rows)


def test_an_erased_user_is_in_no_later_export(source) -> None:  # type: ignore[no-untyped-def]
    researcher, slug = source
    _, before = _export(researcher, slug, format="judgments")
    erased = researcher.post(f"/api/feedback-sources/{slug}/erasure", json={"user_id": "user-0"})
    assert erased.json()["conversations"] == 2
    _, after = _export(researcher, slug, format="judgments")
    gone = {row["metadata"]["conversation"] for row in before} - {
        row["metadata"]["conversation"] for row in after
    }
    assert gone == {"conv0", "conv2"}
    assert len(after) == len(before) // 2
    assert "(conv0)" not in json.dumps(after) and "(conv2)" not in json.dumps(after)


def test_another_researcher_cannot_see_the_export(source, as_user) -> None:  # type: ignore[no-untyped-def]
    researcher, slug = source
    job, _ = _export(researcher, slug, format="dpo")
    stranger = as_user("researcher")
    for path in (
        f"/api/insitu-exports/{job['id']}",
        f"/api/insitu-exports/{job['id']}/files/dpo.jsonl",
    ):
        response = stranger.get(path)
        assert response.status_code == 404 and response.json()["error"]["code"] == (
            "export_not_found"
        )
    assert researcher.get(f"/api/insitu-exports/{job['id']}/files/..%2Fsecrets").status_code == 404
    listed = researcher.get(f"/api/feedback-sources/{slug}/exports").json()["exports"]
    assert [e["id"] for e in listed] == [job["id"]]


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.reset_index")
@pytest.mark.parametrize("fmt", ["dpo", "kto", "judgments"])
def test_mlcroissant_reads_every_row_back(source, fmt: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mlc = pytest.importorskip("mlcroissant", reason="mlcroissant is not installed (dev extra)")
    researcher, slug = source
    job, rows = _export(researcher, slug, format=fmt)
    for name in (f"{fmt}.jsonl", "croissant.json"):
        body = researcher.get(f"/api/insitu-exports/{job['id']}/files/{name}")
        (tmp_path / name).write_bytes(body.content)
    dataset = mlc.Dataset(jsonld=str(tmp_path / "croissant.json"))
    records = list(dataset.records(record_set=fmt))
    assert len(records) == len(rows) > 0

    def text(value: Any) -> Any:
        return value.decode() if isinstance(value, bytes) else value

    for record, row in zip(records, rows, strict=True):
        assert text(record[f"{fmt}/id"]) == row["id"]
        assert text(record[f"{fmt}/signal"]) == row["signal"]
        assert record[f"{fmt}/confidence"] == pytest.approx(row["confidence"])
        prompt = record[f"{fmt}/prompt"]
        assert [text(m[f"{fmt}/prompt/role"]) for m in prompt] == [m["role"] for m in row["prompt"]]
        metadata = record[f"{fmt}/metadata"]
        assert text(metadata[f"{fmt}/metadata/conversation"]) == row["metadata"]["conversation"]
        if fmt == "kto":
            assert bool(record["kto/label"]) == row["label"]
