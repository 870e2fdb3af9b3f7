"""The app factory: one FastAPI app serving HTML pages and their JSON twins."""

import gc
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager

import orjson
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from sqlalchemy.exc import DataError, OperationalError, ProgrammingError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import make_engine, make_session_factory
from app.jobs import Jobs
from app.settings import PROJECT_ROOT, Settings, get_settings
from app.web import (
    account,
    api,
    authoring,
    corrections_api,
    corrections_pages,
    jobs_api,
    library_api,
    library_corrections_api,
    library_corrections_pages,
    library_pages,
    pages,
    reader_api,
    sharing,
)
from app.web.auth import SESSION_COOKIE, SESSION_MAX_AGE, Auth, load_or_create_secret
from app.web.links import Links
from app.web.serving import (
    KnownHosts,
    ResponseCache,
    ResponseStore,
    Revisions,
    SecurityHeaders,
    StaticAssets,
)

TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"


_heap_frozen = False


def _freeze_startup_heap() -> None:
    """Set what start-up made (modules, the app, its templates) aside from the cyclic garbage
    collector, once per process: a worker keeps all of it for good, and every full pass over
    it took ~140 ms, one request in a few dozen (a page's p99). Later apps in the same
    process (tests) are collected as usual."""
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.freeze()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _freeze_startup_heap()
        yield
        app.state.jobs.stop_consumer()  # only tests run one in the server's process
        app.state.revisions.close()
        app.state.engine.dispose()

    app = ReaderApp(
        title="Annotated news reader",
        description="Who and what a conflict report is about: entities, mentions, quotes.",
        version="0.1.0",
        lifespan=lifespan,
        # FastAPI's OpenTelemetry spans, metrics and logs: asking whether a provider is set up
        # costs about as much as serving a kept page, on every request; off unless asked for.
        telemetry={"tracing": settings.telemetry, "metrics": settings.telemetry,
                   "logs": settings.telemetry},
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url)
    app.state.session_factory = make_session_factory(app.state.engine)
    # Ingest jobs are queued here and run by worker processes (`python -m app worker`).
    app.state.jobs = Jobs(settings.database_url, app.state.session_factory,
                          settings.max_article_chars, settings.ingest_timeout)
    app.state.assets = StaticAssets(STATIC_DIR)
    app.state.links = Links(settings.public_url, app.state.assets.url)
    app.state.revisions = Revisions(app.state.engine)
    app.state.responses = ResponseStore()
    secret = settings.secret_key or load_or_create_secret(settings.data_dir)
    app.state.auth = Auth(settings.admin_token, secret)
    app.state.templates = _templates(app.state.links)

    app.include_router(account.router)
    app.include_router(api.router)
    app.include_router(corrections_api.router)
    app.include_router(authoring.router)
    app.include_router(jobs_api.router)
    app.include_router(authoring.pages)  # before pages: /articles/new is not a slug
    app.include_router(corrections_pages.router)
    app.include_router(reader_api.router)
    app.include_router(library_corrections_api.router)
    app.include_router(library_api.router)
    app.include_router(library_corrections_pages.router)
    app.include_router(library_pages.router)
    app.include_router(pages.router)
    app.include_router(sharing.router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    _install_error_handlers(app)
    app.add_middleware(
        SessionMiddleware, secret_key=secret, session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE, same_site="strict",
        https_only=settings.public_url.startswith("https://"),
    )
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes(settings.max_article_chars))
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders)

    def front(stack: ASGIApp) -> ASGIApp:
        # Outermost: a request for a host we do not serve is refused (400) before anything
        # runs; then kept public responses and static files are answered.
        kept = ResponseCache(stack, revs=app.state.revisions, assets=app.state.assets,
                             store=app.state.responses, session_cookie=SESSION_COOKIE)
        return KnownHosts(kept, allowed_hosts=settings.allowed_hosts)

    app.front = front
    return app


def serving_app() -> FastAPI:
    """The app as ``python -m app serve`` runs it (the factory uvicorn calls in each worker):
    built with the cyclic collector paused (``serve`` pauses it while the modules load too:
    passes over objects that all live as long as the process are wasted start-up time), then
    the start-up heap is frozen and collection resumes."""
    gc.disable()
    try:
        return create_app()
    finally:
        _freeze_startup_heap()
        gc.enable()


class ReaderApp(FastAPI):
    """FastAPI with pure ASGI layers in front of its whole middleware stack.

    ``front`` wraps the stack FastAPI builds (its error, telemetry and body-size layers, then
    ours), so a kept response (``app.web.serving``) costs what the same bytes cost a bare
    Starlette app. Anything not kept goes through the whole stack as usual.
    """

    front: Callable[[ASGIApp], ASGIApp] | None = None

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        return self.front(stack) if self.front is not None else stack


@pass_context
def _csrf_token(context: Mapping[str, object]) -> str:
    request = context["request"]
    assert isinstance(request, Request)
    auth: Auth = request.app.state.auth
    return auth.csrf_token(request)


@pass_context
def _signed_in(context: Mapping[str, object]) -> bool:
    request = context["request"]
    assert isinstance(request, Request)
    auth: Auth = request.app.state.auth
    return auth.signed_in(request)


def _templates(links: Links) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    # Every template builds its URLs with this one builder: {{ url.article(slug) }}; forms
    # carry {{ csrf_token() }}; the header shows {{ signed_in() }}.
    templates.env.globals.update(url=links, csrf_token=_csrf_token, signed_in=_signed_in)
    # The article page carries its reader data (tens of KB) through ``tojson``: orjson
    # writes it in a tenth of the standard library's time, with the same keys, in the same
    # (sorted) order; Jinja still escapes <, >, & and ' afterwards.
    templates.env.policies["json.dumps_function"] = _dumps_json
    return templates


