"""The ASGI app behind granian's RSGI interface: what ``PermapressApp.__rsgi__`` does for every
request its hot path does not answer.

    serve_asgi(app, scope, protocol)     run the ASGI ``app`` for one RSGI HTTP request
    asgi_scope(scope) -> dict            the ASGI HTTP scope granian's ASGI interface would give
    raw_path(path) -> bytes              the path as sent, rebuilt from RSGI's decoded path
    refuse_websocket(protocol)           403 for a websocket upgrade (the app serves none)

The scope has the keys and values granian's ASGI interface gives (``type``, ``asgi``,
``extensions``, ``http_version``, ``server``, ``client``, ``scheme``, ``method``, ``path``,
``raw_path``, ``query_string``, ``headers``, ``root_path`` "", ``state`` {}); the
``http.response.pathsend`` extension is sent with ``response_file``. Headers come
as granian's ASGI gives them: lowercase names, every value in order, grouped by name (both
interfaces read hyper's header map), and a ``host`` header first when the request has none.

What RSGI cannot pass on, and what stands in for it:

- RSGI gives the path percent-decoded only. ``raw_path`` is rebuilt by percent-encoding what a
  path may not hold as it is (RFC 3986 ``pchar`` and ``/`` stay), which is what browsers and
  our own links send; a client that encodes otherwise (``%41`` for ``A``, a raw ``"``) sees the
  rebuilt form in ``X-Ipfs-Path`` and ``Content-Location``.
- RSGI leaves out header values holding bytes outside visible ASCII. Such a header still
  reaches the app, with an empty value (so a ``Transfer-Encoding`` is refused as before); the
  hot path never answers a request with such an Accept (``HotRequest.of_rsgi``).
- Response header values are sent as UTF-8 (ours are ASCII).

Messages: ``receive`` gives the request body in chunks, then ``http.disconnect`` once the
response is complete or the client has gone (as granian's ASGI does). ``send``: a start and a
single complete body go out with ``response_bytes`` (a Content-Length, or the app's own for
HEAD), a body in several messages with ``response_stream`` (chunked); an app that sends no
response gets granian's own 500. Two things granian's RSGI streams do otherwise than its ASGI
interface, made the same with the connection's socket (``rsgi_socket.py``):

- they queue without limit, where ASGI makes the app wait for a slow reader: a stream waits
  while more than ``IN_FLIGHT`` bytes are not yet acknowledged by the client (on Linux; where
  ``TCP_INFO`` cannot be read, nothing waits);
- they end cleanly once the app lets go of them, where ASGI breaks the connection of a
  response the app left unfinished (it returned or raised before ``more_body: False``): the
  connection is shut down ``CUT_AFTER`` seconds later, so the client sees a broken transfer,
  never a complete-looking one.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import suppress
from typing import Any, Final, Protocol
from urllib.parse import quote

from granian._granian import RSGIProtocolClosed as ProtocolClosed
from starlette.types import ASGIApp, Message

from permapress.server.rsgi_socket import acked, address, connection, cut

# what a path may hold without percent-encoding besides letters, digits and "_.-~"
PATH_SAFE: Final = "/:@!$&'()*+,;="
# a streamed body waits while more than this is handed over and not acknowledged by the client:
# what granian's ASGI lets be on its way, a socket's largest send buffer (Linux: 4 MiB) and four
# 64 KiB messages, so a fast client far away is not slowed down more than before
IN_FLIGHT: Final = (4 << 20) + (256 << 10)
_PACE, _PACE_MAX = 0.002, 0.05  # seconds between looks at the client's progress
# an unfinished stream's connection is cut this long after the app is done (what was handed
# over before goes out meanwhile)
CUT_AFTER: Final = 0.2
_ASGI: Final = {"version": "3.0", "spec_version": "2.3"}
# as granian's ASGI lists them; the second concerns websockets only, which never get here
_EXTENSIONS: Final[dict[str, dict[str, Any]]] = {
    "http.response.pathsend": {},
    "websocket.http.response": {},
}


class Headers(Protocol):
    def __contains__(self, key: str) -> bool: ...
    def keys(self) -> list[str]: ...
    def items(self) -> list[tuple[str, str]]: ...
    def get(self, key: str, default: Any = None) -> Any: ...


class Scope(Protocol):
    """What granian's RSGI scope gives (``granian.rsgi.Scope``)."""

    proto: str
    http_version: str
    server: str
    client: str
    scheme: str
    method: str
    path: str
    query_string: str
    authority: str | None

    @property
    def headers(self) -> Headers: ...


def raw_path(path: str) -> bytes:
    return quote(path, safe=PATH_SAFE).encode("ascii")


def asgi_scope(scope: Scope) -> dict[str, Any]:
    given = scope.headers
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in given.items()]
    names = given.keys()
    seen = {name for name, _value in headers}
    if len(names) != len(seen):
        # a header whose every value RSGI left out: the app still sees that it was sent
        headers += [(name.encode("latin-1"), b"") for name in names
                    if name.encode("latin-1") not in seen]  # fmt: skip
    if "host" not in given:
        headers.insert(0, (b"host", (scope.authority or "").encode("latin-1")))
    server, client = address(scope.server), address(scope.client)
    path = scope.path
    return {
        "type": "http",
        "asgi": _ASGI,
        "extensions": _EXTENSIONS,
        "http_version": scope.http_version,
        "server": (server[0], str(server[1])),
        "client": (client[0], str(client[1])),
        "scheme": scope.scheme,
        "method": scope.method,
        "path": path,
        "raw_path": raw_path(path),
        "query_string": scope.query_string.encode("latin-1"),
        "headers": headers,
        "root_path": "",
        "state": {},
    }


