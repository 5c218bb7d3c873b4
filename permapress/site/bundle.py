"""One version of one article as a UnixFS directory (the *bundle*).

    <bundle CID>/
      index.html      the self-contained page (inline CSS, no script, relative links only)
      article.md      the source: Markdown with YAML front matter
      article.json    IPTC ninjs 3.x metadata
      media/          the images the article uses (absent when there are none)

``bundle_files`` is pure: the same article gives the same bytes, so the same CID.
``build_bundle`` imports those files with the newsroom's profile and hands every block to the sink.
"""

from __future__ import annotations

from permapress.articles.document import to_markdown
from permapress.articles.model import Article
from permapress.articles.taxonomy import Taxonomy
from permapress.ipfs.importer import Imported, Sink, import_tree
from permapress.ipfs.profiles import Profile
from permapress.site.metadata import ninjs
from permapress.site.render import render_bundle_index


def bundle_files(
    article: Article, *, version: int, site_name: str, taxonomy: Taxonomy
) -> dict[str, bytes | dict[str, bytes]]:
    """The files of a bundle, by name."""
    files: dict[str, bytes | dict[str, bytes]] = {
        "index.html": render_bundle_index(article, site_name=site_name, version=version),
        "article.md": to_markdown(article).encode("utf-8"),
        "article.json": ninjs(article, version=version, taxonomy=taxonomy),
    }
    if article.media:
        files["media"] = {m.name: m.data for m in article.media}
    return files


def build_bundle(
    article: Article,
    *,
    version: int,
    site_name: str,
    taxonomy: Taxonomy,
    profile: Profile,
    sink: Sink,
) -> Imported:
    """Render and import a bundle; return its root (the version's identity)."""
    files = bundle_files(article, version=version, site_name=site_name, taxonomy=taxonomy)
    return import_tree(files, profile, sink)
