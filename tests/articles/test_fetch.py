"""fetch.py against a real HTTP server on 127.0.0.1: user agent, limits, redirects, errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from permapress.articles.fetch import USER_AGENT, FetchError, Limits, fetch, is_url
from permapress.errors import ArticleError

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "importers"))
from localserver import Route, serve  # noqa: E402


def test_fetch_sends_a_clear_user_agent_and_reads_the_charset() -> None:
    body = "Grüße".encode("iso-8859-1")
    with serve({"/p": Route(body, "text/html; charset=ISO-8859-1")}) as server:
        got = fetch(server.url("/p"))
    assert got.data == body
    assert got.media_type == "text/html" and got.charset == "iso-8859-1"
    assert got.status == 200 and got.retrieved.tzinfo is not None
    (path, headers), = server.requests
    assert headers["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("permapress/") and "newsroom archiver" in USER_AGENT


def test_redirects_are_followed_and_limited() -> None:
    routes = {
        "/a": Route(b"", status=301, headers={"Location": "/b"}),
        "/b": Route(b"", status=302, headers={"Location": "/c"}),
        "/c": Route(b"<p>end</p>"),
    }
    with serve(routes) as server:
        got = fetch(server.url("/a"))
        assert got.final_url == server.url("/c") and got.url == server.url("/a")
        with pytest.raises(FetchError, match="redirects more than 1 times"):
            fetch(server.url("/a"), limits=Limits(max_redirects=1))


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_bodies_over_the_size_limit_are_refused(chunked: bool) -> None:
    with serve({"/big": Route(b"x" * 50_000, chunked=chunked)}) as server:
        with pytest.raises(FetchError, match="limit") as caught:
            fetch(server.url("/big"), limits=Limits(max_bytes=10_000))
        assert server.url("/big") in str(caught.value)
        assert len(fetch(server.url("/big"), limits=Limits(max_bytes=60_000)).data) == 50_000


def test_http_errors_and_refused_connections_name_the_url() -> None:
    with serve({}) as server:
        url = server.url("/missing")
        with pytest.raises(ArticleError, match="HTTP 404"):
            fetch(url)
        port = server.port
    with pytest.raises(FetchError, match="cannot be fetched") as caught:
        fetch(f"http://127.0.0.1:{port}/gone", limits=Limits(connect_timeout=2.0))
    assert f"127.0.0.1:{port}/gone" in str(caught.value)


def test_a_server_that_does_not_answer_times_out() -> None:
    with serve({"/slow": Route(b"late", delay=1.5)}) as server, pytest.raises(
        FetchError, match="timed out"
    ):
        fetch(server.url("/slow"), limits=Limits(timeout=0.3))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://example.org/a", True),
        ("http://127.0.0.1:8000/", True),
        ("ftp://example.org/a", False),
        ("example.org/a", False),
        ("/tmp/file.html", False),
        ("https://", False),
        ("http://[::1", False),
    ],
)
def test_is_url(text: str, expected: bool) -> None:
    assert is_url(text) is expected


def test_only_http_urls_are_fetched() -> None:
    with pytest.raises(FetchError, match="not an http"):
        fetch("file:///etc/passwd")


@pytest.mark.parametrize("where", ["body", "headers"])
def test_a_server_that_trickles_is_cut_off_at_the_deadline(where: str) -> None:
    """One byte every 50 ms never trips the read timeout, in the body or in the headers (where
    only the size limit of the headers would end it, after days); the whole fetch still ends."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n"

    def trickle() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            try:
                if where == "body":
                    conn.sendall(head + b"\r\n")
                else:
                    conn.sendall(head + b"X-Slow: ")
                for _ in range(100_000):  # 5000 s in all
                    conn.sendall(b"x")
                    threading.Event().wait(0.05)
            except OSError:
                return

    server = threading.Thread(target=trickle, daemon=True)
    server.start()
    outcome: list[BaseException | bytes] = []

    def run() -> None:
        try:
            outcome.append(fetch(f"http://127.0.0.1:{port}/",
                                 limits=Limits(timeout=20.0, deadline=1.0)).data)
        except FetchError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=60)  # a stop for the hang this test is about, not a timing check
    listener.close()
    assert not worker.is_alive(), f"fetch still reading trickling {where} after 60 s"
    (result,) = outcome
    assert isinstance(result, FetchError) and "took longer than 1 s" in str(result)
