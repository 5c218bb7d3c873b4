"""The XML under the WXR reader (``permapress.articles.wxr``): a repaired, streamed parse.

    elements(path, tags, *, strict=False) -> Iterator[element]   each element named in ``tags``
                                            (by local name), cleared once used
    element_name(element) -> "wp:post_name", "content:encoded", "title" … whatever the version
    item_fields(element) -> {name: text, "category": [(domain, text)], "postmeta": {key: value}}

The file is read with lxml's ``iterparse`` (each element cleared once used, so memory does not
grow with the file). Namespaces are matched by what they stand for, not by version
(``wordpress.org/export/1.0/`` … ``1.2/``). Bytes that are not valid in the declared encoding
(WordPress databases often mix windows-1252 into UTF-8) are read as windows-1252, and control
characters that XML forbids are dropped.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Final

from lxml import etree

from permapress.errors import ArticleError

CHUNK: Final = 64 * 1024
_PREFIXES: Final = (
    ("wordpress.org/export/", "/excerpt/", "excerpt"),
    ("wordpress.org/export/", "", "wp"),
    ("purl.org/rss/1.0/modules/content", "", "content"),
    ("purl.org/dc/elements/1.1", "", "dc"),
)
_XML_CONTROL: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DECLARED: Final = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")


def _fallback(error: UnicodeError) -> tuple[str | bytes, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = bytes(error.object[error.start : error.end])
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error("permapress-cp1252", _fallback)


def _encoding(declared: str) -> str:
    """The codec for a declared encoding: utf-8 when it is unknown, not a text encoding
    ("base64"), or does not read ASCII as ASCII ("utf-16": a file whose declaration was just
    read as ASCII is not UTF-16, whatever it says)."""
    try:
        if b"<?xml version".decode(declared) == "<?xml version":
            return codecs.lookup(declared).name
    except (LookupError, UnicodeError):
        pass
    return "utf-8"


class _Repaired:
    """A binary stream of the file as clean UTF-8 XML (see the module docstring)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        head = raw.read(CHUNK)
        declared = _DECLARED.match(head)
        encoding = _encoding(declared.group(1).decode("ascii") if declared else "utf-8")
        if head.startswith(codecs.BOM_UTF8):
            head, encoding = head[3:], "utf-8"
        errors = "permapress-cp1252" if encoding == "utf-8" else "replace"
        self._decoder = codecs.getincrementaldecoder(encoding)(errors=errors)
        if declared:
            start, end = declared.span(1)
            head = head[:start] + b"UTF-8" + head[end:]
        self._pending = self._convert(head, final=False)
        self._done = False

    def _convert(self, data: bytes, *, final: bool) -> bytes:
        text = self._decoder.decode(data, final=final)
        return _XML_CONTROL.sub("", text).encode("utf-8")

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._pending) < size):
            data = self._raw.read(CHUNK)
            self._pending += self._convert(data, final=not data)
            self._done = not data
        if size < 0 or size >= len(self._pending):
            out, self._pending = self._pending, b""
            return out
        out, self._pending = self._pending[:size], self._pending[size:]
        return out


def element_name(element: Any) -> str:
    """"wp:post_name", "content:encoded", "title" … whatever the namespace version."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag.startswith("{"):
        uri, local = tag[1:].split("}", 1)
        for marker, sub, prefix in _PREFIXES:
            if marker in uri and sub in uri:
                return f"{prefix}:{local}"
        return local
    return tag


def elements(path: Path, tags: tuple[str, ...], *, strict: bool = False) -> Iterator[Any]:
    """(element) for every element named in ``tags`` (by local name), cleared afterwards;
    ``strict``: an XML error raises instead of being recovered from."""
    try:
        with path.open("rb") as raw:
            stream = _Repaired(raw)
            parser = etree.iterparse(stream, events=("end",), recover=not strict, huge_tree=True,
                                     resolve_entities=False, no_network=True)  # fmt: skip
            for _, element in parser:
                if element_name(element).split(":")[-1] in tags and element.getparent() is not None:
                    yield element
                    parent = element.getparent()
                    element.clear(keep_tail=False)
                    if parent is not None:
                        while element.getprevious() is not None:
                            del parent[0]
    except OSError as exc:
        raise ArticleError(f"cannot read the file ({exc.strerror or exc})", str(path)) from None
    except etree.XMLSyntaxError as exc:
        where = f"line {exc.lineno}: " if exc.lineno else ""
        raise ArticleError(
            f"is not well-formed XML ({where}{exc.msg}); a WordPress export is cut short or "
            "damaged: export it again", str(path)
        ) from None


def item_fields(element: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"category": [], "postmeta": {}}
    for child in element:
        name = element_name(child)
        if name == "category":
            fields["category"].append((child.get("domain") or "category", child.text or ""))
        elif name == "wp:postmeta":
            meta = {element_name(c): (c.text or "") for c in child}
            fields["postmeta"][meta.get("wp:meta_key", "")] = meta.get("wp:meta_value", "")
        elif name != "wp:comment":
            fields[name] = child.text or ""
    return fields

