"""The ``search/`` folder of a patched build, made from the corrected articles alone.

    place_patched(plan, catalog, site, rows, public, get) -> bool

A correction in place changes one article's entry in the search index: its terms' chunks, its
docs chunk, ``meta.js`` and its text folder ``x/<name>/``. ``search_build.place_search``
finds those by loading every article's kept entry and comparing (and builds ``x/`` again from
all of them); here only what the change touches is read: the corrected articles' entries
before and after (``search_cache.EntryCache.load`` with their bundle CIDs), the entries of the
docs chunks they sit in, and the chunks ``search_patch.patch`` opens. The last folder is then
patched in its bytes (``ipfs.patch.patch_tree``: changed chunks renamed, the text folder's old
name out and the new one in), so the cost does not grow with the archive.

It applies when the last ``search/`` folder is the one the search cache's state names, made
from the same articles in the same order, and each changed article's previous shown version is
in it; the result is then the folder ``place_search`` makes (the tests build both ways). In
every other case it returns False and the caller runs ``place_search``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from permapress.catalog import Catalog, VersionRow
from permapress.errors import PermapressError
from permapress.ipfs.cid import CID
from permapress.ipfs.importer import Imported, import_bytes
from permapress.ipfs.patch import NotPatchable, patch_tree
from permapress.site import search, search_cache, search_patch
from permapress.site.pagecache import CachedPage, PageCache
from permapress.site.plan import Plan
from permapress.site.search_build import FOLDER, folder_key, open_last
from permapress.site.views import SiteInfo

# What an unchanged article's place holds on both sides of a patch (the same object, so equal):
# ``search_patch.patch`` reads only the changed entries and the docs chunks they are in.
_SAME = search.Entry("", "", "", "", b"", "")


def _docs(count: int, known: Mapping[int, search.Entry]) -> list[search.Entry]:
    """The index's entries in doc-id order, of which only ``known`` are read."""
    docs = [_SAME] * count
    for doc_id, entry in known.items():
        docs[doc_id] = entry
    return docs


def place_patched(
    plan: Plan,
    catalog: Catalog,
    site: SiteInfo,
    rows: dict[str, VersionRow],
    public: Mapping[str, list[VersionRow]],
    get: Callable[[CID], bytes],
) -> bool:
    """Put ``search/`` into the plan's tree made from the last one and the changes, and return
    True; False when it cannot be made so (see the module docstring). ``rows``: the shown
    version of every listed article (light rows will do), in listing order; ``public``: the
    changed articles' public versions, oldest first, with their metadata."""
    key = folder_key(plan.version, plan.site_key, site.language, rows)
    hit = PageCache(catalog).page(FOLDER)
    if hit is None or not plan.has(CID.parse(hit.cid)):
        return False
    if hit.fingerprint == key:
        plan.place("search", Imported(CID.parse(hit.cid), hit.tsize, 0))
        return True
    made_by = search_cache.recipe(site.language, plan.profile.name)
    with search_cache.EntryCache(catalog.path, readonly=catalog.readonly) as cache:
        state = cache.state()
        if state is None or (state.recipe, state.folder_cid) != (made_by, hit.cid):
            return False
        before = state.bundles
        at = {bundle: doc_id for doc_id, bundle in enumerate(before)}
        after = list(before)
        for slug, versions in public.items():
            if slug not in rows:
                continue  # not listed (a newsroom page): not in the index
            was = {v.bundle_cid for v in versions} & at.keys()
            if len(was) != 1:
                return False
            after[at[was.pop()]] = rows[slug].bundle_cid
        shown = {row.bundle_cid for row in rows.values()}
        if after == list(before) or len(shown) != len(after) or shown.symmetric_difference(after):
            return False  # not only the changed articles differ from the last index
        moved = [doc_id for doc_id, (old, new) in enumerate(zip(before, after, strict=True))
                 if old != new]
        per = search.DOCS_PER_CHUNK
        near = {i for d in moved for i in range(d // per * per, min(d // per * per + per,
                                                                     len(after)))}  # fmt: skip
        kept = cache.load(made_by, {before[i] for i in near} | {after[i] for i in near})
        fresh: dict[str, search_cache.Cached] = {}
        by_bundle = {row.bundle_cid: row for row in rows.values()}
        for doc_id in moved:
            if after[doc_id] not in kept:  # made at import time as a rule; else here
                row = next(v for v in public[by_bundle[after[doc_id]].slug]
                           if v.bundle_cid == after[doc_id])  # fmt: skip
                fresh[row.bundle_cid] = search_cache.make(row, site.language, plan.profile,
                                                          plan.sink)  # fmt: skip
        known = kept | fresh
        if any(before[i] not in known or after[i] not in known for i in near):
            return False
        old = _docs(len(before), {i: known[before[i]].entry for i in near})
        new = _docs(len(after), {i: known[after[i]].entry for i in near})
        node = _patched_folder(plan, get, CID.parse(hit.cid), old, new, moved, known,
                               before, after, site.language)  # fmt: skip
        if node is None:
            return False
        cache.store(made_by, fresh, after, search_cache.State(made_by, str(node.cid),
                                                              tuple(after)))  # fmt: skip
    plan.place("search", node)
    plan.fresh.append((FOLDER, CachedPage(key, str(node.cid), node.tsize, 0)))
    return True


def _patched_folder(
    plan: Plan,
    get: Callable[[CID], bytes],
    folder: CID,
    old: list[search.Entry],
    new: list[search.Entry],
    moved: list[int],
    known: Mapping[str, search_cache.Cached],
    before: Sequence[str],
    after: Sequence[str],
    language: str,
) -> Imported | None:
    """The last folder with the index patched (None when ``search_patch`` or the directories
    refuse)."""
    try:
        last = open_last(folder, get)
        files = search_patch.patch(last.meta, last.read, old, new, language)
        nodes: dict[str, Imported] = {}
        removed: list[str] = []
        for path, data in files.items():
            if data is None:
                removed.append(path)
            else:
                nodes[path] = import_bytes(data, plan.profile, plan.sink)
        for doc_id in moved:
            was, now = known[before[doc_id]], known[after[doc_id]]
            removed.append(f"x/{was.entry.text}")
            nodes[f"x/{now.entry.text}"] = Imported(CID.parse(now.text_cid), now.text_tsize, 0)
        removed = [path for path in removed if path not in nodes]
        made: Imported = patch_tree(folder, nodes, plan.profile, get, plan.sink,
                                    removed=removed, new_names=True)  # fmt: skip
        return made
    except (KeyError, ValueError, PermapressError, search_patch.NotPatchable, NotPatchable):
        return None

