"""What the importers share: options, per-item failures and the provenance files.

    ReadOptions(fetch, drafts, private, pages, language, categories, limits)
    Failed(source, error)              one item of a file or feed that could not be read
    Note(source, message)              something the user should know (a feed with XML errors
                                       that was recovered); not a failure
    Item = Article | Failed | Note     what the streaming readers yield, one per entry
    load_media(folder, ref, name, media_type, source) -> Media
                                       a file an export refers to, inside ``folder`` only
    provenance_media(data, retrieved=…, encoding=…, fetched=None, requested=None,
                     file_name=None) -> Media          the page as ``media/source.warc.gz``
    migrate_provenance(media) -> tuple[Media, ...]     an older ``source.html`` +
                                                       ``source.json`` pair as that WARC
    PROVENANCE_NAMES                   {"source.warc.gz", "source.html", "source.json"}
    without_provenance(article)        the article minus those files
    outside_root(item, root) -> item | Failed   a file found in the imported folder that is a
                                       symlink to elsewhere becomes a failure
    entry_slug(headline, link, key)    a feed entry's slug (RSS/Atom, JSON Feed, WordPress)
    split_terms(terms, taxonomy)       (categories, tags) of a feed entry's terms

A page imported from HTML keeps the original as a WARC file, ``media/source.warc.gz``
(``warc``: the request and response of the fetch, or a ``resource`` record for a saved file).
Bundles made before kept ``source.html`` and ``source.json`` (``{"url", "final_url",
"retrieved", "encoding", "sha256", "bytes"}``); their pair becomes the WARC when the article
is next corrected (``migrate_provenance``), the published versions are never rewritten. Two
fetches of an unchanged article differ in these files only, so the importer compares articles
``without_provenance`` to tell "unchanged" from "updated".
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, TypeVar
from urllib.parse import unquote, urlsplit

from permapress import jsonsafe
from permapress.articles.fetch import Fetched, Limits
from permapress.articles.media import import_root, inside_root
from permapress.articles.model import Article, Media
from permapress.articles.slug import FALLBACK, slugify
from permapress.articles.taxonomy import Taxonomy
from permapress.articles.warc import SOURCE_WARC, Exchange, legacy_warc, page_warc
from permapress.errors import ArticleError

SOURCE_HTML: Final = "source.html"
SOURCE_JSON: Final = "source.json"
PROVENANCE_NAMES: Final = frozenset({SOURCE_WARC, SOURCE_HTML, SOURCE_JSON})


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """Choices the import command passes to the readers."""

    fetch: bool = False  # feeds: fetch and extract each entry's linked page
    drafts: bool = False  # WXR: also drafts (and pending/future posts), imported as drafts
    private: bool = False  # WXR: also private posts
    pages: bool = False  # WXR: also pages, not only posts
    language: str = "en"  # when the source does not say
    categories: tuple[tuple[str, str], ...] = ()  # the newsroom's [categories] name -> topic
    limits: Limits = field(default_factory=Limits)
    media: bool = True  # download the remote images articles show ([media] in permapress.toml)
    now: datetime | None = None  # the import's time: the date of last resort (None: the clock)
    force: bool = False  # record a changed source even over a later correction

    def clock(self) -> datetime:
        """The time of this import (``now``, else the current time), whole seconds, UTC."""
        return (self.now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class Failed:
    """One entry that could not become an article; ``error`` is one line."""

    source: str
    error: str


@dataclass(frozen=True, slots=True)
class Note:
    """Something worth telling about a source that is not a failure."""

    source: str
    message: str


Item = Article | Failed | Note
T = TypeVar("T")


def articles_of(items: Iterable[Item]) -> list[Article]:
    """The articles of a whole-file read: the first failed item raises, notes are dropped."""
    articles: list[Article] = []
    for item in items:
        if isinstance(item, Failed):
            raise ArticleError(item.error)
        if isinstance(item, Article):
            articles.append(item)
    return articles


MAX_MEDIA_BYTES: Final = 50 * 1024 * 1024


def load_json(data: bytes, source: str) -> object:
    """A JSON document (UTF-8, with or without BOM); ArticleError naming the source if not."""
    try:
        return jsonsafe.loads(data.decode("utf-8-sig"))
    except jsonsafe.TooDeep:
        raise ArticleError("is JSON nested too deeply to read", source) from None
    except ValueError as exc:  # bad UTF-8 too
        raise ArticleError(f"is not valid JSON ({exc})", source) from None


def load_media(folder: Path, ref: str, name: str, media_type: str, source: str) -> Media:
    """The file ``ref`` (relative to ``folder``, never outside it) as ``Media``."""
    relative = unquote(ref.split("?", 1)[0].split("#", 1)[0])
    path = (folder / relative).resolve()
    root = folder.resolve()
    outside = not inside_root(path, import_root() or folder)
    if "://" in ref or ref.startswith("/") or not path.is_relative_to(root) or outside:
        raise ArticleError(f"media {ref!r} must be a path inside {folder}", source)
    try:
        size = path.stat().st_size
        if size > MAX_MEDIA_BYTES:
            raise ArticleError(f"media {ref!r} is over {MAX_MEDIA_BYTES >> 20} MiB", source)
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ArticleError(f"media {ref!r} cannot be read ({reason})", source) from None
    return Media(name, data, media_type)


def provenance_media(
    data: bytes,
    *,
    retrieved: datetime,
    encoding: str,
    fetched: Fetched | None = None,
    requested: str | None = None,
    file_name: str | None = None,
) -> Media:
    """``source.warc.gz``: the page as received, with the HTTP exchange when it was fetched."""
    if fetched is None:
        return page_warc(data, retrieved=retrieved, encoding=encoding, file_name=file_name)
    exchange = Exchange(
        url=fetched.final_url,
        status=fetched.status,
        reason=fetched.reason,
        headers=fetched.headers,
        request_headers=fetched.request_headers,
    )
    return page_warc(data, retrieved=retrieved, encoding=encoding, exchange=exchange,
                     requested=requested or fetched.url)  # fmt: skip


def migrate_provenance(media: tuple[Media, ...]) -> tuple[Media, ...]:
    """``media`` with an older ``source.html`` + ``source.json`` pair replaced by the WARC (in
    the place of ``source.html``); unchanged when there is no such pair or it cannot be read."""
    by_name = {m.name: m for m in media}
    html, meta = by_name.get(SOURCE_HTML), by_name.get(SOURCE_JSON)
    if html is None or meta is None or SOURCE_WARC in by_name:
        return media
    warc = legacy_warc(html.data, meta.data)
    if warc is None:
        return media
    return tuple(warc if m.name == SOURCE_HTML else m for m in media if m.name != SOURCE_JSON)


def without_provenance(article: Article) -> Article:
    """``article`` without its kept original page (for comparing fetches)."""
    kept = tuple(m for m in article.media if m.name not in PROVENANCE_NAMES)
    return article if len(kept) == len(article.media) else replace(article, media=kept)


def outside_root(item: T, root: Path) -> T | Failed:
    """``item`` (a path a folder walk found) as it is, or a ``Failed`` naming it when it is, or
    lies under, a symlink that leads out of ``root``: its text is not the folder's to publish."""
    if not isinstance(item, Path) or inside_root(item, root):
        return item
    try:
        real = str(item.resolve())
    except (OSError, RuntimeError):
        real = "a loop"
    reason = f"is a symlink to {real}, outside the folder being imported ({root}); not read"
    return Failed(str(item), f"{item}: {reason} (copy the file into the folder)")


def entry_slug(headline: str, link: str | None, key: str) -> str:
    """slugify(headline), else the link's last path segment, else the headline transliterated
    (``headline_slug``), else "entry-<hash>"."""
    slug = slugify(headline)
    if slug == FALLBACK and link:
        segment = unquote(urlsplit(link).path.rstrip("/").rsplit("/", 1)[-1])
        slug = slugify(re.sub(r"\.(?:s?html?|php)$", "", segment))
    if slug == FALLBACK or slug.isdigit():
        slug = slugify(headline, transliterate=True)
    if slug == FALLBACK or slug.isdigit():
        slug = f"entry-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:10]}"
    return slug


def split_terms(terms: list[str], taxonomy: Taxonomy) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(categories, tags): terms that are Media Topics, else the first term; the rest tags."""
    known = [t for t in terms if taxonomy.topic(t) is not None]
    categories = known or terms[:1]
    return tuple(categories), tuple(t for t in terms if t not in categories)
