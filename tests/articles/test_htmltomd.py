"""htmltomd.py: HTML from CMSs and pages into clean, safe Markdown."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from permapress.articles.htmltomd import html_to_markdown
from permapress.articles.markup import markdown_to_html
from permapress.articles.sanitize import sanitize_markdown

CASES = [
    ("<p>One</p><p>Two</p>", "One\n\nTwo"),
    ("<h1>Title</h1><p>x</p>", "## Title\n\nx"),
    ("<div>Loose text in a div</div><div>and another</div>", "Loose text in a div\n\nand another"),
    ("<p>a<br>b</p>", "a\\\nb"),
    ("<ul><li>one</li><li>two</li></ul>", "- one\n- two"),
    ("<p><strong>bold</strong> and <em>em</em></p>", "**bold** and *em*"),
    ("<blockquote><p>quoted</p></blockquote>", "> quoted"),
    ("<p>x</p><script>alert(1)</script><style>p{}</style>", "x"),
    ("<p><a href=\"javascript:alert(1)\">bad</a></p>", "bad"),
    ("<p><img src=\"data:image/png;base64,AAAA\" alt=\"tracker\">text</p>", "text"),
    ("<pre>line 1\n\nline 3</pre>", "```\nline 1\n\nline 3\n```"),
    ("", ""),
    ("<p>&nbsp;</p>", ""),
]


@pytest.mark.parametrize(("html", "markdown"), CASES)
def test_conversions(html: str, markdown: str) -> None:
    assert html_to_markdown(html) == markdown


def test_links_and_lazy_images_become_absolute() -> None:
    html = ('<p><a href="/news/1">story</a></p><figure><img src="data:image/gif;base64,R0" '
            'data-src="/img/a.jpg" alt="A"></figure>')
    out = html_to_markdown(html, base_url="https://paper.example/section/page.html")
    assert "[story](https://paper.example/news/1)" in out
    assert "![A](https://paper.example/img/a.jpg)" in out


def test_image_callback_rewrites_or_drops() -> None:
    html = '<p><img src="keep.jpg" alt="k"><img src="drop.jpg" alt="d"></p>'
    out = html_to_markdown(html, images=lambda src: "media/k.jpg" if "keep" in src else None)
    assert out == "![k](media/k.jpg)"


def test_tables_keep_their_cells() -> None:
    out = html_to_markdown("<table><tr><td>Ward</td><td>Votes</td></tr>"
                           "<tr><td>3</td><td>1,204</td></tr></table>")
    assert out.splitlines() == ["| Ward | Votes |", "| --- | --- |", "| 3 | 1,204 |"]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' abpscriptimgonerrohref:javascript\n&;#")),
               max_size=120))
def test_any_input_gives_safe_stable_markdown(html: str) -> None:
    out = html_to_markdown(html)
    assert sanitize_markdown(out) == out
    rendered = markdown_to_html(out).lower()
    assert "<script" not in rendered and "javascript:" not in rendered
    assert " onerror=" not in rendered
