"""`permapress serve` attacked over a real socket: a newsroom with a draft, a purged article and an
imported page, then hostile requests sent byte for byte (no client normalises them).

Every request must answer (no hang: a generous socket timeout), with the expected status,
never a 5xx, without the draft's or the purged article's words, with the security headers
(except the plain 400 the HTTP layer gives a request it cannot parse, before our app sees it),
and the server must print no traceback. ``pytest tests/server/test_attacks.py -s`` prints
the table of inputs and answers.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from permapress.ipfs.cid import CID, DAG_PB, identity_cid

sys.path.insert(0, str(Path(__file__).parent))
from crafted import directory, raw_exchange  # noqa: E402

PERMAPRESS = str(Path(sys.executable).with_name("permapress"))
DRAFT_WORDS = b"DRAFTSECRET"
PURGED_WORDS = b"PURGEDSECRET"
STORY = "---\ntitle: {title}\ndate: 2025-06-0{day}T08:00:00+00:00\n{extra}---\n\n{body}\n"
PAGE = (
    '<!doctype html><html><head><title>Imported page</title>'
    '<meta http-equiv="refresh" content="0;url=https://elsewhere.invalid/"></head>'
    "<body><article><h1>Imported page</h1><p>Words of the imported page, kept as evidence."
    "</p></article></body></html>"
)


@dataclass(frozen=True)
class Site:
    base_port: int
    root: str
    old_root: str
    draft: str
    slug_page: str


def _run(*args: str) -> str:
    done = subprocess.run([PERMAPRESS, *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (args, done.stderr)
    assert "Traceback" not in done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, subprocess.Popen[str]]]:
    work = tmp_path_factory.mktemp("attacks")
    home = work / "newsroom"
    _run("init", str(home))
    stories = {
        "public": ("Harbour opens", 1, "", "The harbour opens today."),
        "draft": ("Secret plan", 2, "draft: true\n", "DRAFTSECRET plans of the mayor."),
        "purged": ("Wrong story", 3, "", "PURGEDSECRET words that were withdrawn."),
    }
    for name, (title, day, extra, body) in stories.items():
        path = work / f"{name}.md"
        path.write_text(STORY.format(title=title, day=day, extra=extra, body=body), "utf-8")
        _run("import", str(path), "--home", str(home))
    page = work / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    _run("import", str(page), "--home", str(home))
    old_root = json.loads(_run("build", "--home", str(home), "--json"))["root_cid"]
    _run("retract", "wrong-story", "--reason", "legal", "--purge", "--home", str(home))
    root = json.loads(_run("build", "--home", str(home), "--json"))["root_cid"]
    draft = json.loads(_run("show", "secret-plan", "--home", str(home), "--json"))["bundle_cid"]
    listed = json.loads(_run("list", "--home", str(home), "--json"))
    slug_page = next(a["slug"] for a in listed if "imported" in a["slug"])
    proc = subprocess.Popen([PERMAPRESS, "serve", "--home", str(home), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = ""
        for _ in range(10):
            line = proc.stdout.readline()
            if line.startswith("Serving"):
                break
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert found, line
        yield Site(int(found.group(1)), root, old_root, draft, slug_page), proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)


def raw_request(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` as is; read the whole answer (the server closes: Connection: close)."""
    head, _, body = raw_exchange(port, request).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else 0
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def get(port: int, target: str, headers: dict[str, str] | None = None,
        method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return raw_request(port, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))


