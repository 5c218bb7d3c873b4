"""The permapress HTTP server: the newest site at ``/`` and a trustless IPFS gateway at ``/ipfs/``.

    create_app(*, blocks, site_root, is_served, site_name="permapress") -> Starlette

- ``blocks``: where blocks are read from (a ``Blockstore``; the server never writes);
- ``site_root()``: the newest published site root, or None before the first build; called on
  every request to ``/`` so a new build shows up at once;
- ``is_served(cid)``: may this root CID be served? Only published content is; anything else is
  answered 404 exactly like a CID the server does not hold (see ``served.ServedSet``);
- ``site_name``: shown on the page ``/`` gives before anything was built.

Routes: ``GET|HEAD|OPTIONS /ipfs/{cid}[/path]`` -> ``gateway.Gateway``; ``GET|HEAD`` anything
else -> ``website.Website``. Other methods get 405. Both share one cache of resolved paths and
one cache of small file bytes.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from permapress.ipfs.blockstore import Blockstore
from permapress.ipfs.cid import CID
from permapress.server.gateway import Gateway
from permapress.server.website import Website


def create_app(
    *,
    blocks: Blockstore,
    site_root: Callable[[], CID | None],
    is_served: Callable[[CID], bool],
    site_name: str = "permapress",
) -> Starlette:
    """Build the ASGI application (see the module docstring)."""
    gateway = Gateway(blocks, is_served)
    website = Website(site_root, gateway.files, gateway.resolve, site_name)

    async def ipfs(request: Request) -> Response:
        return await gateway.handle(request)

    async def site(request: Request) -> Response:
        return await website.handle(request)

    app = Starlette(
        routes=[
            Route("/ipfs/{rest:path}", ipfs, methods=["GET", "HEAD", "OPTIONS"]),
            Route("/{rest:path}", site, methods=["GET", "HEAD"]),
        ]
    )
    app.state.gateway = gateway
    app.state.website = website
    return app
