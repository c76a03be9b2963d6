"""A large import job does not hold annotators: while a 5,000-line job runs in a worker
process, an annotator's GET /next and submit each finish in a small part of the import's time
(before batching, the one import transaction held them for all of it). The p99 itself is
measured by ``bench/import_while_annotating.py``; here the bound is structural."""

from __future__ import annotations

import subprocess
import sys
import time

from support.api import create_campaign_with_items, items, jsonl, judge_next

LINES = 5000


def test_annotators_are_answered_quickly_while_a_large_import_job_runs(as_user, unique, db):
    from prefhub.models import ImportJob

    researcher, annotator = as_user("researcher"), as_user()
    slug = f"latency-{unique}"
    # Enough items that the annotator has a task to judge all along.
    create_campaign_with_items(researcher, slug, n_items=1000, redundancy=1)
    created = researcher.post(
        f"/api/campaigns/{slug}/items/import-jobs",
        files={"file": ("big.jsonl", jsonl(items(LINES, prefix="big")), "application/jsonl")},
    )
    assert created.status_code == 202, created.text
    job_id = created.json()["id"]

    # A process of its own, as a worker is (a thread here would share the GIL with the app).
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from prefhub.items.tasks import execute_import as run; run({job_id})",
        ]
    )
    latencies: list[float] = []
    while worker.poll() is None:
        started = time.perf_counter()
        judge_next(annotator, slug, {"preference": {"choice": "A"}})
        latencies.append(time.perf_counter() - started)
    assert worker.wait() == 0
    with db() as session:
        job = session.get_one(ImportJob, job_id)
    assert job.status == "succeeded" and job.imported == LINES
    assert job.started_at is not None and job.finished_at is not None
    seconds = (job.finished_at - job.started_at).total_seconds()
    slowest = max(latencies)
    print(f"import {seconds:.1f} s; {len(latencies)} annotator rounds, slowest {slowest:.3f} s")
    assert len(latencies) >= 20, "the annotator hardly ran while the import did"
    assert slowest < 1.0 and slowest < seconds / 3, (slowest, seconds)
