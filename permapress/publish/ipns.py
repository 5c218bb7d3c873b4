"""IPNS records (specs.ipfs.tech/ipns/ipns-record): create, encode, decode, verify.

    create_record(key, value, sequence, validity, ttl_ns, *, v1=True) -> bytes
        a signed ``IpnsEntry`` protobuf. The V2 signature covers ``"ipns-signature:" + data``
        where ``data`` is DAG-CBOR ``{TTL, Value, Sequence, Validity, ValidityType}``. With ``v1``
        the legacy V1 fields and signature (over value + validity + "EOL") are added the way kubo
        writes them, so old nodes accept the record too. Signs with Ed25519 only; the public key is
        inside the name, so ``pubKey`` is left out.
    decode_record(data) -> IpnsEntry      protobuf -> fields (FormatError on malformed input)
    encode_record(entry) -> bytes         fields -> protobuf (field order as kubo writes it)
    verify_record(name, data, now=None) -> Verified
        the record checks as the spec says: at most 10 KiB; signatureV2 and data present; data is
        canonical DAG-CBOR with all five fields; the key is the one the name commits to (inlined
        in the name, or the ``pubKey`` field hashing to it; Ed25519, or RSA for old names); the
        V2 signature verifies; when a V1 signature is present the V1 fields equal the CBOR ones;
        validity is EOL and not past ``now``. The V1 signature itself is never trusted nor
        required. Anything wrong raises ``IpnsRecordError`` (a ``TrustError``) naming the check.

Pure functions: no clock unless ``now`` is left out of ``verify_record``, no I/O.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from permapress.errors import FormatError, TrustError, UnsupportedError
from permapress.ipfs import dagcbor
from permapress.ipfs.cid import SHA2_256, decode_multihash, decode_varint, encode_varint
from permapress.publish.names import (
    KEY_TYPE_RSA,
    IpnsName,
    ed25519_of_libp2p,
    key_fields,
    name_of_public_key,
)
from permapress.trust.keys import public_bytes

MAX_RECORD_SIZE = 10 * 1024
SIGNATURE_V2_PREFIX = b"ipns-signature:"
VALIDITY_EOL = 0
CONTENT_TYPE = "application/vnd.ipfs.ipns-record"


class IpnsRecordError(TrustError):
    """An IPNS record that is malformed, badly signed, mismatched or expired."""


@dataclass(frozen=True, slots=True)
class IpnsEntry:
    """The protobuf fields of an IPNS record; ``None`` means the field is absent."""

    value: bytes | None = None
    signature_v1: bytes | None = None
    validity_type: int | None = None
    validity: bytes | None = None
    sequence: int | None = None
    ttl: int | None = None
    pub_key: bytes | None = None
    signature_v2: bytes | None = None
    data: bytes | None = None


@dataclass(frozen=True, slots=True)
class Verified:
    """What a valid record says."""

    value: str
    sequence: int
    validity: datetime
    ttl_ns: int


_BYTES_FIELDS = {
    1: "value",
    2: "signature_v1",
    4: "validity",
    7: "pub_key",
    8: "signature_v2",
    9: "data",
}
_INT_FIELDS = {3: "validity_type", 5: "sequence", 6: "ttl"}
_ORDER = (
    (1, "value"),
    (2, "signature_v1"),
    (3, "validity_type"),
    (4, "validity"),
    (5, "sequence"),
    (6, "ttl"),
    (7, "pub_key"),
    (8, "signature_v2"),
    (9, "data"),
)


def encode_record(entry: IpnsEntry) -> bytes:
    out = bytearray()
    for number, attr in _ORDER:
        value = getattr(entry, attr)
        if value is None:
            continue
        if number in _INT_FIELDS:
            out += encode_varint(number << 3) + encode_varint(value)
        else:
            out += encode_varint(number << 3 | 2) + encode_varint(len(value)) + value
    return bytes(out)


def decode_record(data: bytes) -> IpnsEntry:
    """Parse the protobuf; unknown fields are skipped as protobuf allows."""
    blobs: dict[str, bytes] = {}
    numbers: dict[str, int] = {}
    pos = 0
    try:
        while pos < len(data):
            tag, pos = decode_varint(data, pos)
            number, wire = tag >> 3, tag & 7
            if wire == 0:
                value, pos = decode_varint(data, pos)
                if number in _INT_FIELDS:
                    numbers[_INT_FIELDS[number]] = value
                elif number in _BYTES_FIELDS:
                    raise FormatError(f"IPNS record field {number} must be bytes, not a number")
            elif wire == 2:
                size, pos = decode_varint(data, pos)
                if pos + size > len(data):
                    raise FormatError("IPNS record is truncated")
                if number in _BYTES_FIELDS:
                    blobs[_BYTES_FIELDS[number]] = bytes(data[pos : pos + size])
                elif number in _INT_FIELDS:
                    raise FormatError(f"IPNS record field {number} must be a number, not bytes")
                pos += size
            elif wire in (1, 5):
                pos += 8 if wire == 1 else 4
                if pos > len(data):
                    raise FormatError("IPNS record is truncated")
            else:
                raise FormatError(f"IPNS record has an invalid protobuf wire type {wire}")
    except (FormatError, UnsupportedError) as exc:
        raise IpnsRecordError(f"not an IPNS record: {exc}") from None
    return IpnsEntry(
        value=blobs.get("value"),
        signature_v1=blobs.get("signature_v1"),
        validity_type=numbers.get("validity_type"),
        validity=blobs.get("validity"),
        sequence=numbers.get("sequence"),
        ttl=numbers.get("ttl"),
        pub_key=blobs.get("pub_key"),
        signature_v2=blobs.get("signature_v2"),
        data=blobs.get("data"),
    )


def format_rfc3339(moment: datetime) -> str:
    """UTC, nanosecond-style fraction without trailing zeros, ``Z``: as Go's RFC3339Nano."""
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += "." + f"{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})\Z"
)


