"""mdscan.py: positions of destinations, code and raw HTML in Markdown source."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from permapress.articles.mdscan import (
    Source,
    destinations,
    find_in_lines,
    inline_html,
    may_link_or_tag,
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
