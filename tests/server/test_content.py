"""Content-Type from names and sniffing."""

from __future__ import annotations

import pytest

from permapress.server.content import by_extension, content_type, sniff


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("index.html", "text/html; charset=utf-8"),
        ("INDEX.HTM", "text/html; charset=utf-8"),
        ("site.css", "text/css; charset=utf-8"),
        ("app.js", "text/javascript; charset=utf-8"),
        ("article.md", "text/markdown; charset=utf-8"),
        ("article.json", "application/json"),
        ("feed.xml", "application/xml; charset=utf-8"),
        ("logo.svg", "image/svg+xml; charset=utf-8"),
        ("photo.jpg", "image/jpeg"),
        ("photo.webp", "image/webp"),
        ("bundle.car", "application/vnd.ipld.car"),
        ("report.pdf", "application/pdf"),
        ("README", None),
        ("archive.unknownext", None),
        (".hidden", None),
    ],
)
def test_by_extension(name: str, expected: str | None) -> None:
    assert by_extension(name) == expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"", "text/plain; charset=utf-8"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0", "image/jpeg"),
        (b"GIF89a..", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"%PDF-1.7", "application/pdf"),
        (b"  <!DOCTYPE html><html>", "text/html; charset=utf-8"),
        (b"<html lang=en>", "text/html; charset=utf-8"),
        (b"\xef\xbb\xbf<p>hi</p>", "text/html; charset=utf-8"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
        (b'<?xml version="1.0"?><svg/>', "image/svg+xml"),
        (b'<?xml version="1.0"?><feed/>', "text/xml; charset=utf-8"),
        (b"hello world\n", "text/plain; charset=utf-8"),
        ("żółw\n".encode(), "text/plain; charset=utf-8"),
        (b"\x00\x01\x02binary", "application/octet-stream"),
    ],
)
def test_sniff(head: bytes, expected: str) -> None:
    assert sniff(head) == expected


def test_content_type_prefers_the_name_and_knows_whole_json() -> None:
    assert content_type("x.txt", b"<html>") == "text/plain; charset=utf-8"
    assert content_type(None, b'{"a": 1}', complete=True) == "application/json"
    assert content_type(None, b'{"a": 1', complete=True) == "text/plain; charset=utf-8"
    assert content_type(None, b'{"a": 1}') == "text/plain; charset=utf-8"
    assert content_type("noext", b"\x89PNG\r\n\x1a\n") == "image/png"
