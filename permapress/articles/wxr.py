"""Reader for WordPress export files (WXR 1.0, 1.1, 1.2), streamed in bounded memory.

    FORMAT = "wxr"
    sniff(path, head) -> bool                 an RSS file with the wordpress.org/export namespace
    iter_items(path, *, tz=UTC, options=None) -> Iterator[Article | Failed | Note]
    read(path, *, tz=UTC, text=None, options=None) -> [Article]

The file is read twice with lxml's ``iterparse`` (each element cleared once used, so memory
does not grow with the file): first, strictly, the channel, the authors (login -> display
name), the attachments (id -> URL) and the UTC offset of every post that gives both its local
and its GMT date; then the items. The first pass refuses (``ArticleError`` naming the file and
the reason) a file that is not well-formed XML, one without ``wp:wxr_version`` and one whose
version is not 1.0, 1.1 or 1.2 (``VERSIONS``): a damaged export must not look imported.
Namespaces are matched by what they stand for, not by version (``wordpress.org/export/1.0/``
… ``1.2/``). Bytes that are not valid in the declared encoding (WordPress
databases often mix windows-1252 into UTF-8) are read as windows-1252, and control characters
that XML forbids are dropped.

Which items become articles: ``post`` items with status ``publish``. With ``options.drafts``
also ``draft``, ``pending`` and ``future`` posts (imported as drafts); with ``options.private``
private and password-protected posts (imported as drafts: they were never public); with
``options.pages`` the same for ``page`` items. Everything else (attachments, menus, revisions,
trash) is skipped, and one ``Note`` at the end counts what was skipped and why.

Each article: title; ``wp:post_name`` as slug (percent-decoded, slugified; else the title's,
else "post-<id>"); ``wp:post_date_gmt`` as published, else ``wp:post_date`` in the site's
zone (a WXR file does not state it: the offset of the post nearest in time that gives both
dates, else ``tz``, the newsroom's), else the item's pubDate, else the export's (channel
pubDate), else ``options.now``; ``wp:post_modified_gmt`` when later; ``dc:creator``
mapped to the author's display name; categories (without WordPress's "Uncategorized") and
tags (``post_tag``); the excerpt as summary; the channel's ``<language>``; the featured image
(``_thumbnail_id``) as lead image when its URL is http(s). The body is ``content:encoded`` through
``wpbody.wp_html`` (autop, captions, galleries, embeds) and ``htmltomd`` (sanitised
Markdown); images and links stay as URLs, made absolute against the site URL. ``source`` is
"<site URL>#post-<id>", so importing a newer export of the same site updates the same articles.

Nothing published is lost: a post without a title takes its first sentence (else its slug, its
link, "Post <id>"), one without text its excerpt, else a link to it, else its title as text;
each inferred field is named in ``inferred`` and told in a ``Note`` (so is a date read in a
worked-out zone). URLs (attachments, links) are trimmed. Only a post with no title, no text and
no link becomes ``Failed``; the others still import.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote

from permapress.articles.dates import parse_datetime
from permapress.articles.htmlmeta import language_tag
from permapress.articles.htmltomd import html_to_markdown
from permapress.articles.infer import (
    headline_from_link,
    headline_from_text,
    link_only_body,
    trimmed_url,
    when,
)
from permapress.articles.items import Failed, Item, Note, ReadOptions, entry_slug
from permapress.articles.markup import summarize
from permapress.articles.model import Article, is_image_url, one_line, validate
from permapress.articles.slug import FALLBACK, slugify
from permapress.articles.textfile import head_text
from permapress.articles.wpbody import wp_html
from permapress.articles.wxrxml import element_name, elements, item_fields
from permapress.errors import ArticleError, PermapressError

FORMAT: Final = "wxr"
VERSIONS: Final = ("1.0", "1.1", "1.2")
EXTENSIONS: Final = (".wxr",)
_NO_DATE: Final = "0000-00-00 00:00:00"
_SKIP_CATEGORIES: Final = frozenset({"uncategorized", "uncategorised", "non classé",
                                     "sin categoría", "allgemein"})  # fmt: skip


def sniff(path: Path, head: bytes) -> bool:
    """True for an RSS document that uses a wordpress.org/export namespace."""
    text = head_text(head).lower()
    return "<rss" in text and ("wordpress.org/export/" in text or "<wp:wxr_version" in text)



@dataclass(frozen=True, slots=True)
class _Export:
    """What the first pass learns about the whole export."""

    channel: dict[str, str]
    authors: dict[str, str]  # login -> display name
    attachments: dict[str, str]  # attachment id -> URL
    offsets: tuple[tuple[datetime, timedelta], ...]  # (post_date, post_date - post_date_gmt)

    def offset_near(self, local: datetime) -> timedelta | None:
        """The site's UTC offset at the post nearest in time to ``local`` (None: no post says)."""
        if not self.offsets:
            return None
        return min(self.offsets, key=lambda pair: abs(pair[0] - local))[1]


