"""``prefhub simulate-in-situ``: a synthetic stream of a chat product's conversations and its
users' feedback, in the ingestion API's event shape (JSONL), for demos and benchmarks."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from prefhub.cli.common import console


def register(app: typer.Typer) -> None:
    app.command(name="simulate-in-situ")(simulate_in_situ)


def simulate_in_situ(
    conversations: Annotated[int, typer.Option(min=1, max=1_000_000)] = 100,
    seed: Annotated[int, typer.Option(min=0, max=2**31 - 1)] = 0,
    personal_data_rate: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="share of conversations whose user gives away "
            "an e-mail, phone number, card or IP address (for the redaction to remove)",
        ),
    ] = 0.2,
    out: Annotated[str, typer.Option(help="a JSONL file to write, or - for standard output")] = "-",
) -> None:
    """Write a synthetic in-situ stream (conversations, thumbs, ratings, regenerations, edits,
    copies, follow-ups, abandonment) as JSONL events for POST /api/ingest/{source}/events."""
    import orjson

    from prefhub.insitu.simulate import stream

    events = stream(conversations, seed=seed, personal_data_rate=personal_data_rate)
    with contextlib.ExitStack() as stack:
        file = sys.stdout.buffer if out == "-" else stack.enter_context(Path(out).open("wb"))
        count = sum(file.write(orjson.dumps(event) + b"\n") > 0 for event in events)
        file.flush()
    if out != "-":
        console.print(f"{count:,} events of {conversations:,} conversations written to {out}")
