"""remote_media.py, downloader.py, image_refs.py: remote images downloaded into the bundle,
within limits, against a real (and sometimes hostile) HTTP server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from permapress.articles.downloader import Downloader, MediaLimits, media_limits
from permapress.articles.htmltomd import html_to_markdown, largest_candidate
from permapress.articles.markup import markdown_to_html
from permapress.articles.model import Article, Media, validate
from permapress.articles.remote_media import archive_article, remote_images
from permapress.config import MediaSettings, load_config
from permapress.errors import ConfigError

from .conftest import GIF, JPEG, PNG, make_article
from .imageserver import (
    declared,
    drip,
    gzip_bomb,
    header_drip,
    image_server,
    ok,
    overlong,
    redirect,
    unsized,
)

FAST = MediaLimits(timeout=2.0, connect_timeout=2.0, max_file_bytes=64 * 1024,
                   max_article_bytes=256 * 1024, max_redirects=3)  # fmt: skip


def _article(body: str, image: str | None = None) -> Article:
    return validate(make_article(body=body)) if image is None else make_article(
        body=body, image=image
    )


def _external_images(article: Article) -> list[str]:
    """Image sources in the rendered body that point anywhere but media/."""
    import re

    html = markdown_to_html(article.body)
    return [src for src in re.findall(r'<img[^>]*\ssrc="([^"]*)"', html)
            if not src.startswith("media/")]  # fmt: skip


def test_images_are_downloaded_named_and_the_body_rewritten() -> None:
    with image_server({"/img/Harbour%20View.jpg": ok(JPEG), "/p.png?w=300": ok(PNG, "image/png"),
                       "/lead": ok(GIF, "image/gif")}) as server:  # fmt: skip
        jpg, png = server.url("/img/Harbour%20View.jpg"), server.url("/p.png?w=300")
        body = (f"Intro.\n\n![The harbour]({jpg} \"At dawn\")\n\n"
                f'<img src="{png}" alt="Chart"> and [a link]({jpg}), ![again]({jpg})\n\n'
                f"```\n![in code]({png})\n```\n\n`![span]({png})`")  # fmt: skip
        article = _article(body, image=server.url("/lead"))
        assert remote_images(article) == [server.url("/lead"), jpg, png]
        with Downloader(FAST) as downloader:
            done, notes = archive_article(article, downloader)
    assert notes == []
    assert [(m.name, m.media_type, m.origin) for m in done.media] == [
        ("lead.gif", "image/gif", server.url("/lead")),
        ("harbour-view.jpg", "image/jpeg", jpg),
        ("p.png", "image/png", png),
    ]
    assert done.image == "lead.gif"
    assert '![The harbour](media/harbour-view.jpg "At dawn")' in done.body
    assert '<img src="media/p.png" alt="Chart">' in done.body
    assert f"[a link]({jpg})" in done.body  # links are not images: left alone
    assert "![again](media/harbour-view.jpg)" in done.body
    assert f"![in code]({png})" in done.body and f"`![span]({png})`" in done.body  # code is text
    assert server.hits["/img/Harbour%20View.jpg"] == 1  # the same URL twice: fetched once
    assert _external_images(done) == []
    validate(done)


def test_a_failed_image_stays_a_link_with_its_alt_text() -> None:
    with image_server({}) as server:
        gone = server.url("/gone.jpg")
        article = _article(f'![Flood [2025]]({gone})\n\n<img alt="Map" src="{gone}" width="3">')
        with Downloader(FAST) as downloader:
            done, notes = archive_article(article, downloader)
    assert done.body == f'[Flood [2025]]({gone})\n\n<a href="{gone}">Map</a>'
    assert done.media == () and _external_images(done) == []
    assert notes == [f"image {gone} was not archived: the server answered HTTP 404; "
                     "it stays a link"]  # fmt: skip — one note per URL, not per use


def test_one_fetch_per_url_per_run_and_one_file_per_content() -> None:
    with image_server({"/a.jpg": ok(JPEG), "/copy.jpg": ok(JPEG)}) as server:
        a, copy = server.url("/a.jpg"), server.url("/copy.jpg")
        first = _article(f"![A]({a})")
        second = _article(f"![A]({a}) ![B]({copy})")
        with Downloader(FAST) as downloader:
            one, _ = archive_article(first, downloader)
            two, _ = archive_article(second, downloader)
            assert downloader.fetches == 2
    assert server.hits == {"/a.jpg": 1, "/copy.jpg": 1}
    assert [m.name for m in one.media] == ["a.jpg"]
    assert [m.name for m in two.media] == ["a.jpg"]  # the same bytes from two URLs: one file
    assert two.body == "![A](media/a.jpg) ![B](media/a.jpg)"


def test_an_honestly_compressed_image_is_inflated() -> None:
    import gzip

    packed = gzip.compress(PNG)
    route = ok(packed, "image/png", **{"Content-Encoding": "gzip"})
    with image_server({"/z.png": route}) as srv, Downloader(FAST) as downloader:
        got = downloader.get(srv.url("/z.png"))
        assert not isinstance(got, str) and got.data() == PNG


def test_as_links_turns_every_remote_image_into_a_link_without_fetching() -> None:
    from permapress.articles.remote_media import as_links

    article = _article('![A](https://x.example/a.jpg) <img src="https://x.example/b.png" alt="B">')
    done, notes = as_links(article, "archiving failed (disk full)")
    assert done.body == '[A](https://x.example/a.jpg) <a href="https://x.example/b.png">B</a>'
    assert notes == [f"image https://x.example/{n} was not archived: archiving failed (disk "
                     "full); it stays a link" for n in ("a.jpg", "b.png")]  # fmt: skip
    assert _external_images(done) == []


def test_no_more_than_max_images_are_tried_per_article() -> None:
    from permapress.articles.remote_media import MAX_IMAGES, _Unavailable

    body = " ".join(f"![{n}](https://h{n}.example/{n}.jpg)" for n in range(MAX_IMAGES + 5))
    with _Unavailable("down", FAST) as nothing:
        done, notes = archive_article(make_article(body=body), nothing)
    assert len(notes) == MAX_IMAGES + 5
    assert sum("more than 200 remote images" in n for n in notes) == 5
    assert _external_images(done) == []


def test_slow_images_use_up_the_article_time_and_their_host() -> None:
    routes = {f"/{n}.jpg": drip(JPEG + bytes(100), 0.05) for n in range(6)}
    with image_server(routes) as server:  # type: ignore[arg-type]
        body = " ".join(f"![{n}]({server.url(f'/{n}.jpg')})" for n in range(6))
        limits = MediaLimits(timeout=0.5, article_seconds=1.2)
        with Downloader(limits) as downloader:
            done, notes = archive_article(_article(body), downloader)
            assert downloader.fetches <= 3  # the article's time ran out, then the host's
    assert done.media == () and len(notes) == 6 and _external_images(done) == []
    assert "took longer than 0.5 s" in notes[0]
    assert any("the article's images took longer than 1.2 s" in n for n in notes[2:])


def test_a_body_longer_than_its_content_length_does_not_spoil_the_next_image() -> None:
    with image_server({"/liar.jpg": overlong(JPEG, b"HTTP/1.1 200 OK\r\n" + b"X" * 5000),
                       "/next.png": ok(PNG, "image/png")}) as server:  # fmt: skip
        body = f"![a]({server.url('/liar.jpg')}) ![b]({server.url('/next.png')})"
        with Downloader(FAST) as downloader:
            done, notes = archive_article(_article(body), downloader)
    assert notes == [] and [m.data for m in done.media] == [JPEG, PNG]  # only what was declared


def test_an_article_without_remote_images_is_returned_unchanged() -> None:
    article = _article("![local](media/x.jpg) and [a](https://x.example/a.jpg)")
    with Downloader(FAST) as downloader:
        same, notes = archive_article(article, downloader)
        assert downloader.fetches == 0
    assert same is article and notes == []


def test_images_already_archived_are_reused_not_fetched() -> None:
    with image_server({}) as server:  # the site is down now
        url = server.url("/a.jpg")
        known = {url: Media("harbour.jpg", JPEG, "image/jpeg", origin=url)}
        with Downloader(FAST) as downloader:
            done, notes = archive_article(_article(f"![A]({url})"), downloader, known=known)
    assert notes == [] and server.hits == {}
    assert done.body == "![A](media/harbour.jpg)" and done.media[0].origin == url


def test_the_article_limit_counts_every_image() -> None:
    big = JPEG + bytes(40 * 1024)
    routes = {f"/{n}.jpg": ok(big[:-n - 1]) for n in range(3)}  # three different files
    with image_server(routes) as server:  # type: ignore[arg-type]
        body = " ".join(f"![{n}]({server.url(f'/{n}.jpg')})" for n in range(3))
        limits = MediaLimits(timeout=2.0, max_file_bytes=64 * 1024, max_article_bytes=90 * 1024)
        with Downloader(limits) as downloader:
            done, notes = archive_article(_article(body), downloader)
    assert [m.name for m in done.media] == ["0.jpg", "1.jpg"]
    assert len(notes) == 1 and "2.jpg" in notes[0]
    assert "the article's images are over the 0.0878906 MiB limit" in notes[0]
    assert _external_images(done) == []


ATTACKS = {
    "redirect loop": ({"/loop": redirect("/loop2"), "/loop2": redirect("/loop")}, "/loop",
                      "redirects in a loop"),
    "too many redirects": ({f"/r{n}": redirect(f"/r{n + 1}") for n in range(10)}, "/r0",
                           "redirects more than 3 times"),
    "redirect to a file": ({"/f": redirect("file:///etc/passwd")}, "/f",
                           "which is not http or https"),
    "huge Content-Length": ({"/huge": declared(10**15, JPEG)}, "/huge",
                            "over the 0.0625 MiB limit"),
    "Content-Length of 5000 digits": ({"/digits": declared("9" * 5000, JPEG)}, "/digits",
                                      "cannot be fetched (bad Content-Length)"),
    "Content-Length longer than the body": ({"/short": declared(5000, JPEG)}, "/short",
                                            "cannot be fetched"),
    "Content-Length over the cap": ({"/big": ok(JPEG + bytes(200 * 1024))}, "/big",
                                    "is 0.2 MiB, over the 0.0625 MiB limit"),
    "unsized body over the cap": ({"/big": unsized(JPEG + bytes(200 * 1024))}, "/big",
                                  "larger than the 0.0625 MiB limit"),
    "slow drip": ({"/drip": drip(JPEG + bytes(60), 0.1)}, "/drip", "took longer than 2 s"),
    "headers that trickle": ({"/hd": header_drip(0.1)}, "/hd", "took longer than 2 s"),
    "HTML named .jpg": ({"/photo.jpg": ok(b"<html><script>x()</script></html>")}, "/photo.jpg",
                        "is not a JPEG, PNG, GIF, WebP or AVIF image"),
    "SVG": ({"/logo.svg": ok(b'<?xml version="1.0"?>\n<svg onload="alert(1)"/>',
                             "image/svg+xml")}, "/logo.svg", "is an SVG image"),
    "encoding not asked for": ({"/br.jpg": ok(JPEG, **{"Content-Encoding": "br"})}, "/br.jpg",
                               "came compressed as 'br', which was not asked for"),
    "damaged gzip": ({"/bad.jpg": ok(b"\x1f\x8b\x08\x00garbage", **{"Content-Encoding": "gzip"})},
                     "/bad.jpg", "sent a damaged gzip body"),
    "gzip bomb": ({"/bomb.jpg": gzip_bomb(20 * 1024 * 1024)}, "/bomb.jpg",
                  "larger than the 0.0625 MiB limit"),
}  # fmt: skip


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_hostile_servers_give_a_note_not_an_image(attack: str) -> None:
    routes, path, reason = ATTACKS[attack]
    with image_server(routes) as server:
        url = server.url(path)
        with Downloader(FAST) as downloader:
            done, notes = archive_article(_article(f"![x]({url})"), downloader)
    assert done.media == () and done.body == f"[x]({url})"
    assert len(notes) == 1 and reason in notes[0], notes
    assert sum(server.hits.values()) <= 4  # redirects stop at the limit


@pytest.mark.parametrize(
    ("url", "reason"),
    [("data:image/png;base64,iVBORw0KGgo=", "data"), ("file:///etc/passwd", "file"),
     ("ftp://x.example/a.jpg", "ftp")],
)  # fmt: skip
def test_only_http_and_https_are_fetched(url: str, reason: str) -> None:
    with Downloader(FAST) as downloader:
        assert downloader.get(url) == f"only http and https images are fetched, not {reason}"
        assert downloader.fetches == 0
    # and an article never treats them as remote images in the first place
    assert remote_images(make_article(body=f"![x]({url})")) == []


@pytest.mark.parametrize(
    "url",
    ["http://xn--/a.jpg", "http://a..b/x.jpg", "http://\u2603.example/a.jpg",
     "http://127.0.0.1:1/a\x00.jpg", "https://" + "a" * 300 + ".example/x.jpg"],
)  # fmt: skip
def test_addresses_that_cannot_be_sent_are_a_note(url: str) -> None:
    with Downloader(FAST) as downloader:
        done, notes = archive_article(make_article(body=f"![x]({url})"), downloader)
    assert done.body == f"[x]({url})".replace("\x00", "\ufffd")  # NUL reads as U+FFFD
    assert len(notes) == 1 and "was not archived" in notes[0]
    assert _external_images(done) == []


def test_a_host_that_does_not_answer_is_given_up_after_three_tries() -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on: connections are refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    urls = [f"http://127.0.0.1:{port}/{n}.jpg" for n in range(5)]
    with Downloader(FAST) as downloader:
        done, notes = archive_article(_article(" ".join(f"![{n}]({u})" for n, u in
                                                        enumerate(urls))), downloader)  # fmt: skip
        assert downloader.fetches == 3
    assert done.media == () and len(notes) == 5
    assert all("the server cannot be reached" in n for n in notes[:3])
    assert all("not tried: 127.0.0.1 did not answer 3 times" in n for n in notes[3:])


def test_the_downloader_keeps_bytes_on_disk_and_removes_them() -> None:
    with image_server({"/a.jpg": ok(JPEG)}) as server:
        downloader = Downloader(FAST)
        got = downloader.get(server.url("/a.jpg"))
        assert not isinstance(got, str) and got.data() == JPEG
        folder = got.path.parent
        assert folder.is_dir()
        downloader.close()
    assert not folder.exists()


def test_srcset_gives_the_largest_image() -> None:
    assert largest_candidate("a.jpg 300w, b.jpg 1024w, c.jpg 768w") == "b.jpg"
    assert largest_candidate("https://x/w_300,h_2/a.jpg 300w, https://x/w_900,h_2/a.jpg 900w") \
        == "https://x/w_900,h_2/a.jpg"  # commas inside a URL
    assert largest_candidate("a.jpg, b.jpg 2x") == "b.jpg"
    assert largest_candidate("  , ") is None
    html = ('<p><img src="s.jpg" srcset="s.jpg 300w, big.jpg 2000w" alt="A">'
            '<img src="data:image/gif;base64,R0lGOD" data-srcset="lazy-2x.jpg 2x" alt="B"></p>')
    markdown = html_to_markdown(html, base_url="https://x.example/p/")
    assert "![A](https://x.example/p/big.jpg)" in markdown
    assert "![B](https://x.example/p/lazy-2x.jpg)" in markdown


def test_media_settings_from_permapress_toml(tmp_path: Path) -> None:
    (tmp_path / "permapress.toml").write_text(
        '[newsroom]\nname = "N"\n[media]\ntimeout = 5\nmax_file_mb = 1.5\nmax_redirects = 2\n',
        encoding="utf-8",
    )
    settings = load_config(tmp_path).media
    assert settings == MediaSettings(timeout=5.0, max_file_mb=1.5, max_redirects=2)
    limits = media_limits(settings)
    assert limits.max_file_bytes == 1572864 and limits.max_article_bytes == 100 * 1024 * 1024
    for bad, message in (("timeout = 0", "timeout must be a number"),
                         ("archive = 1", "archive must be true or false"),
                         ("max_redirects = 2.5", "max_redirects must be a whole number"),
                         ("max_fille_mb = 3", "no setting 'max_fille_mb'")):  # fmt: skip
        (tmp_path / "permapress.toml").write_text(f'[newsroom]\nname = "N"\n[media]\n{bad}\n')
        with pytest.raises(ConfigError, match=message):
            load_config(tmp_path)


def test_the_origin_travels_with_the_article(tmp_path: Path) -> None:
    """Catalog metadata, article.md and a re-read of an exported article.md keep the URL each
    image was downloaded from; articles without one keep their bytes."""
    from permapress.articles.document import from_markdown, to_markdown
    from permapress.articles.markdown import read as read_markdown
    from permapress.catalog.meta import article_from_meta, article_meta

    url = "https://photos.example/2025/harbour.jpg"
    image = Media("harbour.jpg", JPEG, "image/jpeg", origin=url)
    article = validate(make_article(body="![H](media/harbour.jpg)", media=(image,)))
    plain = validate(make_article(body="![H](media/harbour.jpg)",
                                  media=(Media("harbour.jpg", JPEG, "image/jpeg"),)))  # fmt: skip
    assert "media_origins" not in to_markdown(plain) and url not in article_meta(plain)
    text = to_markdown(article)
    assert f'media_origins: ["harbour.jpg {url}"]' in text
    assert from_markdown(text, article.media) == article
    assert article_from_meta(article_meta(article), {"harbour.jpg": JPEG}).media == (image,)
    folder = tmp_path / "exported"
    (folder / "media").mkdir(parents=True)
    (folder / "media" / "harbour.jpg").write_bytes(JPEG)
    (folder / "article.md").write_text(text, encoding="utf-8")
    (again,) = read_markdown(folder / "article.md")  # what `permapress correct` reads
    assert again.media == (image,)


URLS = ["https://e.example/a.jpg", "http://e.example/b%20c.png?x=1&y=2", "https://e.example/(d).gif",
        "//cdn.example/e.jpg"]
FRAGMENTS = [
    "![{alt}]({url})", "![{alt}](<{url}>)", '![{alt}]({url} "title")', "[![{alt}]({url})]({url})",
    "![{alt}][r{n}]", "![r{n}][]", "![r{n}]", "[link]({url})", "`![code]({url})`",
    '<img src="{url}" alt="{alt}">', "<img alt='{alt}' src='{url}' width=3>", "<IMG SRC={url}>",
    "\n\n[r{n}]: {url}\n\n", "\n\n```\n![fenced]({url})\n```\n\n", "\n\n    ![indented]({url})\n\n",
    "> ![quoted]({url})\n\n", "- ![listed]({url})\n", "text \\![escaped]({url}) ", "\n\n",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(FRAGMENTS), st.sampled_from(URLS),
                          st.sampled_from(["", "Alt", "a [b] c", "r0", "R1"]),
                          st.integers(0, 2)), min_size=1, max_size=8),  # fmt: skip
       st.sets(st.sampled_from(URLS)))
def test_no_body_ever_keeps_an_image_from_elsewhere(
    parts: list[tuple[str, str, str, int]], archived: set[str]
) -> None:
    """Whatever mix of image syntaxes a body uses, after archiving (some images at hand, the
    rest failing) the rendered body shows images from media/ only."""
    from permapress.articles.remote_media import _Unavailable

    body = "Intro.\n\n" + " ".join(f.format(url=u, alt=a, n=n) for f, u, a, n in parts)
    article = make_article(body=body)
    known = {url: Media(f"k{i}.jpg", JPEG + bytes([i]), "image/jpeg", origin=url)
             for i, url in enumerate(sorted(archived))}  # fmt: skip
    with _Unavailable("down", MediaLimits()) as nothing:
        done, _ = archive_article(article, nothing, known=known)
    assert _external_images(done) == [], done.body
    validate(done)
