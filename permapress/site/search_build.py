"""The ``search/`` folder of a site build: the search page, its script and the index chunks.

    place_search(plan, catalog, site, slugs) -> None

``slugs`` are the articles on the site; the version each shows is its newest public one, read
from the catalog here (the same way for a full build and for the quick path, so both make the
same bytes). The folder is one node: its fingerprint covers the render version, the site, the
language and every shown version's bundle CID. When it matches the cached ``search/`` row the
node is reused without reading any article; else the index is made again (``search.py``) and
imported, and only the chunks whose bytes changed get new CIDs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from permapress.catalog import CachedPage, Catalog, VersionRow
from permapress.catalog.published import public_by_slug
from permapress.ipfs.cid import CID
from permapress.ipfs.importer import Imported, import_tree
from permapress.site import render
from permapress.site.search import SearchDoc, search_files
from permapress.site.theme import PACKAGE_THEME, load
from permapress.site.views import SiteInfo

FOLDER = "search/"


def shown_rows(catalog: Catalog, slugs: Iterable[str]) -> dict[str, VersionRow]:
    """The newest public version of each of ``slugs``, with its metadata and body."""
    wanted = set(slugs)
    drafts = catalog.draft_versions()
    found: dict[str, VersionRow] = {}
    for status in ("published", "draft"):
        missing = sorted(wanted - set(found))
        if not missing:
            break
        rows = catalog.all_versions(status, pages=True, slugs=missing)
        for slug, kept in public_by_slug(rows, drafts).items():
            if slug in wanted:
                found[slug] = kept[-1]
    return found


def search_doc(row: VersionRow) -> SearchDoc:
    data = json.loads(row.meta)
    return SearchDoc(
        slug=data["slug"],
        headline=data["headline"],
        summary=data["summary"],
        body=data.get("body", ""),
        authors=tuple(data["authors"]),
        categories=tuple(data["categories"]),
        published=data["published"],
    )


def script(site: SiteInfo) -> bytes:
    """search.js of the site's theme (the package's when the theme has none)."""
    files = dict(load(site.theme).files)
    return files.get("static/search.js") or dict(load(PACKAGE_THEME).files)["static/search.js"]


def folder_key(version: str, site_key: str, language: str, rows: dict[str, VersionRow]) -> str:
    shown = [(slug, rows[slug].number, rows[slug].bundle_cid) for slug in sorted(rows)]
    text = repr((version, site_key, language, "search", shown))
    return hashlib.sha256(text.encode()).hexdigest()


def place_search(
    plan: Any,
    catalog: Catalog,
    site: SiteInfo,
    slugs: Iterable[str],
    shown: dict[str, list[VersionRow]] | None = None,
) -> None:
    """Put ``search/`` into the plan's tree (``plan`` is ``build._Plan``), reused or made.

    ``shown``: the public versions of every article on the site, oldest first, when the caller
    read them already (the full build); skeleton or light rows are enough to recognise an
    unchanged folder, and the texts are read again only when they lack the body."""
    wanted = list(slugs)
    rows = {slug: shown[slug][-1] for slug in wanted} if shown is not None else None
    if rows is None:
        rows = shown_rows(catalog, wanted)
    key = folder_key(plan.version, plan.site_key, site.language, rows)
    hit = catalog.cached_page(FOLDER)
    if hit is not None and hit.fingerprint == key and plan.has(CID.parse(hit.cid)):
        plan.place("search", Imported(CID.parse(hit.cid), hit.tsize, 0))
        return
    if not all('"body":' in row.meta for row in rows.values()):
        rows = shown_rows(catalog, wanted)
    tree: dict[str, Any] = {"index.html": render.render_search(site), "search.js": script(site)}
    docs = [search_doc(row) for row in rows.values()]
    for path, data in search_files(docs, site.language).items():
        folder, name = path.split("/") if "/" in path else ("", path)
        (tree.setdefault(folder, {}) if folder else tree)[name] = data
    node = import_tree(tree, plan.profile, plan.sink)
    plan.place("search", node)
    plan.fresh.append((FOLDER, CachedPage(key, str(node.cid), node.tsize, 0)))
