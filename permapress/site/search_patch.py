"""A search index made again for articles changed in place, from the chunks they touch.

    patch(meta, read, before, after, language) -> {path: bytes | None}

When a build finds the same articles in the same order as the last index with some of them
changed (corrections), only the term chunks holding a term whose postings changed, the changed
articles' docs chunks and ``meta.js`` are made again (``search_build.py`` links the rest as they
are). The result equals ``search.assemble`` over the new entries; a term capped at
``MAX_POSTINGS`` from which a changed article would drop cannot be patched (``NotPatchable``:
the build assembles the index whole then).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from permapress.site import search
from permapress.site.search import (
    ABSENT,
    DOCS_PER_CHUNK,
    HASH,
    SPREAD,
    Entry,
    bucket,
    chunk_path,
    delta_coded,
    docs_chunk,
    meta_file,
    named,
    registered,
)


class NotPatchable(Exception):
    """The change cannot be made to the last index alone (``patch`` says why)."""


def _counts(one: Entry) -> dict[str, int]:
    return dict(zip(one.terms.split(" "), one.impacts, strict=True))


def _rank(posting: tuple[int, int]) -> tuple[int, int]:
    """What the cap keeps first: the highest impact, then the newest (a posting: id, value)."""
    return posting[1] % SPREAD, posting[0]


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
        if not complete and had and (value is None or value % SPREAD < kept[doc_id] % SPREAD):
            raise NotPatchable(f"a capped term: article {doc_id} may fall below the cut")
        count += (value is not None) - (old is not None)
        if value is None:
            kept.pop(doc_id, None)
            continue
        if complete or had or not kept:
            kept[doc_id] = value
        else:  # below the cut before: in the top now only if it beats the lowest kept one
            low = min(kept.items(), key=_rank)
            if (value % SPREAD, doc_id) > _rank(low):
                del kept[low[0]]
                kept[doc_id] = value
        if len(kept) > search.MAX_POSTINGS:
            low = min(kept.items(), key=_rank)
            del kept[low[0]]
    return delta_coded(count, sorted(kept.items())) if count else []


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
            term_names[number], path, data = named("t", number, table)
            out[path] = data
        else:
            term_names[number] = ABSENT
    doc_names = [meta["d"][i * HASH : (i + 1) * HASH] for i in range(len(meta["d"]) // HASH)]
    for number in sorted(docs):
        old_path = chunk_path(meta, "d", number)
        if old_path:
            out[old_path] = None
        doc_names[number], path, data = docs_chunk(after, number)
        out[path] = data
    out["meta.js"] = meta_file(len(after), "".join(term_names), "".join(doc_names), language)
    return out
