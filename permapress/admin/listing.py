"""The admin's article list: every article (the catalog's and the admin's drafts), filtered,
searched and paginated by the server from admin.sqlite's ``admin_index``.

The index follows the catalog without reading it whole: ``sync`` looks at the catalog's
versions added since the last look (by rowid) and the publisher-log entries appended since
(retractions, purges), and reindexes only those articles. On a newsroom with 100,000 articles
the first sync reads every current version once; after that a list request costs two index
lookups when nothing changed, and the page itself is one indexed query
(``benchmarks/admin_bench.py``).

Search matches the words of the headline, summary, authors and tags (FTS5, the last word as a
prefix), so a title typed half-way finds the article; matches are listed newest change first,
like the list itself. Filters are status, section (category) and author (a name, as in the
byline), and contributors and authors see only their own.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from pathlib import Path
from typing import Any

from permapress.admin.store import AdminStore, IndexRow, facet, index_rows

STATUSES = ("draft", "submitted", "scheduled", "published", "retracted")
MAX_PER_PAGE = 200
_WORD = re.compile(r"\w+", re.UNICODE)


def _catalog(path: Path) -> sqlite3.Connection | None:
    if not path.exists():
        return None
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)


_SEEN: dict[Path, tuple[int, ...]] = {}


def _stamp(path: Path) -> tuple[int, ...]:
    """The catalog's files' sizes and times: unchanged, the catalog has nothing new."""
    out: list[int] = []
    for name in (path, path.with_name(path.name + "-wal")):
        try:
            found = name.stat()
        except OSError:
            out += [-1, -1]
            continue
        out += [found.st_size, found.st_mtime_ns]
    return tuple(out)


def sync(store: AdminStore, catalog_path: Path) -> int:
    """Bring ``admin_index`` up to date with the catalog; returns how many articles changed.
    When the catalog's files have not changed since the last look, nothing is opened."""
    stamp = _stamp(catalog_path)
    if _SEEN.get(store.path) == stamp:
        return 0
    changed = _sync(store, catalog_path)
    _SEEN[store.path] = stamp
    return changed


def _sync(store: AdminStore, catalog_path: Path) -> int:
    conn = _catalog(catalog_path)
    if conn is None:
        return 0
    try:
        last_version, last_log = store.sync_state()
        top_version = conn.execute("SELECT coalesce(max(rowid), 0) FROM versions").fetchone()[0]
        top_log = conn.execute("SELECT coalesce(max(seq), 0) FROM log").fetchone()[0]
        if (top_version, top_log) == (last_version, last_log):
            return 0
        slugs = {
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT slug FROM versions WHERE rowid > ?", (last_version,)
            )
        }
        for (line,) in conn.execute("SELECT line FROM log WHERE seq > ?", (last_log,)):
            slugs.add(json.loads(line)["entry"]["slug"])
        _reindex(store, conn, sorted(slugs))
        if len(slugs) > 1000:  # a bulk load: the first sync of a large catalog
            store.optimize_search()
        store.execute(
            "INSERT OR REPLACE INTO admin_sync (id, versions, log) VALUES (1, ?, ?)",
            (top_version, top_log),
        )
        return len(slugs)
    finally:
        conn.close()


def _reindex(store: AdminStore, conn: sqlite3.Connection, slugs: list[str]) -> None:
    for start in range(0, len(slugs), 500):
        chunk = slugs[start : start + 500]
        marks = ",".join("?" * len(chunk))
        status = dict(conn.execute(
            f"SELECT slug, status FROM articles WHERE slug IN ({marks})", chunk
        ).fetchall())  # fmt: skip
        latest: dict[str, tuple[dict[str, Any], str]] = {}
        first_shown: dict[str, str] = {}
        for slug, meta, recorded in conn.execute(
            f"SELECT slug, meta, recorded FROM versions WHERE slug IN ({marks}) ORDER BY number",
            chunk,
        ):
            data = json.loads(meta)
            latest[slug] = (data, recorded)
            if not data.get("draft") and slug not in first_shown:
                first_shown[slug] = data["published"]
        with store.transaction() as admin:
            for slug in chunk:
                if slug not in latest:
                    continue
                data, recorded = latest[slug]
                catalog_status = status.get(slug, "draft")
                draft = admin.execute(
                    "SELECT status, owner, data, updated FROM admin_articles WHERE slug = ?",
                    (slug,),
                ).fetchone()
                if draft is not None:
                    shown_status = draft[0]
                    if catalog_status == "retracted" or (
                        catalog_status == "published" and draft[0] in ("draft", "submitted")
                    ):
                        # the command line retracted or published it meanwhile
                        shown_status = catalog_status
                        admin.execute("UPDATE admin_articles SET status = ? WHERE slug = ?",
                                      (shown_status, slug))  # fmt: skip
                    fields = json.loads(draft[2])
                    owner, updated = draft[1], max(str(draft[3]), recorded)
                else:
                    shown_status, fields, owner, updated = catalog_status, data, None, recorded
                store.index_article(
                    admin,
                    IndexRow(slug, fields.get("headline", ""), shown_status, owner, updated,
                             first_shown.get(slug, ""), fields.get("summary", ""),
                             list(fields.get("categories", [])),
                             list(fields.get("authors", []))),  # fmt: skip
                    fields.get("tags", []),
                )


