"""Verifiable responses (raw blocks, CAR streams) and blocks in their own IPLD codec.

    BlockResponses(blocks, resolve, limits=CarLimits())
    .raw(info, resolved, explicit)      ``application/vnd.ipld.raw``: the terminal block,
                                        ``attachment; filename="<cid>.bin"``, Etag
                                        ``"<cid>.raw"``, Range supported
    .car(info, root, segments, resolved, wanted)
                                        ``application/vnd.ipld.car; version=1; order=dfs;
                                        dups=n|y``, root = the CID in the URL, blocks from
                                        ``carstream.car_blocks`` per ``dag-scope`` and
                                        ``entity-bytes``; CARs up to 1 MiB are built in memory,
                                        sent with a Content-Length and cached, larger ones are
                                        streamed. A child block missing while streaming cuts
                                        the response off (never a complete-looking CAR), and
                                        so does passing ``limits`` (``carstream.limited``).
                                        ``dups=y`` is answered with ``dups=n`` when the repeats
                                        would pass the limits or the DAG's own size
                                        (``carstream.dups_fit``).
    .codec(info, resolved, wanted)      ``format``/``Accept`` of dag-json, dag-cbor, json or
                                        cbor: the block as is when its codec matches (json/cbor
                                        also for raw blocks), 406 otherwise (IPIP-0524: no codec
                                        conversion). None means "not a codec request after
                                        all" (``Accept: application/json`` on UnixFS, which
                                        browsers' fetch() sends, falls back to the file).
    .native(info, resolved, html)       a block that is not UnixFS with no explicit format: as
                                        is in its codec's media type, or a small HTML page when
                                        the client prefers text/html.

``Content-Location`` (the URL with ``format=``) is sent when the format came from ``Accept``
only, so HTTP caches keep the variants apart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from itertools import chain
from typing import Final, NoReturn

from starlette.responses import Response, StreamingResponse

from permapress.errors import GatewayError
from permapress.ipfs.blockstore import Blockstore
from permapress.ipfs.cid import CID, DAG_CBOR, DAG_JSON, DAG_PB, RAW
from permapress.server.cache import LRU
from permapress.server.carstream import (
    CarLimits,
    car_blocks,
    car_chunks,
    dups_fit,
    limited,
    prefetch,
)
from permapress.server.negotiate import (
    KIND_MEDIA_TYPES,
    CarOptions,
    EntityBytes,
    Wanted,
    etag_matches,
    parse_dag_scope,
    parse_entity_bytes,
)
from permapress.server.pages import block_preview
from permapress.server.request import RequestInfo, bytes_response, ipfs_headers
from permapress.server.resolve import Resolved, small_path
from permapress.server.responses import IMMUTABLE, LISTING, Prepared, content_disposition

JSON: Final = 0x0200
CBOR: Final = 0x51
SMALL_CAR: Final = 1 << 20

# codec -> (media type, file extension, disposition) when a block is served as itself
_NATIVE: Final[dict[int, tuple[str, str, str]]] = {
    DAG_JSON: ("application/vnd.ipld.dag-json", "json", "inline"),
    DAG_CBOR: ("application/vnd.ipld.dag-cbor", "cbor", "attachment"),
    JSON: ("application/json", "json", "inline"),
    CBOR: ("application/cbor", "cbor", "attachment"),
}
# requested format -> codecs whose blocks may be returned as is
_COMPATIBLE: Final[dict[str, frozenset[int]]] = {
    "dag-json": frozenset({DAG_JSON}),
    "dag-cbor": frozenset({DAG_CBOR}),
    "json": frozenset({JSON, DAG_JSON, RAW}),
    "cbor": frozenset({CBOR, DAG_CBOR, RAW}),
}

CarKey = tuple[CID, tuple[str, ...], str, str, bool]


class BlockResponses:
    def __init__(
        self,
        blocks: Blockstore,
        resolve: Callable[[CID, tuple[str, ...]], Resolved],
        limits: CarLimits | None = None,
    ) -> None:
        self.blocks = blocks
        self.resolve = resolve
        self.limits = limits or CarLimits()
        self._cars: LRU[CarKey, bytes] = LRU(4096, 32 << 20, weigh=len)
        self._dups: LRU[CarKey, bool] = LRU(4096)

    def _disposition(self, info: RequestInfo, kind: str, default_name: str) -> str:
        if info.query.get("download") == "true":
            kind = "attachment"
        elif info.query.get("download") == "false":
            kind = "inline"
        return content_disposition(kind, info.query.get("filename") or default_name)

    def raw(self, info: RequestInfo, resolved: Resolved, *, explicit: bool) -> Response:
        cid = resolved.cid
        pairs = [
            ("content-type", "application/vnd.ipld.raw"),
            ("content-disposition", self._disposition(info, "attachment", f"{cid}.bin")),
            ("x-content-type-options", "nosniff"),
            *ipfs_headers(info, resolved.roots, IMMUTABLE),
        ]
        if not explicit:
            pairs.append(("content-location", info.with_format("raw")))
        return bytes_response(info, pairs, self.blocks.get(cid), f'"{cid}.raw"')

    def codec(self, info: RequestInfo, resolved: Resolved, wanted: Wanted) -> Response | None:
        cid = resolved.cid
        fmt = wanted.kind
        if cid.codec not in _COMPATIBLE[fmt]:
            if not wanted.explicit and fmt in ("json", "cbor") and cid.codec == DAG_PB:
                return None
            raise_406(cid, fmt)
        media = KIND_MEDIA_TYPES[fmt]
        ext = "json" if "json" in fmt else "cbor"
        disposition = "inline" if ext == "json" else "attachment"
        pairs = [
            ("content-type", media),
            ("content-disposition", self._disposition(info, disposition, f"{cid}.{ext}")),
            ("x-content-type-options", "nosniff"),
            *ipfs_headers(info, resolved.roots, IMMUTABLE),
        ]
        if not wanted.explicit:
            pairs.append(("content-location", info.with_format(fmt)))
        return bytes_response(info, pairs, self.blocks.get(cid), f'"{cid}.{fmt}"')

    def native(self, info: RequestInfo, resolved: Resolved, *, html: bool) -> Response:
        cid = resolved.cid
        data = self.blocks.get(cid)
        known = _NATIVE.get(cid.codec)
        if known is None:
            return self.raw(info, resolved, explicit=True)
        media, ext, disposition = known
        if html:
            pairs = [
                ("content-type", "text/html; charset=utf-8"),
                *ipfs_headers(info, resolved.roots, LISTING),
            ]
            etag = f'"DagIndex-{_short("preview-v1")}_CID-{cid}"'
            page = block_preview(str(cid), cid.codec_name, len(data))
            return bytes_response(info, pairs, page, etag, ranges=False)
        pairs = [
            ("content-type", media),
            ("content-disposition", self._disposition(info, disposition, f"{cid}.{ext}")),
            ("x-content-type-options", "nosniff"),
            *ipfs_headers(info, resolved.roots, IMMUTABLE),
        ]
        fmt = media.rsplit(".", 1)[-1] if "vnd.ipld" in media else ext
        return bytes_response(info, pairs, data, f'"{cid}.{fmt}"')

    # --- CAR --------------------------------------------------------------------------------

    def car(
        self,
        info: RequestInfo,
        root: CID,
        segments: tuple[str, ...],
        resolved: Resolved,
        wanted: Wanted,
    ) -> Response:
        assert wanted.car is not None
        options = wanted.car
        scope = parse_dag_scope(info.query.get("dag-scope"))
        eb_text = info.query.get("entity-bytes")
        entity_bytes: EntityBytes | None = parse_entity_bytes(eb_text) if eb_text else None
        if entity_bytes is not None:
            scope = "entity"
        if options.dups:
            fit_key: CarKey = (root, segments, scope,
                               entity_bytes.text if entity_bytes else "", True)
            fits = self._dups.get(fit_key)
            if fits is None:
                fits = dups_fit(resolved, self.blocks.get, scope, entity_bytes, self.limits)
                if small_path(segments):
                    self._dups.put(fit_key, fits)
            if not fits:
                options = CarOptions(dups=False)
        variant = f"{'/'.join(segments)}|{scope}|{entity_bytes.text if entity_bytes else ''}"
        simple = not segments and scope == "all" and entity_bytes is None and not options.dups
        suffix = "" if simple else "." + _short(f"{variant}|{options.dups}")
        etag = f'"{root}.car{suffix}"'
        pairs = [
            ("content-type", options.media_type),
            ("content-disposition", self._disposition(info, "attachment", f"{root}.car")),
            ("x-content-type-options", "nosniff"),
            ("accept-ranges", "none"),
            *ipfs_headers(info, resolved.roots, IMMUTABLE),
        ]
        if not wanted.explicit:
            pairs.append(("content-location", info.with_format("car")))
        if etag_matches(info.if_none_match, etag):
            return Prepared.build(304, pairs, etag=etag)
        key: CarKey = (root, segments, scope, entity_bytes.text if entity_bytes else "",
                       options.dups)
        cached = self._cars.get(key)
        if cached is not None:
            return Prepared.build(200, pairs, cached, etag=etag, cacheable=True)
        if info.head:
            return Prepared.build(200, pairs, length=-1, etag=etag)
        blocks = limited(
            car_blocks(resolved, self.blocks.get, scope, entity_bytes, options.dups), self.limits
        )
        head, rest = prefetch(car_chunks(root, blocks), SMALL_CAR)
        if rest is None:
            body = b"".join(head)
            if small_path(segments):
                self._cars.put(key, body)
            return Prepared.build(200, pairs, body, etag=etag, cacheable=True)
        pairs.append(("etag", etag))
        return StreamingResponse(chain(head, rest), headers=dict(pairs))


def raise_406(cid: CID, fmt: str) -> NoReturn:
    raise GatewayError(
        406,
        f"{cid} is a {cid.codec_name} block; this gateway does not convert it to {fmt} "
        f"(ask for it with ?format=raw or ?format=car, or as {cid.codec_name} itself)",
    )


def _short(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
