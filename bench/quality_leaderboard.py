"""Quality endpoints on a 1,000,000-judgment campaign on PostgreSQL: p95 < 500 ms.

The benchmark creates a fresh PostgreSQL database, migrates it with ``prefhub db upgrade``,
creates a researcher, annotators (each with a ``region`` profile answer, the group) and a
pairwise campaign (K=5) through the service layer, then writes the bulk with set-based SQL
(``INSERT … SELECT … generate_series``): items with two candidates from eight models of planted
strengths, five submitted assignments and judgments per item (ties 4 %, both bad 2 %, the
"south" region preferring the weaker model on a tenth of the items), made two days ago. Then it
``VACUUM ANALYZE``s.

A ``prefhub serve`` process (one API process) answers; one client, signed in as the researcher,
asks one request at a time (latency, not throughput):

* ``cold``: the first request of each endpoint, which builds the process's count tables from
  the whole campaign (reported, not held to the target);
* ``settled``: repeated requests of each endpoint (leaderboard; per region; one round;
  group disagreement; agreement per region; annotator reliability, which also applies the
  campaign's rules; progress over time and throughput) while nothing is written: the cached
  tables and results;
* ``live``: the same while annotators keep judging: before each request ``--live-batch``
  new judgments are committed, so every request reads the judgments made since the last one
  and the counts and scores change each time;
* ``rebuilding`` (with the agreement scenario): one annotator's ``region`` changes, so each
  API process rebuilds its agreement sums from every judgment in a background thread; the
  live requests go on (every ``--rebuild-pace`` s) until the agreement report shows the new
  group, and ``rebuild_s`` says how long that took.

``ms`` is the wall time of each request as the client sees it; the target is on the p95 of the
settled, live and rebuilding requests together. ``--scenarios agreement`` measures one
endpoint alone, so that the CPU per request is that endpoint's. One JSON line goes to
stdout; progress to stderr. Run it as ``make bench-quality`` or
``.venv/bin/python bench/quality_leaderboard.py --help``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
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

SLUG = "bench-quality"
PASSWORD = "bench quality password"
OWNER = "bench-quality@bench.example"
TARGET_P95_MS = 500
K = 5
MODELS = 8
REGIONS = ("north", "south", "east", "west")
MOVED = "north-moved"  # the region one annotator moves to in the ``rebuilding`` phase
SCENARIOS: dict[str, tuple[str, dict[str, Any]]] = {
    "leaderboard": ("leaderboard", {}),
    "by_region": ("leaderboard", {"group_by": "region"}),
    "round_0": ("leaderboard", {"round": 0}),
    "disagreement": ("group-disagreement", {"group_by": "region", "limit": 20}),
    "agreement": ("agreement", {"group_by": "region"}),
    "annotators": ("annotators", {}),
    "progress": ("progress", {}),
    "gold": ("gold", {}),  # one item in 50 is gold, its judgments scored 1 or 0
}


def log(message: str) -> None:
    print(f"[bench-quality] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--judgments", type=int, default=1_000_000)
    parser.add_argument("--annotators", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=30, help="settled requests per scenario")
    parser.add_argument("--live", type=int, default=15, help="live requests per scenario")
    parser.add_argument("--live-batch", type=int, default=50, help="judgments between requests")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument(
        "--rebuild-timeout", type=float, default=900, help="longest wait for a rebuild (s)"
    )
    parser.add_argument(
        "--rebuild-pace", type=float, default=0.5, help="pause between rebuilding-phase rounds (s)"
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated scenarios to measure (of {', '.join(SCENARIOS)})",
    )
    config = parser.parse_args(argv)
    config.scenarios = [s for s in config.scenarios.split(",") if s]
    unknown = set(config.scenarios) - set(SCENARIOS)
    if unknown or not config.scenarios:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown)) or '(none given)'}")
    return config


# ---------------------------------------------------------------- seeding

# Model m's strength is 0.15 m; the first shown candidate wins with the Bradley-Terry
# probability, from a hash of the assignment id (so the data is the same on every run).
CHOICE_SQL = """
    CASE WHEN (a.id::bigint * 2654435761) % 1000 < 40 THEN 'tie'
         WHEN (a.id::bigint * 2654435761) % 1000 < 60 THEN 'both_bad'
         WHEN ((a.id::bigint * 40503 + 17) % 1000) / 1000.0
              < 1 / (1 + exp(0.15 * (m2.m - m1.m)
                             * CASE WHEN a.annotator_id % 4 = 1 AND a.item_id % 10 = 0
                                    THEN -1 ELSE 1 END))
         THEN 'A' ELSE 'B' END