def _attacks(s: Site) -> list[tuple[str, str, dict[str, str], str, set[int]]]:
    """(what, target, headers, method, acceptable statuses)"""
    sneaky = identity_cid(directory([("d", CID.parse(s.draft)), ("o", CID.parse(s.old_root))]),
                          DAG_PB)
    deeper = identity_cid(directory([("x", sneaky)]), DAG_PB)
    fan = identity_cid(directory([("", CID.parse(s.root))] * 600), DAG_PB)
    html = identity_cid(b'<meta http-equiv="refresh" content="0;url=/x"><h1>Mayor arrested</h1>')
    huge = "9" * 5000
    r = s.root
    no_headers: dict[str, str] = {}
    return [
        ("draft bundle by CID", f"/ipfs/{s.draft}/", no_headers, "GET", {404}),
        ("draft bundle as CAR", f"/ipfs/{s.draft}?format=car", no_headers, "GET", {404}),
        ("draft bundle raw block", f"/ipfs/{s.draft}?format=raw", no_headers, "GET", {404}),
        ("draft bundle HEAD", f"/ipfs/{s.draft}/", no_headers, "HEAD", {404}),
        ("old site root (purged text)", f"/ipfs/{s.old_root}/", no_headers, "GET", {404}),
        ("old site root feed", f"/ipfs/{s.old_root}/feed.xml", no_headers, "GET", {404}),
        ("old site root CAR", f"/ipfs/{s.old_root}?format=car", no_headers, "GET", {404}),
        ("identity dir -> draft", f"/ipfs/{sneaky}/d/", no_headers, "GET", {404}),
        ("identity dir -> old root", f"/ipfs/{sneaky}/o/feed.xml", no_headers, "GET", {404}),
        ("identity dir CAR dups", f"/ipfs/{sneaky}?format=car&dag-scope=all&car-dups=y",
         no_headers, "GET", {404}),
        ("nested identity -> draft", f"/ipfs/{deeper}/x/d/", no_headers, "GET", {404}),
        ("nested identity raw", f"/ipfs/{deeper}/x/d?format=raw", no_headers, "GET", {404}),
        ("identity with 600 links to the root", f"/ipfs/{fan}?format=car&car-dups=y",
         no_headers, "GET", {400}),
        ("identity digest 129 bytes", f"/ipfs/{identity_cid(b'a' * 129)}", no_headers, "GET",
         {400}),
        ("identity HTML ?filename=x.html", f"/ipfs/{html}?filename=x.html", no_headers, "GET",
         {200}),
        ("root CAR dups=y", f"/ipfs/{r}?format=car&dag-scope=all&car-dups=y", no_headers,
         "GET", {200}),
        ("Range 5000 digits", f"/ipfs/{r}/index.html", {"Range": f"bytes={huge}-"}, "GET",
         {416}),
        ("Range 5000 digits on /", "/", {"Range": f"bytes=0-{huge}"}, "GET", {206}),
        ("Range 1000 parts", "/", {"Range": "bytes=" + ",".join(["0-1"] * 1000)}, "GET",
         {206}),
        ("entity-bytes 5000 digits", f"/ipfs/{r}?format=car&entity-bytes={huge}:*",
         no_headers, "GET", {400}),
        ("entity-bytes to 5000 digits", f"/ipfs/{r}?format=car&entity-bytes=0:-{huge}",
         no_headers, "GET", {400}),
        ("CID z222... 60,000 chars", "/ipfs/z" + "2" * 60_000, no_headers, "GET", {400, 414}),
        ("IPNS name 60,000 chars", "/ipns/k" + "2" * 60_000, no_headers, "GET", {404, 414}),
        ("traversal %2e%2e", f"/ipfs/{r}/%2e%2e/%2e%2e/etc/passwd", no_headers, "GET", {404}),
        ("traversal ..%2f", f"/ipfs/{r}/..%2f..%2f..%2fetc%2fpasswd", no_headers, "GET", {404}),
        ("traversal to draft", f"/ipfs/{r}/%2e%2e/{s.draft}/", no_headers, "GET", {404}),
        ("traversal on site", "/%2e%2e/%2e%2e/etc/passwd", no_headers, "GET", {404}),
        ("encoded slash in CID", f"/ipfs/{r}%2farticles%2f", no_headers, "GET", {200, 301}),
        ("NUL and bad UTF-8", f"/ipfs/{r}/%00%ff%fe", no_headers, "GET", {404}),
        ("5,000-segment path", f"/ipfs/{r}/" + "a/" * 5000, no_headers, "GET", {404}),
        ("1,000 query parameters", f"/ipfs/{r}/?" + "&".join(f"p{i}=1" for i in range(1000)),
         no_headers, "GET", {200}),
        ("10,000 query parameters", f"/ipfs/{r}/?" + "&".join(f"p{i}=1" for i in range(10_000)),
         no_headers, "GET", {200, 400, 414}),
        ("format=car twice", f"/ipfs/{r}?format=car&format=raw", no_headers, "GET", {200}),
        ("unknown format", f"/ipfs/{r}?format=../../x", no_headers, "GET", {400}),
        ("Accept car version 2", f"/ipfs/{r}",
         {"Accept": "application/vnd.ipld.car; version=2"}, "GET", {200, 301}),
        ("Accept q=nonsense", f"/ipfs/{r}/", {"Accept": "*/*;q=abc, text/html;q=1e999"},
         "GET", {200}),
        ("Accept with 5,000 ranges", f"/ipfs/{r}/",
         {"Accept": ", ".join(["x/y;q=0.1"] * 5000)}, "GET", {200}),
        ("If-None-Match 60 KB", f"/ipfs/{r}/", {"If-None-Match": "\"x\", " * 10_000}, "GET",
         {200, 431}),
        ("header 100 KB", "/", {"X-Junk": "j" * 100_000}, "GET", {200, 400, 431}),
        ("POST to gateway", f"/ipfs/{r}/", no_headers, "POST", {405}),
        ("empty /ipfs/", "/ipfs/", no_headers, "GET", {400}),
        ("CIDv0 bad base58", "/ipfs/Qm" + "0" * 44, no_headers, "GET", {400}),
        ("dag-scope bogus", f"/ipfs/{r}?format=car&dag-scope=../x", no_headers, "GET", {400}),
        ("kept original (WARC)", f"/articles/{s.slug_page}/v/1/media/source.warc.gz", no_headers,
         "GET", {200}),
        ("only-if-cached on draft", f"/ipfs/{s.draft}/", {"Cache-Control": "only-if-cached"},
         "GET", {412}),
        ("service worker", f"/ipfs/{r}", {"Service-Worker": "script"}, "GET", {400}),
    ]


