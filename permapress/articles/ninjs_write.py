"""IPTC ninjs 3.1 out: a bundle's article.json (the reader is ``ninjs.py``).

    ninjs_document(article, version=…, taxonomy=…) -> dict   the ninjs object of one version
    ninjs(article, version=…, taxonomy=…)          -> bytes  article.json of a bundle:
        canonical JSON (sorted keys, 2-space indent, trailing newline)
    indented_json(value)                           -> str    that JSON text, written directly
    TopicLookup                                    what maps a category to a Media Topic
                                                   (``taxonomy.Taxonomy``)

ninjs follows the 3.x schema's camelCase names (versionCreated, firstCreated, contentType).
Its ``uri`` is ``article_uri(slug)`` = "urn:permapress:article:<slug>": stable across versions
and independent of where the site is hosted; the feeds use the same identifier. ninjs 3.x has
no keywords field, so tags become ``subjects`` with only a name and ``rel`` "keyword";
categories become subjects with ``rel`` "about", the newsroom's name as ``literal`` and, when
the taxonomy knows them, the IPTC Media Topic's label as ``name`` and its URI as ``uri``.
The type of work becomes ``genres`` (with IPTC's genre code when there is one), sources
``infoSources``, where ``places``, how it was reported a description with role "methods".
``export.py`` writes the same object, with the export's own media paths, and ``ninjs.py``
reads both back. A naive datetime raises ``SiteError`` (from ``display.iso8601``).
"""

from __future__ import annotations

import json
from typing import Any, Final, Protocol
from urllib.parse import quote

from permapress.articles.display import body_html, byline, genre_label, iso8601, media_image
from permapress.articles.model import Article, reference_parts
from permapress.articles.slug import article_uri

NINJS_VERSION: Final = "3.1"
NINJS_SCHEMA: Final = "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#"

# IPTC's genre NewsCodes for the types that have one (ninjs ``genres``)
IPTC_GENRES: Final = {
    "analysis": "Analysis",
    "opinion": "Opinion",
    "review": "Review",
    "interview": "Interview",
    "obituary": "Obituary",
    "explainer": "Background",
}
IPTC_GENRE_BASE: Final = "http://cv.iptc.org/newscodes/genre/"


class Topic(Protocol):
    """An IPTC Media Topic as ``articles.taxonomy`` gives it."""

    @property
    def uri(self) -> str: ...

    @property
    def label(self) -> str: ...


class TopicLookup(Protocol):
    """Anything that maps a category name to a Media Topic (``articles.taxonomy.Taxonomy``)."""

    def topic(self, name: str) -> Topic | None: ...


def ninjs_document(article: Article, *, version: int, taxonomy: TopicLookup) -> dict[str, Any]:
    """The ninjs 3.1 object for one version of an article (see ``ninjs`` for the bytes)."""
    doc: dict[str, Any] = {
        "uri": article_uri(article.slug),
        "type": "text",
        "representationType": "full",
        "version": str(version),
        "firstCreated": iso8601(article.published),
        "versionCreated": iso8601(article.modified or article.published),
        "pubStatus": "usable",
        "language": article.language,
        "slugline": article.slug,
        "headlines": [{"role": "main", "value": article.headline}],
        "bodies": [
            {"role": "main", "contentType": "text/markdown", "value": article.body},
            {"role": "main", "contentType": "text/html", "value": body_html(article)},
        ],
        "standard": {"name": "ninjs", "version": NINJS_VERSION, "schema": NINJS_SCHEMA},
    }
    if article.summary:
        doc["descriptions"] = [{"role": "summary", "value": article.summary}]
    if article.authors:
        doc["by"] = byline(article.authors)
    subjects: list[dict[str, str]] = []
    for name in article.categories:
        topic = taxonomy.topic(name)
        if topic is None:
            subjects.append({"name": name, "literal": name, "rel": "about"})
        else:
            subjects.append(
                {"name": topic.label, "literal": name, "rel": "about", "uri": topic.uri}
            )
    subjects.extend({"name": tag, "rel": "keyword"} for tag in article.tags)
    if article.genre:
        genre = {"name": genre_label(article.genre)}
        if article.genre in IPTC_GENRES:
            genre["uri"] = IPTC_GENRE_BASE + IPTC_GENRES[article.genre]
        doc["genres"] = [genre]
    if article.sources:
        doc["infoSources"] = [_infosource(text) for text in article.sources]
    if article.location:
        doc["places"] = [{"name": article.location}]
    if article.methods:
        doc.setdefault("descriptions", []).append({"role": "methods", "value": article.methods})
    if subjects:
        doc["subjects"] = subjects
    image = media_image(article)
    if image:
        media = next(m for m in article.media if m.name == image)
        doc["associations"] = [
            {
                "name": "leadimage",
                "uri": f"{article_uri(article.slug)}:media:{quote(image)}",
                "type": "picture",
                "renditions": [
                    {
                        "name": "original",
                        "href": f"media/{quote(image)}",
                        "contentType": media.media_type,
                        "sizeInBytes": len(media.data),
                    }
                ],
            }
        ]
    return doc


def _infosource(text: str) -> dict[str, str]:
    label, link = reference_parts(text)
    return {"name": label, **({"uri": link} if link else {})}


def ninjs(article: Article, *, version: int, taxonomy: TopicLookup) -> bytes:
    """article.json of a bundle: ninjs 3.1 as canonical JSON (sorted keys, 2-space indent)."""
    doc = ninjs_document(article, version=version, taxonomy=taxonomy)
    return (indented_json(doc) + "\n").encode("utf-8")


def indented_json(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2)``, the same text,
    written directly for what a ninjs object holds (objects with text keys, arrays, text,
    whole numbers, booleans, null); anything else goes to ``json.dumps``. The json module
    writes with its pure-Python encoder when given an indent, most of the cost of a small
    document; strings here still go through its C escaper."""
    parts: list[str] = []
    try:
        _write(value, "\n", parts)
    except _Other:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2)
    return "".join(parts)


class _Other(Exception):
    """A value ``_write`` leaves to ``json.dumps``."""


_STRING: Final = json.encoder.encode_basestring  # ensure_ascii=False: the C one when built
_LITERALS: Final = {True: "true", False: "false", None: "null"}


def _write(value: Any, newline: str, parts: list[str]) -> None:
    """Append the indented JSON of ``value`` to ``parts``; ``newline``: a newline and the
    indent of the line ``value`` starts on."""
    kind = type(value)
    if kind is str:
        parts.append(_STRING(value))
    elif kind is dict:
        if not value:
            parts.append("{}")
            return
        inner = newline + "  "
        before = "{" + inner
        for key in sorted(value):
            if type(key) is not str:
                raise _Other
            parts += (before, _STRING(key), ": ")
            _write(value[key], inner, parts)
            before = "," + inner
        parts.append(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            parts.append("[]")
            return
        inner = newline + "  "
        before = "[" + inner
        for item in value:
            parts.append(before)
            _write(item, inner, parts)
            before = "," + inner
        parts.append(newline + "]")
    elif kind is int:
        parts.append(int.__repr__(value))
    elif kind is bool or value is None:
        parts.append(_LITERALS[value])
    else:
        raise _Other
