"""Bylines and headline tails: who wrote a page, and a headline without the site's name.

    author_names(text) -> [str]           "By Jane Doe and John Smith" -> ["Jane Doe", "John Smith"]
    clean_authors(names, publishers=()) -> (str, ...)   placeholders and the publisher removed
    strip_site_name(title, sites=(), *, short_tail=True) -> str   "Headline | Paper" -> "Headline"
    strip_section(title, sections) -> str   "Opinion | The budget is wrong" -> "The budget is wrong"

Headlines lose a site name the page appends or prepends ("Storm hits coast | The Japan
Times", "Storm hits coast - BBC News", "The Paper » Storm hits coast"): the part beyond a
separator is cut when it names the site, and after " | " also when it is a short tail of at
most four words. Authors: a byline is split at ";", "&", " and " (und, et, y, e) and at commas
between full names (not in "Doe, Jane"); placeholders ("No Author", "Staff", "Admin", "Staff
Writer", "Anonymous", "Unknown" …) and names equal to the publisher or the site are dropped, and
repeats are removed. Used by ``htmlmeta.page_meta`` and the other readers.
"""

from __future__ import annotations

import re
from typing import Final

_NAME_SPLIT: Final = re.compile(r"\s*;\s*|\s+(?:and|und|et|y|e)\s+|\s*&\s*|\s*,\s*")
_BY: Final = re.compile(r"^(?i:by)\s+|^(?:von|par|por|di|door|av|af)\s+(?=[A-ZÀ-Þ])")
_NAME_SPLIT_NO_COMMA: Final = re.compile(r"\s*;\s*|\s+(?:and|und|et|y|e)\s+|\s*&\s*")
_PLACEHOLDERS: Final = frozenset(
    {
        "no author", "none", "null", "unknown", "anonymous", "anon", "n/a", "na", "author",
        "staff", "staff writer", "staff writers", "staff reporter", "staff reporters", "admin",
        "administrator", "administrador", "webmaster", "editor", "editors", "the editors",
        "editorial", "editorial staff", "editorial team", "editorial board", "newsroom",
        "news desk", "newsdesk", "web desk", "webdesk", "desk", "guest", "guest author",
        "contributor", "contributors", "redaktion", "rédaction", "redacción", "redazione",
        "redactie", "redação", "user", "default", "wire", "wire service", "wires",
    }
)  # fmt: skip
_ROLES: Final = frozenset({"writer", "reporter", "correspondent", "editor", "columnist",
                           "contributor", "staff", "desk", "bureau"})  # fmt: skip
_AFFILIATION: Final = re.compile(r"\s*(?:[,|/]|\s[-–—]|\.)\s+(?P<tail>[^,|/]+)$")
_DOMAIN_LIKE: Final = re.compile(r"\b[\w-]+\.(?:com|org|net|co|news|io|de|fr|uk|in|ru)\b", re.I)
_SEPARATOR: Final = re.compile(r"\s+[|\-–—:·•»/]\s+|\s*[|·•»]\s*")


def name_key(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def author_names(text: str) -> list[str]:
    """Names from a byline ("By Jane Doe and John Smith"); URLs are not names."""
    text = _BY.sub("", " ".join(text.split()))
    if not text or "://" in text or text.startswith("@"):
        return []
    names: list[str] = []
    for part in _NAME_SPLIT_NO_COMMA.split(text):
        pieces = [piece.strip() for piece in part.split(",")]
        # "Doe, Jane" is one name; "Jane Doe, John Smith" are two.
        if len(pieces) > 1 and all(len(piece.split()) >= 2 for piece in pieces if piece):
            names.extend(piece for piece in pieces if piece)
        elif part.strip():
            names.append(part.strip())
    return [_BY.sub("", name) for name in names if name and "://" not in name]


def clean_authors(
    names: list[str] | tuple[str, ...], publishers: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """``names`` without placeholders, the publisher's or site's own name, and repeats."""
    banned = {name_key(p) for p in publishers if p} - {""}
    kept: list[str] = []
    seen: set[str] = set()
    for raw in names:
        name = " ".join(raw.split()).strip(" ,;|-–—")
        affiliation = _AFFILIATION.search(name)
        if affiliation and (
            _DOMAIN_LIKE.search(affiliation["tail"])
            or is_site(affiliation["tail"], publishers, loose=True)
            or affiliation["tail"].split()[-1].casefold() in _ROLES
        ):
            name = name[: affiliation.start()].strip()  # "Jane Doe, Example.com" -> "Jane Doe"
        words = name.split()
        if words and words[-1].casefold().rstrip("s") in _ROLES:
            continue  # a role, not a name: "AP Auto Writer", "Metro Desk"
        key = name_key(name)
        lowered = name.casefold()
        if not key or key in seen or key.isdigit() or lowered in _PLACEHOLDERS:
            continue
        if key in banned or lowered.endswith((" staff", " staff writer", " staff reporter")):
            continue
        if "@" in name and " " not in name:
            continue  # an e-mail address or handle
        seen.add(key)
        kept.append(name)
    return tuple(kept)


def is_site(part: str, sites: tuple[str, ...], *, loose: bool) -> bool:
    """``part`` names the site: equal to one of ``sites`` or, ``loose``, a short text holding
    one ("BBC News" for bbc.co.uk)."""
    key = name_key(part)
    if not key:
        return False
    for site in sites:
        other = name_key(site)
        if other == key:
            return True
        if loose and len(other) >= 3 and len(part.split()) <= 6 and (other in key or key in other):
            return True
    return False


def strip_section(title: str, sections: tuple[str, ...]) -> str:
    """``title`` without a leading section name ("Opinion | The budget is wrong")."""
    head, separator, rest = title.partition(" | ")
    if separator and rest and any(name_key(head) == name_key(s) for s in sections if s):
        return rest.strip()
    return title


def strip_site_name(title: str, sites: tuple[str, ...] = (), *, short_tail: bool = True) -> str:
    """``title`` without the site's name appended or prepended after a separator (and, with
    ``short_tail``, without a tail of at most four words after " | ")."""
    title = " ".join(title.split())
    parts = _SEPARATOR.split(title)
    seps = _SEPARATOR.findall(title)
    if len(parts) < 2:
        return title
    while len(parts) > 1 and is_site(parts[-1], sites, loose=True):
        parts, seps = parts[:-1], seps[:-1]
    while len(parts) > 1 and is_site(parts[0], sites, loose=False):
        parts, seps = parts[1:], seps[1:]
    if short_tail and len(parts) > 1 and "|" in seps[-1] and len(parts[-1].split()) <= 4:
        head = "".join(p + s for p, s in zip(parts[:-2], seps[:-1], strict=True)) + parts[-2]
        if len(head.split()) >= 3:
            parts, seps = parts[:-1], seps[:-1]
    out = parts[0]
    for sep, part in zip(seps, parts[1:], strict=True):
        out += sep + part
    return out.strip() or title
