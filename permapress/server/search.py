"""Search answered by the server from the catalog's FTS5 index, so it works with scripts off.

    catalog_search(catalog_path) -> Search        hits for a query text (read-only, thread-safe)
    fts_query(text) -> str | None                 the reader's words as a safe FTS5 query
    results_page(page, query, hits) -> bytes      the site's own search page with the hits in it

The website answers ``/search/index.html?q=…`` (``/search?q=…`` and ``/search/?q=…`` reach it
by the usual directory redirects) with the built ``search/index.html`` of the current site, its
form filled in and its result list rendered here: the same page the script fills in elsewhere.
Only published articles whose newest version is not a draft are found, ranked by FTS5's BM25
with the headline weighted 3, the summary 2 and the body 1; the snippet marks the matching
words. Words are quoted (FTS5 syntax in a query is taken as text) and the last one matches as a
prefix. A catalog that cannot be read gives no hits, never an error page.
"""

from __future__ import annotations

import html
import re
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from permapress import sitepaths as paths
from permapress.catalog.db import connect

MAX_WORDS = 12
MAX_HITS = 50
_WORD = re.compile(r"[^\W_]+")
_OPEN, _CLOSE = "\x02", "\x03"


@dataclass(frozen=True, slots=True)
class Hit:
    slug: str
    headline: str  # the matching words between "\x02" and "\x03"
    published: str
    snippet: str  # the matching words between "\x02" and "\x03"


Search = Callable[[str], list[Hit]]


def fts_query(text: str) -> str | None:
    """Each word quoted, all of them required, the last one as a prefix; None without words."""
    words = _WORD.findall(text)[:MAX_WORDS]
    if not words:
        return None
    quoted = [f'"{word}"' for word in words]
    quoted[-1] += "*"
    return " ".join(quoted)


_SQL = f"""
SELECT s.slug, highlight(search, 1, '{_OPEN}', '{_CLOSE}'), json_extract(v.meta, '$.published'),
       snippet(search, 3, '{_OPEN}', '{_CLOSE}', '…', 24), s.summary
FROM search s
JOIN articles a ON a.rowid = s.rowid
JOIN versions v ON v.slug = a.slug
  AND v.number = (SELECT max(number) FROM versions WHERE slug = a.slug)
WHERE search MATCH ? AND a.status = 'published' AND NOT json_extract(v.meta, '$.draft')
ORDER BY bm25(search, 0.0, 3.0, 2.0, 1.0), json_extract(v.meta, '$.published') DESC
LIMIT ?
"""


def catalog_search(catalog_path: Path) -> Search:
    """Search the catalog at ``catalog_path`` (one read-only connection, used under a lock)."""
    lock = threading.Lock()
    conn: list[sqlite3.Connection] = []

    def search(text: str) -> list[Hit]:
        query = fts_query(text)
        if query is None:
            return []
        with lock:
            try:
                if not conn:
                    conn.append(connect(catalog_path, readonly=True))
                rows = conn[0].execute(_SQL, (query, MAX_HITS)).fetchall()
            except sqlite3.Error:
                return []
        return [
            Hit(str(slug), str(headline), str(published or "")[:10],
                str(snippet) if _OPEN in str(snippet) else str(summary or snippet))
            for slug, headline, published, snippet, summary in rows
        ]

    return search


def _marked(text: str) -> str:
    escaped = html.escape(text, quote=False)
    return escaped.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


def _status(query: str, count: int) -> str:
    shown = html.escape(query, quote=False)
    if count == 0:
        return f"No articles match “{shown}”."
    noun = "article matches" if count == 1 else "articles match"
    return f"{count} {noun} “{shown}”."


_FROM_SEARCH = paths.relative_root(paths.SEARCH_PAGE)  # "../"


def results_page(page: bytes, query: str, hits: Sequence[Hit]) -> bytes:
    """The site's search page (``search/index.html``) with ``query`` and ``hits`` filled in."""
    items = []
    for hit in hits:
        href = _FROM_SEARCH + paths.article_page(quote(hit.slug, safe=""))
        items.append(
            '<li class="search__hit"><h2 class="search__headline">'
            f'<a href="{html.escape(href)}">{_marked(hit.headline)}</a></h2>'
            f'<p class="meta">{html.escape(hit.published, quote=False)}</p>'
            f'<p class="search__snippet">{_marked(hit.snippet)}</p></li>'
        )
    text = page.decode("utf-8")
    # the note for readers without scripts: here the server searched for them
    text = re.sub(r"<noscript>.*?</noscript>\n?", "", text, count=1, flags=re.S)
    text = text.replace('<ol id="pp-results"', '<ol data-server="yes" id="pp-results"', 1)
    text = text.replace("<!--pp-results-->", "\n".join(items), 1)
    text = text.replace('name="q" value=""', f'name="q" value="{html.escape(query)}"', 1)
    text = text.replace(
        'aria-live="polite"></p>', f'aria-live="polite">{_status(query, len(hits))}</p>', 1
    )
    return text.encode("utf-8")
