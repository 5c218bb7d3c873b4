"""Markdown to HTML for display, and to plain text for summaries.

    markdown_to_html(md) -> str      CommonMark + tables + strikethrough; raw HTML allowed, then
                                     the whole output passed through ``clean_html``; a level-1
                                     heading in a body becomes ``<h2>`` (the page owns ``<h1>``)
    markdown_to_text(md) -> str      the words a reader sees, paragraphs joined by blank lines
    summarize(md, limit=280) -> str  the first paragraph's text (headings, code and image-only
                                     paragraphs skipped), cut at a word boundary with '…'
    remember_html(md, html)          keep ``html`` as ``markdown_to_html(md)`` (an import's worker
                                     process rendered it; the recording process need not again)

Each uses ``mdscan.parse``: a body that was just read and sanitised is not parsed again.

Deterministic (same Markdown, same output) and safe for any input: nothing that runs script can
come out of ``markdown_to_html``.
"""

from __future__ import annotations

from typing import Final

from markdown_it.token import Token

from permapress.articles.mdscan import new_parser, parse
from permapress.articles.sanitize import clean_html

_PARSER: Final = new_parser()
SUMMARY_LIMIT: Final = 280
_KEPT_HTML: Final = 2048
_HTML: dict[str, str] = {}


def markdown_to_html(md: str) -> str:
    """Safe HTML for the Markdown ``md``; see the module docstring.

    Pure, so it is memoised: a build shows the same body on the article page and in several
    feeds, and an import renders it for the bundle page and for article.json."""
    html = _HTML.get(md)
    if html is None:
        html = _render(md)
        remember_html(md, html)
    return html


def remember_html(md: str, html: str) -> None:
    """Keep ``html`` (made by ``markdown_to_html(md)``, perhaps in another process)."""
    if len(_HTML) >= _KEPT_HTML:
        del _HTML[next(iter(_HTML))]  # the oldest entry
    _HTML[md] = html


def _render(md: str) -> str:
    tokens = parse(md)  # shared: the heading tags are put back after rendering
    headings = [t for t in tokens if t.tag == "h1" and t.type in ("heading_open", "heading_close")]
    for token in headings:
        token.tag = "h2"
    try:
        html = _PARSER.renderer.render(tokens, _PARSER.options, {})
    finally:
        for token in headings:
            token.tag = "h1"
    return clean_html(html)


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    after_image = False
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            if after_image and child.content[:1] in (".", ",", ";", ":", "!", "?", ")"):
                parts = ["".join(parts).rstrip()]
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            after_image = True
            continue
        elif child.children:
            parts.append(_inline_text(child))
        if child.type != "image":
            after_image = after_image and child.type not in ("text", "code_inline")
    return " ".join("".join(parts).split())


def _paragraphs(md: str, *, prose_only: bool = False) -> list[str]:
    out: list[str] = []
    tokens = parse(md)
    for index, token in enumerate(tokens):
        if prose_only:
            if token.type == "inline" and tokens[index - 1].type == "paragraph_open":
                text = _inline_text(token)
                if text:
                    out.append(text)
        elif token.type == "inline":
            text = _inline_text(token)
            if text:
                out.append(text)
        elif token.type in ("fence", "code_block"):
            text = token.content.strip()
            if text:
                out.append(text)
    return out


def markdown_to_text(md: str) -> str:
    """The visible words of ``md``: one paragraph (or heading, list item …) per block."""
    return "\n\n".join(_paragraphs(md))


def summarize(md: str, limit: int = SUMMARY_LIMIT) -> str:
    """The text of the first paragraph of ``md``, at most ``limit`` characters."""
    for token_text in _paragraphs(md, prose_only=True):
        if len(token_text) <= limit:
            return token_text
        cut = token_text[: limit - 1]
        space = cut.rfind(" ")
        if space > limit // 2:
            cut = cut[:space]
        return cut.rstrip(" ,;:.-–—") + "…"
    return ""
