"""Fetching a site's blocks from a trustless gateway, each one checked against its CID.

    source = parse_source(text, gateway=None, rpc=None)
        a site base URL, ``http(s)://gw/ipfs/<cid>/``, ``http(s)://gw/ipns/<name>/`` or
        ``ipns://<name>`` (with ``gateway``); ``<name>`` is an IPNS key name (``k51…``) or a
        DNSLink domain
    with Fetcher(source, store, limits, lookup=None) as f:
        f.site_root() -> CID                     the root the source serves now
        f.block(cid) -> bytes                    one block (``?format=raw``), checked, stored
        f.fill(root, on_block=…) -> FillStats    every block under ``root`` not yet held

The source's address, its limits and DNS lookups are in ``mirror_source.py``, the bounded
requests in ``mirror_http.py`` (``SourceClient``, which ``Fetcher`` extends); their names can be
imported from here as before.

**The root.** A base URL's root is the ``X-Ipfs-Path`` header ``permapress serve`` sends with
``/publisher.json`` (``/ipfs/<root>/publisher.json``); a gateway URL of a root names it itself.
An IPNS key name is resolved through the gateway: its record is fetched as
``application/vnd.ipfs.ipns-record`` (``/ipns/<name>?format=ipns-record``) and verified against
the name (``publish.ipns.verify_record``: signature by the key the name commits to, V1/V2
agreement, not expired), so the gateway cannot point the mirror anywhere the name's owner did
not. A domain is resolved by DNSLink: the TXT records of ``_dnslink.<domain>`` (``lookup``,
by default dnspython with the system's resolver, or ``dns_lookup(server)``), the first
``dnslink=/ipfs/…`` or ``dnslink=/ipns/…`` in sorted order. ``/ipns/`` values are followed
again, at most ``MAX_NAME_DEPTH`` times; the end must be ``/ipfs/<cid>``. (DNS itself is not
signed: a DNSLink source trusts the domain's DNS for *which* root, and the mirror's checks of
the publisher's key and log for everything else.)

**The walk.** ``fill`` walks the DAG from ``root`` breadth-first. A block already held is read
from the store (and hashed: a damaged file is fetched again). A missing one is requested as
one raw block; when none of the blocks it links to is held either, it starts a subtree the
mirror has never seen (a new article, the part of the site a killed run did not reach), and
that whole subtree is asked for as one CAR (``?format=car&dag-scope=all``): one batch.
``limits.workers`` requests run at a time. Every block is written to the store the moment it
has arrived and matched its CID, so an interrupted run (even ``kill -9``) loses at most the
requests in flight, and a rerun continues from what is held. A first mirror (the store held no
block when the run began) asks for the whole DAG in one streamed CAR instead; the walk then
fills whatever that CAR did not carry. ``blocks_refetched``/``bytes_refetched`` count blocks
that arrived although the store held them already (a batch's shared blocks, the root of a
batch fetched once raw): what the batching costs.

**Nodes that are no trustless gateway.** An answer whose ``Content-Type`` is not
``application/vnd.ipld.raw`` (or ``.car``) comes from a path gateway (one that answers with
the file or a folder page); the run ends saying so. An IPFS node whose RPC API is reachable
(``rpc``: Kubo, or the npm ``ipfs`` daemon whose gateway is a path gateway only) is read block
by block with ``POST /api/v0/block/get`` instead, each block checked just the same.

**Bounds.** Nothing from the network is trusted: a raw block or CAR section that does not hash
to the CID it was asked for (or that the CAR names), a CAR block no block before it links to, a
block over ``limits.max_block`` bytes, more than ``limits.max_bytes`` or ``limits.max_blocks``
in one run, a redirect loop (more than ``MAX_REDIRECTS``), a silent server (``limits.timeout``
seconds) and a server that trickles (a ``Watchdog`` ends every request that has not finished
``limits.deadline`` seconds after it was sent; a CAR, which may rightly take longer, must have
its headers by then and keep arriving at ``limits.min_rate`` bytes a second on average) each
end the run with ``MirrorError`` naming the URL and what was wrong.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import BinaryIO, cast
from urllib.parse import quote

import httpx

from permapress.errors import FormatError, IpfsError, UnsupportedError
from permapress.ipfs.blockstore import FileBlockstore, identity_data
from permapress.ipfs.car import block_links, read_car
from permapress.ipfs.cid import CID, verify_block
from permapress.newsroom.mirror_http import (
    CAR_TYPE,
    RAW_TYPE,
    BodyStream,
    SourceClient,
    trustless,
)
from permapress.newsroom.mirror_source import (
    Limits,
    Lookup,
    MirrorError,
    Source,
    dns_lookup,
    parse_source,
    source_name,
)
from permapress.publish.ipns import (
    CONTENT_TYPE as IPNS_RECORD_TYPE,
)
from permapress.publish.ipns import (
    MAX_RECORD_SIZE,
    IpnsRecordError,
    verify_record,
)
from permapress.publish.names import IpnsName, parse_name
from permapress.trust.log import PUBLISHER_FILE
from permapress.watchdog import Watchdog

MAX_NAME_DEPTH = 8


@dataclass(frozen=True, slots=True)
class FillStats:
    blocks_fetched: int
    bytes_fetched: int
    blocks_held: int


OnBlock = Callable[[int, bool], None]  # (bytes of the block, fetched now?)


class Fetcher(SourceClient):
    """HTTP access to one source, storing checked blocks into ``store``."""

    def __enter__(self) -> Fetcher:
        return self

    # --- the root ---------------------------------------------------------------------------

    def site_root(self) -> CID:
        """The root the source serves now (see the module docstring)."""
        if self.source.root is not None:
            return self.source.root
        if self.source.name is not None:
            return self._resolve(self.source.name)
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

    def _resolve(self, name: str) -> CID:
        """Follow an IPNS name or DNSLink domain to ``/ipfs/<cid>`` (see the module docstring)."""
        trail = [name]
        value = self._name_value(name)
        while value.startswith("/ipns/"):
            if len(trail) > MAX_NAME_DEPTH:
                raise MirrorError(f"{' -> '.join(trail)}: more than {MAX_NAME_DEPTH} names "
                                  "lead to one another; give the site root's address")  # fmt: skip
            inner = value[len("/ipns/") :].strip("/")
            if "/" in inner:
                break
            trail.append(source_name(inner, " -> ".join(trail)))
            value = self._name_value(trail[-1])
        segments = [s for s in value.split("/") if s]
        if len(segments) != 2 or segments[0] != "ipfs":
            raise MirrorError(
                f"{' -> '.join(trail)} names {value!r}, not a site root (/ipfs/<cid>); "
                "give the site root's address"
            )
        try:
            return CID.parse(segments[1])
        except IpfsError as exc:
            raise MirrorError(f"{' -> '.join(trail)} names {value!r}: not a CID ({exc})") from None

    def _name_value(self, name: str) -> str:
        try:
            key_name: IpnsName | None = parse_name(name)
        except (FormatError, IpfsError):
            key_name = None
        if key_name is not None:
            return self._ipns_value(key_name)
        return self._dnslink_value(name)

    def _ipns_value(self, name: IpnsName) -> str:
        url = f"{self.source.gateway}/ipns/{name}?format=ipns-record"
        data, headers = self._bounded(url, IPNS_RECORD_TYPE, MAX_RECORD_SIZE)
        trustless(url, headers, IPNS_RECORD_TYPE)
        try:
            verified = verify_record(name, data)
        except IpnsRecordError as exc:
            raise MirrorError(f"{url}: the IPNS record is refused ({exc})") from None
        self.ipns_seen[str(name)] = verified.sequence
        return verified.value

    def _dnslink_value(self, domain: str) -> str:
        host = f"_dnslink.{domain}"
        lookup = self._lookup if self._lookup is not None else dns_lookup(None, self.limits.timeout)
        values = sorted(
            text[len("dnslink=") :].strip()
            for text in lookup(host)
            if text.startswith("dnslink=")
        )
        found = [v for v in values if v.startswith(("/ipfs/", "/ipns/"))]
        if not found:
            raise MirrorError(
                f"{host}: no TXT record dnslink=/ipfs/<cid> or dnslink=/ipns/<name>; "
                "check the domain's DNSLink"
            )
        return found[0]

    # --- blocks -----------------------------------------------------------------------------

    def block(self, cid: CID) -> bytes:
        """One block: from the store, or fetched raw, checked and stored."""
        inline = identity_data(cid)
        if inline is not None:
            return inline
        held = self.store.has(cid)
        if held:
            data = self.store.get(cid)
            if verify_block(cid, data):
                return data
        if self.source.rpc is not None:
            url = f"{self.source.rpc}/api/v0/block/get?arg={quote(str(cid))}"
            data, _headers = self._bounded(url, "*/*", self.limits.max_block, method="POST")
        else:
            url = f"{self.source.gateway}/ipfs/{cid}?format=raw"
            data, headers = self._bounded(url, RAW_TYPE, self.limits.max_block)
            trustless(url, headers, RAW_TYPE, rpc_hint=True)
        if not verify_block(cid, data):
            raise MirrorError(f"{url}: the block does not hash to {cid}; the source is lying")
        self._count(cid, len(data), False)
        if held:
            self.store.delete(cid)  # a damaged copy is replaced
        self.store.put(cid, data)
        return data

    def dag_car(self, root: CID, on_block: OnBlock | None = None) -> bool:
        """The DAG under ``root`` as one CAR (``dag-scope=all``): every block checked and stored
        as it arrives. A CAR cut short leaves what arrived (the walk fills the rest). False when
        the source cannot send CARs (an RPC source; the walk fetches block by block)."""
        if self.source.rpc is not None:
            return False
        url = f"{self.source.gateway}/ipfs/{root}?format=car&dag-scope=all"
        watchdog = Watchdog(self.limits.deadline)
        watchdog.arm()
        started = time.monotonic()
        received = 0
        self.batches += 1
        try:
            with self._client.stream(
                "GET", url, headers={"Accept": CAR_TYPE}, extensions={"trace": watchdog.trace}
            ) as response:
                watchdog.cancel()  # the headers are in: the body is paced below
                if response.status_code != 200:
                    raise MirrorError(f"{url}: the server answered {response.status_code}")
                trustless(url, response.headers, CAR_TYPE, rpc_hint=True)

                def paced() -> Iterator[bytes]:
                    nonlocal received
                    for chunk in response.iter_bytes():
                        received += len(chunk)
                        elapsed = time.monotonic() - started
                        if (
                            elapsed > self.limits.deadline
                            and received < self.limits.min_rate * elapsed
                        ):
                            raise MirrorError(
                                f"{url}: the CAR arrives at {received / elapsed:.0f} bytes a "
                                f"second, under {self.limits.min_rate}; the server sends too "
                                "slowly"
                            )
                        yield chunk

                reader = read_car(cast(BinaryIO, BodyStream(paced())))
                if tuple(reader.roots) != (root,):
                    raise MirrorError(f"{url}: the CAR's root is not {root}")
                wanted = {root}
                for cid, data in reader:
                    self._take(url, cid, data, wanted, on_block)
        except httpx.HTTPError as exc:
            self._batch_done(received)
            if watchdog.fired or isinstance(exc, httpx.TooManyRedirects | httpx.TimeoutException):
                raise self._fail(url, exc, watchdog) from None
            return True  # a broken transfer: what arrived is kept, the walk fetches the rest
        except (FormatError, UnsupportedError) as exc:
            self._batch_done(received)
            if isinstance(exc, FormatError) and "truncated" in str(exc):
                return True
            raise MirrorError(f"{url}: not a valid CAR ({exc})") from None
        finally:
            watchdog.cancel()
        self._batch_done(received)
        return True

    def _take(
        self, url: str, cid: CID, data: bytes, wanted: set[CID], on_block: OnBlock | None
    ) -> None:
        if cid not in wanted:
            raise MirrorError(f"{url}: the CAR holds block {cid}, which nothing before it links to")
        if len(data) > self.limits.max_block:
            raise MirrorError(f"{url}: block {cid} is over {self.limits.max_block} bytes")
        if not verify_block(cid, data):
            raise MirrorError(f"{url}: block {cid} does not hash to its CID; the gateway is lying")
        held = self.store.has(cid)
        self._count(cid, len(data), held)
        wanted.update(block_links(cid, data))
        if not held:
            self.store.put(cid, data)
        if on_block is not None:
            on_block(len(data), True)

    # --- the walk ---------------------------------------------------------------------------

    def fill(self, root: CID, on_block: OnBlock | None = None, *, whole: bool = False) -> FillStats:
        """Make the store hold every block under ``root`` (see the module docstring);
        ``whole``: ask for the whole DAG as one CAR first (the store held nothing before)."""
        start_blocks, start_bytes = self.blocks_fetched, self.bytes_fetched
        cars = self.source.rpc is None
        if whole and cars:
            self.dag_car(root, on_block)
        held = 0
        seen: set[bytes] = set()
        pending: deque[CID] = deque([root])
        # a future gives (cid, its block, whether a CAR of its subtree was fetched)
        running: dict[Future[tuple[CID, bytes, bool]], CID] = {}
        pool = ThreadPoolExecutor(self.limits.workers, thread_name_prefix="mirror")

        def missing(cid: CID) -> tuple[CID, bytes, bool]:
            data = self.block(cid)
            links = _links(cid, data)
            if cars and links and not any(self.store.has(link) for link in links):
                # nothing under it is held: a subtree never seen, fetched as one batch
                return cid, data, self.dag_car(cid, on_block)
            return cid, data, False

        try:
            while pending or running:
                while pending and len(running) < self.limits.workers * 4:
                    cid = pending.popleft()
                    if cid.multihash in seen:
                        continue
                    seen.add(cid.multihash)
                    data = self._held(cid)
                    if data is None:
                        running[pool.submit(missing, cid)] = cid
                        continue
                    held += identity_data(cid) is None
                    if on_block is not None and identity_data(cid) is None:
                        on_block(len(data), False)
                    pending.extend(_links(cid, data))
                if not running:
                    continue
                done, _rest = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    running.pop(future)
                    cid, data, _batched = future.result()
                    if on_block is not None:
                        on_block(len(data), True)
                    # after a batch its blocks are held: the walk checks them as it goes on
                    pending.extend(_links(cid, data))
        except BaseException:
            # Ctrl+C or a refused block: stop at once; requests in flight end by their
            # deadline, and what they fetch is checked before it is stored.
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


def _links(cid: CID, data: bytes) -> list[CID]:
    try:
        return block_links(cid, data)
    except IpfsError as exc:
        raise MirrorError(f"block {cid} cannot be decoded ({exc})") from None


def store_is_empty(store: FileBlockstore) -> bool:
    return next(iter(store), None) is None


__all__ = ["Fetcher", "FillStats", "Limits", "Lookup", "MirrorError", "OnBlock", "Source",
           "dns_lookup", "parse_source", "store_is_empty"]  # fmt: skip