def parse_rfc3339(text: str) -> datetime:
    match = _RFC3339.match(text)
    if match is None:
        raise IpnsRecordError(f"IPNS validity {text!r} is not an RFC 3339 time")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zone = match.group(7) or "", match.group(8)
    try:
        moment = datetime(
            year, month, day, hour, minute, second, int((fraction + "000000")[:6]), UTC
        )
    except ValueError:
        raise IpnsRecordError(f"IPNS validity {text!r} is not a real date") from None
    if zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        moment -= sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    return moment


def _cbor_data(value: bytes, validity: bytes, sequence: int, ttl: int) -> bytes:
    return dagcbor.encode(
        {
            "TTL": ttl,
            "Value": value,
            "Sequence": sequence,
            "Validity": validity,
            "ValidityType": VALIDITY_EOL,
        }
    )


def _v1_payload(value: bytes, validity: bytes) -> bytes:
    return value + validity + b"EOL"


def create_record(
    key: Ed25519PrivateKey,
    value: str,
    sequence: int,
    validity: datetime,
    ttl_ns: int,
    *,
    v1: bool = True,
) -> bytes:
    """A signed IPNS record pointing at ``value`` (e.g. ``/ipfs/bafy…``) until ``validity``."""
    if not value.startswith(("/ipfs/", "/ipns/")):
        raise IpnsRecordError(f"IPNS value {value!r} must start with /ipfs/ or /ipns/")
    if sequence < 0 or ttl_ns < 0:
        raise IpnsRecordError("IPNS sequence and TTL must not be negative")
    value_bytes = value.encode("utf-8")
    validity_bytes = format_rfc3339(validity).encode("ascii")
    data = _cbor_data(value_bytes, validity_bytes, sequence, ttl_ns)
    entry = IpnsEntry(signature_v2=key.sign(SIGNATURE_V2_PREFIX + data), data=data)
    if v1:
        entry = IpnsEntry(
            value=value_bytes,
            signature_v1=key.sign(_v1_payload(value_bytes, validity_bytes)),
            validity_type=VALIDITY_EOL,
            validity=validity_bytes,
            sequence=sequence,
            ttl=ttl_ns,
            signature_v2=entry.signature_v2,
            data=data,
        )
    record = encode_record(entry)
    if len(record) > MAX_RECORD_SIZE:
        raise IpnsRecordError(
            f"IPNS record would be {len(record)} bytes; the limit is {MAX_RECORD_SIZE}"
        )
    return record


Verifier = Callable[[bytes, bytes], None]


def _rsa_verifier(der: bytes, name: IpnsName) -> Verifier:
    try:
        key = serialization.load_der_public_key(der)
    except ValueError:
        raise IpnsRecordError(f"IPNS key of {name}: not a DER RSA public key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise IpnsRecordError(f"IPNS key of {name}: not an RSA public key")

    def check(signature: bytes, message: bytes) -> None:
        key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())

    return check


