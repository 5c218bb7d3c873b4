"""A hostile little HTTP server on 127.0.0.1 for the remote media tests.

    with image_server({"/a.jpg": ok(JPEG), "/loop": redirect("/loop")}) as server:
        server.url("/a.jpg"); server.hits["/a.jpg"]

Each route is a function that writes the whole response on the raw connection, so a test can
send what well-behaved servers never do: a Content-Length that lies, a body that drips, a
gzip bomb.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Handler = Callable[[BaseHTTPRequestHandler], None]


def _head(request: BaseHTTPRequestHandler, status: int, headers: dict[str, str]) -> None:
    request.send_response(status)
    for name, value in headers.items():
        request.send_header(name, value)
    request.end_headers()


def ok(body: bytes, content_type: str = "image/jpeg", **extra: str) -> Handler:
    def handle(request: BaseHTTPRequestHandler) -> None:
        _head(request, 200, {"Content-Type": content_type, "Content-Length": str(len(body)),
                             **extra})  # fmt: skip
        request.wfile.write(body)

    return handle


def redirect(location: str, status: int = 302) -> Handler:
    def handle(request: BaseHTTPRequestHandler) -> None:
        _head(request, status, {"Location": location, "Content-Length": "0"})

    return handle


def declared(length: int | str, body: bytes) -> Handler:
    """A Content-Length that says ``length`` while ``body`` is sent (then the line closes)."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        _head(request, 200, {"Content-Type": "image/jpeg", "Content-Length": str(length),
                             "Connection": "close"})  # fmt: skip
        request.wfile.write(body)
        request.close_connection = True

    return handle


def overlong(body: bytes, extra: bytes) -> Handler:
    """A Content-Length for ``body`` while ``body + extra`` is sent on a kept-alive line."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        _head(request, 200, {"Content-Type": "image/jpeg", "Content-Length": str(len(body))})
        request.wfile.write(body + extra)

    return handle


def unsized(body: bytes) -> Handler:
    """No Content-Length: the body ends when the connection closes."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        _head(request, 200, {"Content-Type": "image/jpeg", "Connection": "close"})
        with suppress(OSError):
            request.wfile.write(body)
        request.close_connection = True

    return handle


def drip(body: bytes, every: float) -> Handler:
    """One byte every ``every`` seconds, each read quick, the whole slow."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        _head(request, 200, {"Content-Type": "image/jpeg", "Content-Length": str(len(body))})
        try:
            for byte in body:
                request.wfile.write(bytes([byte]))
                request.wfile.flush()
                time.sleep(every)
        except OSError:
            pass  # the client gave up, as it should

    return handle


def header_drip(every: float, count: int = 10_000) -> Handler:
    """A status line, then one byte of a header every ``every`` seconds: each read quick, the
    headers never done (only the headers' size limit would end them, after hours)."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        try:
            request.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nX-Slow: ")
            for _ in range(count):
                request.wfile.write(b"x")
                request.wfile.flush()
                time.sleep(every)
        except OSError:
            pass  # the client gave up, as it should

    return handle


def gzip_bomb(size: int) -> Handler:
    """``size`` bytes of a JPEG start and zeros, gzip-compressed to a few KiB."""
    packed = gzip.compress(b"\xff\xd8\xff\xe0" + bytes(size), compresslevel=9)

    def handle(request: BaseHTTPRequestHandler) -> None:
        _head(request, 200, {"Content-Type": "image/jpeg", "Content-Encoding": "gzip",
                             "Content-Length": str(len(packed))})  # fmt: skip
        with suppress(OSError):
            request.wfile.write(packed)

    return handle


@dataclass
class ImageServer:
    port: int
    routes: dict[str, Handler]
    hits: Counter[str] = field(default_factory=Counter)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextmanager
def image_server(routes: dict[str, Handler]) -> Iterator[ImageServer]:
    state = ImageServer(0, dict(routes))

    class Request(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            state.hits[self.path] += 1
            handler = state.routes.get(self.path)
            if handler is None:
                _head(self, 404, {"Content-Type": "text/plain", "Content-Length": "9"})
                self.wfile.write(b"not found")
                return
            handler(self)

    class Quiet(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: object, client_address: object) -> None:
            pass  # clients that hang up early are what these tests are about

    server = Quiet(("127.0.0.1", 0), Request)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
