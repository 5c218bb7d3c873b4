"""The article model: one version of one news article, as every reader returns it.

    Media(name, data, media_type, origin=None)
                                       an image the article uses, stored in the bundle's media/
                                       (``origin``: the URL it was downloaded from)
    Article(headline, slug, …)         frozen; change it with dataclasses.replace
    validate(article) -> Article       checks every field, returns it with whitespace normalised
    INFERRED_FIELDS                    the fields an importer may have had to infer
    is_image_url(text) -> bool         an absolute http:// or https:// URL a lead image may be
    GENRES, genre_name(text) -> str    the types of work and the spellings a source may use
    reference_parts(text) -> (label, url | None)   one of ``sources`` split for a link

What a reader needs to judge a piece (the Trust Project's indicators), all optional:
``genre`` is the type of work ("news", "opinion", "analysis", "review", "sponsored", … from
``GENRES``; "" when the source does not say, read as news; "page" is a page of the
newsroom's own, such as About or its corrections policy, kept out of listings and feeds),
``sources`` the sources and references (one line each: text, or text followed by its http(s)
URL), ``methods`` how the piece was reported (one paragraph) and ``location`` where it was
reported from (a dateline).
Like ``inferred``, each appears in ``article_fields`` (``fields.py``) and article.md only when it
is set, so the articles that have none keep their bytes and CIDs.

``inferred`` names the fields the source did not give and an importer filled in (a feed entry
without a date gets the feed's date: ``("published",)``; without a title, its first sentence:
``"headline"``; without any text, a link to the original: ``"body"``). It is empty for nearly
every article, and then it appears nowhere (not in ``article_fields``, not in article.md), so
articles without it keep their bytes and CIDs.

``validate`` raises ``ArticleError`` whose message names the field and the bad value (and the
source file when the article has one). The copy it returns has the headline, authors,
categories, tags and summary on one line each with single spaces, duplicates (ignoring case)
removed, and the body with unified newlines, no leading blank lines and no trailing whitespace.
Validating a validated article returns an equal article: the last few that ``validate``
returned are known, and one of them, or a copy that differs only in ``source``, comes back as
it is, unchecked (an import validates each article in its reader, in ``read_source`` and again,
its source set to the file's key, when it records it).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any, Final

from permapress.errors import ArticleError

_Fail = Callable[[str], ArticleError]

SLUG_MAX: Final = 80
_SLUG_RE: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_LANGUAGE_RE: Final = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
_MEDIA_NAME_RE: Final = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,126}[A-Za-z0-9])?")
_MEDIA_TYPE_RE: Final = re.compile(r"[a-z]+/[a-z0-9][a-z0-9.+-]*")
INFERRED_FIELDS: Final = ("published", "headline", "body")
# The types of work, and what each is called in other systems' front matter and feeds.
GENRES: Final = (
    "news", "analysis", "opinion", "review", "explainer", "interview", "obituary", "letter",
    "satire", "sponsored", "page",
)  # fmt: skip
_GENRE_SPELLINGS: Final = {
    "report": "news", "reporting": "news", "article": "news", "newsarticle": "news",
    "analysis": "analysis", "analysisnewsarticle": "analysis",
    "opinion": "opinion", "comment": "opinion", "commentary": "opinion", "column": "opinion",
    "editorial": "opinion", "op-ed": "opinion", "oped": "opinion", "opinionnewsarticle": "opinion",
    "review": "review", "reviewnewsarticle": "review", "criticism": "review",
    "explainer": "explainer", "background": "explainer", "backgroundnewsarticle": "explainer",
    "interview": "interview", "q&a": "interview", "obituary": "obituary", "obit": "obituary",
    "letter": "letter", "letters": "letter", "letter to the editor": "letter",
    "satire": "satire", "sponsored": "sponsored", "sponsored content": "sponsored",
    "advertiser content": "sponsored", "advertisement": "sponsored", "paid": "sponsored",
    "partner content": "sponsored", "advertisercontentarticle": "sponsored",
}  # fmt: skip
_URL_TAIL: Final = re.compile(r"^(.*?)\s*<?(https?://[^\s<>]+)>?$")


@dataclass(frozen=True, slots=True)
class Media:
    """A file the article uses, by its name inside the bundle's ``media/`` folder."""

    name: str  # e.g. "harbour.jpg"
    data: bytes
    media_type: str  # e.g. "image/jpeg"
    origin: str | None = None  # the http(s) URL a downloaded image came from


