"""Hand-made DAG nodes for the hardening tests: what an attacker can put in a URL or a CAR.

    directory(entries) -> bytes          a UnixFS directory node: [(name, CID), ...]
    inline_directory(entries) -> CID     the same node as an identity CID (bytes in the CID)
    hashed(store, data, codec) -> CID    store a block under its sha2-256 CID
    free_port() -> int                   a port on 127.0.0.1 nothing listens on (yet)
    running(app) -> base URL             the app behind a real uvicorn socket on 127.0.0.1
    raw_exchange(port, request, head_only=False, timeout=60) -> bytes
                                         one request sent as is; the answer as read until the
                                         server closes (or, ``head_only``, until its headers end)
    read_all(url) -> (status, headers, body, complete)
                                         a GET over the socket; ``complete`` is False when the
                                         server cut the transfer off
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import httpx
import uvicorn
from starlette.types import ASGIApp

from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.cid import CID, DAG_PB, identity_cid
from permapress.ipfs.dagpb import PBLink, PBNode, encode_node
from permapress.ipfs.unixfs import DIRECTORY, UnixFSData, encode_data


def directory(entries: Sequence[tuple[str, CID]]) -> bytes:
    links = tuple(PBLink(cid, name, 1) for name, cid in entries)
    return encode_node(PBNode(links, encode_data(UnixFSData(type=DIRECTORY))))


def inline_directory(entries: Sequence[tuple[str, CID]]) -> CID:
    return identity_cid(directory(entries), DAG_PB)


def hashed(store: MemoryBlockstore, data: bytes, codec: int = DAG_PB) -> CID:
    cid = CID.hash(data, codec)
    store.put(cid, data)
    return cid


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running(app: ASGIApp) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical",
                            lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def read_all(url: str, **kwargs: object) -> tuple[int, httpx.Headers, bytes, bool]:
    body = bytearray()
    with httpx.stream("GET", url, timeout=30, **kwargs) as response:  # type: ignore[arg-type]
        try:
            for piece in response.iter_raw():
                body += piece
        except (httpx.RemoteProtocolError, httpx.ReadError):
            return response.status_code, response.headers, bytes(body), False
        return response.status_code, response.headers, bytes(body), True


def raw_exchange(
    port: int, request: bytes, *, head_only: bool = False, timeout: float = 60
) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(request)
        answer = bytearray()
        while not (head_only and b"\r\n\r\n" in answer):
            try:
                piece = conn.recv(1 << 16)
            except ConnectionResetError:
                break
            if not piece:
                break
            answer += piece
    return bytes(answer)
