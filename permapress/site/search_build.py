"""The ``search/`` folder of a site build: the search page, its script and the index chunks.

    place_search(plan, catalog, site, slugs, shown=None, get=None) -> None
    index_rows(shown) -> {slug: [row]}     the newest rows with only what the index reads

``slugs`` are the articles on the site; the version each shows is its newest public one, read
from the catalog here (the same way for a full build and for the quick path, so both make the
same bytes). The folder is one node: its fingerprint covers the render version, the site, the
language and every shown version's bundle CID. When it matches the cached ``search/`` row the
node is reused without reading any article; else the index is assembled again (``search.py``)
from each article's entry, kept between builds by bundle CID (``search_cache.py``): only the
articles whose shown version is new are read and tokenised, and only the chunks whose bytes
changed get new names and CIDs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from permapress.catalog import Catalog, VersionRow
from permapress.catalog.published import public_by_slug
from permapress.errors import PermapressError
from permapress.ipfs.cid import CID
from permapress.ipfs.importer import Imported, import_bytes, import_tree
from permapress.ipfs.reader import list_directory, read_file
from permapress.site import render, search, search_cache, search_patch
from permapress.site.pagecache import CachedPage, PageCache
from permapress.site.plan import Plan
from permapress.site.search_cache import search_doc as search_doc
from permapress.site.search_stream import Assembler
from permapress.site.theme import PACKAGE_THEME, load
from permapress.site.views import SiteInfo

FOLDER = "search/"
# Articles whose texts are read at a time (a few MiB of rows), so memory stays flat.
READ_BATCH = 1000


def shown_rows(
    catalog: Catalog, slugs: Iterable[str], drafts: set[tuple[str, int]] | None = None
) -> dict[str, VersionRow]:
    """The newest public version of each of ``slugs``, with its metadata and body."""
    wanted = set(slugs)
    drafts = catalog.draft_versions() if drafts is None else drafts
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


def index_rows(shown: Mapping[str, Sequence[VersionRow]]) -> dict[str, list[VersionRow]]:
    """The newest row of each article, with only what ``place_search`` reads of it: slug,
    number, bundle CID and meta (a build's skeleton rows also hold dates, sizes and notes,
    about 18 MiB at 100,000 articles, and the older versions: room the index takes instead)."""
    kept = {}
    for slug, rows in shown.items():
        row = rows[-1]
        kept[slug] = [VersionRow(slug, row.number, "", row.bundle_cid, 0, "", "", "", "", "",
                                 row.meta)]  # fmt: skip
    return kept


def script(site: SiteInfo) -> bytes:
    """search.js of the site's theme (the package's when the theme has none)."""
    files = dict(load(site.theme).files)
    return files.get("static/search.js") or dict(load(PACKAGE_THEME).files)["static/search.js"]


def folder_key(version: str, site_key: str, language: str, rows: dict[str, VersionRow]) -> str:
    shown = [(slug, rows[slug].number, rows[slug].bundle_cid) for slug in sorted(rows)]
    text = repr((version, site_key, language, "search", shown))
    return hashlib.sha256(text.encode()).hexdigest()


def _entries(
    catalog: Catalog,
    plan: Plan,
    language: str,
    rows: dict[str, VersionRow],
    kept: dict[str, search_cache.Cached],
    linked: set[str],
    drafts: set[tuple[str, int]] | None = None,
) -> tuple[list[search.Entry], dict[str, Imported], dict[str, search_cache.Cached]]:
    """Every shown version's entry and text folder: kept ones when the blockstore still holds
    their text folder (those of ``linked``, the bundles of the last folder made, which links
    their text folders, without asking), the others made from the articles (read here); and
    those made."""
    entries: dict[str, search.Entry] = {}
    texts: dict[str, Imported] = {}
    missing: list[str] = []
    unsure = {hit.text_cid: CID.parse(hit.text_cid) for row in rows.values()
              if (hit := kept.get(row.bundle_cid)) is not None and row.bundle_cid not in linked}
    held = plan.stored(list(unsure.values()))  # asked all at once: a query a few hundred
    stored = {text for text, cid in unsure.items() if cid in held}
    for slug, row in rows.items():
        hit = kept.get(row.bundle_cid)
        if (
            hit is None
            or hit.entry.slug != slug
            or (row.bundle_cid not in linked and hit.text_cid not in stored)
        ):
            missing.append(slug)
            continue
        entries[slug] = hit.entry
        text_cid = unsure.get(hit.text_cid) or CID.parse(hit.text_cid)
        texts[hit.entry.text] = Imported(text_cid, hit.text_tsize, 0)
    fresh: dict[str, search_cache.Cached] = {}
    if drafts is None:
        drafts = catalog.draft_versions() if missing else set()
    for start in range(0, len(missing), READ_BATCH):  # a full build of a big archive: in parts
        batch = missing[start : start + READ_BATCH]
        whole = {slug: row for slug in batch if '"body":' in (row := rows[slug]).meta}
        whole |= shown_rows(catalog, [slug for slug in batch if slug not in whole], drafts)
        for slug in batch:
            kept_now = search_cache.make(whole[slug], language, plan.profile, plan.sink)
            entries[slug] = made = kept_now.entry
            texts[made.text] = Imported(CID.parse(kept_now.text_cid), kept_now.text_tsize, 0)
            fresh[whole[slug].bundle_cid] = kept_now
    return list(entries.values()), texts, fresh


@dataclass(frozen=True, slots=True)
class LastFolder:
    """The last ``search/`` folder as a patch reads it: its top links, the data its
    ``meta.js`` registers, and the links of its ``t/`` and ``d/`` folders (name -> CID, size)."""

    top: dict[str, tuple[CID, int | None]]
    meta: Any
    inner: dict[str, dict[str, tuple[CID, int | None]]]
    get: Callable[[CID], bytes]

    def read(self, path: str) -> bytes:
        """The bytes of chunk ``path`` ("t/<name>" or "d/<name>"), as ``search_patch`` asks."""
        kind, name = path.split("/")
        return b"".join(read_file(self.inner[kind][name][0], self.get))


def open_last(folder: CID, get: Callable[[CID], bytes]) -> LastFolder:
    """The folder ``folder`` read as a search folder; KeyError, ValueError or a
    ``PermapressError`` when it is not one."""
    top = {name: (cid, tsize) for name, cid, tsize in list_directory(folder, get)}
    meta = search.registered(b"".join(read_file(top["meta.js"][0], get)))
    inner = {
        kind: {name: (cid, tsize) for name, cid, tsize in list_directory(top[kind][0], get)}
        for kind in ("t", "d")
    }
    return LastFolder(top, meta, inner, get)


def _patched(
    get: Callable[[CID], bytes],
    folder: str,
    state: search_cache.State | None,
    kept: dict[str, search_cache.Cached],
    entries: list[search.Entry],
    language: str,
) -> dict[str, Any] | None:
    """``meta.js``, ``t/`` and ``d/`` of the last folder with the chunks the changed articles
    touch made again (the rest linked as they are), or None when it cannot be patched."""
    if state is None or state.folder_cid != folder:
        return None
    try:
        before = [kept[bundle].entry for bundle in state.bundles]
        last = open_last(CID.parse(folder), get)
        parts: dict[str, dict[str, Any]] = {
            kind: {name: Imported(cid, tsize or 0, 0) for name, (cid, tsize) in links.items()}
            for kind, links in last.inner.items()
        }
        changes = search_patch.patch(last.meta, last.read, before, entries, language)
    except (KeyError, ValueError, PermapressError, search_patch.NotPatchable):
        return None
    out: dict[str, Any] = {"meta.js": changes.pop("meta.js"), **parts}
    for path, data in changes.items():
        kind, name = path.split("/")
        if data is None:
            parts[kind].pop(name, None)
        else:
            parts[kind][name] = data
    return out


def _streamed(
    catalog: Catalog,
    plan: Plan,
    site: SiteInfo,
    rows: dict[str, VersionRow],
    cache: search_cache.EntryCache,
    made_by: str,
    linked: set[str],
) -> tuple[Imported, tuple[str, ...]] | None:
    """The folder made from entries read ``READ_BATCH`` at a time in doc-id order (entries
    made here are kept at once), and its bundles in that order; None when an entry's date is
    not its row's (the caller then assembles the index whole)."""
    cache.seen(made_by)  # so that ``store`` drops the entries of versions no longer shown
    published = _published(catalog, rows, cache, made_by)
    if len(published) != len(rows):
        return None  # a version no longer in the catalog: the caller reads them all
    order = sorted(rows, key=lambda slug: (published[slug], slug))
    plan.expect(len(order))  # the build's bar counts the entries as they are read
    assembler = Assembler(len(order), site.language)
    texts: dict[str, Imported] = {}
    drafts: set[tuple[str, int]] | None = None
    for start in range(0, len(order), READ_BATCH):
        batch = {slug: rows[slug] for slug in order[start : start + READ_BATCH]}
        kept = cache.load(made_by, [row.bundle_cid for row in batch.values()])
        if drafts is None and len(kept) < len(batch):
            drafts = catalog.draft_versions()
        made, batch_texts, fresh = _entries(catalog, plan, site.language, batch, kept, linked,
                                            drafts)  # fmt: skip
        by_slug = {entry.slug: entry for entry in made}
        for slug in batch:
            if by_slug[slug].published != published[slug]:
                plan.advance(len(order) - start)  # the bar ends at its total
                return None
            assembler.add(by_slug[slug])
        texts |= batch_texts
        cache.add(made_by, fresh)
        plan.advance(len(batch))
    tree: dict[str, Any] = {"index.html": render.render_search(site), "search.js": script(site)}
    chunks = assembler.files(lambda data: import_bytes(data, plan.profile, plan.sink))
    for path, data in chunks.items():
        folder, name = path.split("/") if "/" in path else ("", path)
        (tree.setdefault(folder, {}) if folder else tree)[name] = data
    tree["x"] = texts
    node = import_tree(tree, plan.profile, plan.sink)
    return node, tuple(rows[slug].bundle_cid for slug in order)


