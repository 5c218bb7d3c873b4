"""Content identifiers: CIDv0 and CIDv1, multihash, unsigned varints, base32 and base58btc.

Pure functions over bytes and strings. Decoders accept only the canonical form (minimal varints,
the right digest length, lowercase base32 without padding) and raise ``FormatError`` otherwise;
a well-formed CID in a hash or codec we cannot check raises ``UnsupportedError`` only when asked
to verify a block.

Limits (checked before any decoding work, so hostile input costs microseconds): an identity
multihash carries at most ``MAX_IDENTITY_DIGEST`` (128) bytes, as kubo and boxo allow; a binary
CID is at most ``MAX_CID_BYTES`` (256) bytes and a CID string at most ``MAX_CID_TEXT`` characters
(the base16 spelling of the longest binary CID).

    CID.parse("bafk…")      text  -> CID       str(cid)    CID -> text (v0: base58btc, v1: base32)
    CID.decode(b"\\x01…")    bytes -> CID       bytes(cid)  CID -> binary form
    CID.hash(data, RAW)     the CID of a block (sha2-256)
    verify_block(cid, data) does the data hash to the CID?
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Final

from permapress.errors import FormatError, UnsupportedError

# multicodec codes
IDENTITY: Final = 0x00
SHA2_256: Final = 0x12
SHA2_512: Final = 0x13
BLAKE2B_256: Final = 0xB220
RAW: Final = 0x55
DAG_PB: Final = 0x70
DAG_CBOR: Final = 0x71
LIBP2P_KEY: Final = 0x72
DAG_JSON: Final = 0x0129

CODEC_NAMES: Final = {
    RAW: "raw",
    DAG_PB: "dag-pb",
    DAG_CBOR: "dag-cbor",
    DAG_JSON: "dag-json",
    LIBP2P_KEY: "libp2p-key",
}
HASH_NAMES: Final = {
    IDENTITY: "identity",
    SHA2_256: "sha2-256",
    SHA2_512: "sha2-512",
    BLAKE2B_256: "blake2b-256",
}
_DIGEST_SIZES: Final = {SHA2_256: 32, SHA2_512: 64, BLAKE2B_256: 32}

MAX_IDENTITY_DIGEST: Final = 128
MAX_CID_BYTES: Final = 256
MAX_CID_TEXT: Final = 1 + 2 * MAX_CID_BYTES

_B58_ALPHABET: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX: Final = {c: i for i, c in enumerate(_B58_ALPHABET)}


# --- varints ---------------------------------------------------------------------------------


def encode_varint(value: int) -> bytes:
    """Unsigned LEB128, as multiformats uses it."""
    if value < 0:
        raise ValueError("varints are unsigned")
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def decode_varint(data: bytes | bytearray | memoryview, offset: int = 0) -> tuple[int, int]:
    """Read one minimal varint at ``offset``; return (value, offset after it)."""
    value = 0
    shift = 0
    pos = offset
    end = len(data)
    while True:
        if pos >= end:
            raise FormatError("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            if byte == 0 and pos - offset > 1:
                raise FormatError("varint is not minimally encoded")
            return value, pos
        shift += 7
        if shift > 63:
            raise FormatError("varint longer than 9 bytes")


# --- bases -----------------------------------------------------------------------------------


def encode_positional(data: bytes, alphabet: str) -> str:
    """Big-number base encoding as base58btc and base36 use it: leading zero bytes become the
    alphabet's first character."""
    base = len(alphabet)
    zeros = len(data) - len(data.lstrip(b"\0"))
    num = int.from_bytes(data, "big")
    chars = []
    while num:
        num, rem = divmod(num, base)
        chars.append(alphabet[rem])
    return alphabet[0] * zeros + "".join(reversed(chars))


