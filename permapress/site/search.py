"""The site's own search index: small script files the search page loads one by one.

    search_files(docs, language) -> dict[str, bytes]   files under ``search/`` by path
    entry(doc, language) -> (Entry, {name: bytes})     one article's part, and its text pieces
    assemble(entries, language) -> dict[str, bytes]    meta.js and the chunks over the entries
    bucket(term, buckets) -> int                       the term chunk that holds a term

Every published article is a ``SearchDoc``. Doc ids follow publication order (oldest first, then
slug), so a new article takes the next id and a correction keeps its id. The files:

- ``meta.js``: article count, bucket count, the stemming rules, and the name hash of every
  term chunk (``ABSENT`` for an empty bucket) and every docs chunk, ``HASH`` characters each;
- ``t/<bucket>-<hash>.js``: the terms whose first three letters hash (FNV-1a, 32 bits, over
  UTF-8) to the bucket, each with its document frequency and postings ``[id delta, value,
  …]``: all of a term's words that share a prefix sit in one chunk, so the page matches the
  last word typed as a prefix by loading one chunk. A value is ``impact + SPREAD * piece``:
  the term's impact (1 … 18) and the piece of the article's text it first occurs in
  (``NOWHERE``: only in the headline, authors or categories);
- ``d/<n>-<hash>.js``: the text folder names of articles ``64n … 64n+63``, ``TEXT_HASH``
  characters each, one string;
- ``x/<hash>/<k>.js``: piece ``k`` of one article as a result shows it: slug, headline, date,
  and a part of its summary and body as plain text (the whole is up to ``TEXT_MAX``
  characters; each piece owns about ``PIECE`` of them and repeats a little of its neighbours',
  so a snippet around a word near its edge is whole), and whether text comes before and after
  it. The page loads, for each result, the piece where the first of the query's words occurs
  (the smallest piece among its postings) and cuts the snippet there, around that word; so a
  query loads about a third of its results' text.

Every name holds a hash of the file's content (SHA-256, base32), so a file under a name never
changes: caches may keep it for ever, and a new version gets a new name.

Each file is one call of the page's global ``ppSearch(kind, key, data)``: the page adds plain
``<script>`` elements, which browsers run from ``file://`` too (``fetch()`` is refused there).

Ranking: the impact of a term in an article is BM25's term part (k1 1.2, b 0.75) over the
weighted count (headline 3, authors and categories 2, summary 2, body 1), against a fixed
length ``NOMINAL_LENGTH`` instead of the corpus average, rounded to an integer 1..18. The page
adds impact times idf (from the frequency the chunk stores) over the query's terms; ties go to
the newer article. A term keeps the ``MAX_POSTINGS`` postings of highest impact (newest first),
so a word in every article costs a few kB, not the whole archive.

Stability: buckets come from the term, the bucket count only from the number of articles,
impacts only from the article itself: a correction changes exactly the chunks holding a term
whose postings changed, the article's docs chunk and text file, and ``meta.js`` (which names
them). Same articles, same bytes. What an article adds (``Entry``) depends on the article
alone, so a build keeps it (``search_cache.py``) and reads no unchanged article again.

Word forms (``terms``, stemming, CJK bigrams) are in ``search_words.py``; what a query loads
and ranks (``query_plan``, the reference for ``search.js``) in ``search_query.py``; the index
patched for articles changed in place in ``search_patch.py``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from permapress.site.search_words import MIN_STEM, counts_by_part, rules

FORMAT = 3
DOCS_PER_CHUNK = 64
HASH = 6  # base32 characters of a term or docs chunk's name hash (meta.js lists them all)
ABSENT = "0" * HASH  # an empty bucket in meta.js's list ("0" is not a base32 character)
TEXT_HASH = 12  # base32 characters of a text file's name (the docs chunk names it)
TEXT_MAX = 4000
PIECE = 1000  # characters of the text a piece owns (cut at a space)
PIECES = 8  # at most: the last one owns the rest
AROUND = (70, 150)  # characters of the pieces before and after that a piece repeats
IMPACT_MAX = 18  # SCALE * (K1 + 1), rounded
SPREAD = IMPACT_MAX + 1  # a posting's value: impact + SPREAD * piece
NOWHERE = 12  # the piece of a term that is not in the text (the largest that fits a byte)
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


def _fields(doc: SearchDoc) -> str:
    """The fields besides the text (summary and body), each repeated as often as its weight
    beyond 1 (the summary once more: the text holds it once)."""
    authors, categories = " ".join(doc.authors), " ".join(doc.categories)
    return " ".join((*[doc.headline] * 3, *[authors] * 2, *[categories] * 2, doc.summary))


_MARKUP = re.compile(r"[#*_>`\[\]|]+")
_MARKUP_SPACES = str.maketrans(dict.fromkeys("#*_>`[]|", " "))  # the same, one by one


def _plain(text: str, linked: bool = True) -> str:
    # _LINK finds nothing without one of these; markup runs become spaces, and the spaces one
    # (str.translate is quick on ASCII text only)
    if linked and ("](" in text or "<" in text or "://" in text):
        text = _LINK.sub(" ", text)
    text = text.translate(_MARKUP_SPACES) if text.isascii() else _MARKUP.sub(" ", text)
    return " ".join(text.split())


def _cut(text: str, size: int) -> str:
    if len(text) <= size:
        return text
    return text[:size].rsplit(" ", 1)[0] + " …"


def excerpt(doc: SearchDoc) -> str:
    """The summary, else the start of the body, cut at a word before ``EXCERPT`` characters."""
    return _cut(_plain(doc.summary.strip() or doc.body), EXCERPT)


def plain_text(doc: SearchDoc) -> str:
    """What the page cuts snippets from: the summary and the body as plain text, one line
    each, cut at a word before ``TEXT_MAX`` characters."""
    return _cut(_whole_text(doc), TEXT_MAX)


def _whole_text(doc: SearchDoc) -> str:
    summary, body = _plain(doc.summary), _plain(doc.body)
    return f"{summary}\n{body}" if summary else body


def name_hash(data: bytes, size: int = HASH) -> str:
    """The first ``size`` characters of the data's SHA-256 in lower-case base32."""
    # base32 turns each 5 bytes into 8 characters: encode only the bytes the name shows
    wanted = hashlib.sha256(data).digest()[: (size + 7) // 8 * 5]
    return base64.b32encode(wanted).decode("ascii")[:size].lower()


# json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True), its encoder made
# once (json.dumps makes one per call when given options)
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


def _script(kind: str, key: int | str, data: object) -> bytes:
    return f"ppSearch({json.dumps(kind)},{json.dumps(key)},{_COMPACT(data)});\n".encode()


@dataclass(frozen=True, slots=True)
class Entry:
    """One article's part of the index, made from the article alone (so it can be kept and
    reused while the article's shown version is unchanged)."""

    slug: str
    headline: str
    published: str  # ISO 8601: the order of doc ids
    terms: str  # its index terms, separated by spaces
    impacts: bytes  # each term's posting value (impact + SPREAD * piece), in the same order
    text: str  # the name of its text folder: x/<text>/ (a hash of what it shows)


def pieces(text: str) -> list[tuple[int, int]]:
    """The parts of ``text`` its pieces own: ``(start, end)``, cut at spaces, about ``PIECE``
    characters each, at most ``PIECES``."""
    bounds = [0]
    while len(text) - bounds[-1] > PIECE and len(bounds) < PIECES:
        at = bounds[-1]
        cut = text.rfind(" ", at + 1, at + PIECE + 1)
        bounds.append(cut if cut > at else at + PIECE)
    bounds.append(len(text))
    return list(zip(bounds, bounds[1:], strict=False))


def _piece_files(
    name: str, shown: list[str], text: str, parts: list[tuple[int, int]]
) -> dict[str, bytes]:
    files = {}
    for k, (start, end) in enumerate(parts):
        if start <= AROUND[0]:  # a few words of the piece before: begin after a space
            start = 0
        elif (at := text.find(" ", start - AROUND[0], start)) >= 0:
            start = at + 1
        if len(text) - end <= AROUND[1]:  # and of the piece after: end at a space
            end = len(text)
        elif (at := text.rfind(" ", end + 1, end + AROUND[1])) > end:
            end = at
        data = [*shown, text[start:end], int(start > 0), int(end < len(text))]
        files[f"{k}.js"] = _script("x", f"{name}/{k}", data)
    return files


def entry(doc: SearchDoc, language: str) -> tuple[Entry, dict[str, bytes]]:
    """The article's entry and its text pieces (``x/<name>/<k>.js`` by ``<k>.js``)."""
    whole = _whole_text(doc)
    text = _cut(whole, TEXT_MAX)
    parts = pieces(text)
    # weighted counts (headline 3, authors and categories 2, summary 2, body 1), counted by
    # piece of the text, the rest of the text (past TEXT_MAX) and the other fields
    rest = whole[len(text) - 2 :] if len(text) < len(whole) else ""  # past the cut's " …"
    counted = [*(text[start:end] for start, end in parts), rest, _fields(doc)]
    counts, where = counts_by_part(counted, language, len(parts))
    norm = K1 * (1 - B + B * sum(counts.values()) / NOMINAL_LENGTH)
    # few distinct counts per article: each one's impact computed once
    table = {
        w: min(IMPACT_MAX, round(SCALE * w * (K1 + 1) / (w + norm)) or 1)
        for w in {*counts.values()}
    }  # fmt: skip
    impacts = bytes(
        table[w] + SPREAD * where.get(term, NOWHERE) for term, w in counts.items()
    )  # fmt: skip
    shown = [doc.slug, doc.headline, doc.published[:10]]
    payload = _COMPACT([*shown, text])
    name = name_hash(payload.encode("utf-8"), TEXT_HASH)
    made = Entry(doc.slug, doc.headline, doc.published, " ".join(counts), impacts, name)
    return made, _piece_files(name, shown, text, parts)


def ordered(docs: Sequence[SearchDoc]) -> list[SearchDoc]:
    """The articles in doc-id order: oldest first, then by slug."""
    return sorted(docs, key=lambda d: (d.published, d.slug))


def named(kind: str, key: int, data: object) -> tuple[str, str, bytes]:
    """A chunk file: its name hash, its path (content-addressed) and its bytes."""
    body = _script(kind, key, data)
    digest = name_hash(body)
    return digest, f"{kind}/{key}-{digest}.js", body


def in_order(entries: Sequence[Entry]) -> list[Entry]:
    """The entries in doc-id order: oldest first, then by slug."""
    return sorted(entries, key=lambda e: (e.published, e.slug))


def docs_chunk(entries: Sequence[Entry], number: int) -> tuple[str, str, bytes]:
    names = "".join(e.text for e in entries[number * DOCS_PER_CHUNK :][:DOCS_PER_CHUNK])
    return named("d", number, names)


def meta_file(count: int, term_names: str, doc_names: str, language: str) -> bytes:
    meta = {
        "format": FORMAT,
        "n": count,
        "buckets": bucket_count(count),
        "hash": HASH,
        "text": TEXT_HASH,
        "t": term_names,
        "d": doc_names,
        "per": DOCS_PER_CHUNK,
        "spread": SPREAD,
        "nowhere": NOWHERE,
        "prefix": PREFIX,
        "min": MIN_STEM,
        "rules": [list(rule) for rule in rules(language)],
    }
    return _script("m", 0, meta)


def delta_coded(count: int, pairs: Sequence[tuple[int, int]]) -> list[int]:
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
        if count > MAX_POSTINGS:  # the best impacts, the newest first among equal ones
            ranked = sorted(range(0, len(flat), 2), key=lambda i: (flat[i + 1] % SPREAD, flat[i]))
            pairs = [x for i in sorted(ranked[-MAX_POSTINGS:]) for x in flat[i : i + 2]]
        out = [count]
        last = 0
        for i in range(0, len(pairs), 2):
            out += (pairs[i] - last, pairs[i + 1])
            last = pairs[i]
        chunks.setdefault(bucket(term, buckets), {})[term] = out
    files: dict[str, bytes] = {}
    term_names = [ABSENT] * buckets
    for number, table in chunks.items():
        term_names[number], path, files_body = named("t", number, table)
        files[path] = files_body
    doc_names = []
    for number in range((len(entries) + DOCS_PER_CHUNK - 1) // DOCS_PER_CHUNK):
        digest, path, body = docs_chunk(entries, number)
        doc_names.append(digest)
        files[path] = body
    files["meta.js"] = meta_file(len(entries), "".join(term_names), "".join(doc_names), language)
    return files


def search_files(docs: Sequence[SearchDoc], language: str) -> dict[str, bytes]:
    """Every file of the index by its path under ``search/`` (see the module docstring)."""
    entries: list[Entry] = []
    files: dict[str, bytes] = {}
    for doc in docs:
        made, texts = entry(doc, language)
        entries.append(made)
        files.update({f"x/{made.text}/{name}": data for name, data in texts.items()})
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
