"""Fetching a site's blocks from a trustless gateway, each one checked against its CID.

    source = parse_source(text)                  a site base URL or ``http(s)://gw/ipfs/<cid>/``
    with Fetcher(source, store, limits) as f:
        f.site_root() -> CID                     the root the source serves now
        f.block(cid) -> bytes                    one block (``?format=raw``), checked, stored
        f.fill(root, on_block=…) -> FillStats    every block under ``root`` not yet held

A base URL's root is the ``X-Ipfs-Path`` header ``permapress serve`` sends with
``/publisher.json`` (``/ipfs/<root>/publisher.json``); a gateway URL names its root itself.

``fill`` walks the DAG from ``root`` breadth-first. A block already held is read from the store
(and hashed: a damaged file is fetched again); a missing one is requested as one raw block,
``limits.workers`` requests at a time, and written to the store the moment it has arrived and
matched its CID, so an interrupted run (even ``kill -9``) loses at most the requests in flight
and a rerun continues from what is held. A first mirror (the store held no block when the run began)
asks for the whole DAG in one streamed CAR (``?format=car&dag-scope=all``) instead, storing each
block as it arrives; the walk then fills whatever that CAR did not carry.

An answer whose ``Content-Type`` is not ``application/vnd.ipld.raw`` (or ``.car``) comes from a
server that is no trustless gateway (a plain path gateway redirects to a page): that is said in
so many words. Nothing from the network is trusted: a raw block or CAR section that does not
hash to the CID it was asked for (or that the CAR names), a CAR block no block before it links
to, a block over
``limits.max_block`` bytes, a CAR over ``limits.max_bytes``, more than ``limits.max_blocks``
blocks, a redirect loop (more than ``MAX_REDIRECTS``) and a silent server (``limits.timeout``
seconds) each end the run with ``MirrorError`` naming the URL and what was wrong.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, BinaryIO, cast
from urllib.parse import urlsplit

import httpx

from permapress.errors import FormatError, IpfsError, PermapressError
from permapress.ipfs.blockstore import FileBlockstore, identity_data
from permapress.ipfs.car import block_links, read_car
from permapress.ipfs.cid import CID, verify_block
from permapress.trust.log import PUBLISHER_FILE

MAX_REDIRECTS = 5
CAR_TYPE = "application/vnd.ipld.car"
RAW_TYPE = "application/vnd.ipld.raw"


class MirrorError(PermapressError):
    """A source that cannot be mirrored, or a history the mirror refuses to follow."""


@dataclass(frozen=True, slots=True)
class Limits:
    timeout: float = 30.0
    max_block: int = 4 << 20  # the largest block accepted (IPFS blocks are at most 2 MiB)
    max_bytes: int = 64 << 30  # all blocks fetched in one run
    max_blocks: int = 10_000_000
    max_document: int = 1 << 20  # publisher.json read from a base URL
    workers: int = 8


@dataclass(frozen=True, slots=True)
class Source:
    """Where to mirror from: the gateway's base (``…/ipfs/`` is appended) and either the site's
    base URL (its root is looked up) or a fixed root."""

    text: str
    gateway: str
    site: str | None
    root: CID | None


def parse_source(text: str) -> Source:
    """A site base URL or a gateway URL of a root; ``MirrorError`` for anything else."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise MirrorError(
            f"{text}: give the site's address (http://… or https://…) or a gateway address "
            "of its root (https://gateway/ipfs/<cid>/)"
        )
    path = parts.path
    origin = f"{parts.scheme}://{parts.netloc}"
    if "/ipfs/" in path + "/" and path.rstrip("/").rsplit("/ipfs/", 1)[-1]:
        prefix, _sep, rest = path.partition("/ipfs/")
        segments = [s for s in rest.split("/") if s]
        if len(segments) != 1:
            raise MirrorError(f"{text}: give the gateway address of the site root itself")
        try:
            root = CID.parse(segments[0])
        except IpfsError as exc:
            raise MirrorError(f"{text}: {segments[0]!r} is not a CID ({exc})") from None
        return Source(text, origin + prefix, None, root)
    base = origin + path.rstrip("/")
    return Source(text, base, base, None)


@dataclass(frozen=True, slots=True)
class FillStats:
    blocks_fetched: int
    bytes_fetched: int
    blocks_held: int


OnBlock = Callable[[int, bool], None]  # (bytes of the block, fetched now?)


