"""The part of DAG-CBOR that permapress needs: strict decoding to find links, and encoding.

    decode(data) -> value     bytes of one DAG-CBOR block -> Python value
    encode(value) -> bytes    Python value -> the one canonical DAG-CBOR encoding
    links(value)  -> CIDs     every CID (tag 42) inside a decoded value, in encoded order

Values map to Python as: map -> ``dict[str, ...]`` (keys in encoded order), array -> ``list``,
text -> ``str``, bytes -> ``bytes``, integer -> ``int``, float -> ``float``, true/false ->
``bool``, null -> ``None``, tag 42 -> ``CID``.

``decode`` accepts only what the DAG-CBOR spec allows and raises ``FormatError`` naming the byte
offset otherwise: definite lengths only, minimal integer and length encodings, text map keys in
canonical order (shorter first, then bytewise) without duplicates, no tag other than 42 (whose
content is a byte string of 0x00 followed by a binary CID), 64-bit floats only and never NaN or
infinity, no ``undefined`` or other simple values, valid UTF-8, no trailing bytes, nesting at
most ``MAX_DEPTH`` deep. ``encode`` produces exactly that form (``FormatError`` for values it
cannot represent), so ``decode(encode(v)) == v``.

``decode_relaxed(data) -> Relaxed(value, warnings)`` reads blocks written by other tools the way
go-ipld-prime's DAG-CBOR decoder does by default: it also accepts text (and map keys) that is
not valid UTF-8 (kept losslessly as ``str`` with ``surrogateescape``; Filecoin chain blocks hold
such strings), map keys out of canonical order, 16- and 32-bit floats and ``undefined`` (read as
``None``). Each such departure from the spec is one entry in ``warnings``, not an error: the
block is still bytes to hash and links to follow. Everything else ``decode`` refuses is refused
here too (indefinite lengths, non-minimal integers, duplicate keys, other tags, NaN, trailing
bytes, too deep). Both decoders refuse, as go-ipld-prime does, a block whose decoded form would
cost more than ``ALLOCATION_BUDGET`` units (so a 32 MB list of zeros is refused before a list of
32 million items is built).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeAlias

from permapress.errors import FormatError, UnsupportedError
from permapress.ipfs.cid import CID

DagValue: TypeAlias = (
    "None | bool | int | float | str | bytes | CID | list[DagValue] | dict[str, DagValue]"
)

CID_TAG = 42
MAX_DEPTH = 256
ALLOCATION_BUDGET = 10 << 20  # go-ipld-prime's default: list items 5, map entries 5 + 8 + key,
#                               text and bytes their length, anything else 1
_UINT64_MAX = 2**64 - 1
_MINIMUMS = {24: 24, 25: 0x100, 26: 0x10000, 27: 0x100000000}
_WIDTHS = {24: 1, 25: 2, 26: 4, 27: 8}


# --- decoding --------------------------------------------------------------------------------


_NOT_UTF8 = "text that is not valid UTF-8 (kept as its bytes)"
_KEY_ORDER = "map keys out of canonical order"
_SHORT_FLOAT = "floats shorter than 64 bits"
_UNDEFINED = "undefined (read as null)"


@dataclass(frozen=True, slots=True)
class Relaxed:
    """A block decoded by ``decode_relaxed``: its value and how it departs from the spec."""

    value: DagValue
    warnings: tuple[str, ...]


class _Decoder:
    __slots__ = ("data", "pos", "relaxed", "warnings", "budget")

    def __init__(self, data: bytes | memoryview, relaxed: bool = False) -> None:
        self.data = bytes(data)
        self.pos = 0
        self.budget = ALLOCATION_BUDGET
        self.relaxed = relaxed
        self.warnings: list[str] = []

    def warn(self, what: str) -> None:
        if what not in self.warnings:
            self.warnings.append(what)

    def text(self, raw: bytes, start: int, what: str) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            if not self.relaxed:
                raise self.fail(f"{what} is not valid UTF-8", start) from None
        self.warn(_NOT_UTF8)
        return raw.decode("utf-8", "surrogateescape")

    def fail(self, message: str, at: int | None = None) -> FormatError:
        where = self.pos if at is None else at
        return FormatError(f"DAG-CBOR: {message} at byte {where}")

    def take(self, count: int) -> bytes:
        end = self.pos + count
        if end > len(self.data):
            raise self.fail(f"needs {count} more bytes but the data ends")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def head(self) -> tuple[int, int, int, int]:
        """Read an item head; return (major type, additional info, argument, start offset)."""
        start = self.pos
        if start >= len(self.data):
            raise self.fail("unexpected end of data")
        first = self.data[start]
        self.pos += 1
        major, info = first >> 5, first & 0x1F
        if info < 24:
            return major, info, info, start
        if info in _WIDTHS:
            if major == 7:
                return major, info, 0, start
            arg = int.from_bytes(self.take(_WIDTHS[info]), "big")
            if arg < _MINIMUMS[info]:
                raise self.fail(f"integer {arg} is not minimally encoded", start)
            return major, info, arg, start
        if info == 31:
            raise self.fail("indefinite-length items are not allowed", start)
        raise self.fail(f"reserved additional information {info}", start)

    def spend(self, cost: int, start: int) -> None:
        self.budget -= cost
        if self.budget < 0:
            raise self.fail(
                f"the block needs more than {ALLOCATION_BUDGET} units of memory to decode "
                "(as go-ipld-prime counts them)", start,
            )

    def value(self, depth: int) -> DagValue:
        if depth > MAX_DEPTH:
            raise self.fail(f"nesting deeper than {MAX_DEPTH}")
        major, info, arg, start = self.head()
        if major in (2, 3):
            raw = self.take(arg)
            self.spend(arg, start)
            return raw if major == 2 else self.text(raw, start, "text")
        if major in (4, 5):
            self.spend(5 * self._count(arg, start), start)
        else:
            self.spend(1, start)
        if major == 0:
            return arg
        if major == 1:
            return -1 - arg
        if major == 4:
            return [self.value(depth + 1) for _ in range(arg)]
        if major == 5:
            return self.map(arg, depth, start)
        if major == 6:
            return self.tag(arg, start)
        return self.simple(info, start)

    def _count(self, count: int, start: int) -> int:
        # every item takes at least one byte: reject lengths the data cannot hold before looping
        if count > len(self.data) - self.pos:
            raise self.fail(f"length {count} is longer than the data left", start)
        return count

    def map(self, count: int, depth: int, start: int) -> dict[str, DagValue]:
        out: dict[str, DagValue] = {}
        previous: bytes | None = None
        for _ in range(self._count(count, start)):
            key_start = self.pos
            major, _info, length, _ = self.head()
            if major != 3:
                raise self.fail("map keys must be text strings", key_start)
            raw = self.take(length)
            if previous is not None:
                if raw == previous:
                    raise self.fail(f"duplicate map key {raw!r}", key_start)
                if (len(raw), raw) < (len(previous), previous):
                    if not self.relaxed:
                        raise self.fail(f"map key {raw!r} is out of canonical order", key_start)
                    self.warn(_KEY_ORDER)
            previous = raw
            self.spend(8 + len(raw), key_start)
            key = self.text(raw, key_start, "map key")
            if key in out:
                raise self.fail(f"duplicate map key {raw!r}", key_start)
            out[key] = self.value(depth + 1)
        return out

    def tag(self, number: int, start: int) -> CID:
        if number != CID_TAG:
            raise self.fail(f"tag {number} is not allowed (only 42, a CID)", start)
        content_start = self.pos
        major, _info, length, _ = self.head()
        if major != 2:
            raise self.fail("tag 42 must hold a byte string", content_start)
        raw = self.take(length)
        if not raw or raw[0] != 0:
            raise self.fail("a CID in tag 42 must start with a 0x00 byte", content_start)
        try:
            return CID.decode(raw[1:])
        except (FormatError, UnsupportedError) as exc:
            raise self.fail(f"bad CID in tag 42 ({exc})", content_start) from None

    def simple(self, info: int, start: int) -> DagValue:
        if info == 20:
            return False
        if info == 21:
            return True
        if info == 22:
            return None
        if info == 23 and self.relaxed:
            self.warn(_UNDEFINED)
            return None
        if info in (25, 26, 27):
            if info != 27 and not self.relaxed:
                raise self.fail("floats must be encoded in 64 bits", start)
            if info != 27:
                self.warn(_SHORT_FLOAT)
            layout = {25: ">e", 26: ">f", 27: ">d"}[info]
            (number,) = struct.unpack(layout, self.take(_WIDTHS[info]))
            if math.isnan(number) or math.isinf(number):
                raise self.fail("NaN and infinity are not allowed", start)
            return float(number)
        raise self.fail(f"simple value {info} is not allowed", start)


def decode(data: bytes | memoryview) -> DagValue:
    """Decode one DAG-CBOR block strictly (see the module docstring); ``FormatError`` if not."""
    decoder = _Decoder(data)
    value = decoder.value(0)
    if decoder.pos != len(decoder.data):
        raise decoder.fail(f"{len(decoder.data) - decoder.pos} trailing bytes after the value")
    return value


def decode_relaxed(data: bytes | memoryview) -> Relaxed:
    """Decode a block as go-ipld-prime does by default (see the module docstring)."""
    decoder = _Decoder(data, relaxed=True)
    value = decoder.value(0)
    if decoder.pos != len(decoder.data):
        raise decoder.fail(f"{len(decoder.data) - decoder.pos} trailing bytes after the value")
    return Relaxed(value, tuple(decoder.warnings))


def links(value: DagValue) -> Iterator[CID]:
    """Every CID inside ``value``, depth first, in encoded order."""
    stack: list[DagValue] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, CID):
            yield item
        elif isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))


# --- encoding --------------------------------------------------------------------------------


def _head(major: int, arg: int) -> bytes:
    if arg < 24:
        return bytes((major << 5 | arg,))
    if arg < 0x100:
        return bytes((major << 5 | 24, arg))
    if arg < 0x10000:
        return bytes((major << 5 | 25,)) + arg.to_bytes(2, "big")
    if arg < 0x100000000:
        return bytes((major << 5 | 26,)) + arg.to_bytes(4, "big")
    return bytes((major << 5 | 27,)) + arg.to_bytes(8, "big")


def _encode(value: DagValue, out: bytearray, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise FormatError(f"DAG-CBOR: value nested deeper than {MAX_DEPTH}")
    if value is None:
        out.append(0xF6)
    elif value is True:
        out.append(0xF5)
    elif value is False:
        out.append(0xF4)
    elif isinstance(value, int):
        if value > _UINT64_MAX or value < -1 - _UINT64_MAX:
            raise FormatError(f"DAG-CBOR: integer {value} does not fit in 64 bits")
        out += _head(0, value) if value >= 0 else _head(1, -1 - value)
    elif isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise FormatError(f"DAG-CBOR: {value} cannot be encoded (no NaN or infinity)")
        out += b"\xfb" + struct.pack(">d", value)
    elif isinstance(value, bytes):
        out += _head(2, len(value)) + value
    elif isinstance(value, str):
        raw = value.encode("utf-8", errors="strict")
        out += _head(3, len(raw)) + raw
    elif isinstance(value, CID):
        raw = b"\x00" + bytes(value)
        out += b"\xd8\x2a" + _head(2, len(raw)) + raw
    elif isinstance(value, list):
        out += _head(4, len(value))
        for item in value:
            _encode(item, out, depth + 1)
    elif isinstance(value, dict):
        keys: list[tuple[bytes, str]] = []
        for key in value:
            if not isinstance(key, str):
                raise FormatError(f"DAG-CBOR: map key {key!r} is not a string")
            keys.append((key.encode("utf-8"), key))
        keys.sort(key=lambda pair: (len(pair[0]), pair[0]))
        out += _head(5, len(keys))
        for raw_key, key in keys:
            out += _head(3, len(raw_key)) + raw_key
            _encode(value[key], out, depth + 1)
    else:
        raise FormatError(f"DAG-CBOR: cannot encode a {type(value).__name__}: {value!r}")


def encode(value: DagValue) -> bytes:
    """The canonical DAG-CBOR encoding of ``value`` (maps sorted, smallest heads, float64)."""
    out = bytearray()
    try:
        _encode(value, out, 0)
    except UnicodeEncodeError as exc:
        raise FormatError(f"DAG-CBOR: text is not valid Unicode ({exc.reason})") from None
    return bytes(out)
