"""The publisher log: signed entries, the hash chain, strict lines, publisher.json."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from permapress.errors import TrustError
from permapress.trust.keys import fingerprint, public_bytes
from permapress.trust.log import (
    PublisherInfo,
    SignedEntry,
    check_log,
    decode_publisher_document,
    encode_log,
    entry_line,
    make_entry,
    parse_log,
    publisher_document,
)
from permapress.trust.records import canonical_json

KEY = Ed25519PrivateKey.from_private_bytes(b"\x01" * 32)
OTHER = Ed25519PrivateKey.from_private_bytes(b"\x02" * 32)


def chain(key: Ed25519PrivateKey = KEY, count: int = 4) -> list[SignedEntry]:
    entries: list[SignedEntry] = []
    previous = None
    for seq in range(1, count + 1):
        signed = make_entry(
            key,
            seq=seq,
            time=f"2025-07-0{seq}T10:00:00Z",
            action="publish" if seq == 1 else "correct",
            article="urn:permapress:article:a",
            slug="a",
            version=seq,
            record="bafkreiabc",
            previous=previous,
            note=f"note {seq}",
        )
        entries.append(signed)
        previous = str(signed.entry.cid)
    return entries


def test_a_good_log_round_trips_and_checks() -> None:
    entries = chain()
    data = encode_log(entries)
    assert data.count(b"\n") == 4
    assert parse_log(data) == entries
    assert check_log(entries, public_bytes(KEY)) == []
    assert parse_log(b"") == []


def test_a_dropped_entry_breaks_the_chain() -> None:
    entries = chain()
    problems = check_log(entries[:1] + entries[2:], public_bytes(KEY))
    assert any("has seq 3" in p for p in problems)
    assert any("cut, reordered or edited" in p for p in problems)


def test_reordered_entries_are_found() -> None:
    entries = chain()
    problems = check_log([entries[0], entries[2], entries[1], entries[3]], public_bytes(KEY))
    assert any("cut, reordered or edited" in p for p in problems)


def test_an_edited_entry_fails_its_signature() -> None:
    entries = chain()
    line = json.loads(entries[1].line())
    line["entry"]["note"] = "nothing happened"
    data = encode_log(entries).replace(
        entries[1].line(),
        json.dumps(line, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        + b"\n",
    )
    problems = check_log(parse_log(data), public_bytes(KEY))
    assert any("entry 2: the signature is not valid" in p for p in problems)


def test_another_key_is_named() -> None:
    problems = check_log(chain(OTHER), public_bytes(KEY))
    assert problems and all("not the site's key" in p for p in problems)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"entry":{},"signature":"00"}', "does not end with a newline"),
        (b"not json\n", "not UTF-8 JSON"),
        (b'{"signature": "x", "entry": {}}\n', "canonical"),
        (b'{"entry":{},"signature":"00"}\n', "128 lowercase hex"),
        (b'{"entry":{},"signature":"' + b"0" * 128 + b'"}\n', "expected the fields"),
    ],
)
def test_bad_lines_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(TrustError, match=reason):
        parse_log(data)


def test_unknown_action_is_refused() -> None:
    with pytest.raises(TrustError, match="not one of"):
        make_entry(
            KEY,
            seq=1,
            time="t",
            action="delete",
            article="a",
            slug="a",
            version=1,
            record="r",
            previous=None,
            note="",
        )


def test_publisher_document_round_trip() -> None:
    info = PublisherInfo("The Courier", public_bytes(KEY), "unixfs-v1-2025", "bafkreiabc", 3)
    info = PublisherInfo(info.name, info.key, info.profile, str(chain()[0].entry.cid), 3)
    data = publisher_document(info)
    assert json.loads(data)["fingerprint"] == fingerprint(public_bytes(KEY))
    assert decode_publisher_document(data) == info
    tampered = json.loads(data)
    tampered["key"] = "ed25519:" + public_bytes(OTHER).hex()
    with pytest.raises(TrustError, match="fingerprint"):
        decode_publisher_document(json.dumps(tampered).encode())


@given(st.binary(max_size=200))
def test_random_log_bytes_raise_only_trust_errors(data: bytes) -> None:
    try:
        parse_log(data)
    except TrustError as exc:
        assert str(exc)  # a message a person can act on, never another exception


@given(st.text(), st.text(), st.one_of(st.none(), st.text(min_size=1)))
def test_a_line_made_from_the_entry_bytes_is_the_canonical_json_of_entry_and_signature(
    note: str, slug: str, actor: str | None
) -> None:
    signed = make_entry(
        KEY, seq=3, time="2025-07-08T09:30:00Z", action="correct",
        article=f"urn:permapress:article:{slug}", slug=slug, version=2, record="bafkreiabc",
        previous=None, note=note, actor=actor,
    )  # fmt: skip
    whole = canonical_json({"entry": signed.entry.as_json(), "signature": signed.signature.hex()})
    assert entry_line(signed.entry.encode(), signed.signature) == whole == signed.line()
    assert parse_log(whole) == [signed]
