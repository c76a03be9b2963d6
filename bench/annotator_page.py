"""Annotator page benchmark: first task visible after a cold load, and the route's bundle size.

Starts ``prefhub serve`` (the built ``frontend/dist``) on a fresh SQLite database in a temp
folder, after ``prefhub db upgrade`` and ``prefhub seed-demo``. Headless Chromium (Debian's
``/usr/bin/chromium``, driven by Playwright; no browser is ever downloaded) signs in once as the
demo annotator, then loads the annotator route of the demo pairwise campaign N times, each in a
new browser context (an empty cache) carrying the login cookie. A script injected before the
page's own records ``performance.now()`` (milliseconds since navigation start, on the page's
clock) when the task's first candidate is in the document, laid out and not empty, and at the
start of the next frame (the one that paints it): that is ``first_task_ms``.

Every JS and CSS response the route loads is recorded; the bundle size is the sum of their
bodies compressed with gzip -9 (``bundle_gzip_bytes``) and raw.

One JSON line goes to stdout; progress goes to stderr. Run it as ``make bench-page`` or
``.venv/bin/python bench/annotator_page.py --help``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from _common import (
    REPO_ROOT,
    all_procs,
    cpu_cores,
    machine_busy,
    migrate,
    percentile,
    prefhub_env,
    prefhub_server,
    process_tree,
    run_prefhub,
)

CHROMIUM = "/usr/bin/chromium"
DEMO_DIR = REPO_ROOT / "backend" / "prefhub" / "demo"
TARGETS = {"first_task_ms": 1000, "bundle_gzip_bytes": 300_000}
# The task's first candidate: rendered with the task, only once its content is there.
TASK_SELECTOR = '[data-testid="task"] [data-testid="candidate-A"]'
# Runs in every page before its own scripts; times are on the page's clock (navigation = 0).
TIMING_SCRIPT = """
(() => {
  const shown = () => {
    const el = document.querySelector(__SELECTOR__);
    return el !== null && el.textContent.trim() !== '' && el.getClientRects().length > 0;
  };
  const observer = new MutationObserver(() => {
    if (window.__benchTaskDomMs !== undefined || !shown()) return;
    window.__benchTaskDomMs = performance.now();
    observer.disconnect();
    requestAnimationFrame(() => { window.__benchTaskFrameMs = performance.now(); });
  });
  observer.observe(document, { childList: true, subtree: true, characterData: true });
})();
""".replace("__SELECTOR__", json.dumps(TASK_SELECTOR))
# What the page's own clock says about the load, read once the task is shown.
READ_TIMINGS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  const task = window.__benchTaskFrameMs;
  const ends = (test) => resources.filter((r) => test(r) && r.startTime < task)
    .map((r) => r.responseEnd);
  const asset = (r) => /\\.(js|css)(\\?|$)/.test(new URL(r.name).pathname);
  const api = (r) => new URL(r.name).pathname.startsWith('/api/');
  return {
    task, dom: window.__benchTaskDomMs, html: nav.responseEnd,
    dcl: nav.domContentLoadedEventEnd,
    assets: Math.max(0, ...ends(asset)), api: Math.max(0, ...ends(api)),
    api_calls: resources.filter((r) => api(r) && r.startTime < task)
      .map((r) => [new URL(r.name).pathname, r.startTime, r.responseEnd]),
  };
}"""
PHASES = ("html", "dcl", "assets", "api", "dom", "task")


def log(message: str) -> None:
    print(f"[bench-page] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Config:
    runs: int
    warmup: int
    campaign: str
    timeout_s: float
    keep: bool


def parse_args(argv: list[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="measured page loads")
    parser.add_argument(
        "--warmup", type=int, default=1, help="unmeasured loads first (the server's first requests)"
    )
    default_slug = yaml.safe_load((DEMO_DIR / "demo_campaign.yaml").read_text("utf-8"))["slug"]
    parser.add_argument("--campaign", default=default_slug, help="slug of a demo pairwise campaign")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds a load may take")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and server log")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return Config(args.runs, max(0, args.warmup), args.campaign, args.timeout, args.keep)


# ---------------------------------------------------------------- the browser


@dataclass
class Bundle:
    """JS and CSS files the route loaded, by path: raw and gzip -9 sizes."""

    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, responses: list[Any]) -> None:
        for response in responses:
            kind = response.request.resource_type
            path = urlsplit(response.url).path
            if kind not in ("script", "stylesheet") or path in self.files:
                continue
            body = response.body()
            self.files[path] = {
                "path": path,
                "kind": "js" if kind == "script" else "css",
                "raw_bytes": len(body),
                "gzip_bytes": len(gzip.compress(body, compresslevel=9, mtime=0)),
                "served_encoding": response.headers.get("content-encoding"),
            }

    def total(self, key: str, kind: str | None = None) -> int:
        return sum(f[key] for f in self.files.values() if kind in (None, f["kind"]))


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )


def sign_in(browser: Any, base: str) -> dict[str, Any]:
    """The demo annotator's session (cookies) as a storage state."""
    from prefhub.demo.seed import DEMO_PASSWORD, DEMO_USERS

    email = next(e for e, role in DEMO_USERS if role.value == "annotator")
    context = browser.new_context()
    try:
        response = context.request.post(
            f"{base}/api/auth/login", data={"email": email, "password": DEMO_PASSWORD}
        )
        if not response.ok:
            raise RuntimeError(f"login failed: {response.status} {response.text()[:300]}")
        return dict(context.storage_state())
    finally:
        context.close()


