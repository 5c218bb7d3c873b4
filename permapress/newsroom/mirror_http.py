"""HTTP to one mirror source: every request bounded in size and time, every block counted.

    SourceClient(source, store, limits, lookup=None)   the client ``Fetcher`` builds on: no
        kept-alive connections (each request's ``Watchdog`` must see the socket it shuts),
        redirects followed at most ``MAX_REDIRECTS`` times, the run's counters
        (blocks and bytes fetched and refetched, batches, the largest batch) and their limits
    trustless(url, headers, wanted)   ``MirrorError`` when a server answers a trustless request
        with anything else (it is a path gateway, not a forger)
    BodyStream(chunks)                a read()-able stream over a response's chunks (a CAR)

The bounds themselves are described in ``mirror_fetch.py``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx

from permapress.ipfs.blockstore import FileBlockstore
from permapress.ipfs.cid import CID
from permapress.newsroom.mirror_source import Limits, Lookup, MirrorError, Source
from permapress.watchdog import Watchdog

MAX_REDIRECTS = 5
CAR_TYPE = "application/vnd.ipld.car"
RAW_TYPE = "application/vnd.ipld.raw"


class SourceClient:
    """HTTP access to one source (see the module docstring); ``Fetcher`` adds what to fetch."""

    def __init__(
        self,
        source: Source,
        store: FileBlockstore,
        limits: Limits = Limits(),  # noqa: B008 (a frozen dataclass)
        *,
        lookup: Lookup | None = None,
    ) -> None:
        self.source = source
        self.store = store
        self.limits = limits
        self.blocks_fetched = 0
        self.bytes_fetched = 0
        self.blocks_refetched = 0
        self.bytes_refetched = 0
        self.batches = 0
        self.largest_batch = 0  # bytes of the largest CAR received
        self.ipns_seen: dict[str, int] = {}  # name -> sequence of the records followed
        self._arrived: set[bytes] = set()  # multihashes fetched by this run
        self._lookup = lookup
        self._count_lock = threading.Lock()
        # No kept-alive connections: each request opens its own, so its Watchdog sees the
        # socket it must shut (a pooled connection has no connect event to trace).
        self._client = httpx.Client(
            timeout=httpx.Timeout(limits.timeout),
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            limits=httpx.Limits(max_connections=limits.workers + 2, max_keepalive_connections=0),
            headers={"User-Agent": "permapress-mirror", "Accept-Encoding": "identity"},
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> SourceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- requests ---------------------------------------------------------------------------

    def _fail(self, url: str, exc: Exception, watchdog: Watchdog) -> MirrorError:
        if watchdog.fired:
            return self._too_slow(url)
        if isinstance(exc, httpx.TooManyRedirects):
            return MirrorError(f"{url}: more than {MAX_REDIRECTS} redirects (a redirect loop?)")
        if isinstance(exc, httpx.TimeoutException):
            return MirrorError(f"{url}: no answer within {self.limits.timeout:g} seconds")
        return MirrorError(f"{url}: cannot be fetched ({type(exc).__name__}: {exc})")

    def _too_slow(self, url: str) -> MirrorError:
        return MirrorError(
            f"{url}: the answer did not arrive within {self.limits.deadline:g} seconds (the "
            "server sends it too slowly); try again later or raise --timeout"
        )

    def _bounded(
        self, url: str, accept: str, limit: int, *, method: str = "GET"
    ) -> tuple[bytes, httpx.Headers]:
        """The body of a request (at most ``limit`` bytes, all of it within the deadline) and
        its headers; 200 only."""
        watchdog = Watchdog(self.limits.deadline)
        watchdog.arm()
        ends = time.monotonic() + self.limits.deadline
        try:
            with self._client.stream(
                method, url, headers={"Accept": accept}, extensions={"trace": watchdog.trace}
            ) as response:
                if response.status_code != 200:
                    raise MirrorError(f"{url}: the server answered {response.status_code}")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > limit:
                        raise MirrorError(f"{url}: the answer is over {limit} bytes; refused")
                    if time.monotonic() > ends:
                        raise self._too_slow(url)
                return bytes(body), response.headers
        except httpx.HTTPError as exc:
            raise self._fail(url, exc, watchdog) from None
        finally:
            watchdog.cancel()

    def _count(self, cid: CID, size: int, held: bool) -> None:
        with self._count_lock:
            self.blocks_fetched += 1
            self.bytes_fetched += size
            # held before, or fetched by another request of this run a moment ago
            held = held or cid.multihash in self._arrived
            self._arrived.add(cid.multihash)
            if held:
                self.blocks_refetched += 1
                self.bytes_refetched += size
            if self.blocks_fetched > self.limits.max_blocks:
                raise MirrorError(f"{self.source.text}: more than {self.limits.max_blocks} blocks")
            if self.bytes_fetched > self.limits.max_bytes:
                raise MirrorError(
                    f"{self.source.text}: more than {self.limits.max_bytes} bytes of blocks"
                )

    def _batch_done(self, received: int) -> None:
        with self._count_lock:
            self.largest_batch = max(self.largest_batch, received)


def trustless(url: str, headers: httpx.Headers, wanted: str, *, rpc_hint: bool = False) -> None:
    """A gateway that answers a trustless request with anything else (a page, a listing, the
    file itself) is not a trustless gateway: say so rather than call its answer a forgery."""
    found = headers.get("content-type", "").split(";")[0].strip().lower()
    if found != wanted:
        hint = (
            "; an IPFS node whose RPC API you can reach (such as the npm ipfs daemon) can be "
            "read with --rpc http://HOST:PORT"
            if rpc_hint
            else ""
        )
        raise MirrorError(
            f"{url}: answered with {found or 'no Content-Type'}, not {wanted}: this server is not "
            f"a trustless gateway (give the address of one that is{hint})"
        )


class BodyStream:
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
