"""The search index assembled from entries that arrive one by one, in doc-id order.

    Assembler(count, language)     .add(entry) for each of ``count`` entries, oldest first
    .files() -> dict[str, bytes]   ``meta.js``, ``t/`` and ``d/``: the bytes ``search.assemble``
                                   makes from the same entries

``search.assemble`` takes every entry at once (at 100,000 articles about 160 MiB of entries and
150 MiB of postings as Python lists). Here an entry is let go once its postings are counted,
and a term's postings are kept as a flat array of 32-bit integers (document id, value, …);
the term chunks are made one bucket at a time. A full build reads the kept entries in batches
in doc-id order (``search_build.py``).
"""

from __future__ import annotations

from array import array

from permapress.site import search
from permapress.site.search import Entry


class Assembler:
    def __init__(self, count: int, language: str) -> None:
        self.count = count
        self.language = language
        self.postings: dict[str, array[int]] = {}
        self.texts: list[str] = []  # each document's text folder name, in doc-id order

    def add(self, entry: Entry) -> None:
        """The next document (entries come in ``search.in_order``'s order)."""
        doc_id = len(self.texts)
        self.texts.append(entry.text)
        postings = self.postings
        for term, value in zip(entry.terms.split(" "), entry.impacts, strict=True):
            found = postings.get(term)
            if found is None:
                postings[term] = found = array("i")
            found.append(doc_id)
            found.append(value)

    def files(self) -> dict[str, bytes]:
        if len(self.texts) != self.count:
            raise ValueError(f"{len(self.texts)} entries added, {self.count} announced")
        buckets = search.bucket_count(self.count)
        by_bucket: dict[int, list[str]] = {}
        for term in self.postings:
            by_bucket.setdefault(search.bucket(term, buckets), []).append(term)
        files: dict[str, bytes] = {}
        term_names = [search.ABSENT] * buckets
        for number, terms in by_bucket.items():
            table = {term: _coded(self.postings.pop(term)) for term in terms}
            term_names[number], path, body = search.named("t", number, table)
            files[path] = body
        doc_names = []
        per = search.DOCS_PER_CHUNK
        for number in range((self.count + per - 1) // per):
            names = "".join(self.texts[number * per : (number + 1) * per])
            digest, path, body = search.named("d", number, names)
            doc_names.append(digest)
            files[path] = body
        meta = search.meta_file(self.count, "".join(term_names), "".join(doc_names), self.language)
        files["meta.js"] = meta
        return files


def _coded(flat: array[int]) -> list[int]:
    """``[df, id delta, value, …]`` of one term, its postings cut to the best
    ``search.MAX_POSTINGS`` as ``search.assemble`` cuts them."""
    count = len(flat) // 2
    pairs: array[int] | list[int] = flat
    if count > search.MAX_POSTINGS:  # the best impacts, the newest first among equal ones
        spread = search.SPREAD
        ranked = sorted(range(0, len(flat), 2), key=lambda i: (flat[i + 1] % spread, flat[i]))
        pairs = [x for i in sorted(ranked[-search.MAX_POSTINGS :]) for x in flat[i : i + 2]]
    out = [count]
    last = 0
    for i in range(0, len(pairs), 2):
        out += (pairs[i] - last, pairs[i + 1])
        last = pairs[i]
    return out
