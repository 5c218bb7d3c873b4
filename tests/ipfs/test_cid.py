"""CIDs, multihashes, varints and the bases: spec values, round trips, strict decoding."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from permapress.errors import FormatError, UnsupportedError
from permapress.ipfs.cid import (
    BLAKE2B_256,
    CID,
    DAG_PB,
    RAW,
    SHA2_256,
    SHA2_512,
    b32decode,
    b32encode,
    b58decode,
    b58encode,
    decode_multihash,
    decode_varint,
    encode_varint,
    identity_cid,
    multihash,
    verify_block,
)

# Published values: the IPIP-499 "any" vectors and well-known CIDs.
EMPTY_DIR_V0 = "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"
EMPTY_DIR_V1 = "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354"
HELLO = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"
EMPTY_RAW = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"


def test_hello_world_raw_block() -> None:
    cid = CID.hash(b"hello world", RAW)
    assert str(cid) == HELLO
    assert CID.parse(HELLO) == cid
    assert verify_block(cid, b"hello world")
    assert not verify_block(cid, b"hello world!")
    assert cid.codec_name == "raw" and cid.hash_code == SHA2_256


def test_empty_raw_block_and_the_inline_probe() -> None:
    assert str(CID.hash(b"", RAW)) == EMPTY_RAW
    probe = CID.parse("bafkqaaa")
    assert probe == identity_cid(b"")
    assert verify_block(probe, b"")
    inlined_dir = CID.parse("bafyaabakaieac")
    assert (
        inlined_dir.codec == DAG_PB and inlined_dir.digest == b"\n\x02\x08\x01"
    )  # dag-pb of {Data: directory}


def test_v0_and_v1_of_the_empty_directory() -> None:
    v0 = CID.parse(EMPTY_DIR_V0)
    assert v0.version == 0 and str(v0) == EMPTY_DIR_V0
    assert str(v0.to_v1()) == EMPTY_DIR_V1
    assert CID.decode(bytes(v0)) == v0
    assert CID.parse(EMPTY_DIR_V1).multihash == v0.multihash


def test_base58_and_base16_text_forms() -> None:
    v1 = CID.parse(EMPTY_DIR_V1)
    assert CID.parse("z" + b58encode(bytes(v1))) == v1
    assert CID.parse("f" + bytes(v1).hex()) == v1
    assert CID.parse("B" + b32encode(bytes(v1)).upper()) == v1


@pytest.mark.parametrize(
    ("code", "digest"),
    [
        (SHA2_512, hashlib.sha512(b"x").digest()),
        (BLAKE2B_256, hashlib.blake2b(b"x", digest_size=32).digest()),
    ],
)
def test_other_hashes_verify(code: int, digest: bytes) -> None:
    cid = CID(1, RAW, multihash(code, digest))
    assert verify_block(cid, b"x") and not verify_block(cid, b"y")


def test_unknown_hash_is_unsupported_not_corrupt() -> None:
    cid = CID(1, RAW, multihash(0x1E, b"\x01" * 32))  # blake3: valid, but we cannot check it
    with pytest.raises(UnsupportedError):
        verify_block(cid, b"x")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Qm",
        "x" + EMPTY_DIR_V1[1:],
        EMPTY_DIR_V1[:-3],
        "bafy!",
        "b" + "a" * 9,
        "z0OIl",
        "fzz",
        "b" + EMPTY_DIR_V0,
        "zQmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn",
    ],
)
def test_malformed_text_is_a_format_error(text: str) -> None:
    with pytest.raises((FormatError, UnsupportedError)):
        CID.parse(text)


def test_wrong_digest_length_is_refused() -> None:
    with pytest.raises(FormatError, match="32 bytes"):
        CID.decode(b"\x01\x55" + multihash(SHA2_256, b"\x00" * 31))


@pytest.mark.parametrize(
    ("value", "encoded"),
    [(0, b"\x00"), (1, b"\x01"), (127, b"\x7f"), (128, b"\x80\x01"), (300, b"\xac\x02")],
)
def test_varint_spec_values(value: int, encoded: bytes) -> None:
    assert encode_varint(value) == encoded
    assert decode_varint(encoded) == (value, len(encoded))


def test_varints_must_be_minimal() -> None:
    with pytest.raises(FormatError, match="minimal"):
        decode_varint(b"\x81\x00")
    with pytest.raises(FormatError, match="truncated"):
        decode_varint(b"\x80")


@given(st.integers(min_value=0, max_value=2**63 - 1))
def test_varint_round_trip(value: int) -> None:
    assert decode_varint(encode_varint(value)) == (value, len(encode_varint(value)))


@given(st.binary(max_size=64))
def test_bases_round_trip(data: bytes) -> None:
    assert b58decode(b58encode(data)) == data
    assert b32decode(b32encode(data)) == data


@given(st.binary(min_size=1, max_size=64), st.sampled_from([RAW, DAG_PB, 0x71]))
def test_cid_round_trip(data: bytes, codec: int) -> None:
    cid = CID.hash(data, codec)
    assert CID.decode(bytes(cid)) == cid
    assert CID.parse(str(cid)) == cid


@given(st.binary(max_size=80))
def test_random_bytes_give_our_errors_only(data: bytes) -> None:
    try:
        cid = CID.decode(data)
    except (FormatError, UnsupportedError):
        return
    assert bytes(cid) == data  # whatever decodes is the one canonical encoding


@given(st.text(max_size=80))
def test_random_text_gives_our_errors_only(text: str) -> None:
    try:
        cid = CID.parse(text)
    except (FormatError, UnsupportedError):
        return
    assert CID.parse(str(cid)) == cid


def test_base32_has_one_spelling_per_byte_string() -> None:
    assert b32decode("my") == b"f"
    with pytest.raises(FormatError, match="bits set"):
        b32decode("mz")  # same byte, but the unused low bits are not zero
    with pytest.raises(FormatError, match="not a base32 character"):
        b32decode("m1")


def test_identity_digests_longer_than_128_bytes_are_refused() -> None:
    at_limit = identity_cid(b"x" * 128)
    assert CID.parse(str(at_limit)) == at_limit
    assert CID.decode(bytes(at_limit)) == at_limit
    over = identity_cid(b"x" * 129)
    for parse in (lambda: CID.parse(str(over)), lambda: CID.decode(bytes(over))):
        with pytest.raises(FormatError, match="at most 128"):
            parse()


def test_over_long_cid_text_is_refused_before_decoding() -> None:
    for text in ("z" + "2" * 60_000, "b" + "a" * 60_000, "f" + "0" * 60_000, "Qm" * 30_000):
        with pytest.raises(FormatError, match="a CID has at most 513"):
            CID.parse(text)
    longest = CID(1, RAW, multihash(0x1E, b"\x07" * 251))  # an unknown hash, 256 bytes in all
    assert len(bytes(longest)) == 256
    assert CID.parse("f" + bytes(longest).hex()) == longest
    too_long = bytes(CID(1, RAW, multihash(0x1E, b"\x07" * 252)))
    with pytest.raises(FormatError, match="longer than 256 bytes"):
        CID.decode(too_long)


@given(st.integers(min_value=0, max_value=2**20), st.binary(max_size=40))
def test_binary_cid_is_version_codec_and_multihash_as_varints(codec: int, digest: bytes) -> None:
    for mh in (multihash(SHA2_256, hashlib.sha256(digest).digest()), multihash(0, digest)):
        cid = CID(1, codec, mh)
        assert bytes(cid) == encode_varint(1) + encode_varint(codec) + mh
        assert CID.decode(bytes(cid)) == cid


@given(
    st.binary(min_size=32, max_size=32) | st.binary(max_size=40),
    st.sampled_from([0x12, 0x13, 0x00]),
    st.integers(0, 40),
)
def test_decode_multihash_reads_the_code_and_the_declared_length(
    digest: bytes, code: int, size: int
) -> None:
    mh = encode_varint(code) + encode_varint(size) + digest
    try:
        found = decode_multihash(mh)
    except FormatError:
        assert size != len(digest) or (code == 0x12 and size != 32) or (code == 0x13 and size != 64)
        return
    assert found == (code, digest) and size == len(digest)
