"""Fixtures of the CLI tests: invoke ``prefhub`` in this process, and a researcher to own things."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from support.api import items, jsonl


@pytest.fixture
def cli(migrated):
    from prefhub.cli import app

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input)

    return invoke


@pytest.fixture
def owner(cli, unique):
    email = f"owner-{unique}@example.org"
    result = cli(
        "users", "create", email, "--role", "researcher", "--password", "lamp-orbit-cactus-velvet"
    )
    assert result.exit_code == 0, result.output
    return email


@pytest.fixture
def judged(cli, owner, unique, tmp_path) -> str:
    """A campaign with a few simulated judgments, so an export has rows to write."""
    slug = f"judged-{unique}"
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"name: Judged\nslug: {slug}\nredundancy: 1\nquestions:\n  - kind: pairwise\n")
    assert cli("campaigns", "create", str(spec), "--owner", owner).exit_code == 0
    data = tmp_path / "items.jsonl"
    data.write_bytes(jsonl(items(3)))
    assert cli("import", slug, str(data)).exit_code == 0
    assert cli("simulate", slug, "--annotators", "2", "--judgments", "3").exit_code == 0
    return slug