"""

SEED_SQL = [
    (
        "items",
        """
        INSERT INTO items (campaign_id, external_id, context, metadata, status, priority,
                           is_gold, gold_expected, assigned_count, judgment_count, round,
                           created_at)
        SELECT %(campaign)s, 'q-' || lpad(g::text, 7, '0'),
               jsonb_build_array(jsonb_build_object('role', 'user', 'content',
                   jsonb_build_array(jsonb_build_object('type', 'text', 'text',
                       'Question ' || g || '?')))),
               '{}'::jsonb, 'complete', 0, g % 50 = 0,
               CASE WHEN g % 50 = 0 THEN '{"preference": {"accept": ["A"]}}'::jsonb END,
               %(k)s, %(k)s,
               CASE WHEN g % 4 = 0 THEN 1 ELSE 0 END, now() - interval '3 days'
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
                   'Answer ' || p || ' to item ' || i.id || '.')),
               'model-' || CASE WHEN p = 0 THEN i.id % 8
                                ELSE (i.id + 1 + (i.id / 8) % 7) % 8 END,
               '{}'::jsonb, 0, '{}'::jsonb, now() - interval '3 days'
        FROM items i CROSS JOIN generate_series(0, 1) AS p
        WHERE i.campaign_id = %(campaign)s
        """,
    ),
    (
        "assignments",
        """
        INSERT INTO assignments (campaign_id, item_id, annotator_id, status, shown_order,
                                 expires_at, finished_at, created_at)
        SELECT %(campaign)s, i.id,
               (%(annotators)s)[1 + (i.id + j * 13) % cardinality(%(annotators)s)],
               'submitted',
               (SELECT jsonb_agg(c.id ORDER BY (c.position + i.id + j) % 2)
                  FROM candidates c WHERE c.item_id = i.id),
               now(), now(), now() - interval '2 days'
        FROM items i CROSS JOIN generate_series(1, %(k)s) AS j
        WHERE i.campaign_id = %(campaign)s
        """,
    ),
    (
        "judgments",
        f"""
        INSERT INTO judgments (client_id, assignment_id, campaign_id, item_id, annotator_id,
                               campaign_version, answers, shown_order, time_spent_ms, revision,
                               gold_score, created_at)
        SELECT 'bench-' || a.id, a.id, a.campaign_id, a.item_id, a.annotator_id, 1,
               jsonb_build_object('preference', jsonb_build_object('choice', {CHOICE_SQL})),
               a.shown_order, 3000 + a.id % 60000, 0,
               CASE WHEN gi.is_gold THEN ((a.id::bigint * 7919) % 10 < 8)::int::float END,
               now() - interval '2 days'
        FROM assignments a
        JOIN items gi ON gi.id = a.item_id
        JOIN candidates c1 ON c1.id = (a.shown_order ->> 0)::int
        JOIN candidates c2 ON c2.id = (a.shown_order ->> 1)::int
        CROSS JOIN LATERAL (SELECT substr(c1.model_name, 7)::int AS m) m1
        CROSS JOIN LATERAL (SELECT substr(c2.model_name, 7)::int AS m) m2
        WHERE a.campaign_id = %(campaign)s
        """,
    ),
]

# Live judging: new assignments of existing items to the annotators kept for it (each item
# once per live annotator), judged now.
LIVE_SQL = f"""
    WITH picked AS (
        INSERT INTO assignments (campaign_id, item_id, annotator_id, status, shown_order,
                                 expires_at, finished_at, created_at)
        SELECT %(campaign)s, i.id, %(annotator)s, 'submitted',
               (SELECT jsonb_agg(c.id ORDER BY c.position) FROM candidates c
                 WHERE c.item_id = i.id),
               now(), now(), now()
        FROM items i
        WHERE i.campaign_id = %(campaign)s AND i.id > %(after)s
        ORDER BY i.id LIMIT %(n)s
        RETURNING id, campaign_id, item_id, annotator_id, shown_order
    )
    INSERT INTO judgments (client_id, assignment_id, campaign_id, item_id, annotator_id,
                           campaign_version, answers, shown_order, time_spent_ms, revision,
                           created_at)
    SELECT 'live-' || a.id, a.id, a.campaign_id, a.item_id, a.annotator_id, 1,
           jsonb_build_object('preference', jsonb_build_object('choice', {CHOICE_SQL})),
           a.shown_order, 4000, 0, now()
    FROM picked a
    JOIN candidates c1 ON c1.id = (a.shown_order ->> 0)::int
    JOIN candidates c2 ON c2.id = (a.shown_order ->> 1)::int
    CROSS JOIN LATERAL (SELECT substr(c1.model_name, 7)::int AS m) m1
    CROSS JOIN LATERAL (SELECT substr(c2.model_name, 7)::int AS m) m2
