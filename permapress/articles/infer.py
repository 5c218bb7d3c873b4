"""What the importers fill in when a source leaves it out, so that nothing published is lost.

    headline_from_text(markdown, limit=80) -> str     the first sentence, cut at a word
    headline_from_link(link) -> str                   the link's last path segment, else host
    link_only_body(link) -> str                       "Read the original at <link>." as Markdown
    trimmed_url(value) -> str | None                  a URL without surrounding whitespace
    markup_text(html) -> str                          the words of HTML the sanitiser removed
                                                      whole (MathML, SVG), scripts excluded
    when(moment) -> str                               a date as a note shows it

An item without a title gets the first sentence of its text (at most ``limit`` characters,
cut at a word, "…" when cut); without text either, a title made from its link. An item without
any text but with a link becomes a link-only article: its body is one paragraph pointing at the
original, its summary what the source gave. The article's ``inferred`` field names each filled
in field and the importer adds a note saying what it did.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Final
from urllib.parse import unquote, urlsplit

import lxml.html
from lxml import etree

from permapress.articles.markup import markdown_to_text
from permapress.articles.model import one_line

HEADLINE_LIMIT: Final = 80
_SENTENCE_END: Final = re.compile(r"(?<=[.!?…。！？])[\"'”’)\]]*\s")
_HARD_BREAK: Final = re.compile(r"\\(?=\s|$)")  # Markdown's backslash line break
_ANGLE_UNSAFE: Final = re.compile(r"[\s<>]")


def headline_from_text(markdown: str, limit: int = HEADLINE_LIMIT) -> str:
    """The first sentence of ``markdown``'s text, cut at a word to ``limit`` characters."""
    text = one_line(_HARD_BREAK.sub(" ", markdown_to_text(markdown)))
    if not text:
        return ""
    end = _SENTENCE_END.search(text + " ")
    sentence = (text + " ")[: end.start()].strip() if end else text
    sentence = sentence.rstrip(".").strip() or sentence
    if len(sentence) <= limit:
        return sentence
    cut = sentence[: limit - 1]
    if " " in cut and not sentence[limit - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—") + "…"


def headline_from_link(link: str) -> str:
    """A readable title from a URL: its last path segment as words, else its host."""
    parts = urlsplit(link.strip())
    segment = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])
    segment = re.sub(r"\.(?:s?html?|php|aspx?)$", "", segment, flags=re.IGNORECASE)
    words = one_line(re.sub(r"[-_+]+", " ", segment))
    if words and not words.isdigit():
        return words[:1].upper() + words[1:]
    return parts.netloc or one_line(link)


def trimmed_url(value: object) -> str | None:
    """``value`` without surrounding whitespace, or None when it is not a non-empty string."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    return url or None


def markup_text(html: str) -> str:
    """The visible words of an HTML fragment (not of its scripts or styles), on one line."""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    for element in root.iter("script", "style", "{*}script", "{*}style"):
        element.drop_tree()
    return one_line(root.text_content())


def link_only_body(link: str) -> str:
    """The body of an article the source gave no text for: a pointer to the original."""
    target = f"<{link}>" if not _ANGLE_UNSAFE.search(link) else link.replace(" ", "%20")
    label = link.replace("[", "\\[").replace("]", "\\]")
    return f"Read the original at [{label}]({target})."


def when(moment: datetime) -> str:
    """``moment`` in UTC as a note shows it: "2025-03-04 08:30 UTC"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
