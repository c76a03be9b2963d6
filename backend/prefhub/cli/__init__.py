"""The ``prefhub`` command line."""

from prefhub.cli.main import app

__all__ = ["app"]
