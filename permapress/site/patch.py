"""The quick path of a site build: only what a few corrections changed, patched into the last site.

    quick_build(newsroom, built_at=…, started=…, theme=…) -> BuildResult | None

Every build leaves a ``State`` in the catalog (``state.py``): the root it made, the
publisher-log entry it saw last, and each article's place in the listings (slug, publication
date, categories, month), newest first. When the only log entries since then are corrections
("correct") of at most ``MAX_ARTICLES`` articles that keep their publication date and
categories, and nothing else the pages depend on changed (settings, key, the set of categories,
and the render version: the templates, the stylesheet and the code that renders,
``theme.render_version``), no article moved in any listing. Then the build knows which files
each correction touches without reading the other articles:

- the article's folder (page, history, every version and its CAR), made as in a full build;
- the listing pages that show it: its page of the front page and of each of its categories,
  and its month's archive page;
- the feeds it is among the newest of, the news sitemap when it is among the newest articles
  and its headline, language or date changed (the sitemap shows nothing else of it), its
  month's sitemap and the sitemap index;
- the publisher's log and key pages;
- ``search/``: the last index patched with the corrected articles' entries
  (``search_quick.py``: only the chunks holding the corrected words, the article's docs chunk
  and its text folder get new CIDs, and only those entries are read), else made again from
  every article's kept entry (``search_build.py``); the articles' shown versions are read as
  numbers and bundle CIDs, not as rows with their text.

The directories on the way are patched in their bytes (``ipfs.patch``): in a big flat folder
such as ``articles/`` only the changed article's link is written again.

Those files are made by the very page functions the full build uses (``pages.py``,
``folders.py``), with the same fingerprints, and ``ipfs.patch.patch_tree`` writes them into the
last root: only the directories on their way are written again, even inside the sharded
``articles/`` folder. In every other case (``None``) the ordinary build runs. Either way the
root is the same: the tests build each change both ways and compare.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial

from permapress import sitepaths as paths
from permapress.articles.taxonomy import Taxonomy
from permapress.catalog import Catalog, VersionRow
from permapress.catalog.meta import article_from_meta
from permapress.catalog.published import is_draft
from permapress.handle import Newsroom
from permapress.ipfs.batch import BlockBatch
from permapress.ipfs.cid import CID
from permapress.ipfs.patch import NotPatchable, patch_tree
from permapress.ipfs.profiles import get_profile
from permapress.site import (
    entries,
    feeds,
    folders,
    history,
    pages,
    search_build,
    search_quick,
    sitemaps,
    trustpages,
)
from permapress.site.pagecache import CachedPage, PageCache
from permapress.site.pagination import page_of
from permapress.site.plan import Plan, nodes
from permapress.site.state import (
    BuildResult,
    State,
    context,
    listed,
    log_seq,
    record_build,
    site_info,
    site_key,
)
from permapress.site.theme import PACKAGE_THEME, Theme, render_version
from permapress.site.views import ArticleEntry, SiteInfo
from permapress.trust.keys import fingerprint, load_public_key

MAX_ARTICLES = 20


@dataclass(frozen=True, slots=True)
class _Patch:
    """A quick build under way: the last build's state and what this one knows of the site."""

    newsroom: Newsroom
    state: State
    site: SiteInfo
    site_key: str
    version: str
    public_key: bytes
    built_at: str
    started: float


def _corrected(lines: list[str]) -> dict[str, int] | None:
    """The slugs the log lines correct, each with how many versions it gained (one log line
    each), or None when any line does something else."""
    slugs: dict[str, int] = {}
    for line in lines:
        entry = json.loads(line).get("entry", {})
        if entry.get("action") != "correct":
            return None
        slugs[entry["slug"]] = slugs.get(entry["slug"], 0) + 1
    return slugs


def _in_the_news(rows: list[VersionRow], gained: int) -> bool:
    """Did what the news sitemap says of the article (headline, language, publication date)
    change since the version the last build showed? ``rows``: its public versions, the last
    ``gained`` of them recorded since."""
    if gained >= len(rows):
        return True
    before, after = (article_from_meta(rows[i].meta) for i in (-1 - gained, -1))
    return (before.headline, before.language, before.published) != (
        after.headline, after.language, after.published
    )


