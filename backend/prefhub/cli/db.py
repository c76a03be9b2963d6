"""``prefhub db``: the database schema, migrated only when an operator says so."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from prefhub.cli.common import console, fail

if TYPE_CHECKING:
    from alembic.config import Config

# An editable install (make install, the Dockerfile) runs from the repository.
REPO_ROOT = Path(__file__).resolve().parents[3]

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")


def alembic_config() -> Config:
    """The repository's Alembic configuration; from the current directory when prefhub is
    installed elsewhere (``pip install .``), since the migrations are not part of the package."""
    from alembic.config import Config

    for root in (REPO_ROOT, Path.cwd()):
        if (root / "alembic.ini").is_file() and (root / "migrations").is_dir():
            return Config(str(root / "alembic.ini"))
    raise fail("alembic.ini and migrations/ not found: run this from the prefhub repository")


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations (never done implicitly at start-up)."""
    from alembic import command

    from prefhub.settings import get_settings

    command.upgrade(alembic_config(), revision)
    console.print(f"database at {_safe_url(get_settings().database_url)} is at {revision}")


@db_app.command("check")
def db_check() -> None:
    """Fail if the models and the migrations disagree."""
    from alembic import command

    command.check(alembic_config())


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
