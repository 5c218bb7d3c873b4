"""HTML from the web (CMS bodies, extracted pages, feed content) into clean, safe Markdown.

    html_to_markdown(html, *, base_url=None, images=None) -> str

The steps, each done by a well-kept library where one exists:

1. lxml parses the HTML (fragments and whole documents alike). Links and images are made
   absolute against ``base_url`` when one is given. ``images(src) -> str | None`` may rewrite
   every image source (return the new one) or drop the image (return None). Lazy-loading
   images (``data-src``, ``data-lazy-src``, ``data-original`` with a placeholder ``src``) get
   their real source. ``<h1>`` becomes ``<h2>`` (the page owns the headline); a ``<div>``,
   ``<section>``, ``<article>`` … that holds only text and inline elements becomes a paragraph,
   one that holds blocks is unwrapped.
2. nh3 removes everything a news article does not need (``sanitize.clean_html``).
3. markdownify writes CommonMark: ATX headings, '-' bullets, '*' emphasis, GFM tables, line
   breaks as a backslash (no trailing spaces).
4. Line breaks that end a paragraph (``<br>`` before ``</p>``, which would show as a stray
   backslash) are dropped, runs of blank lines collapse to one, and the result goes through
   ``sanitize_markdown``.

Pure and deterministic. Text that lxml cannot parse at all gives "" (the caller decides whether
an empty body is an error).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

import lxml.etree
import lxml.html
from markdownify import MarkdownConverter

from permapress.articles.sanitize import clean_html, sanitize_markdown

ImageRewrite = Callable[[str], "str | None"]



def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_BLOCKS: Final = _words(
    "p div section article main header footer aside nav blockquote ul ol dl li figure table "
    "pre h1 h2 h3 h4 h5 h6 hr form fieldset address details center"
)
_WRAPPERS: Final = _words("div section article main header footer center details")
_LAZY: Final = ("data-src", "data-lazy-src", "data-original", "data-orig-file", "data-url")
_SRCSET: Final = ("srcset", "data-srcset", "data-lazy-srcset")
_BLANK_LINES: Final = re.compile(r"\n{3,}")
_CONTROLS: Final = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TRAILING: Final = re.compile(r"[ \t]+$", re.MULTILINE)
_DANGLING_BREAKS: Final = re.compile(r"(?:\\\n)+(?=\n)|\\\n?\Z")


class _Converter(MarkdownConverter):
    """markdownify with the settings above."""

    def __init__(self) -> None:
        super().__init__(
            heading_style="ATX",
            bullets="-",
            strong_em_symbol="*",
            newline_style="backslash",
            escape_misc=False,
            autolinks=True,
            table_infer_header=True,
        )


def _is_placeholder(src: str | None) -> bool:
    return not src or src.startswith("data:") or src.endswith((".gif#", "blank.gif", "spacer.gif"))


def largest_candidate(srcset: str) -> str | None:
    """The URL of the widest (else highest-density) image a ``srcset`` offers."""
    best: tuple[int, float, str] | None = None
    position, n = 0, len(srcset)
    while position < n:
        while position < n and (srcset[position].isspace() or srcset[position] == ","):
            position += 1
        start = position
        while position < n and not srcset[position].isspace():
            position += 1
        url = srcset[start:position]
        descriptor = ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            end = srcset.find(",", position)
            end = n if end < 0 else end
            descriptor, position = srcset[position:end].strip().lower(), end
        if not url:
            continue
        unit, number = (descriptor[-1:], descriptor[:-1]) if descriptor else ("x", "1")
        try:
            value = float(number)
        except ValueError:
            continue
        rank = (1 if unit == "w" else 0, value, url)
        if unit in ("w", "x") and (best is None or rank[:2] > best[:2]):
            best = rank
    return best[2] if best else None


def _lazy_images(root: lxml.html.HtmlElement) -> None:
    for img in list(root.iter("img")):
        src = img.get("src")
        if _is_placeholder(src):
            src = next((img.get(a) for a in _LAZY if img.get(a)), None) or src
        srcset = next((img.get(a) for a in _SRCSET if img.get(a)), None)
        src = (largest_candidate(srcset) if srcset else None) or src
        if not src or src.startswith("data:"):
            img.drop_tree()
        else:
            img.set("src", src)


def _rewrite_images(root: lxml.html.HtmlElement, images: ImageRewrite) -> None:
    for img in list(root.iter("img")):
        rewritten = images(img.get("src") or "")
        if rewritten is None:
            img.drop_tree()
        else:
            img.set("src", rewritten)


def _reshape(root: lxml.html.HtmlElement) -> None:
    for element in list(root.iter()):
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "h1":
            element.tag = "h2"
        elif tag in _WRAPPERS and element is not root:
            has_block = any(
                isinstance(child.tag, str) and child.tag in _BLOCKS for child in element
            )
            if has_block:
                element.drop_tag()
            else:
                element.tag = "p"


def _parse(html: str) -> lxml.html.HtmlElement | None:
    if not html.strip():
        return None
    try:
        document = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None
    body = document.find("body")
    return body if body is not None else document


def _inner_html(root: lxml.html.HtmlElement) -> str:
    parts = [root.text or ""]
    parts.extend(lxml.html.tostring(child, encoding="unicode") for child in root)
    return "".join(parts)


def html_to_markdown(
    html: str, *, base_url: str | None = None, images: ImageRewrite | None = None
) -> str:
    """Safe Markdown for ``html``; see the module docstring."""
    html = _CONTROLS.sub(" ", html.replace("\x00", ""))  # lxml refuses them in text
    root = _parse(html)
    if root is None:
        return ""
    _lazy_images(root)
    if base_url:
        root.make_links_absolute(base_url, resolve_base_href=True, handle_failures="ignore")
    if images is not None:
        _rewrite_images(root, images)
    _reshape(root)
    cleaned = clean_html(_inner_html(root))
    markdown = _Converter().convert(cleaned)
    markdown = _TRAILING.sub("", markdown.replace("\r\n", "\n").replace("\xa0", " "))
    markdown = _DANGLING_BREAKS.sub("\n", markdown)
    markdown = _BLANK_LINES.sub("\n\n", markdown).strip()
    return sanitize_markdown(markdown) if markdown else ""
