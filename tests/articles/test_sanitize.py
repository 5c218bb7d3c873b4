"""sanitize.py and markup.py against a battery of XSS payloads, and ordinary Markdown left alone."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from permapress.articles.markup import markdown_to_html
from permapress.articles.sanitize import clean_html, sanitize_markdown, unsafe_url

FORBIDDEN_ELEMENTS = {
    "script", "style", "iframe", "object", "embed", "svg", "math", "form", "input", "button",
    "base", "meta", "link", "frame", "frameset", "applet", "textarea", "select", "details",
    "body", "html", "template", "noscript", "video", "audio", "source", "mi", "marquee",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "cite"}

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "Hello <script>alert(1)</script> world",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "text <img src=x onerror=alert(1)> more",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<img src=\"data:image/png;base64,iVBORw0KGgo=\">",
    "<img src=\"javascript:alert(1)\">",
    "<svg onload=alert(1)>",
    "x <svg/onload=alert(1)> y",
    "<svg><script>alert(1)</script></svg>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](<javascript:alert(1)>)",
    "[click](&#106;avascript:alert(1))",
    "[click](java&#x73;cript:alert(1))",
    "[click](  javascript:alert(1) \"title\")",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "[x][r]\n\n[r]: <vbscript:msgbox(1)>",
    "<javascript:alert(1)>",
    "![i](data:image/svg+xml;base64,PHN2Zz4=)",
    "[f](file:///etc/passwd)",
    "[v](vbscript:msgbox(1))",
    "<a href=\"jAvAsCrIpT:alert(1)\">x</a>",
    "a <a href=\"jAvAsCrIpT:alert(1)\">x</a> b",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<a href=\"&#x6A;&#x61;&#x76;&#x61;script:alert(1)\">x</a>",
    "<a href=\"java\tscript:alert(1)\">x</a>",
    "<a href=' javascript:alert(1)'>x</a>",
    "<a href='vbscript:msgbox(1)'>v</a>",
    "<a href=\"#\" onmouseover=\"alert(1)\">h</a>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "p <iframe src=x></iframe>",
    "<object data=x></object><embed src=x>",
    "<p style=\"background:url(javascript:alert(1))\">s</p>",
    "<div style=\"width: expression(alert(1))\">s</div>",
    "<td style=\"text-align: expression(alert(1))\">s</td>",
    "<form action=javascript:alert(1)><button formaction=javascript:alert(1)>go</button></form>",
    "> quote <img src=x\n> onerror=alert(1)>",
    "- item\n  <div onclick=alert(1)>x</div>",
    "| a | <b onclick=alert(1)>b</b> |\n|---|---|\n| c | d |",
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<!-- <script>alert(1)</script> -->",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<base href=\"javascript:alert(1)//\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "text\n<scr<script>ipt>alert(1)</script>",
    "![a<img src=x onerror=alert(1)>](pic.jpg)",
    "<a href=\"https://ok.example\" onclick=\"alert(1)\">ok</a>",
    "<video><source onerror=\"alert(1)\"></video>",
    "<input autofocus onfocus=alert(1)>",
    "<marquee onstart=alert(1)>x</marquee>",
    "<textarea><script>alert(1)</script></textarea>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    "<template><script>alert(1)</script></template>",
    "``` \n<script>in a fence</script>\n```\n\n<script>alert(1)</script>",
]


class _Collector(HTMLParser):
    """Every element and attribute a browser would see in the output."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def assert_harmless(html: str) -> None:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    bad_elements = FORBIDDEN_ELEMENTS.intersection(collector.elements)
    assert not bad_elements, (bad_elements, html)
    for tag, name, value in collector.attributes:
        assert not name.startswith("on"), (tag, name, html)
        assert name != "style" or value.replace(" ", "") in (
            "text-align:left", "text-align:right", "text-align:center"
        ), (tag, name, value)  # fmt: skip
        if name in URL_ATTRIBUTES:
            assert not unsafe_url(value), (tag, name, value)
            assert not value.strip().lower().startswith("data:"), (tag, name, value)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_payload_survives_rendering(payload: str) -> None:
    assert_harmless(markdown_to_html(payload))
    assert_harmless(markdown_to_html(sanitize_markdown(payload)))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_sanitized_markdown_is_safe_even_when_rendered_without_cleaning(payload: str) -> None:
    """The stored Markdown itself is safe: a plain CommonMark renderer with raw HTML on gives
    harmless HTML (defence in depth for anyone rendering article.md with other tools)."""
    from permapress.articles.mdscan import new_parser

    parser = new_parser()
    parser.validateLink = lambda url: True  # a careless renderer that checks no URLs
    assert_harmless(parser.render(sanitize_markdown(payload)))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_sanitize_markdown_is_idempotent(payload: str) -> None:
    once = sanitize_markdown(payload)
    assert sanitize_markdown(once) == once


