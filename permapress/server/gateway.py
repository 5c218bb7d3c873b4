"""The IPFS gateway at ``/ipfs/{cid}[/path]``: path gateway for UnixFS, trustless gateway.

    Gateway(blocks, is_served).handle(request) -> Response

What it answers (IPFS path-gateway and trustless-gateway specs):

- 400 for a CID that does not parse (the message names it), an unknown ``format``, a bad
  ``dag-scope``/``entity-bytes``/``car-*`` value, ``ipns-record`` under /ipfs/;
- 404 for a root that is not published (``is_served`` false; never 403, so the gateway does
  not reveal which unpublished blocks it holds), a root block it does not hold, a path that does
  not exist; 412 for ``Cache-Control: only-if-cached`` when the root block is not here.
  Identity CIDs follow the same rule: one is answered when it is published (a published DAG
  links to it) or when its whole DAG is inside the CID (``served.self_contained``, e.g. the
  ``bafkqaaa`` probe), never because it links to blocks this gateway holds. Everything below a
  served root is reachable from it, so every block a response contains is published;
- content that is not the newsroom's to show (a root answered only because it is
  self-contained, or an identity CID at the end of the path, whose bytes anyone can choose) is
  sent as ``application/octet-stream`` attachment, never rendered on our origin;
- 406 for a representation it cannot make: ``format=tar``, codec conversions such as
  ``dag-json`` of a dag-pb block (IPIP-0524);
- ``?format=raw`` / ``Accept: application/vnd.ipld.raw``: the terminal block's bytes. The
  trustless spec serves blocks at ``/ipfs/{cid}`` only; a path gateway may resolve a path
  first and the conformance suite expects it (``/ipfs/{cid}/dir?format=raw``), so a path is
  resolved and the block at its end is returned. Range requests work on blocks too;
- ``?format=car`` / ``Accept: application/vnd.ipld.car``: see ``trustless.py``;
- everything else: UnixFS files (Range, content type by name then sniffing), directories
  (``/dir`` -> 301 ``/dir/``, ``index.html`` when present, else an HTML listing), symlinks (their
  target as text, as kubo does), raw blocks as files, DAG-CBOR/DAG-JSON/JSON/CBOR blocks as is.

Headers: ``Etag`` (``"<cid>"`` for files, ``"<cid>.raw"``, ``"<cid>.car…"``,
``"DirIndex-<version>_CID-<cid>"`` for listings), ``If-None-Match`` -> 304,
``Cache-Control: public, max-age=29030400, immutable`` (listings: a week), ``X-Ipfs-Path``,
``X-Ipfs-Roots``, ``Vary: Accept``, CORS headers, ``X-Content-Type-Options: nosniff``.

Hot path: resolution results are cached per (root, path) and complete small responses per
(raw path, query, Accept); a cached hit costs one ``is_served`` check and a dict lookup. A path
not resolved before reuses the directories and HAMT shards decoded for earlier ones
(``resolve.Nodes``).
Everything that reads blocks runs in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from permapress.errors import BlockNotFound, GatewayError, PermapressError
from permapress.ipfs.blockstore import Blockstore, identity_data
from permapress.ipfs.cid import CID
from permapress.server.cache import LRU
from permapress.server.carstream import CarLimits
from permapress.server.files import FileReader
from permapress.server.hot import HotRequest, answer, cacheable
from permapress.server.negotiate import negotiate
from permapress.server.request import RequestInfo
from permapress.server.resolve import (
    MissingBlock,
    Nodes,
    Resolved,
    resolve,
    small_path,
    split_path,
)
from permapress.server.responses import CORS_HEADERS, Prepared, text_error
from permapress.server.served import self_contained
from permapress.server.trustless import BlockResponses
from permapress.server.unixfs_view import UnixFSView

HotKey = tuple[bytes, bytes, bytes]


class Gateway:
    def __init__(
        self,
        blocks: Blockstore,
        is_served: Callable[[CID], bool],
        *,
        files: FileReader | None = None,
        hot_bytes: int = 64 << 20,
        car_limits: CarLimits | None = None,
        refresh: Callable[[], object] | None = None,
    ) -> None:
        self.blocks = blocks
        self._is_served = is_served
        self._refresh = refresh
        self.files = files or FileReader(blocks.get)
        self._resolved: LRU[tuple[CID, tuple[str, ...]], Resolved | GatewayError] = LRU(1 << 15)
        self._nodes = Nodes()  # decoded directories and HAMT shards, for resolving new paths
        # hot entries: (root CID, is it self-contained, the complete response)
        self._hot: LRU[HotKey, tuple[CID, bool, Prepared]] = LRU(
            1 << 14, hot_bytes, weigh=lambda entry: len(entry[2].body) + 512
        )
        self.trustless = BlockResponses(blocks, self.resolve, car_limits)
        self.unixfs = UnixFSView(blocks, self.files, self.resolve)

    def served(self, cid: CID) -> bool:
        """Published content, or an identity CID that names nothing but its own bytes.

        A root that is not served makes the gateway ask ``refresh`` (when given) whether a
        newer build was published meanwhile, so a new site root answers at once.
        """
        if self_contained(cid) or self._is_served(cid):  # the first never waits for a walk
            return True
        if self._refresh is not None:
            self._refresh()
            return self._is_served(cid)
        return False

    # --- entry point ------------------------------------------------------------------------

    def cached(self, hot: HotRequest) -> Prepared | None:
        """A cached complete answer for this request, if its root is still published."""
        hit = self._hot.get((hot.raw_path, hot.query_string, hot.accept))
        if hit is None:
            return None
        root, contained, prepared = hit
        if not contained and not self._is_served(root):
            return None
        return answer(prepared, hot)

    async def handle(self, request: Request) -> Response:
        scope = request.scope
        if scope["method"] == "OPTIONS":
            return Prepared.build(200, [*CORS_HEADERS, ("allow", "GET, HEAD, OPTIONS")])
        hot = HotRequest.of(scope)
        if hot is not None:
            hit = self.cached(hot)
            if hit is not None:
                return hit
        info = RequestInfo.from_request(request)
        response, root = await run_in_threadpool(self.respond, info)
        if hot is not None and root is not None and cacheable(response):
            assert isinstance(response, Prepared)
            contained = self_contained(root) and not self._is_served(root)
            self._hot.put(
                (hot.raw_path, hot.query_string, hot.accept), (root, contained, response)
            )
        return response

    def respond(self, info: RequestInfo) -> tuple[Response, CID | None]:
        """Answer one request (blocking: reads blocks); errors become plain-text responses.

        Also returns the root CID of the request when it parsed, which the hot cache keys
        its ``is_served`` check on.
        """
        root: CID | None = None
        try:
            cid_text, _, rest = info.path.partition("/")
            root = self._parse_root(cid_text)
            return self._dispatch(info, cid_text, root, rest), root
        except GatewayError as exc:
            return text_error(exc.status, exc.message, CORS_HEADERS), None
        except BlockNotFound as exc:
            message = f"{exc.message}: this gateway cannot return it"
            return text_error(404, message, CORS_HEADERS), None
        except PermapressError as exc:
            message = f"the data behind this request is damaged: {exc.message}"
            return text_error(500, message, CORS_HEADERS), None

    def resolve(self, root: CID, segments: tuple[str, ...]) -> Resolved:
        """``resolve.resolve`` with results and 404s cached (content under a CID never changes),
        except 404s for a missing block, which may be stored later."""
        key = (root, segments)
        known = self._resolved.get(key)
        if known is None:
            try:
                known = resolve(root, segments, self.blocks.get, self._nodes)
            except MissingBlock:
                raise
            except GatewayError as exc:
                known = exc
            if small_path(segments):
                self._resolved.put(key, known)
        if isinstance(known, GatewayError):
            raise GatewayError(known.status, known.message)
        return known

    # --- dispatch ---------------------------------------------------------------------------

    @staticmethod
    def _parse_root(cid_text: str) -> CID:
        if not cid_text:
            raise GatewayError(400, "no CID in the path: ask for /ipfs/<cid>[/path]")
        try:
            return CID.parse(cid_text)
        except PermapressError as exc:
            shown = cid_text if len(cid_text) <= 100 else f"{cid_text[:60]}…({len(cid_text)} chars)"
            raise GatewayError(
                400, f"{shown!r} is not a valid CID ({exc}); check that the link is complete"
            ) from None

    def _dispatch(self, info: RequestInfo, cid_text: str, root: CID, rest: str) -> Response:
        wanted = negotiate(info.query.get("format"), info.accept, info.query)
        available = self.served(root) and self.blocks.has(root)
        if info.only_if_cached and not available:
            raise GatewayError(412, f"{cid_text} is not in this gateway's blockstore")
        if not available:
            raise GatewayError(404, f"{cid_text} is not available on this gateway")
        if info.service_worker == "script" and not rest:
            raise GatewayError(
                400, "a service worker may only be registered under /ipfs/<cid>/ (with a slash)"
            )
        kind = wanted.kind
        if kind == "ipns-record":
            raise GatewayError(400, "IPNS records are served under /ipns/ only, not /ipfs/")
        if kind == "tar":
            raise GatewayError(406, "TAR responses are not supported here; use ?format=car")
        segments = split_path(rest)
        if kind == "raw" and not segments:
            # a block by CID needs no decoding: serve it even if it is not UnixFS or damaged
            return self.trustless.raw(
                info, Resolved(root, "other", None, (root,), ()), explicit=wanted.explicit
            )
        resolved = self.resolve(root, segments)
        if kind == "car":
            return self.trustless.car(info, root, segments, resolved, wanted)
        if kind == "raw":
            return self.trustless.raw(info, resolved, explicit=wanted.explicit)
        if kind in ("dag-json", "dag-cbor", "json", "cbor"):
            native = self.trustless.codec(info, resolved, wanted)
            if native is not None:
                return native
        if resolved.kind == "other":
            return self.trustless.native(info, resolved, html=kind == "html")
        foreign = identity_data(resolved.cid) is not None or not self._is_served(root)
        return self.unixfs.view(info, cid_text, segments, resolved, foreign=foreign)
