"""Front matter: the metadata block at the top of a Markdown file, and reading its fields.

    split(text, source) -> (meta, body, body_line)   YAML between '---' lines (closed by '---'
                                                     or '...'), TOML between '+++' lines, or
                                                     Pelican's "Title: …" lines up to a blank
                                                     line (every value text)
    has_front_matter(text) -> bool
    trust_fields(meta, source) -> dict                 type of work, sources, methods, location
                                                     as ``Article`` keyword arguments

YAML is read with a safe loader that resolves only ``null``: every other scalar stays the text
that was written, so ``lang: no`` is Norwegian rather than ``False``, ``title: 1.10`` keeps its
zero, and dates are parsed by ``dates.parse_datetime`` with messages naming the field. TOML keeps
its own types. Keys are compared in lowercase. The field readers below raise ``ArticleError``
naming the key and the file.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

from permapress.articles.model import GENRES, genre_name
from permapress.errors import ArticleError

_YAML_OPEN: Final = "---"
_YAML_CLOSE: Final = ("---", "...")
_TOML_FENCE: Final = "+++"
_PELICAN_LINE: Final = re.compile(r"([A-Za-z][A-Za-z0-9_ -]{0,30}):[ \t]+(\S.*)$")
_TRUE: Final = frozenset({"true", "yes", "on", "1"})
_FALSE: Final = frozenset({"false", "no", "off", "0"})


if TYPE_CHECKING:
    import yaml


@lru_cache(maxsize=1)
def text_loader() -> type[yaml.SafeLoader]:
    """A SafeLoader that turns only ``null`` into a value (other scalars stay text): libyaml's
    parser when PyYAML was built with it (several times faster), else the pure one. PyYAML is
    imported here, when a front matter first needs it (most are read the short way below)."""
    import yaml

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class TextLoader(base):  # type: ignore[valid-type,misc]
        pass

    TextLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag == "tag:yaml.org,2002:null"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return TextLoader


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0].rstrip()


def has_front_matter(text: str) -> bool:
    """True when ``text`` starts with a '---' or '+++' line."""
    return _first_line(text) in (_YAML_OPEN, _TOML_FENCE)


def _pelican_header(lines: list[str]) -> tuple[dict[str, Any], int] | None:
    """Pelican's metadata lines ("Title: …" up to the first blank line), when they have a title."""
    end = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
    meta: dict[str, Any] = {}
    for line in lines[:end]:
        match = _PELICAN_LINE.match(line)
        if match is None:
            return None
        meta[match.group(1).strip().lower()] = match.group(2).strip()
    return (meta, end) if "title" in meta else None


def split(text: str, source: str) -> tuple[dict[str, Any], str, int]:
    """The front matter as a dict with lowercase keys, the body after it, and the (1-based)
    line number where the body starts."""
    fence = _first_line(text)
    if fence not in (_YAML_OPEN, _TOML_FENCE):
        pelican = _pelican_header(text.split("\n"))
        if pelican is not None:
            meta, end = pelican
            return meta, "\n".join(text.split("\n")[end + 1 :]), end + 2
        raise ArticleError(
            "has no front matter: start the file with a line '---', then lines like "
            "'title: …' and 'date: 2025-07-08', then another '---'",
            source=source,
        )
    lines = text.split("\n")
    closers = _YAML_CLOSE if fence == _YAML_OPEN else (_TOML_FENCE,)
    for number in range(1, len(lines)):
        if lines[number].rstrip() in closers:
            break
    else:
        raise ArticleError(
            f"front matter starts with '{fence}' on line 1 but is never closed "
            f"(add a line '{fence}' after the metadata)",
            source=source,
        )
    block = "\n".join(lines[1:number])
    body = "\n".join(lines[number + 1 :])
    meta = _load_yaml(block, source) if fence == _YAML_OPEN else _load_toml(block, source)
    return {str(key).strip().lower(): value for key, value in meta.items()}, body, number + 2


# The lines most front matter is made of, read without a YAML parser: ``key: value`` at the
# start of a line, the value plain text, a quoted string or a one-line ``[a, b]`` list of such.
# Anything else (nesting, block lists, escapes, comments after a value, null-like keys…) is
# left to YAML; where the short way answers, it answers exactly what the loader would.
_SIMPLE_LINE: Final = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?:[ ]+(.*))?")
_NULLS: Final = frozenset({"~", "null", "Null", "NULL"})
_FLOW_SPECIAL: Final = frozenset("[]{},:#")


def _simple_scalar(value: str, flow: bool) -> str | None:
    """The text of a plain or quoted scalar written on one line, or None when YAML could read
    it as anything else (or the short way is not sure)."""
    if not value or not value.isprintable():
        return None
    quote = value[0]
    if quote in "\"'":
        inner = value[1:-1]
        if len(value) < 2 or value[-1] != quote or "\\" in inner or quote in inner:
            return None
        return None if flow and "," in inner else inner
    if not value[0].isalnum() or value in _NULLS or "#" in value:
        return None
    if flow:
        return None if _FLOW_SPECIAL.intersection(value) else value
    return None if ": " in value or value.endswith(":") else value


def _simple_value(value: str) -> object:
    if value.startswith("["):
        if not value.endswith("]"):
            return _NOT_SIMPLE
        inner = value[1:-1].strip(" ")
        if not inner:
            return []
        items = [_simple_scalar(item.strip(" "), flow=True) for item in inner.split(",")]
        return _NOT_SIMPLE if None in items else items
    text = _simple_scalar(value, flow=False)
    return _NOT_SIMPLE if text is None else text


