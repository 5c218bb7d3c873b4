"""Record articles in the catalog: each new or changed article becomes a version with a bundle.

``record_article`` decides whether an incoming article is new, a new version of one we hold
(matched by its source, else by its slug), or unchanged; renders and stores the bundle; and adds
the version in one transaction. Blocks are written before the catalog row, so a crash leaves at
most unreferenced blocks, never a version without its bundle.

``article_meta`` / ``article_from_meta`` turn an Article into the catalog's JSON and back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

from permapress.articles.document import to_markdown
from permapress.articles.model import Article, Media, content_key, validate
from permapress.articles.taxonomy import Taxonomy
from permapress.catalog import MediaRow, VersionRow
from permapress.ipfs.importer import import_bytes
from permapress.ipfs.profiles import get_profile
from permapress.newsroom.home import Newsroom
from permapress.site.bundle import build_bundle

Status = Literal["imported", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class Recorded:
    slug: str
    status: Status
    version: int
    bundle_cid: str


def article_meta(article: Article) -> str:
    """Everything about an article except its media bytes, as canonical JSON."""
    data: dict[str, Any] = {
        "headline": article.headline,
        "slug": article.slug,
        "published": article.published.isoformat(),
        "modified": article.modified.isoformat() if article.modified else None,
        "authors": list(article.authors),
        "categories": list(article.categories),
        "tags": list(article.tags),
        "summary": article.summary,
        "language": article.language,
        "body": article.body,
        "media": [[m.name, m.media_type] for m in article.media],
        "image": article.image,
        "draft": article.draft,
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def article_from_meta(meta: str, media_data: dict[str, bytes] | None = None) -> Article:
    """Rebuild an Article; media bytes come from ``media_data`` (empty when not needed)."""
    data = json.loads(meta)
    media_data = media_data or {}
    return Article(
        headline=data["headline"],
        slug=data["slug"],
        published=datetime.fromisoformat(data["published"]),
        modified=datetime.fromisoformat(data["modified"]) if data["modified"] else None,
        authors=tuple(data["authors"]),
        categories=tuple(data["categories"]),
        tags=tuple(data["tags"]),
        summary=data["summary"],
        language=data["language"],
        body=data["body"],
        media=tuple(Media(name, media_data.get(name, b""), kind) for name, kind in data["media"]),
        image=data["image"],
        draft=bool(data["draft"]),
    )


def load_article(newsroom: Newsroom, version: VersionRow, *, with_media: bool = False) -> Article:
    """The article of a catalog version, with its media bytes when asked."""
    media: dict[str, bytes] = {}
    if with_media:
        from permapress.ipfs.cid import CID
        from permapress.ipfs.reader import read_file

        for row in newsroom.catalog.media(version.slug, version.number):
            media[row.name] = b"".join(read_file(CID.parse(row.cid), newsroom.blocks.get))
    return article_from_meta(version.meta, media)


def _free_slug(newsroom: Newsroom, slug: str) -> str:
    candidate, n = slug, 2
    while newsroom.catalog.article(candidate) is not None:
        candidate = f"{slug}-{n}"
        n += 1
    return candidate


def record_article(
    newsroom: Newsroom,
    article: Article,
    *,
    now: datetime,
    note: str | None = None,
    taxonomy: Taxonomy | None = None,
) -> Recorded:
    """Store ``article`` as a new article or a new version; see the module docstring."""
    article = validate(article)
    catalog = newsroom.catalog
    key = content_key(article)
    existing = catalog.article_by_source(article.source) if article.source else None
    if existing is None:
        same_slug = catalog.article(article.slug)
        if same_slug is not None and (same_slug.source is None or article.source is None):
            existing = same_slug
    slug = existing.slug if existing else _free_slug(newsroom, article.slug)
    previous = catalog.latest(slug) if existing else None
    if previous is not None and previous.content_key == key:
        return Recorded(slug, "unchanged", previous.number, previous.bundle_cid)

    number = previous.number + 1 if previous else 1
    if slug != article.slug:
        article = replace(article, slug=slug)
    if previous is not None:
        before = datetime.fromisoformat(previous.effective)
        if article.modified is None or article.modified <= before:
            article = replace(article, modified=now.replace(microsecond=0))
        if note is None:
            note = "Text changed since the previous version."
    taxonomy = taxonomy or Taxonomy(newsroom.config.category_topics)
    profile = get_profile(newsroom.config.profile)
    blocks = newsroom.blocks
    bundle = build_bundle(
        article,
        version=number,
        site_name=newsroom.config.name,
        taxonomy=taxonomy,
        profile=profile,
        sink=blocks.put,
    )
    media_rows = []
    for m in article.media:
        node = import_bytes(m.data, profile, blocks.put)
        media_rows.append(MediaRow(m.name, m.media_type, str(node.cid), len(m.data)))
    effective = article.modified or article.published
    row = VersionRow(
        slug=slug,
        number=number,
        content_key=key,
        bundle_cid=str(bundle.cid),
        bundle_size=bundle.tsize,
        published=article.published.isoformat(),
        effective=effective.isoformat(),
        recorded=now.astimezone(UTC).isoformat(timespec="seconds"),
        note=note or "",
        document=to_markdown(article),
        meta=article_meta(article),
    )
    status_value = "draft" if article.draft else "published"
    with catalog.transaction():
        if existing is None:
            catalog.add_article(slug, article.source, status_value, row.recorded)
        else:
            catalog.set_status(slug, status_value if existing.status != "retracted" else "retracted")
            if article.source and existing.source is None:
                catalog.set_source(slug, article.source)
        catalog.add_version(row, media_rows, (article.headline, article.summary, article.body))
    return Recorded(slug, "updated" if previous else "imported", number, row.bundle_cid)
