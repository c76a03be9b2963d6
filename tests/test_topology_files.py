"""The deployment files: compose validates and keeps migrations out of API start-up."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import yaml

from support.services import require_or_skip

ROOT = Path(__file__).resolve().parents[1]


def _compose(*args: str, secret: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PREFHUB_SECRET_KEY"}
    if secret is not None:
        env["PREFHUB_SECRET_KEY"] = secret
    return subprocess.run(
        ["docker-compose", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_compose_file_validates_and_demands_a_secret_key():
    if shutil.which("docker-compose") is None:
        require_or_skip(
            "compose", "docker-compose is not installed (apt-get install docker-compose)"
        )
    assert _compose("config", "-q", secret="a" * 48).returncode == 0
    missing = _compose("config", "-q", secret=None)
    assert missing.returncode != 0
    assert "PREFHUB_SECRET_KEY" in missing.stderr


def test_compose_runs_migrations_once_before_api_and_worker():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert {"postgres", "redis", "migrate", "api", "worker"} <= set(services)
    assert services["migrate"]["command"] == ["prefhub", "db", "upgrade"]
    for name in ("api", "worker"):
        assert "upgrade" not in " ".join(services[name]["command"])
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully"


def test_alembic_migrations_match_the_models(migrated):
    """`alembic check`: no model change is missing a migration."""
    from alembic import command

    from prefhub.cli.main import alembic_config

    command.check(alembic_config())
