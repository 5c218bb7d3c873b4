"""warc.py: the kept original page is a WARC file (request/response or resource records) that
warcio reads back and checks, deterministic, and older source.html/source.json pairs move to it
on the next correction."""

from __future__ import annotations

import gzip
import io
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from permapress.articles import html
from permapress.articles.items import SOURCE_HTML, SOURCE_JSON, migrate_provenance
from permapress.articles.markdown import read as read_markdown
from permapress.articles.model import Media
from permapress.articles.warc import SOURCE_WARC, Exchange, legacy_warc, page_warc, records

FIXTURES = Path(__file__).parents[1] / "fixtures" / "importers"
sys.path.insert(0, str(FIXTURES))
from localserver import Route, serve  # noqa: E402

PAGE = b"<!doctype html><html><head><script>alert(1)</script></head><body>Hi</body></html>"
WHEN = datetime(2025, 7, 8, 9, 30, 15, tzinfo=UTC)


def _check_digests(data: bytes) -> None:
    """warcio's own reader recomputes every block and payload digest while it reads."""
    from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]

    for record in ArchiveIterator(io.BytesIO(data), check_digests=True):
        record.content_stream().read()
        assert record.digest_checker.passed is not False, record.digest_checker.problems


def test_a_fetched_page_is_a_request_and_a_response_record() -> None:
    exchange = Exchange(
        url="https://paper.example/2025/story?id=7",
        status=200,
        reason="OK",
        headers=(("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
                 ("Transfer-Encoding", "chunked"), ("Content-Length", "12"),
                 ("Set-Cookie", "a=b")),  # fmt: skip
        request_headers=(("User-Agent", "permapress/test"), ("Accept", "text/html")),
    )
    media = page_warc(PAGE, retrieved=WHEN, encoding="utf-8", exchange=exchange,
                      requested="http://paper.example/s/7")  # fmt: skip
    assert media.name == SOURCE_WARC and media.media_type == "application/warc"
    assert media.data[:2] == b"\x1f\x8b"  # gzip
    info, response, request = records(media.data)
    assert info[0] == "warcinfo" and b"requested-url: http://paper.example/s/7" in info[4]
    assert response[:2] == ("response", "https://paper.example/2025/story?id=7")
    assert response[2]["WARC-Date"] == "2025-07-08T09:30:15Z"
    assert response[4] == PAGE  # the body byte for byte, decoded
    assert "Content-Encoding" not in response[3] and "Transfer-Encoding" not in response[3]
    assert response[3]["Content-Length"] == str(len(PAGE)) and response[3]["Set-Cookie"] == "a=b"
    assert request[0] == "request" and request[3]["Host"] == "paper.example"
    assert request[3][":status"].startswith("/2025/story?id=7")
    assert request[2]["WARC-Concurrent-To"] == response[2]["WARC-Record-ID"]
    _check_digests(media.data)


def test_the_same_page_at_the_same_time_gives_the_same_bytes() -> None:
    one = page_warc(PAGE, retrieved=WHEN, encoding="utf-8", file_name="a b.html")
    two = page_warc(PAGE, retrieved=WHEN, encoding="utf-8", file_name="a b.html")
    later = page_warc(PAGE, retrieved=WHEN.replace(second=16), encoding="utf-8",
                      file_name="a b.html")  # fmt: skip
    assert one.data == two.data and one.data != later.data
    kinds = [(kind, target) for kind, target, *_ in records(one.data)]
    assert kinds == [("warcinfo", ""), ("resource", "file:///a%20b.html")]
    # every record is its own gzip member, so replay tools can seek to it
    assert gzip.decompress(one.data).count(b"WARC/1.1\r\n") == 2
    _check_digests(one.data)


def test_a_url_import_keeps_what_the_server_sent() -> None:
    with serve({"/p": Route(b"<html><head><title>Ferry fares</title></head><body><article>"
                            b"<p>The ferry fare will stay at two euros this winter, the port "
                            b"authority said on Tuesday after a long meeting.</p></article>"
                            b"</body></html>", "text/html; charset=utf-8",
                            headers={"X-Served-By": "local"})}) as server:  # fmt: skip
        url = server.url("/p")
        article = html.read_url(url)
    (warc,) = [m for m in article.media if m.name == SOURCE_WARC]
    _, response, request = records(warc.data)
    assert response[1] == url and response[3]["X-Served-By"] == "local"
    assert request[3]["User-Agent"].startswith("permapress/")
    assert not any(m.name in (SOURCE_HTML, SOURCE_JSON) for m in article.media)


def _legacy_pair(url: str | None) -> tuple[Media, Media]:
    meta = {"url": url, "final_url": url, "retrieved": "2025-07-08T09:30:15+00:00",
            "encoding": "cp1252", "sha256": "0" * 64, "bytes": len(PAGE)}  # fmt: skip
    return (
        Media(SOURCE_HTML, PAGE, "text/html"),
        Media(SOURCE_JSON, json.dumps(meta).encode(), "application/json"),
    )


def test_legacy_pairs_become_warcs() -> None:
    pair = _legacy_pair("https://paper.example/a")
    warc = legacy_warc(pair[0].data, pair[1].data)
    assert warc is not None
    _, response, _ = records(warc.data)
    assert response[1] == "https://paper.example/a" and response[4] == PAGE
    assert response[2]["WARC-Date"] == "2025-07-08T09:30:15Z"
    assert response[3]["Content-Type"] == "text/html; charset=cp1252"
    saved = legacy_warc(*(m.data for m in _legacy_pair(None)))
    assert saved is not None and records(saved.data)[1][0] == "resource"
    assert legacy_warc(PAGE, b"not json") is None
    photo = Media("photo.jpg", b"\xff\xd8\xff", "image/jpeg")
    migrated = migrate_provenance((photo, *pair))
    assert [m.name for m in migrated] == ["photo.jpg", SOURCE_WARC]
    assert migrate_provenance((photo,)) == (photo,)


def test_an_exported_article_with_the_old_pair_is_corrected_into_a_warc(tmp_path: Path) -> None:
    """What `permapress correct` reads: an exported article.md listing source.html and
    source.json; the new version carries source.warc.gz instead."""
    folder = tmp_path / "ferry"
    (folder / "media").mkdir(parents=True)
    html_file, json_file = _legacy_pair("https://paper.example/a")
    (folder / "media" / SOURCE_HTML).write_bytes(html_file.data)
    (folder / "media" / SOURCE_JSON).write_bytes(json_file.data)
    (folder / "article.md").write_text(
        '---\ntitle: "Ferry fares"\ndate: 2025-07-08T09:30:00+00:00\n'
        'media: ["source.html", "source.json"]\n---\n\nThe fare stays.\n',
        encoding="utf-8",
    )
    (article,) = read_markdown(folder / "article.md")
    assert [(m.name, m.media_type) for m in article.media] == [(SOURCE_WARC, "application/warc")]
    _, response, _ = records(article.media[0].data)
    assert response[4] == PAGE
    # the corrected version's own export lists the WARC, which reads back with its type
    (folder / "media" / SOURCE_WARC).write_bytes(article.media[0].data)
    (folder / "article.md").write_text(
        '---\ntitle: "Ferry fares"\ndate: 2025-07-08T09:30:00+00:00\n'
        'media: ["source.warc.gz"]\n---\n\nThe fare stays.\n',
        encoding="utf-8",
    )
    (again,) = read_markdown(folder / "article.md")
    assert again.media == article.media


def test_every_record_can_be_read_on_its_own_from_its_offset() -> None:
    """What replay tools (pywb, ReplayWeb.page) do: index offsets, then seek to one record."""
    from warcio.archiveiterator import ArchiveIterator

    exchange = Exchange(url="https://paper.example/a", headers=(("Content-Type", "text/html"),))
    data = page_warc(PAGE, retrieved=WHEN, encoding="utf-8", exchange=exchange).data
    spans = []
    iterator = ArchiveIterator(io.BytesIO(data))
    for record in iterator:
        record.content_stream().read()
        spans.append((record.rec_type, iterator.get_record_offset(),
                      iterator.get_record_length()))  # fmt: skip
    assert [kind for kind, _, _ in spans] == ["warcinfo", "response", "request"]
    assert spans[-1][1] + spans[-1][2] == len(data)  # nothing after the last record
    for kind, offset, length in spans:
        alone = gzip.decompress(data[offset : offset + length])
        assert alone.startswith(b"WARC/1.1\r\n") and f"WARC-Type: {kind}".encode() in alone


def test_a_correction_moves_an_old_bundle_to_the_warc_and_keeps_history(tmp_path: Path) -> None:
    """An article recorded the old way (source.html + source.json) is exported, corrected with
    `permapress correct`: version 2 keeps source.warc.gz, version 1's bundle is unchanged."""
    from permapress.cli import main
    from permapress.handle import Newsroom
    from permapress.ipfs.cid import CID
    from permapress.ipfs.reader import list_directory
    from permapress.newsroom.record import record_article

    from .conftest import make_article

    def run(*args: str) -> None:
        try:
            main(list(args))
        except SystemExit as exc:
            assert not exc.code, args

    home = tmp_path / "newsroom"
    run("init", str(home))
    old = make_article(body="The fare stays at two euros.", source="https://paper.example/a",
                       media=_legacy_pair("https://paper.example/a"))  # fmt: skip
    with Newsroom.open(home) as newsroom:
        first = record_article(newsroom, old, now=WHEN)
    run("export", "--home", str(home), "--format", "markdown", str(tmp_path / "out"))
    exported = tmp_path / "out" / first.slug / "index.md"
    exported.write_text(exported.read_text(encoding="utf-8").replace("two euros", "three euros"),
                        encoding="utf-8")  # fmt: skip
    run("correct", first.slug, str(exported), "--note", "The fare is three euros.", "--home",
        str(home))  # fmt: skip

    def media_names(bundle: str) -> list[str]:
        with Newsroom.open(home, readonly=True) as newsroom:
            get = newsroom.blocks.get
            top = {name: cid for name, cid, _ in list_directory(CID.parse(bundle), get)}
            return sorted(name for name, _, _ in list_directory(top["media"], get))

    with Newsroom.open(home, readonly=True) as newsroom:
        versions = newsroom.catalog.versions(first.slug)
    assert [v.number for v in versions] == [1, 2]
    assert media_names(versions[0].bundle_cid) == [SOURCE_HTML, SOURCE_JSON]  # history kept
    assert media_names(versions[1].bundle_cid) == [SOURCE_WARC]
