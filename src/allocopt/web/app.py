"""The meeting board as a web app: Starlette, Jinja2 templates and HTMX (vendored).

Every page works without scripts (forms post and the page reloads); with HTMX a
decision swaps only the rows it changed, the workers' bars and the message line.
Changes are POSTs with a CSRF token; a bad form comes back on the page with its
message and the values typed kept; a household decided in another tab comes back
with what was decided there and the values this tab typed, ready to correct.
"""

from __future__ import annotations

import gc
import logging
import math
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from allocopt.allocation.explain import Standing, rank_workers
from allocopt.history import history
from allocopt.record.store import DecisionRow
from allocopt.report.minutes import (
    decision_words,
    minutes_html,
    minutes_markdown,
    minutes_xlsx,
)
from allocopt.report.terminal import fmt
from allocopt.web.meeting import DecisionConflict, FormError, MeetingBoard, Row, RuleBreach
from allocopt.web.security import (
    AUTH_COOKIE,
    CHAIR_COOKIE,
    CSRF_FIELD,
    Access,
    AccessMiddleware,
    csrf_ok,
    session_of,
)

LOG = logging.getLogger("allocopt.web")
STATIC = Path(__file__).parent / "static"
HTMX = "htmx-2.0.11.min.js"
BAR_TOP = 150.0
"""Load % that fills a bar; 100 % is marked on every bar."""
ACTIONS = ("accept", "assign", "defer", "pin", "exclude", "reopen")
MAX_FORM_FIELD = 2000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def bar_width(s: Standing) -> float:
    if not math.isfinite(s.pct):
        return 100.0
    return round(min(max(s.pct, 0.0), BAR_TOP) / BAR_TOP * 100, 1)


def pct(s: Standing | float | None) -> str:
    value = s.pct if isinstance(s, Standing) else s
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.1f}%"


def settle() -> None:
    """Move what the meeting holds out of the collector's way.

    A meeting of 1,000 households holds millions of long-lived objects (the
    problem, the explained suggestions); a full collection over them, started by a
    page's many small strings, added 0.1-0.2 s to a board of that size. Frozen
    objects are still freed when nothing refers to them.
    """
    gc.collect()
    gc.freeze()


