"""An article as JSON fields, and the key that tells its content apart.

    article_fields(article) -> dict    every field but ``source`` as JSON values (media as
                                       [name, type], and the URL when downloaded; no bytes)
    trust_fields(article) -> dict      the reader's indicators it has (genre, sources,
                                       methods, location), none when it has none
    trust_from_fields(data) -> dict    ``trust_fields`` read back: keyword arguments for Article
    fields_json(article) -> str        ``article_fields`` as canonical JSON (the catalog's meta;
                                       the last few articles' are kept)
    content_key(article) -> str        sha256 hex over everything except ``source`` (the last
                                       few articles' keys are kept: asking again is free)
    remember_key(article, key)         take a key worked out for an equal article elsewhere

The catalog keeps an article's fields as its meta (``catalog/meta.py``), the export writes
them, and an import compares content keys to tell an unchanged source from a changed one.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import Any

from permapress.articles.model import Article, Media, keep_last


def _media_entry(media: Media) -> list[str]:
    """[name, type], and the URL it was downloaded from when it was (absent otherwise, so
    articles without downloaded images keep their bytes)."""
    return [media.name, media.media_type, *([media.origin] if media.origin else [])]


def article_fields(article: Article) -> dict[str, Any]:
    """Every field except ``source`` as JSON values; media as [name, type] without the bytes.

    ``inferred`` is there only when the article has inferred fields."""
    fields: dict[str, Any] = {
        "headline": article.headline,
        "slug": article.slug,
        "published": article.published.isoformat(),
        "modified": article.modified.isoformat() if article.modified else None,
        "authors": list(article.authors),
        "categories": list(article.categories),
        "tags": list(article.tags),
        "summary": article.summary,
        "language": article.language,
        "body": article.body,
        "media": [_media_entry(m) for m in article.media],
        "image": article.image,
        "draft": article.draft,
    }
    if article.inferred:
        fields["inferred"] = list(article.inferred)
    fields.update(trust_fields(article))
    return fields


def trust_fields(article: Article) -> dict[str, Any]:
    """The reader's indicators that ``article`` has, as JSON values (none when it has none)."""
    fields: dict[str, Any] = {}
    if article.genre:
        fields["genre"] = article.genre
    if article.sources:
        fields["sources"] = list(article.sources)
    if article.methods:
        fields["methods"] = article.methods
    if article.location:
        fields["location"] = article.location
    return fields


def trust_from_fields(data: dict[str, Any]) -> dict[str, Any]:
    """``trust_fields`` read back: keyword arguments for ``Article``."""
    return {
        "genre": data.get("genre", ""),
        "sources": tuple(data.get("sources", ())),
        "methods": data.get("methods", ""),
        "location": data.get("location", ""),
    }


# The keys of the articles ``content_key`` was asked for last, by id (held strongly): an import
# asks for the key of each article twice, when it looks for an earlier version and when it
# records this one.
_KEYS: OrderedDict[int, tuple[Article, str]] = OrderedDict()


def content_key(article: Article) -> str:
    """A sha256 hex digest over every field except ``source``.

    Two articles have the same key exactly when they render the same: use it to tell an
    unchanged re-import from an updated one.
    """
    found = _KEYS.get(id(article))
    if found is not None and found[0] is article:
        return found[1]
    key = _content_key(article)
    keep_last(_KEYS, id(article), (article, key))
    return key


def remember_key(article: Article, key: str) -> None:
    """Take ``key`` as ``content_key(article)``: worked out for an equal article elsewhere (an
    import's reader process, for the article it sends)."""
    keep_last(_KEYS, id(article), (article, key))


def _canonical(doc: dict[str, Any]) -> str:
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# The canonical JSON of the articles ``fields_json`` was asked for last, by id (held strongly):
# a version's meta and, for an article without media, its content key are the same text.
_JSON: OrderedDict[int, tuple[Article, str]] = OrderedDict()


def fields_json(article: Article) -> str:
    """``article_fields(article)`` as canonical JSON: sorted keys, no spaces, characters as
    they are (the catalog keeps it as the version's meta)."""
    found = _JSON.get(id(article))
    if found is not None and found[0] is article:
        return found[1]
    text = _canonical(article_fields(article))
    keep_last(_JSON, id(article), (article, text))
    return text


def _content_key(article: Article) -> str:
    if article.media:  # each medium by the hash of its bytes
        doc = article_fields(article)
        doc["media"] = [
            [m.name, m.media_type, hashlib.sha256(m.data).hexdigest()] for m in article.media
        ]
        text = _canonical(doc)
    else:  # the fields' own text: its media list is empty too
        text = fields_json(article)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
