"""Export the newsroom's articles (the latest version of each) as ninjs, JSON Feed or Markdown.

    newsroom_articles(newsroom, *, drafts=False) -> Iterator[Article]
    export_newsroom(newsroom, fmt, out, *, drafts=False) -> int     articles written

Retracted and purged articles are never exported; drafts only with ``drafts=True`` (without it,
a published article whose newest version is a draft is exported as last published). The files
and their layout are ``articles.export``'s; the folder is written atomically.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from permapress.articles.export import export_files, write_export
from permapress.articles.model import Article
from permapress.articles.taxonomy import Taxonomy
from permapress.newsroom.home import Newsroom
from permapress.newsroom.published import is_draft
from permapress.newsroom.record import load_article


def newsroom_articles(newsroom: Newsroom, *, drafts: bool = False) -> Iterator[Article]:
    """The current version of every exportable article, with its media bytes, by slug."""
    for row in sorted(newsroom.catalog.articles(), key=lambda r: r.slug):
        if row.status == "retracted" or getattr(row, "purged", False):
            continue
        if row.status == "draft" and not drafts:
            continue
        rows = newsroom.catalog.versions(row.slug)
        if not drafts:  # the version readers see: a later draft stays in the newsroom
            rows = [version for version in rows if not is_draft(version)]
        if rows:
            yield load_article(newsroom, rows[-1], with_media=True)


def export_newsroom(newsroom: Newsroom, fmt: str, out: Path, *, drafts: bool = False) -> int:
    """Write the export folder ``out``; return how many articles it holds."""
    articles = list(newsroom_articles(newsroom, drafts=drafts))
    config = newsroom.config
    files = export_files(articles, fmt, site_name=config.name, language=config.language,
                         taxonomy=Taxonomy(config.category_topics))  # fmt: skip
    write_export(files, out)
    return len(articles)
