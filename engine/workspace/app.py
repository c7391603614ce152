"""The workspace's web application (FastAPI on Starlette): the pages, the downloads and the upload limits.

    GET  /                              upload page: office, year, the drop zone, recent checks
    GET  /template.xlsx?office=&year=   the office's fill-in template workbook (needs --offices)
    POST /checks                        an upload (form fields office, year, files): 303 to its check page
    GET  /checks/{id}                   the check: verdict, data problems, failing duties, changes
    GET  /checks/{id}/report/{path}     the HTML report of the office's subtree (index.html, offices/*.html)
    GET  /checks/{id}/report.pdf        the office's page printed to PDF (where Chromium is installed)
    GET  /checks/{id}/findings.xlsx     the rectification list
    GET  /checks/{id}/errors.csv        every data problem, one per line
    POST /checks/{id}/submission        build the submission package (form field note)
    GET  /checks/{id}/submission.zip    download it
    POST /checks/{id}/waivers           request a waiver of a finding (shared mode; engine/workspace/waiver_routes.py)
    GET  /healthz                       liveness, whether the audit's libraries are loaded, the number of checks

In the shared mode (`serve --shared`, engine/workspace/shared.py) every route but /login, /healthz and /static
needs a logged-in session; a check of an office outside the account's subtree is answered 404 like a missing
one, an action outside its role 403; uploads, submissions and downloads are written to the audit log. In both
modes every POST without its session's CSRF token is refused 403 (engine/workspace/csrf.py). Sessions are
starsessions' server-side sessions: in the database in the shared mode (engine/workspace/sessions.py), in
memory in the single-user mode.

A refused upload answers its 4xx status with the upload page and the message on it; a request body over the
upload limit is answered 413 before it is read (BodyLimit). No route writes outside the data folder.
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starsessions import InMemoryStore, SessionMiddleware, is_loaded

from westaudit.workspace.consolidation import ConsolidationWorker
from westaudit.workspace.consolidation_routes import add_consolidation_routes
from westaudit.workspace.csrf import FormGuard, checked_fields, require_csrf, workspace_secret
from westaudit.workspace.outcome import CheckOutcome
from westaudit.workspace.permissions import LOCAL, NotVisible, Refused, Viewer, require, subtree
from westaudit.workspace.records import CheckRecord
from westaudit.workspace.review import add_review_routes
from westaudit.workspace.selfcheck import ERRORS_CSV, PACKAGE_DIR, REPORT_DIR, Upload, Workspace, too_large
from westaudit.workspace.sessions import COOKIE
from westaudit.workspace.settings import Settings
from westaudit.workspace.shared import SharedDesk, add_shared_routes, guard_of
from westaudit.workspace.staging import UploadRefused
from westaudit.workspace.submission import build_submission
from westaudit.workspace.template_download import template_workbook
from westaudit.workspace.waiver_routes import add_waiver_routes

CHECK_ID = re.compile(r"^[0-9a-f]{24}$")
# form fields besides the files: office, year, note; anything much larger is not from our page
MAX_FIELD_BYTES = 64 * 1024
MAX_FILES = 200
NOTE_MAX_CHARS = 2000


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Refuse a request body over `max_bytes`: at once when Content-Length says so, else when the bytes
    received pass it (a chunked upload), before the form parser spools any more of it."""

    def __init__(self, app, max_bytes: int, answer) -> None:
        self.app, self.max_bytes, self.answer = app, max_bytes, answer

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            return await self.answer(scope, receive, send)
        seen = 0
        started = False

        async def counting_receive():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _TooLarge
            return message

        async def watching_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _TooLarge:
            if not started:
                await self.answer(scope, receive, send)