_NOT_SIMPLE: Final = object()


def simple_yaml(block: str) -> dict[str, Any] | None:
    """``block`` read the short way (see above), or None when it needs the YAML parser."""
    meta: dict[str, Any] = {}
    for line in block.split("\n"):
        line = line.rstrip(" ")
        if not line or line.lstrip(" ").startswith("#"):
            continue
        match = _SIMPLE_LINE.fullmatch(line)
        if match is None or match.group(1) in _NULLS:
            return None
        value = match.group(2)
        if value is None or value in _NULLS:
            meta[match.group(1)] = None
            continue
        read = _simple_value(value)
        if read is _NOT_SIMPLE:
            return None
        meta[match.group(1)] = read
    return meta


def _load_yaml(block: str, source: str) -> dict[Any, Any]:
    simple = simple_yaml(block)
    if simple is not None:
        return simple
    import yaml

    try:
        loaded = yaml.load(block, Loader=text_loader())  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 2 if exc.problem_mark is not None else 1
        raise ArticleError(
            f"front matter is not valid YAML: {exc.problem or exc.context} (line {line})",
            source=source,
        ) from None
    except (yaml.YAMLError, ValueError) as exc:
        raise ArticleError(f"front matter is not valid YAML: {exc}", source=source) from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ArticleError(
            "front matter must be 'key: value' lines, not a list or a single value",
            source=source,
        )
    return loaded


def _load_toml(block: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(block)
    except tomllib.TOMLDecodeError as exc:
        raise ArticleError(f"front matter is not valid TOML: {exc}", source=source) from None


def first(meta: dict[str, Any], *keys: str) -> tuple[str, Any]:
    """The first of ``keys`` that ``meta`` holds with a value, as (key, value); ("", None)."""
    for key in keys:
        value = meta.get(key)
        if value is not None and value != "":
            return key, value
    return "", None


def text(value: Any, key: str, source: str) -> str:
    """A scalar field as text (numbers from TOML become their digits)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dict):
        for inner in ("name", "path", "url", "src"):
            if isinstance(value.get(inner), str):
                return str(value[inner])
    raise ArticleError(f"'{key}' must be text, not {_describe(value)}", source=source)


def text_list(value: Any, key: str, source: str, *, commas: bool = True) -> list[str]:
    """A list field: a YAML/TOML list, or text (split on commas when ``commas``)."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [text(item, key, source) for item in value if item is not None and item != ""]
    single = text(value, key, source)
    if not commas:
        return [single]
    return [part.strip() for part in single.split(",") if part.strip()]


def flag(value: Any, key: str, source: str) -> bool:
    """A yes/no field: true/false, yes/no, on/off, 1/0."""
    if isinstance(value, bool):
        return value
    word = text(value, key, source).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ArticleError(f"'{key}' must be true or false, not {value!r}", source=source)


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, date):
        return f"the date {value.isoformat()}"
    return repr(value)


_FILENAME_DATE: Final = re.compile(r"(\d{4}-\d{2}-\d{2})-")


def filename_date(name: str) -> str | None:
    """The date at the start of a Jekyll post's file name (``2025-07-08-title.md``)."""
    match = _FILENAME_DATE.match(name)
    return match.group(1) if match else None


def trust_fields(meta: dict[str, Any], source: str) -> dict[str, Any]:
    """What a reader needs to judge the piece, from its front matter (every key optional):

        type | genre                       news, opinion, analysis, review, sponsored, … (or a
                                           spelling such as "Op-Ed", "Editorial", "Advertiser
                                           content"); refused when it names none of them
        sources | references | citations   a list; each item text ("Council minutes, 3 March
                                           https://…") or a mapping with title and url
        methods | how_we_reported          how the piece was reported: one paragraph
        location | dateline                where it was reported from
    """
    fields: dict[str, Any] = {}
    key, value = first(meta, "type", "genre")
    if value is not None:
        name = genre_name(text(value, key, source))
        if name is None:
            raise ArticleError(
                f"'{key}' {value!r} is not a type of work: use one of {', '.join(GENRES)}",
                source=source,
            )
        fields["genre"] = name
    key, value = first(meta, "sources", "references", "citations")
    if value is not None:
        items = value if isinstance(value, list) else [value]
        fields["sources"] = tuple(_reference(item, key, source) for item in items if item)
    for field, keys in (("methods", ("methods", "how_we_reported")),
                        ("location", ("location", "dateline"))):  # fmt: skip
        key, value = first(meta, *keys)
        if value is not None:
            fields[field] = text(value, key, source)
    return fields


def _reference(item: Any, key: str, source: str) -> str:
    """One source: its text, or "title url" from a mapping with a title (name, text) and url."""
    if isinstance(item, dict):
        lowered = {str(k).lower(): v for k, v in item.items()}
        url = next((lowered[k] for k in ("url", "href", "link") if lowered.get(k)), None)
        title = next((lowered[k] for k in ("title", "name", "text") if lowered.get(k)), None)
        if url is None and title is None:
            raise ArticleError(f"'{key}' entries need a title or a url", source=source)
        parts = [text(part, key, source) for part in (title, url) if part is not None]
        return " ".join(parts)
    return text(item, key, source)
