"""The site's own search index: small script files the search page loads one by one.

    search_files(docs, language) -> dict[str, bytes]   files under ``search/`` by path
    entry(doc, language) -> (Entry, bytes)             one article's part, and its text file
    assemble(entries, language) -> dict[str, bytes]    meta.js and the chunks over the entries
    bucket(term, buckets) -> int                       the term chunk that holds a term

Every published article is a ``SearchDoc``. Doc ids follow publication order (oldest first, then
slug), so a new article takes the next id and a correction keeps its id. The files:

- ``meta.js``: article count, bucket count, the stemming rules, and the name hash of every
  term chunk (``ABSENT`` for an empty bucket) and every docs chunk, ``HASH`` characters each;
- ``t/<bucket>-<hash>.js``: the terms whose first three letters hash (FNV-1a, 32 bits, over
  UTF-8) to the bucket, each with its document frequency and postings ``[id delta, impact,
  …]``: all of a term's words that share a prefix sit in one chunk, so the page matches the
  last word typed as a prefix by loading one chunk;
- ``d/<n>-<hash>.js``: the text file names of articles ``64n … 64n+63``, ``TEXT_HASH``
  characters each, one string;
- ``x/<hash>.js``: one article as a result shows it: slug, headline, date, and its summary and
  body as plain text (up to ``TEXT_MAX`` characters), which the page cuts the snippet from,
  around the first matching word.

Every name holds a hash of the file's content (SHA-256, base32), so a file under a name never
changes: caches may keep it for ever, and a new version gets a new name.

Each file is one call of the page's global ``ppSearch(kind, key, data)``: the page adds plain
``<script>`` elements, which browsers run from ``file://`` too (``fetch()`` is refused there).

Ranking: the impact of a term in an article is BM25's term part (k1 1.2, b 0.75) over the
weighted count (headline 3, authors and categories 2, summary 2, body 1), against a fixed
length ``NOMINAL_LENGTH`` instead of the corpus average, rounded to an integer 1..17. The page
adds impact times idf (from the frequency the chunk stores) over the query's terms; ties go to
the newer article. A term keeps the ``MAX_POSTINGS`` postings of highest impact (newest first),
so a word in every article costs a few kB, not the whole archive.

Stability: buckets come from the term, the bucket count only from the number of articles,
impacts only from the article itself: a correction changes exactly the chunks holding a term
whose postings changed, the article's docs chunk and text file, and ``meta.js`` (which names
them). Same articles, same bytes. What an article adds (``Entry``) depends on the article
alone, so a build keeps it (``search_cache.py``) and reads no unchanged article again.

Word forms (``terms``, stemming, CJK bigrams) are in ``search_words.py``; what a query loads
and ranks (``query_plan``, the reference for ``search.js``) in ``search_query.py``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from permapress.site.search_words import MIN_STEM, rules, term_counts

FORMAT = 2
DOCS_PER_CHUNK = 64
HASH = 6  # base32 characters of a term or docs chunk's name hash (meta.js lists them all)
ABSENT = "0" * HASH  # an empty bucket in meta.js's list ("0" is not a base32 character)
TEXT_HASH = 12  # base32 characters of a text file's name (the docs chunk names it)
TEXT_MAX = 4000
MAX_POSTINGS = 1000
NOMINAL_LENGTH = 400
PREFIX = 3
EXCERPT = 200
K1 = 1.2
B = 0.75
SCALE = 8

_LINK = re.compile(r"\]\([^)]*\)|<[^>]*>|https?://\S+")


@dataclass(frozen=True, slots=True)
class SearchDoc:
    """What the index knows of one published article (``published``: ISO 8601)."""

    slug: str
    headline: str
    summary: str
    body: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    published: str


def bucket(term: str, buckets: int) -> int:
    """FNV-1a (32 bits) of the term's first ``PREFIX`` characters in UTF-8, modulo ``buckets``."""
    value = 0x811C9DC5
    for byte in term[:PREFIX].encode("utf-8"):
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value % buckets


