"""Adding and deleting articles from the browser (signed in), and their JSON twins.

One article (pasted text or one file) is ingested while the browser waits, then opens; several
files become a batch whose page lists each file's status and refreshes itself until all are
done. Both go through the same ingest entry point as ``POST /api/articles``.
"""

import re
from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData, UploadFile

from app.ingest.service import ArticleInput, IngestError, delete_article
from app.jobs import FAILED, FINISHED, BatchItem, Jobs, JobsUnavailable
from app.web.auth import WriterDep, is_signed_in
from app.web.deps import ArticleDep, LinksDep, SessionDep, TemplatesDep
from app.web.jobs_api import check_and_queue, wait_for
from app.web.schemas import BatchJobOut, BatchOut, ErrorOut
from app.web.uploads import ACCEPTED, UnreadableFile, display_name, read_upload

router = APIRouter()
pages = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)

MAX_FILES = 50
REFRESH_SECONDS = 2
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
STATUS_LABELS = {"queued": "Queued", "running": "Extracting", "done": "Done", "failed": "Failed"}


class FormProblem(ValueError):
    """Input the form must show again with this message (and the field it is about)."""

    def __init__(self, message: str, field: str | None = None, status: int = 422) -> None:
        super().__init__(message)
        self.field, self.status = field, status


def _sign_in_first(request: Request, links: Any) -> RedirectResponse:
    return RedirectResponse(links.login(next_path=request.url.path), status_code=303)


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- adding


def _form_page(
    request: Request, templates: TemplatesDep, values: dict[str, str] | None = None,
    problem: FormProblem | None = None,
) -> Response:
    context = {
        "values": values or {},
        "error": str(problem) if problem else None,
        "error_field": problem.field if problem else None,
        "accept": ",".join(ACCEPTED),
        "max_files": MAX_FILES,
    }
    status = problem.status if problem else 200
    return _private(templates.TemplateResponse(request, "new_article.html", context,
                                               status_code=status))


@pages.get("/articles/new")
def new_article_form(request: Request, templates: TemplatesDep, links: LinksDep) -> Response:
    if not is_signed_in(request):
        return _sign_in_first(request, links)
    return _form_page(request, templates)


def _text_field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _published(value: str) -> date | None:
    if not value:
        return None
    try:
        if not ISO_DATE.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise FormProblem("Published must be a date (YYYY-MM-DD).", "published") from None


def _source(value: str) -> str | None:
    if not value:
        return None
    if not re.match(r"https?://[^\s/]+", value):
        raise FormProblem("Source URL must be a web address starting with http:// or https://.",
                          "source")
    return value


async def _files(form: FormData) -> list[BatchItem]:
    uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    if len(uploads) > MAX_FILES:
        raise FormProblem(f"Upload at most {MAX_FILES} files at a time.", "files")
    items = []
    for upload in uploads:
        name = display_name(upload.filename)
        data = await upload.read()
        try:
            # Parsing a web page is real work: off the event loop.
            found = await run_in_threadpool(read_upload, name, data)
        except UnreadableFile as exc:
            items.append(BatchItem(name, None, error=str(exc)))
            continue
        items.append(BatchItem(name, found.text, found.title, found.source))
    return items


async def _items(form: FormData) -> list[BatchItem]:
    title = _text_field(form, "title") or None
    source = _source(_text_field(form, "source"))
    published = _published(_text_field(form, "published"))
    text = form.get("text")
    items = []
    if isinstance(text, str) and text.strip():
        items.append(BatchItem("pasted text", text, title, source, published))
    items.extend(await _files(form))
    if not items:
        raise FormProblem("Paste the article's text or choose one or more files.", "text")
    if len(items) == 1:
        # One article: what the form says about it wins over what the file says.
        only = items[0]
        items = [BatchItem(only.filename, only.text, title or only.title,
                                   source or only.source, published, only.error)]
    return items


@pages.post("/articles/new")
async def add_article(
    _writer: WriterDep, request: Request, templates: TemplatesDep, links: LinksDep
) -> Response:
    form = await request.form()
    values = {k: _text_field(form, k) for k in ("title", "source", "published")}
    text = form.get("text")
    values["text"] = text if isinstance(text, str) else ""
    try:
        items = await _items(form)
        if len(items) == 1:
            return await _add_one(request, items[0], links)
    except FormProblem as problem:
        return _form_page(request, templates, values, problem)
    jobs: Jobs = request.app.state.jobs
    try:
        batch_id = await run_in_threadpool(jobs.enqueue_batch, items)
    except JobsUnavailable as exc:
        return _form_page(request, templates, values,
                          FormProblem(f"The files could not be queued now: {exc}.", None, 503))
    return RedirectResponse(links.batch(batch_id), status_code=303)


