"""The app under granian's RSGI interface answers as under its ASGI interface, over real sockets.

granian runs embedded on 127.0.0.1 (``granian_run.py``), once per interface, and requests are
sent byte for byte. An echo app shows the ASGI scope ``server/rsgi.py`` builds from RSGI's next
to the one granian's ASGI interface gives; the permapress app (two of it, so each server has its
own caches) must answer every request with the same bytes, the first time (full path) and the
second (hot path); streams cut off must reach the client as broken transfers.
"""

from __future__ import annotations

import re
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
from permapress.server.app import create_app
from permapress.server.carstream import CarLimits
from permapress.server.rsgi import serve_asgi

sys.path.insert(0, str(Path(__file__).parent))
from crafted import read_all  # noqa: E402
from granian_run import exchange, free_port, running_granian  # noqa: E402
from world import World  # noqa: E402

PERMAPRESS = str(Path(sys.executable).with_name("permapress"))
BIG = 64 << 20  # bytes /big streams


class Echo:
    """An ASGI app answering with its scope and the body it received; also streams."""

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
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        shown = {key: value for key, value in scope.items() if key != "app"}
        shown["body"] = body
        # in a header too, for HEAD
        headers.append((b"x-scope", repr(shown).encode().hex().encode()))
        await send(start)
        await send({"type": "http.response.body", "body": repr(shown).encode()})

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        await serve_asgi(self, scope, protocol)


@pytest.fixture(scope="module")
def echo() -> Iterator[tuple[int, int]]:
    with running_granian(Echo(), "asginl") as asgi, running_granian(Echo(), "rsgi") as rsgi:
        yield asgi, rsgi


