"""An article's metadata as the catalog keeps it: canonical JSON of every field but the media
bytes (``versions.meta``), and back. Light on purpose: the site build reads it for every
article, so it needs nothing but the model.
"""

from __future__ import annotations

import json
from datetime import datetime

from permapress.articles.fields import fields_json, trust_from_fields
from permapress.articles.model import Article, Media


def article_meta(article: Article) -> str:
    """Everything about an article except its media bytes, as canonical JSON."""
    return fields_json(article)


def article_from_meta(meta: str, media_data: dict[str, bytes] | None = None) -> Article:
    """Rebuild an Article; media bytes come from ``media_data`` (empty when not needed)."""
    data = json.loads(meta)
    media_data = media_data or {}
    return Article(
        headline=data["headline"],
        slug=data["slug"],
        published=datetime.fromisoformat(data["published"]),
        modified=datetime.fromisoformat(data["modified"]) if data["modified"] else None,
        authors=tuple(data["authors"]),
        categories=tuple(data["categories"]),
        tags=tuple(data["tags"]),
        summary=data["summary"],
        language=data["language"],
        body=data.get("body", ""),  # a light catalog read leaves the body out
        media=tuple(
            Media(name, media_data.get(name, b""), kind, *origin)
            for name, kind, *origin in data["media"]
        ),
        image=data["image"],
        draft=bool(data["draft"]),
        inferred=tuple(data.get("inferred", ())),
        **trust_from_fields(data),
    )
