"""Serving at the framework's floor: pure ASGI layers in front of the FastAPI app.

- ``ResponseCache`` keeps the public responses derived from the stored articles, built once per
  revision and worker: the body, its gzip twin (text over 1 KB, compressed once), a strong
  ETag for each and the complete header list. A hit is two ``send`` calls; ``If-None-Match``
  gets 304. What a response depends on is read at every request with one primary-key query
  (``app.revisions``): the library-wide content revision, and for pages that show nothing
  from other articles, the article's own revision and edit version, looked up once per
  library revision. So a write through any worker or the CLI is served by every worker at its
  next request. Requests carrying the session cookie (a signed-in editor's pages hold a CSRF
  token and edit controls) always go to the app, and a response that sets a cookie or says
  ``private`` / ``no-store`` is never kept.
- Static files are read and compressed once; ``StaticAssets.url`` (the URL builder's
  ``static``) puts a fingerprint of the content in the file name, and a fingerprinted URL is
  served ``immutable`` for a year. Plain names are served ``no-cache`` with an ETag (the
  modules a script imports by relative path).
- ``/healthz`` is answered here whenever the revision check could read the database (which
  means it answers and has its schema), so the first answer after start-up, and every one
  after, costs no more than that one read; when it cannot, the app's route says why (503).
- ``KnownHosts`` (outermost) refuses a Host header the settings do not allow, by Starlette's
  rules, parsing each distinct value once.
- ``SecurityHeaders`` adds the same precomputed headers to every response the app makes.
"""

import gzip
import hashlib
import mimetypes
import re
import sqlite3
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, create_engine, select
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import revisions
from app.db import sqlite_path
from app.models import Article

Headers = list[tuple[bytes, bytes]]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
# FastAPI's interactive docs load Swagger UI / ReDoc from a CDN with an inline bootstrap.
CSP_EXEMPT = ("/docs", "/redoc")
_BASE_HEADERS: Headers = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]
SECURITY_HEADERS: Headers = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()), *_BASE_HEADERS
]

PUBLIC = b"no-cache"  # anyone may keep it, but must ask (If-None-Match) before each use
IMMUTABLE = b"public, max-age=31536000, immutable"
COMPRESS_OVER = 1024
_COMPRESSIBLE = (b"text/", b"application/json", b"application/ld+json",
                 b"application/javascript", b"image/svg+xml")


