"""Finding things in Markdown source by position, for edits that leave everything else alone.

markdown-it-py gives block tokens line maps but gives inline tokens no columns, so the places
that sanitising and image rewriting must edit are found here in the source text:

    new_parser() -> MarkdownIt                    CommonMark + tables + strikethrough, raw HTML on
                                                  (plain paragraphs and plain inline text made at
                                                  once, text run up to the characters its rules
                                                  start at: the same tokens, see ``_inline``)
    parse(text) -> [Token]                        the token stream of ``text``, parsed once: the
                                                  last few texts' streams are kept, so reading,
                                                  sanitising and rendering one body share a parse
                                                  (callers must not change the tokens)
    Source(text)                                  the text, its line offsets and its token stream
    source_of(text) -> Source                     the same, shared like ``parse`` (read-only)
      .line_span(first, end) -> (start, stop)     character range of lines [first, end)
      .code                                       mask: fenced/indented code and code spans
      .html_blocks                                mask: lines of raw HTML blocks
    destinations(source) -> [Destination]         link/image destinations, reference definitions,
                                                  autolinks, outside code and HTML blocks (found
                                                  once per ``Source``: sanitising and image
                                                  rewriting both ask)
    may_link_or_tag(text) -> bool                 False when ``text`` holds no '<', "](" or "]:",
                                                  so no raw HTML, destination or autolink at all
                                                  (nothing to look for: no ``Source`` needed)
    find_in_lines(source, needle, start, stop)    where an inline token's raw text sits, allowing
                                                  for the '>' and indentation that containers add

A mask is a ``bytearray`` with one byte per character (1 = inside). Pure functions over text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final, Literal

from markdown_it import MarkdownIt
from markdown_it.common import utils as markdown_it_utils
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

_REFERENCE_RE: Final = re.compile(
    r"^(?:[ ]{0,3}>[ ]?)*[ ]{0,3}\[(?:[^\]\\\n]|\\.){1,999}\]:[ \t]*\n?[ \t>]*"
    r"(?P<dest><[^<>\n]*>|\S+)",
    re.MULTILINE,
)
_AUTOLINK_RE: Final = re.compile(r"<[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*>")
_NEWLINE_RE: Final = re.compile("\n")
_TICK_OR_BACKSLASH_RE: Final = re.compile(r"[`\\]")
_DESTINATION_RUN: Final = re.compile(r"[^\s\x00-\x1f\\()]+")  # \s: what str.isspace() is


def new_parser() -> MarkdownIt:
    """The one Markdown dialect permapress speaks: CommonMark, tables, strikethrough, raw HTML."""
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.block.ruler.before("table", "plain_paragraph", _plain_paragraph)
    md.core.ruler.at("inline", _inline)
    md.inline.terminator_re = _RULE_STARTS
    return md


# Shortcuts through markdown-it for the commonest Markdown, prose, giving the very tokens its
# own rules give (tests/articles/test_mdscan.py compares the two on generated Markdown).
#
# A line at the top level that starts, not indented, with a letter, a digit (but not a list
# number like "1." or "2)") or an opening quote starts no block but a paragraph: the other
# block rules need '#', '>', '<', '[', '-', '+', '*', '_', '`', '~', an indent or a list
# number there, and a table or a setext heading a next line that starts with '|', '-', ':' or
# '='. So a paragraph of such lines only is made at once, as the ``paragraph`` rule makes it.
_OPENING: Final = frozenset("\"'(\u201c\u2018\u00ab")  # " ' ( “ ‘ «
_LIST_NUMBER: Final = re.compile(r"[0-9]+[.)](?:[ \t]|$)")
# How that rule trims a paragraph: CommonMark's whitespace from markdown-it-py 4 on.
_TRIM: Final[Callable[[str], str]] = getattr(markdown_it_utils, "mdTrim", str.strip)
# Where one of this dialect's inline rules can start. markdown-it's text rule stops at more
# characters ('#', '$', '%', '+', '-', ':', '=', '>', '@', '^', '{', '}', kept for plugins
# and typographic rules this dialect does not use) and tries every rule in vain at each.
_RULE_STARTS: Final = re.compile(r"[\n!&*<\[\\\]_`~]")
# What an inline rule acts on (the others pass as text): a backslash, code, emphasis and
# strikethrough marks, links and images, autolinks and HTML, entities, and the spaces around
# a line break that make a hard break or are dropped. (``in`` finds each quicker than one
# regular expression finds them all.)
_INLINE_SYNTAX: Final = ("\\", "`", "*", "_", "~", "[", "]", "<", "&", " \n", "\n ", "\n\t")


def _plain_line(src: str, start: int, end: int) -> bool:
    first = src[start]
    if "0" <= first <= "9":
        return _LIST_NUMBER.match(src, start, end) is None
    return first.isalnum() or first in _OPENING


def _plain_paragraph(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A top-level paragraph of plain lines only (see above), or False to let the rules look."""
    if state.parentType != "root" or state.blkIndent:
        return False
    src, begins, ends, shifts = state.src, state.bMarks, state.eMarks, state.tShift
    line, last = start, state.lineMax
    while line < last and begins[line] + shifts[line] < ends[line]:  # up to an empty line
        if shifts[line] or not _plain_line(src, begins[line], ends[line]):
            return False
        line += 1
    if line == start:
        return False
    if silent:
        return True
    state.line = line
    token = state.push("paragraph_open", "p", 1)
    token.map = [start, line]
    token = state.push("inline", "", 0)
    token.content = _TRIM(state.getLines(start, line, state.blkIndent, False))
    token.map = [start, line]
    token.children = []
    state.push("paragraph_close", "p", -1)
    return True


