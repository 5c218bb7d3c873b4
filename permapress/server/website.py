"""The newest published site at ``/``: paths resolved inside ``site_root()``.

    Website(site_root, files, resolve, site_name).handle(request) -> Response

- ``site_root()`` None (nothing built yet): 503 with a page saying to run ``permapress build``;
- a file: its bytes, Content-Type from its name then sniffing, Range supported (an identity
  CID's bytes, and markup kept as evidence, are attachments: see ``unixfs_view.serve_file``),
  ``Etag: "<file CID>"``, ``Cache-Control: public, max-age=60`` (the site changes with every
  build; what a CID names never does, so revalidation is cheap);
- a directory: ``/x`` -> 301 ``/x/``; ``/x/`` -> its ``index.html``;
- anything else (no such path, a directory without index.html): 404 with the site's own
  ``404.html`` when it has one, else a short plain-text message;
- ``X-Ipfs-Path: /ipfs/<root>/<path>`` tells IPFS-aware browsers where the page lives;
- ``/search/index.html?q=…`` (with ``search``, see ``server/search.py``): the site's search page
  with the catalog's results rendered in it, so search works with scripts off.

Hot path: complete small responses are cached per (path, query) for one site root; the first
response cached for a newer root empties the cache, so a new build is picked up at once. A hit
compares the root and looks up a key of two byte strings (no CID to hash).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from permapress import sitepaths as paths
from permapress.errors import BlockNotFound, GatewayError, PermapressError
from permapress.ipfs.blockstore import identity_data
from permapress.ipfs.cid import CID
from permapress.server.cache import LRU
from permapress.server.files import FileReader
from permapress.server.hot import HotRequest, answer, cacheable
from permapress.server.pages import no_site
from permapress.server.request import RequestInfo
from permapress.server.resolve import Resolved, split_path
from permapress.server.responses import SHORT, Prepared, text_error
from permapress.server.search import Search, results_page
from permapress.server.unixfs_view import directory_redirect, serve_file

SiteKey = tuple[bytes, bytes]


class Website:
    def __init__(
        self,
        site_root: Callable[[], CID | None],
        files: FileReader,
        resolve: Callable[[CID, tuple[str, ...]], Resolved],
        site_name: str = "permapress",
        hot_bytes: int = 64 << 20,
        search: Search | None = None,
    ) -> None:
        self.search = search
        self.site_root = site_root
        self.files = files
        self.resolve = resolve
        self.site_name = site_name
        self._hot: LRU[SiteKey, Prepared] = LRU(1 << 14, hot_bytes, lambda p: len(p.body) + 512)
        self._hot_root: CID | None = None  # the site root every entry of _hot belongs to

    def cached(self, hot: HotRequest, root: CID) -> Prepared | None:
        if root is not self._hot_root and root != self._hot_root:
            return None
        hit = self._hot.get((hot.raw_path, hot.query_string))
        return None if hit is None else answer(hit, hot)

    def remember(self, hot: HotRequest, root: CID, response: Prepared) -> None:
        """Cache a complete response made for ``root`` (dropping entries of an older root)."""
        if root != self._hot_root:
            if root != self.site_root():
                return  # made for a root that is no longer (or not yet) the site's
            self._hot.clear()
            self._hot_root = root
        self._hot.put((hot.raw_path, hot.query_string), response)

    async def handle(self, request: Request) -> Response:
        root = self.site_root()
        if root is None:
            return Prepared.build(
                503,
                [("content-type", "text/html; charset=utf-8"), ("cache-control", "no-store"),
                 ("retry-after", "10")],
                no_site(self.site_name),
            )
        hot = HotRequest.of(request.scope)
        if hot is not None:
            hit = self.cached(hot, root)
            if hit is not None:
                return hit
        info = RequestInfo.from_request(request, prefix="/")
        response = await run_in_threadpool(self.respond, info, root)
        if hot is not None and cacheable(response):
            assert isinstance(response, Prepared)
            self.remember(hot, root, response)
        return response

    def respond(self, info: RequestInfo, root: CID) -> Response:
        segments = split_path(info.path)
        try:
            resolved = self.resolve(root, segments)
            name = segments[-1] if segments else None
            path = segments
            if resolved.is_directory:
                if info.path and not info.path.endswith("/"):
                    return directory_redirect("", segments, info.query_string)
                path = (*segments, "index.html")
                resolved = self.resolve(root, path)
                name = "index.html"
            if path == ("search", "index.html") and info.query.get("q") and self.search:
                return self.search_results(root, resolved, info.query["q"])
            if resolved.kind in ("file", "raw"):
                shown = "/".join(quote(s, safe="") for s in segments)
                pairs = [("cache-control", SHORT), ("x-ipfs-path", f"/ipfs/{root}/{shown}")]
                return serve_file(info, self.files, resolved, name, f'"{resolved.cid}"', pairs,
                                  segments=path, foreign=identity_data(resolved.cid) is not None)
        except GatewayError as exc:
            if exc.status != 404:
                return text_error(exc.status, exc.message)
        except BlockNotFound as exc:
            return text_error(404, f"{exc.message}; this page cannot be shown")
        except PermapressError as exc:
            return text_error(500, f"the data behind this page is damaged: {exc.message}")
        return self.not_found(root, info.path)

    def search_results(self, root: CID, page: Resolved, query: str) -> Response:
        """The site's search page with the catalog's hits for ``query`` (articles on this
        site only), rendered here: search works with scripts off."""
        assert self.search is not None
        body = self.files.whole(page) if page.kind in ("file", "raw") else None
        if body is None:
            return text_error(404, "/search is not on this site")
        hits = []
        for hit in self.search(query[:200]):
            try:
                self.resolve(root, tuple(paths.article_page(hit.slug).split("/")))
            except (GatewayError, PermapressError):
                continue  # imported or corrected after the last build: not on this site yet
            hits.append(hit)
        pairs = [("content-type", "text/html; charset=utf-8"), ("cache-control", "no-store")]
        return Prepared.build(200, pairs, results_page(body, query[:200], hits))

    def not_found(self, root: CID, path: str) -> Response:
        """404 with the site's own 404.html when it has one."""
        try:
            page = self.resolve(root, ("404.html",))
            body = self.files.whole(page) if page.kind in ("file", "raw") else None
        except PermapressError:
            body = None
        if body is None:
            return text_error(404, f"/{path} is not on this site")
        pairs = [("content-type", "text/html; charset=utf-8"), ("cache-control", SHORT)]
        return Prepared.build(404, pairs, body)