def load_once(
    browser: Any, url: str, state: dict[str, Any], timeout_s: float, bundle: Bundle
) -> dict[str, Any]:
    """One cold load of ``url`` in a new context; the page's timings (ms since navigation)."""
    context = browser.new_context(storage_state=state)
    try:
        context.add_init_script(TIMING_SCRIPT)
        page = context.new_page()
        responses: list[Any] = []
        errors: list[str] = []
        page.on("response", lambda response: responses.append(response))
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        try:
            page.wait_for_function(
                "() => window.__benchTaskFrameMs !== undefined", timeout=timeout_s * 1000
            )
        except Exception as exc:
            done = page.locator('[data-testid="done"]').count() > 0
            raise RuntimeError(
                f"no task shown at {page.url} within {timeout_s} s"
                + (" (the campaign has no task left for the annotator)" if done else "")
                + (f"; page errors: {errors}" if errors else "")
            ) from exc
        timings: dict[str, Any] = page.evaluate(READ_TIMINGS)
        bundle.add(responses)
        return timings
    finally:
        context.close()


def api_calls(loads: list[dict[str, Any]]) -> dict[str, list[float | None]]:
    """The API requests made before the task showed, in order: [start, end] p50 each."""
    spans: dict[str, list[tuple[float, float]]] = {}
    for load in loads:
        for path, start, end in load["api_calls"]:
            spans.setdefault(path, []).append((start, end))
    return {
        path: [percentile([s for s, _ in pairs], 50), percentile([e for _, e in pairs], 50)]
        for path, pairs in spans.items()
    }


# ---------------------------------------------------------------- CPU accounting (/proc)


def cpu_snapshot(server_pid: int) -> dict[str, float]:
    """CPU seconds so far of the server, the browser (Chromium's processes, exited renderers
    included through their parent), the Playwright driver (node) and this script."""
    procs = all_procs()
    server = process_tree([server_pid], procs)
    groups = {"server": 0.0, "browser": 0.0, "driver": 0.0, "bench": 0.0}
    for pid in process_tree([os.getpid()], procs):
        name, _, cpu, reaped = procs[pid]
        if pid == os.getpid():
            groups["bench"] += cpu
        elif pid in server:
            groups["server"] += cpu + reaped
        elif name.startswith("node"):  # node-MainThread
            groups["driver"] += cpu + reaped
        else:
            groups["browser"] += cpu + reaped
    groups["machine"] = machine_busy()
    return groups


# ---------------------------------------------------------------- the run


def run(config: Config) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from prefhub.app import FRONTEND_DIST

    if not (FRONTEND_DIST / "index.html").exists():
        raise RuntimeError("frontend/dist is not built: run `make frontend`")
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing (apt-get install chromium)")
    workdir = Path(tempfile.mkdtemp(prefix="prefhub-bench-page-"))
    try:
        env = prefhub_env(f"sqlite:///{workdir / 'bench.db'}", workdir)
        log(f"migrating and seeding the demo in {workdir}")
        migrate(env, workdir)
        run_prefhub(env, workdir, "seed-demo")
        with prefhub_server(env, workdir) as (base, server_pid), sync_playwright() as pw:
            browser = launch(pw)
            url = f"{base}/annotate/{config.campaign}"
            log(f"server up at {base}; loading {url} {config.warmup} + {config.runs} times")
            state = sign_in(browser, base)
            bundle = Bundle()
            for _ in range(config.warmup):
                load_once(browser, url, state, config.timeout_s, bundle)
            loads: list[dict[str, Any]] = []
            loadavg = os.getloadavg()[0]
            before, t0 = cpu_snapshot(server_pid), time.monotonic()
            for _ in range(config.runs):
                loads.append(load_once(browser, url, state, config.timeout_s, bundle))
            after, seconds = cpu_snapshot(server_pid), time.monotonic() - t0
            version = browser.version
            browser.close()
        first = [load["task"] for load in loads]
        met = {
            "first_task_ms": (percentile(first, 95) or 0) <= TARGETS["first_task_ms"],
            "bundle_gzip_bytes": bundle.total("gzip_bytes") <= TARGETS["bundle_gzip_bytes"],
        }
        per_load = {
            f"{group}_s_per_load": round((after[group] - before[group]) / config.runs, 4)
            for group in ("server", "browser", "driver", "bench")
        }
        return {
            "bench": "annotator_page",
            "runs": config.runs,
            "first_task_ms_p50": percentile(first, 50),
            "first_task_ms_p95": percentile(first, 95),
            "first_task_ms_max": round(max(first), 1),
            "bundle_gzip_bytes": bundle.total("gzip_bytes"),
            "bundle_raw_bytes": bundle.total("raw_bytes"),
            "js_gzip_bytes": bundle.total("gzip_bytes", "js"),
            "css_gzip_bytes": bundle.total("gzip_bytes", "css"),
            "files": sorted(bundle.files.values(), key=lambda f: -f["gzip_bytes"]),
            "targets": TARGETS,
            "met": met,
            "phases_ms_p50": {p: percentile([load[p] for load in loads], 50) for p in PHASES},
            "api_before_task_ms_p50": api_calls(loads),
            "cpu": per_load,
            "load": {
                "cpu_cores": cpu_cores(before, after, seconds),
                "loadavg_1m_before": round(loadavg, 2),
                "nproc": os.cpu_count(),
            },
            "seconds": round(seconds, 1),
            "warmup": config.warmup,
            "campaign": config.campaign,
            "database": "sqlite",
            "chromium": version,
        }
    finally:
        if config.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    try:
        line = run(config)
    except Exception as exc:
        log(f"failed: {type(exc).__name__}: {exc}")
        line = {"bench": "annotator_page", "runs": config.runs, "error": f"{exc}"}
    print(json.dumps(line), flush=True)
    # A missed target is a result; a failed run is not.
    return 0 if "error" not in line else 1


if __name__ == "__main__":
    sys.exit(main())
