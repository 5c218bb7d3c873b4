"""Category names to IPTC Media Topics, and category URL slugs.

    Taxonomy(extra={})              extra: category name -> medtop code, from [categories] in
                                    permapress.toml ("medtop:11000000" or "11000000")
      .topic(name) -> Topic | None  the topic a category name stands for
    Topic(code, uri, label)         code "medtop:11000000",
                                    uri "http://cv.iptc.org/newscodes/mediatopic/11000000"
    category_slug(name) -> str      "Politics & Government" -> "politics-and-government"

The built-in table is ``medtop.toml`` beside this module. Names match ignoring case, '&', the
word "and" and punctuation ("Science and Technology" == "science & technology"); a topic's own
label and its code are names too. ``extra`` wins over the built-in names. A code in ``extra``
that is not eight digits raises ``ConfigError``; a well-formed code missing from the table is
accepted and labelled with the category name.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from permapress.articles.slug import slugify
from permapress.errors import ConfigError

URI_PREFIX: Final = "http://cv.iptc.org/newscodes/mediatopic/"
_CODE_RE: Final = re.compile(r"(?:medtop:|mediatopic:|" + re.escape(URI_PREFIX) + r")?(\d{8})")
_WORD_RE: Final = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Topic:
    """An IPTC Media Topic: QCode, URI and English label."""

    code: str  # "medtop:11000000"
    uri: str  # "http://cv.iptc.org/newscodes/mediatopic/11000000"
    label: str  # "politics"


def _topic(digits: str, label: str) -> Topic:
    return Topic(code=f"medtop:{digits}", uri=URI_PREFIX + digits, label=label)


def name_key(name: str) -> str:
    """How names are compared: lowercase words, without 'and' and punctuation."""
    words = _WORD_RE.findall(name.casefold())
    return " ".join(word for word in words if word != "and")


def category_slug(name: str) -> str:
    """The URL slug of a category name."""
    return slugify(name)


@cache
def _builtin() -> tuple[dict[str, str], dict[str, str]]:
    """(code digits -> label, name key -> code digits) from medtop.toml."""
    # beside this module (importlib.resources would load zipfile and its compressors)
    text = (Path(__file__).parent / "medtop.toml").read_text("utf-8")
    table = tomllib.loads(text)
    labels: dict[str, str] = dict(table["topics"])
    names = {name_key(label): code for code, label in labels.items()}
    names.update({name_key(name): code for name, code in table["names"].items()})
    return labels, names


def _digits(code: str) -> str | None:
    match = _CODE_RE.fullmatch(code.strip())
    return match.group(1) if match else None


class Taxonomy:
    """Maps category names to IPTC Media Topics; see the module docstring."""

    def __init__(self, extra: Mapping[str, str] | None = None) -> None:
        self._labels, builtin = _builtin()
        self._names = dict(builtin)
        self._extra_labels: dict[str, str] = {}
        for name, code in (extra or {}).items():
            digits = _digits(str(code))
            if digits is None:
                raise ConfigError(
                    f"[categories] {name!r} = {code!r}: a Media Topic code is eight digits, "
                    "like \"medtop:11000000\" (see http://cv.iptc.org/newscodes/mediatopic/)"
                )
            self._names[name_key(name)] = digits
            self._extra_labels.setdefault(digits, name)

    def topic(self, name: str) -> Topic | None:
        """The Media Topic for a category name (or a code, or a topic label), or None."""
        digits = _digits(name) or self._names.get(name_key(name))
        if digits is None:
            return None
        label = self._labels.get(digits) or self._extra_labels.get(digits) or name
        return _topic(digits, label)

    def label(self, code: str) -> str | None:
        """The English label of a topic code, when the table has it."""
        digits = _digits(code)
        return self._labels.get(digits) if digits else None