def _channel(path: Path) -> _Export:
    """The channel, authors, attachments and known UTC offsets; refuses a file that is not a
    well-formed WordPress export of a known WXR version."""
    channel: dict[str, str] = {}
    authors: dict[str, str] = {}
    attachments: dict[str, str] = {}
    offsets: list[tuple[datetime, timedelta]] = []
    wanted = ("item", "author", "link", "language", "base_site_url", "base_blog_url", "title",
              "wxr_version", "pubDate")  # fmt: skip
    for element in elements(path, wanted, strict=True):
        name = element_name(element)
        parent = element_name(element.getparent())
        if name == "item":
            fields = item_fields(element)
            url = (fields.get("wp:attachment_url") or "").strip()
            if fields.get("wp:post_type", "").strip() == "attachment" and url:
                attachments[fields.get("wp:post_id", "").strip()] = url
            offset = _offset(fields)
            if offset is not None:
                offsets.append(offset)
        elif name == "wp:author":
            fields = item_fields(element)
            login = fields.get("wp:author_login", "").strip()
            display = _plain(fields.get("wp:author_display_name", "")) or login
            if login:
                authors[login] = display
        elif parent == "channel" and name in ("link", "language", "wp:base_site_url",
                                              "wp:base_blog_url", "title", "wp:wxr_version",
                                              "pubDate"):  # fmt: skip
            channel.setdefault(name, (element.text or "").strip())
    version = channel.get("wp:wxr_version")
    if version is None:
        raise ArticleError("has no wp:wxr_version: it is not a WordPress export (WXR); export "
                           "it again from Tools > Export", str(path))  # fmt: skip
    if version not in VERSIONS:
        raise ArticleError(f"has WXR version {version!r}, which I do not know (I read "
                           f"{', '.join(VERSIONS)})", str(path))  # fmt: skip
    return _Export(channel, authors, attachments, tuple(offsets))


def _offset(fields: dict[str, Any]) -> tuple[datetime, timedelta] | None:
    """(post_date, its UTC offset) of a post that gives both dates, to the quarter hour."""
    local = _naive(fields.get("wp:post_date"))
    gmt = _naive(fields.get("wp:post_date_gmt"))
    if local is None or gmt is None:
        return None
    quarters = round((local - gmt) / timedelta(minutes=15))
    if abs(quarters) > 14 * 4:
        return None
    return local, timedelta(minutes=15 * quarters)


def _naive(value: object) -> datetime | None:
    text = value.strip() if isinstance(value, str) else ""
    if not text or text.startswith("0000"):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def _plain(text: str) -> str:
    """WordPress stores titles and term names HTML-escaped ("Arts &amp; Culture")."""
    return one_line(html.unescape(text))


