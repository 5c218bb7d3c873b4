"""Finding article files, telling their format, and reading them.

    FORMATS: dict[str, Reader]                 the readers, by format name, in sniffing order
    register(reader)                           add a reader (a module or object with FORMAT,
                                               sniff, read and optionally EXTENSIONS)
    detect(path, head) -> str | None           the format of a file from its first bytes
    read_source(path, fmt=None, tz=UTC)        the articles in one file (raises ArticleError)
    iter_sources(paths, fmt=None, tz=UTC)      SourceResult per file, never an exception
    SourceResult(source, articles, error)

Detection looks at the content first (front matter -> markdown; headline + date -> page; then
the readers registered later, such as html, feed, wxr and ninjs), and uses the file extension
only to break a tie or when no content rule matched. A binary file with a text extension is an
error; other binary files have no format. A file named like a feed (``.rss``, ``.atom``,
``.rdf``, ``.xml``) whose content is another format (an HTML "Document moved" page saved as
``news.rss``) is an error, not an article; one whose content matches no reader has no format.

``iter_sources`` walks folders recursively in sorted order, skipping hidden entries ('.'), and
reads only files whose format it detects; an unknown file inside a folder is skipped silently,
but a file named explicitly must have a known format. Each bad file (no title, impossible date,
binary ``.md``, undecodable text, permission denied …) becomes one ``SourceResult`` whose
``error`` is one line naming the file and the problem.

Readers in modules ``permapress.articles.{html,feed,wxr,ninjs}`` are registered the first time
a format is needed, when those modules exist.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Final, Protocol

from permapress.articles import markdown, page
from permapress.articles.model import Article, validate
from permapress.articles.textfile import decode_text, head_text, looks_binary
from permapress.errors import ArticleError, PermapressError

HEAD_BYTES: Final = 8192
FEED_EXTENSIONS: Final = (".rss", ".atom", ".rdf", ".xml")
FEED_FORMATS: Final = ("feed", "wxr")
OPTIONAL_READERS: Final = ("html", "feed", "wxr", "ninjs")


class Reader(Protocol):
    """What a source-format reader provides (a module satisfies it)."""

    @property
    def FORMAT(self) -> str: ...

    # Optional: EXTENSIONS, a tuple of lowercase file extensions (".md") that break ties.

    def sniff(self, path: Path, head: bytes) -> bool: ...

    def read(self, path: Path, *, tz: tzinfo = ..., text: str | None = None) -> list[Article]: ...


FORMATS: dict[str, Reader] = {}
_optional_loaded = False


def register(reader: Reader) -> None:
    """Add ``reader`` (replacing one with the same FORMAT)."""
    FORMATS[reader.FORMAT] = reader


register(markdown)
register(page)


def _load_optional() -> None:
    global _optional_loaded
    if _optional_loaded:
        return
    _optional_loaded = True
    for name in OPTIONAL_READERS:
        module_name = f"{__package__}.{name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        wanted = all(hasattr(module, a) for a in ("FORMAT", "sniff", "read"))
        if wanted and module.FORMAT not in FORMATS:
            register(module)


def readers() -> dict[str, Reader]:
    """Every registered reader, the optional ones included."""
    _load_optional()
    return FORMATS


@dataclass(frozen=True, slots=True)
class SourceResult:
    """What one source file gave: its articles, or one line saying what is wrong."""

    source: str
    articles: tuple[Article, ...]
    error: str | None


def _extension(path: Path) -> str:
    return path.suffix.lower()


def extensions(reader: Reader) -> tuple[str, ...]:
    """The file extensions a reader claims (none when it does not say)."""
    found = getattr(reader, "EXTENSIONS", ())
    return tuple(str(e).lower() for e in found) if isinstance(found, (tuple, list)) else ()


def _detect_loaded(path: Path, head: bytes) -> str | None:
    """The format when a reader already loaded (Markdown, pages) claims both the file's
    extension and its content: ``detect`` would choose it whatever the optional readers say, so
    they are not imported for it (importing one Markdown file starts sooner)."""
    ext = _extension(path)
    if ext in FEED_EXTENSIONS or looks_binary(head):
        return None
    for name, reader in list(FORMATS.items()):
        if ext in extensions(reader) and reader.sniff(path, head):
            return name
    return None


def detect(path: Path, head: bytes) -> str | None:
    """The format of ``path`` from its first bytes ``head``; see the module docstring."""
    if not _optional_loaded:
        quick = _detect_loaded(path, head)
        if quick is not None:
            return quick
    known = readers()
    by_extension = [name for name, r in known.items() if _extension(path) in extensions(r)]
    if looks_binary(head):
        if by_extension:
            raise ArticleError(
                f"is a binary file, not {by_extension[0]} text (check that it is the right file)",
                source=str(path),
            )
        return None
    matches = [name for name, reader in known.items() if reader.sniff(path, head)]
    if len(matches) > 1:
        preferred = [name for name in matches if name in by_extension]
        found: str | None = (preferred or matches)[0]
    elif matches:
        found = matches[0]
    else:
        found = by_extension[0] if by_extension else None
    if found is not None and _extension(path) in FEED_EXTENSIONS and found not in FEED_FORMATS:
        raise ArticleError(
            f"is named like a feed ({_extension(path)}) but is not one: it holds "
            f"{_what(found, head)} (a saved error or redirect page?); fetch the feed again",
            source=str(path),
        )
    return found


def _what(fmt: str, head: bytes) -> str:
    """A few words on what a file that should have been a feed holds instead."""
    if fmt != "html":
        return f"{fmt} text"
    title = re.search(r"<title[^>]*>([^<]{1,80})", head_text(head), re.IGNORECASE)
    return f"an HTML page titled {' '.join(title.group(1).split())!r}" if title and \
        title.group(1).strip() else "an HTML page"  # fmt: skip


def _reader(fmt: str) -> Reader:
    known = FORMATS if fmt in FORMATS else readers()  # Markdown and pages are loaded
    if fmt not in known:
        choices = ", ".join(sorted(known))
        raise ArticleError(f"unknown format {fmt!r}; choose one of: {choices}")
    return known[fmt]


def read_source(path: Path, fmt: str | None = None, tz: tzinfo = UTC) -> list[Article]:
    """The validated articles in the file ``path``; problems raise ``ArticleError``."""
    path = Path(path)
    source = str(path)
    reader = _reader(fmt) if fmt is not None else None
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise ArticleError("is a folder, not a file", source=source) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ArticleError(f"cannot read the file ({reason})", source=source) from None
    if reader is None:
        detected = detect(path, data[:HEAD_BYTES])
        if detected is None:
            choices = ", ".join(sorted(readers()))
            raise ArticleError(
                f"is not in a format I can read ({choices}); name the format if it is one",
                source=source,
            )
        reader = _reader(detected)
    text = decode_text(data, source)
    return [validate(article) for article in reader.read(path, tz=tz, text=text)]


def _result(path: Path, fmt: str | None, tz: tzinfo) -> SourceResult:
    try:
        return SourceResult(str(path), tuple(read_source(path, fmt, tz)), None)
    except PermapressError as exc:
        return SourceResult(str(path), (), _one_line(str(exc), path))
    except Exception as exc:  # a reader's bug must not stop a whole import
        return SourceResult(str(path), (), f"{path}: unexpected {type(exc).__name__}: {exc}")


def _one_line(message: str, path: Path) -> str:
    text = " ".join(message.split())
    return text if text.startswith(str(path)) else f"{path}: {text}"


def _detected_in_folder(path: Path, fmt: str | None) -> bool:
    if fmt is not None:
        return _extension(path) in extensions(_reader(fmt)) or _sniffs(path, fmt)
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    return detect(path, head) is not None


def _sniffs(path: Path, fmt: str) -> bool:
    with path.open("rb") as handle:
        return _reader(fmt).sniff(path, handle.read(HEAD_BYTES))


def _walk(folder: Path, fmt: str | None, tz: tzinfo, seen: set[tuple[int, int]]) -> Iterator[
    SourceResult
]:
    try:
        info = folder.stat()
        if (info.st_dev, info.st_ino) in seen:
            return  # a symlink loop
        seen.add((info.st_dev, info.st_ino))
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        yield SourceResult(str(folder), (), f"{folder}: cannot open the folder ({reason})")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            yield from _walk(path, fmt, tz, seen)
            continue
        try:
            wanted = _detected_in_folder(path, fmt)
        except PermapressError as exc:
            yield SourceResult(str(path), (), _one_line(str(exc), path))
            continue
        except OSError as exc:
            reason = exc.strerror or str(exc)
            yield SourceResult(str(path), (), f"{path}: cannot read the file ({reason})")
            continue
        if wanted:
            yield _result(path, fmt, tz)


def iter_sources(
    paths: Iterable[Path | str], fmt: str | None = None, tz: tzinfo = UTC
) -> Iterator[SourceResult]:
    """One ``SourceResult`` per source file under ``paths``; see the module docstring."""
    if fmt is not None:
        try:
            _reader(fmt)
        except ArticleError as exc:
            yield SourceResult(str(fmt), (), str(exc))
            return
    for given in paths:
        path = Path(given)
        if path.is_dir():
            yield from _walk(path, fmt, tz, set())
        elif path.exists() or path.is_symlink():
            yield _result(path, fmt, tz)
        else:
            yield SourceResult(str(path), (), f"{path}: does not exist")