class KnownHosts:
    """Starlette's ``TrustedHostMiddleware`` decides which Host headers are served (400, or
    the www redirect, for the others); a Host header value it let through once goes straight
    on afterwards: one set lookup instead of parsing and matching it at every request."""

    MAX_KNOWN = 256  # valid values (each allowed name, with or without a port) seen so far

    def __init__(self, app: ASGIApp, allowed_hosts: list[str]) -> None:
        self.app = app
        self.known: set[bytes] = set()
        self.checked = TrustedHostMiddleware(self._passed, allowed_hosts=allowed_hosts)

    @staticmethod
    def _host(scope: Scope) -> bytes | None:
        for name, value in scope["headers"]:
            if name == b"host":
                return bytes(value)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._host(scope) in self.known:
            await self.app(scope, receive, send)
            return
        await self.checked(scope, receive, send)

    async def _passed(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and len(self.known) < self.MAX_KNOWN:
            host = self._host(scope)
            if host is not None:
                self.known.add(host)
        await self.app(scope, receive, send)


class SecurityHeaders:
    """Adds the security headers, computed once, to every response that lacks them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = _BASE_HEADERS if scope["path"].startswith(CSP_EXEMPT) else SECURITY_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in extra if n not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# ------------------------------------------------------------------------ representations


@dataclass(frozen=True)
class Representation:
    """One encoding of a response, with every message it is sent as, built once."""

    etag: bytes
    start: Message
    body: Message
    not_modified: Message


def _digest(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def _etag(digest: str, suffix: str = "") -> bytes:
    return f'"{digest}{suffix}"'.encode()


def _representation(status: int, headers: Headers, body: bytes, etag: bytes) -> Representation:
    full = [*headers, (b"content-length", str(len(body)).encode()), (b"etag", etag)]
    kept = (b"cache-control", b"vary")
    return Representation(
        etag,
        {"type": "http.response.start", "status": status, "headers": full},
        {"type": "http.response.body", "body": body, "more_body": False},
        {"type": "http.response.start", "status": 304,
         "headers": [(n, v) for n, v in full if n in kept] + [(b"etag", etag)]},
    )


@dataclass(frozen=True)
class Entry:
    """A response as kept: its identity and (if worth it) gzip representations."""

    label: Hashable  # the revision it was built for
    identity: Representation
    gzipped: Representation | None
    size: int

    @classmethod
    def build(cls, label: Hashable, status: int, headers: Headers, body: bytes,
              cache_control: bytes) -> "Entry":
        drop = {b"content-length", b"etag", b"cache-control", b"vary", b"content-encoding"}
        base = [(n, v) for n, v in headers if n.lower() not in drop]
        base.append((b"cache-control", cache_control))
        content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
        packed = None
        if len(body) > COMPRESS_OVER and content_type.startswith(_COMPRESSIBLE):
            packed = gzip.compress(body, compresslevel=6, mtime=0)
            if len(packed) >= len(body):
                packed = None
        digest = _digest(body)  # both tags name the page's bytes: hashed once
        if packed is None:
            return cls(label, _representation(status, base, body, _etag(digest)), None,
                       len(body))
        base.append((b"vary", b"accept-encoding"))
        identity = _representation(status, base, body, _etag(digest))
        gzipped = _representation(status, [*base, (b"content-encoding", b"gzip")], packed,
                                  _etag(digest, "-gzip"))
        return cls(label, identity, gzipped, len(body) + len(packed))


@lru_cache(maxsize=256)
def accepts_gzip(accept_encoding: bytes) -> bool:
    """Does an Accept-Encoding header take gzip (by name or ``*``, with q above 0)?"""
    for item in accept_encoding.split(b","):
        name, _, params = item.strip().partition(b";")
        if name.strip().lower() not in (b"gzip", b"*"):
            continue
        q = params.strip().lower()
        if q.startswith(b"q="):
            try:
                return float(q[2:]) > 0
            except ValueError:
                return False
        return True
    return False


@lru_cache(maxsize=256)
def _tags(if_none_match: bytes) -> frozenset[bytes]:
    return frozenset(t.strip().removeprefix(b"W/") for t in if_none_match.split(b","))


def not_modified(if_none_match: bytes, etag: bytes) -> bool:
    """``If-None-Match`` against our strong tag (weak comparison, as RFC 9110 says)."""
    tags = _tags(if_none_match)
    return etag in tags or b"*" in tags


async def send_representation(entry: Entry, send: Send, head: bool, accept_encoding: bytes,
                              if_none_match: bytes) -> None:
    rep = entry.gzipped if entry.gzipped and accepts_gzip(accept_encoding) else entry.identity
    if if_none_match and not_modified(if_none_match, rep.etag):
        await send(rep.not_modified)
        await send(_EMPTY_BODY)
        return
    await send(rep.start)
    await send(_EMPTY_BODY if head else rep.body)


_EMPTY_BODY: Message = {"type": "http.response.body", "body": b"", "more_body": False}


# ------------------------------------------------------------------------ revisions


# Built once: constructing a statement costs more than running it.
_REVISION_SQL = "SELECT value FROM content_revision WHERE id = ?"
_REVISION = select(revisions.ContentRevision.value).where(
    revisions.ContentRevision.id == revisions.ROW_ID)
_ARTICLE_SQL = "SELECT id, revision, edit_version, updated_at FROM articles WHERE slug = ?"
_ARTICLE = select(Article.id, Article.revision, Article.edit_version, Article.updated_at).where(
    Article.slug == bindparam("slug"))


class Revisions:
    """What cached responses depend on, read cheaply at every request.

    ``library()`` is the content revision (one primary-key read: a raw SQLite connection kept
    by the worker, or a pooled connection of the app's engine for other databases);
    ``article(slug)`` an article's (id, revision, edit version, last change of its row),
    looked up once per library revision. ``None`` from either means "cannot tell": the
    request goes to the app.
    """

    def __init__(self, engine: Engine) -> None:
        url = engine.url.render_as_string(hide_password=False)
        self.path = sqlite_path(url)
        # Its own single connection, never one of the request handlers' pool: the checks run
        # on the event loop, and waiting there for a pool that handlers hold (their
        # connections go back only when the loop runs their teardown) would stall the worker.
        # (An in-memory SQLite database exists only in the app's engine, so that one is kept.)
        # Autocommit and no ping before each use: the check is one round trip, not four
        # (ping, BEGIN, SELECT, ROLLBACK). A connection the server dropped fails one check,
        # whose request goes to the app; SQLAlchemy then replaces it for the next.
        self._own_engine = self.path is None and engine.dialect.name != "sqlite"
        self.engine = create_engine(engine.url, pool_size=1, max_overflow=0,
                                    isolation_level="AUTOCOMMIT") if self._own_engine else engine
        self._sqlite: sqlite3.Connection | None = None
        self._cursor: sqlite3.Cursor | None = None  # reused: the checks run on the event loop
        self._seen: int | None = None
        self._articles: dict[str, tuple[Any, ...] | None] = {}

    def _sqlite_cursor(self) -> sqlite3.Cursor:
        if self._cursor is None:
            # mode=rw: never create the file a mistyped DATABASE_URL names.
            self._sqlite = sqlite3.connect(f"file:{self.path}?mode=rw", uri=True,
                                           check_same_thread=False, isolation_level=None)
            self._sqlite.execute("PRAGMA busy_timeout=2000")
            self._cursor = self._sqlite.cursor()
        return self._cursor

    def _query(self, sql: str, params: tuple[Any, ...], statement: Any) -> Any:
        if self.path is not None:
            try:
                return self._sqlite_cursor().execute(sql, params).fetchone()
            except sqlite3.Error:
                self.close()
                raise
        with self.engine.connect() as conn:
            return conn.execute(statement).first()

    def library(self) -> int | None:
        try:
            row = self._query(_REVISION_SQL, (revisions.ROW_ID,), _REVISION)
        except Exception:  # noqa: BLE001 - unmigrated or unreachable: the app says why
            return None
        value = int(row[0]) if row is not None else 0
        if value != self._seen:
            self._seen, self._articles = value, {}
        return value

    def article(self, slug: str) -> tuple[Any, ...] | None:
        if slug in self._articles:
            return self._articles[slug]
        try:
            row = self._query(_ARTICLE_SQL, (slug,), _ARTICLE.params(slug=slug))
        except Exception:  # noqa: BLE001
            return None
        # updated_at too: a new title, source or date on an unchanged text is no revision.
        found = tuple(row) if row is not None else None
        if len(self._articles) > 10_000:
            self._articles.clear()
        self._articles[slug] = found
        return found

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = self._cursor = None
        if self._own_engine:
            self.engine.dispose()


# ------------------------------------------------------------------------ which responses

_SEG = r"[^/]+"
# Show nothing from other articles: kept until this article changes.
ARTICLE_ONLY = re.compile(
    rf"/articles/(?P<a>{_SEG})/quotes(?:/{_SEG})?"
    rf"|/api/articles/(?P<b>{_SEG})(?:/quotes(?:/{_SEG})?|/sentences)?"
)
# Show library-wide facts ("In 3 articles", counts, lists, search): kept until any change.
LIBRARY_WIDE = re.compile(
    rf"/articles/(?!new$){_SEG}(?:/entities/{_SEG})?"
    rf"|/api/articles(?:/{_SEG}/entities(?:/{_SEG})?)?"
    r"|/|/entities(?:/[^/]+)?|/search|/api/entities(?:/[^/]+)?|/api/search"
    r"|/api/library/articles"
)
HEALTHY = b'{"status":"ok"}'  # /healthz (the app's answer when the front cannot tell)


@lru_cache(maxsize=4096)
def kept_route(path: str) -> tuple[bool, str | None]:
    """(kept?, the article's slug if only that article's changes matter)."""
    if (match := ARTICLE_ONLY.fullmatch(path)) is not None:
        return True, match["a"] or match["b"]
    return LIBRARY_WIDE.fullmatch(path) is not None, None


def dependency(path: str, revs: Revisions) -> Hashable | None:
    """The revision a response at ``path`` is built for; None: not kept."""
    kept, slug = kept_route(path)
    if not kept:
        return None
    library = revs.library()
    if slug is None or library is None:
        return library
    return revs.article(slug)


# ------------------------------------------------------------------------ static files

class StaticAssets:
    """The files under ``static/``: fingerprinted URLs, and each file read once."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.urls: dict[str, str] = {}  # plain relative path -> fingerprinted one
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                relative = path.relative_to(directory).as_posix()
                digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
                stem, dot, ext = relative.rpartition(".")
                plain = dot and "/" not in ext
                self.urls[relative] = f"{stem}.{digest}.{ext}" if plain else f"{relative}.{digest}"
        self.plain = {fingerprinted: relative for relative, fingerprinted in self.urls.items()}
        self._entries: dict[tuple[str, bool], Entry] = {}

    def url(self, path: str) -> str:
        """``/static/css/reader.<fingerprint>.css``; an unknown file keeps its plain name."""
        path = path.lstrip("/")
        return f"/static/{self.urls.get(path, path)}"

    def entry(self, path: str) -> Entry | None:
        """The file a ``/static/...`` path names: fingerprinted (immutable) or plain."""
        relative = path.removeprefix("/static/")
        if relative in self.plain:
            key = (self.plain[relative], True)
        elif relative in self.urls:
            key = (relative, False)
        else:
            return None  # the app's StaticFiles answers 404
        if (entry := self._entries.get(key)) is None:
            entry = self._entries[key] = self._build(*key)
        return entry

    def _build(self, relative: str, immutable: bool) -> Entry:
        body = (self.directory / relative).read_bytes()
        media, _ = mimetypes.guess_type(relative)
        media = media or "application/octet-stream"
        if media.startswith("text/") or media == "application/javascript":
            media += "; charset=utf-8"
        headers = [(b"content-type", media.encode()), *SECURITY_HEADERS]
        return Entry.build(None, 200, headers, body, IMMUTABLE if immutable else PUBLIC)


# ------------------------------------------------------------------------ the cache


class ResponseStore:
    """Kept responses of one worker, least recently used dropped past ``max_bytes``."""

    def __init__(self, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.entries: OrderedDict[tuple[str, bytes], Entry] = OrderedDict()
        self.builds = 0  # how many responses were built (every other one came from here)

    def get(self, key: tuple[str, bytes]) -> Entry | None:
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    def keep(self, key: tuple[str, bytes], entry: Entry) -> None:
        self.builds += 1
        if (old := self.entries.pop(key, None)) is not None:
            self.size -= old.size
        if entry.size > self.max_bytes // 4:
            return
        self.entries[key] = entry
        self.size += entry.size
        while self.size > self.max_bytes:
            _, dropped = self.entries.popitem(last=False)
            self.size -= dropped.size


class ResponseCache:
    """Serve kept responses and static files; keep what the app answers (see module doc)."""

    def __init__(self, app: ASGIApp, revs: Revisions, assets: StaticAssets,
                 store: ResponseStore, session_cookie: str) -> None:
        self.app = app
        self.revs = revs
        self.assets = assets
        self.store = store
        self.cookie = session_cookie.encode() + b"="
        self.health = Entry.build(None, 200, [(b"content-type", b"application/json"),
                                              *SECURITY_HEADERS], HEALTHY, PUBLIC)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        accept_encoding = if_none_match = b""
        editor = False
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                accept_encoding = value
            elif name == b"if-none-match":
                if_none_match = value
            elif name == b"cookie" and self.cookie in value:
                editor = True
        head = scope["method"] == "HEAD"
        if path.startswith("/static/"):  # the same files for everyone
            static = self.assets.entry(path)
            if static is not None:
                await send_representation(static, send, head, accept_encoding, if_none_match)
                return
            await self.app(scope, receive, send)
            return
        if path == "/healthz" and self.revs.library() is not None:
            # The revision check read the database: it answers and has the schema.
            await send_representation(self.health, send, head, accept_encoding, if_none_match)
            return
        if editor:  # an editor's pages are their own: never kept, never shared
            await self.app(scope, receive, send)
            return
        label = dependency(path, self.revs)
        if label is None:
            await self.app(scope, receive, send)
            return
        key = (path, scope["query_string"])
        entry = self.store.get(key)
        if entry is None or entry.label != label:
            entry = await self._build(scope, receive, send, key, label)
            if entry is None:
                return  # not kept: the app's answer was sent as it was
        await send_representation(entry, send, head, accept_encoding, if_none_match)

    async def _build(self, scope: Scope, receive: Receive, send: Send,
                     key: tuple[str, bytes], label: Hashable) -> Entry | None:
        """Ask the app (as GET) and keep its answer if it may be shared."""
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app({**scope, "method": "GET"}, receive, capture)
        body = b"".join(chunks)
        status = start.get("status", 500)
        headers: Headers = list(start.get("headers", ()))
        cache_control = next((v for n, v in headers if n.lower() == b"cache-control"), PUBLIC)
        shareable = (
            status == 200
            and not any(n.lower() == b"set-cookie" for n, _ in headers)
            and b"private" not in cache_control and b"no-store" not in cache_control
        )
        if not shareable:
            await send(start)
            await send({"type": "http.response.body", "more_body": False,
                        "body": b"" if scope["method"] == "HEAD" else body})
            return None
        entry = Entry.build(label, status, headers, body, cache_control)
        self.store.keep(key, entry)
        return entry
