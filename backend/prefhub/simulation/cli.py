"""``prefhub simulate``: synthetic annotators, to try a campaign end to end."""

from __future__ import annotations

import logging
import math
from typing import Annotated, Literal

import typer

from prefhub.cli.common import console, fail, progress
from prefhub.kit.errors import PrefhubError

log = logging.getLogger(__name__)

Population = Literal["groups", "planted-spammers"]
# Gold items planted beside the regular ones (--plant-items): more than anyone answers.
PLANTED_GOLD_ITEMS = 40


def register(app: typer.Typer) -> None:
    app.command()(simulate)


def simulate(
    slug: str,
    annotators: Annotated[int, typer.Option(min=1, max=10_000)] = 9,
    judgments: Annotated[int, typer.Option(min=1, max=1_000_000)] = 100,
    seed: Annotated[int, typer.Option(min=0, max=2**31 - 1)] = 0,
    population: Annotated[
        Population,
        typer.Option(
            help="groups: three preference groups; planted-spammers: a majority, a 15% "
            "minority with the opposite preference and 10% spammers (random, always-left, "
            "too-fast), to try the quality rules against"
        ),
    ] = "groups",
    plant_items: Annotated[
        bool,
        typer.Option(
            help="planted-spammers: first import items sized for the run (a terse and a verbose "
            "answer each) and gold items with a broken answer"
        ),
    ] = False,
    force: Annotated[
        bool, typer.Option(help="simulate in production anyway (logged; its judgments are fake)")
    ] = False,
) -> None:
    """Synthetic annotators from latent preference groups submit judgments."""
    from prefhub.settings import get_settings

    if get_settings().environment == "production":
        if not force:
            raise fail(
                "simulate makes fake judgments; it is refused in production "
                "(--force to run it anyway)"
            )
        log.warning("simulate forced in production on campaign %s (%d judgments)", slug, judgments)
    if plant_items and population != "planted-spammers":
        raise fail("--plant-items goes with --population planted-spammers")
    try:
        if population == "planted-spammers":
            _planted(slug, annotators, judgments, seed, plant_items)
        else:
            _groups(slug, annotators, judgments, seed)
    except PrefhubError as exc:
        raise fail(exc.message) from None


def _groups(slug: str, annotators: int, judgments: int, seed: int) -> None:
    from prefhub.simulation.service import simulate as run

    with progress() as bar:
        task = bar.add_task(f"simulating on {slug}", total=judgments)
        result = run(
            slug,
            annotators=annotators,
            judgments=judgments,
            seed=seed,
            on_judgment=lambda n: bar.update(task, completed=n),
        )
    note = " (no work left)" if result.exhausted and result.judgments < judgments else ""
    console.print(
        f"{result.annotators} simulated annotators made {result.judgments} judgments{note}"
    )


def _planted(slug: str, annotators: int, judgments: int, seed: int, plant_items: bool) -> None:
    from prefhub.campaigns.service import get_by_slug, spec_of
    from prefhub.kit.db import unit_of_work
    from prefhub.quality.rules import apply_rules
    from prefhub.simulation.planted_items import import_planted_items
    from prefhub.simulation.planted_truth import rule_outcome
    from prefhub.simulation.population import simulate_population

    tasks_each = math.ceil(judgments / annotators)
    if plant_items:
        with unit_of_work() as session:
            spec = spec_of(get_by_slug(session, slug))
        # The regular tasks over K, with some to spare, so nobody runs out of work.
        regular = math.ceil(judgments * (1 - spec.quality.gold_rate) / spec.redundancy * 1.15)
        imported = import_planted_items(slug, regular, PLANTED_GOLD_ITEMS, seed)
        console.print(f"imported {imported} planted items ({PLANTED_GOLD_ITEMS} of them gold)")
    with progress() as bar:
        task = bar.add_task(f"simulating on {slug}", total=tasks_each * annotators)
        result = simulate_population(
            slug,
            annotators=annotators,
            tasks_each=tasks_each,
            seed=seed,
            on_judgment=lambda n: bar.update(task, completed=n),
        )
    planted = ", ".join(f"{n} {kind}" for kind, n in sorted(result.counts().items()))
    console.print(f"{annotators} planted annotators ({planted}) made {result.judgments} judgments")
    with unit_of_work() as session:
        campaign = get_by_slug(session, slug)
        rules = spec_of(campaign).quality.rules
        if not rules:
            console.print("the campaign has no quality rules (spec quality.rules) to apply")
        # As reading the Quality tab's annotator table would, so the standings are current.
        apply_rules(session, campaign)
    with unit_of_work() as session:
        outcome = rule_outcome(session, get_by_slug(session, slug), result.planted)
    console.print(
        f"after the campaign's {len(rules)} quality rules, flagged or excluded: "
        f"{outcome.caught} of {outcome.spammers} spammers and "
        f"{outcome.flagged - outcome.caught} others (precision {outcome.precision:.2f}, "
        f"recall {outcome.recall:.2f}); {outcome.minority_flagged} of the {outcome.minority} "
        "in the minority group"
    )
