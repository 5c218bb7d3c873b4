"""Shared helpers of the publishing tests: newsrooms with a built site, the js-ipfs daemon, and
HTTP servers on 127.0.0.1 that speak the IPFS Pinning Service API and the IPFS Cluster REST API
(neither can be installed here), plus a throttling TCP proxy.

The test servers follow the published specifications: ipfs/pinning-services-api-spec
(ipfs-pinning-service.yaml: POST /pins -> 202 PinStatus, GET /pins/{requestid} -> 200,
POST /pins/{requestid} replaces -> 202, GET /pins?cid=&status= -> PinResults, errors as
{"error": {"reason", "details"}} with 400/401/404/409) and the IPFS Cluster REST API
(POST /add?format=car with replication-min/-max, GET /pins/{cid} -> GlobalPinInfo with a
peer_map, errors as {"code", "message"}).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from permapress.handle import Newsroom
from permapress.ipfs.car import read_car
from permapress.ipfs.cid import CID, verify_block
from permapress.ipfs.importer import import_tree
from permapress.ipfs.profiles import get_profile
from permapress.newsroom.home import init_newsroom
from permapress.publish.http import TargetClient
from permapress.publish.state import PublishState
from permapress.publish.targets import Target
from permapress.trust.keys import generate_key, has_key

INTEROP = Path(__file__).resolve().parents[1] / "interop"
DAEMON = INTEROP / "ipfs-daemon.mjs"
HAVE_DAEMON = (
    shutil.which("node") is not None and (INTEROP / "node_modules" / "ipfs-daemon").is_dir()
)


def site_tree(version: int, big: int = 0) -> dict[str, Any]:
    """A small news site; ``version`` changes the home page and adds an article each time."""
    articles: dict[str, Any] = {
        f"story-{n}": {"index.html": f"<h1>Story {n}</h1>".encode() * 40}
        for n in range(version + 2)
    }
    tree: dict[str, Any] = {
        "index.html": f"<h1>Front page, edition {version}</h1>".encode(),
        "articles": articles,
        "assets": {"site.css": b"body{margin:0}" * 200},
    }
    if big:
        tree["media.bin"] = os.urandom(big)
    return tree


def new_newsroom(folder: Path, *, key: bool = True) -> Path:
    home = folder / "newsroom"
    init_newsroom(home, "Test Courier")
    if key and not has_key(home / "keys"):
        generate_key(home / "keys")
    return home


def build(home: Path, tree: Mapping[str, Any]) -> CID:
    """Import ``tree`` into the newsroom's blockstore and record it as the newest build."""
    with Newsroom.open(home) as newsroom:
        imported = import_tree(tree, get_profile("unixfs-v1-2025"), newsroom.blocks.put)
        newsroom.catalog.add_build(str(imported.cid), "2025-01-01T00:00:00+00:00", 1, 1)
    return imported.cid


def add_targets(home: Path, text: str) -> None:
    with (home / "permapress.toml").open("a", encoding="utf-8") as out:
        out.write("\n" + text)


@contextmanager
def opened(
    home: Path, target: Target, **client_options: Any
) -> Iterator[tuple[Newsroom, PublishState, TargetClient]]:
    """The newsroom, its publish state and a client for ``target``, all open together."""
    with (
        Newsroom.open(home) as newsroom,
        PublishState.open(newsroom.config.catalog_path) as state,
        TargetClient(target, None, **client_options) as client,
    ):
        yield newsroom, state, client


# --- the js-ipfs daemon -------------------------------------------------------------------------