RAW_ATTACKS: list[tuple[str, bytes, set[int]]] = [
    ("websocket upgrade", b"GET /ipfs/bafkqaaa HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
     b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
     b"Sec-WebSocket-Version: 13\r\n\r\n", {400, 403, 404}),
    ("HTTP/1.0 without Host", b"GET / HTTP/1.0\r\n\r\n", {200}),
    ("garbage request line", b"GARBAGE\r\n\r\n", {400}),
    ("Transfer-Encoding and Content-Length", b"GET /ipfs/bafkqaaa HTTP/1.1\r\nHost: x\r\n"
     b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\nConnection: close\r\n\r\n0\r\n\r\n",
     {400}),
    ("absolute-form target", b"GET http://elsewhere.invalid/ipfs/bafkqaaa HTTP/1.1\r\nHost: x"
     b"\r\nConnection: close\r\n\r\n", {200}),
    ("OPTIONS *", b"OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", {400, 404}),
    ("body on GET", b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close"
     b"\r\n\r\n0123456789", {200}),
    ("two pipelined requests", b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /ipfs/bafkqaaa HTTP/1.1"
     b"\r\nHost: x\r\nConnection: close\r\n\r\n", {200}),
]


def test_attacks_get_answers_and_leak_nothing(
    site: tuple[Site, subprocess.Popen[str]],
) -> None:
    s, proc = site
    rows = []
    for what, target, headers, method, ok in _attacks(s):
        status, got, body = get(s.base_port, target, headers, method)
        rows.append((what, status, got.get("content-type", "")[:40],
                     got.get("content-disposition", "")[:30]))
        assert status in ok, (what, status, body[:200])
        assert DRAFT_WORDS not in body and PURGED_WORDS not in body, what
        assert len(body) < 50_000_000, what
        refused_by_http_layer = body.startswith(b"Invalid HTTP request")  # before the app
        if status not in (0, 414, 431) and not refused_by_http_layer:
            assert got.get("x-frame-options") == "DENY", what
            assert "frame-ancestors 'none'" in got.get("content-security-policy", ""), what
        if what.startswith("identity HTML"):
            assert got["content-type"] == "application/octet-stream"
            assert got["content-disposition"].startswith("attachment")
        if what.startswith("kept original"):
            assert got["content-disposition"].startswith("attachment")
    for what, request, ok in RAW_ATTACKS:
        status, got, body = raw_request(s.base_port, request)
        rows.append((what, status, got.get("content-type", "")[:40], ""))
        assert status in ok, (what, status, body[:200])
    for what, status, media_type, disposition in rows:
        print(f"| {what} | {status} | {media_type} | {disposition} |")
    # the server is still up, and it printed no traceback
    assert get(s.base_port, "/")[0] == 200
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err, err[-3000:]
