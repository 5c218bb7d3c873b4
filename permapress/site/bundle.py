"""One version of one article as a UnixFS directory (the *bundle*), signed by its publisher.

    <bundle CID>/
      index.html      the self-contained page (inline CSS, no script, relative links only)
      article.md      the source: Markdown with YAML front matter
      article.json    IPTC ninjs 3.x metadata
      media/          the images the article uses (absent when there are none)
      record/         the signed version record (``permapress.trust.records``):
        version.json    names every content file above by CID, the article, the version number,
        version.sig     the previous version's record, the time, the note and the publisher key
        chain/          the records and signatures of versions 1 … n-1

``bundle_files`` is pure: the same article gives the same bytes. ``build_bundle`` imports the
content files with the newsroom's profile, writes the record over their CIDs, signs it (Ed25519
is deterministic, so the same key and article give the same bundle CID) and hands every block
to the sink. The manifest covers the content files only, so a record never has to name itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from permapress.articles.document import to_markdown
from permapress.articles.model import Article
from permapress.articles.slug import article_uri
from permapress.articles.taxonomy import Taxonomy
from permapress.errors import TrustError
from permapress.ipfs.cid import CID
from permapress.ipfs.importer import Imported, Sink, import_bytes, import_tree
from permapress.ipfs.profiles import Profile
from permapress.site.metadata import ninjs
from permapress.site.render import render_bundle_index
from permapress.site.views import iso8601
from permapress.trust.keys import fingerprint, public_bytes, sign
from permapress.trust.records import (
    RECORD_DIR,
    Publisher,
    VersionRecord,
    encode_record,
    record_cid,
    record_tree,
)

Files = dict[str, bytes | dict[str, bytes]]


@dataclass(frozen=True, slots=True)
class ChainLink:
    """An earlier version's record as the bundle carries it."""

    version: int
    record: bytes
    signature: bytes


@dataclass(frozen=True, slots=True)
class SignedBundle:
    """A built bundle: its root, the record (bytes, CID, signature) inside it, the CID of
    each content file by its path in the bundle (the record's manifest), and the text of its
    article.md (the catalog keeps it as the version's document)."""

    root: Imported
    record: bytes
    record_cid: CID
    signature: bytes
    files: Mapping[str, str]
    document: str = ""

    @property
    def cid(self) -> CID:
        return self.root.cid


def bundle_files(
    article: Article,
    *,
    version: int,
    site_name: str,
    taxonomy: Taxonomy,
    publisher_fingerprint: str | None = None,
    document: str | None = None,
) -> Files:
    """The content files of a bundle, by name (the record is added by ``build_bundle``);
    ``document``: ``to_markdown(article)`` when the caller has it already."""
    published_by = (
        f"{site_name}, publisher key {publisher_fingerprint}" if publisher_fingerprint else None
    )
    files: Files = {
        "index.html": render_bundle_index(
            article, site_name=site_name, version=version, published_by=published_by
        ),
        "article.md": (to_markdown(article) if document is None else document).encode("utf-8"),
        "article.json": ninjs(article, version=version, taxonomy=taxonomy),
    }
    if article.media:
        files["media"] = {m.name: m.data for m in article.media}
    return files


def _import_content(
    files: Files, profile: Profile, sink: Sink
) -> tuple[dict[str, Any], dict[str, str]]:
    """Each content file imported on its own: the tree of nodes and the path -> CID manifest."""
    tree: dict[str, Any] = {}
    manifest: dict[str, str] = {}
    for name, value in files.items():
        if isinstance(value, Mapping):
            folder: dict[str, Imported] = {}
            for inner, data in value.items():
                node = import_bytes(data, profile, sink)
                folder[inner] = node
                manifest[f"{name}/{inner}"] = str(node.cid)
            tree[name] = folder
        else:
            node = import_bytes(value, profile, sink)
            tree[name] = node
            manifest[name] = str(node.cid)
    return tree, manifest


def build_bundle(
    article: Article,
    *,
    version: int,
    site_name: str,
    taxonomy: Taxonomy,
    profile: Profile,
    sink: Sink,
    key: Ed25519PrivateKey,
    chain: Sequence[ChainLink] = (),
    note: str = "",
) -> SignedBundle:
    """Render, sign and import version ``version``; ``chain`` holds versions 1 … version-1."""
    numbers = [link.version for link in chain]
    if numbers != list(range(1, version)):
        raise TrustError(f"version {version} needs the records of 1..{version - 1}, got {numbers}")
    public, printed = _publisher(key)
    document = to_markdown(article)
    files = bundle_files(
        article, version=version, site_name=site_name, taxonomy=taxonomy,
        publisher_fingerprint=printed, document=document,
    )
    tree, manifest = _import_content(files, profile, sink)
    record = VersionRecord(
        article=article_uri(article.slug),
        version=version,
        content=tuple(sorted(manifest.items())),
        previous=str(record_cid(chain[-1].record)) if chain else None,
        published=iso8601(article.modified or article.published),
        note=note,
        publisher=Publisher(public, site_name),
    )
    data = encode_record(record)
    signature = sign(key, data)
    tree[RECORD_DIR] = record_tree(
        data, signature, [(link.version, link.record, link.signature) for link in chain]
    )
    root = import_tree(tree, profile, sink)
    return SignedBundle(root, data, record_cid(data), signature, manifest, document)


_PUBLISHERS: dict[int, tuple[Ed25519PrivateKey, bytes, str]] = {}


def _publisher(key: Ed25519PrivateKey) -> tuple[bytes, str]:
    """The public key and its fingerprint, worked out once per key object (an import signs
    thousands of bundles with one key)."""
    known = _PUBLISHERS.get(id(key))
    if known is None or known[0] is not key:
        public = public_bytes(key)
        known = (key, public, fingerprint(public))
        if len(_PUBLISHERS) >= 8:
            _PUBLISHERS.clear()
        _PUBLISHERS[id(key)] = known
    return known[1], known[2]
