"""The rows of admin.sqlite as Python values, and how the article list's filters are tokens.

    User, Draft, MediaItem, IndexRow   one row each (``USER_COLUMNS``, ``DRAFT_COLUMNS`` are
                                       the columns ``user_of`` and ``draft_of`` read)
    dumps(data)                        JSON as admin.sqlite keeps it (sorted keys, compact)
    facet(kind, value), facets(row)    a filter (status, owner, section, author) as one search
                                       token of its own; every token of an index row
    index_rows(rows), index_row_of(r)  IndexRow values from admin_index's columns
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class User:
    id: str
    email: str
    name: str
    role: str
    owner: bool
    status: str
    has_password: bool
    totp: bool
    created: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "email": self.email, "name": self.name, "role": self.role,
            "owner": self.owner, "status": self.status, "totp": self.totp,
            "created": self.created,
        }  # fmt: skip


USER_COLUMNS = (
    "id, email, name, role, owner, status, password IS NOT NULL, totp IS NOT NULL, created"
)


def user_of(row: Sequence[Any]) -> User:
    return User(
        str(row[0]), str(row[1]), str(row[2]), str(row[3]), bool(row[4]), str(row[5]),
        bool(row[6]), bool(row[7]), str(row[8]),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Draft:
    """An article's editable copy in the admin."""

    slug: str
    owner: str | None
    status: str
    revision: int
    data: dict[str, Any]
    created: str
    updated: str
    updated_by: str | None
    publish_at: str | None
    published_revision: int | None  # the revision last published (None: never)


DRAFT_COLUMNS = (
    "slug, owner, status, revision, data, created, updated, updated_by, publish_at, "
    "published_revision"
)


def draft_of(row: Sequence[Any]) -> Draft:
    return Draft(
        str(row[0]), row[1], str(row[2]), int(row[3]), json.loads(row[4]), str(row[5]),
        str(row[6]), row[7], row[8], row[9],
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class MediaItem:
    id: int
    slug: str
    name: str
    media_type: str
    cid: str
    size: int
    uploaded: str
    user_id: str | None


@dataclass(frozen=True, slots=True)
class IndexRow:
    slug: str
    headline: str
    status: str
    owner: str | None
    updated: str
    published: str
    summary: str
    sections: list[str]
    authors: list[str]


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def facet(kind: str, value: str) -> str:
    """One filter as a search token of its own: the kind's letter and a digest of the value
    (letters and digits only, so the tokenizer keeps it whole)."""
    digest = hashlib.sha256(value.strip().casefold().encode("utf-8")).hexdigest()[:16]
    return f"z{kind[0]}{digest}"


def facets(row: IndexRow) -> list[str]:
    found = [facet("status", row.status), facet("owner", row.owner or "")]
    found += [facet("section", s) for s in row.sections]
    found += [facet("author", a) for a in row.authors]
    return found


def index_row_of(r: Sequence[Any]) -> IndexRow:
    return IndexRow(
        str(r[0]), str(r[1]), str(r[2]), r[3], str(r[4]), str(r[5]), str(r[6]),
        json.loads(r[7]), json.loads(r[8]),
    )  # fmt: skip


def index_rows(rows: Sequence[Sequence[Any]]) -> list[IndexRow]:
    return [index_row_of(r) for r in rows]
