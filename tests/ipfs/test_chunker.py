"""Fixed-size chunker: exact chunk sizes, short reads, progress, one read per byte."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from permapress.errors import IpfsError
from permapress.ipfs.chunker import iter_chunks


class Trickle:
    """A stream that hands out at most ``step`` bytes per read and counts what it gave."""

    def __init__(self, data: bytes, step: int, kind: type = bytes) -> None:
        self._data = data
        self._pos = 0
        self._step = step
        self._kind = kind
        self.given = 0

    def read(self, size: int, /) -> bytes:
        n = min(size, self._step, len(self._data) - self._pos)
        out = self._data[self._pos : self._pos + n]
        self._pos += n
        self.given += n
        return self._kind(out)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("length", "sizes"),
    [
        (0, [0]),
        (1, [1]),
        (9, [9]),
        (10, [10]),
        (11, [10, 1]),
        (30, [10, 10, 10]),
        (31, [10, 10, 10, 1]),
    ],
)
def test_chunk_sizes(length: int, sizes: list[int]) -> None:
    data = bytes(range(256)) * 2
    data = data[:length]
    chunks = list(iter_chunks(io.BytesIO(data), 10))
    assert [len(c) for c in chunks] == sizes
    assert b"".join(chunks) == data
    assert all(type(c) is bytes for c in chunks)


def test_short_reads_are_completed_and_each_byte_read_once() -> None:
    data = bytes(range(200))
    stream = Trickle(data, 7)
    chunks = list(iter_chunks(stream, 64))
    assert [len(c) for c in chunks] == [64, 64, 64, 8]
    assert b"".join(chunks) == data
    assert stream.given == len(data)


def test_bytearray_reads_become_bytes() -> None:
    chunks = list(iter_chunks(Trickle(b"abcdef", 4, bytearray), 4))
    assert chunks == [b"abcd", b"ef"]
    assert all(type(c) is bytes for c in chunks)


def test_progress_reports_every_chunk() -> None:
    seen: list[int] = []
    list(iter_chunks(io.BytesIO(b"x" * 25), 10, seen.append))
    assert seen == [10, 10, 5]


def test_non_blocking_stream_without_data_is_an_error() -> None:
    class Empty:
        def read(self, size: int, /) -> None:
            return None

    with pytest.raises(IpfsError, match="non-blocking"):
        list(iter_chunks(Empty(), 10))


def test_chunk_size_must_be_positive() -> None:
    with pytest.raises(IpfsError, match="at least 1"):
        list(iter_chunks(io.BytesIO(b"x"), 0))


@given(st.binary(max_size=2000), st.integers(1, 300), st.integers(1, 500))
def test_chunks_rebuild_the_input(data: bytes, size: int, step: int) -> None:
    chunks = list(iter_chunks(Trickle(data, step), size))
    assert b"".join(chunks) == data
    assert all(len(c) == size for c in chunks[:-1])
    assert 0 < len(chunks[-1]) <= size or data == b""
    assert len(chunks) == max(1, -(-len(data) // size))
