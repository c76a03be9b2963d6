"""The model registry: who owns an endpoint, who may use it, where it may point, and the
one-off test of an endpoint.

An endpoint belongs to the researcher who registered it. Its owner may share it with named
researchers, an admin with everyone; endpoints the operator registers from the CLI have no
owner and are shared with everyone unless given one. Researchers never see, nor run jobs on,
an endpoint they may not use: to them it does not exist.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, or_, select
from sqlalchemy.orm import Session

from prefhub.auth.exceptions import NotAllowed
from prefhub.auth.policies import can_manage_model, can_share_models_with_all, is_staff
from prefhub.generation import secrets
from prefhub.generation.exceptions import (
    ModelEndpointRefused,
    ModelExists,
    ModelInUse,
    ModelNotFound,
    TooManyModelTests,
)
from prefhub.generation.providers import Completion, generate
from prefhub.generation.schemas import ModelEndpointCreate, ModelSharing
from prefhub.kit import egress
from prefhub.models import (
    Campaign,
    Candidate,
    GenerationJob,
    GenerationRequest,
    ModelEndpoint,
    ModelEndpointShare,
    ProviderKind,
    Role,
    TreeMessage,
    User,
)
from prefhub.settings import get_settings


def _usable_by(user: User) -> ColumnElement[bool]:
    """The SQL condition for endpoints ``user`` may use."""
    shared = exists().where(
        ModelEndpointShare.endpoint_id == ModelEndpoint.id, ModelEndpointShare.user_id == user.id
    )
    return or_(ModelEndpoint.created_by_id == user.id, ModelEndpoint.shared_with_all, shared)


def visible_models(session: Session, user: User | None) -> list[ModelEndpoint]:
    """The endpoints ``user`` may use; all of them for an admin or the CLI (``None``)."""
    query = select(ModelEndpoint).order_by(ModelEndpoint.name)
    if user is not None and user.role != Role.admin:
        if not is_staff(user):
            return []
        query = query.where(_usable_by(user))
    return list(session.scalars(query))


def get_model_for(session: Session, user: User | None, name: str) -> ModelEndpoint:
    """The endpoint called ``name`` if ``user`` may use it; not found otherwise."""
    query = select(ModelEndpoint).where(ModelEndpoint.name == name)
    if user is not None and user.role != Role.admin:
        query = query.where(_usable_by(user))
    endpoint = session.scalar(query) if user is None or is_staff(user) else None
    if endpoint is None:
        raise ModelNotFound(f"No model named '{name}'")
    return endpoint


def may_use(session: Session, user: User | None, endpoint: ModelEndpoint) -> bool:
    if user is None or user.role == Role.admin:
        return True
    query = select(ModelEndpoint.id).where(ModelEndpoint.id == endpoint.id, _usable_by(user))
    return is_staff(user) and session.scalar(query) is not None


def names_of(session: Session, endpoint_ids: list[int]) -> dict[int, str]:
    query = select(ModelEndpoint.id, ModelEndpoint.name).where(ModelEndpoint.id.in_(endpoint_ids))
    return {row.id: row.name for row in session.execute(query)}


def shared_with(session: Session, endpoint: ModelEndpoint) -> list[str]:
    """E-mails of the researchers the endpoint is shared with by name."""
    query = (
        select(User.email)
        .join(ModelEndpointShare, ModelEndpointShare.user_id == User.id)
        .where(ModelEndpointShare.endpoint_id == endpoint.id)
        .order_by(User.email)
    )
    return [email for email in session.scalars(query) if email]


def add_model(
    session: Session,
    body: ModelEndpointCreate,
    user: User | None,
    *,
    shared_with_all: bool | None = None,
) -> ModelEndpoint:
    """Register an endpoint for ``user`` (``None``: the operator, from the CLI)."""
    check_endpoint(body)
    if session.scalar(select(ModelEndpoint.id).where(ModelEndpoint.name == body.name)):
        raise ModelExists(f"A model named '{body.name}' already exists")
    endpoint = ModelEndpoint(
        **body.model_dump(mode="json"),
        created_by_id=user.id if user else None,
        shared_with_all=user is None if shared_with_all is None else shared_with_all,
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def check_endpoint(body: ModelEndpointCreate) -> None:
    """Where an endpoint may point: a public http(s) address or one an admin allowed; a
    local model directory under the admin's root; a key only to the hosts it is bound to."""
    if body.provider == ProviderKind.local_hf:
        root = get_settings().local_models_root
        if root is None:
            raise _refused(
                "local_hf models are turned off (an admin sets PREFHUB_LOCAL_MODELS_ROOT)"
            )
        # Resolved, so that neither ``..`` nor a symbolic link leads out of the root.
        if not Path(body.base_url).resolve().is_relative_to(root.resolve()):
            raise _refused(f"local_hf model directories must lie under {root}")
        if body.api_key_secret:
            raise _refused("a local_hf model takes no API key", field="api_key_secret")
        return
    try:
        egress.check_url(body.base_url)
    except egress.EgressForbidden as exc:
        raise _refused(exc.message) from None
    if body.api_key_secret:
        secrets.check_use(body.api_key_secret, body.base_url)


