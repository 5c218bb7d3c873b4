"""Record articles in the catalog: each new or changed article becomes a version with a bundle.

``record_article`` decides whether an incoming article is new, a new version of one we hold
(matched by its source, else by its slug), or unchanged; renders, signs and stores the bundle
(``site.bundle``: the version record names the previous version's record, so every bundle
carries its history); and adds the version and its publisher-log entry ("publish" for the first
published version, "correct" after that; drafts are not logged) in one transaction. A draft
version of an article that was published leaves it "published": the site keeps showing its
last published version (``catalog/published.py``). Blocks are
written before the catalog row, so a crash leaves at most unreferenced blocks, never a version
without its bundle: the bundle's, its CAR's and its search index entry's in one batch (one pack
file on a file blockstore), or, in an import, into the import's batch of blocks, which it
stores before it commits the catalog writes of its versions (``importbatch``; the blocks of a
version with media are stored at once).

``correct_article`` is ``permapress correct``: a new version of an existing article from a
file, with a note, keeping its slug and first publication date.

Versions recorded before the newsroom had a key have no record; the first signed version after
them signs records for them too (over the content files of their existing bundles), so the
chain always reaches version 1.

``article_meta`` / ``article_from_meta`` turn an Article into the catalog's JSON and back.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from permapress.articles.document import to_markdown
from permapress.articles.fields import content_key
from permapress.articles.markup import markdown_to_html
from permapress.articles.model import Article, validate
from permapress.articles.slug import article_uri
from permapress.articles.sources import read_source
from permapress.articles.taxonomy import Taxonomy
from permapress.catalog import ArticleRow, Catalog, MediaRow, VersionRow
from permapress.catalog.meta import article_from_meta, article_meta
from permapress.catalog.published import is_draft
from permapress.errors import CatalogError, PermapressError, TrustError
from permapress.handle import Newsroom
from permapress.ipfs.batch import BlockBatch
from permapress.ipfs.cid import CID
from permapress.ipfs.importer import Imported
from permapress.ipfs.profiles import get_profile
from permapress.ipfs.reader import list_directory, stat
from permapress.newsroom.prebuild import Prebuilt
from permapress.site.bundle import ChainLink, SignedBundle, build_bundle
from permapress.site.carfile import car_file
from permapress.site.search_cache import Cached, make_meta, remember
from permapress.site.views import iso8601
from permapress.trust.journal import append_entry
from permapress.trust.keys import public_bytes, sign
from permapress.trust.records import (
    RECORD_DIR,
    Publisher,
    VersionRecord,
    encode_record,
    record_cid,
)

Status = Literal["imported", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class Recorded:
    slug: str
    status: Status
    version: int
    bundle_cid: str


def load_article(newsroom: Newsroom, version: VersionRow, *, with_media: bool = False) -> Article:
    """The article of a catalog version, with its media bytes when asked."""
    media: dict[str, bytes] = {}
    if with_media:
        from permapress.ipfs.cid import CID
        from permapress.ipfs.reader import read_file

        for row in newsroom.catalog.media(version.slug, version.number):
            media[row.name] = b"".join(read_file(CID.parse(row.cid), newsroom.blocks.get))
    return article_from_meta(version.meta, media)


def _free_slug(newsroom: Newsroom, slug: str) -> str:
    candidate, n = slug, 2
    while newsroom.catalog.article(candidate) is not None:
        candidate = f"{slug}-{n}"
        n += 1
    return candidate


def record_article(
    newsroom: Newsroom,
    article: Article,
    *,
    now: datetime,
    note: str | None = None,
    taxonomy: Taxonomy | None = None,
    actor: str | None = None,
    prebuilt: Prebuilt | None = None,
    signer: Ed25519PrivateKey | None = None,
    store: BlockBatch | None = None,
) -> Recorded:
    """Store ``article`` as a new article or a new version; see the module docstring.
    ``prebuilt``: its first version as an import's reader process built and stored it, used
    when this records exactly that (``prebuild``); ``signer``: the newsroom's key, when the
    caller has loaded it already; ``store``: where the blocks it builds go, an import's batch
    of blocks that the import stores before it commits the version (``importbatch``), else the
    newsroom's blockstore at once (a version with media too: an import reads the media of an
    article's current version back from the blockstore, ``load_article``)."""
    # a category alias of permapress.toml ("Politics" = "Politics & Government") is recorded
    # under the name it stands for: one section, one page
    article = validate(article)
    categories = newsroom.config.category_names(article.categories)
    if categories != article.categories:
        prebuilt = None  # it was built with the names as written
        article = replace(article, categories=categories)
    catalog = newsroom.catalog
    key = content_key(article)
    existing = catalog.article_by_source(article.source) if article.source else None
    same_slug = None
    if existing is None:
        same_slug = catalog.article(article.slug)
        if same_slug is not None and (same_slug.source is None or article.source is None):
            existing = same_slug
    if existing is not None:
        slug = existing.slug
    else:  # a new article: its slug, when that was free just now, else the next free one
        slug = article.slug if same_slug is None else _free_slug(newsroom, article.slug)
    previous = catalog.latest(slug) if existing else None
    if previous is not None and previous.content_key == key:
        return Recorded(slug, "unchanged", previous.number, previous.bundle_cid)

    if existing is not None and existing.status == "retracted":
        raise TrustError(
            f"{slug!r} was retracted ({existing.reason}); a retracted article takes no new "
            "versions. Publish the text as a new article with another slug instead."
        )
    number = previous.number + 1 if previous else 1
    if slug != article.slug:
        article = replace(article, slug=slug)
    if previous is not None:
        before = datetime.fromisoformat(previous.effective)
        if article.modified is None or article.modified <= before:
            # never dated before the version it follows (an article dated ahead of today keeps
            # that date for its corrections): a chain whose times go backwards does not verify
            article = replace(article, modified=max(now.replace(microsecond=0), before))
        if note is None:
            note = "Text changed since the previous version."
    taxonomy = taxonomy or Taxonomy(newsroom.config.category_topics)
    signer = signer or newsroom.signing_key()
    earlier = catalog.versions(slug) if previous else []
    chain = _chain(newsroom, earlier, signer) if previous else []
    was_published = any(not is_draft(row) for row in earlier)
    meta = article_meta(article)
    if (prebuilt is not None and existing is None and number == 1 and not note
            and prebuilt.slug == slug == article.slug and prebuilt.source == article.source):
        bundle, car = prebuilt.bundle, prebuilt.car  # its blocks are stored
        made = prebuilt.search
    else:
        bundle, car, search = _build(newsroom, article, number, taxonomy, signer, chain, note,
                                     meta, store)  # fmt: skip
        made = (meta, search) if search is not None else None
    media_rows = []
    for m in article.media:  # stored in the bundle already: take their CIDs from it
        media_rows.append(
            MediaRow(m.name, m.media_type, bundle.files[f"media/{m.name}"], len(m.data))
        )
    effective = article.modified or article.published
    row = VersionRow(
        slug=slug,
        number=number,
        content_key=key,
        bundle_cid=str(bundle.cid),
        bundle_size=bundle.root.tsize,
        published=article.published.isoformat(),
        effective=effective.isoformat(),
        recorded=now.astimezone(UTC).isoformat(timespec="seconds"),
        note=note or "",
        document=bundle.document or to_markdown(article),  # its article.md
        meta=meta,
        record_cid=str(bundle.record_cid),
        record=bundle.record.decode("utf-8"),
        signature=bundle.signature.hex(),
        body_html=markdown_to_html(article.body),
        car_cid=str(car.cid),
        car_tsize=car.tsize,
        car_size=car.size,
    )
    # A published article stays on the site when a draft version follows: its status stays
    # "published" (the site shows its last published version; see catalog/published.py).
    status_value = "draft" if article.draft and not was_published else "published"
    try:
        _store(catalog, existing, row, media_rows, article, status_value, signer, now,
               was_published, actor)  # fmt: skip
    except sqlite3.IntegrityError:
        raise CatalogError(
            f"another permapress command recorded {slug!r} at the same time; run this one again"
        ) from None
    # its search index entry, made once now (site/search_cache.py): builds only merge entries
    # (made with the version, by ``_build`` or a reader process, from this very meta: its
    # blocks are stored with the version's)
    config = newsroom.config
    remember(catalog, newsroom.blocks.put, config.language, get_profile(config.profile), row,
             made=made[1] if made is not None and made[0] == row.meta else None,
             put_many=newsroom.blocks.put_many)  # fmt: skip
    return Recorded(slug, "updated" if previous else "imported", number, row.bundle_cid)