def _templates() -> Environment:
    env = Environment(loader=PackageLoader("westaudit.workspace", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["groupby_place"] = _by_place
    return env


def _by_place(problems) -> list[tuple[tuple[str, str], list]]:
    """Data problems grouped by file and sheet, in the order they come (file, then row)."""
    groups: dict[tuple[str, str], list] = {}
    for problem in problems:
        groups.setdefault((problem.file, problem.sheet), []).append(problem)
    return list(groups.items())


def create_app(settings: Settings, workspace: Workspace | None = None) -> FastAPI:
    workspace = workspace or Workspace(settings)
    env = _templates()
    desk = SharedDesk(workspace, settings) if settings.shared else None
    worker = ConsolidationWorker(desk) if desk is not None else None

    @asynccontextmanager
    async def lifespan(_app):
        if worker is not None:  # the shared mode's background jobs (engine/workspace/jobs.py), one worker a process
            worker.start()
        yield
        if worker is not None:
            worker.stop()
        workspace.store.engine.dispose()  # SQLite folds its write-ahead log back into the file

    app = FastAPI(title="westaudit 工作台", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan,
                  dependencies=[Depends(guard_of(desk))])
    app.state.workspace = workspace
    app.state.desk = desk
    app.state.worker = worker
    lifetime = dt.timedelta(hours=settings.session_hours)
    app.state.form_guard = forms = FormGuard(workspace_secret(settings.data_dir), lifetime)
    app.mount("/static", StaticFiles(directory=str(files("westaudit.workspace").joinpath("static"))), name="static")

    def page(request: Request | None, name: str, status: int = 200, **context) -> HTMLResponse:
        viewer = getattr(request.state, "viewer", None) if request is not None else None
        def csrftoken() -> str:  # made only where a page has a form: a token puts a value in the session
            # a page answered before the session was loaded (an over-large upload): its form asks for a reload
            return forms.token(request) if request is not None and is_loaded(request) else ""

        return HTMLResponse(env.get_template(name).render(settings=settings, viewer=viewer, csrftoken=csrftoken,
                                                          **context), status_code=status)

    def upload_page(request: Request | None, status: int = 200, error: UploadRefused | None = None,
                    office: str = "", year: str = "") -> HTMLResponse:
        viewer: Viewer | None = getattr(request.state, "viewer", None) if request is not None else None
        if viewer is None and desk is None:
            viewer = LOCAL
        if viewer is None:  # the shared mode, answered before the guard ran: nothing of any office shown
            offices, recent = {}, []
        elif viewer.offices is None:
            offices, recent = workspace.offices, workspace.book.recent(limit=10)
        else:
            offices = {o: n for o, n in workspace.offices.items() if o in viewer.offices}
            recent = workspace.book.recent(limit=10, offices=viewer.offices)
        return page(request, "index.html.j2", status, error=error, offices=offices,
                    office=office, year=year or (str(workspace.default_year) if workspace.default_year else ""),
                    recent=recent, max_upload_mb=settings.max_upload_bytes // (1024 * 1024))

    async def answer_too_large(scope, receive, send):
        # answered before any route ran: no viewer, so no office names and no recent checks on the page
        response = upload_page(None, 413, too_large(settings.max_upload_bytes))
        response.headers["Connection"] = "close"
        await response(scope, receive, send)

    app.add_middleware(SessionMiddleware, store=desk.sessions if desk is not None else InMemoryStore(),
                       lifetime=lifetime, cookie_name=COOKIE, cookie_https_only=settings.secure_cookies,
                       cookie_same_site="lax", cookie_path="/")
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes + MAX_FIELD_BYTES, answer=answer_too_large)

    def record_of(request: Request, check_id: str) -> CheckRecord:
        record = workspace.book.get(check_id) if CHECK_ID.match(check_id) else None
        if record is None or not request.state.viewer.sees(record.office_id):
            raise _NotFound
        return record

    def logged(request: Request, action: str, target: str) -> None:
        if desk is not None:
            desk.record(request, action, target)

    @app.exception_handler(_NotFound)
    async def not_found(request: Request, _exc: _NotFound) -> HTMLResponse:
        return page(request, "missing.html.j2", 404)

    @app.exception_handler(NotVisible)
    async def not_visible(request: Request, _exc: NotVisible) -> HTMLResponse:
        return page(request, "missing.html.j2", 404)

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> HTMLResponse:
        return page(request, "missing.html.j2", 403, reason=exc.message_zh, reason_en=exc.message_en)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, _exc: Exception) -> HTMLResponse:
        # a defect of ours, not of the upload: a page in the office's language, the details in the server's log
        return page(request, "missing.html.j2", 500,
                    reason="工作台内部出错，本次上传没有保存；请稍后重试，或把这次上传的文件交给技术支持")

    if desk is not None:
        add_shared_routes(app, desk, page)
        add_review_routes(app, desk, page, _download)
        add_consolidation_routes(app, desk, page)

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request, office: str = "") -> HTMLResponse:
        return upload_page(request, office=office)

    @app.get("/template.xlsx")
    async def template(request: Request, office: str = "", year: str = "") -> Response:
        viewer: Viewer = request.state.viewer
        if not office:  # no office chosen yet: the page where one is chosen
            return upload_page(request, year=year)
        if not viewer.sees(office):
            raise _NotFound
        try:
            path = await run_in_threadpool(template_workbook, workspace, office, year)
        except UploadRefused as refused:
            return upload_page(request, refused.status, refused, office, year)
        return _download(path, f"{office}-{year}-填报模板.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @app.post("/checks")
    async def create_check(request: Request) -> Response:
        viewer: Viewer = request.state.viewer
        require(viewer, "fill")
        office = year = ""
        try:
            async with request.form(max_files=MAX_FILES, max_fields=20, max_part_size=MAX_FIELD_BYTES) as form:
                require_csrf(request, form)
                office, year = str(form.get("office") or ""), str(form.get("year") or "")
                uploads = [Upload(item.filename or "upload", item.file) for item in form.getlist("files")
                           if hasattr(item, "file") and (item.filename or item.size)]
                record = await run_in_threadpool(workspace.receive, uploads, office, year, viewer.offices)
        except UploadRefused as refused:
            return upload_page(request, refused.status, refused, office, year)
        except HTTPException as exc:  # a malformed multipart body, as the form parser reports it
            return upload_page(request, 400, UploadRefused(400, "上传内容不完整或格式有误，请重新选择文件上传",
                                                           f"malformed upload ({exc.detail})"), office, year)
        logged(request, "upload", f"{record.check_id} {record.office_id} {record.year}")
        return RedirectResponse(f"/checks/{record.check_id}", status_code=303)

    def check_page(request: Request, record: CheckRecord, status: int = 200, **extra) -> HTMLResponse:
        check_id = record.check_id
        outcome: CheckOutcome = workspace.outcome(check_id)
        previous = workspace.book.get(record.previous_check_id) if record.previous_check_id else None
        sent = desk.submissions.of_offices({record.office_id}, record.year) if desk is not None else []
        return page(request, "check.html.j2", status, record=record, outcome=outcome, previous=previous,
                    office_page=f"/checks/{check_id}/report/offices/{_slug(record.office_id)}.html",
                    sent=[s for s in sent if s.check_id == check_id], latest_sent=sent[0] if sent else None,
                    waivers=waivers_of(request, record), today=dt.date.today(), **extra)

    def waivers_of(request: Request, record: CheckRecord) -> list:
        """The waivers asked for by the checked office and the offices below it that the viewer sees (its
        pages show the decisions); none in the single-user mode, where nobody requests one."""
        if desk is None:
            return []
        viewer: Viewer = request.state.viewer
        offices = subtree(record.office_id, workspace.parents)
        return workspace.waivers.of_offices({o for o in offices if viewer.sees(o)})

    if desk is not None:
        add_waiver_routes(app, desk, page, record_of, check_page)

    @app.get("/checks/{check_id}", response_class=HTMLResponse)
    def show_check(request: Request, check_id: str) -> HTMLResponse:
        return check_page(request, record_of(request, check_id))

    @app.get("/checks/{check_id}/report/{path:path}")
    def report_file(request: Request, check_id: str, path: str) -> FileResponse:
        record_of(request, check_id)
        root = (workspace.folder(check_id) / REPORT_DIR).resolve()
        target = (root / (path or "index.html")).resolve()
        if root not in target.parents or not target.is_file():
            raise _NotFound
        if not target.name.endswith(".html"):  # the pages of one report are many; its data files are downloads
            logged(request, "download", f"{check_id} report/{path}")
        return FileResponse(target)

    @app.get("/checks/{check_id}/report.pdf")
    def report_pdf(request: Request, check_id: str) -> Response:
        from westaudit.reports.chromium import find_chromium, print_to_pdf

        record = record_of(request, check_id)
        folder = workspace.folder(check_id) / REPORT_DIR
        pdf = folder / "office.pdf"
        if not pdf.is_file():
            if find_chromium() is None:
                return page(request, "missing.html.j2", 404,
                            reason="本机未安装 Chromium，无法生成 PDF；请下载 HTML 报告后用浏览器打印")
            print_to_pdf(folder / "offices" / f"{_slug(record.office_id)}.html", pdf)
        logged(request, "download", f"{check_id} report.pdf")
        return _download(pdf, f"{_slug(record.office_id)}-{record.year}-自查报告.pdf", "application/pdf")

    @app.get("/checks/{check_id}/findings.xlsx")
    def findings(request: Request, check_id: str) -> FileResponse:
        record = record_of(request, check_id)
        logged(request, "download", f"{check_id} findings.xlsx")
        return _download(workspace.folder(check_id) / REPORT_DIR / "findings.xlsx",
                         f"{_slug(record.office_id)}-{record.year}-整改清单.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @app.get("/checks/{check_id}/errors.csv")
    def errors(request: Request, check_id: str) -> FileResponse:
        record = record_of(request, check_id)
        logged(request, "download", f"{check_id} errors.csv")
        return _download(workspace.folder(check_id) / ERRORS_CSV,
                         f"{_slug(record.office_id)}-{record.year}-数据问题.csv", "text/csv; charset=utf-8")

    @app.post("/checks/{check_id}/submission")
    async def submit(check_id: str, request: Request) -> Response:
        record = record_of(request, check_id)
        viewer: Viewer = request.state.viewer
        require(viewer, "submit")
        limits = {"max_files": 0, "max_fields": 5, "max_part_size": MAX_FIELD_BYTES}
        note = (await checked_fields(request, limits, "note"))["note"].strip()[:NOTE_MAX_CHARS]
        refusal = None
        if not workspace.has_package(check_id):
            refusal = (410, "此次自查上传的文件已按保留设置清理：请重新上传数据后再生成报送包")
        elif not record.can_submit and not note:
            refusal = (400, "自查仍有需整改的问题：请先整改后重新上传，或填写说明（为何带问题报送）后再生成报送包")
        if refusal:
            outcome = workspace.outcome(check_id)
            return page(request, "check.html.j2", refusal[0], record=record, outcome=outcome, previous=None,
                        office_page=f"/checks/{check_id}/report/offices/{_slug(record.office_id)}.html",
                        submission_error=refusal[1])
        folder = workspace.folder(check_id)
        built = await run_in_threadpool(build_submission, folder / PACKAGE_DIR, record.office_id, record.year,
                                        note or None, folder / "submission")
        workspace.book.set_submission(check_id, built.name, note or None)
        if desk is not None:  # in the shared workspace building the package is submitting it
            sent = desk.submissions.submit(workspace.book.get(check_id), built, viewer.username)
            logged(request, "submission", f"{check_id} {sent.receipt_no} sha256 {sent.sha256}")
        return RedirectResponse(f"/checks/{check_id}#submission", status_code=303)

    @app.get("/checks/{check_id}/submission.zip")
    def submission(request: Request, check_id: str) -> FileResponse:
        record = record_of(request, check_id)
        if not record.submission_file:
            raise _NotFound
        logged(request, "download", f"{check_id} {record.submission_file}")
        return _download(workspace.folder(check_id) / "submission" / record.submission_file,
                         record.submission_file, "application/zip")

    @app.get("/healthz")
    def health() -> JSONResponse:
        # ready: the audit's libraries are loaded (until then a check waits for them)
        return JSONResponse({"status": "ok", "ready": workspace.ready.is_set(), "checks": workspace.book.count()})

    return app


class _NotFound(Exception):
    pass


def _slug(office_id: str) -> str:
    from westaudit.reports.model import slug

    return slug(office_id)


def _download(path: Path, name: str, media_type: str) -> FileResponse:
    if not path.is_file():
        raise _NotFound
    # RFC 6266/5987: the Chinese file name for browsers, an ASCII fallback for the rest
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    return FileResponse(path, media_type=media_type, headers={"Content-Disposition": disposition})
