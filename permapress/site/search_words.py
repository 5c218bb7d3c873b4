"""Word forms of the site's search: the terms an article is indexed under and a query asks for.

    normalize(text) -> str                       decomposed, marks dropped, recomposed, lower case
    terms(text, language) -> list[str]           the index terms of a text, in order
    term_counts(text, language) -> {term: n}     how often each term occurs
    counts_by_part(parts, language, placed)      the same over several texts at once, with the
      -> ({term: n}, {term: part})               first of the first ``placed`` texts that each
                                                 term occurs in
    rules(language), stem(word, rules), token_terms(word, rules)

Text is decomposed (NFKD), marks dropped, recomposed (NFC) and lower-cased; words are runs of
letters and digits; Chinese, Japanese and Korean runs become character bigrams; a word loses the
first suffix of its language's list that leaves at least ``MIN_STEM`` letters (``RULES``: en,
de, fr, es, pt, it, nl). ``search.js`` does the same to the query, with the rules read from
``meta.js``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain

MIN_STEM = 3

# Suffixes tried in order (the first one that fits is replaced); "" keeps the word as it is.
RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (("ies", "y"), ("sses", "ss"), ("ss", "ss"), ("us", "us"), ("is", "is"), ("s", "")),
    "de": (("ern", ""), ("en", ""), ("er", ""), ("es", ""), ("e", ""), ("n", "")),
    "fr": (("eaux", "eau"), ("aux", "al"), ("s", ""), ("x", ""), ("e", "")),
    "es": (("ces", "z"), ("es", ""), ("s", "")),
    "pt": (("oes", "ao"), ("aes", "ao"), ("ns", "m"), ("s", "")),
    "it": (("i", ""), ("e", ""), ("a", ""), ("o", "")),
    "nl": (("en", ""), ("s", "")),
}

WORD = re.compile(r"[^\W_]+")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")


def rules(language: str) -> tuple[tuple[str, str], ...]:
    return RULES.get(language.split("-")[0].lower(), ())


@lru_cache(maxsize=4096)
def _is_mark(char: str) -> bool:
    return unicodedata.category(char).startswith("M")


def normalize(text: str) -> str:
    """Decomposed, without marks, recomposed, lower case (``search.js`` does the same)."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if c.isascii() or not _is_mark(c))
    return unicodedata.normalize("NFC", text).lower()


def stem(word: str, language_rules: tuple[tuple[str, str], ...]) -> str:
    for suffix, replacement in language_rules:
        if word.endswith(suffix):
            if len(word) - len(suffix) >= MIN_STEM:
                return word[: len(word) - len(suffix)] + replacement
            return word
    return word


def token_terms(token: str, language_rules: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    """The terms of one normalized word: itself stemmed, or its CJK runs as bigrams."""
    if token.isascii() or not CJK.search(token):
        return (stem(token, language_rules),)
    out: list[str] = []
    at = 0
    for run in CJK.finditer(token):
        if run.start() > at:
            out.append(stem(token[at : run.start()], language_rules))
        cjk = run.group()
        if len(cjk) == 1:
            out.append(cjk)
        out += [cjk[i : i + 2] for i in range(len(cjk) - 1)]
        at = run.end()
    if at < len(token):
        out.append(stem(token[at:], language_rules))
    return tuple(out)


# ASCII text: every character but letters and digits becomes a space, then split (fast).
_ASCII_SPACES = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})
_TERMS: dict[tuple[tuple[str, str], ...], dict[str, tuple[str, ...]]] = {}


def term_counts(text: str, language: str) -> dict[str, int]:
    """How often each index term occurs in ``text``."""
    language_rules = rules(language)
    known = _TERMS.setdefault(language_rules, {})
    text = normalize(text)
    if text.isascii():
        words = Counter(text.translate(_ASCII_SPACES).split())
    else:
        words = Counter(WORD.findall(text))
    counts: dict[str, int] = {}
    get = counts.get
    for word, n in words.items():
        found = known.get(word)
        if found is None:
            if len(known) > 200_000:
                known.clear()
            found = known[word] = token_terms(word, language_rules)
        for term in found:
            counts[term] = get(term, 0) + n
    return counts


def _words(text: str) -> list[str]:
    text = normalize(text)
    if text.isascii():
        return text.translate(_ASCII_SPACES).split()
    return WORD.findall(text)


def counts_by_part(
    parts: Sequence[str], language: str, placed: int
) -> tuple[dict[str, int], dict[str, int]]:
    """How often each term occurs in all of ``parts`` together (in the order the terms first
    occur), and for the terms found in the first ``placed`` parts, the first of those parts
    each occurs in. Each part is split into words once, and all are counted in one pass."""
    language_rules = rules(language)
    known = _TERMS.setdefault(language_rules, {})
    words = [_words(part) for part in parts]
    first: dict[str, int] = {}
    for k in range(min(placed, len(words)) - 1, -1, -1):  # the earliest part is written last
        first.update(dict.fromkeys(words[k], k))
    counts: dict[str, int] = {}
    where: dict[str, int] = {}
    get, found_at = counts.get, first.get
    for word, n in Counter(chain.from_iterable(words)).items():
        found = known.get(word)
        if found is None:
            if len(known) > 200_000:
                known.clear()
            found = known[word] = token_terms(word, language_rules)
        at = found_at(word)
        for term in found:
            counts[term] = get(term, 0) + n
            if at is not None and at < where.get(term, placed):
                where[term] = at
    return counts, where


def terms(text: str, language: str) -> list[str]:
    """The index terms of ``text``, in order (repeats kept)."""
    language_rules = rules(language)
    words = WORD.findall(normalize(text))
    return [term for word in words for term in token_terms(word, language_rules)]
