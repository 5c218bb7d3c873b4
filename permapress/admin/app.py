"""``admin_app(home)``: the Starlette app of the admin origin (``permapress serve --admin-port``).

    /admin/login, /admin/logout            sign in (JSON or an HTML form) and out
    /admin/api/…                           the JSON API (``api.py``, docs/admin-api.md)
    /admin/preview/<secret>                a draft's preview link (no sign-in; expires)
    /admin/media/<slug>/<name>             an uploaded image, for the editor and previews
    /admin/…                               the editor's pages (``ui/``), when present

Every answer carries ``Cache-Control: no-store`` and a strict Content-Security-Policy (our own
scripts, styles and images only; no framing); nothing here is ever served on the origin of
``/ipfs/`` content, so a published page can never read an editor's session.

``AdminContext`` (``context.py``) is what every handler (ours and the pages') reaches through
``request.app.state.admin``: the newsroom folder, its settings, admin.sqlite, the clock and
the lock that serialises publishing.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from permapress.admin.api import api_routes
from permapress.admin.auth import AuthMiddleware
from permapress.admin.context import AdminContext as AdminContext
from permapress.admin.context import context as context
from permapress.admin.errors import AdminError
from permapress.admin.listing import sync
from permapress.admin.store import AdminStore
from permapress.admin.workflow import publish_due
from permapress.config import load_config
from permapress.errors import PermapressError

UI_MODULE = "permapress.admin.ui.pages"
SCHEDULE_SECONDS = 5.0
_LOG = logging.getLogger("permapress.admin")
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class _Headers:
    """no-store, CSP, nosniff, no referrer (preview links are secrets in URLs)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _v in headers}
                extra = [
                    (b"cache-control", b"no-store"),
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                ]
                headers += [(k, v) for k, v in extra if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


async def _admin_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, AdminError):
        return JSONResponse(exc.as_json(), status_code=exc.status)
    assert isinstance(exc, PermapressError)
    return JSONResponse({"error": exc.message, "status": 400}, status_code=400)


def _lifespan(ctx: AdminContext) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(_publish_when_due(ctx))
        try:
            yield
        finally:
            task.cancel()

    return lifespan


async def _publish_when_due(ctx: AdminContext) -> None:
    """Every few seconds, publish the scheduled articles whose time has come."""
    from starlette.concurrency import run_in_threadpool

    while True:
        try:  # the article list follows the catalog (imports and commands beside the admin)
            await run_in_threadpool(sync, ctx.store, ctx.config.catalog_path)
        except Exception:
            _LOG.exception("reading the catalog into the article list failed")
        await asyncio.sleep(SCHEDULE_SECONDS)
        try:
            for done in await run_in_threadpool(publish_due, ctx):
                _LOG.warning("published %s version %d as scheduled", done.slug, done.version)
        except Exception:  # a failed round must not end the scheduler; the next one retries
            _LOG.exception("publishing scheduled articles failed")


def ui_routes(ctx: AdminContext) -> list[BaseRoute]:
    """The editor's pages (``permapress.admin.ui.pages.ui_routes``), when they are installed."""
    try:
        module = importlib.import_module(UI_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name and UI_MODULE.startswith(exc.name):
            return []
        raise
    routes: list[BaseRoute] = module.ui_routes(ctx)
    return routes


def admin_app(
    home: Path,
    *,
    clock: Callable[[], float] = time.time,
    secure: bool = False,
    base_url: str = "http://127.0.0.1:8001",
    store: AdminStore | None = None,
    session_seconds: int = 12 * 3600,
    scheduler: bool = False,
) -> Starlette:
    """The admin app over the newsroom in ``home`` (admin.sqlite is created when missing).
    ``scheduler``: while the app runs, publish scheduled articles when their time comes."""
    config = load_config(home)
    ctx = AdminContext(
        home=home,
        config=config,
        store=store or AdminStore.open(home),
        clock=clock,
        secure=secure,
        base_url=base_url,
        session_seconds=session_seconds,
    )
    routes = api_routes() + ui_routes(ctx)
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(_Headers),
            Middleware(AuthMiddleware, store=ctx.store, clock=clock),
        ],
        exception_handlers={PermapressError: _admin_error},
        lifespan=_lifespan(ctx) if scheduler else None,
    )
    app.state.admin = ctx
    return app
