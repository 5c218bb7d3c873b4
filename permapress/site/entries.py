"""Reading the articles a build shows from the catalog: as skeletons, light or whole.

    on_site(catalog, drafts, pages=…, skeleton=…)  every article on the site: its public versions
    entries(rows_by_slug, skeleton=False)          ArticleEntry values, newest first
    FullArticles(catalog, skeleton)                entries read again whole (without bodies)
                                                   when a page that shows them renders
    with_bodies(catalog, entries)                  entries with their articles and bodies read
    shown_row(catalog, slug, n)                    version n of an article, in full
    listing_key(entry)                             what a listing shows of an article

A build reads the catalog once, in the lightest form its pages need: skeletons (slug, dates,
categories: ``versions.skeleton``), on a first build too. A page that renders reads more, in
the building process (worker processes never use its catalog connection): ``FullArticles`` for
listings, ``with_bodies`` for feeds; an article folder's job reads its versions (``folders.py``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from permapress.articles.model import Article
from permapress.catalog import Catalog, VersionRow
from permapress.catalog.meta import article_from_meta
from permapress.catalog.published import public_by_slug
from permapress.site.views import ArticleEntry, VersionInfo

# Articles read again in one query (light rows, without bodies), and how many read articles are
# kept for the next listing page that shows them: a listing renders when it is planned, so none
# has to keep them all (at 100,000 articles that was over 300 MiB), and the build plans the pages
# of all its listings newest first, so the pages that show an article come close together.
READ_BATCH = 1000
KEEP = 5000


def on_site(
    catalog: Catalog, drafts: set[tuple[str, int]], *, pages: bool, skeleton: bool
) -> dict[str, list[VersionRow]]:
    """The public versions of every article on the site: the published ones, and those whose
    newest version is a draft while an earlier one was published (catalogs written before
    such an article kept its "published" status)."""
    read = partial(catalog.all_versions, pages=pages, skeleton=skeleton)
    shown = public_by_slug(read("published"), drafts)
    if drafts:
        shown.update(public_by_slug(read("draft"), drafts))
    return shown


def skeleton_article(meta: str) -> Article:
    """Just enough of an article to sort, group and fingerprint it (``all_versions(skeleton)``)."""
    data = json.loads(meta)
    return Article(
        headline="",
        slug=data["slug"],
        published=datetime.fromisoformat(data["published"]),
        modified=datetime.fromisoformat(data["modified"]) if data["modified"] else None,
        authors=tuple(data.get("authors") or ()),
        categories=tuple(data["categories"]),
        tags=(),
        summary="",
        language="",
        body="",
        genre=data.get("genre") or "",
    )


def entries(versions: dict[str, list[VersionRow]], skeleton: bool = False) -> list[ArticleEntry]:
    """One entry per article (its versions oldest first, the last one shown), newest first."""
    made = []
    for rows in versions.values():
        current = rows[-1]
        article = skeleton_article(current.meta) if skeleton else article_from_meta(current.meta)
        infos = tuple(
            VersionInfo(
                number=row.number,
                bundle_cid=row.bundle_cid,
                created=datetime.fromisoformat(row.effective),
                note=row.note,
            )
            for row in rows
        )
        made.append(
            ArticleEntry(
                article=article,
                bundle_cid=current.bundle_cid,
                versions=infos,
                body_html=current.body_html,
            )
        )
    made.sort(key=lambda e: (e.article.published, e.article.slug), reverse=True)
    return made


def numbered(rows: list[VersionRow], number: int) -> VersionRow | None:
    return next((row for row in reversed(rows) if row.number == number), None)


def shown_row(catalog: Catalog, slug: str, number: int) -> VersionRow:
    """Version ``number`` of ``slug`` in full: the version the site shows (usually the latest;
    an earlier one when the newer ones are drafts)."""
    latest = catalog.latest(slug)
    if latest is not None and latest.number == number:
        return latest
    row = numbered(catalog.versions(slug), number)
    assert row is not None, (slug, number)
    return row


class FullArticles:
    """Whole articles (without bodies) for entries read as skeletons, read in this process when
    a page that shows them is rendered, ``READ_BATCH`` at a time; the few thousand shown last
    are kept for the next page that shows them."""

    def __init__(self, catalog: Catalog, skeleton: bool) -> None:
        self.catalog = catalog
        self.skeleton = skeleton
        self.known: dict[str, Article] = {}

    def __call__(self, listed: list[ArticleEntry]) -> list[ArticleEntry]:
        if not self.skeleton:
            return listed
        wanted = {e.article.slug: e.version_number for e in listed}
        missing = []
        for slug in wanted:  # those kept move to the end: the last to go
            if slug in self.known:
                self.known[slug] = self.known.pop(slug)
            else:
                missing.append(slug)
        if len(self.known) + len(missing) > KEEP:
            # the build asks newest first across its listings: the articles shown longest ago
            # are those the next pages are least likely to show
            known = self.known
            kept = [*list(known)[-(KEEP // 2) :], *(slug for slug in wanted if slug in known)]
            self.known = {slug: known[slug] for slug in kept}
        for start in range(0, len(missing), READ_BATCH):
            batch = missing[start : start + READ_BATCH]
            read = self.catalog.all_versions("published", light=True, slugs=batch)
            for slug, rows in read.items():
                row = numbered(rows, wanted[slug])
                if row is not None:
                    self.known[slug] = article_from_meta(row.meta)
        for slug in missing:
            if slug not in self.known:
                row = shown_row(self.catalog, slug, wanted[slug])
                self.known[slug] = article_from_meta(row.meta)
        return [replace(e, article=self.known[e.article.slug]) for e in listed]


def as_they_are(listed: list[ArticleEntry]) -> list[ArticleEntry]:
    """For entries that are whole already (the quick path reads them light)."""
    return listed


def with_bodies(catalog: Catalog, listed: list[ArticleEntry]) -> list[ArticleEntry]:
    """The entries with their articles read in full (the build reads them light)."""
    full = []
    for entry in listed:
        row = shown_row(catalog, entry.article.slug, entry.version_number)
        full.append(replace(entry, article=article_from_meta(row.meta), body_html=row.body_html))
    return full


def listing_key(entry: ArticleEntry) -> list[Any]:
    """What a listing shows of an article: enough to notice any change of it."""
    return [entry.article.slug, [(v.number, v.bundle_cid, v.note) for v in entry.versions]]
