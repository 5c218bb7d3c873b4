"""First versions built where the files are read: in the import's worker processes.

    Context(...)                       what a first version's bundle depends on besides the
                                       article: site name, taxonomy, profile, key, the newsroom
    prepare(context)                   set before the read pool forks (the workers inherit it)
    for_item(label, item) -> Prebuilt | None
                                       in a worker: the bundle and CAR of ``item`` as version 1
                                       of a new article, or None when the catalog already knows
                                       its source or slug
    store()                            in a worker: store the blocks of what it built (before
                                       the results go to the importing process)
    keep(item, prebuilt)               in the importing process: the result, for ``take``
    take(item) -> Prebuilt | None      the prebuilt result of exactly this item object

Recording a version renders its bundle, imports it, signs its record and assembles its "Download
IPFS" CAR (``record.record_article``). For a new article all of that depends on the article and
the newsroom's settings alone (version 1, no chain, no note), so a worker that has just read a
Markdown file does it too and writes the blocks itself, on its own core. The importing process
uses the result only when what it would have built is exactly that: the very item the worker
read (not one changed on the way, e.g. by archiving its remote images), under the same source
key, as a new article under the slug it asked for, version 1, no note. Otherwise (two files with
one slug, a changed item) it builds the version itself, as without workers; the bundle is the
same bytes either way, since building is deterministic (Ed25519 signatures too). Blocks a worker
stored for a result that was not used are unreferenced, as after an interrupted import.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final

from permapress.articles.fetch import is_url
from permapress.articles.fields import content_key
from permapress.articles.items import Item
from permapress.articles.model import Article
from permapress.errors import PermapressError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from permapress.articles.taxonomy import Taxonomy
    from permapress.catalog import Catalog
    from permapress.ipfs.blockstore import FileBlockstore
    from permapress.ipfs.cid import CID
    from permapress.ipfs.importer import Imported
    from permapress.ipfs.profiles import Profile
    from permapress.site.bundle import SignedBundle
    from permapress.site.search_cache import Cached

_KEPT: Final = 512  # results waiting for their item (the read pool runs 16 tasks of 8 ahead)


def source_key(source: str) -> str:
    """The key that matches a re-import of the same source: an absolute path, or as given."""
    if is_url(source) or "#" in source:
        return source
    if not source:
        return str(Path.cwd())  # what Path("") names
    try:  # os.path rather than pathlib: an import asks this for every file
        if os.path.exists(source):
            return os.path.realpath(source)
    except (OSError, ValueError):
        pass
    return source


@dataclass(frozen=True, slots=True)
class Context:
    site_name: str
    taxonomy: Taxonomy
    profile: Profile
    key: Ed25519PrivateKey
    catalog_path: Path
    blocks_path: Path
    archiving: bool = False  # remote images are archived: such an item changes on the way
    language: str = ""  # the site's: its search index entry is made too (none when empty)


@dataclass(frozen=True, slots=True)
class Prebuilt:
    """Version 1 of the article with this source key and slug, stored: bundle and CAR, and
    its search index entry with the catalog ``meta`` it was made from."""

    source: str
    slug: str
    bundle: SignedBundle
    car: Imported
    search: tuple[str, Cached] | None = None
    key: str = ""  # the article's content key (``content_key``), worked out here


_context: Context | None = None
_catalogs: dict[int, Catalog] = {}  # a read-only catalog per worker process
_stores: dict[tuple[int, Path], FileBlockstore] = {}  # a blockstore per process and folder
_kept: OrderedDict[int, tuple[Item, Prebuilt]] = OrderedDict()
_pending: list[tuple[CID, bytes]] = []  # blocks built, to store before the results are given


def prepare(context: Context | None) -> None:
    """Give the workers forked after this call what they need (None: build nothing)."""
    global _context
    _context = context


def _catalog(context: Context) -> Catalog:
    from permapress.catalog import Catalog

    pid = os.getpid()
    if pid not in _catalogs:
        _catalogs[pid] = Catalog.open(context.catalog_path, readonly=True)
    return _catalogs[pid]


def for_item(label: str, item: Item) -> Prebuilt | None:
    """In a worker: build ``item`` as a new article's first version (see the module docstring)."""
    context = _context
    if context is None or not isinstance(item, Article):
        return None
    if context.archiving and _has_remote_images(item):
        return None  # recorded with its images archived: built by the importing process
    try:
        # a reader hands over validated articles (the recording process validates again, and
        # validating is idempotent): only the source key changes here
        article = replace(item, source=source_key(item.source or label))
        catalog = _catalog(context)
        assert article.source is not None
        if catalog.article_by_source(article.source) is not None:
            return None
        if catalog.article(article.slug) is not None:
            return None
        return _build(context, article)
    except PermapressError:  # the importing process meets it again and reports it
        return None


def store() -> None:
    """Store the blocks of the versions built since the last call (before their results go
    to the importing process, which records them)."""
    if _context is not None and _pending:
        _blocks(_context).put_many(_pending)
    _pending.clear()


def _blocks(context: Context) -> FileBlockstore:
    """The process's blockstore of the newsroom, opened once: a store opens its pack index
    (``packs.py``) on its first batch, and a worker stores a batch for every task."""
    from permapress.ipfs.blockstore import FileBlockstore

    key = (os.getpid(), context.blocks_path)
    if key not in _stores:
        _stores[key] = FileBlockstore(context.blocks_path)
    return _stores[key]


def _has_remote_images(article: Article) -> bool:
    from permapress.articles.remote_media import remote_images

    return bool(remote_images(article))


def _build(context: Context, article: Article) -> Prebuilt:
    from permapress.site.bundle import build_bundle
    from permapress.site.carfile import car_file

    blocks = _blocks(context)
    written: dict[CID, bytes] = {}

    def sink(cid: CID, data: bytes) -> None:
        written[cid] = data

    bundle = build_bundle(
        article,
        version=1,
        site_name=context.site_name,
        taxonomy=context.taxonomy,
        profile=context.profile,
        sink=sink,
        key=context.key,
        chain=(),
        note="",
    )
    def get(cid: CID) -> bytes:
        return written[cid] if cid in written else blocks.get(cid)

    car = car_file(bundle.cid, get, context.profile, sink, own=True)
    search = _search_entry(context, article, sink)
    _pending.extend(written.items())
    assert article.source is not None
    return Prebuilt(article.source, article.slug, bundle, car, search, content_key(article))


def _search_entry(
    context: Context, article: Article, sink: Callable[[CID, bytes], None]
) -> tuple[str, Cached] | None:
    """The article's search index entry (its text pieces' blocks to ``sink``), as the importing
    process would make it when recording the version (``search_cache.remember``)."""
    if not context.language:
        return None
    from permapress.catalog.meta import article_meta
    from permapress.site.search_cache import make_meta

    meta = article_meta(article)
    try:
        return meta, make_meta(meta, context.language, context.profile, sink)
    except PermapressError:  # the importing process tries again, and keeps what it can
        return None


def keep(item: Item, prebuilt: Prebuilt) -> None:
    """Keep a worker's result for the item it was read as (the importing process)."""
    if len(_kept) >= _KEPT:
        _kept.popitem(last=False)
    _kept[id(item)] = (item, prebuilt)


def take(item: Item) -> Prebuilt | None:
    """The result kept for this very item object, once."""
    entry = _kept.pop(id(item), None)
    if entry is None or entry[0] is not item:
        return None
    return entry[1]
