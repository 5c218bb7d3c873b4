"""The editable fields of an article in the admin: which there are, their limits, checking them.

    FIELDS = TEXT_FIELDS + LIST_FIELDS   headline, summary, body, language, image, genre,
                                         methods, location; authors, categories, tags, sources
    clean_fields(values, partial=…)      the fields of a request, checked (400 naming the field);
                                         unknown names refused by name; ``partial=False`` fills
                                         in the missing ones empty
    fields_of(article)                   an Article's fields, as the editor shows them
    diff_fields(theirs, yours)           field by field, what a refused save would have changed

What the API stores and shows as an article's text is exactly these fields.
"""

from __future__ import annotations

import difflib
from typing import Any

from permapress.admin.errors import bad_request
from permapress.articles.model import GENRES, Article

TEXT_FIELDS = ("headline", "summary", "body", "language", "image", "genre", "methods", "location")
LIST_FIELDS = ("authors", "categories", "tags", "sources")
FIELDS = TEXT_FIELDS + LIST_FIELDS
LIMITS = {"headline": 500, "summary": 5000, "body": 2_000_000, "language": 35, "image": 300,
          "genre": 40, "methods": 20_000, "location": 300}  # fmt: skip


def clean_fields(values: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """The editable fields of a request, checked; unknown names are refused by name."""
    unknown = sorted(set(values) - set(FIELDS) - {"revision", "slug", "note"})
    if unknown:
        raise bad_request(
            f"unknown field(s) {', '.join(unknown)}; the fields are {', '.join(FIELDS)}"
        )
    out: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if value is None and name == "image":
            out[name] = None
            continue
        if not isinstance(value, str):
            raise bad_request(f"{name} must be text")
        if len(value) > LIMITS[name]:
            raise bad_request(f"{name} is longer than {LIMITS[name]} characters")
        out[name] = value
    for name in LIST_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if isinstance(value, str):  # "a, b" from a form field
            value = [part for part in (p.strip() for p in value.split(",")) if part]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad_request(f"{name} must be a list of text")
        if len(value) > 100 or any(len(v) > 300 for v in value):
            raise bad_request(f"{name}: at most 100 entries of 300 characters")
        out[name] = [" ".join(v.split()) for v in value if v.strip()]
    if out.get("genre") and out["genre"] not in GENRES:
        raise bad_request(f"genre {out['genre']!r} is not one of {', '.join(GENRES)}")
    if not partial:
        for name in FIELDS:
            out.setdefault(name, [] if name in LIST_FIELDS else ("" if name != "image" else None))
    return out


def fields_of(article: Article) -> dict[str, Any]:
    return {
        "headline": article.headline, "summary": article.summary, "body": article.body,
        "language": article.language, "image": article.image, "genre": article.genre,
        "methods": article.methods, "location": article.location,
        "authors": list(article.authors), "categories": list(article.categories),
        "tags": list(article.tags), "sources": list(article.sources),
    }  # fmt: skip


def diff_fields(theirs: dict[str, Any], yours: dict[str, Any]) -> list[dict[str, Any]]:
    """Field by field, what a refused save would have changed in the current text."""
    out: list[dict[str, Any]] = []
    for name in FIELDS:
        if name not in yours or yours[name] == theirs.get(name):
            continue
        a, b = theirs.get(name), yours[name]
        if isinstance(a, list) or isinstance(b, list):
            a_text, b_text = "\n".join(a or []), "\n".join(b or [])
        else:
            a_text, b_text = a or "", b or ""
        unified = "\n".join(difflib.unified_diff(
            a_text.splitlines(), b_text.splitlines(),
            fromfile=f"{name} (saved)", tofile=f"{name} (yours)", lineterm="",
        ))  # fmt: skip
        out.append({"field": name, "theirs": a, "yours": b, "unified": unified})
    return out
