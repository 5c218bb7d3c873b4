"""markup.py: Markdown to safe, deterministic HTML, and text for summaries."""

from __future__ import annotations

from permapress.articles.markup import markdown_to_html, markdown_to_text, summarize

BODY = """\
# A level-one heading

Paragraph with *em*, **strong**, ~~struck~~ and `code`.

| Line | Amount |
|:---|---:|
| Dredging | £1,650,000 |

> A quote.

```python
print("<b>")
```

![Harbour](media/harbour.jpg "The harbour")

[link](https://example.com) <a href="https://x.example" onclick="x()">raw link</a>
"""


def test_markdown_to_html_features() -> None:
    html = markdown_to_html(BODY)
    assert "<h2>A level-one heading</h2>" in html and "<h1>" not in html
    assert "<em>em</em>" in html and "<strong>strong</strong>" in html
    assert "<s>struck</s>" in html and "<code>code</code>" in html
    assert "<table>" in html and '<td style="text-align:right">£1,650,000</td>' in html
    assert "<blockquote>" in html
    assert '<code class="language-python">print("&lt;b&gt;")' in html
    assert '<img src="media/harbour.jpg" alt="Harbour" title="The harbour">' in html
    assert '<a href="https://example.com" rel="noopener noreferrer">link</a>' in html
    assert "onclick" not in html and '<a href="https://x.example"' in html


def test_markdown_to_html_is_deterministic() -> None:
    assert markdown_to_html(BODY) == markdown_to_html(BODY)


def test_markdown_to_text() -> None:
    text = markdown_to_text("# Title\n\nOne *two*\nthree.\n\n- item\n\n```\ncode\n```")
    assert text == "Title\n\nOne two three.\n\nitem\n\ncode"


def test_summarize_takes_the_first_prose_paragraph() -> None:
    body = "## Subhead\n\n![x](a.jpg)\n\nThe council voted ![map](b.png). Then left.\n\nMore."
    assert summarize(body) == "The council voted. Then left."
    assert summarize("") == ""


def test_summarize_cuts_at_a_word_boundary() -> None:
    summary = summarize("word " * 100, limit=50)
    assert summary.endswith("…") and len(summary) <= 50
    assert summary[:-1].split() == ["word"] * len(summary[:-1].split())