def _when(fields: dict[str, Any], key: str, tz: tzinfo, *, gmt: bool) -> datetime | None:
    raw = (fields.get(key) or "").strip()
    if not raw or raw.startswith("0000"):
        return None
    try:
        return parse_datetime(raw, UTC if gmt else tz, key)
    except ArticleError:
        return None


def _wanted(fields: dict[str, Any], options: ReadOptions) -> tuple[bool, bool, str]:
    """(import it?, as a draft?, why not)."""
    kind = fields.get("wp:post_type", "post").strip() or "post"
    status = fields.get("wp:status", "publish").strip() or "publish"
    if kind not in ("post", "page"):
        return False, False, f"{kind} items"
    if kind == "page" and not options.pages:
        return False, False, "pages (use --pages)"
    protected = bool(fields.get("wp:post_password", "").strip())
    if status == "private" or (status == "publish" and protected):
        return options.private, True, "private or password-protected posts (use --private)"
    if status == "publish":
        return True, False, ""
    if status in ("draft", "pending", "future"):
        return options.drafts, True, "drafts, pending and scheduled posts (use --drafts)"
    return False, False, f"{status} items"


def iter_items(
    path: Path, *, tz: tzinfo = UTC, options: ReadOptions | None = None
) -> Iterator[Item]:
    """One item per post (or page) of the export; see the module docstring."""
    options = options or ReadOptions()
    export = _channel(path)
    channel = export.channel
    site = (channel.get("wp:base_blog_url") or channel.get("link")
            or channel.get("wp:base_site_url") or str(path.resolve())).rstrip("/")  # fmt: skip
    language = language_tag(channel.get("language")) or options.language
    skipped: Counter[str] = Counter()
    for element in elements(path, ("item",)):
        fields = item_fields(element)
        post_id = fields.get("wp:post_id", "").strip()
        key = f"{site}#post-{post_id or fields.get('guid', '').strip()}"
        wanted, draft, why = _wanted(fields, options)
        if not wanted:
            skipped[why] += 1
            continue
        try:
            article, notes = _article(fields, key, site, draft, export, language, tz, options)
        except PermapressError as exc:
            yield Failed(key, " ".join(str(exc).split()))
            continue
        yield article
        yield from (Note(key, note) for note in notes)
    if skipped:
        counts = ", ".join(f"{n} {why}" for why, n in sorted(skipped.items()))
        yield Note(str(path), f"skipped {counts}")


def _published(
    fields: dict[str, Any], export: _Export, tz: tzinfo, options: ReadOptions
) -> tuple[datetime, str | None]:
    """(when the post was published, a note when it had to be inferred)."""
    gmt = _when(fields, "wp:post_date_gmt", tz, gmt=True)
    if gmt is not None:
        return gmt, None
    local = _naive(fields.get("wp:post_date"))
    if local is not None:
        offset = export.offset_near(local)
        if offset is not None:
            zone = timezone(offset)
            return local.replace(tzinfo=zone), (
                f"no GMT date: read wp:post_date in the site's time zone, UTC{_utc(offset)}, "
                "as its other posts give it")
        moment = local.replace(tzinfo=tz)
        return moment, (f"no GMT date and no other post giving the site's time zone: read "
                        f"wp:post_date in the newsroom's, UTC{_utc(moment.utcoffset())}")
    for key, what in (("pubDate", "the item's pubDate"), (None, "the export's date")):
        raw = fields.get(key) if key else export.channel.get("pubDate")
        if isinstance(raw, str) and raw.strip() and "-0001" not in raw:
            try:
                moment = parse_datetime(raw.strip(), UTC, key or "pubDate")
                return moment, f"no post date: used {what}"
            except ArticleError:
                pass
    now = options.clock()
    return now, f"no date at all: used the time of import, {when(now)}"