async def _add_one(request: Request, item: BatchItem, links: LinksDep) -> Response:
    """Queued like every ingest, and waited for: the article opens when it is done (the
    batch page follows it if it takes longer than the ingest timeout)."""
    if item.error is not None or item.text is None:
        raise FormProblem(f"{item.filename}: {item.error}", "files")
    article = ArticleInput(item.text, None, item.title, item.source, item.published)
    try:
        job_id, batch_id = await check_and_queue(request.app.state, article, item.filename,
                                                 batch=True)
    except IngestError as exc:
        field = {"text": "text", "title": "title", "source": "source"}.get(exc.field, "text")
        raise FormProblem(f"The article could not be added: {exc}.", field,
                          exc.status) from exc
    except JobsUnavailable as exc:
        raise FormProblem(f"The article could not be added now: {exc}.", None, 503) from exc
    job = await wait_for(request.app.state, job_id)
    if job.state == FAILED:
        raise FormProblem(f"The article could not be added: {job.error}.", None,
                          job.error_status or 503)
    if job.slug is None:
        assert batch_id is not None
        return RedirectResponse(links.batch(batch_id), status_code=303)
    return RedirectResponse(links.article(job.slug), status_code=303)


# ---------------------------------------------------------------- batches


def _batch(request: Request, batch_id: str, links: LinksDep) -> BatchOut:
    jobs: Jobs = request.app.state.jobs
    found = jobs.batch_status(batch_id)
    if not found:
        raise HTTPException(404, f"no batch {batch_id!r}")
    return BatchOut(
        id=batch_id,
        finished=all(j.state in FINISHED for j in found),
        jobs=[
            BatchJobOut(
                filename=j.filename or "", status=j.state, slug=j.slug,
                error=j.error, url=links.article(j.slug) if j.slug else None,
                job=links.api_job(j.id),
            )
            for j in found
        ],
    )


@router.get(
    "/api/batches/{batch_id}", tags=["articles"],
    responses={404: {"model": ErrorOut, "description": "no such batch"}},
)
def get_batch(batch_id: str, request: Request, response: Response, links: LinksDep
              ) -> BatchOut:
    """The files of a browser upload and how far each has got."""
    response.headers["Cache-Control"] = "no-store"
    return _batch(request, batch_id, links)


@pages.get("/batches/{batch_id}")
def batch_page(
    batch_id: str, request: Request, templates: TemplatesDep, links: LinksDep,
) -> Response:
    batch = _batch(request, batch_id, links)
    refresh = not batch.finished and request.query_params.get("refresh") != "off"
    response = templates.TemplateResponse(
        request, "batch.html",
        {"batch": batch, "refresh": refresh, "labels": STATUS_LABELS,
         "refresh_seconds": REFRESH_SECONDS,
         "counts": {s: sum(j.status == s for j in batch.jobs) for s in STATUS_LABELS}},
    )
    if refresh:
        # Reloads itself without JavaScript (and without an inline script: CSP forbids them).
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return _private(response)


# ---------------------------------------------------------------- deleting


@pages.get("/articles/{slug}/delete")
def confirm_delete(
    article: ArticleDep, request: Request, templates: TemplatesDep, links: LinksDep
) -> Response:
    if not is_signed_in(request):
        return _sign_in_first(request, links)
    return _private(templates.TemplateResponse(request, "delete_article.html",
                                               {"article": article}))


@pages.post("/articles/{slug}/delete")
def delete_from_form(
    _writer: WriterDep, article: ArticleDep, session: SessionDep, links: LinksDep
) -> Response:
    delete_article(session, article)
    session.commit()
    return RedirectResponse(links.home(), status_code=303)


@router.delete(
    "/api/articles/{slug}", tags=["articles"], status_code=204,
    responses={
        401: {"model": ErrorOut, "description": "no credentials"},
        403: {"model": ErrorOut, "description": "wrong token or missing CSRF token"},
        404: {"model": ErrorOut, "description": "no such article"},
    },
)
def delete_from_api(_writer: WriterDep, article: ArticleDep, session: SessionDep) -> Response:
    """Delete the article with everything found in it."""
    delete_article(session, article)
    session.commit()
    return Response(status_code=204)
