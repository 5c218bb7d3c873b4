"""Shared helpers for the article tests: a valid article to vary, and tiny real images."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from data_paths import SEED_ARTICLE

from permapress.articles.model import Article, Media

# The smallest real files of each kind (headers as the formats define them).
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
SEED = SEED_ARTICLE


def make_article(**changes: object) -> Article:
    fields: dict[str, object] = {
        "headline": "Harbour council passes its budget",
        "slug": "harbour-council-passes-its-budget",
        "published": datetime(2025, 3, 12, 23, 10, tzinfo=UTC),
        "modified": None,
        "authors": ("Mirela Sandoval",),
        "categories": ("Politics & Government",),
        "tags": ("budget",),
        "summary": "The council voted.",
        "language": "en",
        "body": "The council voted seven to four.",
        "media": (),
        "image": None,
        "draft": False,
        "source": None,
    }
    fields.update(changes)
    return Article(**fields)  # type: ignore[arg-type]


@pytest.fixture
def article() -> Article:
    return make_article()


@pytest.fixture
def jpeg_media() -> Media:
    return Media(name="harbour.jpg", data=JPEG, media_type="image/jpeg")