@dataclass
class Daemon:
    api: str
    gateway: str
    peer: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_daemon(repo: Path, *, offline: bool = False) -> Daemon:
    """A js-ipfs daemon on ``repo``: online (libp2p and DHT running, no peers to reach) or, with
    ``offline``, as ``ipfs daemon --offline`` starts it."""
    process = subprocess.Popen(
        ["node", str(DAEMON), str(repo), *(["--offline"] if offline else [])],
        cwd=INTEROP,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        err = process.stderr.read().decode() if process.stderr else ""
        raise RuntimeError(f"js-ipfs daemon did not start: {err[-2000:]}")
    info = json.loads(line)
    assert info["offline"] is offline
    return Daemon(info["api"], info["gateway"], info["peer"], process)


# --- small HTTP servers -------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-request (a killed publish) is part of the test, not an
        error: the default handler would print a traceback into the output tests read."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler], state: Any) -> Iterator[str]:
    server = _Server(("127.0.0.1", 0), handler)
    server.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    @property
    def state(self) -> Any:
        return self.server.state  # type: ignore[attr-defined]

    def body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def send_json(self, status: int, data: Any) -> None:
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)


def multipart_file(handler: _Handler, body: bytes) -> bytes:
    """The content of the one file part of a multipart/form-data body."""
    ctype = handler.headers.get("Content-Type", "")
    boundary = ctype.split("boundary=", 1)[1].strip('"').encode()
    part = body.split(b"--" + boundary)[1]
    return part.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n", 1)[0]


# --- Pinning Service API ------------------------------------------------------------------------


@dataclass
class PinningState:
    token: str
    polls_until_pinned: int = 2
    fail_cids: set[str] = field(default_factory=set)
    pins: dict[str, dict[str, Any]] = field(default_factory=dict)
    polls: dict[str, int] = field(default_factory=dict)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)


def _failure(handler: _Handler, status: int, reason: str, details: str) -> None:
    handler.send_json(status, {"error": {"reason": reason, "details": details}})


