"""Who may write: the admin token as a bearer header, or a signed-in session with a CSRF token.

``WriterDep`` is the one dependency every write route takes (the JSON API and the HTML forms
alike). Reads stay public.

The session lives in a signed cookie (Starlette's ``SessionMiddleware``: HttpOnly,
SameSite=Strict, Secure when ``PUBLIC_URL`` is https). Signing in stores a fingerprint of the
admin token, so changing ``ADMIN_TOKEN`` ends every session, and a random CSRF token that
forms carry in a hidden field and scripts in an ``X-CSRF-Token`` header. Forms shown before
signing in (the sign-in form itself) carry a signed, time-limited token instead, so that an
anonymous visitor is never given a cookie.
"""

import asyncio
import hashlib
import hmac
import os
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

SESSION_COOKIE = "newsreader_session"
SESSION_MAX_AGE = 7 * 24 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
ANONYMOUS_CSRF_MAX_AGE = 2 * 3600
SECRET_FILE = "secret_key"


def load_or_create_secret(data_dir: Path) -> str:
    """The secret stored in ``data_dir``; created (readable by its owner only) when absent.

    Several workers may start at once: the first to create the file wins, the others read it.
    """
    path = data_dir / SECRET_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it right now
            secret = path.read_text(encoding="ascii").strip()
            if secret:
                return secret
            time.sleep(0.02)
        raise RuntimeError(f"{path} is empty: delete it or set SECRET_KEY") from None
    secret = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(secret + "\n")
    return secret


def _equal(given: str, expected: str) -> bool:
    # Bytes: compare_digest refuses str with non-ASCII characters (header values can have them).
    return hmac.compare_digest(
        given.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape")
    )


def _token_fingerprint(secret: str, token: str) -> str:
    return hmac.new(secret.encode(), b"admin-token:" + token.encode(), hashlib.sha256).hexdigest()


class FailureBackoff:
    """Slows down guessing: after a few wrong tokens from one client, each further attempt
    waits longer (doubling, capped). The wait is ``asyncio.sleep``: other requests go on."""

    def __init__(self, free: int = 3, base: float = 0.25, cap: float = 8.0,
                 forget_after: float = 900.0, clients: int = 10_000) -> None:
        self.free, self.base, self.cap = free, base, cap
        self.forget_after, self.clients = forget_after, clients
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()

    def delay(self, client: str) -> float:
        count, last = self._failures.get(client, (0, 0.0))
        if count < self.free or time.monotonic() - last > self.forget_after:
            return 0.0
        return float(min(self.cap, self.base * 2 ** (count - self.free)))

    def failed(self, client: str) -> None:
        count, last = self._failures.pop(client, (0, 0.0))
        if time.monotonic() - last > self.forget_after:
            count = 0
        self._failures[client] = (count + 1, time.monotonic())
        while len(self._failures) > self.clients:
            self._failures.popitem(last=False)

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)

    async def wait(self, client: str) -> None:
        delay = self.delay(client)
        if delay:
            await asyncio.sleep(delay)


def client_key(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


class Auth:
    """The app's credentials: the admin token and the secret that signs sessions."""

    def __init__(self, admin_token: str | None, secret: str) -> None:
        self.admin_token = admin_token or None
        self.secret = secret
        self.backoff = FailureBackoff()
        self._anonymous = TimestampSigner(secret, salt="anonymous-csrf")

    def token_is_valid(self, token: str) -> bool:
        return self.admin_token is not None and _equal(token, self.admin_token)

    # Sessions
    def sign_in(self, request: Request) -> None:
        assert self.admin_token is not None
        request.session.clear()  # a fresh session: nothing chosen before signing in survives
        request.session.update({
            "writer": _token_fingerprint(self.secret, self.admin_token),
            CSRF_FIELD: secrets.token_urlsafe(32),
        })

    def signed_in(self, request: Request) -> bool:
        if self.admin_token is None or "session" not in request.scope:
            return False
        stored = request.session.get("writer")
        expected = _token_fingerprint(self.secret, self.admin_token)
        return isinstance(stored, str) and hmac.compare_digest(stored, expected)

    @staticmethod
    def sign_out(request: Request) -> None:
        request.session.clear()

    # CSRF
    def csrf_token(self, request: Request) -> str:
        """The token a form rendered for this request carries."""
        if self.signed_in(request):
            token: str = request.session[CSRF_FIELD]
            return token
        return self._anonymous.sign(secrets.token_urlsafe(16)).decode()

    def csrf_is_valid(self, request: Request, given: str | None) -> bool:
        if not given:
            return False
        if self.signed_in(request):
            return _equal(given, request.session.get(CSRF_FIELD, ""))
        try:
            self._anonymous.unsign(given, max_age=ANONYMOUS_CSRF_MAX_AGE)
        except (BadSignature, SignatureExpired):
            return False
        return True


def get_auth(request: Request) -> Auth:
    auth: Auth = request.app.state.auth
    return auth


AuthDep = Annotated[Auth, Depends(get_auth)]

bearer = HTTPBearer(
    auto_error=False,
    description="ADMIN_TOKEN; or sign in at /login and send the session cookie with an "
    "X-CSRF-Token header",
)

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def _submitted_csrf(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").startswith(FORM_TYPES):
        value = (await request.form()).get(CSRF_FIELD)  # parsed once, cached for the route
        return value if isinstance(value, str) else None
    return None


@dataclass(frozen=True)
class Writer:
    via: Literal["token", "session"]

    @property
    def author(self) -> str:
        """How an audit log names who wrote."""
        return "admin (token)" if self.via == "token" else "admin (signed in)"


async def require_writer(
    request: Request,
    auth: AuthDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Writer:
    """Runs before the body is validated: without credentials, nothing about the input is told.

    401 without credentials, 403 with wrong ones (or a session without a valid CSRF token).
    """
    if credentials is not None:
        if auth.admin_token is None:
            raise HTTPException(403, "writes over HTTP are disabled: ADMIN_TOKEN is not set")
        client = client_key(request)
        await auth.backoff.wait(client)
        if not auth.token_is_valid(credentials.credentials.strip()):
            auth.backoff.failed(client)
            raise HTTPException(403, "the bearer token is not the admin token")
        auth.backoff.succeeded(client)
        return Writer("token")
    if auth.signed_in(request):
        if not auth.csrf_is_valid(request, await _submitted_csrf(request)):
            raise HTTPException(
                403, f"a valid CSRF token is required (form field {CSRF_FIELD!r} or "
                f"{CSRF_HEADER} header)"
            )
        return Writer("session")
    if auth.admin_token is None:
        raise HTTPException(403, "writes over HTTP are disabled: ADMIN_TOKEN is not set")
    raise HTTPException(
        401, "a valid 'Authorization: Bearer <token>' header or a signed-in session is required",
        headers={"WWW-Authenticate": "Bearer"},
    )


WriterDep = Annotated[Writer, Depends(require_writer)]


def is_signed_in(request: Request) -> bool:
    """For templates and pages: does this request come from a signed-in browser?"""
    return get_auth(request).signed_in(request)
