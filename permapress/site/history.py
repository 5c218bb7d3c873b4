"""The pages that make an article's history, and the publisher, public (page kinds, as in
``pages.py``; no I/O).

    history_pages(entry, site, rows, downloads=…, retraction=None) -> [PlannedPage]
        articles/<slug>/history/index.html       every version, newest first: date, note, CID,
                                                 the version itself and its CAR (Download IPFS)
        articles/<slug>/history/<n>/index.html   what changed from version n-1 to n (n >= 2):
                                                 a word-level diff of headline and body
    tombstone_page(entry, site, article_row) -> PlannedPage
        articles/<slug>/index.html of a retracted article: the reason, the date, the history
    retracted_pages(entry, site, article_row, rows) -> [PlannedPage]
        the tombstone, the history (without links once purged) and, once purged, the signed
        records at articles/<slug>/records/<n>.json and <n>.sig
    publisher_pages(name, public_key, profile, head, log_text) -> [PlannedPage]
        publisher.json (the key, its fingerprint, the log's head and length) and log.jsonl;
        ``log_text(n)`` gives entries 1..n as UTF-8 pieces (the file is written as it is read)

Diffs compare the catalog's stored versions (``trust/diff.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial

from permapress import sitepaths as paths
from permapress.catalog import ArticleRow, VersionRow
from permapress.catalog.meta import article_from_meta
from permapress.site import render_record
from permapress.site.plan import PlannedPage, fixed
from permapress.site.views import ArticleEntry, SiteInfo
from permapress.trust.diff import article_text, changed_words, diff_html, word_diff
from permapress.trust.log import LOG_FILE, PUBLISHER_FILE, PublisherInfo, publisher_document
from permapress.trust.records import encode_signature


def _diff_page(entry: ArticleEntry, site: SiteInfo, old: VersionRow, new: VersionRow) -> bytes:
    before, after = article_from_meta(old.meta), article_from_meta(new.meta)
    pieces = word_diff(
        article_text(before.headline, before.body), article_text(after.headline, after.body)
    )
    inserted, deleted = changed_words(pieces)
    return render_record.render_diff_page(
        entry, site, number=new.number, diff=diff_html(pieces), inserted=inserted,
        deleted=deleted,
    )


def history_pages(
    entry: ArticleEntry,
    site: SiteInfo,
    rows: list[VersionRow],
    *,
    downloads: bool,
    retraction: ArticleRow | None = None,
) -> list[PlannedPage]:
    slug = entry.article.slug
    reason = None if retraction is None else retraction.reason
    versions = [(r.number, r.bundle_cid, r.record_cid, r.effective, r.note) for r in rows]
    pages = [
        fixed(
            paths.history_page(slug),
            [site, "history", slug, entry.article.headline, versions, downloads, reason],
            partial(render_record.render_history_page, entry, site, downloads=downloads,
                    records={r.number: r.record_cid for r in rows}, retraction=reason),
        )
    ]
    if downloads:
        for old, new in zip(rows, rows[1:], strict=False):
            pages.append(
                fixed(
                    paths.diff_page(slug, new.number),
                    # the page names the article by its current headline, in its language
                    [site, "diff", slug, old.bundle_cid, new.bundle_cid, new.note,
                     entry.article.headline, entry.article.language],
                    partial(_diff_page, entry, site, old, new),
                )
            )
    return pages


def tombstone_page(entry: ArticleEntry, site: SiteInfo, row: ArticleRow) -> PlannedPage:
    when = datetime.fromisoformat((row.retracted or row.first_seen).replace("Z", "+00:00"))
    return fixed(
        paths.article_page(entry.article.slug),
        [site, "tombstone", entry.article.slug, entry.article.headline, row.reason,
         row.retracted, row.purged, [v.bundle_cid for v in entry.versions]],
        partial(render_record.render_tombstone, entry, site, reason=row.reason, retracted=when,
                purged=row.purged),
    )


def record_files(rows: list[VersionRow]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for row in rows:
        if row.record:
            files[f"{row.number}.json"] = row.record.encode("utf-8")
            files[f"{row.number}.sig"] = encode_signature(bytes.fromhex(row.signature))
    return files


def _file(path: str, data: bytes) -> PlannedPage:
    return fixed(path, [hashlib.sha256(data).hexdigest()], partial(bytes, data))


def retracted_pages(
    entry: ArticleEntry, site: SiteInfo, row: ArticleRow, rows: list[VersionRow]
) -> list[PlannedPage]:
    pages = [tombstone_page(entry, site, row)]
    pages += history_pages(entry, site, rows, downloads=not row.purged, retraction=row)
    if row.purged:
        base = paths.records_folder(entry.article.slug)
        pages += [_file(base + name, data) for name, data in record_files(rows).items()]
    return pages


def publisher_pages(
    name: str,
    public_key: bytes,
    profile: str,
    head: tuple[int, str] | None,
    log_text: Callable[[int], Iterator[bytes]],
) -> list[PlannedPage]:
    """publisher.json (with the log's head and length) and log.jsonl. The log is numbered from 1
    without gaps and each entry's CID covers the one before, so its head (number and CID) is
    the whole file's fingerprint; the file is rendered as pieces read from the catalog, never
    held whole (tens of MB at 100,000 articles)."""
    count, newest = head if head else (0, None)
    info = PublisherInfo(name, public_key, profile, newest, count)
    log = fixed(LOG_FILE, ["log", count, newest], partial(log_text, count))
    return [log, _file(PUBLISHER_FILE, publisher_document(info))]
