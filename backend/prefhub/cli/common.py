"""What every command module shares: the consoles, the error exit and the progress bar.

Kept light: ``prefhub --help`` imports this, so heavy imports belong inside commands.
"""

from __future__ import annotations

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console()
err = Console(stderr=True)


def fail(message: str, details: object = None) -> typer.Exit:
    """Print ``error: message`` (and any per-line details) to stderr; raise what it returns."""
    err.print(f"[bold red]error:[/] {message}")
    if isinstance(details, dict) and "errors" in details:
        for e in details["errors"]:
            err.print(f"  line {e['line']}: {e['message']}")
    elif isinstance(details, list):
        for e in details:
            err.print(f"  {e}")
    return typer.Exit(code=1)


def field_errors(exc: ValidationError) -> list[str]:
    """``loc.path: message`` per error, for ``fail(..., details)``."""
    return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
    )
