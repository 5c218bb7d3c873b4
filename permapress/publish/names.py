"""IPNS names: base36, libp2p public keys and the ``k51…`` text form.

    base36_encode(data) -> str           lowercase base36 digits (no multibase prefix)
    base36_decode(text) -> bytes         either case; leading zero bytes kept as ``0`` digits
    libp2p_public_key(raw32) -> bytes    protobuf ``PublicKey{Type=Ed25519, Data=raw32}``
    ed25519_of_libp2p(key_pb) -> bytes   the 32 raw bytes back (FormatError / UnsupportedError)
    ipns_name(raw32) -> str              ``k51…``: CIDv1, codec libp2p-key, identity multihash of
                                         the protobuf public key, multibase base36
    parse_name(text) -> IpnsName         accepts ``k…``/``K…`` base36 and ``b…`` base32 CIDv1
                                         libp2p-key names, and base58 peer IDs (``12D3Koo…``,
                                         ``Qm…``); FormatError otherwise

An ``IpnsName`` keeps the peer-ID multihash. For Ed25519 keys (the only ones permapress signs
with) it is an identity multihash that *contains* the public key, so no key needs to travel in
the record. Pure functions, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from permapress.errors import FormatError, UnsupportedError
from permapress.ipfs.cid import (
    CID,
    IDENTITY,
    LIBP2P_KEY,
    b58decode,
    decode_multihash,
    decode_positional,
    decode_varint,
    encode_positional,
    multihash,
)

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_VALUES = {c: i for i, c in enumerate(_DIGITS)}
KEY_TYPE_RSA = 0
KEY_TYPE_ED25519 = 1
KEY_TYPE_NAMES = {0: "RSA", 1: "Ed25519", 2: "Secp256k1", 3: "ECDSA"}


def base36_encode(data: bytes) -> str:
    return encode_positional(data, _DIGITS)


def base36_decode(text: str) -> bytes:
    return decode_positional(text.lower(), _DIGITS, _VALUES, "base36")


def libp2p_public_key(raw: bytes) -> bytes:
    """The libp2p protobuf encoding of a raw 32-byte Ed25519 public key."""
    if len(raw) != 32:
        raise FormatError(f"an Ed25519 public key has 32 bytes, not {len(raw)}")
    return bytes([0x08, KEY_TYPE_ED25519, 0x12, 0x20]) + raw


def key_fields(key_pb: bytes) -> tuple[int, bytes]:
    fields: dict[int, int | bytes] = {}
    pos = 0
    while pos < len(key_pb):
        tag, pos = decode_varint(key_pb, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = decode_varint(key_pb, pos)
            fields[number] = value
        elif wire == 2:
            size, pos = decode_varint(key_pb, pos)
            if pos + size > len(key_pb):
                raise FormatError("public key protobuf is truncated")
            fields[number] = key_pb[pos : pos + size]
            pos += size
        else:
            raise FormatError(f"public key protobuf has an unexpected wire type {wire}")
    key_type, data = fields.get(1), fields.get(2)
    if not isinstance(key_type, int) or not isinstance(data, bytes):
        raise FormatError("public key protobuf lacks its Type or Data field")
    return key_type, data


def ed25519_of_libp2p(key_pb: bytes) -> bytes:
    """The raw Ed25519 key inside a libp2p ``PublicKey`` protobuf."""
    key_type, data = key_fields(key_pb)
    if key_type != KEY_TYPE_ED25519:
        name = KEY_TYPE_NAMES.get(key_type, str(key_type))
        raise UnsupportedError(f"{name} IPNS keys are not supported; only Ed25519 keys are")
    if len(data) != 32:
        raise FormatError(f"Ed25519 public key has {len(data)} bytes, not 32")
    return data


@dataclass(frozen=True, slots=True)
class IpnsName:
    """An IPNS name: the multihash of the libp2p public key (a peer ID)."""

    multihash: bytes

    @property
    def cid(self) -> CID:
        return CID(1, LIBP2P_KEY, self.multihash)

    def __str__(self) -> str:
        return "k" + base36_encode(bytes(self.cid))

    @property
    def embedded_key(self) -> bytes | None:
        """The protobuf public key inlined in an identity multihash, if it is one."""
        code, digest = decode_multihash(self.multihash)
        return digest if code == IDENTITY else None

    @property
    def routing_key(self) -> bytes:
        """The key IPNS records are stored under in routing: ``/ipns/`` + multihash bytes."""
        return b"/ipns/" + self.multihash


def name_of_public_key(raw: bytes) -> IpnsName:
    return IpnsName(multihash(IDENTITY, libp2p_public_key(raw)))


def ipns_name(raw: bytes) -> str:
    """The ``k51…`` name of a raw Ed25519 public key."""
    return str(name_of_public_key(raw))


def parse_name(text: str) -> IpnsName:
    """Any common spelling of an IPNS key name -> ``IpnsName``."""
    if not text:
        raise FormatError("empty IPNS name")
    try:
        if text[0] in "kK":
            raw = base36_decode(text[1:])
            cid = CID.decode(raw)
        elif text[0] in "bBzf":
            cid = CID.parse(text)
        else:
            mh = b58decode(text)
            decode_multihash(mh)
            return IpnsName(mh)
    except UnsupportedError as exc:
        raise FormatError(f"{text!r} is not an IPNS name ({exc})") from None
    if cid.version != 1 or cid.codec != LIBP2P_KEY:
        raise FormatError(f"{text!r} is a CID but not a libp2p-key (use the k51… IPNS name)")
    return IpnsName(cid.multihash)
