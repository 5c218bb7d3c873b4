"""The site build's page cache (``site/pagecache.py``): its own tables in catalog.sqlite."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from permapress.catalog import Catalog
from permapress.site.pagecache import CachedPage, PageCache


def test_rows_are_stored_replaced_and_forgotten(tmp_path: Path) -> None:
    with Catalog.open(tmp_path / "c.sqlite", create=True) as catalog:
        cache = PageCache(catalog)
        cache.create()
        cache.store([("index.html", CachedPage("f1", "bafk1", 5, 5))])
        cache.store([("index.html", CachedPage("f2", "bafk2", 6, 6))])
        assert cache.pages() == {"index.html": CachedPage("f2", "bafk2", 6, 6)}
        assert cache.page("index.html") == CachedPage("f2", "bafk2", 6, 6)
        cache.forget(["index.html"])
        assert cache.pages() == {}
        assert cache.page("index.html") is None


def test_article_folders_can_be_left_for_later(tmp_path: Path) -> None:
    pages = {
        "index.html": CachedPage("a", "bafk1", 1, 1),
        "articles/x/": CachedPage("b", "bafy2", 2, 3),
        "articles/x/index.html": CachedPage("c", "bafk3", 3, 3),
        "articles/x/v/1": CachedPage("d", "bafy4", 4, 0),
        "articles/xy/index.html": CachedPage("e", "bafk5", 5, 5),
    }
    with Catalog.open(tmp_path / "c.sqlite", create=True) as catalog:
        cache = PageCache(catalog)
        cache.create()
        cache.store(list(pages.items()))
        outside = cache.pages(inside_articles=False)
        assert sorted(outside) == ["articles/x/", "index.html"]
        assert cache.under("articles/x/") == {
            "articles/x/index.html": pages["articles/x/index.html"],
            "articles/x/v/1": pages["articles/x/v/1"],
        }
        assert cache.pages() == pages


def test_the_state_counts_while_the_cache_holds_its_checksum(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with Catalog.open(path, create=True) as catalog:
        cache = PageCache(catalog)
        cache.create()
        assert cache.state() is None
        with catalog.transaction():
            cache.save_state('{"version": 1}')
        assert cache.state() == '{"version": 1}'
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM page_cache")
    with Catalog.open(path) as catalog:
        assert PageCache(catalog).state() is None


def test_a_catalog_never_built_has_an_empty_cache(tmp_path: Path) -> None:
    """The catalog does not make the site's tables: a reader before any build finds nothing."""
    path = tmp_path / "c.sqlite"
    Catalog.open(path, create=True).close()
    with Catalog.open(path, readonly=True) as catalog:
        cache = PageCache(catalog)
        assert cache.pages() == {}
        assert cache.page("index.html") is None
        assert cache.under("articles/x/") == {}
        assert cache.state() is None