def _verifier(name: IpnsName, entry: IpnsEntry) -> Verifier:
    """Signature check for the key the name commits to (Ed25519, or RSA for old names)."""
    embedded = name.embedded_key
    key_pb = embedded if embedded is not None else entry.pub_key
    if key_pb is None:
        raise IpnsRecordError(f"IPNS record for {name} carries no public key and the name has none")
    if embedded is None:
        code, digest = decode_multihash(name.multihash)
        if code != SHA2_256 or hashlib.sha256(key_pb).digest() != digest:
            raise IpnsRecordError(f"the public key in the IPNS record does not belong to {name}")
    elif entry.pub_key is not None and entry.pub_key != embedded:
        raise IpnsRecordError(f"the public key in the IPNS record is not the key of {name}")
    try:
        key_type, key_data = key_fields(key_pb)
        if key_type == KEY_TYPE_RSA:
            return _rsa_verifier(key_data, name)
        return Ed25519PublicKey.from_public_bytes(ed25519_of_libp2p(key_pb)).verify
    except (FormatError, UnsupportedError) as exc:
        raise IpnsRecordError(f"IPNS key of {name}: {exc}") from None


def _data_fields(data: bytes) -> tuple[bytes, bytes, int, int, int]:
    try:
        decoded = dagcbor.decode(data)
    except (FormatError, UnsupportedError) as exc:
        raise IpnsRecordError(f"IPNS record data is not DAG-CBOR ({exc})") from None
    if not isinstance(decoded, dict):
        raise IpnsRecordError("IPNS record data is not a map")
    value, validity = decoded.get("Value"), decoded.get("Validity")
    vtype, sequence, ttl = decoded.get("ValidityType"), decoded.get("Sequence"), decoded.get("TTL")
    if not isinstance(value, bytes) or not isinstance(validity, bytes):
        raise IpnsRecordError("IPNS record data lacks Value or Validity bytes")
    for label, number in (("ValidityType", vtype), ("Sequence", sequence), ("TTL", ttl)):
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            raise IpnsRecordError(f"IPNS record data lacks a valid {label}")
    assert isinstance(vtype, int) and isinstance(sequence, int) and isinstance(ttl, int)
    return value, validity, vtype, sequence, ttl


def verify_record(name: IpnsName, data: bytes, now: datetime | None = None) -> Verified:
    """Check ``data`` is a valid, current record for ``name`` (see the module docstring)."""
    if len(data) > MAX_RECORD_SIZE:
        raise IpnsRecordError(f"IPNS record is {len(data)} bytes; the limit is {MAX_RECORD_SIZE}")
    entry = decode_record(data)
    if entry.signature_v2 is None or entry.data is None:
        raise IpnsRecordError(
            f"IPNS record for {name} has no V2 signature (V1-only records are no longer valid)"
        )
    check = _verifier(name, entry)
    try:
        check(entry.signature_v2, SIGNATURE_V2_PREFIX + entry.data)
    except InvalidSignature:
        raise IpnsRecordError(f"IPNS record for {name}: the V2 signature does not verify") from None
    value, validity, vtype, sequence, ttl = _data_fields(entry.data)
    if entry.signature_v1 is not None:
        v1 = (entry.value, entry.validity, entry.validity_type, entry.sequence, entry.ttl)
        if v1 != (value, validity, vtype, sequence, ttl):
            raise IpnsRecordError(
                f"IPNS record for {name}: the V1 fields do not match the signed V2 data"
            )
    if vtype != VALIDITY_EOL:
        raise IpnsRecordError(f"IPNS record for {name}: unknown validity type {vtype}")
    try:
        text = validity.decode("ascii")
        value_text = value.decode("utf-8")
    except UnicodeDecodeError:
        raise IpnsRecordError(f"IPNS record for {name}: value or validity is not text") from None
    eol = parse_rfc3339(text)
    if eol < (now or datetime.now(UTC)):
        raise IpnsRecordError(f"IPNS record for {name} expired at {text}; publish a new one")
    return Verified(value_text, sequence, eol, ttl)


def name_of_key(key: Ed25519PrivateKey) -> IpnsName:
    """The IPNS name of the newsroom's publisher key."""
    return name_of_public_key(public_bytes(key))