ORDINARY = [
    "Plain paragraph with *emphasis*, **strong** and `code`.",
    "> A blockquote\n> over two lines\n>\n> > and a nested one",
    "Prices rose 3 < 5 per cent and a <= b, while x > y; 1<2.",
    "An arrow <-- and a heart <3 and a bare < sign.",
    "```html\n<script>alert('shown as code')</script>\n<img src=x onerror=alert(1)>\n```",
    "    <iframe src=x></iframe>\n    indented code keeps its HTML",
    "Inline code `<script>alert(1)</script>` stays.",
    "Double ``code with ` backtick <b onclick=x>`` stays.",
    "| Budget line | 2025 |\n|---|---:|\n| Dredging | £1,650,000 |",
    "[a link](https://example.com/path?q=1&r=2 \"Title\") and <https://example.com>",
    "![An image](media/harbour.jpg \"Harbour\")",
    "Allowed inline HTML: <em>em</em>, <sup>2</sup>, <a href=\"https://x.example\" "
    'rel="noopener noreferrer">link</a>.',
    "Mail <mailto:desk@example.org> and <desk@example.org>.",
    "1. first\n2. second\n\n- bullet\n  continued",
    "~~struck~~ and a footnote-like [^1] text",
    "Escaped \\<script> stays as text.",
    "",
]


@pytest.mark.parametrize("markdown", ORDINARY)
def test_ordinary_markdown_is_left_byte_identical(markdown: str) -> None:
    assert sanitize_markdown(markdown) == markdown


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("[click](javascript:alert(1))", "[click](#)"),
        ("[click](<javascript:alert(1)>)", "[click](<#>)"),
        ("[x][r]\n\n[r]: javascript:alert(1)", "[x][r]\n\n[r]: #"),
        ("<javascript:alert(1)>", "\\<javascript:alert(1)>"),
        ("a <a href=\"jAvAsCrIpT:alert(1)\">x</a> b", 'a <a rel="noopener noreferrer">x</a> b'),
        ("text <img src=x onerror=alert(1)> more", 'text <img src="x"> more'),
        ("<div onclick=\"x()\">\n<p>kept</p>\n</div>", "\n<p>kept</p>"),
        ("> <p onclick=x>quoted</p>", "> <p>quoted</p>"),
        ("x<y and y>z", "x\\<y and y>z"),
        ("Hello <script>alert(1)</script> world", "Hello alert(1) world"),
        ("before\n\n<script>\nalert(1)\n</script>\n\nafter", "before\n\n\n\nafter"),
    ],
)
def test_sanitize_markdown_edits_only_the_unsafe_part(markdown: str, expected: str) -> None:
    assert sanitize_markdown(markdown) == expected


def test_clean_html_keeps_what_an_article_needs() -> None:
    html = (
        '<h2>Head</h2><p>A <a href="https://x.example/a" title="t">link</a>, '
        '<a href="mailto:desk@x.example">mail</a>, <a href="../rel">relative</a>, '
        "<em>e</em> <strong>s</strong> <sup>1</sup><sub>2</sub><br></p>"
        "<blockquote><p>q</p></blockquote><ul><li>u</li></ul><ol><li>o</li></ol>"
        '<figure><img src="media/a.jpg" alt="A" title="T" width="600" height="338">'
        "<figcaption>cap</figcaption></figure><pre><code>c</code></pre><hr>"
        "<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>d</td></tr></tbody></table>"
    )
    cleaned = clean_html(html)
    for kept in (
        "<h2>Head</h2>", 'href="https://x.example/a"', 'title="t"', 'href="mailto:desk@x.example"',
        'href="../rel"', "<em>e</em>", "<strong>s</strong>", "<sup>1</sup>", "<sub>2</sub>",
        "<br>", "<blockquote>", "<ul><li>u</li></ul>", "<ol><li>o</li></ol>", "<figure>",
        'src="media/a.jpg"', 'alt="A"', 'width="600"', 'height="338"', "<figcaption>cap",
        "<pre><code>c</code></pre>", "<hr>", "<th>h</th>", "<td>d</td>",
    ):  # fmt: skip
        assert kept in cleaned, kept
    assert 'rel="noopener noreferrer"' in cleaned


@pytest.mark.parametrize(
    ("html", "gone"),
    [
        ('<p onclick="x()">t</p>', "onclick"),
        ('<img src="data:image/png;base64,AAAA">', "data:"),
        ('<a href="data:text/html,hi">d</a>', "data:"),
        ('<a href="ftp://x.example/f">f</a>', "ftp:"),
        ('<p style="color:red">t</p>', "style"),
        ('<code class="evil">c</code>', "class"),
        ("<h1>title</h1>", "<h1>"),
        ('<img src="x" width="100%">', "width"),
    ],
)
def test_clean_html_drops(html: str, gone: str) -> None:
    assert gone not in clean_html(html)


def test_clean_html_keeps_table_alignment_and_code_language() -> None:
    html = '<td style="text-align:right">1</td><code class="language-python">x</code>'
    cleaned = clean_html(f"<table><tr>{html}</tr></table>")
    assert 'style="text-align:right"' in cleaned
    assert 'class="language-python"' in cleaned


MARKUP_ALPHABET = st.sampled_from(list("<>/=\"' \n`*[]()!:ajvscriptonerdimg&#;x-\\|"))


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=MARKUP_ALPHABET, max_size=80))
def test_sanitize_markdown_property(markdown: str) -> None:
    once = sanitize_markdown(markdown)
    assert sanitize_markdown(once) == once
    assert_harmless(markdown_to_html(once))
    assert_harmless(markdown_to_html(markdown))
