"""Real HTTP servers on 127.0.0.1 for the mirror tests: a web app on a socket, a slowed proxy and
hostile gateways (plain ``http.server``, so they can misbehave byte by byte)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def app_server(app: Any) -> Iterator[str]:
    """A Starlette app served by uvicorn on a free port: its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def folder_server(home: Path) -> Iterator[str]:
    """What `permapress serve --home` serves for a mirror folder (which is never built)."""
    from permapress.newsroom.serving import newsroom_app

    app, _root, _config = newsroom_app(home)
    with app_server(app) as base:
        yield base


# (handler, path with query) -> True when the hook answered the request itself
Hook = Callable[[BaseHTTPRequestHandler, str], bool]


@contextmanager
def proxy(upstream: str, hook: Hook | None = None, delay: float = 0.0) -> Iterator[str]:
    """Forwards GETs to ``upstream`` (``delay`` seconds per 4 KiB sent), unless ``hook`` answers."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if hook is not None and hook(self, self.path):
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() == "accept"}
            try:
                with httpx.stream("GET", upstream + self.path, headers=headers,
                                  timeout=60) as answer:
                    self.send_response(answer.status_code)
                    for name, value in answer.headers.items():
                        if name.lower() in ("content-type", "x-ipfs-path", "x-ipfs-roots",
                                            "location"):
                            self.send_header(name, value)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    for chunk in answer.iter_bytes(4096):
                        self.wfile.write(chunk)
                        self.wfile.flush()
                        if delay:
                            time.sleep(delay)
            except (OSError, httpx.HTTPError):
                pass
            self.close_connection = True

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def answer(handler: BaseHTTPRequestHandler, status: int, body: bytes,
           headers: dict[str, str] | None = None) -> None:
    handler.send_response(status)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(body)
    handler.close_connection = True


@contextmanager
def dns_server(records: dict[str, list[str]]) -> Iterator[str]:
    """A DNS server on 127.0.0.1 (UDP) answering TXT questions from ``records`` (host -> the
    TXT strings), NXDOMAIN for any other name: ``HOST:PORT`` for ``--dns``."""
    import dns.message
    import dns.rcode
    import dns.rdatatype
    import dns.rrset

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                data, client = sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            query = dns.message.from_wire(data)
            reply = dns.message.make_response(query)
            question = query.question[0]
            host = question.name.to_text(omit_final_dot=True).lower()
            if question.rdtype == dns.rdatatype.TXT and records.get(host):
                quoted = [f'"{text}"' for text in records[host]]
                reply.answer.append(dns.rrset.from_text(question.name, 60, "IN", "TXT", *quoted))
            else:
                reply.set_rcode(dns.rcode.NXDOMAIN)
            sock.sendto(reply.to_wire(), client)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        sock.close()