def _refused(message: str, field: str = "base_url") -> ModelEndpointRefused:
    return ModelEndpointRefused(message, details=[{"field": field, "message": message}])


def set_sharing(
    session: Session, user: User | None, endpoint: ModelEndpoint, sharing: ModelSharing
) -> ModelEndpoint:
    """Share with everyone (admins only) and with the researchers named by e-mail; ``user``
    ``None`` is the operator at the CLI."""
    if user is not None and not can_manage_model(user, endpoint):
        raise NotAllowed("Only the model's owner or an admin can share it")
    changes_all = sharing.all != endpoint.shared_with_all
    if user is not None and changes_all and not can_share_models_with_all(user):
        raise NotAllowed("Only an admin can share a model with everyone")
    emails = sorted({e.strip().lower() for e in sharing.researchers})
    people = list(session.scalars(select(User).where(User.email.in_(emails)))) if emails else []
    unknown = sorted(set(emails) - {u.email for u in people if is_staff(u)})
    if unknown:
        raise _refused(f"Not a researcher: {', '.join(unknown)}", field="researchers")
    endpoint.shared_with_all = sharing.all
    session.execute(delete(ModelEndpointShare).where(ModelEndpointShare.endpoint_id == endpoint.id))
    session.add_all(
        ModelEndpointShare(endpoint_id=endpoint.id, user_id=u.id)
        for u in people
        if u.id != endpoint.created_by_id
    )
    session.flush()
    return endpoint


def usage(session: Session, endpoint: ModelEndpoint) -> dict[str, int]:
    """What records the endpoint: candidates and tree replies by its name (their provenance),
    generation jobs that name it (their requests point at it), and conversation-tree
    campaigns whose spec asks it for replies (they would fail on their next prompt)."""
    by_jobs = {
        job_id
        for job_id, endpoint_ids in session.execute(
            select(GenerationJob.id, GenerationJob.endpoint_ids)
        )
        if endpoint.id in (endpoint_ids or [])
    }
    by_requests = session.scalars(
        select(GenerationRequest.job_id).where(GenerationRequest.endpoint_id == endpoint.id)
    )
    return {
        "candidates": _count(session, Candidate.model_name == endpoint.name),
        "tree_replies": _count(session, TreeMessage.model_name == endpoint.name),
        "generation_jobs": len(by_jobs.union(by_requests)),
        "tree_campaigns": sum(
            endpoint.name in _reply_models(spec) for spec in session.scalars(select(Campaign.spec))
        ),
    }


def _reply_models(spec: dict[str, Any] | None) -> list[str]:
    """The models a campaign spec (as stored) asks for tree replies."""
    replies = ((spec or {}).get("trees") or {}).get("model_replies") or {}
    models = replies.get("models") or []
    return models if isinstance(models, list) else []


def _count(session: Session, where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).where(where)) or 0)


def delete_model(session: Session, user: User | None, endpoint: ModelEndpoint) -> None:
    """Delete an endpoint nothing records (``user`` ``None``: the operator at the CLI). One
    that candidates, tree replies or generation jobs name is kept, for their provenance."""
    if user is not None and not can_manage_model(user, endpoint):
        raise NotAllowed("Only the model's owner or an admin can delete it")
    # Locked: a generation job being made holds a share lock on it through its requests'
    # foreign key, so this waits for it, and the counts then see it.
    session.refresh(endpoint, with_for_update=True)
    counts = usage(session, endpoint)
    if any(counts.values()):
        used = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in counts.items() if n)
        raise ModelInUse(
            f"Model '{endpoint.name}' is in use ({used}) and was not deleted: what it made "
            "keeps its name as provenance. Stop sharing it, or register a new model under "
            "another name, instead.",
            details=counts,
        )
    session.execute(delete(ModelEndpointShare).where(ModelEndpointShare.endpoint_id == endpoint.id))
    session.delete(endpoint)
    session.flush()


# ---------------------------------------------------------------- tests of an endpoint

_test_slots: threading.BoundedSemaphore | None = None
_test_slots_lock = threading.Lock()


@contextmanager
def model_test_slot() -> Iterator[None]:
    """One of this process's few places for a model test, or ``TooManyModelTests`` at once:
    tests wait on other servers, and must not take the places of annotators' requests."""
    global _test_slots
    with _test_slots_lock:
        if _test_slots is None:
            _test_slots = threading.BoundedSemaphore(get_settings().outbound_concurrency)
    if not _test_slots.acquire(blocking=False):
        raise TooManyModelTests("Too many model tests are running; try again in a moment")
    try:
        yield
    finally:
        _test_slots.release()


def for_test(session: Session, endpoint: ModelEndpoint) -> ModelEndpoint:
    """The endpoint detached from the session, with the test's shorter timeout (a change
    that is never written back)."""
    session.expunge(endpoint)
    endpoint.timeout_s = min(endpoint.timeout_s, get_settings().model_test_timeout_seconds)
    return endpoint


def test_model(endpoint: ModelEndpoint) -> Completion:
    """One small request, outside any transaction; raises the provider's errors."""
    context = [{"role": "user", "content": [{"type": "text", "text": "Say hello."}]}]
    with egress.client() as client:
        return generate(client, endpoint, context, {**endpoint.default_params, "max_tokens": 16})
