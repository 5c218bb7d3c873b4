"""Where every file of the site lives, and how a page links back to the site root.

Paths are relative to the site root, with "/" and no leading slash; a folder ends with "/".

    article_folder(slug)          articles/<slug>/         the article's folder
    article_page(slug)            articles/<slug>/index.html
    current_car(slug)             <slug>.car                the current bundle's CAR (in the folder)
    version_car(slug, n)          <slug>-v<n>.car           version n's CAR (in the folder)
    version_folder(slug, n)       articles/<slug>/v/<n>     version n's bundle, linked as it is
    version_page(n)               v/<n>/index.html          its page, from the article's folder
    history_folder(slug)          articles/<slug>/history/  every version, and what changed
    diff_page(slug, n)            articles/<slug>/history/<n>/index.html
    records_folder(slug)          articles/<slug>/records/  a purged article's signed records
    category_folder(slug)         categories/<slug>/
    archive_month(year, month)    archive/<yyyy>/<mm>/
    month_sitemap(year, month)    sitemaps/<yyyy>-<mm>.xml
    feed_paths(base)              the Atom, RSS and JSON feeds of a listing at ``base``
    listing_path(base, page)      page 1 is <base>index.html, page n is <base>page/<n>/index.html
    relative_root(path)           "../" once per folder ``path`` is in: "a/b/index.html" -> "../../"

Links between pages are relative and name the file (``render.py`` says why); a page finds the
site root with ``relative_root`` of its own path, never with a depth written out.
"""

from __future__ import annotations

ARTICLES = "articles/"
HOME = ""
ARCHIVE_INDEX = "archive/index.html"
NOT_FOUND = "404.html"
SEARCH_PAGE = "search/index.html"
HISTORY = "history/"
VERSIONS = "v/"  # inside an article's folder: every version's bundle, by number
RECORDS = "records/"  # inside a purged article's folder: its signed records
VERIFY_PAGE = "verify/index.html"
ROBOTS = "robots.txt"
SITE_CSS = "assets/site.css"
SITEMAP_INDEX = "sitemap.xml"
PAGES_SITEMAP = "sitemaps/pages.xml"
NEWS_SITEMAP = "news-sitemap.xml"
INDEX = "index.html"
# The feeds of a listing, by kind, as names inside the listing's folder.
FEED_NAMES = {"atom": "feed.xml", "rss": "rss.xml", "json": "feed.json"}


def relative_root(path: str) -> str:
    """The prefix from the file at ``path`` back to the site root: "a/b/index.html" -> "../../"."""
    return "../" * path.count("/")


def article_folder(slug: str) -> str:
    return f"{ARTICLES}{slug}/"


def article_page(slug: str) -> str:
    return article_folder(slug) + INDEX


def current_car(slug: str) -> str:
    """The name of the current version's CAR inside the article's folder."""
    return f"{slug}.car"


def version_car(slug: str, number: int) -> str:
    """The name of version ``number``'s CAR inside the article's folder."""
    return f"{slug}-v{number}.car"


def version_name(number: int) -> str:
    """Where version ``number``'s bundle is inside the article's folder (no trailing "/")."""
    return f"{VERSIONS}{number}"


def version_page(number: int) -> str:
    """Version ``number``'s own index.html, from the article's folder."""
    return f"{version_name(number)}/{INDEX}"


def version_folder(slug: str, number: int) -> str:
    return article_folder(slug) + version_name(number)


def history_folder(slug: str) -> str:
    return article_folder(slug) + HISTORY


def history_page(slug: str) -> str:
    return history_folder(slug) + INDEX


def diff_page(slug: str, number: int) -> str:
    return f"{history_folder(slug)}{number}/{INDEX}"


def records_folder(slug: str) -> str:
    return article_folder(slug) + RECORDS


def category_folder(slug: str) -> str:
    return f"categories/{slug}/"


def category_page(slug: str) -> str:
    return category_folder(slug) + INDEX


def author_folder(slug: str) -> str:
    """An author's page and feeds ([authors.<slug>] in permapress.toml)."""
    return f"authors/{slug}/"


def author_page(slug: str) -> str:
    return author_folder(slug) + INDEX


def archive_month(year: int, month: int) -> str:
    return f"archive/{year:04d}/{month:02d}/"


def month_sitemap(year: int, month: int) -> str:
    return f"sitemaps/{year:04d}-{month:02d}.xml"


def feed_paths(base: str) -> dict[str, str]:
    """The feeds of the listing at ``base`` ("" or "categories/x/"), by kind."""
    return {kind: base + name for kind, name in FEED_NAMES.items()}


def listing_path(base: str, page: int) -> str:
    """Where page ``page`` of the listing rooted at ``base`` ("", "categories/x/") lives."""
    return f"{base}{INDEX}" if page <= 1 else f"{base}page/{page}/{INDEX}"
