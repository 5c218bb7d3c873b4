"""The parts of an article page that a reader uses to judge it, and small fixes to its body.

Pure functions the renderers call:

    standfirst(article) -> str              the summary, or "" when it only repeats the start
                                            of the body (a summary an importer made from it)
    figures(html) -> str                    every paragraph holding only an image becomes a
                                            <figure> with a <figcaption> from its title, else
                                            its alt text
    card_image(article) -> str | None       the lead image, else the first image among its
                                            media files: the thumbnail on listings
    references(article) -> [(label, url)]   the sources and references, split for links
    author_links(names, site, root)         each byline name with the href of its page or None
    genre_row(article) -> (key, label)      the type of work for labels ("news", "News")
    site_icon(site, root) -> str            the href of the site's icon: the logo, else a
                                            small SVG letter in the page itself (no request)
    logo_href(site, root) -> str | None     the logo's href (inline on the 404 page)
"""

from __future__ import annotations

import base64
import html
import mimetypes
import re
from collections.abc import Iterator
from itertools import islice
from typing import Final
from urllib.parse import quote

from permapress import sitepaths as paths
from permapress.articles.model import Article, reference_parts
from permapress.site.theme import load
from permapress.site.trustinfo import genre_label
from permapress.site.views import SiteInfo, media_image

_WORD: Final = re.compile(r"\w+", re.UNICODE)
_MARKUP: Final = re.compile(r"!\[[^\]]*\]\([^)]*\)|\[([^\]]*)\]\([^)]*\)|<[^>]+>|[*_`>#]")
_LONE_IMAGE: Final = re.compile(r"<p>\s*(<img\s[^>]*>)\s*</p>")
_ATTRIBUTE: Final = re.compile(r'\s(alt|title)="([^"]*)"')


# What ``_MARKUP`` can match begins with one of these; a block without any is read as it is.
_MARKUP_STARTS: Final = "[<*_`>#"


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _first_words(text: str, count: int) -> list[str]:
    """``_words(text)[:count]``, without finding the words after those."""
    return [m.group() for m in islice(_WORD.finditer(text.casefold()), count)]


def _blocks(body: str) -> Iterator[str]:
    """``body.split("\\n\\n")`` one block at a time: the standfirst reads the first few."""
    start = 0
    while (end := body.find("\n\n", start)) >= 0:
        yield body[start:end]
        start = end + 2
    yield body[start:]


def standfirst(article: Article) -> str:
    """The summary shown above the body, unless it is the start of the body again."""
    summary = article.summary
    if not summary:
        return ""
    shortened = summary.endswith(("…", "..."))
    words = _words(summary)
    if shortened and words:
        words = words[:-1]  # a shortened summary may end inside a word
    if not words:
        return summary
    for block in _blocks(article.body):
        block = block.strip()
        if not block or block.startswith(("#", "!", "<img", "---")):
            continue
        if any(char in block for char in _MARKUP_STARTS):
            block = _MARKUP.sub(lambda m: m.group(1) or " ", block)
        return "" if _first_words(block, len(words)) == words else summary
    return summary


def figures(body: str) -> str:
    """Lone images as figures with a caption (title first, else alt text)."""

    def figure(match: re.Match[str]) -> str:
        image = match.group(1)
        found = dict(_ATTRIBUTE.findall(image))
        caption = found.get("title") or found.get("alt") or ""
        if not caption.strip():
            return f"<figure>{image}</figure>"
        return f"<figure>{image}<figcaption>{caption}</figcaption></figure>"

    return _LONE_IMAGE.sub(figure, body)


def card_image(article: Article) -> str | None:
    """The media name a listing shows for ``article``: its lead image, else the first image
    among its media files (in the order the body shows them). Listings read articles without
    their bodies, so the media list is what tells."""
    lead = media_image(article)
    if lead:
        return lead
    return next((m.name for m in article.media if m.media_type.startswith("image/")), None)


def references(article: Article) -> list[tuple[str, str | None]]:
    return [reference_parts(text) for text in article.sources]


def author_links(
    names: tuple[str, ...], site: SiteInfo | None, root: str
) -> list[tuple[str, str | None]]:
    """(name, href of the author's page or None) for each name of a byline."""
    by_name = {a.name: a.slug for a in site.authors} if site else {}
    return [
        (name, root + paths.author_page(by_name[name]) if name in by_name else None)
        for name in names
    ]


def genre_row(article: Article) -> tuple[str, str]:
    key = article.genre or "news"
    return key, genre_label(key)


def site_icon(site: SiteInfo, root: str) -> str:
    """The icon link's href: the newsroom's logo, else an SVG of the name's first letter as a
    data: URL, so that no page asks for /favicon.ico."""
    return logo_href(site, root) or letter_icon(site.name)


def logo_href(site: SiteInfo, root: str) -> str | None:
    """Where a page at ``root`` finds the newsroom's logo; in the page itself (a data: URL) for
    the 404 page, which is served at any depth ("/" as its root)."""
    if not site.logo:
        return None
    if root != "/":
        return root + quote(site.logo)
    data = dict(load(site.theme).assets).get(site.logo)
    if data is None:
        return root + quote(site.logo)
    kind = mimetypes.guess_type(site.logo)[0] or "image/png"
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def letter_icon(name: str) -> str:
    """A data: URL of an SVG icon: the first letter of ``name`` on a dark square."""
    letter = html.escape((name.strip()[:1] or "P").upper())
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'>"
        "<rect width='32' height='32' rx='6' fill='%23141414'/>"
        "<text x='16' y='23' font-family='Georgia,serif' font-size='21' font-weight='700' "
        f"fill='%23fdfcf9' text-anchor='middle'>{letter}</text></svg>"
    )
    return "data:image/svg+xml," + quote(svg.replace("%23", "#"), safe="")
