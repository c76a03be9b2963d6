"""The ``prefhub`` command line: serving, data, simulation and export."""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from prefhub.kit.errors import PrefhubError

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from prefhub.models import User

app = typer.Typer(
    help="prefhub: collect human preference data to align AI models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Accounts.", no_args_is_help=True)
campaigns_app = typer.Typer(help="Campaigns.", no_args_is_help=True)
models_app = typer.Typer(help="Model endpoints that generate candidates.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(campaigns_app, name="campaigns")

console = Console()
err = Console(stderr=True)
REPO_ROOT = Path(__file__).resolve().parents[3]


def _fail(message: str, details: object = None) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    if isinstance(details, dict) and "errors" in details:
        for e in details["errors"]:
            err.print(f"  line {e['line']}: {e['message']}")
    elif isinstance(details, list):
        for e in details:
            err.print(f"  {e}")
    return typer.Exit(code=1)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
    )


# ---------------------------------------------------------------- database


def alembic_config():  # type: ignore[no-untyped-def]
    from alembic.config import Config

    return Config(str(REPO_ROOT / "alembic.ini"))


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations (never done implicitly at start-up)."""
    from alembic import command

    from prefhub.settings import get_settings

    command.upgrade(alembic_config(), revision)
    console.print(f"database at {_safe_url(get_settings().database_url)} is at {revision}")


@db_app.command("check")
def db_check() -> None:
    """Fail if the models and the migrations disagree."""
    from alembic import command

    command.check(alembic_config())


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# ---------------------------------------------------------------- serving


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(help="API processes (PostgreSQL only)")] = 1,
    embedded_worker: Annotated[
        bool | None, typer.Option(help="Run a Celery worker child (default: when no Redis)")
    ] = None,
    access_log: Annotated[bool, typer.Option(help="log every request")] = True,
) -> None:
    """Serve the API and the web app."""
    import uvicorn

    from prefhub.settings import get_settings

    settings = get_settings()
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
            ]
        )
        atexit.register(_stop_child, child)
        console.print(f"embedded worker started (pid {child.pid})")
    if settings.is_sqlite and workers > 1:
        raise _fail("SQLite serves from one process; use PostgreSQL for --workers > 1")
    console.print(f"serving on http://{host}:{port}")
    uvicorn.run(
        "prefhub.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=access_log,
    )


def _stop_child(child: subprocess.Popen) -> None:  # type: ignore[type-arg]
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()


@app.command()
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
        raise _fail("--pool must be threads, prefork or solo")
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
        _exit_with_parent()
    celery_app.worker_main(argv)


def _exit_with_parent() -> None:
    """Stop this worker when ``prefhub serve`` goes, however it went (uvicorn re-raises
    SIGTERM after shutdown, so the parent's atexit hooks do not always run)."""
    import signal
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


# ---------------------------------------------------------------- content


@app.command("seed-demo")
def seed_demo(
    force: Annotated[bool, typer.Option(help="seed even in production")] = False,
) -> None:
    """Create the demo accounts (password 'demo') and the demo campaign. Never in production."""
    from prefhub.demo.seed import DEMO_PASSWORD, DEMO_USERS, seed_demo
    from prefhub.kit.db import unit_of_work
    from prefhub.settings import get_settings

    if get_settings().environment == "production" and not force:
        raise _fail("refusing to create demo accounts with a known password in production")
    with unit_of_work() as session:
        result = seed_demo(session)
    for email in result.users_created:
        console.print(f"created demo user {email} (password '{DEMO_PASSWORD}')")
    if result.campaigns_created:
        names = ", ".join(f"'{slug}'" for slug in result.campaigns_created)
        console.print(f"created campaigns {names} ({result.items_imported} items in all)")
    if not (result.users_created or result.campaigns_created):
        console.print("demo already seeded")
    console.print(
        "demo accounts: " + ", ".join(e for e, _ in DEMO_USERS) + f" / password '{DEMO_PASSWORD}'"
    )


@users_app.command("create")
def users_create(
    email: str,
    role: Annotated[str, typer.Option(help="admin, researcher or annotator")] = "annotator",
    password: Annotated[
        str | None, typer.Option(help="prompted for when omitted", show_default=False)
    ] = None,
    name: str = "",
) -> None:
    """Create an account (the password must pass the password policy)."""
    from prefhub.auth.passwords import check_password
    from prefhub.auth.service import create_user
    from prefhub.kit.db import unit_of_work
    from prefhub.models import Role

    if role not in Role.__members__:
        raise _fail(f"unknown role '{role}'; choose admin, researcher or annotator")
    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        check_password(password, [email, name])
        with unit_of_work() as session:
            user = create_user(
                session, email=email, password=password, role=Role(role), display_name=name
            )
            console.print(f"created {user.role.value} {user.email} (id {user.id})")
    except PrefhubError as exc:
        raise _fail(exc.message) from None


@users_app.command("reset-password")
def users_reset_password(
    email: str,
    base_url: Annotated[
        str, typer.Option(help="the server's address, put before the link's path")
    ] = "",
) -> None:
    """Print a one-time link (valid 24 hours) for the user to choose a new password."""
    from prefhub.auth import service
    from prefhub.kit.db import unit_of_work

    try:
        with unit_of_work() as session:
            user = service.get_user_by_email(session, email)
            row, token = service.issue_password_reset(session, user, None)
    except PrefhubError as exc:
        raise _fail(exc.message) from None
    console.print(
        f"password reset link for {user.email}, valid until {row.expires_at:%Y-%m-%d %H:%M} UTC:"
    )
    # Printed unstyled and unwrapped: it is meant to be copied whole.
    print(f"{base_url.rstrip('/')}/reset-password#token={token}")


def _account_change(email: str, change: Callable[[Session, User], str]) -> None:
    from prefhub.auth import service
    from prefhub.kit.db import unit_of_work

    try:
        with unit_of_work() as session:
            console.print(change(session, service.get_user_by_email(session, email)))
    except PrefhubError as exc:
        raise _fail(exc.message) from None


@users_app.command("deactivate")
def users_deactivate(email: str) -> None:
    """Stop an account from signing in: its sessions end, its API tokens stop working."""
    from prefhub.auth.service import set_active

    def change(session: Session, user: User) -> str:
        set_active(session, user, False)
        return f"deactivated {user.email}"

    _account_change(email, change)


@users_app.command("activate")
def users_activate(email: str) -> None:
    """Let a deactivated account sign in again."""
    from prefhub.auth.service import set_active

    def change(session: Session, user: User) -> str:
        set_active(session, user, True)
        return f"activated {user.email}"

    _account_change(email, change)


@users_app.command("end-sessions")
def users_end_sessions(email: str) -> None:
    """Sign an account out of every browser."""
    from prefhub.auth.service import end_sessions

    def change(session: Session, user: User) -> str:
        return f"ended {end_sessions(session, user.id)} sessions of {user.email}"

    _account_change(email, change)


@campaigns_app.command("create")
def campaigns_create(
    spec_file: Path,
    owner: Annotated[str | None, typer.Option(help="owner e-mail (default: first admin)")] = None,
) -> None:
    """Create a campaign from a YAML (or JSON) spec."""
    from sqlalchemy import select

    from prefhub.campaigns.service import create_campaign
    from prefhub.campaigns.spec import CampaignSpec
    from prefhub.kit.db import unit_of_work
    from prefhub.kit.json_input import JsonRefused, check_value
    from prefhub.models import Role, User

    try:
        raw = yaml.safe_load(spec_file.read_text("utf-8"))
        check_value(raw, "")
        spec = CampaignSpec.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise _fail(f"cannot read {spec_file}: {exc}") from None
    except JsonRefused as exc:
        raise _fail(f"{spec_file} is not a valid campaign spec: {exc.message}") from None
    except ValidationError as exc:
        raise _fail(
            f"{spec_file} is not a valid campaign spec",
            [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()],
        ) from None
    with unit_of_work() as session:
        query = select(User).order_by(User.id)
        query = query.where(User.email == owner) if owner else query.where(User.role == Role.admin)
        user = session.scalar(query)
        if user is None:
            raise _fail(f"no user {owner}" if owner else "no admin exists; pass --owner")
        try:
            campaign = create_campaign(session, spec, user)
        except PrefhubError as exc:
            raise _fail(exc.message) from None
        console.print(f"created campaign '{campaign.slug}' (id {campaign.id})")


@app.command("import")
def import_file(slug: str, file: Path) -> None:
    """Import items from a JSONL file; a bad file is rejected whole, with line numbers.

    Media parts may name files beside the JSONL ({"type": "image", "path": "a.png"}) or
    public URLs ({"type": "audio", "url": "https://..."}), fetched here.
    """
    from prefhub.campaigns.service import get_by_slug
    from prefhub.items.media import FolderFiles
    from prefhub.items.service import import_items
    from prefhub.kit.db import unit_of_work
    from prefhub.models import ItemStatus

    try:
        with unit_of_work() as session, file.open("rb") as lines:
            items = import_items(
                session,
                get_by_slug(session, slug),
                lines,
                files=FolderFiles(file.parent),
                fetch_urls=True,
            )
            ready = sum(1 for i in items if i.status == ItemStatus.ready)
    except OSError as exc:
        raise _fail(f"cannot read {file}: {exc}") from None
    except PrefhubError as exc:
        raise _fail(exc.message, exc.details) from None
    console.print(f"imported {len(items)} items into '{slug}' ({ready} ready for annotation)")


@app.command()
def simulate(
    slug: str,
    annotators: Annotated[int, typer.Option(min=1)] = 9,
    judgments: Annotated[int, typer.Option(min=1)] = 100,
    seed: int = 0,
) -> None:
    """Synthetic annotators from latent preference groups submit judgments."""
    from prefhub.simulation.service import simulate as run

    try:
        with _progress() as bar:
            task = bar.add_task(f"simulating on {slug}", total=judgments)
            result = run(
                slug,
                annotators=annotators,
                judgments=judgments,
                seed=seed,
                on_judgment=lambda n: bar.update(task, completed=n),
            )
    except PrefhubError as exc:
        raise _fail(exc.message) from None
    note = " (no work left)" if result.exhausted and result.judgments < judgments else ""
    console.print(
        f"{result.annotators} simulated annotators made {result.judgments} judgments{note}"
    )


@app.command()
def export(
    slug: str,
    out: Annotated[Path, typer.Option(help="folder to create (must not exist)")],
    format: Annotated[
        str,
        typer.Option(
            help="dpo, reward, kto, ranking, ratings, feedback, judgments (raw), annotators; "
            "tree campaigns: trees, dpo, ranking, kto, annotators"
        ),
    ] = "dpo",
    standard: Annotated[bool, typer.Option(help="TRL standard form (strings)")] = False,
    parquet: Annotated[bool, typer.Option(help="write Parquet instead of JSONL")] = False,
    aggregation: Annotated[
        str, typer.Option(help="none (a row per judgment), majority, bradley_terry, ranked_pairs")
    ] = "none",
    drop_ties: Annotated[bool, typer.Option(help="drop rows that carry a tie")] = False,
    min_agreement: Annotated[
        float | None, typer.Option(help="drop items whose annotators agree less (0..1)")
    ] = None,
    kto_from_preferences: Annotated[
        bool, typer.Option(help="kto: also rows from pairwise and ranking answers")
    ] = False,
    profiles: Annotated[
        bool, typer.Option(help="include the annotators' profile answers in rows")
    ] = False,
    salt: Annotated[str, typer.Option(help="salt for pseudonymous annotator ids")] = "",
    round_: Annotated[
        list[int] | None,
        typer.Option("--round", help="only judgments of candidates from this round (repeatable)"),
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option("--model", help="only judgments whose candidates all come from these"),
    ] = None,
    language: Annotated[
        list[str] | None, typer.Option("--language", help="only items in this language")
    ] = None,
    since: Annotated[
        datetime | None, typer.Option(help="only judgments made at or after this time (UTC)")
    ] = None,
    until: Annotated[
        datetime | None, typer.Option(help="only judgments made before this time (UTC)")
    ] = None,
    group: Annotated[
        list[str] | None,
        typer.Option(help="only annotators whose profile answers QUESTION=VALUE (repeatable)"),
    ] = None,
    include_gold: Annotated[bool, typer.Option(help="keep gold / attention-check items")] = False,
    tree_state: Annotated[
        list[str] | None,
        typer.Option(help="tree campaigns: trees in this state (repeatable; ready_for_export)"),
    ] = None,
) -> None:
    """Export a dataset (runs the same job code as the worker, in this process)."""
    from prefhub.campaigns.service import get_by_slug
    from prefhub.exports import service
    from prefhub.exports.schemas import ExportOptions
    from prefhub.exports.tasks import execute_export
    from prefhub.kit.db import unit_of_work

    groups: dict[str, list[str]] = {}
    for condition in group or []:
        question, sep, value = condition.partition("=")
        if not sep or not question or not value:
            raise _fail(f"--group takes QUESTION=VALUE, not {condition!r}")
        groups.setdefault(question, []).append(value)
    try:
        options = ExportOptions(
            format=format,  # type: ignore[arg-type]
            conversational=not standard,
            file_format="parquet" if parquet else "jsonl",
            aggregation=aggregation,  # type: ignore[arg-type]
            drop_ties=drop_ties,
            min_agreement=min_agreement,
            kto_from_preferences=kto_from_preferences,
            include_profiles=profiles,
            salt=salt,
            rounds=round_ or None,
            models=model or None,
            languages=language or None,
            created_from=since,
            created_to=until,
            annotator_groups=groups or None,
            include_gold=include_gold,
            tree_states=tree_state or None,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        raise _fail(f"bad export options: {exc.errors()[0]['msg']}") from None
    try:
        # Before the job exists: a refused destination leaves no failed job behind.
        service.check_destination(out)
        with unit_of_work() as session:
            job_id = service.create_job(session, get_by_slug(session, slug), None, options).id
        with _progress() as bar:
            task = bar.add_task(f"exporting {slug} as {format}", total=None)
            job = execute_export(
                job_id, out, lambda done, total: bar.update(task, completed=done, total=total)
            )
    except PrefhubError as exc:
        raise _fail(exc.message) from None
    assert job is not None
    console.print(f"wrote {job.row_count} rows to {out}")
    for f in job.files:
        console.print(f"  {f['name']}  {f['size']} bytes  sha256 {f['sha256'][:16]}…")


# ---------------------------------------------------------------- generation

PROVIDERS = {"openai": "openai_chat", "openai-image": "openai_image", "local": "local_hf"}


@models_app.command("add")
def models_add(
    name: str,
    base_url: Annotated[
        str, typer.Option(help="e.g. http://127.0.0.1:8001/v1; with --provider local, a directory")
    ],
    model: Annotated[str, typer.Option(help="the model name the endpoint expects")],
    provider: Annotated[str, typer.Option(help="openai, openai-image or local")] = "openai",
    api_key_secret: Annotated[
        str | None,
        typer.Option(
            help="name of a model secret: the key is PREFHUB_MODEL_KEY_<NAME>, sent only to "
            "the hosts PREFHUB_MODEL_SECRET_HOSTS binds it to"
        ),
    ] = None,
    owner: Annotated[
        str | None,
        typer.Option(help="e-mail of the researcher who owns it (default: none, shared with all)"),
    ] = None,
    max_concurrency: Annotated[int, typer.Option(min=1)] = 4,
    timeout: Annotated[float, typer.Option(help="seconds per request")] = 60.0,
    param: Annotated[
        list[str] | None, typer.Option(help="default sampling parameter KEY=VALUE (JSON value)")
    ] = None,
) -> None:
    """Register a model endpoint (the API key itself is never stored)."""
    import json

    from prefhub.auth.service import get_user_by_email
    from prefhub.generation import registry
    from prefhub.generation.schemas import ModelEndpointCreate
    from prefhub.kit.db import unit_of_work

    if provider not in PROVIDERS:
        raise _fail(f"unknown provider '{provider}'; choose {', '.join(PROVIDERS)}")
    if provider == "local":
        base_url = str(Path(base_url).expanduser().resolve())  # the worker may run elsewhere
    params = {}
    for item in param or []:
        key, _, value = item.partition("=")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    try:
        body = ModelEndpointCreate(
            name=name,
            provider=PROVIDERS[provider],  # type: ignore[arg-type]
            base_url=base_url,  # type: ignore[arg-type]
            model=model,
            api_key_secret=api_key_secret,
            max_concurrency=max_concurrency,
            timeout_s=timeout,
            default_params=params,
        )
    except ValidationError as exc:
        raise _fail(
            "bad model endpoint",
            [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()],
        ) from None
    try:
        with unit_of_work() as session:
            user = get_user_by_email(session, owner) if owner else None
            registry.add_model(session, body, user)
    except PrefhubError as exc:
        raise _fail(exc.message) from None
    whose = f"owned by {owner}" if owner else "shared with every researcher"
    console.print(f"added model '{name}' ({provider}, {model} at {base_url}), {whose}")


@models_app.command("list")
def models_list() -> None:
    """List model endpoints."""
    from rich.table import Table

    from prefhub.generation import registry
    from prefhub.kit.db import unit_of_work

    table = Table("name", "provider", "model", "base URL", "key secret", "concurrency")
    with unit_of_work() as session:
        for m in registry.visible_models(session, None):
            table.add_row(
                m.name,
                m.provider.value,
                m.model,
                m.base_url,
                m.api_key_secret or "-",
                str(m.max_concurrency),
            )
    console.print(table)


@models_app.command("share")
def models_share(
    name: str,
    researcher: Annotated[
        list[str] | None, typer.Option(help="e-mail of a researcher who may use it (repeatable)")
    ] = None,
    all_researchers: Annotated[
        bool, typer.Option("--all/--not-all", help="every researcher may use it")
    ] = False,
) -> None:
    """Set who may use a model endpoint besides its owner (replaces the previous list)."""
    from prefhub.generation import registry
    from prefhub.generation.schemas import ModelSharing
    from prefhub.kit.db import unit_of_work

    try:
        with unit_of_work() as session:
            endpoint = registry.get_model_for(session, None, name)
            sharing = ModelSharing(all=all_researchers, researchers=researcher or [])
            registry.set_sharing(session, None, endpoint, sharing)
    except PrefhubError as exc:
        raise _fail(exc.message) from None
    whom = "every researcher" if all_researchers else ", ".join(researcher or []) or "nobody"
    console.print(f"model '{name}' is shared with {whom}")


@models_app.command("test")
def models_test(name: str) -> None:
    """Send one small request and report the latency or the error."""
    from prefhub.generation import registry
    from prefhub.generation.exceptions import PermanentModelError, RetryableModelError
    from prefhub.kit.db import unit_of_work

    try:
        with unit_of_work() as session:
            endpoint = registry.get_model_for(session, None, name)
            session.expunge(endpoint)
    except PrefhubError as exc:
        raise _fail(exc.message) from None
    try:
        completion = registry.test_model(endpoint)
    except (RetryableModelError, PermanentModelError) as exc:
        raise _fail(f"model '{name}' failed: {exc}") from None
    text = " ".join(p.get("text", "") for p in completion.content)[:100]
    console.print(f"ok: {completion.latency_ms} ms, replied {text!r}")


@app.command()
def generate(
    slug: Annotated[str | None, typer.Argument(help="the campaign (not with --resume)")] = None,
    model: Annotated[
        list[str] | None, typer.Option(help="model endpoint name (repeatable)")
    ] = None,
    n: Annotated[int, typer.Option(min=1, help="samples per item and model")] = 1,
    new_round: Annotated[bool, typer.Option(help="store as the next on-policy round")] = False,
    item: Annotated[
        list[str] | None, typer.Option(help="only this imported item id (repeatable)")
    ] = None,
    resume: Annotated[
        int | None,
        typer.Option(
            metavar="JOB_ID", help="send an unfinished job's requests to the workers again"
        ),
    ] = None,
    wait: Annotated[bool, typer.Option(help="wait for the job, with a progress bar")] = False,
) -> None:
    """Generate candidates for a campaign's items from one or more models."""
    import time

    from prefhub.campaigns.service import get_by_slug
    from prefhub.generation import service
    from prefhub.generation.schemas import GenerationJobCreate
    from prefhub.kit.db import unit_of_work
    from prefhub.models import Campaign, ModelEndpoint
    from prefhub.settings import get_settings

    if (resume is None) == (slug is None) or (resume is None and not model):
        raise _fail("give a campaign and --model, or --resume JOB_ID")
    try:
        with unit_of_work() as session:
            if resume is None:
                body = GenerationJobCreate(
                    models=model, samples=n, new_round=new_round, item_ids=item or None
                )
                job = service.create_job(session, get_by_slug(session, slug), body, None)
                request_ids = service.queued_request_ids(session, job.id)
            else:
                job = service.get_job(session, resume)
                request_ids = service.resume_job(session, job)
                slug = session.get_one(Campaign, job.campaign_id).slug
            job_id, total = job.id, job.total
            concurrency = sum(
                session.get_one(ModelEndpoint, i).max_concurrency for i in job.endpoint_ids
            )
    except PrefhubError as exc:
        raise _fail(exc.message) from None
    if resume is None:
        console.print(f"generation job {job_id}: {total} requests")
    else:
        console.print(f"generation job {job_id}: {len(request_ids)} requests sent again")
    if not wait:
        if not get_settings().redis_url:
            console.print("it runs on the embedded worker of `prefhub serve` (or use --wait)")
        return
    with _progress() as bar:
        task = bar.add_task(f"generating for {slug}", total=total)
        if not get_settings().redis_url:
            done = iter(range(total - len(request_ids) + 1, total + 1))
            service.run_locally(
                request_ids, min(concurrency, 32), lambda: bar.update(task, completed=next(done))
            )
        while True:
            with unit_of_work() as session:
                job = service.get_job(session, job_id)
                progress = service.progress(session, job)
                finished = job.status in service.FINISHED
            bar.update(task, completed=progress.done + progress.failed + progress.cancelled)
            if finished:
                break
            time.sleep(0.5)
    console.print(
        f"job {job_id} {job.status.value}: {progress.done} stored, {progress.failed} failed"
    )
    for error in progress.errors[:5]:
        console.print(f"  error: {error}")


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()


if __name__ == "__main__":
    main()
