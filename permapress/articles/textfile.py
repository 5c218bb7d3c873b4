"""Turning the bytes of a source file into text.

    looks_binary(head) -> bool          NUL bytes (outside UTF-16/32) mean "not a text file"
    decode_text(data, source) -> str    UTF-8 (BOM or not), UTF-16/32 with BOM, else detected
                                        by charset-normalizer (ties go to Windows-1252)
    head_text(head) -> str              a lenient decode of a file's first bytes, for sniffing
    read_text(path) -> str              read_bytes + decode_text, OSError -> ArticleError

Decoded text has its byte-order mark removed and every newline as ``\\n``. A file that is binary,
or whose encoding cannot be told, raises ``ArticleError`` naming the file.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Final

from permapress.errors import ArticleError

_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


_WESTERN: Final = "cp1252"
# the control bytes a text file does not hold (tab, newlines, form feed and escape are allowed)
_CONTROLS: Final = bytes(b for b in range(32) if b < 9 or 13 < b < 32 and b != 27)


def _bom_encoding(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def looks_binary(head: bytes) -> bool:
    """True when ``head`` (a file's first bytes) cannot be the start of a text file."""
    if _bom_encoding(head) is not None:
        return False
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROLS))
    return controls > max(4, len(head) // 50)


def _unify_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_text(data: bytes, source: str) -> str:
    """The text of a source file; see the module docstring."""
    encoding = _bom_encoding(data)
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ArticleError(
                f"starts like {encoding.upper()} but byte {exc.start} is not valid "
                f"{encoding.upper()}; save the file again as UTF-8",
                source=source,
            ) from None
        return _unify_newlines(text.lstrip("\ufeff"))
    if looks_binary(data[:8192]):
        raise ArticleError("is a binary file, not text", source=source)
    try:
        return _unify_newlines(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # here: most files are UTF-8

    matches = from_bytes(data)
    best = matches.best()
    if best is None or best.encoding is None:
        raise ArticleError(
            "is not UTF-8 and its encoding cannot be told; save the file again as UTF-8",
            source=source,
        )
    for match in matches:  # a tie goes to Windows-1252, the usual legacy Western encoding
        tied = (match.chaos, match.coherence) == (best.chaos, best.coherence)
        if tied and _WESTERN in match.could_be_from_charset:
            return _unify_newlines(data.decode(_WESTERN))
    return _unify_newlines(str(best))


def head_text(head: bytes) -> str:
    """A lenient decode of a file's first bytes (a cut multi-byte character is replaced)."""
    encoding = _bom_encoding(head)
    if encoding is not None:
        text = head.decode(encoding, errors="replace")
        return _unify_newlines(text.lstrip("\ufeff"))
    return _unify_newlines(head.decode("utf-8", errors="replace"))


def read_bytes(path: Path) -> bytes:
    """The bytes of ``path``; a file that cannot be read raises ``ArticleError`` naming it."""
    try:
        return path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ArticleError(f"cannot read the file ({reason})", source=str(path)) from None


def read_text(path: Path) -> str:
    """Read and decode ``path``; a file that cannot be read raises ``ArticleError``."""
    return decode_text(read_bytes(path), str(path))