def _inline(state: StateCore) -> None:
    """markdown-it's ``inline`` core rule, with text that holds no inline syntax made into its
    text tokens and soft breaks at once."""
    for token in state.tokens:
        if token.type == "inline":
            if token.children is None:
                token.children = []
            if not any(mark in token.content for mark in _INLINE_SYNTAX):
                _plain_inline(token.content, token.children)
            else:
                state.md.inline.parse(token.content, state.md, state.env, token.children)


def _plain_inline(content: str, children: list[Token]) -> None:
    for number, line in enumerate(content.split("\n")):
        if number:
            children.append(Token("softbreak", "br", 0))
        if line:
            children.append(Token("text", "", 0, content=line))


_PARSER: Final = new_parser()
_KEPT: Final = 8  # how many recent texts keep their token streams
_PARSED: dict[str, list[Token]] = {}


def parse(text: str) -> list[Token]:
    """The token stream of ``text`` (shared with other callers: read it, never change it)."""
    tokens = _PARSED.get(text)
    if tokens is None:
        tokens = _PARSER.parse(text)
        if len(_PARSED) >= _KEPT:
            del _PARSED[next(iter(_PARSED))]  # the oldest entry
        _PARSED[text] = tokens
    return tokens


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for match in _NEWLINE_RE.finditer(text):
        starts.append(match.end())
    return starts


@dataclass(frozen=True, slots=True)
class Destination:
    """The raw destination text ``source.text[start:end]`` (angle brackets excluded)."""

    start: int
    end: int
    kind: Literal["inline", "reference", "autolink"]

    def raw(self, text: str) -> str:
        return text[self.start : self.end]