def _published(
    catalog: Catalog, rows: dict[str, VersionRow], cache: search_cache.EntryCache, made_by: str
) -> dict[str, str]:
    """Each shown version's publication date (its doc-id order): from its row's meta, or for a
    light row (the quick path's, without meta) from its kept entry, else from the catalog."""
    dates = {slug: json.loads(row.meta)["published"] for slug, row in rows.items() if row.meta}
    light = [slug for slug in rows if slug not in dates]
    for start in range(0, len(light), READ_BATCH):
        batch = light[start : start + READ_BATCH]
        kept = cache.load(made_by, [rows[slug].bundle_cid for slug in batch])
        for slug in batch:
            hit = kept.get(rows[slug].bundle_cid)
            if hit is not None and hit.entry.slug == slug:
                dates[slug] = hit.entry.published
        unknown = [slug for slug in batch if slug not in dates]
        for slug, row in shown_rows(catalog, unknown).items():
            dates[slug] = json.loads(row.meta)["published"]
    return dates


def place_search(
    plan: Plan,
    catalog: Catalog,
    site: SiteInfo,
    slugs: Iterable[str],
    shown: dict[str, list[VersionRow]] | None = None,
    get: Callable[[CID], bytes] | None = None,
    *,
    stream: bool = False,
) -> None:
    """Put ``search/`` into the plan's tree, reused or made.

    ``shown``: the public versions of every article on the site, oldest first, when the caller
    read them already (the full build); skeleton or light rows are enough to recognise an
    unchanged folder and to find the kept entries, and the texts are read only for articles
    whose shown version has none kept (``search_cache.py``). ``get`` (the blockstore's):
    when only some articles changed in place, the last folder's chunks are read and only
    those the changes touch are made again; without it the index is assembled whole.
    ``stream``: the index is assembled whole from entries read a batch at a time in doc-id
    order (``search_stream.py``), never all at once, and the last folder is not patched from
    them (the quick path patches it from the changed articles alone)."""
    wanted = list(slugs)
    rows = {slug: shown[slug][-1] for slug in wanted} if shown is not None else None
    if rows is None:
        rows = shown_rows(catalog, wanted)
    key = folder_key(plan.version, plan.site_key, site.language, rows)
    hit = PageCache(catalog).page(FOLDER)
    if hit is not None and hit.fingerprint == key and plan.has(CID.parse(hit.cid)):
        plan.place("search", Imported(CID.parse(hit.cid), hit.tsize, 0))
        return
    made_by = search_cache.recipe(site.language, plan.profile.name)
    with search_cache.EntryCache(catalog.path, readonly=catalog.readonly) as cache:
        state = cache.state()
        linked = set()
        if state is not None and state.recipe == made_by and plan.has(CID.parse(state.folder_cid)):
            linked = set(state.bundles)  # the last folder is stored: so are the texts it links
        if stream:
            streamed = _streamed(catalog, plan, site, rows, cache, made_by, linked)
            if streamed is not None:
                node, order = streamed
                state = search_cache.State(made_by, str(node.cid), order)
                cache.store(made_by, {}, order, state)
                plan.place("search", node)
                plan.fresh.append((FOLDER, CachedPage(key, str(node.cid), node.tsize, 0)))
                return
        kept = cache.load(made_by)
        entries, texts, fresh = _entries(catalog, plan, site.language, rows, kept, linked)
        entries = search.in_order(entries)
        tree: dict[str, Any] = {"index.html": render.render_search(site), "search.js": script(site)}
        patched = None
        if get is not None and hit is not None and plan.has(CID.parse(hit.cid)):
            patched = _patched(get, hit.cid, state, kept, entries, site.language)
        if patched is not None:
            tree |= patched
        else:
            for path, data in search.assemble(entries, site.language).items():
                folder, name = path.split("/") if "/" in path else ("", path)
                (tree.setdefault(folder, {}) if folder else tree)[name] = data
        tree["x"] = texts  # each article's text folder
        node = import_tree(tree, plan.profile, plan.sink)
        bundle_of = {slug: row.bundle_cid for slug, row in rows.items()}
        order = tuple(bundle_of[e.slug] for e in entries)
        state = search_cache.State(made_by, str(node.cid), order)
        cache.store(made_by, fresh, bundle_of.values(), state)
    plan.place("search", node)
    plan.fresh.append((FOLDER, CachedPage(key, str(node.cid), node.tsize, 0)))
