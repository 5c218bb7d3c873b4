"""Render the pages of an article's public record: its history, what changed in a version, and
the tombstone of a retracted article (pure functions, bytes out, as ``render.py``).

    render_history_page(entry, site, downloads=…, records=…, retraction=None)
        articles/<slug>/history/index.html: every version, its date, note, CID and download
    render_diff_page(entry, site, number=…, diff=…, inserted=…, deleted=…)
        articles/<slug>/history/<n>/index.html: what changed from version n-1 to n
    render_tombstone(entry, site, reason=…, retracted=…, purged=…)
        articles/<slug>/index.html of a retracted article

``history.py`` places them in the site.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from urllib.parse import quote

from markupsafe import Markup

from permapress import sitepaths as paths
from permapress.errors import SiteError
from permapress.site.templating import Row, render_template, site_frame, when
from permapress.site.views import ArticleEntry, SiteInfo
from permapress.sitepaths import relative_root


def _version_rows(
    entry: ArticleEntry, root_to_article: str, *, downloads: bool, records: Mapping[int, str]
) -> list[Row]:
    """The versions newest first, with links relative to the history page."""
    slug = entry.article.slug
    rows = []
    for i, v in enumerate(entry.versions):
        rows.append(
            Row(
                number=v.number,
                when=when(v.created),
                note=v.note,
                cid=v.bundle_cid,
                record=records.get(v.number) or None,
                current=i == len(entry.versions) - 1,
                href=root_to_article + paths.version_page(v.number) if downloads else None,
                car_href=root_to_article + paths.version_car(quote(slug), v.number),
                diff_href=f"{v.number}/index.html" if i > 0 else None,
            )
        )
    return rows[::-1]


def render_history_page(
    entry: ArticleEntry,
    site: SiteInfo,
    *,
    downloads: bool,
    records: Mapping[int, str],
    retraction: str | None = None,
) -> bytes:
    """articles/<slug>/history/index.html: every version, its date, note, CID and download.

    ``downloads`` is False for a purged article: versions are listed without links.
    ``retraction`` is the reason when the article was retracted.
    """
    article = entry.article
    root = relative_root(paths.history_page(article.slug))
    return render_template(
        site.theme,
        "history.html",
        **site_frame(site, root),
        page_title=f"Version history: {article.headline} — {site.name}",
        description=f"Every published version of “{article.headline}”, with what changed.",
        story_lang=article.language,
        headline=article.headline,
        article_href="../index.html",
        retraction=retraction,
        versions=_version_rows(entry, "../", downloads=downloads, records=records),
    )


def render_diff_page(
    entry: ArticleEntry,
    site: SiteInfo,
    *,
    number: int,
    diff: str,
    inserted: int,
    deleted: int,
) -> bytes:
    """articles/<slug>/history/<n>/index.html: what changed from version n-1 to n.

    ``diff`` is HTML from ``trust.diff.diff_html`` (escaped text with <ins>/<del> only).
    """
    article = entry.article
    version = next((v for v in entry.versions if v.number == number), None)
    if version is None or number < 2:
        raise SiteError(f"version {number} of {article.slug!r} has no earlier version to compare")
    # from history/<n>/ back to the article's folder
    page = paths.diff_page(article.slug, number)
    to_article = relative_root(page.removeprefix(paths.article_folder(article.slug)))
    return render_template(
        site.theme,
        "diff.html",
        **site_frame(site, relative_root(page)),
        page_title=f"What changed in version {number}: {article.headline} — {site.name}",
        description=f"The changes in version {number} of “{article.headline}”.",
        story_lang=article.language,
        headline=article.headline,
        number=number,
        when=when(version.created),
        note=version.note,
        inserted=inserted,
        deleted=deleted,
        diff=Markup(diff),
        history_href="../index.html",
        article_href=to_article + paths.INDEX,
        before_href=to_article + paths.version_page(number - 1),
        after_href=to_article + paths.version_page(number),
    )


def render_tombstone(
    entry: ArticleEntry, site: SiteInfo, *, reason: str, retracted: datetime, purged: bool
) -> bytes:
    """articles/<slug>/index.html of a retracted article: the reason and the way to its history."""
    article = entry.article
    return render_template(
        site.theme,
        "tombstone.html",
        **site_frame(site, relative_root(paths.article_page(article.slug))),
        page_title=f"Retracted: {article.headline} — {site.name}",
        description=f"{site.name} retracted this article: {reason}",
        story_lang=article.language,
        headline=article.headline,
        reason=reason,
        retracted=when(retracted),
        published=when(article.published),
        purged=purged,
        history_href="history/index.html",
    )
