"""Fixtures of the CLI tests: invoke ``prefhub`` in this process, and a researcher to own things."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner


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
