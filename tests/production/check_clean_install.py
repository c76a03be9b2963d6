"""The production path from a clean install: an undeclared dependency fails here, not in prod.

1. A fresh virtualenv gets ``pip install .`` with no extras (the package's own dependency list,
   nothing from the dev venv). Its ``prefhub serve`` and ``prefhub worker`` run on Redis against
   a fresh SQLite database, and an export job makes the round trip: started over the REST API,
   run by the worker process (serve has no embedded worker), its file downloaded.
2. Another fresh virtualenv gets the Dockerfile's own ``pip install`` line (its extras), and
   connects to Redis through the worker's Celery app, which loads kombu's Redis transport.

Run by ``make test-install`` (part of ``make test``), with the dev venv's Python:
``.venv/bin/python tests/production/check_clean_install.py``. Without Redis it prints why and
skips, unless ``PREFHUB_REQUIRE_SERVICES`` names ``redis`` (CI), where it fails.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from support.api import create_campaign_with_items, judge_next, login  # noqa: E402
from support.processes import free_port, wait_for  # noqa: E402
from support.services import REDIS_URL, required_services  # noqa: E402

# What `pip install` of the repository reads; nothing else of the working tree.
SOURCES = ("pyproject.toml", "README.md", "alembic.ini", "backend", "migrations")
PASSWORD = "lamp-orbit-cactus-velvet"
INSTALL_TIMEOUT_S = 600


def main() -> int:
    started = time.monotonic()
    if reason := _redis_missing():
        if "redis" in required_services():
            print(f"FAIL (redis is required by PREFHUB_REQUIRE_SERVICES): {reason}")
            return 1
        print(f"SKIP (redis): {reason}")
        return 0
    with tempfile.TemporaryDirectory(prefix="prefhub-clean-install-") as tmp:
        work = Path(tmp)
        # A copy each: pip builds in the source folder, and the two builds run at once.
        source = _copy_sources(work / "src")
        docker_args = _dockerfile_install_args(_copy_sources(work / "src-docker"))
        # Both installs at once: mostly unpacking wheels from the pip cache.
        with (
            _installing(work / "venv", [str(source)], work / "pip.log") as plain,
            _installing(work / "venv-docker", docker_args, work / "pip-docker.log") as docker,
        ):
            _finish(plain, work / "pip.log")
            print(f"pip install . (no extras): {time.monotonic() - started:.0f} s")
            _round_trip(work / "venv" / "bin", source, work)
            _finish(docker, work / "pip-docker.log")
            _worker_transport(work / "venv-docker" / "bin", work, " ".join(docker_args))
    print(f"clean install checks passed in {time.monotonic() - started:.0f} s")
    return 0


def _redis_missing() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        return f"Redis at {REDIS_URL} is not reachable: {exc}"
    return None


def _copy_sources(target: Path) -> Path:
    """The repository's package sources, without caches or build leftovers."""
    target.mkdir(parents=True)
    skip = re.compile(r"(__pycache__|\.egg-info|\.pyc$)")
    archive = target.with_suffix(".tar")
    with tarfile.open(archive, "w") as tar:
        for name in SOURCES:
            tar.add(ROOT / name, name, filter=lambda info: None if skip.search(info.name) else info)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target


def _dockerfile_install_args(source: Path) -> list[str]:
    """The Dockerfile's ``RUN pip install ...`` arguments, aimed at ``source``."""
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    runs = [line for line in lines if re.match(r"RUN\s+pip\s+install\s", line)]
    assert len(runs) == 1, f"expected one `RUN pip install` line in the Dockerfile: {runs}"
    args = shlex.split(runs[0])[3:]
    targets = [a for a in args if a == "." or a.startswith(".[")]
    assert targets, f"the Dockerfile's pip install names no `.` target: {runs[0]}"
    return [str(source) + a[1:] if a in targets else a for a in args]


@contextmanager
def _installing(venv: Path, args: list[str], log: Path) -> Iterator[subprocess.Popen]:
    script = (
        f"{shlex.quote(sys.executable)} -m venv {shlex.quote(str(venv))} && "
        f"{shlex.quote(str(venv / 'bin' / 'pip'))} install --quiet "
        + " ".join(shlex.quote(a) for a in args)
    )
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["bash", "-c", script], stdout=out, stderr=subprocess.STDOUT, env=_clean_env({})
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _finish(install: subprocess.Popen, log: Path) -> None:
    try:
        code = install.wait(timeout=INSTALL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"pip install took over {INSTALL_TIMEOUT_S} s: {_tail(log)}") from None
    if code != 0:
        raise SystemExit(f"pip install failed ({code}): {_tail(log)}")