@dataclass(frozen=True, slots=True)
class Article:
    """One version of one article. Datetimes are timezone-aware; ``body`` is sanitised Markdown."""

    headline: str
    slug: str
    published: datetime
    modified: datetime | None
    authors: tuple[str, ...]
    categories: tuple[str, ...]  # display names, e.g. "Politics & Government"
    tags: tuple[str, ...]
    summary: str
    language: str  # BCP 47, e.g. "en"
    body: str  # Markdown, sanitised
    media: tuple[Media, ...] = ()
    image: str | None = None  # lead image: a name in media, or an absolute http(s) URL
    draft: bool = False
    source: str | None = None  # where it came from (path or URL); not part of the content
    inferred: tuple[str, ...] = ()  # fields the importer filled in (see INFERRED_FIELDS)
    genre: str = ""  # type of work, one of GENRES ("" = not stated, read as news)
    sources: tuple[str, ...] = ()  # sources and references, one line each (text [URL])
    methods: str = ""  # how we reported this
    location: str = ""  # where it was reported from


_CONTENT_FIELDS: Final = tuple(f.name for f in fields(Article) if f.name != "source")


def genre_name(text: str) -> str | None:
    """The type of work ``text`` names ("Op-Ed" -> "opinion"), "" for nothing, else None."""
    word = " ".join(text.split()).lower()
    if not word:
        return ""
    if word in GENRES:
        return word
    return _GENRE_SPELLINGS.get(word)


def reference_parts(text: str) -> tuple[str, str | None]:
    """One source or reference as (what to show, its URL or None): "Council minutes
    https://x.org/m" -> ("Council minutes", "https://x.org/m"); a bare URL shows itself."""
    found = _URL_TAIL.match(text)
    if found is None:
        return text, None
    return (found.group(1).rstrip(" -–—:,") or found.group(2)), found.group(2)


def is_image_url(text: str) -> bool:
    """An absolute ``http://`` or ``https://`` URL with something after the scheme and no
    space: a lead image that lives elsewhere (the import's media step may download it)."""
    for scheme in ("https://", "http://"):
        if text.startswith(scheme):
            return len(text) > len(scheme) and " " not in text
    return False


def one_line(text: str) -> str:
    """Collapse every run of whitespace (newlines included) to one space and trim the ends."""
    return " ".join(text.split())


def normalise_body(body: str) -> str:
    """Unify newlines, drop leading blank lines and trailing whitespace."""
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    # every character before the first visible one is whitespace: the lines before that
    # character's line are blank, and the text starts at that line
    first = len(text) - len(text.lstrip())
    return text[text.rfind("\n", 0, first) + 1 :].rstrip()


# The articles ``validate`` returned last, by the id of their body, and whether it required
# their media. Held strongly, so an id is not reused while it is here.
_KEPT: Final = 8
_VALID: OrderedDict[int, tuple[Article, bool]] = OrderedDict()


def _known_valid(article: Article, require_media: bool) -> bool:
    """``article`` is one that ``validate`` returned, or a copy of one with another source:
    each of its other fields is the very object of the validated one (Article is frozen)."""
    found = _VALID.get(id(article.body))
    if found is None or not (found[1] or not require_media):
        return False
    valid = found[0]
    if article is valid:
        return True
    return (article.source is None or isinstance(article.source, str)) and all(
        getattr(article, name) is getattr(valid, name) for name in _CONTENT_FIELDS
    )


