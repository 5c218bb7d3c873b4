"""The publisher log's optional ``actor``: entries from the admin name the user who acted;
entries without it are read exactly as before (same bytes, same CID)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from permapress.errors import TrustError
from permapress.trust.keys import public_bytes
from permapress.trust.log import SignedEntry, check_log, decode_line, make_entry, parse_log


def _entry(key: Ed25519PrivateKey, seq: int, previous: str | None, actor: str | None = None,
           action: str = "publish") -> SignedEntry:
    return make_entry(key, seq=seq, time="2026-01-02T03:04:05Z", action=action,
                      article="urn:permapress:article:a", slug="a", version=seq,
                      record="bafkreiexample", previous=previous, note="n", actor=actor)


def test_entry_without_actor_has_the_old_fields() -> None:
    key = Ed25519PrivateKey.generate()
    line = _entry(key, 1, None).line()
    assert b'"actor"' not in line
    assert decode_line(line, 1).entry.actor is None


def test_actor_round_trips_and_is_signed() -> None:
    key = Ed25519PrivateKey.generate()
    first = _entry(key, 1, None)
    second = _entry(key, 2, str(first.entry.cid), actor="u_abcdefghijklmnop", action="schedule")
    data = first.line() + second.line()
    entries = parse_log(data)
    assert entries[1].entry.actor == "u_abcdefghijklmnop"
    assert entries[1].entry.action == "schedule"
    assert check_log(entries, public_bytes(key)) == []
    forged = data.replace(b"u_abcdefghijklmnop", b"u_zzzzzzzzzzzzzzzz")
    problems = check_log(parse_log(forged), public_bytes(key))
    assert any("signature is not valid" in p for p in problems)


def test_actor_must_be_text_and_no_other_field_is_accepted() -> None:
    key = Ed25519PrivateKey.generate()
    line = _entry(key, 1, None, actor="u_x").line()
    with pytest.raises(TrustError, match="actor"):
        decode_line(line.replace(b'"actor":"u_x"', b'"actor":7'), 1)
    with pytest.raises(TrustError, match="expected the fields"):
        decode_line(line.replace(b'"actor":"u_x"', b'"actress":"u_x"'), 1)
