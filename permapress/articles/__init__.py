"""Articles: the model every reader returns, the readers, sanitising and categories.

    model.py       Article, Media, validate
    fields.py      article_fields, content_key
    sources.py     detect a file's format and read it (markdown.py, page.py, more registered)
    document.py    article.md: the canonical, byte-stable Markdown of one version, and back
    sanitize.py    clean_html, sanitize_markdown;  markup.py: markdown_to_html
    taxonomy.py    category names -> IPTC Media Topics (medtop.toml)

Importing this package imports only the model.
"""

from permapress.articles.fields import content_key
from permapress.articles.model import Article, Media, validate

__all__ = ["Article", "Media", "content_key", "validate"]