def _dumps_json(obj: object, **_options: object) -> str:
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS).decode()


def max_body_bytes(max_article_chars: int) -> int:
    """The longest request body worth reading: the longest text, every character escaped as
    JSON's 12-byte surrogate pair, plus room for the other fields."""
    return max_article_chars * 12 + 64 * 1024


# A refused body is still read, and dropped, up to this much: a client that is still sending
# when the server answers and closes sees "connection reset" instead of the 413. Beyond it the
# server stops reading, answers and closes (a client sending that much gets the reset).
DRAIN_BYTES = 64 * 1024 * 1024


class BodyLimit:
    """Refuse (413) a request body longer than ``max_bytes`` without keeping it.

    A declared Content-Length is checked up front; a chunked body is counted as it arrives.
    Either way the rest of the body is drained (up to ``DRAIN_BYTES``) before the 413 is sent
    with ``Connection: close``, so that ordinary clients (urllib, requests) read the answer.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _detail(self) -> str:
        return f"request body is larger than {self.max_bytes} bytes"

    @staticmethod
    async def _drain(receive: Receive, already: int) -> None:
        drained = already
        while drained <= DRAIN_BYTES:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            drained += len(message.get("body", b""))
            if not message.get("more_body", False):
                return

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            if int(declared) <= DRAIN_BYTES:
                await self._drain(receive, 0)
            response = JSONResponse({"detail": self._detail()}, status_code=413,
                                    headers={"Connection": "close"})
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    if message.get("more_body", False):
                        await self._drain(receive, received)
                    # FastAPI passes an HTTPException raised while reading the body through.
                    raise HTTPException(413, self._detail(), headers={"Connection": "close"})
            return message

        await self.app(scope, counted, send)


class HeadAsGet:
    """Answer HEAD like GET without the body (FastAPI routes only declare GET)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def _wants_html(request: Request) -> bool:
    api = request.url.path.startswith(("/api/", "/healthz"))
    return not api and "text/html" in request.headers.get("accept", "")


WHERE = {"query": "in the address", "path": "in the address", "body": "in the form"}


def _reason(loc: list[object], message: str) -> str:
    """One validation error in words: "page (in the address): Input should be ..."."""
    where = WHERE.get(str(loc[0]), "") if loc else ""
    name = ".".join(str(part) for part in loc[1:]) or "the request"
    return f"{name}{f' ({where})' if where else ''}: {message}"


def _error_response(
    request: Request, status: int, detail: object, headers: Mapping[str, str] | None = None
) -> Response:
    if _wants_html(request):
        templates: Jinja2Templates = request.app.state.templates
        return templates.TemplateResponse(
            request, "error.html", {"status": status, "detail": detail},
            status_code=status, headers=headers,
        )
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


_METHODS = ("DELETE", "GET", "PATCH", "POST", "PUT")


def _allowed_methods(request: Request) -> str:
    """Every method some route takes for this path (Starlette names only the first route's)."""
    allowed = {
        method
        for method in _METHODS
        for route in request.app.router.routes
        if route.matches({**request.scope, "method": method})[0] == Match.FULL
    }
    if "GET" in allowed:
        allowed.add("HEAD")  # HeadAsGet answers it
    return ", ".join(sorted(allowed))


MISSING_SCHEMA = frozenset({"42P01", "42703"})  # SQLSTATE undefined_table, undefined_column


def database_problem(exc: OperationalError | ProgrammingError) -> str:
    """What an operational database error means for the user, without driver internals."""
    reason = str(exc.orig).splitlines()[0][:200] if exc.orig is not None else "unknown error"
    if "no such table" in reason or "does not exist" in reason:
        return "the database has no schema yet: run `python -m app migrate`"
    return f"database unavailable ({reason})"


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers, detail = exc.headers, exc.detail
        if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
            detail = "the request body is not UTF-8: JSON text must be UTF-8 encoded"
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": _allowed_methods(request)}
        return _error_response(request, exc.status_code, detail, headers)

    @app.exception_handler(OperationalError)
    async def database_error(request: Request, exc: OperationalError) -> Response:
        # Locked past the busy timeout, unreadable file, missing schema: the server is fine,
        # its database is not; a client may retry later.
        return _error_response(request, 503, database_problem(exc), {"Retry-After": "5"})

    @app.exception_handler(ProgrammingError)
    async def schema_error(request: Request, exc: ProgrammingError) -> Response:
        # PostgreSQL's undefined table or column (SQLite says it by OperationalError): the
        # schema is missing or older than the code, so the same 503 as above.
        if getattr(exc.orig, "sqlstate", None) in MISSING_SCHEMA:
            return _error_response(request, 503, database_problem(exc), {"Retry-After": "5"})
        raise exc

    @app.exception_handler(DataError)
    async def unstorable_value(request: Request, exc: DataError) -> Response:
        # A value the database cannot hold (PostgreSQL's text refuses NUL characters): the
        # client's input, not the server, is at fault; the transaction was rolled back.
        reason = str(exc.orig).splitlines()[0][:200] if exc.orig is not None else "bad value"
        return _error_response(request, 422, f"a value in the request cannot be stored: {reason}")

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        if _wants_html(request):  # a person with a browser (/?page=0): a page, not JSON
            return _error_response(request, 422, "; ".join(_reason(e["loc"], e["msg"])
                                                           for e in errors) + ".")
        return JSONResponse({"detail": errors}, status_code=422)
