"""``prefhub models`` and ``prefhub generate``: model endpoints and the candidates they write."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from prefhub.cli.common import console, fail, field_errors, progress
from prefhub.kit.errors import PrefhubError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from prefhub.generation.schemas import GenerationJobCreate
    from prefhub.models import Campaign

models_app = typer.Typer(help="Model endpoints that generate candidates.", no_args_is_help=True)

PROVIDERS = {"openai": "openai_chat", "openai-image": "openai_image", "local": "local_hf"}


def register(app: typer.Typer) -> None:
    app.command()(generate)
    app.add_typer(models_app, name="models")


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
    from prefhub.models import ProviderKind

    if provider not in PROVIDERS:
        raise fail(f"unknown provider '{provider}'; choose {', '.join(PROVIDERS)}")
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
            provider=ProviderKind(PROVIDERS[provider]),
            base_url=base_url,
            model=model,
            api_key_secret=api_key_secret,
            max_concurrency=max_concurrency,
            timeout_s=timeout,
            default_params=params,
        )
    except ValidationError as exc:
        raise fail("bad model endpoint", field_errors(exc)) from None
    try:
        with unit_of_work() as session:
            user = get_user_by_email(session, owner) if owner else None
            registry.add_model(session, body, user)
    except PrefhubError as exc:
        raise fail(exc.message) from None
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
        raise fail(exc.message) from None
    whom = "every researcher" if all_researchers else ", ".join(researcher or []) or "nobody"
    console.print(f"model '{name}' is shared with {whom}")


@models_app.command("delete")
def models_delete(name: str) -> None:
    """Delete a model endpoint nothing records; one that candidates, tree replies or
    generation jobs name is kept for their provenance (the counts are shown)."""
    from prefhub.generation import registry
    from prefhub.kit.db import unit_of_work

    try:
        with unit_of_work() as session:
            registry.delete_model(session, None, registry.get_model_for(session, None, name))
    except PrefhubError as exc:
        raise fail(exc.message) from None
    console.print(f"deleted model '{name}'")


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
        raise fail(exc.message) from None
    try:
        completion = registry.test_model(endpoint)
    except (RetryableModelError, PermanentModelError) as exc:
        raise fail(f"model '{name}' failed: {exc}") from None
    text = " ".join(p.get("text", "") for p in completion.content)[:100]
    console.print(f"ok: {completion.latency_ms} ms, replied {text!r}")


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
    key: Annotated[
        str | None,
        typer.Option(
            help="idempotency key; by default the same command, run again while its job is "
            "still open, returns that job instead of starting a second one"
        ),
    ] = None,
) -> None:
    """Generate candidates for a campaign's items from one or more models."""
    import time

    from prefhub.campaigns.service import get_by_slug
    from prefhub.generation import service
    from prefhub.generation.schemas import GenerationJobCreate
    from prefhub.generation.tasks import run_locally
    from prefhub.jobs.service import find_by_key
    from prefhub.kit.db import unit_of_work
    from prefhub.kit.enqueue import failed_sends
    from prefhub.models import Campaign, GenerationJob, ModelEndpoint
    from prefhub.settings import get_settings

    if (resume is None) == (slug is None) or (resume is None and not model):
        raise fail("give a campaign and --model, or --resume JOB_ID")
    earlier = None
    try:
        with unit_of_work() as session:
            if resume is None:
                assert slug is not None and model is not None  # checked above
                body = GenerationJobCreate(
                    models=model, samples=n, new_round=new_round, item_ids=item or None
                )
                campaign = get_by_slug(session, slug)
                key = key or _default_key(session, campaign, body)
                earlier = find_by_key(session, None, key, GenerationJob)
                job = service.create_job(session, campaign, body, None, idempotency_key=key)
                request_ids = service.queued_request_ids(session, job.id)
            else:
                job = service.get_job(session, resume)
                request_ids = service.resume_job(session, job)
                slug = session.get_one(Campaign, job.campaign_id).slug
            job_id, total = job.id, job.progress_total
            concurrency = sum(
                session.get_one(ModelEndpoint, i).max_concurrency for i in job.endpoint_ids
            )
    except PrefhubError as exc:
        raise fail(exc.message) from None
    if failed_sends(session):
        console.print(
            f"the broker is unreachable: generation job {job_id} is stored and queued; a "
            f"worker sends it once the broker is back (or: prefhub jobs resume {job_id})"
        )
    if resume is None and earlier is not None:
        console.print(
            f"generation job {job_id} ({earlier.status.value}) was made by an earlier run with "
            "the same options; it is not started twice (--key K starts another)"
        )
    elif resume is None:
        console.print(f"generation job {job_id}: {total} requests")
    else:
        console.print(f"generation job {job_id}: {len(request_ids)} requests sent again")
    if not wait:
        if not get_settings().redis_url:
            console.print("it runs on the embedded worker of `prefhub serve` (or use --wait)")
        return
    with progress() as bar:
        task = bar.add_task(f"generating for {slug}", total=total)
        if not get_settings().redis_url:
            done = iter(range(total - len(request_ids) + 1, total + 1))
            run_locally(
                request_ids, min(concurrency, 32), lambda: bar.update(task, completed=next(done))
            )
        while True:
            with unit_of_work() as session:
                job = service.get_job(session, job_id)
                counts = service.progress(session, job)
                finished = job.finished
            bar.update(task, completed=counts.done + counts.failed + counts.cancelled)
            if finished:
                break
            time.sleep(0.5)
    console.print(f"job {job_id} {job.status.value}: {counts.done} stored, {counts.failed} failed")
    for error in counts.errors[:5]:
        console.print(f"  error: {error}")


def _default_key(session: Session, campaign: Campaign, body: GenerationJobCreate) -> str:
    """The same options for the same campaign, while no generation job of it has finished
    since: a command run twice (its first answer lost) makes one job, not two."""
    from sqlalchemy import func, select

    from prefhub.models import FINISHED_JOB_STATUSES, GenerationJob

    finished = session.scalar(
        select(func.count(GenerationJob.id)).where(
            GenerationJob.campaign_id == campaign.id,
            GenerationJob.status.in_(FINISHED_JOB_STATUSES),
        )
    )
    options = json.dumps([campaign.id, body.model_dump(mode="json"), finished], sort_keys=True)
    return "cli-" + hashlib.sha256(options.encode()).hexdigest()[:32]
