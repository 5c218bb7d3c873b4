"""IPNS records: the gateway-conformance fixtures verify (or fail) as the spec says; records we
sign verify here, carry matching V1 fields, and every tampering is caught."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from data_paths import GATEWAY_CONFORMANCE
from hypothesis import given
from hypothesis import strategies as st

from permapress.ipfs import dagcbor
from permapress.publish.ipns import (
    IpnsRecordError,
    create_record,
    decode_record,
    encode_record,
    format_rfc3339,
    name_of_key,
    parse_rfc3339,
    verify_record,
)
from permapress.publish.names import parse_name

FIXTURES = GATEWAY_CONFORMANCE
ALL = sorted(FIXTURES.rglob("*.ipns-record"))
# Expected outcome per fixture, from path_gateway_ipns_test.go (ipfs/gateway-conformance).
INVALID = {
    "v1": "no V2 signature",
    "v1-v2-broken-v1-value": "V1 fields do not match",
    "v1-v2-broken-signature-v2": "V2 signature does not verify",
}
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def _split(path: Path) -> tuple[str, str]:
    stem = path.name.removesuffix(".ipns-record")
    name, _, variant = stem.partition("_")
    return name, variant


def test_all_fixtures_are_found() -> None:
    assert len(ALL) == 12


@pytest.mark.parametrize("path", ALL, ids=[p.name[:60] for p in ALL])
def test_conformance_fixture(path: Path) -> None:
    name, variant = _split(path)
    data = path.read_bytes()
    if variant in INVALID:
        with pytest.raises(IpnsRecordError, match=INVALID[variant]):
            verify_record(parse_name(name), data, now=NOW)
        return
    verified = verify_record(parse_name(name), data, now=NOW)
    assert verified.value.startswith("/ipfs/")
    assert verified.validity > NOW
    if path.parent.name == "ipns_records":
        readme = (path.parent / "README.md").read_text()
        assert f"{path.name} -> {verified.value}" in readme


def test_fixture_fails_for_another_name() -> None:
    good = next(p for p in ALL if _split(p)[1] == "v2")
    other = next(p for p in ALL if _split(p)[1] == "v1-v2")
    with pytest.raises(IpnsRecordError, match="V2 signature"):
        verify_record(parse_name(_split(other)[0]), good.read_bytes(), now=NOW)


def _record(**kw: object) -> tuple[Ed25519PrivateKey, bytes]:
    key = Ed25519PrivateKey.generate()
    args: dict[str, object] = {
        "value": "/ipfs/bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
        "sequence": 7,
        "validity": NOW + timedelta(hours=48),
        "ttl_ns": 300 * 10**9,
    }
    args.update(kw)
    return key, create_record(key, **args)  # type: ignore[arg-type]


def test_our_record_verifies_and_carries_both_signatures() -> None:
    key, record = _record()
    verified = verify_record(name_of_key(key), record, now=NOW)
    assert verified.sequence == 7 and verified.ttl_ns == 300 * 10**9
    entry = decode_record(record)
    assert entry.signature_v1 and entry.signature_v2 and entry.pub_key is None
    data = dagcbor.decode(entry.data or b"")
    assert isinstance(data, dict)
    assert list(data) == ["TTL", "Value", "Sequence", "Validity", "ValidityType"]
    assert (entry.value, entry.validity, entry.sequence, entry.ttl, entry.validity_type) == (
        data["Value"],
        data["Validity"],
        data["Sequence"],
        data["TTL"],
        0,
    )
    assert encode_record(entry) == record
    # The V1 signature is what legacy nodes check: value + validity + "EOL".
    key.public_key().verify(
        entry.signature_v1, (entry.value or b"") + (entry.validity or b"") + b"EOL"
    )


def test_v2_only_record_verifies() -> None:
    key, record = _record(v1=False)
    entry = decode_record(record)
    assert entry.value is None and entry.signature_v1 is None
    assert verify_record(name_of_key(key), record, now=NOW).sequence == 7


def test_expired_record_fails() -> None:
    key, record = _record(validity=NOW - timedelta(seconds=1))
    with pytest.raises(IpnsRecordError, match="expired"):
        verify_record(name_of_key(key), record, now=NOW)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("value", b"/ipfs/bafkqaaa", "V1 fields do not match"),
        ("sequence", 99, "V1 fields do not match"),
        ("signature_v2", b"\x00" * 64, "V2 signature"),
        ("data", None, "no V2 signature"),
        ("pub_key", b"\x08\x01\x12\x20" + b"\x01" * 32, "not the key of"),
    ],
)
def test_tampering_is_caught(field: str, value: object, message: str) -> None:
    key, record = _record()
    changed = encode_record(replace(decode_record(record), **{field: value}))
    with pytest.raises(IpnsRecordError, match=message):
        verify_record(name_of_key(key), changed, now=NOW)


def test_changed_data_breaks_the_v2_signature() -> None:
    key, record = _record(v1=False)
    entry = decode_record(record)
    other = dagcbor.encode({**dagcbor.decode(entry.data or b""), "Sequence": 8})  # type: ignore[dict-item]
    with pytest.raises(IpnsRecordError, match="V2 signature"):
        verify_record(name_of_key(key), encode_record(replace(entry, data=other)), now=NOW)


def test_oversized_record_fails() -> None:
    key, record = _record()
    with pytest.raises(IpnsRecordError, match="limit"):
        verify_record(name_of_key(key), record + b"\x52" + b"\x80\x50" + b"x" * 10240, now=NOW)


def test_bad_values_are_refused_when_creating() -> None:
    with pytest.raises(IpnsRecordError, match="must start with"):
        _record(value="https://example.org/")


@given(st.binary(max_size=300))
def test_decoding_random_bytes_raises_only_our_error(data: bytes) -> None:
    with contextlib.suppress(IpnsRecordError):
        decode_record(data)


@given(st.binary(max_size=300))
def test_verifying_random_bytes_raises_only_our_error(data: bytes) -> None:
    name = parse_name("k51qzi5uqu5dit2ku9mutlfgwyz8u730on38kd10m97m36bjt66my99hb6103f")
    with pytest.raises(IpnsRecordError):
        verify_record(name, data, now=NOW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2123-08-14T12:17:03.694052Z", datetime(2123, 8, 14, 12, 17, 3, 694052, UTC)),
        ("2025-01-01T00:00:00.123456789Z", datetime(2025, 1, 1, 0, 0, 0, 123456, UTC)),
        ("2025-01-01T02:00:00+02:00", datetime(2025, 1, 1, 0, 0, 0, 0, UTC)),
    ],
)
def test_rfc3339(text: str, expected: datetime) -> None:
    assert parse_rfc3339(text) == expected


def test_rfc3339_format_trims_zeros() -> None:
    assert format_rfc3339(datetime(2025, 1, 1, 0, 0, 0, 500000, UTC)) == "2025-01-01T00:00:00.5Z"
    assert format_rfc3339(datetime(2025, 1, 1, tzinfo=UTC)) == "2025-01-01T00:00:00Z"
    with pytest.raises(IpnsRecordError):
        parse_rfc3339("2025-13-01T00:00:00Z")
