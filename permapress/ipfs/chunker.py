"""Fixed-size chunker: cut a byte stream into chunks of exactly ``chunk_size`` bytes.

Contract: ``iter_chunks(stream, chunk_size, progress=None)`` yields ``bytes`` objects of exactly
``chunk_size`` bytes, then one shorter final chunk when the length is not a multiple. An empty
stream yields one empty chunk (kubo and the JS importer both make a leaf for an empty file).
``progress(n)`` is called with the size of each chunk as it is read.

Each byte is read from the stream once, and memory stays bounded by one chunk: ``stream.read(n)``
on a file returns a fresh ``bytes`` of exactly ``n`` bytes filled straight from the operating
system, which is the very object that becomes the leaf block, so a chunk is copied once on its way
in and never again. Short reads (pipes, sockets, unbuffered files) are completed by further reads
before the chunk is handed out. A stream that returns ``None`` (non-blocking, no data ready)
raises ``IpfsError`` rather than spinning.

``Pieces(iterator)`` is a stream over bytes given in pieces of any sizes (a file written as it
is read from somewhere else): chunked, it gives the chunks the joined bytes would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

from permapress.errors import IpfsError

__all__ = ["Pieces", "Readable", "iter_chunks"]


class Readable(Protocol):
    """Anything with ``read(n)``: files opened in binary mode, ``io.BytesIO``, sockets' files."""

    def read(self, size: int, /) -> bytes | None: ...


class Pieces:
    """A stream over a file's pieces (``read(n)`` gives at most ``n`` bytes, fewer at the end of
    a piece, which ``iter_chunks`` completes)."""

    __slots__ = ("_pieces", "_rest")

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self._pieces = pieces
        self._rest = memoryview(b"")

    def read(self, size: int, /) -> bytes:
        while not self._rest:
            piece = next(self._pieces, None)
            if piece is None:
                return b""
            self._rest = memoryview(piece)
        taken, self._rest = self._rest[:size], self._rest[size:]
        return bytes(taken)


def _read(stream: Readable, size: int) -> bytes:
    data = stream.read(size)
    if data is None:
        raise IpfsError("the input stream is non-blocking and had no data; use a blocking stream")
    return data


def iter_chunks(
    stream: Readable, chunk_size: int, progress: Callable[[int], None] | None = None
) -> Iterator[bytes]:
    """Yield the stream's bytes in chunks of ``chunk_size`` (the last one may be shorter)."""
    if chunk_size < 1:
        raise IpfsError(f"chunk size must be at least 1 byte, not {chunk_size}")
    emitted = False
    while True:
        chunk = _read(stream, chunk_size)
        if 0 < len(chunk) < chunk_size:
            parts = [chunk]
            missing = chunk_size - len(chunk)
            while missing:
                more = _read(stream, missing)
                if not more:
                    break
                parts.append(more)
                missing -= len(more)
            chunk = b"".join(parts)
        if not chunk:
            if not emitted:
                yield b""
            return
        if type(chunk) is not bytes:  # e.g. a bytearray from a custom stream
            chunk = bytes(chunk)
        if progress is not None:
            progress(len(chunk))
        emitted = True
        yield chunk
        if len(chunk) < chunk_size:
            return
