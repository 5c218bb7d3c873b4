"""Reader for article pages in the shape newsrooms paste from their sites (the seed article).

    FORMAT = "page"
    sniff(path, head) -> bool                      a headline line, then a date line
    read(path, *, tz=UTC, text=None) -> [Article]  one article per file

The shape, top to bottom (blank lines anywhere between the parts):

    ## Netanyahu, Trump Push for Gaza Ceasefire in DC Talks     headline; leading '#'s optional
    July 8, 2025                                               date: also 8 July 2025,
                                                               2025-07-08, Jul 8, 2025 …
    By Jane Doe and John Smith                                 byline, optional (names:
                                                               capitalised words)
    — Categories: Politics & Government                        em dash, en dash, hyphen or none
    — Tags: Gaza, diplomacy                                    optional
    First paragraph …                                          body: paragraphs (Markdown)
    [Download IPFS](#)                                         a download link: not body text

The date is midnight in ``tz`` (the newsroom's timezone) unless the line gives a time. The slug
is headline_slug(headline), the summary the first paragraph shortened, the language "en". The
body is sanitised. A file that does not have this shape raises ``ArticleError`` saying what is
missing.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Final

from permapress.articles.dates import parse_datetime
from permapress.articles.markup import summarize
from permapress.articles.model import Article, validate
from permapress.articles.sanitize import sanitize_markdown
from permapress.articles.slug import headline_slug
from permapress.articles.textfile import head_text, read_text
from permapress.errors import ArticleError

FORMAT: Final = "page"
EXTENSIONS: Final = (".txt", ".text")
LANGUAGE: Final = "en"
HEADLINE_MAX: Final = 300
DATE_LINE_MAX: Final = 60

_HEADING_MARKS: Final = re.compile(r"^#{1,6}\s+(.*?)(?:\s+#+)?\s*$")
_LABELLED: Final = re.compile(r"^(?:[—–-]{1,2}\s*)?(categories|category|tags)\s*:\s*(.*)$", re.I)
_BYLINE: Final = re.compile(r"^by\s+(.+)$", re.IGNORECASE)
_NAME_SPLIT: Final = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*")
_PARTICLES: Final = frozenset(
    {"de", "da", "di", "do", "dos", "das", "del", "della", "der", "den", "van", "von", "la", "le",
     "du", "al", "el", "bin", "ibn", "y", "e", "ter", "ten", "zu", "af", "av"}
)  # fmt: skip
_DOWNLOAD: Final = re.compile(r"^\[\s*download\s+ipfs\s*\]\([^)]*\)\s*$", re.IGNORECASE)


def _headline(line: str) -> str:
    match = _HEADING_MARKS.match(line.strip())
    return (match.group(1) if match else line).strip().strip("*_").strip()


def _date(line: str, tz: tzinfo) -> datetime | None:
    line = line.strip()
    if not line or len(line) > DATE_LINE_MAX:
        return None
    try:
        return parse_datetime(line, tz, "date")
    except ArticleError:
        return None


def _non_blank(lines: list[str], start: int) -> int:
    while start < len(lines) and not lines[start].strip():
        start += 1
    return start


def sniff(path: Path, head: bytes) -> bool:
    """True when the first non-blank line could be a headline and the next one is a date."""
    lines = head_text(head).split("\n")
    first = _non_blank(lines, 0)
    if first >= len(lines):
        return False
    line = lines[first].strip()
    if line in ("---", "+++") or line.startswith("<") or len(line) > HEADLINE_MAX:
        return False
    second = _non_blank(lines, first + 1)
    return second < len(lines) and _date(lines[second], UTC) is not None


def _names(text: str) -> list[str]:
    return [name.strip() for name in _NAME_SPLIT.split(text) if name.strip()]


def _byline(line: str) -> list[str] | None:
    """The names of a 'By …' line, or None when the line reads like a sentence instead."""
    match = _BYLINE.match(line)
    if match is None or len(line) > 200:
        return None
    names = _names(match.group(1))
    for name in names:
        words = name.split()
        if not 1 <= len(words) <= 5:
            return None
        for word in words:
            if word.lower() not in _PARTICLES and not word[:1].isupper():
                return None
    return names or None


def read(path: Path, *, tz: tzinfo = UTC, text: str | None = None) -> list[Article]:
    """The article in the page file ``path`` (``text``: its already decoded content)."""
    source = str(path)
    if text is None:
        text = read_text(path)
    lines = text.split("\n")
    index = _non_blank(lines, 0)
    if index >= len(lines):
        raise ArticleError("is empty", source=source)
    headline = _headline(lines[index])
    if not headline or len(headline) > HEADLINE_MAX:
        raise ArticleError(
            "the first line should be the headline (one line, at most "
            f"{HEADLINE_MAX} characters)",
            source=source,
        )
    index = _non_blank(lines, index + 1)
    found = lines[index].strip() if index < len(lines) else ""
    published = _date(found, tz)
    if published is None:
        raise ArticleError(
            f"the line after the headline should be the date, like 'July 8, 2025'; found "
            f"{found[:60]!r}",
            source=source,
        )
    authors: list[str] = []
    categories: list[str] = []
    tags: list[str] = []
    index = _non_blank(lines, index + 1)
    while index < len(lines):
        line = lines[index].strip()
        labelled = _LABELLED.match(line)
        byline = None if authors else _byline(line)
        if labelled:
            names = [n.strip() for n in labelled.group(2).split(",") if n.strip()]
            (tags if labelled.group(1).lower() == "tags" else categories).extend(names)
        elif byline:
            authors = byline
        else:
            break
        index = _non_blank(lines, index + 1)
    body = _body(lines[index:])
    if not body:
        raise ArticleError("has a headline and a date but no body paragraphs", source=source)
    body = sanitize_markdown(body)
    article = Article(
        headline=headline,
        slug=headline_slug(headline),
        published=published,
        modified=None,
        authors=tuple(authors),
        categories=tuple(categories),
        tags=tuple(tags),
        summary=summarize(body),
        language=LANGUAGE,
        body=body,
        source=source,
    )
    return [validate(article)]


def _body(lines: list[str]) -> str:
    """Paragraphs separated by one blank line; the Download IPFS link dropped."""
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            paragraphs[-1].append(line.rstrip())
        elif paragraphs[-1]:
            paragraphs.append([])
    kept = [
        "\n".join(p) for p in paragraphs if p and not (len(p) == 1 and _DOWNLOAD.match(p[0]))
    ]
    return "\n\n".join(kept)
