"""Version records: canonical encoding, strict decoding, signatures."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from permapress.errors import TrustError
from permapress.ipfs.cid import CID, RAW
from permapress.trust.keys import public_bytes, sign, signature_ok
from permapress.trust.records import (
    Publisher,
    VersionRecord,
    canonical_json,
    decode_record,
    decode_signature,
    encode_record,
    encode_signature,
    record_cid,
    record_tree,
)

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
CID_A = str(CID.hash(b"a", RAW))
CID_B = str(CID.hash(b"b", RAW))


def record(**changes: object) -> VersionRecord:
    values: dict[str, object] = {
        "article": "urn:permapress:article:harbour",
        "version": 2,
        "content": (("article.md", CID_A), ("index.html", CID_B)),
        "previous": CID_A,
        "published": "2025-07-08T09:30:00Z",
        "note": "Corrected the vote count.",
        "publisher": Publisher(public_bytes(KEY), "The Harbour Courier"),
    }
    values.update(changes)
    return VersionRecord(**values)  # type: ignore[arg-type]


def test_encoding_is_canonical_and_round_trips() -> None:
    data = encode_record(record())
    assert data.endswith(b"}\n") and b", " not in data and b": " not in data
    parsed = json.loads(data)
    assert list(parsed) == sorted(parsed)
    assert parsed["type"] == "permapress.version/1"
    assert parsed["publisher"]["key"] == "ed25519:" + public_bytes(KEY).hex()
    assert decode_record(data) == record()
    assert record_cid(data) == CID.hash(data, RAW)


def test_signature_is_deterministic_and_checks() -> None:
    data = encode_record(record())
    sig = sign(KEY, data)
    assert sig == sign(KEY, data)
    assert signature_ok(public_bytes(KEY), data, sig)
    assert not signature_ok(public_bytes(KEY), data.replace(b"vote", b"vete"), sig)
    assert decode_signature(encode_signature(sig)) == sig


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda v: v.update(version=0), "version 0"),
        (lambda v: v.update(version="2"), "version '2'"),
        (lambda v: v.update(previous=None), "only version 1 has none"),
        (lambda v: v.update(previous="not-a-cid"), "is not a CID"),
        (lambda v: v.update(article="harbour"), "urn:"),
        (lambda v: v.update(published="yesterday"), "timezone"),
        (lambda v: v.update(published="2025-07-08T09:30:00"), "timezone"),
        (lambda v: v.update(content={}), "manifest is empty"),
        (lambda v: v.update(content={"record/version.json": CID_A}), "cannot be a content file"),
        (lambda v: v.update(content={"../x": CID_A}), "cannot be a content file"),
        (lambda v: v.update(note=3), "note is not text"),
        (lambda v: v.update(extra=1), "expected the fields"),
        (lambda v: v.update(type="other/1"), "type 'other/1'"),
        (lambda v: v["publisher"].update(fingerprint="AAAA-AAAA-AAAA-AAAA-AAAA"), "fingerprint"),
        (lambda v: v["publisher"].update(key="ed25519:zz"), "ed25519:<64 hex digits>"),
    ],
)
def test_decode_names_the_bad_field(mutate: object, reason: str) -> None:
    value = json.loads(encode_record(record()))
    mutate(value)  # type: ignore[operator]
    with pytest.raises(TrustError, match=reason):
        decode_record(canonical_json(value))


def test_non_canonical_bytes_are_refused() -> None:
    value = json.loads(encode_record(record()))
    pretty = json.dumps(value, indent=1).encode()
    with pytest.raises(TrustError, match="canonical"):
        decode_record(pretty)
    with pytest.raises(TrustError, match="canonical"):
        decode_record(encode_record(record())[:-1])


@pytest.mark.parametrize("text", [b"", b"00" * 64, b"AB" * 64 + b"\n", b"zz" * 64 + b"\n"])
def test_bad_signature_files(text: bytes) -> None:
    with pytest.raises(TrustError, match="128 lowercase hex"):
        decode_signature(text)


def test_record_tree_lays_out_the_chain() -> None:
    tree = record_tree(b"r3", b"\x01" * 64, [(1, b"r1", b"\x02" * 64), (2, b"r2", b"\x03" * 64)])
    assert set(tree) == {"version.json", "version.sig", "chain"}
    assert set(tree["chain"]) == {"1.json", "1.sig", "2.json", "2.sig"}
    assert tree["chain"]["2.sig"] == ("03" * 64 + "\n").encode()
    assert set(record_tree(b"r1", b"\x01" * 64, [])) == {"version.json", "version.sig"}


@given(st.binary(max_size=300))
def test_decoding_random_bytes_raises_only_trust_errors(data: bytes) -> None:
    try:
        decode_record(data)
    except TrustError as exc:
        assert str(exc)  # a message a person can act on, never another exception


@given(
    note=st.text(max_size=80),
    version=st.integers(min_value=1, max_value=10_000),
    name=st.text(min_size=1, max_size=30),
)
def test_round_trip_property(note: str, version: int, name: str) -> None:
    value = record(
        note=note,
        version=version,
        previous=None if version == 1 else CID_A,
        publisher=Publisher(public_bytes(KEY), name),
    )
    assert decode_record(encode_record(value)) == value
