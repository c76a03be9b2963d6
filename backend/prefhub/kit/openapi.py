"""Every error an operation can answer, declared in the OpenAPI schema with the error shape.

Most are known from what a route takes (``declare_errors`` computes them): any request may be
refused for its URL (422) and one with a body for its size or JSON (400, 413, 422); a route that
needs a signed-in user answers 401 and 403; one with path parameters answers 404 for what they
name; one that uses the database answers 503 (with Retry-After) while it is briefly away. The
errors of a route's own domain (a 409 conflict, a 429) are named at the route with
``responses=errors(CampaignExists, ...)``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import BaseModel, Field

from prefhub.kit.errors import PrefhubError

ERROR_REF = "#/components/schemas/ErrorBody"
# What each computed status stands for, in the error codes it carries.
COMPUTED = {
    400: "malformed_json, json_too_deep, bad_request",
    401: "not_authenticated",
    403: "forbidden, csrf_failed",
    404: "not_found (of what the path names)",
    413: "payload_too_large",
    422: "validation_error, invalid_text, invalid_value",
    503: "database_unavailable (with Retry-After)",
}


class ErrorDetail(BaseModel):
    code: str = Field(description="stable, for programs: e.g. campaign_not_found")
    message: str = Field(description="for people")
    details: Any = Field(description="null, or e.g. [{field, message}] for a 422")


class ErrorBody(BaseModel):
    """Every 4xx answer's body."""

    error: ErrorDetail


def errors(*kinds: type[PrefhubError]) -> dict[int | str, dict[str, Any]]:
    """``responses=`` naming a route's domain errors, e.g. ``errors(CampaignExists)``."""
    codes: dict[int, list[str]] = {}
    for kind in kinds:
        codes.setdefault(kind.status_code, []).append(kind.code)
    return {
        status: {
            "model": ErrorBody,
            "description": f"{HTTPStatus(status).phrase}: {', '.join(names)}",
        }
        for status, names in codes.items()
    }


def declare_errors(
    app: FastAPI,
    *,
    authenticated: Collection[Callable[..., Any]],
    database: Collection[Callable[..., Any]] = (),
) -> None:
    """Make ``app.openapi()`` declare each operation's errors; ``authenticated`` are the
    dependencies that make a route need a signed-in user, ``database`` those that give it a
    database session."""
    routes = {
        (method.lower(), route.path_format): route
        for route in iter_route_contexts(app.routes)  # included routers' routes too
        if isinstance(route.original_route, APIRoute) and route.include_in_schema
        for method in route.methods or ()
    }

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            _add_error_schema(schema)
            for path, operations in schema["paths"].items():
                for method, operation in operations.items():
                    route = routes.get((method, path))
                    if route is not None:
                        _declare(operation, _computed(route, authenticated, database))
            return schema  # FastAPI.openapi keeps it as app.openapi_schema
        return app.openapi_schema

    # FastAPI's documented way to customise the schema is to replace this method.
    app.openapi = openapi  # type: ignore[method-assign]


def _computed(
    route: RouteContext,
    authenticated: Collection[Callable[..., Any]],
    database: Collection[Callable[..., Any]],
) -> set[int]:
    statuses = {422}
    if _depends_on(route.dependant, database):
        statuses.add(503)
    if route.body_field is not None:
        statuses |= {400, 413}
    if _takes_path_params(route.dependant):  # itself or a dependency (``ManagedCampaign``)
        statuses.add(404)
    if _depends_on(route.dependant, authenticated):
        statuses |= {401, 403}
    return statuses


def _depends_on(dependant: Any, calls: Collection[Callable[..., Any]]) -> bool:
    return any(d.call in calls or _depends_on(d, calls) for d in dependant.dependencies)


def _takes_path_params(dependant: Any) -> bool:
    return bool(dependant.path_params) or any(_takes_path_params(d) for d in dependant.dependencies)


def _declare(operation: dict[str, Any], computed: set[int]) -> None:
    responses = operation.setdefault("responses", {})
    for status in computed:
        entry = responses.setdefault(str(status), {})
        names = COMPUTED[status]
        declared = entry.get("description", "")
        if ": " in declared:  # the route named its own codes with this status too
            names += ", " + declared.split(": ", 1)[1]
        entry["description"] = f"{HTTPStatus(status).phrase}: {names}"
        entry["content"] = {"application/json": {"schema": {"$ref": ERROR_REF}}}
    operation["responses"] = dict(sorted(responses.items()))


def _add_error_schema(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(body.pop("$defs", {}))
    components["ErrorBody"] = body
    # FastAPI's own 422 body; ours replaces it on every operation.
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
