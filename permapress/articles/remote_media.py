"""Remote images an article shows, downloaded into its bundle so that the archive stands alone.

    archive_article(article, downloader, known=None) -> (Article, [note])
    remote_images(article) -> [url]         what ``archive_article`` would fetch
    as_links(article, reason) -> (Article, [note])   every remote image made a link, nothing
                                            fetched (when archiving cannot run at all)

``archive_article`` finds the images the article shows from elsewhere: Markdown images
(inline and reference definitions) and raw ``<img src>`` in the body whose address is an
absolute ``http(s)://`` URL (or a protocol-relative ``//host/…``, fetched over https), and the
lead image when it is an https URL. A failed reference-style image (``![alt][label]`` with
``[label]: url``) becomes a link in each place that uses the definition. Each is downloaded,
stored as ``media/<name>`` (the URL's file name slugified, with the extension of its real type,
"-2" … when taken) with the URL it came from in ``Media.origin``, and the body (or the lead
image) now names ``media/<name>``. The same URL twice, or the same bytes under two URLs, is
one file. ``known`` maps URLs to images already archived from them (the article's stored
version): those are reused, not fetched again. Nothing else of the article changes; an
article with no remote image comes back as it was (same bytes, same CIDs).

A download that fails leaves the article whole: the image becomes a link to its URL with its
alt text (``![alt](url)`` -> ``[alt](url)``, ``<img src alt>`` -> ``<a href>alt</a>``), a failed
lead image stays the URL it was (pages never show an absolute lead image), and the returned
notes say which image and why. Only the scheme decides what is fetched: ``http`` and ``https``;
``data:``, ``file:`` and every other scheme are refused (a ``data:`` image is not a remote one
and never reaches a page: the sanitiser drops it).

Downloading and its limits (``MediaLimits``, ``Downloader``) are in
``permapress.articles.downloader``; finding the images in a body in
``permapress.articles.image_refs``.
No article has more than ``MAX_IMAGES`` (200) remote images tried, nor spends more than
``article_seconds`` on them.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Final
from urllib.parse import unquote, urlsplit

from permapress.articles.downloader import MIB, Downloaded, Downloader, MediaLimits, is_remote
from permapress.articles.image_refs import body_refs
from permapress.articles.media import EXTENSIONS
from permapress.articles.model import Article, Media
from permapress.articles.slug import slugify

MAX_IMAGES: Final = 200  # remote images tried per article; the rest stay links


def remote_images(article: Article) -> list[str]:
    """The remote image URLs ``archive_article`` would fetch, in order, each once."""
    urls = [ref.url for ref in body_refs(article.body)]
    if article.image and is_remote(article.image):
        urls.insert(0, article.image)
    return list(dict.fromkeys(urls))


class _Unavailable(Downloader):
    """A downloader that answers every URL with the same reason, fetching nothing."""

    def __init__(self, reason: str, limits: MediaLimits) -> None:
        super().__init__(limits)
        self.reason = reason

    def get(self, url: str) -> Downloaded | str:
        return self.reason


def as_links(article: Article, reason: str) -> tuple[Article, list[str]]:
    """``article`` with each remote image turned into a link, as when its download fails."""
    with _Unavailable(reason, MediaLimits()) as nothing:
        return archive_article(article, nothing)


def _name_for(url: str, media_type: str, taken: set[str]) -> str:
    segment = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    stem = slugify(segment.rsplit(".", 1)[0] if "." in segment else segment, max_length=60)
    if not stem or stem == "article":
        stem = "image"
    extension = EXTENSIONS[media_type]
    name, number = f"{stem}.{extension}", 2
    while name in taken:
        name, number = f"{stem}-{number}.{extension}", number + 1
    return name


def archive_article(
    article: Article, downloader: Downloader, known: Mapping[str, Media] | None = None
) -> tuple[Article, list[str]]:
    """``article`` with its remote images in ``media/``; see the module docstring."""
    if "\x00" in article.body:  # CommonMark reads NUL as U+FFFD: say so, so that spans match
        article = replace(article, body=article.body.replace("\x00", "\ufffd"))
    refs = body_refs(article.body)
    lead = article.image if article.image and is_remote(article.image) else None
    if not refs and lead is None:
        return article, []
    media = list(article.media)
    taken = {m.name for m in media}
    by_digest = {hashlib.sha256(m.data).hexdigest(): m.name for m in media}
    by_url: dict[str, str | None] = {}
    notes: list[str] = []
    limits = downloader.limits
    budget = limits.max_article_bytes
    article_deadline = time.monotonic() + limits.article_seconds
    used = 0

    tried = 0  # URLs asked of the downloader

    def local(url: str) -> str | None:
        nonlocal used, tried
        if url in by_url:
            return by_url[url]
        name: str | None = None
        kept = (known or {}).get(url)
        if kept is not None:
            digest = hashlib.sha256(kept.data).hexdigest()
            name = by_digest.get(digest)
            if name is None:
                name = kept.name if kept.name not in taken else _name_for(url, kept.media_type,
                                                                           taken)  # fmt: skip
                taken.add(name)
                by_digest[digest] = name
                media.append(Media(name, kept.data, kept.media_type, origin=url))
            by_url[url] = name
            return name
        got: Downloaded | str
        if tried >= MAX_IMAGES:
            got = f"the article shows more than {MAX_IMAGES} remote images"
        elif time.monotonic() > article_deadline:
            got = f"the article's images took longer than {limits.article_seconds:g} s"
        else:
            got = downloader.get(url)
            tried += 1
        if isinstance(got, str):
            notes.append(f"image {url} was not archived: {got}; it stays a link")
        elif got.sha256 in by_digest:
            name = by_digest[got.sha256]
        elif used + got.size > budget:
            notes.append(f"image {url} was not archived: the article's images are over the "
                         f"{budget / MIB:g} MiB limit; it stays a link")  # fmt: skip
        else:
            used += got.size
            name = _name_for(got.final_url, got.media_type, taken)
            taken.add(name)
            by_digest[got.sha256] = name
            media.append(Media(name, got.data(), got.media_type, origin=url))
        by_url[url] = name
        return name

    image = article.image
    if lead is not None:
        name = local(lead)
        image = name if name is not None else lead
    edits: set[tuple[int, int, str]] = set()
    for ref in refs:
        name = local(ref.url)
        if name is not None:
            edits.add((ref.start, ref.end, f"media/{name}"))
        else:
            edits.update(ref.fallback)
    pieces: list[str] = []
    position = 0
    for start, end, text in sorted(edits):  # spans never overlap
        pieces += [article.body[position:start], text]
        position = end
    body = "".join(pieces) + article.body[position:]
    if body == article.body and image == article.image and len(media) == len(article.media):
        return article, notes
    return replace(article, body=body, image=image, media=tuple(media)), notes
