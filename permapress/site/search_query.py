"""The reference of what the search page (``search.js``) loads for a query, and what it shows.

query_plan(files, query, page=10) -> QueryPlan   from ``search.search_files`` output
idf(df, n) -> float                              the inverse document frequency it ranks by
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from permapress.site.search import NOWHERE, SPREAD, TEXT_HASH, bucket, chunk_path, registered
from permapress.site.search_words import CJK, WORD, normalize, token_terms


def idf(df: int, n: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """What the search page loads for a query (``search.js`` does the same): the paths of the
    index files, in order, and the ids of the first results page, best first."""

    paths: tuple[str, ...]
    ids: tuple[int, ...]


def query_plan(files: Mapping[str, bytes], query: str, page: int = 10) -> QueryPlan:
    """The files a query loads and its first ``page`` results, from ``search_files`` output:
    the reference for ``search.js`` (groups of words, the last one as a prefix, ranked by how
    many words match, then the summed impact times idf, then newest; then the docs chunks and
    the text piece of each result shown: the first holding a matched term, else the first)."""
    meta = registered(files["meta.js"])
    language_rules = tuple((s, r) for s, r in meta["rules"])
    words = WORD.findall(normalize(query))
    open_end = not query[-1:].isspace()
    wanted: list[tuple[str, bool]] = []
    for w, word in enumerate(words):
        for term in token_terms(word, language_rules):
            cjk = bool(CJK.fullmatch(term))
            prefix = open_end and w == len(words) - 1 and not cjk and len(term) >= meta["prefix"]
            if (term, prefix) not in wanted:
                wanted.append((term, prefix))
    paths = ["meta.js"]
    hits: dict[int, list[float]] = {}
    piece: dict[int, int] = {}  # the first piece of its text holding a matched term
    for term, prefix in wanted:
        path = chunk_path(meta, "t", bucket(term, meta["buckets"]))
        if path is None:
            continue
        if path not in paths:
            paths.append(path)
        best: dict[int, float] = {}
        for key, postings in registered(files[path]).items():
            if key != term and not (prefix and key.startswith(term)):
                continue
            weight = idf(postings[0], meta["n"])
            doc_id = 0
            for i in range(1, len(postings) - 1, 2):
                doc_id += postings[i]
                impact, where = postings[i + 1] % SPREAD, postings[i + 1] // SPREAD
                best[doc_id] = max(best.get(doc_id, 0.0), weight * impact)
                piece[doc_id] = min(piece.get(doc_id, NOWHERE), where)
        for doc_id, score in best.items():
            found = hits.setdefault(doc_id, [0, 0.0])
            found[0] += 1
            found[1] += score
    ranked = sorted(hits, key=lambda d: (-hits[d][0], -hits[d][1], -d))[:page]
    texts = []
    for doc_id in ranked:
        path = chunk_path(meta, "d", doc_id // meta["per"])
        assert path is not None
        if path not in paths:
            paths.append(path)
        at = doc_id % meta["per"] * TEXT_HASH
        shown = piece[doc_id] if piece[doc_id] != NOWHERE else 0
        texts.append(f"x/{registered(files[path])[at : at + TEXT_HASH]}/{shown}.js")
    paths += [path for path in dict.fromkeys(texts) if path not in paths]
    return QueryPlan(tuple(paths), tuple(ranked))
