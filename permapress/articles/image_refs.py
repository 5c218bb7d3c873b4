"""Where an article's body shows remote images, and the largest ``srcset`` candidates of a page.

    body_refs(body) -> [ImageRef]   each place that shows an image from elsewhere: Markdown
                                    images (inline and reference definitions) and raw <img src>
    largest_sources(html, base) -> {src: url}   for each <img srcset> of a page: its src (and
                                    every candidate) -> the largest candidate, absolute

Each ``ImageRef`` holds the span to replace with ``media/<name>`` and the edits that turn the
image into a link when its download fails (``![alt][label]`` uses of a failed definition too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import urljoin

from markdown_it.common.utils import unescapeAll

from permapress.articles.downloader import is_remote
from permapress.articles.mdscan import Source, destinations, new_parser

_PARSER: Final = new_parser()
_HTML_IMG: Final = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_HTML_IMG_START: Final = re.compile(r"<img\b", re.IGNORECASE)
_ATTRIBUTE: Final = r"\s{name}\s*=\s*(?:\"(?P<d>[^\"]*)\"|'(?P<s>[^']*)'|(?P<u>[^\s\"'=<>`]+))"
_SRC: Final = re.compile(_ATTRIBUTE.format(name="src"), re.IGNORECASE)
_ALT: Final = re.compile(_ATTRIBUTE.format(name="alt"), re.IGNORECASE)
_SRCSET: Final = re.compile(_ATTRIBUTE.format(name="(?:data-)?srcset"), re.IGNORECASE)
_SCAN: Final = 4096  # how far back "[label]:" is looked for (a label holds at most 999)
_DEFINITION: Final = re.compile(r"[ \t>]*\[((?:[^\]\\\n]|\\.){1,999})\]:")
_DEFINITION_END: Final = re.compile(r"\[((?:[^\]\\]|\\.){1,999})\]:\s*$")
_LABEL_AFTER: Final = re.compile(r"\[((?:[^\]\\]|\\.){0,999})\]")


@dataclass(frozen=True, slots=True)
class ImageRef:
    """One place in the body that shows a remote image."""

    url: str  # absolute, unescaped
    start: int  # the span to replace with "media/<name>"
    end: int
    fallback: tuple[tuple[int, int, str], ...]  # the edits that make it a link on failure


def _bracket_pairs(text: str) -> dict[int, int]:
    """Each unescaped '[' that is closed -> its ']', and each such ']' -> its '[' (one pass)."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    escaped = False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "[":
            stack.append(i)
        elif ch == "]" and stack:
            opening = stack.pop()
            pairs[opening] = i
            pairs[i] = opening
    return pairs


def _image_sources(tokens: list[object]) -> set[str]:
    found: set[str] = set()
    stack = list(tokens)
    while stack:
        token = stack.pop()
        for child in getattr(token, "children", None) or ():
            if child.type == "image":
                found.add(str(child.attrs.get("src", "")))
            stack.append(child)
    return found


def _attribute(match: re.Match[str] | None) -> tuple[str, int, int] | None:
    if match is None:
        return None
    group = next(g for g in ("d", "s", "u") if match.group(g) is not None)
    return match.group(group), match.start(group), match.end(group)


def _absolute(url: str) -> str:
    """A protocol-relative address ("//cdn.example/a.jpg") as https; others as they are."""
    url = url.strip()
    return "https:" + url if url.startswith("//") else url


def _label(text: str) -> str:
    """A reference label as CommonMark matches it: case and inner whitespace do not count."""
    return " ".join(text.split()).casefold()


def _definition_label(text: str, destination: int) -> str | None:
    """The label of the reference definition whose destination starts at ``destination``."""
    line = text.rfind("\n", 0, destination) + 1
    head = _DEFINITION.match(text, line, destination)
    if head is None:  # the destination on the line after "[label]:"
        window = max(0, destination - _SCAN)
        head = _DEFINITION_END.search(text, window, destination)
    return _label(head.group(1)) if head else None


def _reference_uses(source: Source, pairs: dict[int, int]) -> dict[str, list[int]]:
    """For each label, where the '!' of each reference-style image that uses it is:
    ``![alt][label]``, the collapsed ``![label][]`` and the shortcut ``![label]``."""
    text = source.text
    uses: dict[str, list[int]] = {}
    for bang in re.finditer(r"!\[", text):
        at = bang.start()
        if source.code[at] or (at > 0 and text[at - 1] == "\\"):
            continue
        close = pairs.get(at + 1)
        if close is None or text[close + 1 : close + 2] == "(":
            continue  # unclosed, or an inline image
        after = _LABEL_AFTER.match(text, close + 1)
        used = (after.group(1) if after else "") or text[at + 2 : close]
        uses.setdefault(_label(used), []).append(at)
    return uses


def body_refs(body: str) -> list[ImageRef]:
    if "//" not in body or ("![" not in body and _HTML_IMG_START.search(body) is None):
        return []  # no image at all, or none from elsewhere: no need to parse
    source = Source(body)
    shown = _image_sources(list(source.tokens))
    refs: list[ImageRef] = []
    uses: dict[str, list[int]] | None = None
    pairs: dict[int, int] | None = None
    for dest in destinations(source):
        if dest.kind == "autolink":
            continue
        raw = unescapeAll(dest.raw(body))
        url = _absolute(raw)
        if not is_remote(url) or _PARSER.normalizeLink(raw) not in shown:
            continue
        if dest.kind == "inline":  # an image, not a link to the same address: "![…](url)"
            pairs = _bracket_pairs(body) if pairs is None else pairs
            close = body.rfind("]", 0, dest.start)
            opening = pairs.get(close) if close >= 0 else None
            if opening is None or opening == 0 or body[opening - 1] != "!":
                continue
            fallback: tuple[tuple[int, int, str], ...] = ((opening - 1, opening, ""),)
        else:  # a definition "[label]: url" that "![alt][label]" images use
            pairs = _bracket_pairs(body) if pairs is None else pairs
            uses = _reference_uses(source, pairs) if uses is None else uses
            label = _definition_label(body, dest.start)
            fallback = tuple((at, at + 1, "") for at in uses.get(label or "", ()))
        refs.append(ImageRef(url, dest.start, dest.end, fallback))
    for match in _HTML_IMG.finditer(body):
        if source.code[match.start()]:
            continue
        src = _attribute(_SRC.search(match.group(0)))
        if src is None:
            continue
        url = _absolute(unescapeAll(src[0]))
        if not is_remote(url):
            continue
        alt = _attribute(_ALT.search(match.group(0)))
        label = alt[0] if alt and alt[0].strip() else "image"
        link = f'<a href="{src[0]}">{label}</a>'
        refs.append(ImageRef(url, match.start() + src[1], match.start() + src[2],
                         ((match.start(), match.end(), link),)))  # fmt: skip
    refs.sort(key=lambda r: r.start)
    return refs


def largest_sources(html: str, base: str | None) -> dict[str, str]:
    """Each image source of a page that has a larger ``srcset`` candidate -> that candidate
    (both absolute against ``base``), so the largest is archived whatever the extraction kept
    of the ``<img>``."""
    if "srcset" not in html:
        return {}
    from permapress.articles.htmltomd import largest_candidate

    found: dict[str, str] = {}
    for tag in _HTML_IMG.finditer(html):
        srcset = _attribute(_SRCSET.search(tag.group(0)))
        if srcset is None:
            continue
        listed = unescapeAll(srcset[0])
        best = largest_candidate(listed)
        if best is None:
            continue
        best = urljoin(base or "", best)
        candidates = re.split(r",\s+", listed)
        sources = [c.split()[0] for c in candidates if c.strip()]
        src = _attribute(_SRC.search(tag.group(0)))
        for small in ([unescapeAll(src[0])] if src else []) + sources:
            found.setdefault(urljoin(base or "", small), best)
    return found

