"""Publisher keys: files, fingerprints, key texts and matching a --key value."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from permapress.errors import TrustError
from permapress.trust.keys import (
    check_expected_key,
    fingerprint,
    generate_key,
    has_key,
    key_text,
    load_private_key,
    load_public_key,
    matches,
    parse_key_text,
    public_bytes,
)

KEY = Ed25519PrivateKey.from_private_bytes(b"\x07" * 32)
PUBLIC = public_bytes(KEY)


def test_generate_writes_0600_and_refuses_to_replace(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    key = generate_key(keys)
    assert has_key(keys)
    assert stat.S_IMODE((keys / "publisher.key").stat().st_mode) == 0o600
    assert (keys / "publisher.pub").read_text().strip() == public_bytes(key).hex()
    assert load_public_key(keys) == public_bytes(key)
    with pytest.raises(TrustError, match="never replaced"):
        generate_key(keys)
    assert load_public_key(keys) == public_bytes(key)


def test_missing_and_bad_key_files(tmp_path: Path) -> None:
    with pytest.raises(TrustError, match="permapress keys init"):
        load_private_key(tmp_path)
    (tmp_path / "publisher.key").write_text("not a key")
    with pytest.raises(TrustError, match="not a PEM private key"):
        load_private_key(tmp_path)


def test_fingerprint_shape() -> None:
    text = fingerprint(PUBLIC)
    assert len(text) == 24 and text.count("-") == 4
    assert all(len(group) == 4 for group in text.split("-"))
    assert fingerprint(PUBLIC) != fingerprint(public_bytes(Ed25519PrivateKey.generate()))


def test_key_text_round_trip() -> None:
    assert parse_key_text(key_text(PUBLIC)) == PUBLIC
    for bad in ("ed25519:", "rsa:" + PUBLIC.hex(), "ed25519:" + PUBLIC.hex().upper(), PUBLIC.hex()):
        with pytest.raises(TrustError, match="64 hex digits"):
            parse_key_text(bad)


@pytest.mark.parametrize(
    "form",
    [
        fingerprint(PUBLIC),
        fingerprint(PUBLIC).lower(),
        fingerprint(PUBLIC).replace("-", ""),
        PUBLIC.hex(),
        PUBLIC.hex().upper(),
        key_text(PUBLIC),
    ],
)
def test_every_form_of_the_key_matches(form: str) -> None:
    assert check_expected_key(form) == form
    assert matches(PUBLIC, form)
    assert not matches(public_bytes(Ed25519PrivateKey.generate()), form)


@pytest.mark.parametrize("bad", ["", "hello", "ABCD-EFGH", "0" * 63, "1111-1111-1111-1111-1111"])
def test_unusable_expected_keys_are_explained(bad: str) -> None:
    with pytest.raises(TrustError, match="neither a fingerprint"):
        check_expected_key(bad)


@pytest.mark.parametrize("form", ["as saved", "crlf", "other key type", "truncated"])
def test_a_key_file_reads_as_cryptography_reads_it(tmp_path: Path, form: str) -> None:
    """The PEM that save_key writes is read without cryptography's serialization module; every
    file reads as that module reads it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = KEY.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    if form == "crlf":
        pem = pem.replace(b"\n", b"\r\n")
    elif form == "other key type":
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    elif form == "truncated":
        pem = pem.replace(pem.splitlines()[1], pem.splitlines()[1][:-8])
    (tmp_path / "publisher.key").write_bytes(pem)
    if form in ("as saved", "crlf"):
        assert public_bytes(load_private_key(tmp_path)) == PUBLIC
        assert load_private_key(tmp_path).private_bytes_raw() == KEY.private_bytes_raw()
    else:
        with pytest.raises(TrustError, match="not an Ed25519 key|not a PEM private key"):
            load_private_key(tmp_path)