class Source:
    """A Markdown text with its tokens, line offsets and protected regions (``source_of``
    gives the one already made for a text: treat it as read-only)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[Token] = parse(text)
        self.found: tuple[Destination, ...] | None = None  # ``destinations``, once asked
        self.starts = _line_starts(text)
        self.blocks = bytearray(len(text) + 1)  # fenced and indented code blocks
        self.html_blocks = bytearray(len(text) + 1)
        blocked = bytearray(len(text) + 1)  # either of the two
        for token in self.tokens:
            if token.map is None:
                continue
            if token.type in ("fence", "code_block"):
                self._mark(self.blocks, *token.map)
                self._mark(blocked, *token.map)
            elif token.type == "html_block":
                self._mark(self.html_blocks, *token.map)
                self._mark(blocked, *token.map)
        self.code = bytearray(self.blocks)
        for token in self.tokens:  # code spans live inside one inline block
            if token.type == "inline" and token.map is not None:
                first, last = self.line_span(*token.map)
                for start, stop in _code_spans(text, blocked, first, last):
                    self.code[start:stop] = b"\x01" * (stop - start)

    def line_span(self, first: int, end: int) -> tuple[int, int]:
        """Character range of lines ``first`` to ``end`` (exclusive), without the last newline."""
        start = self.starts[first] if first < len(self.starts) else len(self.text)
        stop = self.starts[end] - 1 if end < len(self.starts) else len(self.text)
        return start, max(start, stop)

    def lines(self, first: int, end: int) -> list[str]:
        start, stop = self.line_span(first, end)
        return self.text[start:stop].split("\n")

    def _mark(self, mask: bytearray, first: int, end: int) -> None:
        start, stop = self.line_span(first, end)
        mask[start:stop] = b"\x01" * (stop - start)

    def free(self, start: int, stop: int) -> bool:
        """True when no character in ``[start, stop)`` is code or raw HTML block."""
        return 1 not in self.code[start:stop] and 1 not in self.html_blocks[start:stop]


_SOURCES: dict[str, Source] = {}


def source_of(text: str) -> Source:
    """``Source(text)``, shared: sanitising a body and then finding its images look at the same
    text, so its masks are made once (callers must not change it)."""
    found = _SOURCES.get(text)
    if found is None:
        found = Source(text)
        if len(_SOURCES) >= _KEPT:
            del _SOURCES[next(iter(_SOURCES))]  # the oldest entry
        _SOURCES[text] = found
    return found


def _blank_line_after(text: str, newline: int) -> bool:
    end = text.find("\n", newline + 1)
    line = text[newline + 1 :] if end < 0 else text[newline + 1 : end]
    return not line.strip()


def _code_spans(text: str, blocked: bytearray, i: int, n: int) -> Iterator[tuple[int, int]]:
    """Backtick code spans in ``text[i:n]`` (a run of n backticks closed by a run of exactly n)."""
    while i < n:
        found = _TICK_OR_BACKSLASH_RE.search(text, i, n)
        if found is None:
            return
        i = found.start()
        ch = text[i]
        if blocked[i]:
            i += 1
        elif ch == "\\":
            i += 2
        else:
            j = i
            while j < n and text[j] == "`":
                j += 1
            close = _closing_run(text, j, j - i, blocked, n)
            if close < 0:
                i = j
            else:
                yield i, close + (j - i)
                i = close + (j - i)


def _closing_run(text: str, k: int, run: int, blocked: bytearray, n: int) -> int:
    while k < n and not blocked[k]:
        if text[k] == "`":
            m = k
            while m < n and text[m] == "`":
                m += 1
            if m - k == run:
                return k
            k = m
        elif text[k] == "\n" and _blank_line_after(text, k):
            return -1
        else:
            k += 1
    return -1


def _inline_destination(text: str, pos: int) -> tuple[int, int] | None:
    """The destination that starts at ``pos`` (just after ``](``), as (start, end)."""
    n = len(text)
    while pos < n and text[pos] in " \t":
        pos += 1
    if pos < n and text[pos] == "\n":
        pos += 1
        while pos < n and text[pos] in " \t>":
            pos += 1
    if pos >= n:
        return None
    if text[pos] == "<":
        end = pos + 1
        while end < n and text[end] not in "<>\n":
            end += 2 if text[end] == "\\" else 1
        if end < n and text[end] == ">":
            return pos + 1, end
        return None
    end, depth = pos, 0
    while True:
        run = _DESTINATION_RUN.match(text, end)  # none of the characters looked at below
        if run is not None:
            end = run.end()
        if end >= n:
            break
        ch = text[end]
        if ch == "\\" and end + 1 < n:
            end += 2
            continue
        if ch.isspace() or ord(ch) < 32:
            break
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                break
            depth -= 1
        end += 1
    return (pos, end) if end > pos else None


def _escaped(text: str, pos: int) -> bool:
    count = 0
    while pos - count - 1 >= 0 and text[pos - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def may_link_or_tag(text: str) -> bool:
    """False when ``text`` has no raw HTML (a block, an inline tag or a half tag), no link or
    image destination, reference definition or autolink: each of those needs a '<', a "](" or
    a "]:" (markdown-it's HTML rules start at a '<'; ``destinations`` finds nothing else)."""
    return "<" in text or "](" in text or "]:" in text


def destinations(source: Source) -> list[Destination]:
    """Every link/image destination, reference definition and autolink outside code and HTML."""
    if source.found is None:
        source.found = tuple(_destinations(source))
    return list(source.found)


def _destinations(source: Source) -> list[Destination]:
    text = source.text
    found: list[Destination] = []
    for match in re.finditer(r"\]\(", text):
        if _escaped(text, match.start()) or not source.free(match.start(), match.end()):
            continue
        span = _inline_destination(text, match.end())
        if span is not None and source.free(*span):
            found.append(Destination(span[0], span[1], "inline"))
    for match in _REFERENCE_RE.finditer(text):
        start, end = match.span("dest")
        if text[start] == "<":
            start, end = start + 1, end - 1
        if source.free(match.start(), end):
            found.append(Destination(start, end, "reference"))
    inline = [(d.start - 1, d.end + 1) for d in found if d.kind == "inline"]
    for match in _AUTOLINK_RE.finditer(text):
        if any(a <= match.start() < b for a, b in inline):
            continue  # the angle brackets of an inline destination
        if not _escaped(text, match.start()) and source.free(*match.span()):
            found.append(Destination(match.start() + 1, match.end() - 1, "autolink"))
    found.sort(key=lambda d: d.start)
    return found


def find_in_lines(
    source: Source, needle: str, start: int, stop: int, *, skip_code: bool = True
) -> tuple[int, int] | None:
    """First occurrence of ``needle`` in ``source.text[start:stop]`` outside code.

    A needle that spans lines matches across the container prefixes ('>' and indentation) that
    markdown-it removed from the inline text.
    """
    parts = needle.split("\n")
    pattern = r"\n[ \t>]*".join(
        re.escape(part if i == 0 else part.lstrip(" \t")) for i, part in enumerate(parts)
    )
    for match in re.compile(pattern).finditer(source.text, start, stop):
        if not skip_code or source.free(*match.span()):
            return match.span()
    return None


def inline_html(token: Token) -> Iterator[Token]:
    """The ``html_inline`` tokens inside an inline token, image alt texts included, in order."""
    for child in token.children or ():
        if child.type == "html_inline":
            yield child
        elif child.children:
            yield from inline_html(child)
