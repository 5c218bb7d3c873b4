"""Making HTML and Markdown safe to store and to show. Everything HTML goes through nh3.

    clean_html(html) -> str          keep what a news article needs, drop everything else
    sanitize_markdown(md) -> str     the same Markdown with its raw HTML cleaned and unsafe link
                                     and image destinations neutralised
    unsafe_url(url) -> bool          javascript:, vbscript:, data: or file: (after unescaping)

clean_html keeps p, a[href title], em, strong, blockquote, lists, h2–h6, figure, figcaption,
img[src alt title width height], code, pre, tables, hr, br, sup, sub and a few more inline
elements; links may be http, https, mailto or relative; every ``<a>`` gets
``rel="noopener noreferrer"``. Script, style, iframe, object, embed, svg, math and form are
removed with their content; ``on*`` and ``style`` attributes go (a table cell keeps a plain
``text-align``); data: URLs go everywhere, images included.

sanitize_markdown edits only what is unsafe and leaves the rest byte-identical: blockquotes, '<'
in text, and code (fenced, indented, spans) that shows HTML stay as written. Raw HTML blocks are
replaced by their clean_html form; inline tags are cleaned one by one (a tag of a known HTML
element that is not allowed is removed, a made-up tag like ``<y and y>`` is backslash-escaped so
it shows as text); unsafe destinations become ``#``; an unsafe autolink becomes text. The result
is re-parsed until nothing is left to clean, so ``sanitize_markdown`` is idempotent. Input it
cannot make safe (never seen; a guard) raises ``ArticleError``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any, Final

import nh3
from markdown_it.common.utils import unescapeAll

from permapress.articles.mdscan import (
    Source,
    destinations,
    find_in_lines,
    inline_html,
    may_link_or_tag,
    source_of,
)
from permapress.errors import ArticleError


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


ALLOWED_TAGS: Final = _names(
    "p a em strong b i u s del ins mark small cite q abbr blockquote ul ol li dl dt dd "
    "h2 h3 h4 h5 h6 figure figcaption img code pre kbd samp var table caption thead tbody "
    "tfoot tr th td colgroup col hr br sup sub"
)
VOID_TAGS: Final = frozenset({"img", "hr", "br", "col"})
_REMOVED_WITH_CONTENT: Final = _names(
    "script style iframe object embed svg math form noscript template textarea select "
    "noembed noframes xmp applet frameset"
)
_ATTRIBUTES: Final = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "ol": {"start"},
    "th": {"colspan", "rowspan", "style", "scope"},
    "td": {"colspan", "rowspan", "style"},
    "code": {"class"},
}
_URL_SCHEMES: Final = {"http", "https", "mailto"}
# Element names browsers know (beyond ALLOWED_TAGS): such a tag is removed, not shown as text.
KNOWN_ELEMENTS: Final = ALLOWED_TAGS | _REMOVED_WITH_CONTENT | _names(
    "html head body title meta link base div span font center section article aside nav header "
    "footer main address hgroup details summary dialog menu menuitem search slot portal "
    "button input label fieldset legend option optgroup output progress meter datalist keygen "
    "video audio source track canvas picture map area param image frame marquee blink tt big "
    "strike nobr wbr bdi bdo ruby rt rp rb rtc data time dfn plaintext listing acronym basefont "
    "bgsound command content element shadow spacer isindex nextid h1"
)
_UNSAFE_SCHEME_RE: Final = re.compile(r"(?:javascript|vbscript|data|file):", re.IGNORECASE)
_CONTROL_RE: Final = re.compile(r"[\x00-\x20\x7f]")
_TEXT_ALIGN_RE: Final = re.compile(r"text-align:\s*(?:left|right|center);?")
_LANGUAGE_CLASS_RE: Final = re.compile(r"language-[A-Za-z0-9_+#.-]{1,40}")
_OPEN_TAG_RE: Final = re.compile(
    r"<[A-Za-z][A-Za-z0-9-]*"
    r"(?:\s+[A-Za-z_:][A-Za-z0-9:._-]*(?:\s*=\s*(?:[^\"'=<>`\x00-\x20]+|'[^']*'|\"[^\"]*\"))?)*"
    r"\s*/?>"
)
_TAG_NAME_RE: Final = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
# Not a tag for CommonMark, but one for a browser's HTML parser: "<svg/onload=…", "<img src=x"
_HALF_TAG_RE: Final = re.compile(
    r"<(?=/?[A-Za-z])(?:[^<>\n]|\n(?![ \t>]*\n))*?"
    r"(?:\bon[A-Za-z]+\s*=|(?:javascript|vbscript|data):)",
    re.IGNORECASE,
)
_MAX_PASSES: Final = 8
_PRECISE_PASSES: Final = 4


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "style":
        return value if _TEXT_ALIGN_RE.fullmatch(value.strip()) else None
    if attribute == "class":
        return value if tag == "code" and _LANGUAGE_CLASS_RE.fullmatch(value) else None
    if attribute in ("width", "height", "colspan", "rowspan", "start"):
        return value if value.isdigit() and len(value) <= 5 else None
    if attribute == "scope":
        return value if value in ("row", "col", "rowgroup", "colgroup") else None
    if attribute in ("href", "src") and unsafe_url(value):
        return None
    return value


_CLEAN_OPTIONS: Final[dict[str, Any]] = {
    "tags": set(ALLOWED_TAGS),
    "clean_content_tags": set(_REMOVED_WITH_CONTENT),
    "attributes": {tag: set(names) for tag, names in _ATTRIBUTES.items()},
    "attribute_filter": _attribute_filter,
    "url_schemes": set(_URL_SCHEMES),
    "link_rel": "noopener noreferrer",
    "strip_comments": True,
}
# nh3 builds its sanitiser from the options once (nh3.Cleaner; an nh3 without it, on each call)
_CLEAN: Final[Callable[[str], str]] = (
    nh3.Cleaner(**_CLEAN_OPTIONS).clean
    if hasattr(nh3, "Cleaner")
    else partial(nh3.clean, **_CLEAN_OPTIONS)
)


def clean_html(html: str) -> str:
    """``html`` with only the elements, attributes and URLs a news article needs."""
    return _CLEAN(html)


def unsafe_url(url: str) -> bool:
    """True when ``url`` (after Markdown/HTML unescaping, as a browser reads it) runs code."""
    plain = _CONTROL_RE.sub("", unescapeAll(url))
    return _UNSAFE_SCHEME_RE.match(plain) is not None


def clean_tag(tag: str) -> str:
    """The safe form of one inline HTML tag (open, close, comment …); see the module docstring."""
    match = _TAG_NAME_RE.match(tag)
    if match is None:  # comment, processing instruction, declaration, CDATA
        return ""
    closing, name = match.group(1) == "/", match.group(2).lower()
    if name in ALLOWED_TAGS:
        if closing:
            return "" if name in VOID_TAGS else f"</{name}>"
        opened = _OPEN_TAG_RE.match(clean_html(tag))
        if opened is None:
            return ""
        kept = _TAG_NAME_RE.match(opened.group(0))
        if kept is None or kept.group(1) or kept.group(2).lower() != name:
            return ""
        return opened.group(0)
    if name in KNOWN_ELEMENTS:
        return ""
    return "\\" + tag


Edit = tuple[int, int, str]


def _escape_region(source: Source, start: int, stop: int, precise: bool) -> list[Edit]:
    """Turn every '<' in ``[start, stop)`` into ``&lt;``, outside code (outside code blocks
    only, once precise edits have failed to converge)."""
    protected = source.code if precise else source.blocks
    return [
        (i, i + 1, "&lt;")
        for i in range(start, stop)
        if source.text[i] == "<" and not protected[i]
    ]


def _block_edits(source: Source, first: int, end: int, content: str, precise: bool) -> list[Edit]:
    cleaned = clean_html(content)
    if cleaned == content:
        return []
    start, stop = source.line_span(first, end)
    if not precise:
        return _escape_region(source, start, stop, precise)
    lines = source.lines(first, end)
    content_lines = content.rstrip("\n").split("\n")
    if len(content_lines) != len(lines):
        return _escape_region(source, start, stop, precise)
    prefixes = []
    for line, inner in zip(lines, content_lines, strict=True):
        if not line.endswith(inner):
            return _escape_region(source, start, stop, precise)
        prefixes.append(line[: len(line) - len(inner)])
    new_lines = cleaned.rstrip("\n").split("\n") if cleaned.strip() else [""]
    out = [
        (prefixes[min(i, len(prefixes) - 1)] + new).rstrip() if not new.strip()
        else prefixes[min(i, len(prefixes) - 1)] + new
        for i, new in enumerate(new_lines)
    ]
    return [(start, stop, "\n".join(out))]


def _plan(text: str, precise: bool) -> tuple[list[Edit], bool]:
    """The edits that make ``text`` safer, and whether anything unsafe was seen at all."""
    source = source_of(text)
    edits: list[Edit] = []
    unsafe = False
    for token in source.tokens:
        if token.type == "html_block" and token.map is not None:
            block = _block_edits(source, token.map[0], token.map[1], token.content, precise)
            unsafe = unsafe or clean_html(token.content) != token.content
            edits += block
        elif token.type == "inline":
            if token.map is not None:
                start, stop = source.line_span(*token.map)
            else:
                start, stop = 0, len(text)
            cursor = start
            for child in inline_html(token):
                cleaned = clean_tag(child.content)
                unsafe = unsafe or cleaned != child.content
                span = find_in_lines(source, child.content, cursor, stop) if precise else None
                if span is not None:
                    cursor = span[1]
                    if cleaned != child.content:
                        edits.append((span[0], span[1], cleaned))
                elif cleaned != child.content:
                    edits += _escape_region(source, start, stop, precise)
                    break
    found = destinations(source)
    bracketed = {d.start - 1 for d in found if d.kind == "inline"}
    for match in _HALF_TAG_RE.finditer(text):
        start = match.start()
        if start in bracketed or _OPEN_TAG_RE.match(text, start) or _escaped(text, start):
            continue
        if source.free(start, start + 1):
            unsafe = True
            edits.append((start, start + 1, "\\<"))
    for dest in found:
        raw = dest.raw(text)
        if unsafe_url(raw):
            unsafe = True
            if dest.kind == "autolink":
                edits.append((dest.start - 1, dest.start, "\\<"))
            else:
                edits.append((dest.start, dest.end, "#"))
    return edits, unsafe


def _escaped(text: str, pos: int) -> bool:
    count = 0
    while pos - count - 1 >= 0 and text[pos - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _apply(text: str, edits: list[Edit]) -> str:
    out: list[str] = []
    position = 0
    for start, stop, replacement in sorted(edits):
        if start < position:
            continue  # overlaps an earlier edit: the next pass sees it again
        out.append(text[position:start])
        out.append(replacement)
        position = stop
    out.append(text[position:])
    return "".join(out)


def sanitize_markdown(md: str) -> str:
    """``md`` made safe to store; see the module docstring."""
    if not may_link_or_tag(md):
        return md  # nothing ``_plan`` could find: no ``Source`` to make
    text = md
    precise = True
    for attempt in range(_MAX_PASSES):
        edits, unsafe = _plan(text, precise=precise and attempt < _PRECISE_PASSES)
        if not unsafe:
            return text
        if not edits:
            precise = False  # something unsafe that precise edits cannot reach
            continue
        text = _apply(text, edits)
    raise ArticleError("the body holds raw HTML that cannot be made safe; remove the HTML")
