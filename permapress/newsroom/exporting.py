"""Export the newsroom's articles (the latest version of each) as ninjs, JSON Feed or Markdown,
or the whole published site as one CARv2.

    newsroom_articles(newsroom, *, drafts=False) -> Iterator[Article]
    export_newsroom(newsroom, fmt, out, *, drafts=False) -> int     articles written
    export_car(newsroom, out) -> CarExport(root_cid, blocks, size)

``export_car`` writes the newest build's site root and every block reachable from it: the
pages, every version's bundle (with its signed record and the records of earlier versions),
every version's CAR file, ``publisher.json`` (the key) and ``log.jsonl`` (the signed publisher
log). Blocks go out in depth-first order from the root, each once (``car.dag_blocks``); the file
is a CARv2 with a MultihashIndexSorted index (``ipfs.carv2``), written beside ``out`` and
renamed into place. The same newsroom state gives the same bytes. Memory holds one block at a
time plus the set of CIDs seen and the index records (tens of bytes per block).

Retracted and purged articles are never exported; drafts only with ``drafts=True`` (without it,
a published article whose newest version is a draft is exported as last published). The files
and their layout are ``articles.export``'s; the folder is written atomically.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from permapress.articles.export import export_files, write_export
from permapress.articles.model import Article
from permapress.articles.taxonomy import Taxonomy
from permapress.catalog.published import is_draft
from permapress.errors import ConfigError
from permapress.handle import Newsroom
from permapress.ipfs.car import dag_blocks
from permapress.ipfs.carv2 import write_carv2
from permapress.ipfs.cid import CID
from permapress.newsroom.record import load_article


def newsroom_articles(newsroom: Newsroom, *, drafts: bool = False) -> Iterator[Article]:
    """The current version of every exportable article, with its media bytes, by slug."""
    for row in sorted(newsroom.catalog.articles(), key=lambda r: r.slug):
        if row.status == "retracted" or getattr(row, "purged", False):
            continue
        if row.status == "draft" and not drafts:
            continue
        rows = newsroom.catalog.versions(row.slug)
        if not drafts:  # the version readers see: a later draft stays in the newsroom
            rows = [version for version in rows if not is_draft(version)]
        if rows:
            yield load_article(newsroom, rows[-1], with_media=True)


def export_newsroom(newsroom: Newsroom, fmt: str, out: Path, *, drafts: bool = False) -> int:
    """Write the export folder ``out``; return how many articles it holds."""
    articles = list(newsroom_articles(newsroom, drafts=drafts))
    config = newsroom.config
    files = export_files(articles, fmt, site_name=config.name, language=config.language,
                         taxonomy=Taxonomy(config.category_topics))  # fmt: skip
    write_export(files, out)
    return len(articles)


@dataclass(frozen=True, slots=True)
class CarExport:
    root_cid: str
    blocks: int
    size: int


def export_car(newsroom: Newsroom, out: Path) -> CarExport:
    """Write the newest site and everything needed to check it as one CARv2 (see above)."""
    root_text = newsroom.catalog.latest_build()
    if root_text is None:
        raise ConfigError("the newsroom has no site yet: run `permapress build` first")
    if out.is_dir():
        raise ConfigError(f"{out} is a folder; give the name of the .car file to write")
    root = CID.parse(root_text)
    written = write_carv2(out, [root], dag_blocks(root, newsroom.blocks.get))
    return CarExport(root_text, written.blocks, written.size)
