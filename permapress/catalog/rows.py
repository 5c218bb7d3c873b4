"""The rows the catalog hands out: an article, one of its versions, a media file of a version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class VersionRow:
    slug: str
    number: int
    content_key: str
    bundle_cid: str
    bundle_size: int
    published: str
    effective: str
    recorded: str
    note: str
    document: str
    meta: str
    record_cid: str = ""
    record: str = ""
    signature: str = ""
    # Made once when the version is recorded (a version never changes), so that no site build
    # renders its Markdown or assembles its CAR again; empty for versions recorded before.
    body_html: str = ""
    car_cid: str = ""
    car_tsize: int = 0
    car_size: int = 0


@dataclass(frozen=True, slots=True)
class ArticleRow:
    slug: str
    source: str | None
    status: str
    first_seen: str
    reason: str
    retracted: str | None = None
    purged: bool = False


@dataclass(frozen=True, slots=True)
class MediaRow:
    name: str
    media_type: str
    cid: str
    size: int


VERSION_COLUMNS = (
    "slug, number, content_key, bundle_cid, bundle_size, published, effective, recorded, note, "
    "document, meta, record_cid, record, signature, body_html, car_cid, car_tsize, car_size"
)
ARTICLE_COLUMNS = "slug, source, status, first_seen, reason, retracted, purged"


def article_row(row: Sequence[object]) -> ArticleRow:
    slug, source, status, first_seen, reason, retracted, purged = row
    return ArticleRow(
        str(slug),
        None if source is None else str(source),
        str(status),
        str(first_seen),
        str(reason),
        None if retracted is None else str(retracted),
        bool(purged),
    )
