"""Who may use the board, and proof that a change comes from the board's own page.

- **Where it listens.** 127.0.0.1 by default: only this computer reaches it, and
  requests must name a loopback host (a page elsewhere cannot rebind a domain name
  to it). Any other address needs a secret (at least 16 characters) that every
  browser types once on a login page; without one the server refuses to start.
- **CSRF.** Every change is a POST that carries a token tied to the browser's
  session cookie (an HMAC with the server's key); cookies are SameSite=Strict
  and a POST from another origin is refused as well.
- **Headers.** A content security policy that allows the board's own scripts
  only, no framing, no referrer, nothing cached.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "allocopt_session"
AUTH_COOKIE = "allocopt_auth"
CHAIR_COOKIE = "allocopt_chair"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
MIN_SECRET = 16
MAX_BODY = 64 * 1024
"""Largest request body accepted: the board's forms are a few fields of text."""
PUBLIC = ("/login", "/static/", "/favicon.ico")
"""Paths answered before signing in: the login page, the stylesheet, script and icon."""
LOG = logging.getLogger("allocopt.web")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                    ("X-Frame-Options", "DENY"), ("Referrer-Policy", "no-referrer"))


class AccessError(Exception):
    """The board cannot start with these settings (message for the terminal)."""


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Access:
    """The access settings of one server."""

    secret: str | None = None
    allowed_hosts: frozenset[str] | None = None
    """Host headers accepted (None: any, as behind a login)."""
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    @classmethod
    def for_server(cls, host: str, port: int, secret: str | None) -> Access:
        """Settings for `allocopt serve --host HOST --port PORT`."""
        if secret is not None and len(secret) < MIN_SECRET:
            raise AccessError(f"the board's secret is too short: at least {MIN_SECRET} "
                              "characters")
        if not is_loopback(host):
            if secret is None:
                raise AccessError(
                    f"--host {host} lets other computers reach the board: set a secret first "
                    "(ALLOCOPT_BOARD_SECRET or --secret-file FILE), or keep the default "
                    "--host 127.0.0.1")
            return cls(secret=secret, key=_derive(secret))
        names = {host, "localhost", "127.0.0.1", "[::1]"}
        hosts = frozenset({*names, *(f"{n}:{port}" for n in names)})
        return cls(secret=secret, allowed_hosts=hosts,
                   key=_derive(secret) if secret else secrets.token_bytes(32))

    @property
    def login_required(self) -> bool:
        return self.secret is not None

    def sign(self, purpose: str, session: str) -> str:
        return hmac.new(self.key, f"{purpose}:{session}".encode(), hashlib.sha256).hexdigest()

    def csrf_token(self, session: str) -> str:
        return self.sign("csrf", session)

    def check_secret(self, given: str) -> bool:
        return self.secret is not None and hmac.compare_digest(
            given.encode("utf-8", "replace"), self.secret.encode())

    def authenticated(self, request: Request) -> bool:
        if not self.login_required:
            return True
        session = request.cookies.get(SESSION_COOKIE, "")
        given = request.cookies.get(AUTH_COOKIE, "")
        return bool(session) and hmac.compare_digest(given, self.sign("auth", session))


def _derive(secret: str) -> bytes:
    # a stable key, so that pages open before a restart still work after it
    return hashlib.sha256(b"allocopt-board:" + secret.encode()).digest()


def session_of(request: Request) -> str:
    """The browser's session id (set by the middleware on its first visit)."""
    return str(request.state.session)


def csrf_ok(request: Request, access: Access, form_token: str | None) -> bool:
    """True when a POST carries this session's token and comes from the board's origin."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host", ""):
        return False
    given = form_token or request.headers.get(CSRF_HEADER, "")
    session = request.cookies.get(SESSION_COOKIE, "")
    return bool(session and given) and hmac.compare_digest(given, access.csrf_token(session))


class AccessMiddleware:
    """Host check, session cookie, login, security headers and a log line with no
    personal data (method, path without its query, status, time). Plain ASGI: the
    preview is asked for many times a minute and must stay cheap."""

    def __init__(self, app: ASGIApp, access: Access) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        access = self.access
        request = Request(scope)
        host = request.headers.get("host", "")
        path = request.url.path
        if access.allowed_hosts is not None and host not in access.allowed_hosts:
            await PlainTextResponse("This board answers on 127.0.0.1 only.",
                                    status_code=400)(scope, receive, send)
            return
        length = request.headers.get("content-length", "0")
        if not length.isdigit() or int(length) > MAX_BODY:
            await PlainTextResponse("The form is too large.", status_code=413)(
                scope, receive, send)
            return
        session = request.cookies.get(SESSION_COOKIE, "")
        fresh = not (len(session) == 43 and session.replace("-", "").replace("_", "").isalnum())
        if fresh:
            session = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["session"] = session
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    if name not in headers:
                        headers.append(name, value)
                if not path.startswith("/static/") and "cache-control" not in headers:
                    headers.append("Cache-Control", "no-store")
                if fresh:
                    headers.append("Set-Cookie", f"{SESSION_COOKIE}={session}; HttpOnly; "
                                                 "Path=/; SameSite=strict")
            await send(message)

        if (access.login_required and not path.startswith(PUBLIC)
                and not (not fresh and access.authenticated(request))):
            response: Response
            if request.headers.get("hx-request"):
                response = Response(status_code=401, headers={"HX-Redirect": "/login"})
            else:
                response = RedirectResponse("/login", status_code=303)
            await response(scope, receive, send_with_headers)
        else:
            try:
                await self.app(scope, receive, send_with_headers)
            except Exception as e:
                # Starlette has answered with the error page and raises again for the
                # server to log; its traceback could carry data from the files, so
                # only the type is logged, here.
                LOG.error("error on %s %s: %s", scope["method"], path, type(e).__name__)
        LOG.info("%s %s %d %.0f ms", scope["method"], path, status,
                 1000 * (time.perf_counter() - started))
