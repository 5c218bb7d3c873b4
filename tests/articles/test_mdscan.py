"""mdscan.py: positions of destinations, code and raw HTML in Markdown source."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from permapress.articles.mdscan import (
    Source,
    destinations,
    find_in_lines,
    inline_html,
    may_link_or_tag,
    new_parser,
)


def raws(text: str) -> list[tuple[str, str]]:
    return [(d.kind, d.raw(text)) for d in destinations(Source(text))]


def test_destinations_of_every_kind() -> None:
    text = (
        "[a](one.html) ![b](<two words.jpg> \"t\") [c](three(x).html)\n\n"
        "<https://auto.example/x>\n\n[ref]: four.png \"title\"\n> [q]: <five.png>\n"
    )
    assert raws(text) == [
        ("inline", "one.html"),
        ("inline", "two words.jpg"),
        ("inline", "three(x).html"),
        ("autolink", "https://auto.example/x"),
        ("reference", "four.png"),
        ("reference", "five.png"),
    ]


def test_destinations_skip_code_and_html_blocks() -> None:
    text = (
        "`[a](in-span.html)`\n\n```\n[b](in-fence.html)\n```\n\n    [c](indented.html)\n\n"
        "<div>\n[d](in-html.html)\n</div>\n\n\\[e](escaped-bracket.html) [f](real.html)\n"
    )
    assert raws(text) == [("inline", "escaped-bracket.html"), ("inline", "real.html")]


def test_code_spans_do_not_cross_blocks() -> None:
    text = "`open span\n> <b>quoted</b> `\n"
    source = Source(text)
    assert not any(source.code[text.index("<b>") : text.index("</b>")])


def test_find_in_lines_across_blockquote_prefixes() -> None:
    text = "> one <img src=x\n> onerror=y> two\n"
    source = Source(text)
    span = find_in_lines(source, "<img src=x\nonerror=y>", 0, len(text))
    assert span is not None
    assert text[span[0] : span[1]] == "<img src=x\n> onerror=y>"


def test_find_in_lines_skips_code() -> None:
    text = "`<b>` and <b>bold</b>"
    span = find_in_lines(Source(text), "<b>", 0, len(text))
    assert span == (text.index("<b>", 5), text.index("<b>", 5) + 3)


MARKS = ["[", "]", "(", ")", ":", "<", ">", "!", "`", "\\", "\n", " ", "    ", "a", "x:y", "- "]


@given(st.lists(st.sampled_from(MARKS)).map("".join))
def test_text_without_angle_bracket_or_destination_mark_has_nothing_to_scan(text: str) -> None:
    source = Source(text)
    html = [t for t in source.tokens if t.type == "html_block"]
    html += [c for t in source.tokens if t.type == "inline" for c in inline_html(t)]
    if not may_link_or_tag(text):
        assert destinations(source) == []
        assert html == []


# --- new_parser's shortcuts for plain paragraphs and plain inline text ----------------------

UPSTREAM = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
PARSER = new_parser()
PROSE = ["Word", "two words", "é", "²", '"Quoted"', "“Curly”", "1", "9", ".", ",", "!", ":", "-",
         "$", "%", "+", "=", "@", "^", "{", "}", "a-b", "x:y", "http://x.example/a"]  # fmt: skip
SYNTAX = [
    " ", "  ", "\t", "    ", "\n", "\n\n", "\n ", " \n", "  \n", "\r\n", "\x00", "\xa0",
    "\u2028", "# ", "> ", "- ", "* ", "+ ", "1. ", "2) ", "12345678901. ", "---", "===", "***",
    "```", "~~~", "|", "a | b\n--- | ---", ":", "*", "_", "`", "~~", "[", "]", "(", ")", "!",
    "<", ">", "&", "&amp;", "\\", "[x](/u)", "![i](j.png)", "[x]: /u", "<div>", "<b>", "<!-- c -->",
]  # fmt: skip


def tokens(parser: MarkdownIt, text: str) -> list[dict[str, Any]]:
    return [token.as_dict() for token in parser.parse(text)]


@settings(max_examples=500)
@given(st.lists(st.sampled_from(PROSE) | st.sampled_from(SYNTAX), max_size=40).map("".join))
def test_the_shortcuts_give_markdown_its_own_tokens(text: str) -> None:
    # (and the text rule stopping only where a rule of the dialect starts)
    assert tokens(PARSER, text) == tokens(UPSTREAM, text)


def test_prose_takes_the_shortcuts(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "First line,\nsecond: 5% more!\n\n“Quoted” 2024 paragraph\n\n3 of 4 said: no\n"
    expected = tokens(UPSTREAM, text)
    parser = new_parser().disable("paragraph")  # left to the shortcut alone

    def no_inline_parse(*args: object) -> None:
        raise AssertionError("the inline parser was asked")

    monkeypatch.setattr(parser.inline, "parse", no_inline_parse)
    assert tokens(parser, text) == expected
    first = parser.parse(text)[1]
    assert first.map == [0, 2]
    assert [(t.type, t.content) for t in first.children or ()] == [
        ("text", "First line,"),
        ("softbreak", ""),
        ("text", "second: 5% more!"),
    ]