def domkey(value: str) -> str:
    """A household id as a safe HTML id and CSS selector part."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else f"_{ord(c):x}_"
                   for c in value)


def environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([PackageLoader("allocopt.web", "templates"),
                             PackageLoader("allocopt.report", "templates")]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        # the templates ship with the package: no need to look at the files again
        auto_reload=False, cache_size=-1)
    env.filters["pct"] = pct
    env.filters["width"] = bar_width
    env.filters["amount"] = fmt
    env.filters["domkey"] = domkey
    env.globals["decision_words"] = decision_words
    env.globals["HTMX"] = HTMX
    env.globals["mark100"] = round(100 / BAR_TOP * 100, 1)
    return env


class BoardApp:
    """The routes of one meeting board."""

    def __init__(self, board: MeetingBoard, access: Access) -> None:
        self.board = board
        self.access = access
        self.env = environment()
        self.decimals = board.scheme.decimals
        self.band_marks = [(b.name, b.bound) for b in board.scheme.rag if b.bound is not None]

    # ------------------------------------------------------------------ helpers

    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        session = session_of(request)
        retarget = context.pop("headers_retarget", False)
        for key, default in (("message", None), ("error", None), ("typed", {}),
                             ("options", []), ("preview", None), ("open_for", None),
                             ("oob", False), ("focus", None)):
            context.setdefault(key, default)
        if context["open_for"] and not context["options"]:
            try:
                context["options"] = self.options(self.board.row(context["open_for"]))
            except FormError:
                context["open_for"] = None
        text = self.env.get_template(name).render(
            csrf=self.access.csrf_token(session), chair=self.chair(request),
            board=self.board, view=self.board.view, decimals=self.decimals,
            login_required=self.access.login_required, **context)
        headers = {"HX-Retarget": "#flash", "HX-Reswap": "outerHTML"} if retarget else None
        return HTMLResponse(text, status_code=status, headers=headers)

    @staticmethod
    def chair(request: Request) -> str:
        return unquote(request.cookies.get(CHAIR_COOKIE, ""))[:100]

    @staticmethod
    def htmx(request: Request) -> bool:
        return request.headers.get("hx-request") == "true"

    async def form(self, request: Request) -> FormData:
        form = await request.form(max_files=0, max_fields=50)
        for value in form.values():
            if isinstance(value, str) and len(value) > MAX_FORM_FIELD:
                raise FormError(f"A field is too long (at most {MAX_FORM_FIELD} characters)")
        if not csrf_ok(request, self.access, str(form.get(CSRF_FIELD) or "") or None):
            raise PermissionError
        return form

    def refused(self, request: Request) -> Response:
        text = ("This page is out of date (the board was restarted, or the form came from "
                "elsewhere): nothing was saved. Reload the page and try again.")
        return self.flash_or_board(request, text, 403)

    # -------------------------------------------------------------------- pages

    def index(self, request: Request) -> Response:
        return self.render(request, "board.html", focus=request.query_params.get("focus"),
                           open_for=request.query_params.get("open"))

    def household(self, request: Request) -> Row:
        """The household the path names, or 404."""
        try:
            return self.board.row(request.path_params["hid"])
        except FormError as e:
            raise HTTPException(404, e.message) from None

    def row(self, request: Request) -> Response:
        return self.render(request, "_row.html", r=self.household(request), open_chooser=False)

    def chooser(self, request: Request) -> Response:
        r = self.household(request)
        return self.render(request, "_chooser.html", r=r, options=self.options(r))

    def options(self, r: Row) -> list[dict[str, Any]]:
        """Every worker for the household, best first, with why (the rules' words)."""
        b = self.board
        ex = b.ex
        h = ex.household_index[r.id]
        taken = list(b.view.taken)
        ranked = rank_workers(ex, h, "lead", taken)
        out = []
        for alt in ranked:
            after = alt.after
            label = (f"{alt.worker_id} ({pct(after)} {after.band} after)" if after is not None
                     else f"{alt.worker_id} (hard rule: {alt.reason})")
            out.append({"id": alt.worker_id, "label": label[:160], "eligible": alt.eligible})
        return out

    async def preview(self, request: Request) -> Response:
        # In the event loop, not a thread: a fraction of a millisecond of arithmetic,
        # asked for every time the manager picks a worker.
        hid = request.query_params.get("household", "")
        wid = request.query_params.get("worker", "")
        if not wid:
            return HTMLResponse("")
        template = self.env.get_template("_preview.html")
        try:
            p = self.board.preview(hid, wid)
        except FormError as e:
            return HTMLResponse(template.render(p=None, error=e.message), status_code=422)
        return HTMLResponse(template.render(p=p, error=None))

    # ------------------------------------------------------------------ actions

    async def act(self, request: Request) -> Response:
        hid = request.path_params["hid"]
        action = request.path_params["action"]
        if action not in ACTIONS:
            raise HTTPException(404, "no such action")
        typed: dict[str, str] = {}
        try:
            form = await self.form(request)
            typed = {k: str(v) for k, v in form.items() if k != CSRF_FIELD}
            expected = _revision(typed.get("revision"))
            before = {r.id: r for r in self.board.view.rows}
            self.board.row(hid)
            who = self.chair(request)
            b = self.board
            do: dict[str, Callable[[], Any]] = {
                "accept": partial(b.accept, hid, expected, who),
                "assign": partial(b.assign, hid, typed.get("worker", ""), typed.get("reason"),
                                  typed.get("override") == "yes", expected, who),
                "defer": partial(b.defer, hid, typed.get("reason"), expected, who),
                "pin": partial(b.pin, hid, typed.get("worker", ""), typed.get("reason"),
                               expected, who),
                "exclude": partial(b.exclude, hid, typed.get("worker", ""), typed.get("reason"),
                                   expected, who),
                "reopen": partial(b.reopen, hid, typed.get("reason"), expected, who),
            }
            saved = do[action]()
        except PermissionError:
            return self.refused(request)
        except FormError as e:
            return self.form_error(request, hid, e, typed, action)
        except DecisionConflict as e:
            return self.conflict(request, hid, e, typed, action)
        message = _saved_words(saved)
        if not self.htmx(request):
            return RedirectResponse(f"/?focus={quote(hid)}#row-{quote(hid)}", status_code=303)
        after = self.board.view.rows
        changed = [r for r in after if r.id != hid and _row_key(before.get(r.id)) != _row_key(r)]
        return self.render(request, "_changed.html", r=self.board.row(hid), others=changed,
                           message=message, open_chooser=False, typed={})

    def form_error(self, request: Request, hid: str, e: FormError, typed: dict[str, str],
                   action: str) -> Response:
        try:
            r = self.board.row(hid)
        except FormError:
            return self.flash_or_board(request, e.message, 422)
        if not self.htmx(request):
            return self.render(request, "board.html", status=422, error=e.message, focus=hid,
                               typed=typed, open_for=hid if action != "accept" else None)
        return self.render(request, "_changed.html", status=422, r=r, others=[],
                           error=e.message, open_chooser=action not in ("accept", "defer",
                                                                        "reopen"),
                           typed=typed, options=self.options(r), row_error=e.message)

    def conflict(self, request: Request, hid: str, e: DecisionConflict, typed: dict[str, str],
                 action: str) -> Response:
        current = e.current
        who = current.decided_by if current is not None else "someone"
        what = _saved_words(current) if current is not None else "a change"
        text = (f"{hid} was decided meanwhile in another tab ({what}, by {who}). Your "
                f"{action} was not saved; what you typed is kept below: submit it again to "
                "record it as a correction.")
        r = self.board.row(hid)
        if not self.htmx(request):
            return self.render(request, "board.html", status=409, error=text, focus=hid,
                               typed=typed, open_for=hid)
        return self.render(request, "_changed.html", status=409, r=r, others=[], error=text,
                           open_chooser=True, typed=typed, options=self.options(r),
                           row_error=text)

    async def rerun(self, request: Request) -> Response:
        try:
            await self.form(request)
            run = self.board.rerun(self.chair(request))
            settle()
        except PermissionError:
            return self.refused(request)
        except RuleBreach as breach:
            return self.flash_or_board(request, f"The re-run was not shown: {breach.message} "
                                                "The suggestions of the last run stay.")
        except FormError as e:
            return self.flash_or_board(request, e.message, 422)
        message = (f"Re-run {run.number}: {len(run.assignments)} suggestions with the "
                   "decisions so far fixed.")
        if not self.htmx(request):
            return RedirectResponse("/", status_code=303)
        return self.render(request, "_board_body.html", message=message, focus=None)

    async def set_chair(self, request: Request) -> Response:
        try:
            form = await self.form(request)
        except PermissionError:
            return self.refused(request)
        except FormError as e:
            return self.render(request, "board.html", status=422, error=e.message, focus=None)
        name = " ".join(str(form.get("chair") or "").split())
        if not name or len(name) > 100:
            return self.render(request, "board.html", status=422, focus=None,
                               error="Type the name of who is deciding (1 to 100 characters).")
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(CHAIR_COOKIE, quote(name), httponly=True, samesite="strict")
        return response

    # ------------------------------------------------------------ other pages

    def escalation(self, request: Request) -> Response:
        return self.render(request, "escalation.html", outcome=self.board.run.outcome)

    def rebalance(self, request: Request) -> Response:
        try:
            plan = self.board.rebalance()
        except RuleBreach as breach:
            return self.render(request, "board.html", status=500, error=breach.message)
        return self.render(request, "rebalance.html", plan=plan)

    def flash_or_board(self, request: Request, error: str, status: int = 500) -> Response:
        """An error for the message line (HTMX) or on the whole board."""
        if self.htmx(request):
            return self.render(request, "_flash.html", status=status, error=error,
                               headers_retarget=True)
        return self.render(request, "board.html", status=status, error=error)

    @staticmethod
    def favicon(request: Request) -> Response:
        # browsers ask for /favicon.ico on any page without an icon link (the minutes,
        # the Markdown and CSV shown as text): 16x16 load bars on the board's navy
        return FileResponse(STATIC / "favicon.ico", media_type="image/x-icon",
                            headers={"Cache-Control": "public, max-age=86400"})

    def minutes(self, request: Request) -> Response:
        return HTMLResponse(minutes_html(self.board.minutes()))

    def minutes_md(self, request: Request) -> Response:
        name = f"minutes-{self.board.team.id}-{self.board.base.on.isoformat()}.md"
        return PlainTextResponse(minutes_markdown(self.board.minutes()),
                                 media_type="text/markdown; charset=utf-8",
                                 headers={"Content-Disposition": f'inline; filename="{name}"'})

    def minutes_xlsx(self, request: Request) -> Response:
        name = f"minutes-{self.board.team.id}-{self.board.base.on.isoformat()}.xlsx"
        return Response(minutes_xlsx(self.board.minutes()), media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    def record_csv(self, request: Request) -> Response:
        b = self.board
        scope = request.query_params.get("scope")
        text = b.record.decisions_csv(b.team.id, None if scope == "all" else b.meeting.id)
        name = f"decisions-{b.team.id}-{b.base.on.isoformat()}.csv"
        return PlainTextResponse(text, media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'attachment; filename="{name}"'})

    def history(self, request: Request) -> Response:
        b = self.board
        h = history(b.scheme, b.record.history(b.team.id))
        return self.render(request, "history.html", h=h)

    # ------------------------------------------------------------------- login

    async def login(self, request: Request) -> Response:
        if request.method == "GET":
            return self.render(request, "login.html")
        try:
            form = await self.form(request)
        except (PermissionError, FormError):
            return self.render(request, "login.html", status=403,
                               error="The form was out of date: try again.")
        if not self.access.check_secret(str(form.get("secret") or "")):
            LOG.warning("login refused")
            return self.render(request, "login.html", status=403,
                               error="That is not the board's secret.")
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(AUTH_COOKIE, self.access.sign("auth", session_of(request)),
                            httponly=True, samesite="strict")
        return response


def _revision(value: str | None) -> int:
    try:
        number = int(value or "")
    except ValueError:
        raise FormError("The form is missing which version of the household it changes: "
                        "reload the page", "revision") from None
    if not 0 <= number < 1_000_000:
        raise FormError("The form's version of the household is out of range: reload the "
                        "page", "revision")
    return number


def _saved_words(saved: DecisionRow) -> str:
    outcome = saved.outcome
    worker = saved.chosen_worker
    words = {
        "accepted": f"{saved.household_id} to {worker}: accepted",
        "overridden": f"{saved.household_id} to {worker}: given to another worker"
                      + (" (HARD RULE OVERRIDDEN)" if saved.hard_rule_override else ""),
        "deferred": f"{saved.household_id}: deferred",
        "pinned": f"{saved.household_id} pinned to {worker} for the next run",
        "excluded": f"{worker} excluded from {saved.household_id}",
        "reopened": f"{saved.household_id} reopened",
    }
    return words.get(outcome, outcome)


def _row_key(r: Row | None) -> tuple[Any, ...]:
    if r is None:
        return ()
    return (r.state.revision, r.suggestion.worker_id if r.suggestion else None, r.withheld)


def create_app(board: MeetingBoard, access: Access | None = None) -> ASGIApp:
    """The board's ASGI app (loopback rules unless `access` says otherwise)."""
    access = access or Access()
    ui = BoardApp(board, access)

    async def on_error(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("Something went wrong on the board; nothing was saved by this "
                                 "request. Reload the page.", status_code=500)

    async def not_found(request: Request, exc: Exception) -> Response:
        detail = exc.detail if isinstance(exc, HTTPException) else "not found"
        code = exc.status_code if isinstance(exc, HTTPException) else 404
        return PlainTextResponse(str(detail), status_code=code)

    routes = [
        Route("/", ui.index),
        Route("/rows/{hid}", ui.row),
        Route("/household/{hid}/choose", ui.chooser),
        Route("/household/{hid}/{action}", ui.act, methods=["POST"]),
        Route("/preview", ui.preview),
        Route("/rerun", ui.rerun, methods=["POST"]),
        Route("/chair", ui.set_chair, methods=["POST"]),
        Route("/escalation", ui.escalation),
        Route("/rebalance", ui.rebalance),
        Route("/minutes", ui.minutes),
        Route("/minutes.md", ui.minutes_md),
        Route("/minutes.xlsx", ui.minutes_xlsx),
        Route("/record.csv", ui.record_csv),
        Route("/history", ui.history),
        Route("/login", ui.login, methods=["GET", "POST"]),
        Route("/favicon.ico", ui.favicon),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={Exception: on_error,
                                                       HTTPException: not_found})
    app.state.board = board
    # outermost, so that it sees the errors Starlette raises again after answering
    return AccessMiddleware(app, access)
