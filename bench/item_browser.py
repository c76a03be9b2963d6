"""Data-browser benchmark: paging a 100,000-item campaign over HTTP on PostgreSQL.

The benchmark creates a fresh PostgreSQL database, migrates it with ``prefhub db upgrade``,
creates a researcher, annotators and a pairwise campaign (K=3) through the service layer, then
writes the bulk with set-based SQL (``INSERT … SELECT … generate_series``): items (2 % pending
with one candidate, 10 % German, 1 % gold, 20 % in round 1), two candidates each from four
models (one of them, ``rare-model``, on 1 % of items), and 0 to 3 submitted assignments and
judgments per item, a third of which prefer the other candidate (so many items disagree).
Then it ``VACUUM ANALYZE``s.

A ``prefhub serve`` process answers; one client, signed in as the researcher, asks for pages
one at a time (latency, not throughput): for each scenario (no filter, and each filter) the
first page (which also counts the total) and pages deep in the campaign by cursor (``after`` =
a random item id, as a walk by ``next_after`` would reach it), plus a walk by ``next_after``
over the first pages. ``ms`` is the wall time of each request as the client sees it.

One JSON line goes to stdout; progress to stderr. Run it as ``make bench-browser`` or
``.venv/bin/python bench/item_browser.py --help``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import (
    all_procs,
    create_postgres_database,
    drop_postgres_database,
    libpq_url,
    machine_busy,
    migrate,
    percentile,
    postgres_cpu,
    postgres_version,
    prefhub_env,
    prefhub_server,
    process_tree,
)

SLUG = "bench-browser"
PASSWORD = "bench browser password"
OWNER = "bench-researcher@bench.example"
TARGET_P95_MS = 300
K = 3
# Each scenario's filters, as the route's query takes them.
SCENARIOS: dict[str, dict[str, Any]] = {
    "all": {},
    "status_ready": {"status": "ready"},
    "round_1": {"round": 1},
    "language_de": {"language": "de"},
    "gold": {"gold": "true"},
    "judged_2_plus": {"judgments_min": 2},
    "model_common": {"model": "model-a"},
    "model_rare": {"model": "rare-model"},
    "search": {"search": "0042"},
    "disagreement": {"has_disagreement": "true"},
    "combined": {"status": "complete", "model": "model-b", "language": "en"},
}


def log(message: str) -> None:
    print(f"[bench-browser] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--annotators", type=int, default=40)
    parser.add_argument("--limit", type=int, default=50, help="items per page")
    parser.add_argument("--deep", type=int, default=30, help="deep pages per scenario")
    parser.add_argument("--walk", type=int, default=200, help="pages walked by next_after")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    return parser.parse_args(argv)


# ---------------------------------------------------------------- seeding

SEED_SQL = [
    (
        "items",
        """
        INSERT INTO items (campaign_id, external_id, context, metadata, status, priority,
                           is_gold, language, assigned_count, judgment_count, round, created_at)
        SELECT %(campaign)s, 'bench-' || lpad(g::text, 7, '0'),
               jsonb_build_array(jsonb_build_object('role', 'user', 'content',
                   jsonb_build_array(jsonb_build_object('type', 'text', 'text',
                       'Question ' || g || ': explain topic ' || (g * 7919 % 100003)
                       || ' to a curious reader, with an example.')))),
               '{}'::jsonb,
               CASE WHEN g % 50 = 0 THEN 'pending' WHEN g % 4 = 3 THEN 'complete'
                    ELSE 'ready' END,
               0, g % 100 = 0, CASE WHEN g % 10 = 0 THEN 'de' ELSE 'en' END,
               CASE WHEN g % 50 = 0 THEN 0 ELSE g % 4 END,
               CASE WHEN g % 50 = 0 THEN 0 ELSE g % 4 END,
               CASE WHEN g % 5 = 0 THEN 1 ELSE 0 END,
               now()
        FROM generate_series(1, %(items)s) AS g
        """,
    ),
    (
        "candidates",
        """
        INSERT INTO candidates (item_id, position, content, model_name, model_params, round,
                                metadata, created_at)
        SELECT i.id, p,
               jsonb_build_array(jsonb_build_object('type', 'text', 'text',
                   'Answer ' || p || ' to item ' || i.id || '. It is detailed and polite.')),
               CASE WHEN p = 1 AND i.id % 100 = 7 THEN 'rare-model'
                    ELSE (ARRAY['model-a', 'model-b', 'model-c'])[1 + (i.id + p) % 3] END,
               '{"temperature": 0.7}'::jsonb, 0,
               jsonb_build_object('latency_ms', 200 + i.id % 900), now()
        FROM items i CROSS JOIN generate_series(0, 1) AS p
        WHERE i.campaign_id = %(campaign)s AND (p = 0 OR i.status <> 'pending')
        """,
    ),
    (
        "assignments",
        """
        INSERT INTO assignments (campaign_id, item_id, annotator_id, status, shown_order,
                                 expires_at, finished_at, created_at)
        SELECT %(campaign)s, i.id,
               (%(annotators)s)[1 + (i.id + j * 7) % cardinality(%(annotators)s)],
               'submitted',
               (SELECT jsonb_agg(c.id ORDER BY (c.position + i.id + j) % 2)
                  FROM candidates c WHERE c.item_id = i.id),
               now(), now(), now()
        FROM items i CROSS JOIN generate_series(1, 3) AS j
        WHERE i.campaign_id = %(campaign)s AND j <= i.judgment_count
        """,
    ),
    (
        "judgments",
        """
        INSERT INTO judgments (client_id, assignment_id, campaign_id, item_id, annotator_id,
                               campaign_version, answers, shown_order, time_spent_ms, revision,
                               created_at)
        SELECT 'bench-' || a.id, a.id, a.campaign_id, a.item_id, a.annotator_id, 1,
               jsonb_build_object('preference', jsonb_build_object('choice',
                   CASE WHEN a.id % 3 = 0 THEN 'B' ELSE 'A' END)),
               a.shown_order, 3000 + a.id % 60000, 0, now()
        FROM assignments a WHERE a.campaign_id = %(campaign)s
        """,
    ),
]


def _seed(env: dict[str, str], config: argparse.Namespace, pg_name: str) -> None:
    """Runs in a child process, so that prefhub reads the benchmark's environment."""
    os.environ.update(env)
    import psycopg

    from prefhub.auth.service import create_user
    from prefhub.campaigns.service import create_campaign
    from prefhub.campaigns.spec import CampaignSpec, PairwiseQuestion
    from prefhub.kit.db import unit_of_work
    from prefhub.models import Role

    with unit_of_work() as session:
        owner = create_user(session, email=OWNER, password=PASSWORD, role=Role.researcher)
        annotators = [
            create_user(session, email=f"bench-annotator-{i}@bench.example", password=None).id
            for i in range(config.annotators)
        ]
        spec = CampaignSpec(
            name="Data browser benchmark",
            slug=SLUG,
            questions=[PairwiseQuestion()],
            redundancy=K,
        )
        campaign_id = create_campaign(session, spec, owner).id
    params = {"campaign": campaign_id, "items": config.items, "annotators": annotators}
    with psycopg.connect(libpq_url(pg_name)) as conn:
        conn.execute("SET synchronous_commit = off")
        for table, sql in SEED_SQL:
            started = time.monotonic()
            # A modulo's % is doubled: psycopg reads a single one as a placeholder.
            count = conn.execute(sql.replace(" % ", " %% "), params).rowcount
            log(f"  {table}: {count:,} rows in {time.monotonic() - started:.1f}s")
        conn.commit()
    with psycopg.connect(libpq_url(pg_name), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def seed(env: dict[str, str], config: argparse.Namespace, pg_name: str) -> float:
    started = time.monotonic()
    process = mp.get_context("spawn").Process(target=_seed, args=(env, config, pg_name))
    process.start()
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"seeding failed (exit code {process.exitcode})")
    return time.monotonic() - started