def _build(
    newsroom: Newsroom,
    article: Article,
    number: int,
    taxonomy: Taxonomy,
    signer: Ed25519PrivateKey,
    chain: list[ChainLink],
    note: str | None,
    meta: str,
    store: BlockBatch | None = None,
) -> tuple[SignedBundle, Imported, Cached | None]:
    """Build, sign and store version ``number``'s bundle, its CAR file and its search index
    entry (made from ``meta``, the version's catalog meta; None when it cannot be made now):
    their blocks in one ``put_many`` (one pack file on a file blockstore), or put in ``store``."""
    config = newsroom.config
    profile = get_profile(config.profile)
    blocks = newsroom.blocks if store is None else store
    written: dict[CID, bytes] = {}

    def sink(cid: CID, data: bytes) -> None:
        written[cid] = data

    bundle = build_bundle(
        article,
        version=number,
        site_name=config.name,
        taxonomy=taxonomy,
        profile=profile,
        sink=sink,
        key=signer,
        chain=chain,
        note=note or "",
    )

    # The version's "Download IPFS" file, made now from the blocks just built: a version
    # never changes, so no build has to assemble it again.
    def get(cid: CID) -> bytes:
        return written[cid] if cid in written else blocks.get(cid)

    car = car_file(bundle.cid, get, profile, sink, own=True)
    search = None
    if not newsroom.catalog.readonly:  # else ``remember`` keeps nothing
        pieces: dict[CID, bytes] = {}
        try:
            search = make_meta(meta, config.language, profile, pieces.__setitem__)
        except PermapressError:  # ``remember`` tries again, and keeps what it can
            pass
        else:
            written.update(pieces)
    if store is None or article.media:  # media are read back (see ``record_article``)
        newsroom.blocks.put_many(written.items())
    else:
        for cid, data in written.items():
            store.put(cid, data)
    return bundle, car, search


