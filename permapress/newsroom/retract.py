"""``permapress retract``: take an article down in public, and optionally delete its blocks.

A newsroom operation: it writes the catalog and the publisher log (``trust/journal.py``), builds
the site (``site/build.py``) and deletes blocks, so it lives beside the other operations on a
newsroom folder.

    retract_article(newsroom, slug, reason=…, purge=False, now=…) -> Retraction

Retracting marks the article retracted with its reason and appends a signed "retract" entry to
the publisher log, naming the last published version (a draft version after it was never
public; an article that was never published cannot be retracted). The next build leaves it
out of every listing, feed and sitemap and puts a tombstone page at
``articles/<slug>/index.html`` that gives the reason and the article's history (dates, notes,
CIDs). Its published versions stay reachable at ``articles/<slug>/v/<n>/`` and their CARs stay
downloadable: a retraction is a public statement, not a deletion.

``purge=True`` (also allowed later, on an already retracted article) appends a "purge" entry,
blanks the article's text in the catalog, rebuilds the site without the bundles (only their
signed records stay, at ``articles/<slug>/records/``), and then deletes from the blockstore
every block of its bundles and CAR files that nothing else still uses: not the new site, not
any other article's versions (drafts included). It deletes too the blocks of earlier site roots
(every root in the catalog's build list) that neither the new site nor any article's versions
use: their feeds, listings, home pages and search index held the article's text. The gateway
serves only what the newest site reaches, so those CIDs then answer 404. Nothing else is ever
deleted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from permapress.catalog import VersionRow
from permapress.catalog.published import is_draft
from permapress.errors import BlockNotFound, CatalogError, TrustError
from permapress.handle import Newsroom
from permapress.ipfs.car import block_links, dag_blocks
from permapress.ipfs.cid import CID
from permapress.site.build import build_site
from permapress.site.pagecache import PageCache
from permapress.sitepaths import article_folder
from permapress.trust.journal import append_entry, log_time


@dataclass(frozen=True, slots=True)
class Retraction:
    slug: str
    version: int
    purged: bool
    deleted_blocks: int
    root_cid: str | None  # the site root built after a purge


def _reachable(roots: Iterable[CID], get: Callable[[CID], bytes]) -> set[bytes]:
    """Multihashes of every block under ``roots`` that the blockstore holds."""
    found: set[bytes] = set()
    for root in roots:
        if root.multihash in found:
            continue
        try:
            for cid, _data in dag_blocks(root, get):
                found.add(cid.multihash)
        except BlockNotFound:
            continue
    return found


def _only_under(roots: Iterable[CID], keep: set[bytes], get: Callable[[CID], bytes]) -> set[bytes]:
    """Blocks under ``roots`` that are not in ``keep`` (a set closed under links: its subtrees
    are skipped, so earlier site roots, which share most blocks with the new one, walk fast)."""
    found: set[bytes] = set()
    stack = list(roots)
    while stack:
        cid = stack.pop()
        if cid.multihash in keep or cid.multihash in found or cid.hash_code == 0:
            continue
        try:
            data = get(cid)
        except BlockNotFound:
            continue
        found.add(cid.multihash)
        stack.extend(block_links(cid, data))
    return found


def retract_article(
    newsroom: Newsroom,
    slug: str,
    *,
    reason: str,
    purge: bool = False,
    now: datetime,
    actor: str | None = None,
) -> Retraction:
    """See the module docstring; ``actor`` (an admin user's id) is named in the log entries."""
    catalog = newsroom.catalog
    row = catalog.article(slug)
    if row is None:
        raise CatalogError(f"no article with slug {slug!r}; `permapress list` shows the slugs")
    reason = reason.strip()
    if not reason:
        raise TrustError('a retraction needs a reason readers will see (--reason "…")')
    versions = catalog.versions(slug)
    shown = [version for version in versions if not is_draft(version)]
    if not shown:
        raise TrustError(
            f"{slug!r} is a draft and was never published; there is nothing to retract"
        )
    if row.status == "retracted" and (row.purged or not purge):
        what = "retracted and purged" if row.purged else "retracted"
        raise TrustError(f"{slug!r} is already {what}")
    # The log names the last published version: the one readers saw (later drafts never were).
    latest = shown[-1]
    key = newsroom.signing_key()
    old_pages = [
        CID.parse(page.cid)
        for path, page in PageCache(catalog).pages().items()
        if path.startswith(article_folder(slug))
    ]
    with catalog.transaction():
        if row.status != "retracted":
            catalog.retract(slug, reason, log_time(now))
            append_entry(catalog, key, action="retract", slug=slug, version=latest.number,
                         record=latest.record_cid, note=reason, time=now, actor=actor)
        if purge:
            catalog.mark_purged(slug)
            for version in versions:
                catalog.blank_version(slug, version.number, _blank_meta(version.meta))
            append_entry(catalog, key, action="purge", slug=slug, version=latest.number,
                         record=latest.record_cid, note=reason, time=now, actor=actor)
    if not purge:
        return Retraction(slug, latest.number, False, 0, None)
    result = build_site(newsroom)
    get = newsroom.blocks.get
    doomed = _reachable(_version_roots(versions) + old_pages, get)
    keep = _reachable([CID.parse(result.root_cid)], get)
    for rows in _other_versions(newsroom, slug):
        keep |= _reachable(_version_roots(rows), get)
    earlier = [CID.parse(root) for root in catalog.build_roots() if root != result.root_cid]
    doomed |= _only_under(earlier, keep, get)
    deleted = 0
    for cid in list(newsroom.blocks):
        if cid.multihash in doomed and cid.multihash not in keep:
            newsroom.blocks.delete(cid)
            deleted += 1
    return Retraction(slug, latest.number, True, deleted, result.root_cid)


def _version_roots(rows: list[VersionRow]) -> list[CID]:
    """Each version's bundle and the CAR file made of it when it was recorded."""
    roots = [CID.parse(v.bundle_cid) for v in rows]
    return roots + [CID.parse(v.car_cid) for v in rows if v.car_cid]


def _other_versions(newsroom: Newsroom, slug: str) -> list[list[VersionRow]]:
    """The versions of every other article, whatever its status."""
    out: list[list[VersionRow]] = []
    for status in ("published", "draft", "retracted"):
        for other, rows in newsroom.catalog.all_versions(status).items():
            if other != slug:
                out.append(rows)
    return out


def _blank_meta(meta: str) -> str:
    """The catalog metadata of a purged version: headline and dates kept, text and media gone."""
    data = json.loads(meta)
    data.update(body="", summary="", media=[], image=None)
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
