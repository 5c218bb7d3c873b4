"""Signed version records: what a newsroom vouches for when it publishes one version of an article.

A record is canonical JSON (keys sorted, no spaces, UTF-8, a trailing newline) of:

    {"type": "permapress.version/1",
     "article": "urn:permapress:article:<slug>",   stable across versions
     "version": n,                                  1, 2, 3 …
     "content": {"index.html": "<CID>", "article.md": "<CID>", "article.json": "<CID>",
                 "media/<name>": "<CID>", …},       every content file of the bundle
     "previous": "<CID of version n-1's record>" or null for version 1,
     "published": "2025-07-08T09:30:00Z",           this version's time (the article's date)
     "note": "…",                                   the correction note ("" for version 1)
     "publisher": {"key": "ed25519:<hex>", "fingerprint": "XXXX-…", "name": "…"}}

Its signature is a detached Ed25519 signature over the exact bytes of the record file, stored as
128 lowercase hex digits and a newline. A record's CID is ``CID.hash(record_bytes, RAW)``: with
the default profiles (raw leaves) that is also the CID of the record file inside the bundle.

In a bundle the record sits beside the content it signs; the content manifest names only the
content files, so there is no cycle:

    record/version.json      this version's record
    record/version.sig       its signature
    record/chain/<k>.json    the records of versions 1 … n-1 (and their .sig), so a bundle's
    record/chain/<k>.sig     CAR carries the whole history of signatures back to version 1

``encode_record`` / ``decode_record`` are a pair; decode accepts only the canonical encoding,
the exact set of fields and sane values, and raises ``TrustError`` naming what is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from permapress import jsonsafe
from permapress.errors import FormatError, TrustError
from permapress.ipfs.cid import CID, RAW
from permapress.trust.keys import fingerprint, key_text, parse_key_text

RECORD_TYPE = "permapress.version/1"
RECORD_DIR = "record"
RECORD_FILE = "version.json"
SIGNATURE_FILE = "version.sig"
CHAIN_DIR = "chain"
_FIELDS = {"type", "article", "version", "content", "previous", "published", "note", "publisher"}
_PUBLISHER_FIELDS = {"key", "fingerprint", "name"}


@dataclass(frozen=True, slots=True)
class Publisher:
    """Who signs: the raw Ed25519 public key and the newsroom's name."""

    key: bytes
    name: str

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.key)

    def as_json(self) -> dict[str, str]:
        return {"key": key_text(self.key), "fingerprint": self.fingerprint, "name": self.name}


@dataclass(frozen=True, slots=True)
class VersionRecord:
    """One version of one article, as its publisher signed it."""

    article: str
    version: int
    content: tuple[tuple[str, str], ...]  # (path in the bundle, CID text), sorted by path
    previous: str | None
    published: str
    note: str
    publisher: Publisher

    @property
    def published_at(self) -> datetime:
        return datetime.fromisoformat(self.published.replace("Z", "+00:00"))

    def content_map(self) -> dict[str, str]:
        return dict(self.content)


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8, one trailing newline."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


def load_canonical(data: bytes, what: str) -> Any:
    """Parse JSON that must be in canonical form (so its bytes, and its CID, are the only ones)."""
    try:
        value = jsonsafe.loads(data.decode("utf-8"))
    except ValueError:  # bad UTF-8, not JSON, or nested too deeply
        raise TrustError(f"{what} is not UTF-8 JSON (or nested too deeply)") from None
    if canonical_json(value) != data:
        raise TrustError(f"{what} is not in canonical form (sorted keys, no spaces, one newline)")
    return value


def record_cid(data: bytes) -> CID:
    """The CID of a record (or any signed file): CIDv1, raw, sha2-256 of its bytes."""
    return CID.hash(data, RAW)


def encode_record(record: VersionRecord) -> bytes:
    _check_content(dict(record.content), "record")
    return canonical_json(
        {
            "type": RECORD_TYPE,
            "article": record.article,
            "version": record.version,
            "content": dict(record.content),
            "previous": record.previous,
            "published": record.published,
            "note": record.note,
            "publisher": record.publisher.as_json(),
        }
    )


