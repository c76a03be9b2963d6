"""The reliability rules against a planted population, on PostgreSQL (issue 17's first "done
when"): spammers flagged with precision and recall >= 0.9, at most 5 % of the minority flagged,
and the dpo export without excluded annotators agreeing with the planted truth more than the
one with them.

The benchmark creates a fresh PostgreSQL database, migrates it with ``prefhub db upgrade``,
creates a pairwise campaign (K=3, a gold rate and the researcher's rules of
``prefhub.simulation.planted_truth.RESEARCHER_RULES``) and imports the planted items
(``simulation.planted_items``). Then, in this process, the planted population
(``simulation.population``: a majority preferring detailed answers, a 15 % minority preferring
brief ones, 10 % random, always-left and too-fast clickers) takes its tasks through the real
assignment service, the rules run (``quality.rules.apply_rules``), and two dpo exports
are written by the export job code, without and with the excluded annotators. The measures are
defined in ``simulation.planted_truth``.

``wall_s``/``cpu_s`` cover the simulation (this process, and every PostgreSQL process on the
machine, other clients' included); the machine's load average before and its busy cores during
it say how shared the machine was.
One JSON line goes to stdout; progress to stderr. Run it as ``make bench-quality-sim`` or
``.venv/bin/python bench/quality_sim.py --help``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import (
    all_procs,
    create_postgres_database,
    drop_postgres_database,
    machine_busy,
    migrate,
    postgres_cpu,
    postgres_version,
    prefhub_env,
)

SLUG = "bench-quality-sim"
K = 3
GOLD_RATE = 0.4
GOLD_ITEMS = 40
TARGETS = {"precision": 0.9, "recall": 0.9, "minority_flag_rate_max": 0.05}


def log(message: str) -> None:
    print(f"[bench-quality-sim] {message}", file=sys.stderr, flush=True)


def _between(low: int, high: int) -> Any:
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value

    return parse


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--annotators", type=_between(10, 10_000), default=200)
    parser.add_argument(
        "--tasks-each",
        type=_between(15, 1000),
        default=24,
        help="tasks each annotator takes (gold among them at the gold rate)",
    )
    parser.add_argument("--gold-rate", type=float, default=GOLD_RATE, help="0 to 0.5")
    parser.add_argument("--seed", type=_between(0, 2**31 - 1), default=17)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    config = parser.parse_args(argv)
    if not 0 <= config.gold_rate <= 0.5:
        parser.error("--gold-rate must be between 0 and 0.5")
    return config


def setup(config: argparse.Namespace) -> None:
    """The researcher, the campaign and its planted items, through the service layer."""
    from prefhub.auth.service import create_user
    from prefhub.campaigns.service import create_campaign
    from prefhub.campaigns.spec import CampaignSpec
    from prefhub.kit.db import unit_of_work
    from prefhub.models import Role
    from prefhub.simulation.planted_items import import_planted_items
    from prefhub.simulation.planted_truth import RESEARCHER_RULES

    spec = CampaignSpec.model_validate(
        {
            "name": "Planted spammers",
            "slug": SLUG,
            "redundancy": K,
            "questions": [{"kind": "pairwise", "id": "preference", "prompt": "Which is better?"}],
            "quality": {"gold_rate": config.gold_rate, "rules": RESEARCHER_RULES},
        }
    )
    with unit_of_work() as session:
        owner = create_user(
            session, email="bench-quality-sim@bench.example", password=None, role=Role.researcher
        )
        create_campaign(session, spec, owner)
    regular = int(config.annotators * config.tasks_each * (1 - config.gold_rate) / K * 1.15)
    import_planted_items(SLUG, regular, GOLD_ITEMS, config.seed)


def measure(config: argparse.Namespace) -> dict[str, Any]:
    from prefhub.campaigns.service import get_by_slug
    from prefhub.kit.db import unit_of_work
    from prefhub.quality.rules import apply_rules
    from prefhub.simulation.planted_truth import dpo_agreement, dpo_rows, rule_outcome
    from prefhub.simulation.population import simulate_population

    load_before = os.getloadavg()[0]
    before = {"self": time.process_time(), "pg": postgres_cpu(all_procs()), "busy": machine_busy()}
    started = time.monotonic()
    result = simulate_population(
        SLUG, annotators=config.annotators, tasks_each=config.tasks_each, seed=config.seed
    )
    wall = time.monotonic() - started
    after = {"self": time.process_time(), "pg": postgres_cpu(all_procs()), "busy": machine_busy()}
    log(f"{result.judgments} judgments in {wall:.1f}s")
    with unit_of_work() as session:
        apply_rules(session, get_by_slug(session, SLUG))
    with unit_of_work() as session:
        peers = peer_agreement(session, get_by_slug(session, SLUG), result.planted)
    with unit_of_work() as session:
        outcome = rule_outcome(session, get_by_slug(session, SLUG), result.planted)
    filtered = dpo_rows(SLUG, include_excluded=False)
    unfiltered = dpo_rows(SLUG, include_excluded=True)
    with unit_of_work() as session:
        campaign = get_by_slug(session, SLUG)
        agreement = {
            "filtered": dpo_agreement(session, campaign, filtered, result.planted),
            "unfiltered": dpo_agreement(session, campaign, unfiltered, result.planted),
        }
    met = (
        outcome.precision >= TARGETS["precision"]
        and outcome.recall >= TARGETS["recall"]
        and outcome.minority_flag_rate <= TARGETS["minority_flag_rate_max"]
        and agreement["filtered"] > agreement["unfiltered"]
    )
    return {
        "precision": round(outcome.precision, 3),
        "recall": round(outcome.recall, 3),
        "minority_flag_rate": round(outcome.minority_flag_rate, 3),
        "dpo_agreement_filtered": round(agreement["filtered"], 4),
        "dpo_agreement_unfiltered": round(agreement["unfiltered"], 4),
        "dpo_rows": {"filtered": len(filtered), "unfiltered": len(unfiltered)},
        "peer_agreement_median": peers["median"],
        "reliability_pass_cpu_s": peers["cpu_s"],
        "flagged": outcome.flagged,
        "flagged_by_kind": outcome.by_kind,
        "spammers": outcome.spammers,
        "minority": outcome.minority,
        "annotators": config.annotators,
        "judgments": result.judgments,
        "tasks_each": config.tasks_each,
        "gold_rate": config.gold_rate,
        "wall_s": round(wall, 1),
        "cpu_s": {
            "simulator": round(after["self"] - before["self"], 1),
            "postgres": round(after["pg"] - before["pg"], 1),
        },
        "load": {
            "loadavg_1m_before": round(load_before, 2),
            "busy_cores_during": round((after["busy"] - before["busy"]) / wall, 2),
            "nproc": os.cpu_count(),
        },
        "targets": TARGETS,
        "met": met,
    }


def peer_agreement(session: Any, campaign: Any, planted: dict[int, Any]) -> dict[str, Any]:
    """The median ``peer_agreement`` of each planted kind (``detailed`` is the majority,
    ``brief`` the minority), and the CPU seconds of the reliability pass that gave them."""
    from prefhub.quality.reliability import compute

    started = time.process_time()
    report = compute(session, campaign)
    cpu = time.process_time() - started
    values: dict[str, list[float]] = {}
    for annotator, found in report.annotators.items():
        value = found.evidence["peer_agreement"].value
        if annotator in planted and value is not None:
            values.setdefault(planted[annotator].describe, []).append(value)
    return {
        "median": {kind: round(statistics.median(v), 3) for kind, v in sorted(values.items())},
        "cpu_s": round(cpu, 2),
    }


def run(config: argparse.Namespace) -> dict[str, Any]:
    pg_name, url = create_postgres_database("bench_quality_sim")
    log(f"database {pg_name}")
    try:
        with tempfile.TemporaryDirectory(prefix="bench-quality-sim-") as tmp:
            workdir = Path(tmp)
            env = prefhub_env(url, workdir)
            migrate(env, workdir)
            # Set before anything imports prefhub: its settings are read once.
            os.environ.update(env)
            setup(config)
            measured = measure(config)
    finally:
        from prefhub.kit.db import reset_engine_cache

        reset_engine_cache()
        if config.keep:
            log(f"kept database {pg_name}")
        else:
            drop_postgres_database(pg_name)
    return {"bench": "quality_sim", **measured, "postgres": postgres_version()}


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    line = run(config)
    print(json.dumps(line), flush=True)
    return 0 if line["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