def refuse_websocket(protocol: Any) -> None:
    """A websocket upgrade gets 403, as Starlette's router answers one it has no route for."""
    protocol.close(403)


class _Exchange:
    """One request's ``receive`` and ``send`` over an RSGI HTTP protocol."""

    def __init__(self, scope: Scope, protocol: Any) -> None:
        self.scope = scope
        self.protocol = protocol
        self.start: Message | None = None
        self.stream: Any = None  # the RSGI transport of a streamed body
        self.sock: socket.socket | None = None  # a streamed response's connection
        self.looked = False  # was it looked for?
        self.handed = 0  # bytes of a streamed body handed to granian
        self.finished = asyncio.Event()
        self.chunks: AsyncIterator[bytes] | None = None
        self.body_done = False

    async def receive(self) -> Message:
        if not self.body_done:
            if self.chunks is None:
                self.chunks = aiter(self.protocol)
            try:
                # awaited as it is: anext(..., default) would fail to cancel granian's awaitable
                # (it has no throw()), and Starlette cancels this read once a stream is done
                chunk = await self.chunks.__anext__()
            except StopAsyncIteration:
                chunk = b""
            except ProtocolClosed:  # the client went away while sending its body
                self.body_done = True
                return {"type": "http.disconnect"}
            if chunk:
                return {"type": "http.request", "body": chunk, "more_body": True}
            self.body_done = True
            return {"type": "http.request", "body": b"", "more_body": False}
        waiters = [asyncio.ensure_future(self.finished.wait()),
                   asyncio.ensure_future(self.protocol.client_disconnect())]  # fmt: skip
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start" and self.start is None:
            self.start = message
            return
        if self.stream is not None and kind == "http.response.body" and not self.finished.is_set():
            await self._more(message)
            return
        if self.start is None or self.stream is not None or self.finished.is_set():
            raise RuntimeError(f"{kind!r} out of order")
        status = self.start["status"]
        headers = [(name.decode("latin-1"), value.decode("latin-1"))
                   for name, value in self.start.get("headers", ())]  # fmt: skip
        if kind == "http.response.pathsend":
            self.protocol.response_file(status, headers, str(message["path"]))
            self.finished.set()
        elif kind != "http.response.body":
            raise RuntimeError(f"unexpected ASGI message {kind!r}")
        elif message.get("more_body", False):
            self.stream = self.protocol.response_stream(status, headers)
            await self._more(message)
        else:
            self.protocol.response_bytes(status, headers, bytes(message.get("body", b"")))
            self.finished.set()

    async def _more(self, message: Message) -> None:
        """One more part of a streamed body."""
        body = message.get("body", b"")
        if body:
            await self._room()
            self.handed += len(body)
            # a client that went away: granian's ASGI drops such bodies silently too
            with suppress(ProtocolClosed):
                await self.stream.send_bytes(bytes(body))
        if not message.get("more_body", False):
            self.finished.set()
            # granian ends the response once the transport is gone: let go of it now rather
            # than whenever this exchange is collected (it may sit in a reference cycle)
            self.stream = None

    async def _room(self) -> None:
        """Wait while more than ``IN_FLIGHT`` bytes handed over are not yet acknowledged (the
        connection is looked for once that much was handed over: most streams never are)."""
        if self.handed <= IN_FLIGHT:
            return
        if not self.looked:
            self.looked = True
            self.sock = connection(self.scope.client, self.scope.server)
        pause, seen = _PACE, -1
        while self.sock is not None:
            count = acked(self.sock)
            if count is None or self.handed - count <= IN_FLIGHT:
                return
            # a client that takes nothing is looked at less and less often
            pause = _PACE if count != seen else min(pause * 2, _PACE_MAX)
            seen = count
            await asyncio.sleep(pause)

    def end(self) -> None:
        """After the app: cut an unfinished stream off (later: what was handed over goes out
        first), answer 500 if the app sent nothing, as granian's ASGI does."""
        if self.stream is not None and not self.finished.is_set():
            sock = self.sock or connection(self.scope.client, self.scope.server)
            if sock is not None:
                # the transport is kept until then, so granian cannot end the response cleanly
                asyncio.get_running_loop().call_later(CUT_AFTER, _cut, sock, self.stream)
            self.sock = None
            self.stream = None
        elif self.stream is None and not self.finished.is_set():
            self.protocol.response_bytes(500, [], b"Internal server error")
        if self.sock is not None:
            self.sock.close()
        self.finished.set()


async def serve_asgi(app: ASGIApp, scope: Scope, protocol: Any) -> None:
    """Run ``app`` for this request (see the module docstring)."""
    exchange = _Exchange(scope, protocol)
    try:
        await app(asgi_scope(scope), exchange.receive, exchange.send)
    finally:
        exchange.end()


def _cut(sock: socket.socket, _stream: object) -> None:
    cut(sock)
