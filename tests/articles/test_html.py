"""html.py: real-looking news pages in four languages and encodings, files and URLs."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from permapress.articles import html
from permapress.articles.model import Article
from permapress.articles.sources import detect
from permapress.articles.warc import SOURCE_WARC, records
from permapress.errors import ArticleError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "importers"
PAGES = FIXTURES / "html"
sys.path.insert(0, str(FIXTURES))
from localserver import Route, serve  # noqa: E402


def page(name: str) -> Article:
    return html.read(PAGES / name)[0]


def test_json_ld_graph_open_graph_and_body() -> None:
    a = page("ferry-fares-en.html")
    assert a.headline == "Ferry operator freezes fares for island routes"
    assert a.authors == ("Ines Okafor", "Tomas Berg")  # @id references into the @graph
    assert a.published == datetime(2025, 8, 27, 6, 15, tzinfo=UTC)
    assert a.modified is not None and a.modified.isoformat() == "2025-08-27T11:40:00+01:00"
    assert a.categories == ("Transport", "Economy") and a.tags == ("ferries", "fares", "islands")
    assert a.language == "en-GB"
    assert a.image == "https://courier.example/wp-content/uploads/2025/08/ferry.jpg"
    assert a.summary.startswith("The operator will hold winter fares")
    assert a.source == "https://courier.example/2025/08/27/ferry-fares-frozen/"
    assert a.slug == "ferry-operator-freezes-fares-for-island-routes"
    assert a.body.startswith("The company that runs the crossings")
    assert "## Islanders cautious" in a.body
    assert "![Passengers on the morning ferry](https://courier.example/wp-content/" in a.body
    assert "[the regional subsidy agreed in June](https://courier.example/2025/06/03/" in a.body
    for boilerplate in ("Subscribe", "All rights reserved", "Related", "track()", "dataLayer"):
        assert boilerplate not in a.body
    assert not a.body.startswith("#")  # the repeated headline is dropped


def test_shift_jis_page_with_http_equiv_charset() -> None:
    a = page("bouhatei-ja-shiftjis.html")
    assert a.headline == "港湾の町、新しい防波堤の工事始まる"
    assert a.language == "ja-JP" and a.authors == ("佐藤 花子",)
    assert "防波堤の建設工事が始まった" in a.body and "Copyright" not in a.body
    assert a.published.isoformat() == "2025-06-12T09:00:00+09:00"
    assert a.slug == "0612-bouhatei"  # the headline has no Latin letters: the URL's segment
    info = records(next(m for m in a.media if m.name == SOURCE_WARC).data)[0]
    assert b"encoding: cp932\r\n" in info[4]


def test_windows_1251_page() -> None:
    a = page("biblioteka-ru-cp1251.html")
    assert a.headline == "В городе открылась новая библиотека"
    assert a.language == "ru-RU" and a.authors == ("Мария Иванова",)  # the URL author is skipped
    assert a.tags == ("библиотеки", "культура")
    assert "сорока тысяч книг" in a.body
    # no Latin letters and no URL: the headline transliterated, not an opaque hash
    assert a.slug == "v-gorode-otkrylas-novaia-biblioteka"


def test_latin1_page_without_any_charset_declaration() -> None:
    a = page("haushalt-de-latin1-undeclared.html")
    assert a.headline == "Stadtrat beschließt Haushalt für 2026"
    assert a.language == "de" and a.authors == ("Jürgen Weiß",)
    assert "Größter Streitpunkt" in a.body and "Öffnungszeiten" in a.body
    assert a.tags == ()  # SEO <meta name=keywords> is not taken as tags
    assert a.slug == "stadtrat-beschliesst-haushalt-fur-2026"


def test_saved_page_keeps_local_images_and_the_original_bytes() -> None:
    path = PAGES / "marche.html"
    a = page("marche.html")
    names = [m.name for m in a.media]
    assert names == ["halle.jpg", SOURCE_WARC]
    assert "![La halle restaurée](media/halle.jpg)" in a.body
    assert "missing.jpg" not in a.body  # an image that is not beside the file is dropped
    warc = next(m for m in a.media if m.name == SOURCE_WARC)
    assert warc.media_type == "application/warc"
    kinds = [(kind, target) for kind, target, *_ in records(warc.data)]
    assert kinds == [("warcinfo", ""), ("resource", "file:///marche.html")]
    resource = records(warc.data)[1]
    assert resource[4] == path.read_bytes() and resource[2]["Content-Type"] == "text/html"
    mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert resource[2]["WARC-Date"] == mtime  # a saved file: when it was saved
    assert a.source == str(path)


@pytest.mark.parametrize("name", sorted(p.name for p in PAGES.glob("*.html")))
def test_pages_are_detected_as_html(name: str) -> None:
    path = PAGES / name
    assert detect(path, path.read_bytes()[:8192]) == "html"


def test_url_import_uses_the_http_charset_and_records_where_and_when() -> None:
    text = (PAGES / "haushalt-de-latin1-undeclared.html").read_bytes()
    with serve({"/lokales/haushalt": Route(text, "text/html; charset=iso-8859-1")}) as server:
        url = server.url("/lokales/haushalt")
        a = html.read_url(url)
    assert a.headline == "Stadtrat beschließt Haushalt für 2026"
    assert a.source == url  # no canonical link: the URL fetched is the key
    found = records(next(m for m in a.media if m.name == SOURCE_WARC).data)
    assert [(kind, target) for kind, target, *_ in found] == [
        ("warcinfo", ""), ("response", url), ("request", url)
    ]
    info, response, request = found
    assert b"encoding: cp1252\r\n" in info[4]
    assert response[4] == text and response[3][":status"] == "200 OK"
    assert response[3]["Content-Type"] == "text/html; charset=iso-8859-1"  # as the server said
    assert response[3]["Content-Length"] == str(len(text))
    assert datetime.strptime(response[2]["WARC-Date"], "%Y-%m-%dT%H:%M:%SZ").year >= 2025
    assert request[3]["User-Agent"].startswith("permapress/")
    assert request[2]["WARC-Concurrent-To"] == response[2]["WARC-Record-ID"]


def test_a_page_without_article_text_is_an_error_naming_it() -> None:
    data = b"<!doctype html><html><head><title>Login</title></head><body><form></form></body>"
    with pytest.raises(ArticleError, match="no article text") as caught:
        html.read_page(data, source="login.html", url=None, retrieved=datetime.now(UTC))
    assert "login.html" in str(caught.value)


@pytest.mark.parametrize(
    ("data", "declared", "text", "encoding"),
    [
        ("<meta charset='windows-1251'>Привет".encode("cp1251"), None, "Привет", "cp1251"),
        ("Grüße".encode("latin-1"), "ISO-8859-1", "Grüße", "cp1252"),
        ("日本".encode("shift_jis"), "shift_jis", "日本", "cp932"),
        ("\ufeffplain".encode(), None, "plain", "utf-8"),
        ("<?xml version='1.0' encoding='iso-8859-2'?>Łódź".encode("iso-8859-2"), None, "Łódź",
         "iso8859-2"),
    ],
)
def test_decode_html(data: bytes, declared: str | None, text: str, encoding: str) -> None:
    got_text, got_encoding = html.decode_html(data, declared)
    assert got_text.endswith(text) and got_encoding == encoding


def test_a_page_with_an_embedded_rdf_block_is_still_html(tmp_path: Path) -> None:
    path = tmp_path / "old-blog.html"
    path.write_bytes(b'<!DOCTYPE html><html><head><title>Old</title></head><body>\n'
                     b'<!-- <rdf:RDF xmlns="http://web.resource.org/cc/"></rdf:RDF> -->\n'
                     b"<p>Text.</p></body></html>")  # fmt: skip
    assert detect(path, path.read_bytes()) == "html"
