"""Read-only views of the catalog for ``list`` and ``show``."""

from __future__ import annotations

from typing import Any

from permapress.catalog import VersionRow
from permapress.catalog.meta import article_from_meta
from permapress.catalog.published import is_draft
from permapress.errors import CatalogError
from permapress.handle import Newsroom


def _versions(rows: list[VersionRow]) -> list[dict[str, Any]]:
    return [
        {
            "number": r.number,
            "bundle_cid": r.bundle_cid,
            "time": r.effective,
            "note": r.note,
            "recorded": r.recorded,
            "draft": is_draft(r),
        }
        for r in rows
    ]


def describe(newsroom: Newsroom, slug: str, status: str) -> dict[str, Any]:
    rows = newsroom.catalog.versions(slug)
    current = rows[-1]
    article = article_from_meta(current.meta)
    return {
        "slug": slug,
        "headline": article.headline,
        "published": article.published.isoformat(),
        "modified": article.modified.isoformat() if article.modified else None,
        "authors": list(article.authors),
        "categories": list(article.categories),
        "tags": list(article.tags),
        "summary": article.summary,
        "language": article.language,
        "type": article.genre or "news",  # the type of work; "page": the newsroom's own
        "status": status,
        "bundle_cid": current.bundle_cid,
        "ipfs_url": f"ipfs://{current.bundle_cid}",
        "media": [m.name for m in article.media],
        "versions": _versions(rows),
        "body": article.body,
    }


def list_articles(
    newsroom: Newsroom, *, category: str | None, drafts: bool
) -> list[dict[str, Any]]:
    out = []
    for row in newsroom.catalog.articles():
        if row.status == "retracted" or (row.status == "draft" and not drafts):
            continue
        data = describe(newsroom, row.slug, row.status)
        if category is not None and category.casefold() not in {
            c.casefold() for c in data["categories"]
        }:
            continue
        del data["body"]
        out.append(data)
    out.sort(key=lambda d: (d["published"], d["slug"]), reverse=True)
    return out


def show_article(newsroom: Newsroom, slug: str) -> dict[str, Any]:
    row = newsroom.catalog.article(slug)
    if row is None:
        raise CatalogError(f"no article with slug {slug!r}; `permapress list` shows the slugs")
    return describe(newsroom, slug, row.status)