def _check_content(content: Mapping[str, Any], what: str) -> None:
    if not content:
        raise TrustError(f"{what}: the content manifest is empty")
    for path, cid in content.items():
        parts = path.split("/")
        if not path or "" in parts or "." in parts or ".." in parts or parts[0] == RECORD_DIR:
            raise TrustError(f"{what}: {path!r} cannot be a content file of a bundle")
        if not isinstance(cid, str):
            raise TrustError(f"{what}: the CID of {path!r} is not text")
        try:
            CID.parse(cid)
        except FormatError:
            raise TrustError(f"{what}: {cid!r} (for {path!r}) is not a CID") from None


def decode_record(data: bytes, what: str = "version record") -> VersionRecord:
    """Parse and check a record file; ``TrustError`` names the field that is wrong."""
    value = load_canonical(data, what)
    if not isinstance(value, dict) or set(value) != _FIELDS:
        found = sorted(value) if isinstance(value, dict) else type(value).__name__
        raise TrustError(f"{what}: expected the fields {sorted(_FIELDS)}, found {found}")
    if value["type"] != RECORD_TYPE:
        raise TrustError(f"{what}: type {value['type']!r} is not {RECORD_TYPE!r}")
    article, number, previous = value["article"], value["version"], value["previous"]
    if not isinstance(article, str) or not article.startswith("urn:"):
        raise TrustError(f"{what}: article {article!r} is not a urn: identifier")
    if type(number) is not int or number < 1:
        raise TrustError(f"{what}: version {number!r} is not a whole number from 1 up")
    if (number == 1) != (previous is None):
        raise TrustError(
            f"{what}: version {number} with previous {previous!r} (only version 1 has none)"
        )
    if previous is not None:
        try:
            CID.parse(previous)
        except (FormatError, TypeError, AttributeError):
            raise TrustError(f"{what}: previous {previous!r} is not a CID") from None
    if not isinstance(value["content"], dict):
        raise TrustError(f"{what}: content is not an object of path -> CID")
    _check_content(value["content"], what)
    published = value["published"]
    if not isinstance(published, str) or not _is_aware_time(published):
        raise TrustError(f"{what}: published {published!r} is not a date-time with a timezone")
    if not isinstance(value["note"], str):
        raise TrustError(f"{what}: note is not text")
    return VersionRecord(
        article=article,
        version=number,
        content=tuple(sorted(value["content"].items())),
        previous=previous,
        published=published,
        note=value["note"],
        publisher=decode_publisher(value["publisher"], what),
    )


def decode_publisher(value: Any, what: str) -> Publisher:
    if not isinstance(value, dict) or set(value) != _PUBLISHER_FIELDS:
        raise TrustError(f"{what}: publisher must have exactly {sorted(_PUBLISHER_FIELDS)}")
    if not isinstance(value["key"], str) or not isinstance(value["name"], str):
        raise TrustError(f"{what}: publisher key and name must be text")
    publisher = Publisher(parse_key_text(value["key"]), value["name"])
    if value["fingerprint"] != publisher.fingerprint:
        raise TrustError(
            f"{what}: fingerprint {value['fingerprint']!r} is not the fingerprint of its key "
            f"({publisher.fingerprint})"
        )
    return publisher


def _is_aware_time(text: str) -> bool:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return moment.tzinfo is not None


def encode_signature(signature: bytes) -> bytes:
    return (signature.hex() + "\n").encode("ascii")


def decode_signature(data: bytes, what: str = "signature") -> bytes:
    text = data.decode("ascii", errors="replace")
    body = text[:-1] if text.endswith("\n") else ""
    if len(body) != 128 or not all(c in "0123456789abcdef" for c in body):
        raise TrustError(f"{what} is not 128 lowercase hex digits and a newline")
    return bytes.fromhex(body)


def record_tree(
    record: bytes, signature: bytes, chain: Sequence[tuple[int, bytes, bytes]]
) -> dict[str, Any]:
    """The bundle's ``record/`` folder: this record, its signature and the earlier ones.

    ``chain`` holds (version, record bytes, signature) of versions 1 … n-1.
    """
    earlier: dict[str, bytes] = {}
    for number, data, sig in chain:
        earlier[f"{number}.json"] = data
        earlier[f"{number}.sig"] = encode_signature(sig)
    tree: dict[str, Any] = {RECORD_FILE: record, SIGNATURE_FILE: encode_signature(signature)}
    if earlier:
        tree[CHAIN_DIR] = earlier
    return tree
