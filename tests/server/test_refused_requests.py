"""Requests the app refuses itself, whatever HTTP server runs it: a body framed by
Transfer-Encoding (with Content-Length it is the shape of request smuggling; some servers drop
the Content-Length before the app sees it) and a target that is not a path (CONNECT)."""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from typing import Any

from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.importer import import_tree
from permapress.ipfs.profiles import get_profile
from permapress.server.app import create_app
from permapress.server.served import ServedSet

PROFILE = get_profile("unixfs-v1-2025")
STORE = MemoryBlockstore()
SITE = import_tree({"index.html": b"<p>today</p>"}, PROFILE, STORE.put).cid
APP = create_app(blocks=STORE, site_root=lambda: SITE,
                 is_served=ServedSet(STORE.get, [SITE]).is_served)  # fmt: skip


def _ask(method: str, path: str, headers: list[tuple[bytes, bytes]]) -> list[dict[str, Any]]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": [(b"host", b"evil.example:443"), *headers],
             "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 5000)}  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"0\r\n\r\n", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    asyncio.run(APP(scope, receive, send))
    return sent


def _status_and_headers(sent: list[dict[str, Any]]) -> tuple[int, dict[bytes, bytes]]:
    return sent[0]["status"], dict(sent[0]["headers"])


def test_transfer_encoding_is_refused_with_or_without_content_length() -> None:
    for headers in ([(b"transfer-encoding", b"chunked")],
                    [(b"transfer-encoding", b"chunked"), (b"content-length", b"5")]):
        for path in ("/", "/index.html", f"/ipfs/{SITE}/"):
            status, got = _status_and_headers(_ask("GET", path, headers))
            assert status == 400, (path, headers)
            assert got[b"connection"] == b"close"
            assert got[b"x-frame-options"] == b"DENY"
    # the same page without it is served (and then cached: the refusal still holds)
    assert _status_and_headers(_ask("GET", "/", []))[0] == 200
    assert _status_and_headers(_ask("GET", "/", [(b"transfer-encoding", b"chunked")]))[0] == 400


def test_connect_is_refused_not_redirected_to_its_host() -> None:
    for path in ("", "evil.example:443"):
        status, got = _status_and_headers(_ask("CONNECT", path, []))
        assert status == 400
        assert b"location" not in got
