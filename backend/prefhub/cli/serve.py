"""``prefhub serve`` and ``prefhub worker``: the API processes and the Celery workers."""

from __future__ import annotations

import atexit
import math
import os
import subprocess
import sys
from typing import Annotated

import typer

from prefhub.cli.common import console, fail


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(worker)


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            help="API processes (default: one per CPU core on PostgreSQL; SQLite: always 1)",
            show_default=False,
        ),
    ] = None,
    embedded_worker: Annotated[
        bool | None, typer.Option(help="Run a Celery worker child (default: when no Redis)")
    ] = None,
    access_log: Annotated[bool, typer.Option(help="log every request")] = True,
) -> None:
    """Serve the API and the web app."""
    import uvicorn

    from prefhub.kit.access_log import ENV_SWITCH
    from prefhub.kit.lifetime import child_of
    from prefhub.settings import get_settings

    settings = get_settings()
    if workers is None:
        workers = default_workers(sqlite=settings.is_sqlite)
    if workers < 1:
        raise fail("--workers must be at least 1")
    if settings.is_sqlite and workers > 1:
        raise fail("SQLite serves from one process; use PostgreSQL for --workers > 1")
    if embedded_worker is None:
        embedded_worker = settings.redis_url is None
    if embedded_worker:
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "prefhub.cli",
                "worker",
                "--concurrency",
                "8",
                "--exit-with-parent",
            ],
            # Even if this process is killed with SIGKILL (no atexit then), the worker stops.
            preexec_fn=child_of(os.getpid()),
        )
        atexit.register(_stop_child, child)
        console.print(f"embedded worker started (pid {child.pid})")
    # The API processes (this one, or uvicorn's children) write the access log themselves
    # (kit/access_log.py): uvicorn's own costs a logging record per request.
    os.environ[ENV_SWITCH] = "1" if access_log else "0"
    console.print(f"serving on http://{host}:{port} ({_processes(workers)})")
    # With --workers N, uvicorn's children stop with this process too: see prefhub.asgi.
    uvicorn.run(
        "prefhub.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
    )


def default_workers(*, sqlite: bool) -> int:
    """``serve``'s API processes when ``--workers`` is not given: one per CPU core this process
    may run on, on PostgreSQL; SQLite serves from one process (its one write lock)."""
    if sqlite:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    quota = _cgroup_cpu_quota()
    if quota is not None:
        cores = min(cores, quota)
    return max(cores, 1)


def _cgroup_cpu_quota(path: str = "/sys/fs/cgroup/cpu.max") -> int | None:
    """The cores a container's CPU limit allows (cgroup v2 ``cpu.max``, rounded up), or None:
    ``docker run --cpus 2`` on a 32-core host leaves the affinity at 32."""
    try:
        with open(path) as limit:
            quota, period = limit.read().split()[:2]
        return max(1, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):  # no cgroup v2, or "max": no limit
        return None


def _processes(workers: int) -> str:
    return "1 API process" if workers == 1 else f"{workers} API processes"


def _stop_child(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()


def worker(
    concurrency: Annotated[int, typer.Option(help="worker threads or processes")] = 8,
    pool: Annotated[
        str, typer.Option(help="threads (model calls wait on the network) or prefork")
    ] = "threads",
    queues: Annotated[str | None, typer.Option(help="comma-separated queue names")] = None,
    loglevel: str = "INFO",
    exit_with_parent: Annotated[
        bool, typer.Option(help="stop when the parent process exits (embedded worker)")
    ] = False,
) -> None:
    """Run a Celery worker: Redis with PREFHUB_REDIS_URL, else the embedded filesystem broker."""
    from prefhub.kit.db import reset_engine_cache
    from prefhub.settings import get_settings

    if pool not in ("threads", "prefork", "solo"):
        raise fail("--pool must be threads, prefork or solo")
    settings = get_settings()
    if pool == "threads" and settings.db_pool_size + settings.db_max_overflow < concurrency + 2:
        # Every thread may hold a connection at once: size the pool so none waits for one.
        os.environ["PREFHUB_DB_POOL_SIZE"] = str(concurrency + 2)
        get_settings.cache_clear()
        reset_engine_cache()
        settings = get_settings()

    from prefhub.worker import ALL_QUEUES, celery_app, queue_name

    names = queues or ",".join(queue_name(settings, q) for q in (*ALL_QUEUES, "default"))
    argv = [
        "worker",
        "-Q",
        names,
        f"--loglevel={loglevel}",
        f"--concurrency={concurrency}",
        f"--pool={pool}",
    ]
    if not settings.redis_url:
        # The filesystem transport has no broadcast channel for gossip, mingle or heartbeats.
        argv += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    if exit_with_parent:
        # uvicorn re-raises SIGTERM after shutdown, so the parent's atexit hook that stops
        # this worker does not always run; a parent killed with SIGKILL runs none.
        from prefhub.kit.lifetime import exit_with_parent as watch_parent

        watch_parent(os.getppid())
    celery_app.worker_main(argv)
