"""Tests for permapress/ipfs/dagcbor.py: RFC 8949 vectors, DAG-CBOR strictness, properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from permapress.errors import FormatError
from permapress.ipfs import dagcbor
from permapress.ipfs.cid import CID, DAG_CBOR, DAG_PB, RAW, identity_cid

# (value, encoding) from RFC 8949 appendix A, restricted to what DAG-CBOR allows
VECTORS: list[tuple[dagcbor.DagValue, str]] = [
    (0, "00"),
    (1, "01"),
    (10, "0a"),
    (23, "17"),
    (24, "1818"),
    (25, "1819"),
    (100, "1864"),
    (1000, "1903e8"),
    (1000000, "1a000f4240"),
    (1000000000000, "1b000000e8d4a51000"),
    (18446744073709551615, "1bffffffffffffffff"),
    (-18446744073709551616, "3bffffffffffffffff"),
    (-1, "20"),
    (-10, "29"),
    (-100, "3863"),
    (-1000, "3903e7"),
    (1.1, "fb3ff199999999999a"),
    (-4.1, "fbc010666666666666"),
    (1.0e300, "fb7e37e43c8800759c"),
    (0.0, "fb0000000000000000"),
    (False, "f4"),
    (True, "f5"),
    (None, "f6"),
    (b"", "40"),
    (b"\x01\x02\x03\x04", "4401020304"),
    ("", "60"),
    ("a", "6161"),
    ("IETF", "6449455446"),
    ("\u00fc", "62c3bc"),
    ("\u6c34", "63e6b0b4"),
    ([], "80"),
    ([1, 2, 3], "83010203"),
    ([1, [2, 3], [4, 5]], "8301820203820405"),
    ({}, "a0"),
    ({"a": 1, "b": [2, 3]}, "a26161016162820203"),
    (["a", {"b": "c"}], "826161a161626163"),
    # canonical order: shorter keys first, then bytewise
    ({"b": 2, "aa": 1}, "a2616202626161" + "01"),
    (
        CID.parse("bafyreihyrpefhacm6kkp4ql6j6udakdit7g3dmkzfriqfykhjw6cad5lrm"),
        "d82a58250001711220f88bc853804cf294fe417e4fa83028689fcdb1b1592c5102e1474dbc200fab8b",
    ),
]


@pytest.mark.parametrize(("value", "encoded"), VECTORS, ids=[v[1][:24] for v in VECTORS])
def test_vectors_encode_and_decode(value: dagcbor.DagValue, encoded: str) -> None:
    assert dagcbor.encode(value).hex() == encoded
    decoded = dagcbor.decode(bytes.fromhex(encoded))
    assert decoded == value
    assert type(decoded) is type(value)


REJECTED = [
    ("f93e00", "64 bits"),  # half-precision float
    ("fa3fc00000", "64 bits"),  # single-precision float
    ("fb7ff8000000000000", "NaN"),
    ("fb7ff0000000000000", "infinity"),
    ("f7", "simple value 23"),  # undefined
    ("e0", "simple value 0"),
    ("f820", "simple value 24"),
    ("5f4101ff", "indefinite"),
    ("9fff", "indefinite"),
    ("bfff", "indefinite"),
    ("1817", "minimally"),
    ("190017", "minimally"),
    ("1a0000ffff", "minimally"),
    ("1b00000000ffffffff", "minimally"),
    ("1c", "reserved"),
    ("a2616201616102", "canonical order"),
    ("a2626161016162" + "02", "canonical order"),
    ("a2616101616102", "duplicate"),
    ("a10101", "text strings"),
    ("c100", "tag 1"),
    ("d82a6161", "byte string"),
    ("d82a4101", "0x00"),
    ("d82a4400017112", "bad CID"),
    ("0000", "trailing"),
    ("6261", "data ends"),
    ("62ffff", "UTF-8"),
    ("a162ffff01", "UTF-8"),
    ("", "end of data"),
    ("9b0000000100000000", "longer than the data"),
]


@pytest.mark.parametrize(("encoded", "message"), REJECTED, ids=[r[0] for r in REJECTED])
def test_rejects_what_dag_cbor_forbids(encoded: str, message: str) -> None:
    with pytest.raises(FormatError, match=message) as info:
        dagcbor.decode(bytes.fromhex(encoded))
    assert "at byte" in str(info.value)


def test_nesting_limit() -> None:
    deep = bytes.fromhex("81") * (dagcbor.MAX_DEPTH + 5) + b"\x00"
    with pytest.raises(FormatError, match="nesting"):
        dagcbor.decode(deep)
    ok = bytes.fromhex("81") * (dagcbor.MAX_DEPTH - 1) + b"\x00"
    assert dagcbor.decode(ok) is not None


def test_encode_refuses_what_it_cannot_write() -> None:
    for bad, message in [
        (math.nan, "NaN"),
        (math.inf, "infinity"),
        (2**64, "64 bits"),
        (-(2**64) - 1, "64 bits"),
        ({1: 2}, "not a string"),
        ({1.5}, "set"),
        ("\ud800", "Unicode"),
    ]:
        with pytest.raises(FormatError, match=message):
            dagcbor.encode(bad)  # type: ignore[arg-type]


def test_links_in_encoded_order() -> None:
    a = CID.hash(b"a")
    b = CID.hash(b"b", DAG_CBOR)
    c = CID.parse("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn")
    value = dagcbor.decode(dagcbor.encode({"zz": [a, {"x": b}], "y": c, "n": 1}))
    assert list(dagcbor.links(value)) == [c, a, b]  # "y" sorts before "zz"


cids = st.builds(
    lambda data, codec: CID.hash(data, codec),
    st.binary(max_size=8),
    st.sampled_from([RAW, DAG_PB, DAG_CBOR]),
) | st.builds(identity_cid, st.binary(max_size=8))

values: st.SearchStrategy[dagcbor.DagValue] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.binary()
    | cids,
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=6), children, max_size=5),
    max_leaves=20,
)


@given(values)
@settings(max_examples=300)
def test_roundtrip(value: dagcbor.DagValue) -> None:
    encoded = dagcbor.encode(value)
    decoded = dagcbor.decode(encoded)
    assert dagcbor.encode(decoded) == encoded
    assert decoded == value


@given(st.binary(max_size=64))
@settings(max_examples=500)
def test_random_bytes_give_our_error_or_a_canonical_value(data: bytes) -> None:
    try:
        value = dagcbor.decode(data)
    except FormatError:
        return
    assert dagcbor.encode(value) == data


# --- decode_relaxed: what go-ipld-prime accepts by default -------------------------------------

NOT_UTF8 = "text that is not valid UTF-8 (kept as its bytes)"
RELAXED = [
    ("62ffff", "\udcff\udcff", (NOT_UTF8,)),
    ("a162ffff01", {"\udcff\udcff": 1}, (NOT_UTF8,)),
    ("a2616201616102", {"b": 1, "a": 2}, ("map keys out of canonical order",)),
    ("a2626161016162" + "02", {"aa": 1, "b": 2}, ("map keys out of canonical order",)),
    ("f93e00", 1.5, ("floats shorter than 64 bits",)),
    ("fa3fc00000", 1.5, ("floats shorter than 64 bits",)),
    ("f7", None, ("undefined (read as null)",)),
    ("a16161fb3ff8000000000000", {"a": 1.5}, ()),
]


@pytest.mark.parametrize(("encoded", "value", "warnings"), RELAXED, ids=[r[0] for r in RELAXED])
def test_relaxed_accepts_with_warnings(
    encoded: str, value: dagcbor.DagValue, warnings: tuple[str, ...]
) -> None:
    decoded = dagcbor.decode_relaxed(bytes.fromhex(encoded))
    assert decoded.value == value and decoded.warnings == warnings


def test_relaxed_text_keeps_its_bytes() -> None:
    raw = b"\xa1\x63k\xc3\x28\x63\xe2\x28\xa1"
    decoded = dagcbor.decode_relaxed(raw)
    assert isinstance(decoded.value, dict)
    ((key, text),) = decoded.value.items()
    assert key.encode("utf-8", "surrogateescape") == b"k\xc3\x28"
    assert isinstance(text, str) and text.encode("utf-8", "surrogateescape") == b"\xe2\x28\xa1"
    with pytest.raises(FormatError, match="not valid Unicode"):
        dagcbor.encode(decoded.value)  # never written back as if it were text


STILL_REJECTED = [
    ("fb7ff8000000000000", "NaN"),
    ("f97e00", "NaN"),  # half-precision NaN
    ("e0", "simple value 0"),
    ("5f4101ff", "indefinite"),
    ("1817", "minimally"),
    ("a2616101616102", "duplicate"),
    ("a3616101616202616103", "duplicate"),  # out of order and repeated
    ("c100", "tag 1"),
    ("0000", "trailing"),
    ("9b0000000100000000", "longer than the data"),
]


@pytest.mark.parametrize(("encoded", "message"), STILL_REJECTED, ids=[r[0] for r in STILL_REJECTED])
def test_relaxed_still_rejects_what_go_ipld_prime_rejects(encoded: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        dagcbor.decode_relaxed(bytes.fromhex(encoded))


@given(st.binary(max_size=96))
@settings(max_examples=500)
def test_relaxed_random_bytes_give_our_error_or_a_value(data: bytes) -> None:
    try:
        decoded = dagcbor.decode_relaxed(data)
    except FormatError:
        return
    if not decoded.warnings:  # nothing relaxed: the strict decoder reads the same value
        assert dagcbor.decode(data) == decoded.value


def test_allocation_budget_as_go_ipld_prime() -> None:
    def zeros(count: int) -> bytes:
        return b"\x9a" + count.to_bytes(4, "big") + bytes(count)

    assert dagcbor.decode(zeros(1_500_000)) == [0] * 1_500_000  # 6 units an item: under 10 Mi
    for decode in (dagcbor.decode, dagcbor.decode_relaxed):
        with pytest.raises(FormatError, match="units of memory"):
            decode(zeros(1_800_000))
    text = dagcbor.encode({"t": "x" * (11 << 20)})
    with pytest.raises(FormatError, match="units of memory"):
        dagcbor.decode(text)