def _keep_valid(article: Article, require_media: bool) -> Article:
    keep_last(_VALID, id(article.body), (article, require_media))
    return article


def keep_last(kept: OrderedDict[int, Any], key: int, value: Any) -> None:
    """Add to one of the articles' small caches (here and in ``fields.py``), dropping its
    oldest entries beyond ``_KEPT``."""
    kept[key] = value
    while len(kept) > _KEPT:
        try:
            kept.popitem(last=False)
        except KeyError:  # emptied by another thread meanwhile
            break


def validate(article: Article, *, require_media: bool = True) -> Article:
    """Check every field of ``article``; return it with whitespace normalised.

    ``require_media=False`` accepts a lead image named in the text whose bytes are not attached
    (``document.from_markdown`` without media).
    """
    if not isinstance(article, Article):
        raise ArticleError(f"expected an Article, got {type(article).__name__}")
    if _known_valid(article, require_media):
        return article
    source = article.source if isinstance(article.source, str) else None

    def fail(message: str) -> ArticleError:
        return ArticleError(message, source=source)

    if not isinstance(article.headline, str) or not one_line(article.headline):
        raise fail("headline is empty (every article needs a title)")
    headline = one_line(article.headline)
    if not isinstance(article.slug, str) or not _SLUG_RE.fullmatch(article.slug):
        raise fail(
            f"slug {article.slug!r} is not valid: use lowercase letters, digits and single "
            "hyphens, like 'harbour-budget-2025'"
        )
    if len(article.slug) > SLUG_MAX:
        raise fail(f"slug {article.slug!r} is longer than {SLUG_MAX} characters")
    _check_datetime(article.published, "published", fail)
    if article.modified is not None:
        _check_datetime(article.modified, "modified", fail)
    authors = _names(article.authors, "authors", fail)
    categories = _names(article.categories, "categories", fail)
    tags = _names(article.tags, "tags", fail)
    if not isinstance(article.summary, str):
        raise fail(f"summary must be text, not {type(article.summary).__name__}")
    if not isinstance(article.language, str) or not _LANGUAGE_RE.fullmatch(article.language):
        raise fail(
            f"language {article.language!r} is not a BCP 47 language tag (write 'en', 'fr' "
            "or 'pt-BR')"
        )
    if not isinstance(article.body, str):
        raise fail(f"body must be text, not {type(article.body).__name__}")
    body = normalise_body(article.body)
    if not body:
        raise fail("body is empty (an article needs at least one paragraph)")
    media = _check_media(article.media, fail)
    _check_image(article.image, media, require_media, fail)
    if not isinstance(article.draft, bool):
        raise fail(f"draft must be true or false, not {article.draft!r}")
    if article.source is not None and not isinstance(article.source, str):
        raise fail(f"source must be text, not {type(article.source).__name__}")
    inferred = _inferred(article.inferred, fail)
    genre = _genre(article.genre, fail)
    sources = _names(article.sources, "sources", fail)
    for field in ("methods", "location"):
        if not isinstance(getattr(article, field), str):
            raise fail(f"{field} must be text, not {type(getattr(article, field)).__name__}")
    methods, location = one_line(article.methods), one_line(article.location)
    for field, text in (("headline", headline), ("summary", article.summary), ("body", body),
                        ("methods", methods), ("location", location)):  # fmt: skip
        _check_encodable(text, field, fail)
    for field, names in (("authors", authors), ("categories", categories), ("tags", tags),
                         ("sources", sources)):  # fmt: skip
        for name in names:
            _check_encodable(name, field, fail)
    summary = one_line(article.summary)
    normal = (("headline", headline), ("authors", authors), ("categories", categories),
              ("tags", tags), ("summary", summary), ("body", body), ("inferred", inferred),
              ("genre", genre), ("sources", sources), ("methods", methods),
              ("location", location))  # fmt: skip
    # an article that was valid already is returned itself (what is worked out for it by
    # object, such as its content key, stays known: an import's reader process gives articles
    # it validated, which come through a pipe as new objects)
    if all(type(old := getattr(article, name)) is type(value) and old == value
           for name, value in normal):  # fmt: skip
        return _keep_valid(article, require_media)
    checked = replace(
        article,
        headline=headline,
        authors=authors,
        categories=categories,
        tags=tags,
        summary=summary,
        body=body,
        inferred=inferred,
        genre=genre,
        sources=sources,
        methods=methods,
        location=location,
    )
    return _keep_valid(checked, require_media)