def _clean_env(extra: dict[str, str]) -> dict[str, str]:
    """This environment without what would let the clean venv see the dev venv's packages."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME") and not k.startswith("PREFHUB_")
    }
    env["PATH"] = ":".join(p for p in env.get("PATH", "").split(":") if "/.venv/" not in p)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def _production_env(work: Path) -> dict[str, str]:
    return {
        "PREFHUB_ENVIRONMENT": "production",
        "PREFHUB_SECRET_KEY": secrets.token_urlsafe(48),
        # A plain-HTTP pilot: the session cookie must travel over http://127.0.0.1.
        "PREFHUB_COOKIE_SECURE": "false",
        "PREFHUB_DATABASE_URL": f"sqlite:///{work / 'prefhub.db'}",
        "PREFHUB_DATA_DIR": str(work / "data"),
        "PREFHUB_EXPORT_ROOT": str(work / "exports"),
        "PREFHUB_REDIS_URL": REDIS_URL,
        "PREFHUB_CELERY_QUEUE_PREFIX": f"prefhub-install-{uuid.uuid4().hex[:8]}",
    }


def _round_trip(bin_dir: Path, source: Path, work: Path) -> None:
    env = _clean_env(_production_env(work))
    prefhub = str(bin_dir / "prefhub")

    def run(*args: str) -> None:
        # From the sources: `prefhub db upgrade` reads alembic.ini and migrations/ there.
        done = subprocess.run(
            [prefhub, *args], cwd=source, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, f"prefhub {' '.join(args)}: {done.stdout}{done.stderr}"

    run("db", "upgrade")
    run("users", "create", "researcher@example.org", "--role", "researcher", "--password", PASSWORD)
    run("users", "create", "annotator@example.org", "--role", "annotator", "--password", PASSWORD)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (
        _running([prefhub, "worker", "--concurrency", "2"], env, work / "worker.log") as worker,
        _running(
            [prefhub, "serve", "--port", str(port), "--no-embedded-worker"], env, work / "api.log"
        ) as api,
    ):
        wait_for(lambda: _serving(base, api, work / "api.log"), timeout=90)
        with (
            httpx.Client(base_url=base, timeout=30) as researcher,
            httpx.Client(base_url=base, timeout=30) as annotator,
        ):
            login(researcher, "researcher@example.org", PASSWORD)
            login(annotator, "annotator@example.org", PASSWORD)
            create_campaign_with_items(researcher, "clean-install", n_items=3, redundancy=1)
            for _ in range(3):
                judge_next(annotator, "clean-install", {"preference": {"choice": "A"}})
            response = researcher.post(
                "/api/campaigns/clean-install/exports", json={"format": "dpo"}
            )
            assert response.status_code == 202, response.text
            job = response.json()["id"]

            def finished() -> dict | None:
                assert worker.poll() is None, f"the worker died: {_tail(work / 'worker.log')}"
                state = researcher.get(f"/api/exports/{job}").json()
                return state if state["status"] in ("succeeded", "failed") else None

            try:
                state = wait_for(finished, timeout=90)
            except TimeoutError:
                raise SystemExit(f"export never ran: {_tail(work / 'worker.log')}") from None
            assert state["status"] == "succeeded", state
            rows = researcher.get(f"/api/exports/{job}/files/dpo.jsonl").text.splitlines()
            assert len(rows) == 3, rows
    print(f"serve + worker on Redis from `pip install .`: export job {job} wrote {len(rows)} rows")


def _serving(base: str, api: subprocess.Popen, log: Path) -> bool:
    assert api.poll() is None, f"prefhub serve exited: {_tail(log)}"
    try:
        return httpx.get(f"{base}/api/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def _running(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    with log.open("ab") as out:
        process = subprocess.Popen(
            args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _worker_transport(bin_dir: Path, work: Path, install: str) -> None:
    """The image's worker can reach Redis: kombu's Redis transport imports and connects."""
    check = (
        "from prefhub.worker import celery_app\n"
        "with celery_app.connection_for_write() as conn:\n"
        "    conn.ensure_connection(max_retries=1)\n"
        "    print(type(conn.transport).__module__)\n"
    )
    done = subprocess.run(
        [str(bin_dir / "python"), "-c", check],
        cwd=work,
        env=_clean_env(_production_env(work)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"Dockerfile's install: worker cannot use Redis: {done.stderr}"
    assert done.stdout.strip() == "kombu.transport.redis", done.stdout
    print(f"the Dockerfile's `pip install {install}`: the worker connects to Redis")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


if __name__ == "__main__":
    sys.exit(main())
