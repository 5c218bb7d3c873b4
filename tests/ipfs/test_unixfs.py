"""UnixFS Data message: known encodings, strict decoding, property round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from permapress.errors import FormatError
from permapress.ipfs.unixfs import (
    DIRECTORY,
    FILE,
    HAMT_SHARD,
    RAW,
    SYMLINK,
    TYPE_NAMES,
    UnixFSData,
    decode_data,
    encode_data,
)


@pytest.mark.parametrize(
    ("value", "hex_bytes"),
    [
        (UnixFSData(DIRECTORY), "0801"),
        (UnixFSData(FILE, filesize=0), "08021800"),
        (UnixFSData(FILE, data=b"hi", filesize=2), "0802120268691802"),
        (UnixFSData(FILE, filesize=300, blocksizes=(256, 44)), "080218ac0220800220" + "2c"),
        (
            UnixFSData(HAMT_SHARD, data=b"\xff", hash_type=0x22, fanout=256),
            "0805" "1201ff" "2822" "308002",
        ),
        (UnixFSData(SYMLINK, data=b"../x"), "080412042e2e2f78"),
        (UnixFSData(RAW, data=b""), "08001200"),
        (UnixFSData(FILE, mode=0o644), "080238a403"),
        (UnixFSData(FILE, mtime=(1, None)), "0802" "42020801"),
        (UnixFSData(FILE, mtime=(-1, 5)), "0802" "4210" "08ffffffffffffffffff01" "1505000000"),
    ],
)
def test_known_encodings(value: UnixFSData, hex_bytes: str) -> None:
    assert encode_data(value).hex() == hex_bytes
    assert decode_data(bytes.fromhex(hex_bytes)) == value


BAD = [
    ("", "no Type"),
    ("1200", "no Type"),
    ("0806", "Type 6 is unknown"),
    ("08010801", "repeated"),
    ("18000802", "out of order"),
    ("0802200118002001", "out of order"),
    ("08022203010203", "wrong wire type"),  # packed blocksizes
    ("08024800", "unknown field 9"),
    ("08023a00", "wrong wire type"),
    ("08023880808080f0ff", "truncated"),
    ("080238ffffffff1f", "32 bits"),
    ("0802120568", "claims 5"),
    ("08810000", "minimally"),
    ("0802" "4200", "no Seconds"),
    ("0802" "42021501", "truncated"),
    ("0802" "4204080108 01", "out of order"),
    ("0802" "42021000", "unexpected field"),
]


@pytest.mark.parametrize(("hex_bytes", "fragment"), BAD)
def test_rejects_non_canonical(hex_bytes: str, fragment: str) -> None:
    with pytest.raises(FormatError, match=fragment):
        decode_data(bytes.fromhex(hex_bytes.replace(" ", "")))


@pytest.mark.parametrize(
    "value",
    [
        UnixFSData(9),
        UnixFSData(FILE, filesize=-1),
        UnixFSData(FILE, blocksizes=(2**64,)),
        UnixFSData(FILE, mode=2**32),
        UnixFSData(FILE, mtime=(2**63, None)),
        UnixFSData(FILE, mtime=(0, 2**32)),
    ],
)
def test_encode_rejects_out_of_range(value: UnixFSData) -> None:
    with pytest.raises(FormatError):
        encode_data(value)


u64 = st.integers(0, 2**64 - 1)
values = st.builds(
    UnixFSData,
    st.sampled_from(sorted(TYPE_NAMES)),
    st.one_of(st.none(), st.binary(max_size=40)),
    st.one_of(st.none(), u64),
    st.lists(u64, max_size=6).map(tuple),
    st.one_of(st.none(), u64),
    st.one_of(st.none(), u64),
    st.one_of(st.none(), st.integers(0, 2**32 - 1)),
    st.one_of(
        st.none(),
        st.tuples(
            st.integers(-(2**63), 2**63 - 1), st.one_of(st.none(), st.integers(0, 2**32 - 1))
        ),
    ),
)


@given(values)
def test_round_trip(value: UnixFSData) -> None:
    encoded = encode_data(value)
    assert decode_data(encoded) == value


@given(st.binary(max_size=120))
def test_random_bytes_decode_or_format_error(data: bytes) -> None:
    try:
        value = decode_data(data)
    except FormatError:
        return
    assert encode_data(value) == data