def decode_positional(text: str, alphabet: str, index: dict[str, int], name: str) -> bytes:
    """The inverse of ``encode_positional``; FormatError names the bad character."""
    base = len(alphabet)
    num = 0
    for char in text:
        digit = index.get(char)
        if digit is None:
            raise FormatError(f"{text!r} is not {name} (bad character {char!r})")
        num = num * base + digit
    zeros = len(text) - len(text.lstrip(alphabet[0]))
    body = num.to_bytes((num.bit_length() + 7) // 8, "big") if num else b""
    return b"\0" * zeros + body


def b58encode(data: bytes) -> str:
    return encode_positional(data, _B58_ALPHABET)


def b58decode(text: str) -> bytes:
    return decode_positional(text, _B58_ALPHABET, _B58_INDEX, "base58btc")


def b32encode(data: bytes) -> str:
    """RFC 4648 base32, lowercase, no padding (multibase ``b`` without the prefix)."""
    return b32_spread(data, _B32_LOWER)


_LANES: Final = 64  # 5-bit groups spread in one go: inputs up to 40 bytes (CIDs, multihashes)
_B32_LOWER: Final = bytes.maketrans(bytes(range(32)), b"abcdefghijklmnopqrstuvwxyz234567")
B32_UPPER: Final = bytes.maketrans(bytes(range(32)), b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def _spread_steps() -> tuple[tuple[int, int, int], ...]:
    """Masks that move the 5-bit groups of a number into one byte each, halving the block of
    groups moved at each step (32, 16, … 1 groups)."""
    steps = []
    half = _LANES // 2
    while half >= 1:
        lane, width = 16 * half, 5 * half
        low = sum(((1 << width) - 1) << (k * lane) for k in range(_LANES // (2 * half)))
        steps.append((low, low << width, 3 * half))
        half //= 2
    return tuple(steps)


_SPREAD: Final = _spread_steps()


def b32_spread(data: bytes, alphabet: bytes) -> str:
    """Unpadded RFC 4648 base32 of ``data`` in ``alphabet`` (a ``bytes.maketrans`` table of
    the 32 digits): a few whole-number operations instead of a loop over every 5 bytes, since
    every CID printed and every block stored is named this way."""
    bits = len(data) * 8
    chars = -(-bits // 5)
    if chars > _LANES:
        text = base64.b32encode(data).decode("ascii").rstrip("=")
        return text.lower() if alphabet == _B32_LOWER else text
    n = int.from_bytes(data, "big") << (chars * 5 - bits)
    for low, high, shift in _SPREAD:
        n = (n & low) | ((n & high) << shift)
    return n.to_bytes(_LANES, "big")[_LANES - chars :].translate(alphabet).decode("ascii")


_B32_ALPHABET: Final = "abcdefghijklmnopqrstuvwxyz234567"
_B32_CHARS: Final = frozenset(_B32_ALPHABET)
_B32_AS_DIGITS: Final = str.maketrans(_B32_ALPHABET, "0123456789abcdefghijklmnopqrstuv")


def b32decode(text: str) -> bytes:
    """RFC 4648 base32 without padding, either case (not mixed); the unused low bits of the
    last character must be zero, so every byte string has exactly one spelling."""
    lower = text.lower()
    if text != lower and text != text.upper():
        raise FormatError("base32 text mixes upper and lower case")
    if len(text) % 8 in (1, 3, 6):
        raise FormatError("base32 text has an impossible length")
    if not text:
        return b""
    if not _B32_CHARS.issuperset(lower):
        bad = next(c for c in lower if c not in _B32_CHARS)
        raise FormatError(f"not base32: {bad!r} is not a base32 character")
    number = int(lower.translate(_B32_AS_DIGITS), 32)  # int() reads 0-9a-v as base-32 digits
    size, spare = divmod(len(text) * 5, 8)
    if number & ((1 << spare) - 1):
        raise FormatError("not base32: the last character has bits set that encode nothing")
    return (number >> spare).to_bytes(size, "big")


# --- multihash -------------------------------------------------------------------------------


def multihash(code: int, digest: bytes) -> bytes:
    return encode_varint(code) + encode_varint(len(digest)) + digest


def decode_multihash(mh: bytes) -> tuple[int, bytes]:
    """Split a multihash into (hash code, digest), checking its declared length."""
    if len(mh) == 34 and mh[0] == SHA2_256 and mh[1] == 32:  # the usual case: nothing to check
        return SHA2_256, mh[2:]
    code, pos = decode_varint(mh)
    size, pos = decode_varint(mh, pos)
    digest = mh[pos:]
    if len(digest) != size:
        raise FormatError(f"multihash says {size} digest bytes but has {len(digest)}")
    if code == IDENTITY and size > MAX_IDENTITY_DIGEST:
        raise FormatError(
            f"identity multihash holds {size} bytes; at most {MAX_IDENTITY_DIGEST} are allowed"
        )
    expected = _DIGEST_SIZES.get(code)
    if expected is not None and size != expected:
        raise FormatError(f"{HASH_NAMES[code]} digest must be {expected} bytes, not {size}")
    return code, digest


def digest_of(code: int, data: bytes | memoryview) -> bytes:
    if code == SHA2_256:
        return hashlib.sha256(data).digest()
    if code == IDENTITY:
        return bytes(data)
    if code == SHA2_512:
        return hashlib.sha512(data).digest()
    if code == BLAKE2B_256:
        return hashlib.blake2b(data, digest_size=32).digest()
    raise UnsupportedError(f"hash function 0x{code:x} is not supported")


# --- CID -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CID:
    """A content identifier. ``multihash`` is the full multihash (code, length, digest)."""

    version: int
    codec: int
    multihash: bytes

    def __reduce__(self) -> tuple[type[CID], tuple[int, int, bytes]]:
        """Pickled as its three fields (a slotted dataclass's default state calls ``fields()`` on
        every load: a build sends hundreds of thousands of CIDs between processes)."""
        return CID, (self.version, self.codec, self.multihash)

    @classmethod
    def hash(cls, data: bytes | memoryview, codec: int = RAW, version: int = 1) -> CID:
        """The sha2-256 CID of a block."""
        digest = hashlib.sha256(data).digest()
        return cls(version, codec, b"\x12\x20" + digest)

    @classmethod
    def decode(cls, data: bytes | memoryview) -> CID:
        """Parse the binary form; the whole input must be one CID."""
        cid, end = cls.decode_prefix(data)
        if end != len(data):
            raise FormatError("trailing bytes after CID")
        return cid

    @classmethod
    def decode_prefix(cls, data: bytes | memoryview, offset: int = 0) -> tuple[CID, int]:
        """Parse a binary CID at the start of ``data[offset:]``; return it and the end offset."""
        if len(data) - offset >= 34 and data[offset] == 0x12 and data[offset + 1] == 0x20:
            end = offset + 34
            return cls(0, DAG_PB, bytes(data[offset:end])), end
        if (
            len(data) - offset >= 36
            and data[offset] == 1
            and data[offset + 1] < 0x80
            and data[offset + 2] == 0x12
            and data[offset + 3] == 0x20
        ):  # the common case, CIDv1 with a one-byte codec and sha2-256: nothing to check
            end = offset + 36
            return cls(1, data[offset + 1], bytes(data[offset + 2 : end])), end
        version, pos = decode_varint(data, offset)
        if version == 0x12:
            raise FormatError("truncated CIDv0")
        if version != 1:
            raise UnsupportedError(f"CID version {version} is not supported")
        codec, pos = decode_varint(data, pos)
        start = pos
        _code, pos = decode_varint(data, pos)
        size, pos = decode_varint(data, pos)
        end = pos + size
        if end - offset > MAX_CID_BYTES:
            raise FormatError(f"CID longer than {MAX_CID_BYTES} bytes")
        if end > len(data):
            raise FormatError("truncated CID multihash")
        mh = bytes(data[start:end])
        decode_multihash(mh)
        return cls(1, codec, mh), end

    @classmethod
    def parse(cls, text: str) -> CID:
        """Parse text: CIDv0 (``Qm…``), or CIDv1 in base32 (``b…``), base58btc or base16."""
        if not text:
            raise FormatError("empty CID")
        if len(text) > MAX_CID_TEXT:
            raise FormatError(
                f"CID text of {len(text)} characters; a CID has at most {MAX_CID_TEXT}"
            )
        if len(text) == 46 and text.startswith("Qm"):
            raw = b58decode(text)
            if len(raw) != 34:
                raise FormatError(f"{text!r} is not a CIDv0")
            return cls(0, DAG_PB, raw)
        prefix, body = text[0], text[1:]
        if prefix in ("b", "B"):
            raw = b32decode(body)
        elif prefix == "z":
            raw = b58decode(body)
        elif prefix == "f":
            try:
                raw = bytes.fromhex(body)
            except ValueError:
                raise FormatError(f"{text!r} is not valid base16") from None
        else:
            raise FormatError(f"{text!r} is not a CID (unknown multibase prefix {prefix!r})")
        if raw[:1] == b"\x12":
            raise FormatError("CIDv0 must not carry a multibase prefix")
        cid = cls.decode(raw)
        if cid.version == 0:
            raise FormatError("CIDv0 must not carry a multibase prefix")
        return cid

    def __post_init__(self) -> None:
        if self.version == 0 and (self.codec != DAG_PB or self.multihash[:2] != b"\x12\x20"):
            raise FormatError("CIDv0 is only dag-pb with sha2-256")

    def __bytes__(self) -> bytes:
        if self.version == 0:
            return self.multihash
        if 0 <= self.codec < 0x80:  # a one-byte varint: every codec named here but dag-json
            return bytes((1, self.codec)) + self.multihash
        return b"\x01" + encode_varint(self.codec) + self.multihash

    def __str__(self) -> str:
        if self.version == 0:
            return b58encode(self.multihash)
        return "b" + b32encode(bytes(self))

    def __repr__(self) -> str:
        return f"CID({str(self)!r})"

    @property
    def hash_code(self) -> int:
        return decode_multihash(self.multihash)[0]

    @property
    def digest(self) -> bytes:
        return decode_multihash(self.multihash)[1]

    @property
    def codec_name(self) -> str:
        return CODEC_NAMES.get(self.codec, f"0x{self.codec:x}")

    def to_v1(self) -> CID:
        return CID(1, self.codec, self.multihash)


def identity_cid(data: bytes, codec: int = RAW) -> CID:
    """An inlined CID whose multihash holds the data itself (``bafkqaaa`` is the empty one)."""
    return CID(1, codec, multihash(IDENTITY, data))


def verify_block(cid: CID, data: bytes | memoryview) -> bool:
    """True when ``data`` hashes to ``cid``; ``UnsupportedError`` for an unknown hash."""
    code, digest = decode_multihash(cid.multihash)
    return digest_of(code, data) == digest