@pytest.mark.parametrize("interface", ["asginl", "rsgi"])
def test_a_slow_reader_makes_a_stream_wait(interface: str) -> None:
    """A client reading nothing: the app is held back well before the end of its 64 MiB, then
    goes on as the client reads, to the last byte."""
    app = Echo()
    with (
        running_granian(app, interface) as port,
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


def _scope(port: int, request: bytes) -> dict[str, Any]:
    answer = exchange(port, request)
    hexed = re.search(rb"\r\nx-scope: ([0-9a-f]+)", answer)
    assert hexed is not None, answer
    shown: dict[str, Any] = eval(bytes.fromhex(hexed.group(1).decode()))  # noqa: S307 - our repr
    shown["client"] = (shown["client"][0], "*")  # the ports differ
    shown["server"] = (shown["server"][0], "*")
    return shown


SCOPE_REQUESTS = [
    b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    # duplicate headers, interleaved: both interfaces group them by name, in order
    b"GET /a/b/ HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\nX-Twice: 1\r\nAccept: */*\r\n"
    b"X-Twice: 2\r\nUser-Agent: test\r\nConnection: close\r\n\r\n",
    # percent-encoded UTF-8, space and percent sign, and what a path may hold as it is
    b"GET /caf%C3%A9/x%20y/100%25/%E2%9C%93/a:b@c!$&'()*+,;=~ HTTP/1.1\r\nHost: x\r\n"
    b"Connection: close\r\n\r\n",
    # query strings are passed on as sent
    b"GET /ipfs/x?format=car&dag-scope=entity&q=caf%C3%A9+x&q=2&empty= HTTP/1.1\r\nHost: x\r\n"
    b"Connection: close\r\n\r\n",
    b"GET /?%2F%3F=%26 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"HEAD /page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"GET / HTTP/1.0\r\n\r\n",  # no Host: one is added, empty
    b"GET http://elsewhere.invalid/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello world",
    b"POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    b"OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
]


@pytest.mark.parametrize("request_bytes", SCOPE_REQUESTS)
def test_the_asgi_scope_is_the_one_granian_gives(
    echo: tuple[int, int], request_bytes: bytes
) -> None:
    asgi, rsgi = echo
    assert _scope(rsgi, request_bytes) == _scope(asgi, request_bytes)


def test_what_rsgi_cannot_pass_on(echo: tuple[int, int]) -> None:
    asgi, rsgi = echo
    # a path encoded otherwise than the usual way: the raw path is the usual encoding of it
    odd = b"GET /%41b%2dc/%22q%22/a%2Fb HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    theirs, ours = _scope(asgi, odd), _scope(rsgi, odd)
    assert theirs["path"] == ours["path"] == '/Ab-c/"q"/a/b'
    assert theirs["raw_path"] == b"/%41b%2dc/%22q%22/a%2Fb"
    assert ours["raw_path"] == b"/Ab-c/%22q%22/a/b"
    # a header value with bytes beyond visible ASCII: there, with an empty value
    latin = b"GET / HTTP/1.1\r\nHost: x\r\nX-Name: caf\xe9\r\nConnection: close\r\n\r\n"
    assert (b"x-name", b"caf\xe9") in _scope(asgi, latin)["headers"]
    assert (b"x-name", b"") in _scope(rsgi, latin)["headers"]


def test_streams_and_head_go_out_as_granian_sends_them(echo: tuple[int, int]) -> None:
    asgi, rsgi = echo
    for request in (
        b"GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"HEAD /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ):
        assert exchange(rsgi, request) == exchange(asgi, request), request
    streamed = exchange(rsgi, b"GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert b"transfer-encoding: chunked" in streamed and streamed.endswith(b"\r\n0\r\n\r\n")
    assert b"x-dup: 1\r\nx-dup: 2\r\n" in streamed


class Watched:
    """An app's RSGI entry that keeps what it raised."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.raised: list[BaseException] = []

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        try:
            await self.app.__rsgi__(scope, protocol)
        except BaseException as exc:
            self.raised.append(exc)
            raise


def test_a_stream_ends_while_the_request_body_is_still_awaited(world: World) -> None:
    """Starlette stops waiting for a disconnect once a stream is done; that wait may be on a
    request body that never comes, and it must give way without an error."""
    app = Watched(create_app(blocks=world.store, site_root=lambda: world.site_root,
                             is_served=world.served.is_served))  # fmt: skip
    request = (f"GET /ipfs/{world.site_root}/media?format=car HTTP/1.1\r\nHost: x\r\n"
               "Content-Length: 100\r\nConnection: close\r\n\r\nabc").encode()  # fmt: skip
    with (
        running_granian(app, "rsgi") as port,
        socket.create_connection(("127.0.0.1", port), timeout=30) as sock,
    ):
        sock.sendall(request)
        answer = b""
        while not answer.endswith(b"\r\n0\r\n\r\n"):
            piece = sock.recv(1 << 16)
            assert piece, answer[:300]
            answer += piece
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert app.raised == []


@pytest.mark.parametrize("path", ["/stream/cut", "/stream/raise"])
def test_a_stream_left_unfinished_is_a_broken_transfer(echo: tuple[int, int], path: str) -> None:
    for port in echo:
        status, _headers, body, complete = read_all(f"http://127.0.0.1:{port}{path}")
        assert status == 200 and not complete, (port, body)
        assert b"0\r\n\r\n" not in exchange(
            port, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
        )
    # the server goes on answering, on new connections and on kept-alive ones
    with httpx.Client(base_url=f"http://127.0.0.1:{echo[1]}") as client:
        assert client.get("/stream").content == b"one two three"
        assert client.get("/stream").content == b"one two three"


def test_a_websocket_upgrade_is_refused_as_before(echo: tuple[int, int]) -> None:
    upgrade = (b"GET /ipfs/bafkqaaa HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
               b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               b"Sec-WebSocket-Version: 13\r\n\r\n")  # fmt: skip
    app = create_app(blocks=MemoryBlockstore(), site_root=lambda: None,
                     is_served=lambda cid: False)  # fmt: skip
    with running_granian(app, "asginl") as asgi, running_granian(app, "rsgi") as rsgi:
        theirs = exchange(asgi, upgrade, head_only=True)
        ours = exchange(rsgi, upgrade, head_only=True)
    assert ours.startswith(b"HTTP/1.1 403 ") and ours == theirs


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


def test_the_app_answers_the_same_bytes_under_both(world: World) -> None:
    def app() -> Any:
        made = create_app(blocks=world.store, site_root=lambda: world.site_root,
                          is_served=world.served.is_served, site_name="Test Gazette")  # fmt: skip
        looked_up = made.cached  # type: ignore[attr-defined]

        def cached(hot: Any) -> Any:  # notes which entry point found a cached answer
            found = looked_up(hot)
            if found is not None:
                hits[made].append(sys._getframe(1).f_code.co_name)
            return found

        made.cached = cached  # type: ignore[attr-defined]
        return made

    found = 0
    theirs_app, ours_app = app(), app()
    hits: dict[Any, list[str]] = {theirs_app: [], ours_app: []}
    with running_granian(theirs_app, "asginl") as asgi, running_granian(ours_app, "rsgi") as rsgi:
        for attempt in ("full path", "cached"):
            for request in _requests(world):
                hits[theirs_app].clear()
                hits[ours_app].clear()
                theirs, ours = exchange(asgi, request), exchange(rsgi, request)
                assert ours == theirs, (attempt, request, theirs[:600], ours[:600])
                # the RSGI entry point finds whatever the ASGI one finds
                assert hits[ours_app] == ["__rsgi__"] * len(hits[theirs_app]), request
                found += len(hits[ours_app])
    assert found >= 10


def test_a_car_over_its_limit_is_a_broken_transfer_under_both(world: World) -> None:
    def app() -> Any:
        return create_app(blocks=world.store, site_root=lambda: world.site_root,
                          is_served=world.served.is_served,
                          car_limits=CarLimits(max_bytes=300_000))  # fmt: skip

    with running_granian(app(), "asginl") as asgi, running_granian(app(), "rsgi") as rsgi:
        for port in (asgi, rsgi):
            base = f"http://127.0.0.1:{port}"
            status, _headers, body, complete = read_all(f"{base}/ipfs/{world.site_root}?format=car")
            assert status == 200 and not complete and len(body) >= 64 << 10, port
            assert httpx.get(f"{base}/").status_code == 200


def test_permapress_serve_cuts_a_car_off_at_its_limit(tmp_path: Path) -> None:
    """The real `permapress serve` (granian's RSGI, worker processes): a CAR over
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