# ---------------------------------------------------------------- measuring


def cpu_snapshot(server_pid: int) -> dict[str, float]:
    procs = all_procs()
    server = process_tree([server_pid], procs)
    return {
        "server": sum(procs[pid][2] for pid in server),
        "postgres": postgres_cpu(procs),
        "bench": sum(procs[pid][2] for pid in process_tree([os.getpid()], procs) - server),
        "machine": machine_busy(),
    }


def measure(base: str, config: argparse.Namespace, item_ids: range) -> dict[str, list[float]]:
    import httpx

    rng = random.Random(config.seed)
    timings: dict[str, list[float]] = {}
    with httpx.Client(base_url=base, timeout=60) as client:
        response = client.post("/api/auth/login", json={"email": OWNER, "password": PASSWORD})
        response.raise_for_status()
        client.headers["X-CSRF-Token"] = client.cookies["prefhub_csrf"]
        path = f"/api/campaigns/{SLUG}/items/browse"

        def page(kind: str, params: dict[str, Any]) -> dict[str, Any]:
            started = time.perf_counter()
            response = client.get(path, params={**params, "limit": config.limit})
            elapsed = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            timings.setdefault(kind, []).append(elapsed)
            return dict(response.json())

        for _ in range(3):  # warm-up: connections, caches, the spec
            page("warmup", {})
        for name, filters in SCENARIOS.items():
            first = page(f"{name}:first", filters)
            if not first["items"]:
                raise RuntimeError(f"scenario {name} finds no items")
            for _ in range(config.deep):
                page(f"{name}:deep", {**filters, "after": rng.choice(item_ids)})
            log(f"  {name}: first {timings[f'{name}:first'][0]:.0f} ms, total {first['total']}")
        cursor: int | None = None
        for _ in range(config.walk):
            found = page("walk", {} if cursor is None else {"after": cursor})
            cursor = found["next_after"]
            if cursor is None:
                break
    timings.pop("warmup")
    return timings


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": round(max(values), 2),
    }


