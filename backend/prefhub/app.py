"""The FastAPI application: routers, one error shape, and the built frontend."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig
from sqlalchemy.exc import DataError, DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from prefhub import __version__
from prefhub.assignments.loop_lane import AnnotatorLoopLane
from prefhub.assignments.router import router as annotate_router
from prefhub.auth.dependencies import annotator_unit, get_current_user
from prefhub.auth.router import router as auth_router
from prefhub.campaigns.router import router as campaigns_router
from prefhub.campaigns.spec_router import router as campaign_specs_router
from prefhub.campaigns.versions_router import router as campaign_versions_router
from prefhub.exports.router import router as exports_router
from prefhub.generation.router import router as generation_router
from prefhub.insitu.router import exports_router as insitu_exports_router
from prefhub.insitu.router import ingest_router as insitu_ingest_router
from prefhub.insitu.router import router as feedback_sources_router
from prefhub.items.browser_router import router as data_browser_router
from prefhub.items.router import jobs_router as import_jobs_router
from prefhub.items.router import router as items_router
from prefhub.jobs.router import router as jobs_router
from prefhub.kit.access_log import AccessLog
from prefhub.kit.db import is_transient_db_error, skip_pre_ping
from prefhub.kit.deps import get_session
from prefhub.kit.errors import PrefhubError
from prefhub.kit.limits import ConcurrencyLimit
from prefhub.kit.openapi import declare_errors
from prefhub.kit.request_limits import RequestLimits
from prefhub.kit.security_headers import SecurityHeaders, docs_policy, error_headers
from prefhub.media.router import router as media_router
from prefhub.media.storage import presigned_origins
from prefhub.participation.router import annotate as participation_router
from prefhub.participation.router import crowd as crowd_router
from prefhub.people.router import router as groups_router
from prefhub.people.router import users_router as user_activity_router
from prefhub.quality.gold_router import router as quality_gold_router
from prefhub.quality.router import router as quality_router
from prefhub.settings import get_settings
from prefhub.trees.router import annotate as trees_annotate_router
from prefhub.trees.router import manage as trees_manage_router

log = logging.getLogger(__name__)
FRONTEND_DIST = Path(__file__).resolve().parents[2] / "frontend" / "dist"
# Swagger UI's and ReDoc's scripts and styles, served by the app (the docs work offline): the
# pinned fastapi-offline package ships them.
DOCS_ASSETS_DIR = Path(str(files("fastapi_offline") / "static"))
DOCS_ASSETS_URL = "/docs-assets"
HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}
# Seconds a client waits before sending again a request the database could not serve (a
# dropped connection, a restarting server): the pool reconnects within about that.
DATABASE_RETRY_AFTER_S = 2
# FastAPI's native OpenTelemetry, off (prefhub sets up no provider): see create_app.
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def _error(
    status: int,
    code: str,
    message: str,
    details: object = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "details": details}},
        status_code=status,
        headers=headers,
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PrefhubError)
    async def _domain_error(_: Request, exc: PrefhubError) -> JSONResponse:
        return JSONResponse(exc.to_body(), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return _error(400, "malformed_json", "The request body is not valid JSON")
        details = [
            {"field": ".".join(str(x) for x in e["loc"]), "message": e["msg"]} for e in errors
        ]
        first = details[0] if details else {"field": "", "message": "invalid"}
        return _error(422, "validation_error", f"{first['field']}: {first['message']}", details)

    @app.exception_handler(DataError)
    async def _data_error(_: Request, exc: DataError) -> JSONResponse:
        # A value the database refused (a number out of range, text it cannot hold) that the
        # request checks let through: the client's mistake, though we should have caught it.
        log.warning("database refused a value: %s", exc.orig)
        return _error(422, "invalid_value", "A value is out of range or cannot be stored")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
        return _error(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return _error(
            500,
            "internal_error",
            "Something went wrong on our side; it is logged",
            headers=error_headers(),
        )

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        if not is_transient_db_error(exc):
            return await _unexpected(request, exc)
        # The request's transaction rolled back; a client may send it again (the writes an
        # annotator retries on their own, submits, are idempotent by client id).
        log.warning(
            "database unavailable for %s %s: %s", request.method, request.url.path, exc.orig
        )
        return _error(
            503,
            "database_unavailable",
            "The database is briefly unavailable; please try again in a moment",
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)},
        )


def _mount_frontend(app: FastAPI, dist: Path) -> None:
    """Serve the built React app; unknown non-API paths get index.html (client routing)."""

    @app.get("/{path:path}", include_in_schema=False)
    async def _spa(path: str) -> FileResponse:
        if path.startswith("api/") or path == "api":
            raise StarletteHTTPException(404, f"No API endpoint /{path}")
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(dist.resolve()):
            return FileResponse(candidate)
        index = dist / "index.html"
        if not index.is_file():
            raise StarletteHTTPException(
                404, "The frontend is not built: run `make frontend` (or `make run`)"
            )
        return FileResponse(index, headers={"Cache-Control": "no-cache"})


def _mount_api_docs(app: FastAPI) -> None:
    """``/docs`` (Swagger UI) and ``/redoc`` with their assets from this origin; each page carries
    a policy that allows exactly its own inline script and style (``docs_policy``), and what
    ReDoc adds on ``/redoc`` only."""
    app.mount(DOCS_ASSETS_URL, StaticFiles(directory=DOCS_ASSETS_DIR), name="docs-assets")
    favicon = f"{DOCS_ASSETS_URL}/favicon.png"
    redirect = "/docs/oauth2-redirect"
    pages = {
        "/docs": get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{DOCS_ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=favicon,
            oauth2_redirect_url=redirect,
        ),
        redirect: get_swagger_ui_oauth2_redirect_html(),
        "/redoc": get_redoc_html(
            openapi_url="/openapi.json",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{DOCS_ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=favicon,
            with_google_fonts=False,
        ),
    }
    for path, page in pages.items():
        endpoint = _static_page(page, redoc=path == "/redoc")
        app.add_api_route(path, endpoint, methods=["GET"], include_in_schema=False)


def _static_page(page: HTMLResponse, *, redoc: bool) -> Callable[[], HTMLResponse]:
    html = bytes(page.body).decode()
    headers = {"Content-Security-Policy": docs_policy(html, redoc=redoc)}
    return lambda: HTMLResponse(html, headers=headers)


def _opentelemetry_configured() -> bool:
    """Whether this process is set up for OpenTelemetry (``opentelemetry-instrument``, or any
    ``OTEL_*`` setting): then FastAPI's native telemetry stays on. Otherwise it is off from the
    start, rather than asking the global providers on every request whether one appeared
    (≈ 20-45 µs per request, bench/request_overhead.py)."""
    return any(name.startswith("OTEL_") for name in os.environ)


def create_app(
    frontend_dist: Path = FRONTEND_DIST,
    access_log: Callable[[str], None] | None = None,
    loop_lane: bool | None = None,
) -> FastAPI:
    """The app; with ``access_log``, each request's line is written with it (kit/access_log);
    ``loop_lane`` (default: the ``loop_lane`` setting, on) serves the annotator's next and
    submit without FastAPI's routing (assignments/loop_lane.py)."""
    app = FastAPI(
        title="prefhub",
        version=__version__,
        description="Collect human preference data; export datasets that load into TRL.",
        docs_url=None,
        redoc_url=None,
        telemetry=None if _opentelemetry_configured() else NO_TELEMETRY,
    )
    _mount_api_docs(app)
    _install_error_handlers(app)

    # async: it waits on nothing, so it needs no hop to a worker thread (load balancers call it
    # every few seconds, benchmarks thousands of times).
    @app.get("/api/health", tags=["meta"])
    async def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    for router in (
        # The annotator's routes first: a request is matched against the routes in order, and
        # theirs are the busiest (none of the others' paths start with /api/annotate/).
        annotate_router,
        participation_router,
        trees_annotate_router,
        auth_router,
        groups_router,
        user_activity_router,
        campaigns_router,
        campaign_versions_router,
        campaign_specs_router,
        items_router,
        data_browser_router,
        import_jobs_router,
        jobs_router,
        exports_router,
        generation_router,
        media_router,
        crowd_router,
        trees_manage_router,
        quality_router,
        quality_gold_router,
        feedback_sources_router,
        insitu_ingest_router,
        insitu_exports_router,
    ):
        app.include_router(router)
    declare_errors(
        app,
        authenticated=(get_current_user, annotator_unit),
        database=(get_session, annotator_unit),
    )
    _mount_frontend(app, frontend_dist)
    settings = get_settings()
    skip_pre_ping()
    if loop_lane is None:
        loop_lane = settings.loop_lane
    if loop_lane:
        # Inside the limits below: they apply to its requests as to any other.
        app.add_middleware(AnnotatorLoopLane, handlers=app.exception_handlers)
    app.add_middleware(ConcurrencyLimit, limit=settings.db_pool_size + settings.db_max_overflow)
    app.add_middleware(RequestLimits, settings=settings)
    # Outermost, so refusals by the limits above carry the headers too.
    app.add_middleware(SecurityHeaders, media_origins=presigned_origins)
    if access_log is not None:
        # Outermost of all: it times and sees every response, these headers' refusals included.
        app.add_middleware(AccessLog, write=access_log)
    return app