def _genre(value: object, fail: _Fail) -> str:
    name = genre_name(value) if isinstance(value, str) else None
    if name is None:
        raise fail(f"type {value!r} is not a type of work: use one of {', '.join(GENRES)}")
    return name


def _inferred(values: object, fail: _Fail) -> tuple[str, ...]:
    if not isinstance(values, tuple) or any(v not in INFERRED_FIELDS for v in values):
        raise fail(f"inferred must name fields among {', '.join(INFERRED_FIELDS)}, not {values!r}")
    return tuple(f for f in INFERRED_FIELDS if f in values)


def _check_datetime(value: object, field: str, fail: _Fail) -> None:
    if not isinstance(value, datetime):
        raise fail(f"{field} must be a date and time, not {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise fail(f"{field} {value.isoformat()} has no timezone (give it an offset or a zone)")


def _check_encodable(text: str, field: str, fail: _Fail) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise fail(f"{field} holds a character that is not valid Unicode at {exc.start}") from None


def _names(values: object, field: str, fail: _Fail) -> tuple[str, ...]:
    if not isinstance(values, tuple):
        raise fail(f"{field} must be a tuple of text, not {type(values).__name__}")
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise fail(f"{field} must hold text, not {value!r}")
        name = one_line(value)
        if not name:
            raise fail(f"{field} has an empty entry")
        if name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
    return tuple(out)


def _check_media(media: object, fail: _Fail) -> tuple[Media, ...]:
    if not isinstance(media, tuple):
        raise fail(f"media must be a tuple of Media, not {type(media).__name__}")
    names: set[str] = set()
    for item in media:
        if not isinstance(item, Media):
            raise fail(f"media must hold Media, not {type(item).__name__}")
        if not isinstance(item.name, str) or not _MEDIA_NAME_RE.fullmatch(item.name):
            raise fail(
                f"media name {item.name!r} must be a plain file name (letters, digits, '.', "
                "'-', '_'; no '/' and no leading dot), like 'harbour.jpg'"
            )
        if item.name in names:
            raise fail(f"media name {item.name!r} is used twice")
        names.add(item.name)
        if not isinstance(item.data, bytes) or not item.data:
            raise fail(f"media {item.name!r} has no bytes")
        if not isinstance(item.media_type, str) or not _MEDIA_TYPE_RE.fullmatch(item.media_type):
            raise fail(f"media {item.name!r} has a bad media type {item.media_type!r}")
        if item.origin is not None and not (
            isinstance(item.origin, str) and item.origin.startswith(("http://", "https://"))
        ):
            raise fail(f"media {item.name!r} has an origin that is not an http(s) URL")
    return media


def _check_image(
    image: object, media: tuple[Media, ...], require_media: bool, fail: _Fail
) -> None:
    if image is None:
        return
    if not isinstance(image, str) or not image:
        raise fail(f"image must be a media name or an http(s) URL, not {image!r}")
    if is_image_url(image):
        return
    if "://" in image or image.startswith("//"):
        raise fail(f"image {image!r} must be an http(s):// URL or a file beside the article")
    if not _MEDIA_NAME_RE.fullmatch(image):
        raise fail(f"image {image!r} must be the name of one of the article's media files")
    if require_media and image not in {m.name for m in media}:
        raise fail(f"image {image!r} is not among the article's media files")