class Fetcher:
    """HTTP access to one source, storing checked blocks into ``store``."""

    def __init__(self, source: Source, store: FileBlockstore, limits: Limits = Limits()) -> None:
        self.source = source
        self.store = store
        self.limits = limits
        self.blocks_fetched = 0
        self.bytes_fetched = 0
        self._count_lock = threading.Lock()
        self._client = httpx.Client(
            timeout=httpx.Timeout(limits.timeout),
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            limits=httpx.Limits(max_connections=limits.workers + 2),
            headers={"User-Agent": "permapress-mirror"},
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- requests ---------------------------------------------------------------------------

    def _stream(self, url: str, accept: str) -> Any:
        return self._client.stream("GET", url, headers={"Accept": accept})

    def _fail(self, url: str, exc: Exception) -> MirrorError:
        if isinstance(exc, httpx.TooManyRedirects):
            return MirrorError(f"{url}: more than {MAX_REDIRECTS} redirects (a redirect loop?)")
        if isinstance(exc, httpx.TimeoutException):
            return MirrorError(f"{url}: no answer within {self.limits.timeout:g} seconds")
        return MirrorError(f"{url}: cannot be fetched ({type(exc).__name__}: {exc})")

    def _bounded(self, url: str, accept: str, limit: int) -> tuple[bytes, httpx.Headers]:
        """The body of a GET (at most ``limit`` bytes) and its headers; 200 only."""
        try:
            with self._stream(url, accept) as response:
                if response.status_code != 200:
                    raise MirrorError(f"{url}: the server answered {response.status_code}")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > limit:
                        raise MirrorError(f"{url}: the answer is over {limit} bytes; refused")
                return bytes(body), response.headers
        except httpx.HTTPError as exc:
            raise self._fail(url, exc) from None

    def _count(self, size: int) -> None:
        with self._count_lock:
            self.blocks_fetched += 1
            self.bytes_fetched += size
            if self.blocks_fetched > self.limits.max_blocks:
                raise MirrorError(f"{self.source.text}: more than {self.limits.max_blocks} blocks")
            if self.bytes_fetched > self.limits.max_bytes:
                raise MirrorError(
                    f"{self.source.text}: more than {self.limits.max_bytes} bytes of blocks"
                )

    def site_root(self) -> CID:
        """The root the source serves now (see the module docstring)."""
        if self.source.root is not None:
            return self.source.root
        assert self.source.site is not None
        url = f"{self.source.site}/{PUBLISHER_FILE}"
        _body, headers = self._bounded(url, "application/json", self.limits.max_document)
        path = headers.get("x-ipfs-path", "")
        segments = path.split("/")
        if len(segments) != 4 or segments[1] != "ipfs" or segments[3] != PUBLISHER_FILE:
            raise MirrorError(
                f"{url}: no X-Ipfs-Path header naming the site root; give the gateway address "
                "of the root instead (…/ipfs/<cid>/)"
            )
        try:
            return CID.parse(segments[2])
        except IpfsError:
            raise MirrorError(f"{url}: X-Ipfs-Path names {segments[2]!r}, not a CID") from None

    def block(self, cid: CID) -> bytes:
        """One block: from the store, or fetched raw, checked and stored."""
        inline = identity_data(cid)
        if inline is not None:
            return inline
        if self.store.has(cid):
            data = self.store.get(cid)
            if verify_block(cid, data):
                return data
        url = f"{self.source.gateway}/ipfs/{cid}?format=raw"
        data, headers = self._bounded(url, RAW_TYPE, self.limits.max_block)
        _trustless(url, headers, RAW_TYPE)
        if not verify_block(cid, data):
            raise MirrorError(f"{url}: the block does not hash to {cid}; the gateway is lying")
        self._count(len(data))
        self.store.delete(cid)  # a damaged copy, if any, is replaced
        self.store.put(cid, data)
        return data

    def dag_car(self, root: CID, on_block: OnBlock | None = None) -> None:
        """The DAG under ``root`` as one CAR (``dag-scope=all``): every block checked and stored
        as it arrives. A CAR cut short leaves what arrived (the walk fills the rest)."""
        url = f"{self.source.gateway}/ipfs/{root}?format=car&dag-scope=all"
        try:
            with self._stream(url, CAR_TYPE) as response:
                if response.status_code != 200:
                    raise MirrorError(f"{url}: the server answered {response.status_code}")
                _trustless(url, response.headers, CAR_TYPE)
                reader = read_car(cast(BinaryIO, _Chunks(response.iter_bytes())))
                if tuple(reader.roots) != (root,):
                    raise MirrorError(f"{url}: the CAR's root is not {root}")
                wanted = {root}
                for cid, data in reader:
                    self._take(url, cid, data, wanted, on_block)
        except httpx.HTTPError as exc:
            if isinstance(exc, httpx.TooManyRedirects | httpx.TimeoutException):
                raise self._fail(url, exc) from None
            return  # a broken transfer: what arrived is kept, the walk fetches the rest
        except FormatError as exc:
            if "truncated" in str(exc):
                return
            raise MirrorError(f"{url}: not a valid CAR ({exc})") from None

    def _take(
        self, url: str, cid: CID, data: bytes, wanted: set[CID], on_block: OnBlock | None
    ) -> None:
        if cid not in wanted:
            raise MirrorError(f"{url}: the CAR holds block {cid}, which nothing before it links to")
        if len(data) > self.limits.max_block:
            raise MirrorError(f"{url}: block {cid} is over {self.limits.max_block} bytes")
        if not verify_block(cid, data):
            raise MirrorError(f"{url}: block {cid} does not hash to its CID; the gateway is lying")
        self._count(len(data))
        wanted.update(block_links(cid, data))
        self.store.put(cid, data)
        if on_block is not None:
            on_block(len(data), True)

    # --- the walk ---------------------------------------------------------------------------

    def fill(self, root: CID, on_block: OnBlock | None = None, *, whole: bool = False) -> FillStats:
        """Make the store hold every block under ``root`` (see the module docstring);
        ``whole``: ask for the whole DAG as one CAR first (the store held nothing before)."""
        start_blocks, start_bytes = self.blocks_fetched, self.bytes_fetched
        if whole:
            self.dag_car(root, on_block)
        held = 0
        seen: set[bytes] = set()
        pending: deque[CID] = deque([root])
        running: dict[Future[bytes], CID] = {}
        pool = ThreadPoolExecutor(self.limits.workers, thread_name_prefix="mirror")
        try:
            while pending or running:
                while pending and len(running) < self.limits.workers * 4:
                    cid = pending.popleft()
                    if cid.multihash in seen:
                        continue
                    seen.add(cid.multihash)
                    data = self._held(cid)
                    if data is None:
                        running[pool.submit(self.block, cid)] = cid
                        continue
                    held += identity_data(cid) is None
                    if on_block is not None and identity_data(cid) is None:
                        on_block(len(data), False)
                    pending.extend(_links(cid, data))
                if not running:
                    continue
                done, _rest = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    cid = running.pop(future)
                    data = future.result()
                    if on_block is not None:
                        on_block(len(data), True)
                    pending.extend(_links(cid, data))
        except BaseException:
            # Ctrl+C or a refused block: stop at once; requests in flight end by their
            # timeout, and what they fetch is checked before it is stored.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        return FillStats(
            self.blocks_fetched - start_blocks, self.bytes_fetched - start_bytes, held
        )

    def _held(self, cid: CID) -> bytes | None:
        inline = identity_data(cid)
        if inline is not None:
            return inline
        try:
            data = self.store.get(cid)
        except IpfsError:
            return None
        return data if verify_block(cid, data) else None


def _trustless(url: str, headers: httpx.Headers, wanted: str) -> None:
    """A gateway that answers a trustless request with anything else (a page, a listing) is not
    a trustless gateway: say so rather than call its answer a forgery."""
    found = headers.get("content-type", "").split(";")[0].strip().lower()
    if found != wanted:
        raise MirrorError(
            f"{url}: answered with {found or 'no Content-Type'}, not {wanted}: this server is not "
            "a trustless gateway (give the address of one that is)"
        )


def _links(cid: CID, data: bytes) -> list[CID]:
    try:
        return block_links(cid, data)
    except IpfsError as exc:
        raise MirrorError(f"block {cid} cannot be decoded ({exc})") from None


def store_is_empty(store: FileBlockstore) -> bool:
    return next(iter(store), None) is None


class _Chunks:
    """A read()-able stream over an iterator of byte chunks (what ``read_car`` reads)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = bytearray()

    def read(self, count: int = -1) -> bytes:
        while count < 0 or len(self._buffer) < count:
            try:
                self._buffer += next(self._chunks)
            except StopIteration:
                break
        if count < 0:
            count = len(self._buffer)
        out = bytes(self._buffer[:count])
        del self._buffer[:count]
        return out

    def seekable(self) -> bool:
        return False