def quick_build(
    newsroom: Newsroom, *, built_at: str, started: float, theme: Theme = PACKAGE_THEME
) -> BuildResult | None:
    """The build as a patch of the last one, or None when it must be built the ordinary way."""
    catalog = newsroom.catalog
    text = PageCache(catalog).state()
    state = State.loads(text) if text is not None else None
    if state is None:
        return None
    slugs = _corrected(catalog.log_since(state.log_seq))
    if slugs is None or len(slugs) > MAX_ARTICLES:
        return None
    config = newsroom.config
    if not newsroom.blocks.has(CID.parse(state.root)):
        return None
    public_key = load_public_key(config.keys_path)
    site = site_info(newsroom, state.sections, fingerprint(public_key), theme, state.newsroom_pages)
    key = site_key(site)
    version = render_version(theme)
    if context(config, key, state.category_slugs, version) != state.context:
        return None  # settings, key, categories, templates, stylesheet or code changed
    if set(state.author_order) != {a.slug for a in site.authors}:
        return None  # the last build did not keep the author pages' order
    position = {item[0]: index for index, item in enumerate(state.order)}
    changed: dict[str, list[VersionRow]] = {}
    for slug in slugs:
        rows = [row for row in catalog.versions(slug) if not is_draft(row)]
        article_row = catalog.article(slug)
        published = article_row is not None and article_row.status == "published"
        if slug not in position and rows and published and trustpages.page_kept(
            state.newsroom_pages, article_from_meta(rows[-1].meta)
        ):
            changed[slug] = rows  # a page of the newsroom's own: its folder alone changes
            continue
        if slug not in position or not rows or article_row is None:
            return None
        if article_row.status != "published":
            return None
        article = article_from_meta(rows[-1].meta)
        if listed(article) != state.order[position[slug]]:
            return None  # it moves in the listings: the ordinary build places everything
        before = article_from_meta(rows[-2].meta) if len(rows) > 1 else article
        if trustpages.authors_changed(site, before, article):
            return None  # it moves onto or off an author's page
        changed[slug] = rows
    under_way = _Patch(newsroom, state, site, key, version, public_key, built_at, started)
    try:
        return _patch(under_way, changed, slugs)
    except NotPatchable:
        return None