def run(config: argparse.Namespace) -> dict[str, Any]:
    pg_name, url = create_postgres_database("bench_browser")
    log(f"database {pg_name}")
    try:
        with tempfile.TemporaryDirectory(prefix="bench-browser-") as tmp:
            workdir = Path(tmp)
            env = prefhub_env(url, workdir)
            migrate(env, workdir)
            seed_s = seed(env, config, pg_name)
            log(f"seeded in {seed_s:.1f}s")
            with prefhub_server(env, workdir) as (base, server_pid):
                import psycopg

                with psycopg.connect(libpq_url(pg_name)) as conn:
                    low, high = conn.execute("SELECT min(id), max(id) FROM items").fetchone() or (
                        0,
                        0,
                    )
                load_before = os.getloadavg()[0]
                before = cpu_snapshot(server_pid)
                started = time.monotonic()
                timings = measure(base, config, range(low, high + 1))
                seconds = time.monotonic() - started
                after = cpu_snapshot(server_pid)
    finally:
        if config.keep:
            log(f"kept database {pg_name}")
        else:
            drop_postgres_database(pg_name)
    every = [ms for values in timings.values() for ms in values]
    used = {k: after[k] - before[k] for k in before}
    cores = {k: round(v / seconds, 2) for k, v in used.items()}
    cores["other"] = round(
        cores["machine"] - cores["server"] - cores["postgres"] - cores["bench"], 2
    )
    p95 = percentile(every, 95)
    return {
        "bench": "item_browser",
        "items": config.items,
        "limit": config.limit,
        "pages": len(every),
        "ms": summary(every),
        "scenarios_ms": {
            name: {
                "first": round(timings[f"{name}:first"][0], 2),
                **summary(timings[f"{name}:deep"]),
            }
            for name in SCENARIOS
        },
        "walk_ms": summary(timings["walk"]),
        "target": {"p95_ms": TARGET_P95_MS},
        "met": p95 is not None and p95 < TARGET_P95_MS,
        "cpu_s_per_page": {
            k: round(used[k] / len(every), 4) for k in ("server", "postgres", "bench")
        },
        "load": {
            "cpu_cores": cores,
            "loadavg_1m_before": round(load_before, 2),
            "nproc": os.cpu_count(),
        },
        "seed_s": round(seed_s, 1),
        "seconds": round(seconds, 1),
        "postgres": postgres_version(),
    }


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    line = run(config)
    print(json.dumps(line), flush=True)
    return 0 if line["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