class PinningHandler(_Handler):
    def _authorised(self) -> bool:
        if self.headers.get("Authorization") != f"Bearer {self.state.token}":
            _failure(self, 401, "UNAUTHORIZED", "Access token is missing or invalid")
            return False
        return True

    def _status(self, requestid: str) -> dict[str, Any]:
        pin = self.state.pins[requestid]
        return {k: v for k, v in pin.items() if not k.startswith("_")}

    def do_GET(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        self.state.requests.append(("GET", self.path, None))
        if not self._authorised():
            return
        if path == "/pins":
            q = self.query()
            cids = set(q.get("cid", []))
            statuses = set(q.get("status", ["pinned"]))
            found = [
                self._status(rid)
                for rid, pin in self.state.pins.items()
                if (not cids or pin["pin"]["cid"] in cids) and pin["status"] in statuses
            ]
            limit = int(q.get("limit", ["10"])[0])
            self.send_json(200, {"count": len(found), "results": found[:limit]})
            return
        requestid = path.removeprefix("/pins/")
        if requestid not in self.state.pins:
            _failure(self, 404, "NOT_FOUND", "The specified resource was not found")
            return
        pin = self.state.pins[requestid]
        self.state.polls[requestid] = self.state.polls.get(requestid, 0) + 1
        if pin["status"] in ("queued", "pinning"):
            if pin["pin"]["cid"] in self.state.fail_cids:
                pin["status"] = "failed"
                pin["info"] = {"status_details": "could not find providers for the content"}
            elif self.state.polls[requestid] >= self.state.polls_until_pinned:
                pin["status"] = "pinned"
            else:
                pin["status"] = "pinning"
                pin["info"] = {"status_details": "fetching blocks"}
        self.send_json(200, self._status(requestid))

    def do_POST(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        raw = self.body()
        if not self._authorised():
            return
        try:
            pin = json.loads(raw)
            CID.parse(pin["cid"])
        except (ValueError, KeyError, TypeError, Exception):
            _failure(self, 400, "BAD_REQUEST", "body must be a Pin object with a valid cid")
            return
        self.state.requests.append(("POST", path, pin))
        if path != "/pins":
            old = path.removeprefix("/pins/")
            if old not in self.state.pins:
                _failure(self, 404, "NOT_FOUND", "The specified resource was not found")
                return
            del self.state.pins[old]
        requestid = uuid.uuid4().hex
        self.state.pins[requestid] = {
            "requestid": requestid,
            "status": "queued",
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "pin": pin,
            "delegates": [
                "/dns4/pinning.example/tcp/4001/p2p/12D3KooWLQzUv2FHWGVPXTXSZpdHs7oHbXub2G5WC8Tx4NQhyd2d"
            ],
            "info": {"status_details": "queue position: 1 of 1"},
        }
        self.send_json(202, self._status(requestid))


# --- IPFS Cluster REST API ----------------------------------------------------------------------


@dataclass
class ClusterState:
    peers: tuple[str, ...] = ("peer-a", "peer-b", "peer-c")
    user: str = "admin"
    password: str = "s3cret"
    polls_until_pinned: int = 2
    fail_peer: str | None = None
    report_cid: str | None = None
    blocks: dict[bytes, bytes] = field(default_factory=dict)
    pins: dict[str, dict[str, Any]] = field(default_factory=dict)
    adds: list[dict[str, list[str]]] = field(default_factory=list)


class ClusterHandler(_Handler):
    def _authorised(self) -> bool:
        import base64

        expected = (
            "Basic "
            + base64.b64encode(f"{self.state.user}:{self.state.password}".encode()).decode()
        )
        if self.headers.get("Authorization") != expected:
            self.send_json(401, {"code": 401, "message": "Unauthorized"})
            return False
        return True

    def do_POST(self) -> None:  # noqa: N802
        raw = self.body()
        if not self._authorised():
            return
        if urlsplit(self.path).path != "/add":
            self.send_json(404, {"code": 404, "message": "not found"})
            return
        q = self.query()
        if q.get("format") != ["car"]:
            self.send_json(400, {"code": 400, "message": "expected format=car"})
            return
        reader = read_car(io.BytesIO(multipart_file(self, raw)))
        for cid, data in reader:
            if not verify_block(cid, data):
                self.send_json(500, {"code": 500, "message": f"block {cid} does not match its CID"})
                return
            self.state.blocks[cid.multihash] = bytes(data)
        root = reader.roots[0]
        n = int(q.get("replication-max", [str(len(self.state.peers))])[0])
        allocated = list(self.state.peers[: n if n > 0 else len(self.state.peers)])
        self.state.adds.append(q)
        self.state.pins[str(root)] = {
            "allocations": allocated,
            "polls": 0,
            "name": q.get("name", [""])[0],
        }
        shown = self.state.report_cid or str(root)
        self.send_json(
            200, [{"name": "site.car", "cid": {"/": shown}, "size": 0, "allocations": allocated}]
        )

    def do_GET(self) -> None:  # noqa: N802
        if not self._authorised():
            return
        cid = urlsplit(self.path).path.removeprefix("/pins/")
        pin = self.state.pins.get(cid)
        if pin is None:
            self.send_json(404, {"code": 404, "message": "cid is not part of the global state"})
            return
        pin["polls"] += 1
        peer_map = {}
        for n, peer in enumerate(self.state.peers):
            if peer not in pin["allocations"]:
                status, error = "remote", ""
            elif peer == self.state.fail_peer:
                status, error = "pin_error", "context deadline exceeded"
            elif pin["polls"] >= self.state.polls_until_pinned:
                status, error = "pinned", ""
            else:
                status, error = "pinning", ""
            peer_map[f"12D3KooPeer{n}"] = {
                "peername": peer,
                "ipfs_peer_id": f"12D3KooIpfs{n}",
                "status": status,
                "timestamp": "2025-01-01T00:00:00Z",
                "error": error,
                "attempt_count": 0,
                "priority_pin": False,
            }
        self.send_json(
            200,
            {
                "cid": {"/": cid},
                "name": pin["name"],
                "allocations": pin["allocations"],
                "origins": [],
                "created": "2025-01-01T00:00:00Z",
                "metadata": None,
                "peer_map": peer_map,
            },
        )


# --- a Kubo RPC server that misbehaves on purpose -----------------------------------------------


@dataclass
class BadKuboState:
    mode: str  # "other-root" | "refuse" | "slow"
    delay: float = 0.0


class BadKuboHandler(_Handler):
    def do_POST(self) -> None:  # noqa: N802
        self.body()
        mode = self.state.mode
        if mode == "refuse":
            self.send_json(403, {"Message": "403 Forbidden", "Code": 0, "Type": "error"})
            return
        if mode == "slow":
            time.sleep(self.state.delay)
        if urlsplit(self.path).path == "/api/v0/dag/import" and "pin-roots=true" in self.path:
            other = "bafkqaaa"
            self.send_json(200, {"Root": {"Cid": {"/": other}, "PinErrorMsg": ""}})
            return
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


# --- throttling TCP proxy -----------------------------------------------------------------------


@dataclass
class Proxy:
    url: str
    sent: list[int] = field(default_factory=list)  # bytes clients sent, per connection

    def sent_since(self, connection: int) -> int:
        """Bytes sent on the connections opened after the first ``connection`` ones."""
        return sum(self.sent[connection:])


@contextmanager
def throttled(upstream: str, bytes_per_second: int) -> Iterator[Proxy]:
    """A TCP proxy to ``upstream`` (http://host:port) that slows what clients send."""
    parts = urlsplit(upstream)
    target = (parts.hostname or "127.0.0.1", parts.port or 80)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()
    proxy = Proxy(f"http://127.0.0.1:{listener.getsockname()[1]}")

    def pump(src: socket.socket, dst: socket.socket, slow: bool, index: int) -> None:
        try:
            while not stop.is_set():
                data = src.recv(4096 if slow else 65536)
                if not data:
                    break
                dst.sendall(data)
                if slow:
                    proxy.sent[index] += len(data)
                    time.sleep(len(data) / bytes_per_second)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                continue
            server = socket.create_connection(target)
            proxy.sent.append(0)
            index = len(proxy.sent) - 1
            threading.Thread(target=pump, args=(client, server, True, index), daemon=True).start()
            threading.Thread(target=pump, args=(server, client, False, index), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()


# --- a proxy that lets only some Kubo RPC commands through --------------------------------------


@dataclass
class GuardState:
    upstream: str
    blocked: tuple[str, ...] = ()  # RPC paths answered 404, like a reverse proxy allowing a few
    sabotage: dict[str, str] = field(default_factory=dict)  # RPC path -> a HostileState mode
    seen: list[str] = field(default_factory=list)


class GuardHandler(_Handler):
    """Forwards POSTs to ``upstream`` except ``blocked`` paths (a node behind an operator's
    reverse proxy that exposes pinning but not routing) and ``sabotage`` paths, answered the
    hostile way named (see ``HostileState``; limit 20 s)."""

    def do_POST(self) -> None:  # noqa: N802
        raw = self.body()
        path = urlsplit(self.path).path
        self.state.seen.append(path)
        if path in self.state.blocked:
            self.send_json(404, {"Message": "404 page not found", "Code": 0, "Type": "error"})
            return
        if path in self.state.sabotage:
            with suppress(OSError):
                hostile_answer(self, self.state.sabotage[path], 20.0)
            return
        headers = {"Content-Type": self.headers.get("Content-Type", "application/octet-stream")}
        import httpx

        upstream = httpx.post(
            self.state.upstream + self.path, content=raw, headers=headers, timeout=120
        )
        self.send_response(upstream.status_code)
        self.send_header("Content-Type", upstream.headers.get("Content-Type", "text/plain"))
        self.send_header("Content-Length", str(len(upstream.content)))
        self.end_headers()
        self.wfile.write(upstream.content)


# --- Kubo's IPNS behaviour where js-ipfs differs ------------------------------------------------


@dataclass
class OfflineKuboState:
    """Answers like a Kubo node started with ``daemon --offline`` whose name cache still holds
    ``cached`` (a resolve made before our record arrived): ``name/resolve`` refuses ``nocache``
    with Kubo's message, without it returns ``cached``; ``routing/get`` returns ``held`` (default:
    the record we put)."""

    cached: str
    held: bytes | None = None
    put: list[bytes] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)


class OfflineKuboHandler(_Handler):
    def do_POST(self) -> None:  # noqa: N802
        import base64

        raw = self.body()
        path = urlsplit(self.path).path
        query = self.query()
        self.state.calls.append(path + ("?nocache" if "nocache" in query else ""))
        if path == "/api/v0/routing/put":
            self.state.put.append(multipart_file(self, raw))
            self.send_json(200, {"ID": "", "Type": 5, "Responses": None, "Extra": ""})
        elif path == "/api/v0/name/resolve" and "nocache" in query:
            error = "cannot specify both offline and nocache"
            self.send_json(500, {"Message": error, "Code": 0, "Type": "error"})
        elif path == "/api/v0/name/resolve":
            self.send_json(200, {"Path": self.state.cached})
        elif path == "/api/v0/routing/get":
            record = self.state.held if self.state.held is not None else self.state.put[-1]
            extra = base64.b64encode(record).decode()
            self.send_json(200, {"ID": "", "Type": 5, "Responses": None, "Extra": extra})
        else:
            self.send_json(404, {"Message": "404 page not found", "Code": 0, "Type": "error"})


# --- a node that attacks its client -------------------------------------------------------------


@dataclass
class HostileState:
    """``mode`` says how every POST/GET is answered:

    hang       accept, read the request, never answer (until ``limit`` seconds passed)
    stall      accept, read the headers but not the body, never answer (an upload that stalls)
    trickle    send a status line, then one header byte every 0.1 s for ``limit`` seconds
    huge       200 with an endless body (stops after ``limit`` seconds)
    garbage    200 with terminal escapes and invalid JSON
    deep       200 with JSON nested 100,000 levels deep
    redirect   307 to another host
    gzip       200 with a gzip-compressed body
    """

    mode: str
    limit: float = 30.0
    requests: list[str] = field(default_factory=list)


def hostile_answer(self: _Handler, mode: str, limit: float) -> None:
    """Answer the request of ``self`` the hostile way ``mode`` names (see ``HostileState``;
    also ``stream-error``: 200, then Kubo's error object as the last line of the stream)."""
    import gzip

    ends = time.monotonic() + limit
    if mode in ("hang", "stall"):
        while time.monotonic() < ends:
            time.sleep(0.1)
        return
    if mode == "trickle":
        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        while time.monotonic() < ends:
            self.wfile.write(b"a")
            self.wfile.flush()
            time.sleep(0.1)
        return
    if mode == "huge":
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        chunk = b'{"Path": "' + b"x" * 65536
        while time.monotonic() < ends:
            self.wfile.write(chunk)
        return
    if mode == "redirect":
        self.send_response(307)
        self.send_header("Location", "http://203.0.113.7:5001" + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()
        return
    body = {
        "garbage": b'\x1b[2J\x1b[31mPWNED\r\n{"Root": {"Cid": {"/": "\x1b]0;t\x07',
        "deep": b"[" * 100_000 + b"]" * 100_000,
        "gzip": gzip.compress(b'{"Path": "/ipfs/bafkqaaa"}' * 1000),
        "stream-error": b'{"Message": "write /repo/blocks/x.data: no space left on device",'
        b' "Code": 0, "Type": "error"}\n',
    }[mode]
    self.send_response(200)
    self.send_header("Content-Type", "application/json")
    if mode == "gzip":
        self.send_header("Content-Encoding", "gzip")
    self.send_header("Content-Length", str(len(body)))
    self.end_headers()
    self.wfile.write(body)


class HostileHandler(_Handler):
    def _answer(self) -> None:
        self.state.requests.append(urlsplit(self.path).path)
        with suppress(OSError):
            hostile_answer(self, self.state.mode, self.state.limit)

    def do_POST(self) -> None:  # noqa: N802
        if self.state.mode != "stall":
            self.body()
        self._answer()

    def do_GET(self) -> None:  # noqa: N802
        self._answer()
