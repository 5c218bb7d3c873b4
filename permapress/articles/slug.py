"""URL slugs: ``slugify("Politics & Government") == "politics-and-government"``.

A slug is lowercase ASCII letters and digits joined by single hyphens, at most 80 characters
(cut at a word boundary), never empty (falls back to ``"article"``). Accented letters lose their
accents (Unicode NFKD); a few letters that do not decompose are spelled out (ß -> ss, æ -> ae,
ø -> o, ł -> l …); apostrophes and thousands separators vanish ("Mayor's" -> "mayors",
"1,200" -> "1200"); '&' reads as "and". Letters of other scripts are dropped, unless
``transliterate`` is set: then they are spelled in Latin letters (Unidecode: "Москва" ->
"moskva", "서울 시장" -> "seoul-sijang"). ``headline_slug`` does that when the plain slug would be
empty, so that a newsroom writing in Cyrillic, Greek, Korean or Arabic gets readable slugs;
readers that have a better source (a page's or feed entry's own URL) try it first. Pure and
deterministic.

``article_uri(slug)`` is the article's identifier across all its versions and wherever it is
hosted: "urn:permapress:article:<slug>" (the publisher log, feeds, JSON-LD and ninjs name it).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from unidecode import unidecode

from permapress.articles.model import SLUG_MAX

FALLBACK: Final = "article"


def article_uri(slug: str) -> str:
    """The identifier of an article across all its versions and wherever it is hosted."""
    return f"urn:permapress:article:{slug}"


_SPELLED: Final = {
    "ß": "ss",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "ø": "o",
    "Ø": "O",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "þ": "th",
    "Þ": "TH",
    "ł": "l",
    "Ł": "L",
    "ı": "i",
    "&": " and ",
}
_APOSTROPHES: Final = re.compile(r"(?<=\w)['’‘`](?=\w)")
_THOUSANDS: Final = re.compile(r"(?<=\d),(?=\d{3})")
_NOT_ALNUM: Final = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_length: int = SLUG_MAX, *, transliterate: bool = False) -> str:
    """The URL slug for ``text``; see the module docstring."""
    text = _THOUSANDS.sub("", _APOSTROPHES.sub("", text))
    text = "".join(_SPELLED.get(ch, ch) for ch in text)
    if transliterate and not text.isascii():
        text = "".join(_latin(ch) for ch in text)
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    slug = _NOT_ALNUM.sub("-", ascii_text).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        boundary = cut.rfind("-")
        slug = cut[:boundary] if boundary > 0 else slug[:max_length]
        slug = slug.strip("-")
    return slug or FALLBACK


def headline_slug(text: str, max_length: int = SLUG_MAX) -> str:
    """``slugify(text)``, or, when that holds no letter of the Latin script, ``text``
    transliterated; ``FALLBACK`` only when neither holds a letter or digit."""
    slug = slugify(text, max_length)
    if slug == FALLBACK or not any("a" <= ch <= "z" for ch in slug):
        return slugify(text, max_length, transliterate=True)
    return slug


def _latin(ch: str) -> str:
    """A letter or digit that accents cannot fold to ASCII, spelled in Latin letters; anything
    else as it is (accented Latin letters fold later, punctuation becomes a separator)."""
    if not ch.isalnum() or unicodedata.normalize("NFKD", ch).encode("ascii", "ignore"):
        return ch
    return unidecode(ch)
