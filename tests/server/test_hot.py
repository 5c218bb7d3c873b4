"""The hot path's key: what a cached answer depends on, read from the request as the full path
reads it."""

from __future__ import annotations

from starlette.requests import Request

from permapress.server.hot import MAX_KEY, HotRequest


def _scope(headers: list[tuple[bytes, bytes]], method: str = "GET", path: str = "/x") -> dict:
    return {"type": "http", "method": method, "path": path, "raw_path": path.encode(),
            "query_string": b"a=1", "headers": headers}  # fmt: skip


def test_the_first_accept_and_if_none_match_decide_as_on_the_full_path() -> None:
    scope = _scope([(b"accept", b"application/vnd.ipld.raw"), (b"if-none-match", b'"a"'),
                    (b"accept", b"text/html"), (b"if-none-match", b'"b"')])  # fmt: skip
    hot = HotRequest.of(scope)
    assert hot is not None
    full_path = Request(scope).headers  # what the gateway and the website read
    assert hot.accept == full_path["accept"].encode() == b"application/vnd.ipld.raw"
    assert hot.if_none_match == full_path["if-none-match"].encode() == b'"a"'
    assert (hot.raw_path, hot.query_string) == (b"/x", b"a=1")


def test_requests_the_app_looks_at_closely_take_the_full_path() -> None:
    assert HotRequest.of(_scope([], method="POST")) is None
    for name in (b"range", b"cache-control", b"service-worker", b"transfer-encoding"):
        assert HotRequest.of(_scope([(name, b"x")])) is None, name
    assert HotRequest.of(_scope([(b"accept", b"x" * MAX_KEY)])) is None
    plain = HotRequest.of(_scope([], method="HEAD"))
    assert plain is not None and plain.accept == b"" and plain.if_none_match is None
