"""``prefhub serve``'s default number of API processes (cli/serve.py)."""

from __future__ import annotations

import os

from prefhub.cli.serve import _cgroup_cpu_quota, default_workers


def test_sqlite_serves_from_one_process_whatever_the_cores():
    assert default_workers(sqlite=True) == 1


def test_postgresql_serves_from_one_process_per_core_it_may_run_on():
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    quota = _cgroup_cpu_quota()
    assert default_workers(sqlite=False) == min(cores or 1, quota or cores or 1)


def test_a_container_cpu_limit_caps_the_cores(tmp_path):
    limit = tmp_path / "cpu.max"
    limit.write_text("250000 100000\n")  # docker run --cpus 2.5
    assert _cgroup_cpu_quota(str(limit)) == 3
    limit.write_text("50000 100000\n")
    assert _cgroup_cpu_quota(str(limit)) == 1
    limit.write_text("max 100000\n")  # no limit
    assert _cgroup_cpu_quota(str(limit)) is None
    assert _cgroup_cpu_quota(str(tmp_path / "absent")) is None