def bucket_count(articles: int) -> int:
    """A power of two near articles/16 (64 … 4096): it changes only as the archive grows."""
    wanted = max(1, articles // 16)
    return min(4096, max(64, 1 << (wanted - 1).bit_length()))


def impact(weighted: float, length: float) -> int:
    """BM25's term part as an integer (``entry`` computes the same inline)."""
    norm = K1 * (1 - B + B * length / NOMINAL_LENGTH)
    return round(SCALE * weighted * (K1 + 1) / (weighted + norm)) or 1


def _weighted(doc: SearchDoc, language: str, body: str | None = None) -> dict[str, int]:
    """Weighted counts: each field's text repeated as often as its weight, counted at once
    (``body``: the body without links, when the caller has it)."""
    authors, categories = " ".join(doc.authors), " ".join(doc.categories)
    text = " ".join(
        (_LINK.sub(" ", doc.body) if body is None else body, *[doc.headline] * 3,
         *[authors] * 2, *[categories] * 2, *[doc.summary] * 2)
    )  # fmt: skip
    return term_counts(text, language)


_MARKUP = re.compile(r"[#*_>`\[\]|]+")


def _plain(text: str, linked: bool = True) -> str:
    return " ".join(_MARKUP.sub(" ", _LINK.sub(" ", text) if linked else text).split())


def _cut(text: str, size: int) -> str:
    if len(text) <= size:
        return text
    return text[:size].rsplit(" ", 1)[0] + " …"


def excerpt(doc: SearchDoc) -> str:
    """The summary, else the start of the body, cut at a word before ``EXCERPT`` characters."""
    return _cut(_plain(doc.summary.strip() or doc.body), EXCERPT)


def plain_text(doc: SearchDoc, body: str | None = None) -> str:
    """What the page cuts snippets from: the summary and the body as plain text, one line
    each, cut at a word before ``TEXT_MAX`` characters (``body``: without links, if known)."""
    summary = _plain(doc.summary)
    text = _plain(doc.body) if body is None else _plain(body, linked=False)
    return _cut(f"{summary}\n{text}" if summary else text, TEXT_MAX)


def name_hash(data: bytes, size: int = HASH) -> str:
    """The first ``size`` characters of the data's SHA-256 in lower-case base32."""
    # base32 turns each 5 bytes into 8 characters: encode only the bytes the name shows
    wanted = hashlib.sha256(data).digest()[: (size + 7) // 8 * 5]
    return base64.b32encode(wanted).decode("ascii")[:size].lower()


def _script(kind: str, key: int | str, data: object) -> bytes:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return f"ppSearch({json.dumps(kind)},{json.dumps(key)},{payload});\n".encode()


@dataclass(frozen=True, slots=True)
class Entry:
    """One article's part of the index, made from the article alone (so it can be kept and
    reused while the article's shown version is unchanged)."""

    slug: str
    headline: str
    published: str  # ISO 8601: the order of doc ids
    terms: str  # its index terms, separated by spaces
    impacts: bytes  # the impact of each term (1 … 17), in the same order
    text: str  # the name of its text file: x/<text>.js (a hash of what it shows)


def entry(doc: SearchDoc, language: str) -> tuple[Entry, bytes]:
    """The article's entry and its text file (``x/<name>.js``)."""
    body = _LINK.sub(" ", doc.body)
    counts = _weighted(doc, language, body)
    norm = K1 * (1 - B + B * sum(counts.values()) / NOMINAL_LENGTH)
    # few distinct counts per article: each one's impact computed once
    table = {w: min(255, round(SCALE * w * (K1 + 1) / (w + norm)) or 1) for w in {*counts.values()}}
    impacts = bytes(map(table.__getitem__, counts.values()))
    shown = [doc.slug, doc.headline, doc.published[:10], plain_text(doc, body)]
    payload = json.dumps(shown, ensure_ascii=False, separators=(",", ":"))
    name = name_hash(payload.encode("utf-8"), TEXT_HASH)
    made = Entry(doc.slug, doc.headline, doc.published, " ".join(counts), impacts, name)
    return made, f'ppSearch("x","{name}",{payload});\n'.encode()


def ordered(docs: Sequence[SearchDoc]) -> list[SearchDoc]:
    """The articles in doc-id order: oldest first, then by slug."""
    return sorted(docs, key=lambda d: (d.published, d.slug))


def _named(kind: str, key: int, data: object) -> tuple[str, str, bytes]:
    """A chunk file: its name hash, its path (content-addressed) and its bytes."""
    body = _script(kind, key, data)
    digest = name_hash(body)
    return digest, f"{kind}/{key}-{digest}.js", body


def in_order(entries: Sequence[Entry]) -> list[Entry]:
    """The entries in doc-id order: oldest first, then by slug."""
    return sorted(entries, key=lambda e: (e.published, e.slug))


def _docs_chunk(entries: Sequence[Entry], number: int) -> tuple[str, str, bytes]:
    names = "".join(e.text for e in entries[number * DOCS_PER_CHUNK :][:DOCS_PER_CHUNK])
    return _named("d", number, names)


def _meta(count: int, term_names: str, doc_names: str, language: str) -> bytes:
    meta = {
        "format": FORMAT,
        "n": count,
        "buckets": bucket_count(count),
        "hash": HASH,
        "text": TEXT_HASH,
        "t": term_names,
        "d": doc_names,
        "per": DOCS_PER_CHUNK,
        "prefix": PREFIX,
        "min": MIN_STEM,
        "rules": [list(rule) for rule in rules(language)],
    }
    return _script("m", 0, meta)


def _delta_coded(count: int, pairs: Sequence[tuple[int, int]]) -> list[int]:
    """``[df, id delta, impact, …]`` of ``pairs`` (id, impact) in id order."""
    out = [count]
    last = 0
    for doc_id, value in pairs:
        out += (doc_id - last, value)
        last = doc_id
    return out


def assemble(entries: Sequence[Entry], language: str) -> dict[str, bytes]:
    """``meta.js``, the term chunks and the docs chunks over the articles' entries (the text
    files come with the entries, from ``entry``)."""
    entries = in_order(entries)
    buckets = bucket_count(len(entries))
    postings: dict[str, list[int]] = {}
    get = postings.get
    for doc_id, one in enumerate(entries):
        for term, value in zip(one.terms.split(" "), one.impacts, strict=True):
            found = get(term)
            if found is None:
                postings[term] = [doc_id, value]
            else:
                found += (doc_id, value)
    chunks: dict[int, dict[str, list[int]]] = {}
    for term, flat in postings.items():
        count = len(flat) // 2
        pairs = flat
        if count > MAX_POSTINGS:
            best = sorted(zip(flat[1::2], flat[0::2], strict=True), reverse=True)[:MAX_POSTINGS]
            pairs = [
                x for value, doc_id in sorted(best, key=lambda p: p[1]) for x in (doc_id, value)
            ]
        out = [count]
        last = 0
        for i in range(0, len(pairs), 2):
            out += (pairs[i] - last, pairs[i + 1])
            last = pairs[i]
        chunks.setdefault(bucket(term, buckets), {})[term] = out
    files: dict[str, bytes] = {}
    term_names = [ABSENT] * buckets
    for number, table in chunks.items():
        term_names[number], path, files_body = _named("t", number, table)
        files[path] = files_body
    doc_names = []
    for number in range((len(entries) + DOCS_PER_CHUNK - 1) // DOCS_PER_CHUNK):
        digest, path, body = _docs_chunk(entries, number)
        doc_names.append(digest)
        files[path] = body
    files["meta.js"] = _meta(len(entries), "".join(term_names), "".join(doc_names), language)
    return files


class NotPatchable(Exception):
    """The change cannot be made to the last index alone (``patch`` says why)."""


def _counts(one: Entry) -> dict[str, int]:
    return dict(zip(one.terms.split(" "), one.impacts, strict=True))


def _patch_term(
    postings: list[int] | None, changes: list[tuple[int, int | None, int | None]]
) -> list[int]:
    """A term's stored postings with some articles' impacts changed (``(id, before, after)``,
    None where the article lacks the term), capped as ``assemble`` caps them; ``NotPatchable``
    when the cap left out a posting that is now needed."""
    count, kept = 0, {}
    if postings:
        count, doc_id = postings[0], 0
        for i in range(1, len(postings) - 1, 2):
            doc_id += postings[i]
            kept[doc_id] = postings[i + 1]
    for doc_id, old, value in changes:
        complete = count == len(kept)
        had = doc_id in kept
        if not complete and had and (value is None or value < kept[doc_id]):
            raise NotPatchable(f"a capped term: article {doc_id} may fall below the cut")
        count += (value is not None) - (old is not None)
        if value is None:
            kept.pop(doc_id, None)
            continue
        if complete or had or not kept:
            kept[doc_id] = value
        else:  # below the cut before: in the top now only if it beats the lowest kept one
            low = min(kept.items(), key=lambda p: (p[1], p[0]))
            if (value, doc_id) > (low[1], low[0]):
                del kept[low[0]]
                kept[doc_id] = value
        if len(kept) > MAX_POSTINGS:
            low = min(kept.items(), key=lambda p: (p[1], p[0]))
            del kept[low[0]]
    return _delta_coded(count, sorted(kept.items())) if count else []


def patch(
    meta: Mapping[str, Any],
    read: Callable[[str], bytes],
    before: Sequence[Entry],
    after: Sequence[Entry],
    language: str,
) -> dict[str, bytes | None]:
    """What changes in the index whose ``meta.js`` is ``meta`` (its chunks read by path with
    ``read``) when the articles ``before`` (in doc-id order, the entries it was made from)
    become ``after``: the new files by path, and None for each file to drop. Equal to
    ``assemble(after)``; ``NotPatchable`` when the articles were not changed in place (added,
    removed, reordered) or a capped term needs the postings it left out."""
    if len(before) != len(after) or meta["n"] != len(after) or meta["hash"] != HASH:
        raise NotPatchable("the articles are not the same")
    buckets = meta["buckets"]
    changed: dict[int, dict[str, list[tuple[int, int | None, int | None]]]] = {}
    docs: set[int] = set()
    for doc_id, (old, new) in enumerate(zip(before, after, strict=True)):
        if old == new:
            continue
        if (old.slug, old.published) != (new.slug, new.published):
            raise NotPatchable("an article moved")
        docs.add(doc_id // DOCS_PER_CHUNK)
        was, now = _counts(old), _counts(new)
        for term in was.keys() | now.keys():
            if was.get(term) != now.get(term):
                held = changed.setdefault(bucket(term, buckets), {})
                held.setdefault(term, []).append((doc_id, was.get(term), now.get(term)))
    out: dict[str, bytes | None] = {}
    term_names = [meta["t"][i * HASH : (i + 1) * HASH] for i in range(buckets)]
    for number, terms_changed in sorted(changed.items()):
        old_path = chunk_path(meta, "t", number)
        table: dict[str, list[int]] = registered(read(old_path)) if old_path else {}
        for term, changes in sorted(terms_changed.items()):
            postings = _patch_term(table.get(term), sorted(changes))
            if postings:
                table[term] = postings
            else:
                table.pop(term, None)
        if old_path:
            out[old_path] = None
        if table:
            term_names[number], path, data = _named("t", number, table)
            out[path] = data
        else:
            term_names[number] = ABSENT
    doc_names = [meta["d"][i * HASH : (i + 1) * HASH] for i in range(len(meta["d"]) // HASH)]
    for number in sorted(docs):
        old_path = chunk_path(meta, "d", number)
        if old_path:
            out[old_path] = None
        doc_names[number], path, data = _docs_chunk(after, number)
        out[path] = data
    out["meta.js"] = _meta(len(after), "".join(term_names), "".join(doc_names), language)
    return out


def search_files(docs: Sequence[SearchDoc], language: str) -> dict[str, bytes]:
    """Every file of the index by its path under ``search/`` (see the module docstring)."""
    entries: list[Entry] = []
    files: dict[str, bytes] = {}
    for doc in docs:
        made, text = entry(doc, language)
        entries.append(made)
        files[f"x/{made.text}.js"] = text
    files.update(assemble(entries, language))
    return dict(sorted(files.items()))


def registered(data: bytes) -> Any:
    """The data a file of the index registers (its third argument)."""
    start = data.index(b",", data.index(b",") + 1) + 1
    return json.loads(data[start : data.rindex(b");")])


def chunk_path(meta: Mapping[str, Any], kind: str, number: int) -> str | None:
    """The content-addressed path of term bucket or docs chunk ``number`` (None: empty)."""
    size = meta["hash"]
    digest = str(meta[kind][number * size : (number + 1) * size])
    return None if digest in ("", ABSENT) else f"{kind}/{number}-{digest}.js"