def fts_query(text: str, store: AdminStore | None = None) -> str | None:
    """The FTS5 query for what someone typed: every word, the last one as a prefix.

    With ``store``, the prefix is spelled out as the words of the index that start with it
    (``("harbour" OR "harbours")``), when they are few: FTS5 reads those as it goes, where a
    prefix query first gathers every match in memory."""
    words = [_fold(w) for w in _WORD.findall(text)[:12]]
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    if store is not None:
        last = words[-1]
        found = store.query(
            "SELECT term FROM admin_fts_terms WHERE term >= ? AND term < ? LIMIT 21",
            (last, last + "\U0010ffff"),
        )
        if len(found) <= 20:
            if not found:
                return None
            quoted[-1] = "(" + " OR ".join(f'"{term}"' for (term,) in found) + ")"
    return " AND ".join(quoted)


def _fold(word: str) -> str:
    """A typed word as the index spells it: lower case, accents removed."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def list_articles(
    store: AdminStore,
    *,
    status: str | None = None,
    section: str | None = None,
    author: str | None = None,
    owner: str | None = None,
    q: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[IndexRow], int]:
    """One page of the list, newest change first, and the number of articles that match.

    Each page is one index range read in order: ``admin_index(updated)``, or
    ``(status, updated)``, ``(owner, updated)``, or for a section or author the terms table,
    which keeps the time of the last change beside each term. A search, with any filters, is
    one FTS5 query (the filters are tokens of the search rows) that also gives the count."""
    match = fts_query(q, store) if q else None
    if q and match is None:
        return [], 0
    columns = ("i.slug, i.headline, i.status, i.owner, i.updated, i.published, i.summary, "
               "i.sections, i.authors")  # fmt: skip
    limit = [per_page, (page - 1) * per_page]
    filters = [(kind, value) for kind, value in
               (("section", section), ("author", author), ("status", status)) if value]  # fmt: skip
    if owner is not None:
        filters.append(("owner", owner))
    # the filters as an index range read in the list's order
    where: list[str] = []
    args: list[Any] = []
    source, order = "admin_index i", "i.updated DESC, i.slug DESC"
    terms = [(kind, value.strip().casefold()) for kind, value in filters
             if kind in ("section", "author")]  # fmt: skip
    if terms:
        kind, value = terms[0]
        source = "admin_index_terms t JOIN admin_index i ON i.slug = t.slug"
        order = "t.updated DESC, t.slug DESC"
        where.append("t.kind = ? AND t.value = ?")
        args += [kind, value]
        for kind, value in terms[1:]:
            where.append("i.slug IN (SELECT slug FROM admin_index_terms "
                         "WHERE kind = ? AND value = ?)")  # fmt: skip
            args += [kind, value]
    if status:
        where.append("i.status = ?")
        args.append(status)
    if owner is not None:
        where.append("i.owner = ?")
        args.append(owner)

    def page_of(conditions: list[str], values: list[Any]) -> list[IndexRow]:
        condition = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        return index_rows(store.query(
            f"SELECT {columns} FROM {source} {condition} ORDER BY {order} LIMIT ? OFFSET ?",
            [*values, *limit],
        ))  # fmt: skip

    def count(conditions: list[str], values: list[Any]) -> int:
        condition = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        return int(store.query(f"SELECT count(*) FROM {source} {condition}", values)[0][0])

    if match is None:
        return page_of(where, args), count(where, args)
    # A search: the words and the filters' tokens (which no typed word can be) make one FTS5
    # query. When its matches are a tenth of the filtered list or more, walk the list in its
    # order asking the search index about each row (a page fills within a few hundred rows);
    # when fewer, gather them once (their number is the count) and sort them.
    query = " AND ".join([match, *(facet(kind, value) for kind, value in filters)])
    if "*" not in query:
        total = int(store.query("SELECT count(*) FROM admin_fts WHERE admin_fts MATCH ?",
                                [query])[0][0])  # fmt: skip
        if not where:
            size = int(store.query("SELECT coalesce(max(rowid), 0) FROM admin_index")[0][0])
        else:
            size = count(where, args)
        if total * 10 >= size:
            exists = ("EXISTS (SELECT 1 FROM admin_fts WHERE admin_fts MATCH ? "
                      "AND admin_fts.rowid = i.rowid)")  # fmt: skip
            # the filters are the walked range already: ask only about the words
            return page_of([*where, exists], [*args, match]), total
    ids = [r[0] for r in store.query("SELECT rowid FROM admin_fts WHERE admin_fts MATCH ?",
                                     [query])]  # fmt: skip
    rows = store.query(
        f"SELECT {columns} FROM admin_index i WHERE i.rowid IN (SELECT value FROM json_each(?)) "
        "ORDER BY i.updated DESC, i.slug DESC LIMIT ? OFFSET ?",
        [json.dumps(ids), *limit],
    )
    return index_rows(rows), len(ids)


def row_json(row: IndexRow) -> dict[str, Any]:
    return {
        "slug": row.slug, "headline": row.headline, "status": row.status, "owner": row.owner,
        "updated": row.updated, "published": row.published or None, "summary": row.summary,
        "sections": row.sections, "authors": row.authors,
    }  # fmt: skip
