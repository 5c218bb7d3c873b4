"""The permapress HTTP server: the newest site at ``/`` and a trustless IPFS gateway at ``/ipfs/``.

    create_app(*, blocks, site_root, is_served, site_name="permapress", ipns_records=None,
               refresh=None, car_limits=CarLimits()) -> Starlette

- ``blocks``: where blocks are read from (a ``Blockstore``; the server never writes);
- ``site_root()``: the newest published site root, or None before the first build; called on
  every request to ``/`` so a new build shows up at once;
- ``is_served(cid)``: may this root CID be served? Only published content is; anything else is
  answered 404 exactly like a CID the server does not hold (see ``served.ServedSet``);
- ``site_name``: shown on the page ``/`` gives before anything was built;
- ``ipns_records(name)``: the newest signed IPNS record of a ``k51…`` name, or None; when given,
  ``/ipns/{name}`` is served by ``ipns.IpnsGateway`` (records, redirects to ``/ipfs/``);
- ``refresh()``: look for a newer build now; the gateway calls it before answering 404 for a
  root that is not served, so a site root built a moment ago answers at once;
- ``car_limits``: the most one CAR response may send (``carstream.CarLimits``);
- ``search(text)``: hits from the catalog's search index (``search.catalog_search``); when
  given, the website renders ``/search/index.html?q=…`` itself.

Routes: ``GET|HEAD|OPTIONS /ipfs/{cid}[/path]`` -> ``gateway.Gateway``; ``GET|HEAD`` anything
else -> ``website.Website``. Other methods get 405. Both share one cache of resolved paths and
one cache of small file bytes.

Before routing, ``PermapressApp`` answers requests whose complete response is cached (see
``hot.py``) straight from the ASGI scope: no middleware, router or Request object on the hot
path. What a cached answer depends on is in its key or checked on every hit (``is_served`` for
the gateway, ``site_root()`` for the website), so the shortcut answers exactly what the full
path would.

Requests the HTTP server lets through but the app refuses itself (granian, the server
``permapress serve`` runs, is more lenient here than uvicorn was, and these answers stay as they
were): a request with a ``Transfer-Encoding`` (with ``Content-Length`` too it is the shape of
request smuggling; granian drops the ``Content-Length`` before the app sees it, so any
``Transfer-Encoding`` is refused: no reader's GET has a body) and a target that is not a path
(``CONNECT host:port``, which Starlette would redirect to that host) get 400 and the connection
is closed.

Every response leaves with the security headers (``responses.secure``): cached answers carry
them already, every other response (streams, redirects, Starlette's own 404/405/500, /ipns/)
gets the ones it lacks as it starts. A CAR stream that must stop early (a missing block, a
response limit) ends the connection without completing the response, so the client sees a
broken transfer, never a complete-looking CAR, and no traceback is printed.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from permapress.errors import PermapressError
from permapress.ipfs.blockstore import Blockstore
from permapress.ipfs.cid import CID
from permapress.server.carstream import CarLimits
from permapress.server.gateway import Gateway
from permapress.server.hot import HotRequest
from permapress.server.responses import Prepared, secure, text_error
from permapress.server.search import Search
from permapress.server.website import Website


class PermapressApp(Starlette):
    """Starlette with the cached-response shortcut in front (see the module docstring)."""

    gateway: Gateway
    website: Website

    def cached(self, hot: HotRequest) -> Prepared | None:
        """The complete answer cached for this request, if there is one."""
        if hot.raw_path.startswith(b"/ipfs/"):
            return self.gateway.cached(hot)
        root = self.website.site_root()
        return None if root is None else self.website.cached(hot, root)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            hot = HotRequest.of(scope)
            if hot is not None:
                hit = self.cached(hot)
                if hit is not None:
                    await hit(scope, receive, send)
                    return
        if scope["type"] == "http" and _malformed(scope):
            await _refuse(scope, receive, send)
            return
        started = False

        async def send_secure(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": secure(list(message.get("headers", ())))}
            await send(message)

        try:
            await super().__call__(scope, receive, send_secure)
        except PermapressError:  # a missing or damaged block, a CAR limit: while streaming
            if not started:
                raise
            # the body was cut off: returning without completing the response makes the
            # server drop the connection, which is what a client must see


def _malformed(scope: Scope) -> bool:
    """A Transfer-Encoding header, or a target that is not a path."""
    path = scope["path"]
    if scope["method"] == "CONNECT" or not (path.startswith("/") or path == "*"):
        return True
    return any(name == b"transfer-encoding" for name, _value in scope["headers"])


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    message = "Invalid HTTP request received: this request cannot be answered"
    await text_error(400, message, [("connection", "close")])(scope, receive, send)


def create_app(
    *,
    blocks: Blockstore,
    site_root: Callable[[], CID | None],
    is_served: Callable[[CID], bool],
    site_name: str = "permapress",
    ipns_records: Callable[[str], bytes | None] | None = None,
    refresh: Callable[[], object] | None = None,
    car_limits: CarLimits | None = None,
    search: Search | None = None,
) -> Starlette:
    """Build the ASGI application (see the module docstring)."""
    gateway = Gateway(blocks, is_served, car_limits=car_limits, refresh=refresh)
    website = Website(site_root, gateway.files, gateway.resolve, site_name, search=search)

    async def ipfs(request: Request) -> Response:
        return await gateway.handle(request)

    async def site(request: Request) -> Response:
        return await website.handle(request)

    routes = [Route("/ipfs/{rest:path}", ipfs, methods=["GET", "HEAD", "OPTIONS"])]
    # --- IPNS hook (permapress/server/ipns.py, owned by the publishing work) ---
    if ipns_records is not None:
        from permapress.server.ipns import IpnsGateway

        ipns = IpnsGateway(ipns_records)
        routes.append(Route("/ipns/{rest:path}", ipns.handle, methods=["GET", "HEAD"]))
    # --- end of the IPNS hook ---
    app = PermapressApp(routes=[*routes, Route("/{rest:path}", site, methods=["GET", "HEAD"])])
    app.gateway = gateway
    app.website = website
    return app