def _utc(offset: timedelta | None) -> str:
    minutes = int((offset or timedelta(0)) / timedelta(minutes=1))
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _article(
    fields: dict[str, Any],
    key: str,
    site: str,
    draft: bool,
    export: _Export,
    language: str,
    tz: tzinfo,
    options: ReadOptions,
) -> tuple[Article, list[str]]:
    notes: list[str] = []
    inferred: list[str] = []
    title = _plain(fields.get("title", ""))
    post_id = fields.get("wp:post_id", "").strip()
    published, date_note = _published(fields, export, tz, options)
    if date_note:
        notes.append(date_note)
        if not date_note.startswith("no GMT date: read"):
            inferred.append("published")
    modified = (_when(fields, "wp:post_modified_gmt", tz, gmt=True)
                or _when(fields, "wp:post_modified", tz, gmt=False))  # fmt: skip
    if modified is not None and modified <= published:
        modified = None
    attachments = export.attachments
    body = html_to_markdown(wp_html(fields.get("content:encoded", ""), attachments=attachments),
                            base_url=site + "/")  # fmt: skip
    excerpt = html_to_markdown(wp_html(fields.get("excerpt:encoded", "")))
    link = trimmed_url(fields.get("link"))
    guid = trimmed_url(fields.get("guid"))
    if link is None and guid and guid.startswith(("http://", "https://")):
        link = guid
    name = slugify(unquote(fields.get("wp:post_name", "").strip()))
    if not title:
        title, origin = headline_from_text(body or excerpt), "its first sentence"
        if not title and name != FALLBACK and not name.isdigit():
            title, origin = name.replace("-", " ").capitalize(), "its slug"
        if not title and link:
            title, origin = headline_from_link(link), "its link"
        if not title:
            title, origin = f"Post {post_id or '?'}", "its id"
        inferred.append("headline")
        notes.append(f"no title: used {origin}, {title!r}")
    if not body:
        if excerpt:
            body = excerpt
            notes.append("no text: used its excerpt")
        elif link:
            body = link_only_body(link)
            notes.append(f"no text: kept as a link to the original, {link}")
        elif "headline" not in inferred:
            body = html_to_markdown(f"<p>{html.escape(title)}</p>")
            notes.append("no text, excerpt or link: kept its title as its text")
        else:
            raise ArticleError(f"post {post_id or '?'} has no title, no text and no link: "
                               "nothing to keep")  # fmt: skip
        inferred.append("body")
    creator = (fields.get("dc:creator") or "").strip()
    categories = [_plain(text) for domain, text in fields["category"]
                  if domain == "category" and _plain(text)
                  and _plain(text).casefold() not in _SKIP_CATEGORIES]  # fmt: skip
    tags = [_plain(t) for d, t in fields["category"] if d in ("post_tag", "tag") and _plain(t)]
    thumbnail = attachments.get(fields["postmeta"].get("_thumbnail_id", "").strip(), "")
    slug = name if name != FALLBACK else entry_slug(title, link, key)
    if slug.startswith("entry-") and post_id.isdigit():
        slug = f"post-{post_id}"
    article = Article(
        headline=title,
        slug=slug,
        published=published,
        modified=modified,
        authors=(_plain(export.authors.get(creator, creator)),) if creator else (),
        categories=tuple(categories),
        tags=tuple(tags),
        summary=summarize(excerpt) if excerpt else summarize(body),
        language=language,
        body=body,
        image=thumbnail if is_image_url(thumbnail) else None,
        draft=draft,
        source=key,
        inferred=tuple(inferred),
    )
    return validate(article), notes


def read(
    path: Path, *, tz: tzinfo = UTC, text: str | None = None, options: ReadOptions | None = None
) -> list[Article]:
    """Every selected post of the export (a broken one raises; the importer streams instead)."""
    articles: list[Article] = []
    for item in iter_items(path, tz=tz, options=options):
        if isinstance(item, Failed):
            raise ArticleError(item.error, str(path))
        if isinstance(item, Article):
            articles.append(item)
    return articles
