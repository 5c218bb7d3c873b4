"""How an article reads out, wherever it is written: dates, bylines, lead image, body, type.

    iso8601(moment) -> str          RFC 3339 text of a timezone-aware time, "Z" for UTC
    byline(authors) -> str          "A", "A and B", "A, B and C"
    media_image(article)            the lead image's file name when it is one of its media
    body_html(article, media_prefix="", recorded="")
                                    the sanitised body HTML, "media/…" moved under a prefix
    GENRE_LABELS, genre_label(genre) -> str
                                    what a card or an article calls its type of work

The site's pages, its JSON-LD and the ninjs writer (``ninjs_write``) all say these the same
way; ``site.views`` and ``site.trustinfo`` still offer them under their old names.
A naive datetime raises ``SiteError`` (from ``iso8601``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

from permapress.articles.model import Article
from permapress.errors import SiteError

_MEDIA_REF = re.compile(r'(\s(?:src|href)=")media/')

GENRE_LABELS: Final = {
    "news": "News",
    "analysis": "Analysis",
    "opinion": "Opinion",
    "review": "Review",
    "explainer": "Explainer",
    "interview": "Interview",
    "obituary": "Obituary",
    "letter": "Letter to the editor",
    "satire": "Satire",
    "sponsored": "Sponsored content",
    "page": "Page",
}


def genre_label(genre: str) -> str:
    """ "Opinion" for "opinion"; "News" when the type of work is not stated."""
    return GENRE_LABELS.get(genre or "news", genre.capitalize())


def iso8601(moment: datetime) -> str:
    """RFC 3339 text of a timezone-aware time, "Z" for UTC, whole seconds.

    Raises ``SiteError`` for a naive time, since its meaning depends on the reader's clock.
    """
    offset = moment.utcoffset()
    if offset is None:
        raise SiteError(f"time {moment.isoformat()} has no timezone; give every date a UTC offset")
    text = moment.replace(microsecond=0, tzinfo=None).isoformat()
    if offset == timedelta(0):
        return text + "Z"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(offset) // timedelta(minutes=1)
    return f"{text}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def byline(authors: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    if len(authors) <= 2:
        return " and ".join(authors)
    return ", ".join(authors[:-1]) + " and " + authors[-1]


def media_image(article: Article) -> str | None:
    """The lead image's file name when it is one of the article's media, else None."""
    if article.image and any(m.name == article.image for m in article.media):
        return article.image
    return None


def body_html(article: Article, media_prefix: str = "", recorded: str = "") -> str:
    """The sanitised body HTML, its "media/…" references moved under ``media_prefix``.

    ``recorded`` is the HTML the catalog kept when the version was recorded (the same that its
    bundle shows); without it the Markdown is rendered."""
    if not recorded:
        from permapress.articles.markup import markdown_to_html  # Markdown only when needed

        recorded = markdown_to_html(article.body)
    html = recorded
    if media_prefix and "media/" in html:
        html = _MEDIA_REF.sub(lambda m: f"{m.group(1)}{media_prefix}media/", html)
    return html