"""


def _seed(env: dict[str, str], config: argparse.Namespace, pg_name: str, out: Any) -> None:
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
            create_user(
                session,
                email=f"bench-annotator-{i}@bench.example",
                password=None,
                profile={"region": REGIONS[i % len(REGIONS)]},
            ).id
            for i in range(config.annotators + 1)
        ]
        spec = CampaignSpec(
            name="Quality benchmark", slug=SLUG, questions=[PairwiseQuestion()], redundancy=K
        )
        campaign_id = create_campaign(session, spec, owner).id
    # The last annotator judges live; the others judged before.
    params = {
        "campaign": campaign_id,
        "items": config.judgments // K,
        "k": K,
        "annotators": annotators[:-1],
    }
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
    out.put(
        {
            "campaign": campaign_id,
            "live_annotator": annotators[-1],
            "moved_annotator": annotators[0],
        }
    )


def seed(env: dict[str, str], config: argparse.Namespace, pg_name: str) -> tuple[dict, float]:
    started = time.monotonic()
    context = mp.get_context("spawn")
    out = context.Queue()
    process = context.Process(target=_seed, args=(env, config, pg_name, out))
    process.start()
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"seeding failed (exit code {process.exitcode})")
    ids = out.get(timeout=10)
    return ids, time.monotonic() - started


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


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": round(max(values), 2),
    }


def measure(
    base: str, config: argparse.Namespace, pg_name: str, ids: dict[str, int], server_pid: int
) -> dict[str, Any]:
    import httpx
    import psycopg

    timings: dict[str, list[float]] = {}
    cpu: dict[str, dict[str, float]] = {}
    with httpx.Client(base_url=base, timeout=300) as client:
        response = client.post("/api/auth/login", json={"email": OWNER, "password": PASSWORD})
        response.raise_for_status()

        def ask(kind: str, scenario: str) -> dict[str, Any]:
            path, params = SCENARIOS[scenario]
            started = time.perf_counter()
            response = client.get(f"/api/campaigns/{SLUG}/quality/{path}", params=params)
            elapsed = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            timings.setdefault(f"{kind}:{scenario}", []).append(elapsed)
            return dict(response.json())

        for scenario in config.scenarios:
            body = ask("cold", scenario)
            log(f"  cold {scenario}: {timings[f'cold:{scenario}'][0]:.0f} ms")
            counted = body.get("overall", body).get("judgments")
            if counted is not None and counted != config.judgments // K * K:
                raise RuntimeError(f"{scenario} counts {counted} judgments")

        after_item = 0
        rebuild_s: float | None = None
        phases = ["settled", "live"]
        if "agreement" in config.scenarios:
            phases.append("rebuilding")
        for phase in phases:
            before = cpu_snapshot(server_pid)
            started = time.monotonic()
            requests = 0
            with psycopg.connect(libpq_url(pg_name), autocommit=True) as conn:
                if phase == "rebuilding":
                    # A known annotator's group changes: the agreement sums are rebuilt from
                    # every judgment in a background thread while requests keep coming.
                    conn.execute(
                        "UPDATE users SET profile = profile || %s::jsonb WHERE id = %s",
                        (json.dumps({"region": MOVED}), ids["moved_annotator"]),
                    )
                rounds = config.repeat if phase == "settled" else config.live
                done = False
                while not done:
                    for scenario in config.scenarios:
                        if phase != "settled":
                            conn.execute(
                                LIVE_SQL.replace(" % ", " %% "),
                                {
                                    "campaign": ids["campaign"],
                                    "annotator": ids["live_annotator"],
                                    "after": after_item,
                                    "n": config.live_batch,
                                },
                            )
                            after_item = conn.execute(
                                "SELECT max(item_id) FROM judgments WHERE annotator_id = %s",
                                (ids["live_annotator"],),
                            ).fetchone()[0]
                        body = ask(phase, scenario)
                        requests += 1
                        moved = scenario == "agreement" and any(
                            g["group"] == MOVED for g in body["groups"]
                        )
                        if phase == "rebuilding" and moved:
                            rebuild_s = time.monotonic() - started
                            done = True
                    rounds -= 1
                    if phase == "rebuilding":
                        done = done or time.monotonic() - started > config.rebuild_timeout
                        time.sleep(config.rebuild_pace)
                    else:
                        done = rounds <= 0
            seconds = time.monotonic() - started
            after = cpu_snapshot(server_pid)
            used = {k: after[k] - before[k] for k in before}
            cpu[phase] = {
                "requests": requests,
                "seconds": round(seconds, 1),
                **{f"{k}_s_per_request": round(used[k] / requests, 4) for k in used},
                "server_cores": round(used["server"] / seconds, 2),
                "machine_cores": round(used["machine"] / seconds, 2),
                # What the rest of the machine (other people's work) took meanwhile.
                "other_cores": round(
                    (used["machine"] - used["server"] - used["postgres"] - used["bench"]) / seconds,
                    2,
                ),
            }
            log(f"  {phase}: {requests} requests in {seconds:.1f}s")
    return {"timings": timings, "cpu": cpu, "rebuild_s": rebuild_s}


def run(config: argparse.Namespace) -> dict[str, Any]:
    pg_name, url = create_postgres_database("bench_quality")
    log(f"database {pg_name}")
    try:
        with tempfile.TemporaryDirectory(prefix="bench-quality-") as tmp:
            workdir = Path(tmp)
            env = prefhub_env(url, workdir)
            migrate(env, workdir)
            ids, seed_s = seed(env, config, pg_name)
            log(f"seeded in {seed_s:.1f}s")
            with prefhub_server(env, workdir) as (base, server_pid):
                load_before = os.getloadavg()[0]
                started = time.monotonic()
                measured = measure(base, config, pg_name, ids, server_pid)
                seconds = time.monotonic() - started
    finally:
        if config.keep:
            log(f"kept database {pg_name}")
        else:
            drop_postgres_database(pg_name)
    timings = measured["timings"]
    held = [ms for kind, values in timings.items() if not kind.startswith("cold") for ms in values]
    p95 = percentile(held, 95)
    return {
        "bench": "quality_leaderboard",
        "judgments": config.judgments // K * K,
        "models": MODELS,
        "groups": len(REGIONS),
        "ms": summary(held),
        "scenarios": config.scenarios,
        "cold_ms": {s: round(timings[f"cold:{s}"][0], 1) for s in config.scenarios},
        "settled_ms": {s: summary(timings[f"settled:{s}"]) for s in config.scenarios},
        "live_ms": {s: summary(timings[f"live:{s}"]) for s in config.scenarios},
        "rebuilding_ms": {
            s: summary(timings[f"rebuilding:{s}"])
            for s in config.scenarios
            if f"rebuilding:{s}" in timings
        },
        "rebuild_s": None if measured["rebuild_s"] is None else round(measured["rebuild_s"], 1),
        "live_batch": config.live_batch,
        "target": {"p95_ms": TARGET_P95_MS},
        "met": p95 is not None and p95 < TARGET_P95_MS,
        "cpu": measured["cpu"],
        "load": {"loadavg_1m_before": round(load_before, 2), "nproc": os.cpu_count()},
        "api_processes": 1,
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
