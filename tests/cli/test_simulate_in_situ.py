"""``prefhub simulate-in-situ`` writes a stream the ingestion API takes (every event valid), the
same for the same seed, with every kind of signal the rules read and personal data to remove
(issue 19, point 6)."""

from __future__ import annotations

import json
from collections import Counter

from typer.testing import CliRunner

from prefhub.insitu.events import EventError, parse_event
from prefhub.insitu.pii import RedactionPolicy, redact
from prefhub.insitu.signals import assemble, derive


def _simulate(tmp_path, *args: str) -> list[dict]:
    from prefhub.cli import app

    out = tmp_path / f"stream-{len(list(tmp_path.iterdir()))}.jsonl"
    result = CliRunner().invoke(app, ["simulate-in-situ", *args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text("utf-8").splitlines()
    assert f"{len(lines):,} events" in result.output
    return [json.loads(line) for line in lines]


def test_the_stream_is_valid_repeatable_and_feeds_every_rule(tmp_path):
    documents = _simulate(tmp_path, "--conversations", "400", "--seed", "7")
    assert documents == _simulate(tmp_path, "--conversations", "400", "--seed", "7")
    assert documents != _simulate(tmp_path, "--conversations", "400", "--seed", "8")

    events = [parse_event(index, document) for index, document in enumerate(documents)]
    assert [event for event in events if isinstance(event, EventError)] == []
    assert len({document["event_id"] for document in documents}) == len(documents)
    assert len({document["conversation_id"] for document in documents}) == 400
    types = Counter(document["type"] for document in documents)
    assert types["conversation"] == 400
    assert set(types) >= {
        "regenerate", "edit", "thumbs", "rating", "copy", "follow_up", "abandon"
    }  # fmt: skip

    rows = [
        row
        for conversation, feedback in assemble(events).values()  # type: ignore[arg-type]
        for row in derive(conversation, feedback)
    ]
    signals = Counter((row.signal, row.kind) for row in rows)
    assert set(signals) == {
        ("regenerate", "pair"), ("edit", "pair"), ("thumbs", "kto"), ("rating", "kto"),
        ("copy", "kto"), ("follow_up", "kto"), ("abandon", "kto"),
    }  # fmt: skip
    # A kept regeneration is the good answer chosen over the poor one, after the same question.
    pair = next(row for row in rows if row.signal == "regenerate")
    assert pair.prompt[-1][0] == "user" and pair.chosen != pair.rejected


def test_some_users_give_away_personal_data_for_the_redaction_to_remove(tmp_path):
    documents = _simulate(tmp_path, "--conversations", "200", "--personal-data-rate", "0.5")
    questions = [
        message["content"]
        for document in documents
        if document["type"] == "conversation"
        for message in document["messages"]
        if message["role"] == "user"
    ]
    redacted = [redact(question, RedactionPolicy()) for question in questions]
    with_data = sum(result.changed for result in redacted)
    assert 60 <= with_data <= 140  # about half of 200
    assert not any("@example.com" in result.text for result in redacted)