class _Listed:
    """The listed articles (without bodies) by slug, read from the catalog as they are asked for."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.known: dict[str, ArticleEntry] = {}

    def __call__(self, slugs: list[str]) -> list[ArticleEntry]:
        """The entries of ``slugs``, in the order given."""
        missing = [slug for slug in slugs if slug not in self.known]
        if missing:
            rows = self.catalog.all_versions("published", light=True, slugs=missing)
            if len(rows) < len(missing):  # an older catalog marks some of them "draft"
                rows.update(self.catalog.all_versions("draft", light=True, slugs=missing))
            shown = {}
            for slug, got in rows.items():
                kept = [row for row in got if not is_draft(row)]
                if kept:
                    shown[slug] = kept
            for entry in entries.entries(shown):
                self.known[entry.article.slug] = entry
        return [self.known[slug] for slug in slugs]


def _shown(
    catalog: Catalog, order: list[str], changed: dict[str, list[VersionRow]]
) -> dict[str, list[VersionRow]]:
    """The version each listed article shows, as ``search_build.place_search`` takes them: the
    ``changed`` articles' public rows as read, the others as light rows (number and bundle CID,
    no metadata) read without the articles' text. An article on the site with one version shows
    it; of one with more, the newest that is not a draft (``catalog.published``)."""
    numbers = catalog.version_numbers()
    several = [slug for slug in order if slug not in changed and len(numbers[slug]) > 1]
    drafts = catalog.draft_versions(several) if several else set()
    shown: dict[str, list[VersionRow]] = {}
    for slug in order:
        if slug in changed:
            shown[slug] = changed[slug]
            continue
        number, bundle = [item for item in numbers[slug] if (slug, item[0]) not in drafts][-1]
        shown[slug] = [VersionRow(slug, number, "", bundle, 0, "", "", "", "", "", "")]
    return shown


def _patch(
    under_way: _Patch, changed: dict[str, list[VersionRow]], gained: dict[str, int]
) -> BuildResult:
    """Patch the last root with the files ``changed`` touches."""
    newsroom, state, site = under_way.newsroom, under_way.state, under_way.site
    catalog, config, blocks = newsroom.catalog, newsroom.config, newsroom.blocks
    profile = get_profile(config.profile)
    batch = BlockBatch(blocks)  # the patch's blocks are stored together (one pack file)
    plan = Plan(profile, batch.put, {}, under_way.version, site=site,
                site_key=under_way.site_key, has=batch.has, has_many=batch.has_many)  # fmt: skip
    slugs_of = state.category_slugs
    taxonomy = Taxonomy(config.category_topics)
    order = [item[0] for item in state.order]
    listed_entries = _Listed(catalog)
    pagecache = PageCache(catalog)
    keep = entries.as_they_are
    bodies = partial(entries.with_bodies, catalog)
    per_page = config.per_page

    def listing(base: str, listing: pages.Listing, members: list[str], slug: str,
                feed_title: str, feeds_base: str | None) -> None:  # fmt: skip
        """The page of the listing at ``base`` that shows ``slug``, and its feeds when ``slug``
        is among their newest."""
        at = members.index(slug)
        chunk, number, count = page_of(members, at, per_page)
        plan.page(pages.listing_page(site, base, listing, listed_entries(chunk), number, count,
                                     category_slugs=slugs_of, full=keep,
                                     feeds_base=feeds_base))  # fmt: skip
        if at < feeds.FEED_SIZE:
            newest = listed_entries(members[: feeds.FEED_SIZE])
            for page in pages.feed_pages(site, base, newest, feed_title, bodies):
                plan.page(page)

    count_pages = state.pages
    lastmod = dict(state.lastmod)
    position = {slug: index for index, slug in enumerate(order)}
    for slug, rows in changed.items():
        page_only = slug not in position  # one of the newsroom's own pages (not listed)
        at = -1 if page_only else position[slug]
        placed = ("", "", (), 0, 0) if page_only else state.order[at]
        _slug, _published, categories, year, month = placed
        own = {name: slugs_of[name] for name in categories}
        key = folders.folder_key(under_way.version, under_way.site_key, own, rows)
        base = paths.article_folder(slug)
        before = pagecache.page(base)
        if before is not None and before.fingerprint == key:
            continue  # already built (the log line was a correction the last build saw)
        inner = pagecache.under(base)
        plan.cache.update(inner)
        folders.plan_folder(plan, folders.ArticleFolder(slug, rows, own, key, inner), blocks)
        count_pages -= before.size if before is not None else 0
        if page_only:
            continue

        listing(paths.HOME, pages.home(site), order, slug, site.name, None)
        for name in categories:
            members = [i[0] for i in state.order if name in i[2]]
            folder = paths.category_folder(slugs_of[name])
            listing(folder, pages.category(taxonomy, site, name), members, slug,
                    pages.category_feed_title(site, name), folder)  # fmt: skip
        for page in trustpages.patched_author_pages(
            site, state.author_order, slug, per_page=per_page, category_slugs=slugs_of,
            listed=listed_entries, bodies=bodies,
        ):  # fmt: skip
            plan.page(page)
        month_members = listed_entries([i[0] for i in state.order if (i[3], i[4]) == (year, month)])
        plan.page(pages.archive_month(site, year, month, month_members, slugs_of, keep))
        sitemap, lastmod[(year, month)] = pages.month_sitemap(site, year, month, month_members)
        plan.page(sitemap)
        if at < sitemaps.NEWS_LIMIT and _in_the_news(rows, gained[slug]):
            news = listed_entries(order[: sitemaps.NEWS_LIMIT])
            plan.page(pages.news_sitemap(site, news, keep))
    if not plan.jobs:
        return _finish(under_way, state.root, state.pages, [], lastmod)
    plan.page(pages.sitemap_index(site, lastmod))
    for page in history.publisher_pages(config.name, under_way.public_key, profile.name,
                                        catalog.log_head(), catalog.log_text):  # fmt: skip
        plan.page(page)
    shown = _shown(catalog, order, changed)
    now_shown = {slug: shown[slug][-1] for slug in order}
    if not search_quick.place_patched(plan, catalog, site, now_shown, changed, batch.get):
        # assembled from entries read a batch at a time, as a full build does: never every
        # kept entry in memory at once (at 100,000 articles that was most of a gigabyte)
        search_build.place_search(plan, catalog, site, order, shown, get=batch.get,
                                  stream=True)  # fmt: skip
    plan.flush()
    made = dict(nodes(plan.tree))
    count_pages += plan.pages - sum(1 for path in made if path.endswith(".html"))
    root = patch_tree(CID.parse(state.root), made, profile, batch.get, batch.put)
    batch.flush()  # every block of the site is stored before its root is recorded
    result = _finish(under_way, str(root.cid), count_pages, plan.fresh, lastmod)
    return replace(result, rendered=plan.rendered)


def _finish(
    under_way: _Patch,
    root: str,
    count_pages: int,
    fresh: list[tuple[str, CachedPage]],
    lastmod: dict[tuple[int, int], datetime],
) -> BuildResult:
    catalog, state = under_way.newsroom.catalog, under_way.state
    after = replace(state, log_seq=log_seq(catalog), root=root, pages=count_pages, lastmod=lastmod)
    record_build(catalog, after, fresh, [], under_way.built_at)
    seconds = time.perf_counter() - under_way.started
    return BuildResult(root, len(state.order), count_pages, 0, seconds, "patched")
