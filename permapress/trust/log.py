"""The publisher log: every publish, correction, retraction and purge, signed and hash-chained.

Each entry is canonical JSON (see ``records.canonical_json``):

    {"type": "permapress.log/1", "seq": 1, "time": "2025-07-08T09:30:00Z",
     "action": "publish" | "correct" | "retract" | "purge",
     "article": "urn:permapress:article:<slug>", "slug": "<slug>", "version": n,
     "record": "<CID of that version's record>", "previous": "<CID of entry seq-1>" or null,
     "note": "…", "publisher": "ed25519:<hex>"}

An entry made in the admin also names who acted: ``"actor": "u_…"``, the stable id of the
signed-in user (never an email). Entries without it (the command line's, and every entry
written before it existed) are exactly as before, so old logs keep their CIDs and verify. A
"schedule" entry records that a publication was scheduled; it is signed when the embargo ends,
after the "publish" entry of the same version (its note says when it was decided and for when).

An entry's CID is ``CID.hash(entry_bytes, RAW)``; the next entry names it in ``previous``, so
dropping, reordering or editing an entry breaks the chain. The signature is Ed25519 over the
entry's bytes. In the site the log is ``log.jsonl``: one line per entry, in order, each line the
canonical JSON of ``{"entry": {…}, "signature": "<128 hex digits>"}`` (without the trailing
newline of the entry; the line ends with one). ``publisher.json`` names the head.

``decode_line`` and ``check_log`` are strict and report problems as text; ``make_entry`` is pure
apart from signing (the caller passes the time). ``sign_entry`` signs a ``LogEntry`` and gives
its bytes too, and ``entry_line`` makes its log.jsonl line from them, so that appending an entry
encodes it once (``journal.append_entry``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from permapress import jsonsafe
from permapress.errors import FormatError, TrustError
from permapress.ipfs.cid import CID
from permapress.trust.keys import (
    fingerprint,
    key_text,
    parse_key_text,
    public_bytes,
    sign,
    signature_ok,
)
from permapress.trust.records import canonical_json, record_cid

LOG_TYPE = "permapress.log/1"
LOG_FILE = "log.jsonl"
Action = Literal["publish", "correct", "retract", "purge", "schedule"]
ACTIONS: tuple[str, ...] = ("publish", "correct", "retract", "purge", "schedule")
_FIELDS = {"type", "seq", "time", "action", "article", "slug", "version", "record", "previous",
           "note", "publisher"}


@dataclass(frozen=True, slots=True)
class LogEntry:
    seq: int
    time: str
    action: str
    article: str
    slug: str
    version: int
    record: str
    previous: str | None
    note: str
    publisher: bytes
    actor: str | None = None  # the admin user who acted (absent: the command line)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": LOG_TYPE, "seq": self.seq, "time": self.time, "action": self.action,
            "article": self.article, "slug": self.slug, "version": self.version,
            "record": self.record, "previous": self.previous, "note": self.note,
            "publisher": key_text(self.publisher),
        }
        if self.actor is not None:
            data["actor"] = self.actor
        return data

    def encode(self) -> bytes:
        return canonical_json(self.as_json())

    @property
    def cid(self) -> CID:
        return record_cid(self.encode())


@dataclass(frozen=True, slots=True)
class SignedEntry:
    entry: LogEntry
    signature: bytes

    def line(self) -> bytes:
        return entry_line(self.entry.encode(), self.signature)


def entry_line(data: bytes, signature: bytes) -> bytes:
    """The log.jsonl line of an entry whose canonical bytes are ``data``: the bytes of
    ``canonical_json({"entry": …, "signature": "<hex>"})`` ("entry" sorts first, and an entry
    inside the line is written as on its own), without encoding the entry again."""
    return b'{"entry":' + data[:-1] + b',"signature":"' + signature.hex().encode() + b'"}\n'


def make_entry(
    key: Ed25519PrivateKey,
    *,
    seq: int,
    time: str,
    action: str,
    article: str,
    slug: str,
    version: int,
    record: str,
    previous: str | None,
    note: str,
    actor: str | None = None,
) -> SignedEntry:
    return sign_entry(key, LogEntry(seq, time, action, article, slug, version, record, previous,
                                    note, public_bytes(key), actor))[0]  # fmt: skip


def sign_entry(key: Ed25519PrivateKey, entry: LogEntry) -> tuple[SignedEntry, bytes]:
    """``entry`` signed, and its canonical bytes (what was signed; its CID is theirs)."""
    if entry.action not in ACTIONS:
        raise TrustError(f"log action {entry.action!r} is not one of {', '.join(ACTIONS)}")
    data = entry.encode()
    return SignedEntry(entry, sign(key, data)), data


def decode_entry(value: Any, what: str) -> LogEntry:
    if not isinstance(value, dict) or set(value) - {"actor"} != _FIELDS:
        raise TrustError(f"{what}: expected the fields {sorted(_FIELDS)} (and maybe actor)")
    if value["type"] != LOG_TYPE:
        raise TrustError(f"{what}: type {value['type']!r} is not {LOG_TYPE!r}")
    if value["action"] not in ACTIONS:
        raise TrustError(f"{what}: action {value['action']!r} is not one of {', '.join(ACTIONS)}")
    for name in ("seq", "version"):
        if type(value[name]) is not int or value[name] < 1:
            raise TrustError(f"{what}: {name} {value[name]!r} is not a whole number from 1 up")
    for name in ("time", "article", "slug", "record", "note", "publisher"):
        if not isinstance(value[name], str):
            raise TrustError(f"{what}: {name} is not text")
    if value["previous"] is not None and not isinstance(value["previous"], str):
        raise TrustError(f"{what}: previous is neither a CID nor null")
    actor = value.get("actor")
    if "actor" in value and (not isinstance(actor, str) or not actor):
        raise TrustError(f"{what}: actor is not a user id")
    return LogEntry(
        value["seq"], value["time"], value["action"], value["article"], value["slug"],
        value["version"], value["record"], value["previous"], value["note"],
        parse_key_text(value["publisher"]), actor,
    )


def decode_line(line: bytes, number: int) -> SignedEntry:
    """One line of log.jsonl (with its newline), strictly."""
    what = f"log.jsonl line {number}"
    try:
        value = jsonsafe.loads(line.decode("utf-8"))
    except ValueError:  # bad UTF-8, not JSON, or nested too deeply
        raise TrustError(f"{what} is not UTF-8 JSON (or nested too deeply)") from None
    if canonical_json(value) != line:
        raise TrustError(f"{what} is not in canonical form")
    if not isinstance(value, dict) or set(value) != {"entry", "signature"}:
        raise TrustError(f"{what}: expected {{'entry', 'signature'}}")
    sig = value["signature"]
    if not isinstance(sig, str) or len(sig) != 128 or any(c not in "0123456789abcdef" for c in sig):
        raise TrustError(f"{what}: the signature is not 128 lowercase hex digits")
    return SignedEntry(decode_entry(value["entry"], what), bytes.fromhex(sig))


def encode_log(entries: list[SignedEntry]) -> bytes:
    return b"".join(e.line() for e in entries)


def parse_log(data: bytes) -> list[SignedEntry]:
    if data and not data.endswith(b"\n"):
        raise TrustError("log.jsonl does not end with a newline (it was cut short)")
    lines = data.split(b"\n")[:-1] if data else []
    return [decode_line(line + b"\n", i) for i, line in enumerate(lines, start=1)]


def check_log(entries: list[SignedEntry], publisher: bytes) -> list[str]:
    """Problems of a whole log: sequence, hash chain, signatures, one publisher key."""
    problems: list[str] = []
    previous: str | None = None
    for i, signed in enumerate(entries, start=1):
        entry = signed.entry
        where = f"log entry {entry.seq}"
        if entry.seq != i:
            problems.append(
                f"log entry at line {i} has seq {entry.seq}: an entry is missing or moved"
            )
        if entry.previous != previous:
            problems.append(
                f"{where} names {entry.previous} as the previous entry, but the entry before it "
                f"is {previous}: the log was cut, reordered or edited"
            )
        if entry.publisher != publisher:
            problems.append(f"{where} is signed by {key_text(entry.publisher)}, not the site's key")
        elif not signature_ok(entry.publisher, entry.encode(), signed.signature):
            problems.append(f"{where}: the signature is not valid (the entry was changed)")
        previous = str(entry.cid)
    return problems


PUBLISHER_FILE = "publisher.json"
PUBLISHER_TYPE = "permapress.publisher/1"


@dataclass(frozen=True, slots=True)
class PublisherInfo:
    """The site's ``publisher.json``: who signs, with which profile, and the log's head."""

    name: str
    key: bytes
    profile: str
    head: str | None
    entries: int


def publisher_document(info: PublisherInfo) -> bytes:
    """``publisher.json``: readable JSON (sorted keys, two-space indent, one newline)."""
    data = {
        "type": PUBLISHER_TYPE,
        "name": info.name,
        "key": key_text(info.key),
        "fingerprint": fingerprint(info.key),
        "profile": info.profile,
        "log": {"file": LOG_FILE, "head": info.head, "entries": info.entries},
    }
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def decode_publisher_document(data: bytes) -> PublisherInfo:
    what = PUBLISHER_FILE
    try:
        value = jsonsafe.loads(data.decode("utf-8"))
    except ValueError:  # bad UTF-8, not JSON, or nested too deeply
        raise TrustError(f"{what} is not UTF-8 JSON (or nested too deeply)") from None
    if not isinstance(value, dict) or value.get("type") != PUBLISHER_TYPE:
        raise TrustError(f"{what}: type is not {PUBLISHER_TYPE!r}")
    log: Any = value.get("log")
    try:
        key = parse_key_text(value["key"])
        info = PublisherInfo(
            str(value["name"]), key, str(value["profile"]), log["head"], int(log["entries"])
        )
        if info.head is not None:
            CID.parse(info.head)
    except (KeyError, TypeError, ValueError, OverflowError, FormatError):  # Overflow: Infinity
        raise TrustError(f"{what}: needs name, key, profile and log.head/log.entries") from None
    if value.get("fingerprint") != fingerprint(key):
        raise TrustError(f"{what}: the fingerprint is not the fingerprint of its key")
    return info
