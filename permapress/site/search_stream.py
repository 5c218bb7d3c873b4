"""The search index assembled from entries that arrive one by one, in doc-id order.

    Assembler(count, language)     .add(entry) for each of ``count`` entries, oldest first
    .files(keep) -> dict           ``meta.js``, ``t/`` and ``d/``: the bytes ``search.assemble``
                                   makes from the same entries, each given to ``keep`` as it
                                   is made (a build imports it there and keeps its node)

``search.assemble`` takes every entry at once (at 100,000 articles about 160 MiB of entries and
150 MiB of postings as Python lists). Here an entry is let go once its postings are counted,
and a term's postings are kept as an array of 32-bit integers (document id and value in one);
the term chunks are made one bucket at a time, and a build keeps only each chunk's node, not
its bytes. A full build reads the kept entries in batches in doc-id order (``search_build.py``).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from typing import TypeVar

from permapress.site import search
from permapress.site.search import Entry

T = TypeVar("T")


# A posting is one unsigned integer: the document id above the value's 8 bits (a value is at
# most 246), so 4 bytes a posting up to 16,777,216 articles.
_BITS = 8
_VALUE = (1 << _BITS) - 1
assert search.SPREAD * search.NOWHERE + search.IMPACT_MAX <= _VALUE


class Assembler:
    def __init__(self, count: int, language: str) -> None:
        self.count = count
        self.language = language
        self.postings: dict[str, array[int]] = {}
        self.texts: list[str] = []  # each document's text folder name, in doc-id order
        self._code = "I" if count < 1 << (32 - _BITS) else "Q"

    def add(self, entry: Entry) -> None:
        """The next document (entries come in ``search.in_order``'s order)."""
        doc = len(self.texts) << _BITS
        self.texts.append(entry.text)
        postings = self.postings
        for term, value in zip(entry.terms.split(" "), entry.impacts, strict=True):
            found = postings.get(term)
            if found is None:
                postings[term] = found = array(self._code)
            found.append(doc | value)

    def files(self, keep: Callable[[bytes], T]) -> dict[str, T]:
        """Each file by its path: what ``keep`` made of its bytes (``bytes``: the bytes; a
        build imports them); the postings are let go as their chunk is made."""
        if len(self.texts) != self.count:
            raise ValueError(f"{len(self.texts)} entries added, {self.count} announced")
        buckets = search.bucket_count(self.count)
        by_bucket: dict[int, list[str]] = {}
        for term in self.postings:
            by_bucket.setdefault(search.bucket(term, buckets), []).append(term)
        files: dict[str, T] = {}
        term_names = [search.ABSENT] * buckets
        for number, terms in by_bucket.items():
            table = {term: _coded(self.postings.pop(term)) for term in terms}
            term_names[number], path, body = search.named("t", number, table)
            files[path] = keep(body)
        doc_names = []
        per = search.DOCS_PER_CHUNK
        for number in range((self.count + per - 1) // per):
            names = "".join(self.texts[number * per : (number + 1) * per])
            digest, path, body = search.named("d", number, names)
            doc_names.append(digest)
            files[path] = keep(body)
        meta = search.meta_file(self.count, "".join(term_names), "".join(doc_names), self.language)
        files["meta.js"] = keep(meta)
        return files


def _coded(packed: array[int]) -> list[int]:
    """``[df, id delta, value, …]`` of one term, its postings cut to the best
    ``search.MAX_POSTINGS`` as ``search.assemble`` cuts them."""
    count = len(packed)
    kept: array[int] | list[int] = packed
    if count > search.MAX_POSTINGS:  # the best impacts, the newest first among equal ones
        spread = search.SPREAD
        ranked = sorted(packed, key=lambda p: ((p & _VALUE) % spread, p))
        kept = sorted(ranked[-search.MAX_POSTINGS :])
    out = [count]
    last = 0
    for posting in kept:
        doc = posting >> _BITS
        out += (doc - last, posting & _VALUE)
        last = doc
    return out
