"""The app under granian, the server ``permapress serve`` runs, over real sockets.

granian runs embedded on 127.0.0.1 (``granian_run.py``) and requests are sent byte for byte:
the permapress app answers every request the second time (the hot path, from its caches) with
the bytes it gave the first time (the full path); a client that reads nothing holds a stream
back; streams cut off reach the client as broken transfers; a websocket upgrade is refused.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.car import car_header
from permapress.server.app import create_app
from permapress.server.carstream import CarLimits

sys.path.insert(0, str(Path(__file__).parent))
from crafted import free_port, read_all  # noqa: E402
from granian_run import exchange, running_granian  # noqa: E402
from world import World  # noqa: E402

PERMAPRESS = str(Path(sys.executable).with_name("permapress"))
BIG = 64 << 20  # bytes /big streams


class Echo:
    """An ASGI app that streams: 64 MiB at /big, three pieces at /stream (cut off or raising
    at /stream/cut and /stream/raise)."""

    def __init__(self) -> None:
        self.produced = 0  # bytes of /big handed to the server so far

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        headers = [(b"content-type", b"text/plain"), (b"x-dup", b"1"), (b"x-dup", b"2")]
        start = {"type": "http.response.start", "status": 200, "headers": headers}
        if path == "/big":
            await send(start)
            piece = b"x" * (64 << 10)
            for _ in range(BIG // len(piece)):
                await send({"type": "http.response.body", "body": piece, "more_body": True})
                self.produced += len(piece)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        if path.startswith("/stream"):
            await send(start)
            for part in (b"one ", b"two ", b"three"):
                await send({"type": "http.response.body", "body": part, "more_body": True})
            if path == "/stream/cut":
                return  # without completing the response
            if path == "/stream/raise":
                raise RuntimeError("stopped while streaming (expected by the test)")
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await send({**start, "status": 404})
        await send({"type": "http.response.body", "body": b"not here"})


@pytest.fixture(scope="module")
def echo() -> Iterator[int]:
    with running_granian(Echo(), "asginl") as port:
        yield port


def test_a_slow_reader_makes_a_stream_wait() -> None:
    """A client reading nothing: the app is held back well before the end of its 64 MiB, then
    goes on as the client reads, to the last byte."""
    app = Echo()
    with (
        running_granian(app, "asginl") as port,
        socket.create_connection(("127.0.0.1", port), timeout=30) as sock,
    ):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
        sock.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        seen, still = -1, 0
        while still < 25:  # until nothing more is produced for a while
            time.sleep(0.02)
            still = still + 1 if app.produced == seen else 0
            seen = app.produced
        assert seen < BIG // 4, seen
        received = 0
        while piece := sock.recv(1 << 20):
            received += len(piece)
    assert app.produced == BIG and received > BIG


@pytest.mark.parametrize("path", ["/stream/cut", "/stream/raise"])
def test_a_stream_left_unfinished_is_a_broken_transfer(echo: int, path: str) -> None:
    status, _headers, body, complete = read_all(f"http://127.0.0.1:{echo}{path}")
    assert status == 200 and not complete, body
    assert b"0\r\n\r\n" not in exchange(
        echo, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    )
    # the server goes on answering, on new connections and on kept-alive ones
    with httpx.Client(base_url=f"http://127.0.0.1:{echo}") as client:
        assert client.get("/stream").content == b"one two three"
        assert client.get("/stream").content == b"one two three"


def test_a_websocket_upgrade_is_refused() -> None:
    upgrade = (b"GET /ipfs/bafkqaaa HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
               b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               b"Sec-WebSocket-Version: 13\r\n\r\n")  # fmt: skip
    app = create_app(blocks=MemoryBlockstore(), site_root=lambda: None,
                     is_served=lambda cid: False)  # fmt: skip
    with running_granian(app, "asginl") as port:
        answer = exchange(port, upgrade, head_only=True)
    assert answer.startswith(b"HTTP/1.1 403 ")


def _requests(world: World) -> list[bytes]:
    root, served = world.site_root, world.fixture_roots
    missing = served["trustless_gateway_car/file-3k-and-3-blocks-missing-block.car"][0]
    close = "Connection: close\r\n\r\n"
    lines = [
        "GET / HTTP/1.1\r\nHost: x\r\n",
        "HEAD / HTTP/1.1\r\nHost: x\r\n",
        'GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: "nothing"\r\n',
        "GET /articles/harbour-fire/ HTTP/1.1\r\nHost: x\r\n",
        "GET /articles/harbour-fire HTTP/1.1\r\nHost: x\r\n",
        "GET /articles/harbour-fire/?a=1&a=2 HTTP/1.1\r\nHost: x\r\n",
        "GET /nowhere/caf%C3%A9 HTTP/1.1\r\nHost: x\r\n",
        "GET /media/big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=10-19\r\n",
        "GET /search/?q=harbour HTTP/1.1\r\nHost: x\r\n",
        f"GET /ipfs/{root}/ HTTP/1.1\r\nHost: x\r\n",
        f"GET /ipfs/{root}/articles/ HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n",
        f"GET /ipfs/{root}/articles/harbour-fire/index.html HTTP/1.1\r\nHost: x\r\n",
        f"HEAD /ipfs/{root}/media/big.bin HTTP/1.1\r\nHost: x\r\n",
        f"GET /ipfs/{root}/media/big.bin HTTP/1.1\r\nHost: x\r\n",
        f"GET /ipfs/{root}?format=car HTTP/1.1\r\nHost: x\r\n",
        f"HEAD /ipfs/{root}?format=car HTTP/1.1\r\nHost: x\r\n",
        f"GET /ipfs/{root}/media?format=car HTTP/1.1\r\nHost: x\r\n",  # streamed (> 1 MiB)
        f"GET /ipfs/{root}/assets/site.css?format=raw HTTP/1.1\r\nHost: x\r\n",
        f"GET /ipfs/{root}/assets/site.css HTTP/1.1\r\nHost: x\r\n"
        "Accept: application/vnd.ipld.raw\r\nAccept: text/html\r\n",
        f"GET /ipfs/{root}/assets/site.css HTTP/1.1\r\nHost: x\r\n"
        "Accept: text/html\r\nAccept: application/vnd.ipld.raw\r\n",
        f"GET /ipfs/{root}/assets/site.css?filename=caf%C3%A9%20x.css&download=true HTTP/1.1\r\n"
        "Host: x\r\n",
        f"GET /ipfs/{root}/ HTTP/1.1\r\nHost: x\r\nCache-Control: only-if-cached\r\n",
        f"GET /ipfs/{root} HTTP/1.1\r\nHost: x\r\nService-Worker: script\r\n",
        f"OPTIONS /ipfs/{root}/ HTTP/1.1\r\nHost: x\r\n",
        f"GET /ipfs/{world.unpublished} HTTP/1.1\r\nHost: x\r\n",
        f"GET /ipfs/{missing}?format=raw HTTP/1.1\r\nHost: x\r\n",
        "GET /ipfs/bafkqaaa HTTP/1.1\r\nHost: x\r\n",
        "GET /ipfs/ HTTP/1.1\r\nHost: x\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n",
        "DELETE /ipfs/bafkqaaa HTTP/1.1\r\nHost: x\r\n",
        "GET / HTTP/1.0\r\n",
        "GET http://elsewhere.invalid/ipfs/bafkqaaa HTTP/1.1\r\nHost: x\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: x\r\n",
        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n",
        "GET /ipfs/bafkqaaa HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        "Content-Length: 5\r\n",
    ]
    body = {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n": b"abc"}
    return [(line + close).encode("latin-1") + body.get(line, b"") for line in lines]


def test_a_cached_answer_is_the_answer_the_full_path_gave(world: World) -> None:
    """Every request twice: the second answer comes from the hot path's caches where there is
    one, and it is byte for byte the first (two Accept headers included: the first decides
    on both paths)."""
    made = create_app(blocks=world.store, site_root=lambda: world.site_root,
                      is_served=world.served.is_served, site_name="Test Gazette")  # fmt: skip
    looked_up = made.cached  # type: ignore[attr-defined]
    hits: list[Any] = []

    def cached(hot: Any) -> Any:  # counts the answers the hot path found
        found = looked_up(hot)
        hits.append(found)
        return found

    made.cached = cached  # type: ignore[attr-defined]
    replayed = 0
    with running_granian(made, "asginl") as port:
        for request in _requests(world):
            first = exchange(port, request)
            hits.clear()
            again = exchange(port, request)
            assert again == first, (request, first[:600], again[:600])
            replayed += sum(hit is not None for hit in hits)
    assert replayed >= 10  # pages, files, CARs and redirects came from the caches


def test_a_car_over_its_limit_is_a_broken_transfer(world: World) -> None:
    app = create_app(blocks=world.store, site_root=lambda: world.site_root,
                     is_served=world.served.is_served,
                     car_limits=CarLimits(max_bytes=300_000))  # fmt: skip
    with running_granian(app, "asginl") as port:
        base = f"http://127.0.0.1:{port}"
        status, _headers, body, complete = read_all(f"{base}/ipfs/{world.site_root}?format=car")
        assert status == 200 and not complete and len(body) >= 64 << 10
        assert httpx.get(f"{base}/").status_code == 200


@pytest.mark.parametrize("case", ["limit", "missing block"])
def test_a_car_that_fails_in_its_first_chunk_still_has_its_headers(
    world: World, case: str
) -> None:
    """A limit reached, or a block missing, before the CAR's first 64 KiB: the answer is still
    ours (200, the CAR's type and the security headers, the CAR header and what came before
    the failure), then cut off; before, granian answered its own bare 500."""
    root = world.site_root
    limits = CarLimits(max_bytes=2_000) if case == "limit" else CarLimits()
    if case == "missing block":
        fixture = "trustless_gateway_car/file-3k-and-3-blocks-missing-block.car"
        root = world.fixture_roots[fixture][0]
    app = create_app(blocks=world.store, site_root=lambda: world.site_root,
                     is_served=world.served.is_served, car_limits=limits)  # fmt: skip
    with running_granian(app, "asginl") as port:
        url = f"http://127.0.0.1:{port}/ipfs/{root}?format=car"
        status, headers, body, complete = read_all(url)
    assert status == 200 and not complete
    assert headers["content-type"].startswith("application/vnd.ipld.car")
    assert headers["x-content-type-options"] == "nosniff"
    assert body.startswith(car_header([root])) and len(body) > len(car_header([root]))


def test_permapress_serve_cuts_a_car_off_at_its_limit(tmp_path: Path) -> None:
    """The real `permapress serve` (granian, worker processes): a CAR over
    ``car_max_mb`` breaks off, no traceback is printed, cached pages answer as before."""
    home = tmp_path / "newsroom"
    subprocess.run([PERMAPRESS, "init", str(home), "--demo"], check=True, capture_output=True)
    config = home / "permapress.toml"
    kept = config.read_text(encoding="utf-8").split("\n[serve]")[0]
    config.write_text(kept + "\n[serve]\ncar_max_mb = 1\n", encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen(
        [PERMAPRESS, "serve", "--home", str(home), "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        root = proc.stdout.readline().split()[-1]
        assert proc.stdout.readline().startswith("Serving")
        base = f"http://127.0.0.1:{port}"
        status, _headers, body, complete = read_all(f"{base}/ipfs/{root}?format=car")
        assert status == 200 and not complete and len(body) >= 64 << 10
        small = read_all(f"{base}/ipfs/{root}?format=car&dag-scope=block")
        assert small[0] == 200 and small[3]
        pages = [httpx.get(f"{base}/", headers={"Accept": "text/html"}) for _ in range(4)]
        assert {page.status_code for page in pages} == {200}
        assert len({page.content for page in pages}) == 1
        etag = pages[0].headers["etag"]
        assert httpx.get(f"{base}/", headers={"If-None-Match": etag}).status_code == 304
        head = httpx.head(f"{base}/")
        assert head.headers["content-length"] == str(len(pages[0].content)) and not head.content
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err, err[-3000:]
