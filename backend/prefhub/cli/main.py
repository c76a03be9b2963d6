"""The ``prefhub`` command line: the root app, made of each domain's commands.

A domain with commands has a ``cli.py`` whose ``register(app)`` adds them (a command, or a
sub-app such as ``prefhub users``); list it in ``COMMAND_MODULES``. Commands import heavy
modules inside their bodies: ``prefhub --help`` imports every ``cli.py``.
"""

from __future__ import annotations

import os

import typer

from prefhub.auth import cli as auth_cli
from prefhub.campaigns import cli as campaigns_cli
from prefhub.cli import db as db_cli
from prefhub.cli import serve as serve_cli
from prefhub.cli.db import alembic_config
from prefhub.demo import cli as demo_cli
from prefhub.exports import cli as exports_cli
from prefhub.generation import cli as generation_cli
from prefhub.insitu import cli as insitu_cli
from prefhub.items import cli as items_cli
from prefhub.jobs import cli as jobs_cli
from prefhub.media import cli as media_cli
from prefhub.people import cli as people_cli
from prefhub.quality import cli as quality_cli
from prefhub.simulation import cli as simulation_cli

app = typer.Typer(
    help="prefhub: collect human preference data to align AI models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# Help lists commands in this order, then sub-apps in this order.
COMMAND_MODULES = [
    serve_cli,  # serve, worker
    demo_cli,  # seed-demo
    items_cli,  # import
    simulation_cli,  # simulate
    insitu_cli,  # simulate-in-situ
    exports_cli,  # export
    generation_cli,  # generate, models ...
    db_cli,  # db ...
    auth_cli,  # users ...
    people_cli,  # groups ...
    campaigns_cli,  # campaigns ...
    jobs_cli,  # jobs ...
    media_cli,  # media ...
    quality_cli,  # quality ...
]

for module in COMMAND_MODULES:
    module.register(app)

__all__ = ["COMMAND_MODULES", "alembic_config", "app", "main"]


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()


if __name__ == "__main__":
    main()
