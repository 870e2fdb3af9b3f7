"""Signing in and out of the browser session that lets an editor write."""

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.web.auth import CSRF_FIELD, AuthDep, client_key
from app.web.deps import LinksDep, TemplatesDep

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)


def safe_next(value: object) -> str:
    """A path on this site to go to after signing in; anything else (another site,
    ``//host``, a backslash trick) goes home."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return "/"
    if "\\" in value or any(ord(c) < 32 for c in value):
        return "/"
    return value


def _form(
    request: Request, templates: TemplatesDep, auth: AuthDep, next_path: str,
    error: str | None = None, status: int = 200,
) -> HTMLResponse:
    context = {"next": next_path, "error": error, "disabled": auth.admin_token is None}
    response = templates.TemplateResponse(request, "login.html", context, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/login")
def login_form(request: Request, templates: TemplatesDep, auth: AuthDep) -> HTMLResponse:
    return _form(request, templates, auth, safe_next(request.query_params.get("next")))


@router.post("/login")
async def login(request: Request, templates: TemplatesDep, auth: AuthDep) -> Response:
    form = await request.form()
    next_path = safe_next(form.get("next"))
    if auth.admin_token is None:
        return _form(request, templates, auth, next_path, status=403)
    if not auth.csrf_is_valid(request, _text(form.get(CSRF_FIELD))):
        return _form(request, templates, auth, next_path, status=400,
                     error="This form has expired. Please enter the token again.")
    client = client_key(request)
    await auth.backoff.wait(client)  # repeated failures wait longer, without blocking others
    if not auth.token_is_valid(_text(form.get("token")).strip()):
        auth.backoff.failed(client)
        return _form(request, templates, auth, next_path, status=401,
                     error="That is not the admin token.")
    auth.backoff.succeeded(client)
    auth.sign_in(request)
    return RedirectResponse(next_path, status_code=303)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


@router.post("/logout")
async def logout(request: Request, auth: AuthDep, links: LinksDep) -> Response:
    form = await request.form()
    if auth.signed_in(request):
        if not auth.csrf_is_valid(request, _text(form.get(CSRF_FIELD))):
            raise HTTPException(403, "a valid CSRF token is required to sign out")
        auth.sign_out(request)
    return RedirectResponse(links.home(), status_code=303)


@router.get("/logout")
def logout_link(request: Request, auth: AuthDep, links: LinksDep) -> Response:
    # A GET may end the session too: the cookie is SameSite=Strict, so a request started by
    # another site carries no session to end.
    auth.sign_out(request)
    return RedirectResponse(links.home(), status_code=303)
