"""Articles out as ninjs, JSON Feed or Markdown files that import back unchanged.

    FORMATS = ("ninjs", "jsonfeed", "markdown")
    export_files(articles, fmt, *, site_name, language, taxonomy) -> dict[str, bytes]
    write_export(files, out)                   writes them into a new folder, atomically

Every format puts each article's media under ``<slug>/media/<name>`` (byte for byte), beside:

    ninjs      <slug>.json       one ninjs 3.1 object per article: the same fields as the
                                 bundle's article.json (``ninjs_write.ninjs_document``), plus
                                 ``people`` (the authors, rel "author"), every media file as an
                                 association whose rendition ``href`` is "<slug>/media/<name>"
                                 (the lead image named "leadimage") and ``pubStatus``
                                 "withheld" for drafts
    jsonfeed   feed.json         JSON Feed 1.1 with content_html, summary, dates, authors,
                                 tags, attachments and the ``_permapress`` extension that holds
                                 the exact Markdown, slug, categories, tags and media list (and
                                 the type of work, sources, methods and location when set)
    markdown   <slug>/index.md   the bundle's article.md (YAML front matter + body), so Hugo
                                 page bundles, Jekyll and permapress all read it

Importing the folder (``permapress import OUT``) gives the same articles: headline, dates,
authors, categories, tags, summary, language, body and media, so ``article.md`` and every media
file keep their CIDs. The Markdown reader attaches only the images an article references, so
other media (a page's ``source.warc.gz``) survive the ninjs and jsonfeed formats only.

``write_export`` refuses a folder that exists and is not empty; it writes into a temporary
folder beside ``out`` and renames it into place, so a failed export leaves nothing behind.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from permapress.articles.display import body_html
from permapress.articles.document import to_markdown
from permapress.articles.fields import trust_fields
from permapress.articles.jsonfeed import EXTENSION
from permapress.articles.model import Article
from permapress.articles.ninjs_write import ninjs_document
from permapress.articles.slug import article_uri
from permapress.articles.taxonomy import Taxonomy
from permapress.errors import ConfigError
from permapress.staging import staged_folder

FORMATS: Final = ("ninjs", "jsonfeed", "markdown")
JSONFEED_VERSION: Final = "https://jsonfeed.org/version/1.1"


def _json(doc: dict[str, Any]) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def _media_href(article: Article, name: str) -> str:
    return f"{quote(article.slug)}/media/{quote(name)}"


def _kind(media_type: str) -> str:
    top = media_type.split("/", 1)[0]
    return {"image": "picture", "video": "video", "audio": "audio"}.get(top, "text")


def ninjs_item(article: Article, *, taxonomy: Taxonomy) -> dict[str, Any]:
    """The ninjs 3.1 object for ``article`` (see the module docstring)."""
    doc = ninjs_document(article, version=1, taxonomy=taxonomy)
    doc.pop("version", None)
    doc["firstCreated"] = article.published.isoformat()  # exact offset, for the round trip
    doc["versionCreated"] = (article.modified or article.published).isoformat()
    if article.draft:
        doc["pubStatus"] = "withheld"
    if article.authors:
        doc["people"] = [{"name": name, "rel": "author"} for name in article.authors]
    associations: list[dict[str, Any]] = []
    for index, media in enumerate(article.media, start=1):
        lead = media.name == article.image
        associations.append({
            "name": "leadimage" if lead else f"media{index}",
            "type": _kind(media.media_type),
            "renditions": [{
                "name": "original",
                "href": _media_href(article, media.name),
                "contentType": media.media_type,
                "sizeInBytes": len(media.data),
            }],
        })  # fmt: skip
    if article.image and article.image.startswith("https://"):
        original = {"name": "original", "href": article.image}
        associations.append({"name": "leadimage", "type": "picture", "renditions": [original]})
    if associations:
        doc["associations"] = associations
    else:
        doc.pop("associations", None)
    return doc


def jsonfeed_item(article: Article) -> dict[str, Any]:
    """One JSON Feed 1.1 item with the exact ``_permapress`` extension."""
    item: dict[str, Any] = {
        "id": article_uri(article.slug),
        "title": article.headline,
        "content_html": body_html(article, f"{quote(article.slug)}/"),
        "summary": article.summary,
        "date_published": article.published.isoformat(),
        "language": article.language,
        "authors": [{"name": name} for name in article.authors],
        "tags": [*article.categories, *article.tags],
        EXTENSION: {
            "slug": article.slug,
            "markdown": article.body,
            "summary": article.summary,
            "categories": list(article.categories),
            "tags": list(article.tags),
            "image": article.image,
            "draft": article.draft,
            **trust_fields(article),  # type of work, sources, methods, location (when set)
            "media": [
                {"name": m.name, "media_type": m.media_type, "path": _media_href(article, m.name)}
                for m in article.media
            ],
        },
    }
    if article.modified is not None:
        item["date_modified"] = article.modified.isoformat()
    if article.image:
        item["image"] = (article.image if "://" in article.image
                         else _media_href(article, article.image))  # fmt: skip
    if article.media:
        item["attachments"] = [
            {"url": _media_href(article, m.name), "mime_type": m.media_type,
             "size_in_bytes": len(m.data), "title": m.name}
            for m in article.media
        ]  # fmt: skip
    return item


def export_files(
    articles: Iterable[Article], fmt: str, *, site_name: str, language: str, taxonomy: Taxonomy
) -> dict[str, bytes]:
    """Every file of the export, by path relative to the output folder."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    files: dict[str, bytes] = {}
    items: list[dict[str, Any]] = []
    for article in articles:
        for media in article.media:
            files[f"{article.slug}/media/{media.name}"] = media.data
        if fmt == "ninjs":
            files[f"{article.slug}.json"] = _json(ninjs_item(article, taxonomy=taxonomy))
        elif fmt == "markdown":
            files[f"{article.slug}/index.md"] = to_markdown(article).encode("utf-8")
        else:
            items.append(jsonfeed_item(article))
    if fmt == "jsonfeed":
        feed = {"version": JSONFEED_VERSION, "title": site_name, "language": language,
                "items": items}  # fmt: skip
        text = json.dumps(feed, ensure_ascii=False, indent=2) + "\n"  # "version" first
        files["feed.json"] = text.encode("utf-8")
    return files


def write_export(files: dict[str, bytes], out: Path) -> None:
    """Write ``files`` into the new folder ``out`` (see the module docstring)."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"{out}: exists and is not an empty folder; choose a new folder")
    try:
        with staged_folder(out, public=True) as staging:
            for relative, data in sorted(files.items()):
                path = staging / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
    except OSError as exc:
        raise ConfigError(f"{out}: cannot write the export ({exc.strerror or exc})") from None