def _store(
    catalog: Catalog,
    existing: ArticleRow | None,
    row: VersionRow,
    media_rows: list[MediaRow],
    article: Article,
    status_value: str,
    signer: Ed25519PrivateKey,
    now: datetime,
    was_published: bool,
    actor: str | None = None,
) -> None:
    """Add the version (and the article, and the log entry) in one transaction."""
    slug, number = row.slug, row.number
    with catalog.transaction():
        if existing is None:
            catalog.add_article(slug, article.source, status_value, row.recorded)
        else:
            catalog.set_status(slug, status_value, existing.reason)
            if article.source and existing.source is None:
                catalog.set_source(slug, article.source)
        catalog.add_version(row, media_rows, (article.headline, article.summary, article.body))
        if not article.draft:
            append_entry(
                catalog,
                signer,
                action="correct" if was_published else "publish",
                slug=slug,
                version=number,
                record=row.record_cid,
                note=row.note,
                time=now,
                actor=actor,  # the admin user who published (docs/admin-api.md)
            )


def correct_article(
    newsroom: Newsroom, slug: str, path: Path, *, note: str, now: datetime
) -> Recorded:
    """Publish the article in ``path`` as a corrected version of ``slug`` (``permapress correct``).

    The file may be any importable format holding one article; its slug and first publication
    date are replaced by the existing article's. An unchanged file raises ``TrustError``.
    """
    current = newsroom.catalog.article(slug)
    if current is None:
        raise CatalogError(f"no article with slug {slug!r}; `permapress list` shows the slugs")
    if current.status == "retracted":
        raise TrustError(f"{slug!r} was retracted; a retracted article is not corrected")
    if not note.strip():
        raise TrustError('a correction needs a note saying what changed (--note "…")')
    found = read_source(path, None, newsroom.config.tz)
    if len(found) != 1:
        raise TrustError(f"{path}: holds {len(found)} articles; give a file with exactly one")
    latest = newsroom.catalog.latest(slug)
    assert latest is not None  # an article row always has a version
    first = article_from_meta(latest.meta)
    article = replace(
        found[0], slug=slug, published=first.published, source=current.source, draft=False
    )
    recorded = record_article(newsroom, article, now=now, note=note.strip())
    if recorded.status == "unchanged":
        raise TrustError(
            f"{path}: is the same as the current version of {slug!r}; nothing to correct"
        )
    return recorded


def _chain(newsroom: Newsroom, rows: list[VersionRow], key: Ed25519PrivateKey) -> list[ChainLink]:
    """The signed records of ``rows`` (every earlier version), signing any that have none."""
    links: list[ChainLink] = []
    for row in rows:
        if row.record and row.signature:
            links.append(ChainLink(row.number, row.record.encode(), bytes.fromhex(row.signature)))
            continue
        record = _record_for_old_bundle(newsroom, row, key, links[-1].record if links else None)
        signature = sign(key, record)
        newsroom.catalog.set_record(
            row.slug, row.number, str(record_cid(record)), record.decode(), signature.hex()
        )
        links.append(ChainLink(row.number, record, signature))
    return links


def _record_for_old_bundle(
    newsroom: Newsroom, row: VersionRow, key: Ed25519PrivateKey, previous: bytes | None
) -> bytes:
    get = newsroom.blocks.get
    manifest: dict[str, str] = {}
    stack = [("", CID.parse(row.bundle_cid))]
    while stack:
        prefix, folder = stack.pop()
        for name, child, _size in list_directory(folder, get):
            path = prefix + name
            if path == RECORD_DIR:
                continue
            if stat(child, get).kind in ("directory", "hamt"):
                stack.append((path + "/", child))
            else:
                manifest[path] = str(child)
    return encode_record(
        VersionRecord(
            article=article_uri(row.slug),
            version=row.number,
            content=tuple(sorted(manifest.items())),
            previous=str(record_cid(previous)) if previous is not None else None,
            published=iso8601(datetime.fromisoformat(row.effective)),
            note=row.note,
            publisher=Publisher(public_bytes(key), newsroom.config.name),
        )
    )
