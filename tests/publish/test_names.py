"""IPNS names: base36, libp2p keys and every spelling of a name."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from permapress.errors import FormatError, UnsupportedError
from permapress.ipfs.cid import b32encode, b58encode
from permapress.publish.names import (
    base36_decode,
    base36_encode,
    ed25519_of_libp2p,
    ipns_name,
    libp2p_public_key,
    parse_name,
)

# The same Ed25519 key in the gateway-conformance fixtures, as a peer ID and as a k51 name.
PEER_ID = "12D3KooWLQzUv2FHWGVPXTXSZpdHs7oHbXub2G5WC8Tx4NQhyd2d"


@given(st.binary(max_size=80))
def test_base36_round_trip(data: bytes) -> None:
    assert base36_decode(base36_encode(data)) == data


@given(st.text(max_size=30))
def test_base36_decode_of_any_text_is_bytes_or_format_error(text: str) -> None:
    with contextlib.suppress(FormatError):
        assert isinstance(base36_decode(text), bytes)


@pytest.mark.parametrize(
    ("data", "text"), [(b"", ""), (b"\x00", "0"), (b"\x00\x01", "01"), (b"\x24", "10")]
)
def test_base36_known_values(data: bytes, text: str) -> None:
    assert base36_encode(data) == text
    assert base36_decode(text.upper()) == data


def test_peer_id_and_k51_name_are_the_same_name() -> None:
    by_peer = parse_name(PEER_ID)
    text = str(by_peer)
    assert text.startswith("k51")
    assert parse_name(text) == by_peer
    assert parse_name("K" + text[1:].upper()) == by_peer
    assert parse_name("b" + b32encode(bytes(by_peer.cid))) == by_peer
    assert b58encode(by_peer.multihash) == PEER_ID
    key = by_peer.embedded_key
    assert key is not None and len(ed25519_of_libp2p(key)) == 32


def test_name_of_a_raw_key() -> None:
    raw = bytes(range(32))
    name = ipns_name(raw)
    assert parse_name(name).embedded_key == libp2p_public_key(raw)
    assert ed25519_of_libp2p(libp2p_public_key(raw)) == raw


@pytest.mark.parametrize(
    "text",
    ["", "k!!", "bafkqaaa", "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", "hello"],
)
def test_not_names_are_refused(text: str) -> None:
    with pytest.raises(FormatError):
        parse_name(text)


def test_non_ed25519_key_is_unsupported() -> None:
    with pytest.raises(UnsupportedError, match="RSA"):
        ed25519_of_libp2p(b"\x08\x00\x12\x03abc")
    with pytest.raises(FormatError):
        libp2p_public_key(b"short")
