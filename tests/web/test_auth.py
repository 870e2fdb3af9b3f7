"""Signing in, the session cookie, CSRF, and the writer dependency every write route uses."""

import asyncio
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.settings import Settings
from app.web.account import safe_next
from app.web.auth import SESSION_COOKIE, FailureBackoff, load_or_create_secret
from tests.conftest import ADMIN_TOKEN
from tests.web.conftest import csrf_of, sign_in
from tests.web.fakes import consume_jobs

TEXT = "Fighters attacked Kirkuk on Monday, officials said.\n\nThe police pushed them back."


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient]:
    from app.web.app import create_app

    app = create_app(settings)
    consume_jobs(app)
    with TestClient(app) as client:
        yield client


def test_login_form_is_labelled_and_gives_anonymous_visitors_no_cookie(
    app_client: TestClient,
) -> None:
    page = app_client.get("/login")
    assert page.status_code == 200
    assert '<label for="admin-token">Admin token</label>' in page.text
    assert 'id="admin-token" name="token"' in page.text
    assert ">Sign in</button>" in page.text
    assert "set-cookie" not in page.headers
    assert 'href="/login"' in app_client.get("/").text  # the header offers signing in


def test_wrong_token_shows_the_form_again_with_an_error_and_no_cookie(
    app_client: TestClient,
) -> None:
    form = app_client.get("/login")
    response = app_client.post(
        "/login", data={"token": "wrong", "csrf_token": csrf_of(form.text), "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 401
    assert "That is not the admin token." in response.text
    assert 'aria-invalid="true"' in response.text
    assert "set-cookie" not in response.headers
    assert not app_client.cookies


def test_right_token_sets_a_strict_http_only_session(app_client: TestClient) -> None:
    form = app_client.get("/login?next=/articles/new")
    assert 'name="next" value="/articles/new"' in form.text
    response = app_client.post(
        "/login",
        data={"token": ADMIN_TOKEN, "csrf_token": csrf_of(form.text), "next": "/articles/new"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/articles/new"
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith(SESSION_COOKIE)
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert "secure" not in cookie  # PUBLIC_URL is http here
    home = app_client.get("/")
    assert ">Sign out</button>" in home.text and 'href="/articles/new"' in home.text
    assert home.headers["cache-control"] == "private, no-store"


def test_the_login_form_needs_its_csrf_token(app_client: TestClient) -> None:
    response = app_client.post("/login", data={"token": ADMIN_TOKEN, "csrf_token": "forged"})
    assert response.status_code == 400
    assert "expired" in response.text
    assert not app_client.cookies


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example", "/\\evil",
                                    "javascript:alert(1)", "", None])
def test_next_never_leaves_the_site(target: object) -> None:
    assert safe_next(target) == "/"


def test_next_keeps_local_paths() -> None:
    assert safe_next("/articles/ramadi?x=1") == "/articles/ramadi?x=1"


def test_writer_needs_credentials_401_and_right_ones_403(app_client: TestClient) -> None:
    none = app_client.post("/api/articles", json={"text": TEXT})
    assert none.status_code == 401
    assert none.headers["www-authenticate"] == "Bearer"
    wrong = app_client.post("/api/articles", json={"text": TEXT},
                            headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    right = app_client.post("/api/articles", json={"text": TEXT, "slug": "kirkuk"},
                            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert right.status_code == 201


def test_a_session_writes_only_with_its_csrf_token(app_client: TestClient) -> None:
    csrf = sign_in(app_client)
    without = app_client.post("/api/articles", json={"text": TEXT, "slug": "a"})
    assert without.status_code == 403
    assert "CSRF" in without.json()["detail"]
    forged = app_client.post("/api/articles", json={"text": TEXT, "slug": "a"},
                             headers={"X-CSRF-Token": "forged"})
    assert forged.status_code == 403
    ok = app_client.post("/api/articles", json={"text": TEXT, "slug": "a"},
                         headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201, ok.text


def test_signing_out_ends_the_session(app_client: TestClient) -> None:
    csrf = sign_in(app_client)
    forged = app_client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403
    response = app_client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    after = app_client.post("/api/articles", json={"text": TEXT}, headers={"X-CSRF-Token": csrf})
    assert after.status_code == 401
    assert 'href="/login"' in app_client.get("/").text


def test_get_logout_ends_the_session_too(app_client: TestClient) -> None:
    sign_in(app_client)
    assert app_client.get("/logout", follow_redirects=False).status_code == 303
    assert 'href="/login"' in app_client.get("/").text


def test_a_new_admin_token_ends_old_sessions(settings: Settings) -> None:
    from app.web.app import create_app

    with TestClient(create_app(settings)) as first:
        sign_in(first)
        cookies = dict(first.cookies)
    rotated = settings.model_copy(update={"admin_token": "a-new-token"})
    with TestClient(create_app(rotated), cookies=cookies) as second:
        assert 'href="/login"' in second.get("/").text
    with TestClient(create_app(settings), cookies=cookies) as same:
        assert ">Sign out</button>" in same.get("/").text  # the stored secret was reused


def test_sign_in_is_disabled_without_an_admin_token(settings: Settings) -> None:
    from app.web.app import create_app

    with TestClient(create_app(settings.model_copy(update={"admin_token": None}))) as c:
        page = c.get("/login")
        assert "Signing in is disabled" in page.text
        assert c.post("/login", data={"token": "x"}).status_code == 403


def test_the_secret_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    first = load_or_create_secret(tmp_path / "data")
    assert len(first) >= 40
    assert load_or_create_secret(tmp_path / "data") == first
    mode = (tmp_path / "data" / "secret_key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_failures_back_off_per_client_and_success_forgets() -> None:
    backoff = FailureBackoff(free=2, base=0.5, cap=4.0)
    delays = []
    for _ in range(7):
        delays.append(backoff.delay("a"))
        backoff.failed("a")
    assert delays == [0, 0, 0.5, 1.0, 2.0, 4.0, 4.0]
    assert backoff.delay("b") == 0  # another client is not slowed
    backoff.succeeded("a")
    assert backoff.delay("a") == 0


def test_a_slowed_login_does_not_block_other_requests(settings: Settings) -> None:
    """While one client waits out its backoff, the server answers others at once."""
    import httpx

    from app.web.app import create_app

    app = create_app(settings)
    # Seconds of backoff: room for the other request to be answered on a loaded machine.
    app.state.auth.backoff = FailureBackoff(free=0, base=3.0, cap=3.0)
    app.state.auth.backoff.failed("testclient")

    async def run() -> list[str]:
        transport = httpx.ASGITransport(app=app, client=("testclient", 50000))
        order: list[str] = []
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as c:
            form = await c.get("/login")

            async def slow() -> None:
                await c.post("/login", data={"token": "x", "csrf_token": csrf_of(form.text)})
                order.append("login")

            async def fast() -> None:
                await asyncio.sleep(0.1)
                await c.get("/healthz")
                order.append("health")

            await asyncio.gather(slow(), fast())
        return order

    # A thread of its own: a session-wide event loop (Playwright's) may be running here.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, run()).result() == ["health", "login"]
