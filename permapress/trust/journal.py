"""Append to the newsroom's publisher log (kept in the catalog, published as ``log.jsonl``).

    append_entry(catalog, key, action=…, slug=…, version=…, record=…, note=…, time=…)

Call it inside ``catalog.transaction()``, together with the change it records, so a version
and its log entry are stored together or not at all. The next sequence number and the previous
entry's CID come from the catalog's current head.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from permapress.articles.slug import article_uri
from permapress.catalog import Catalog
from permapress.trust.keys import public_bytes
from permapress.trust.log import LogEntry, SignedEntry, entry_line, parse_log, sign_entry
from permapress.trust.records import record_cid


def log_time(moment: datetime) -> str:
    """A log entry's time: UTC, whole seconds, "Z"."""
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def append_entry(
    catalog: Catalog,
    key: Ed25519PrivateKey,
    *,
    action: str,
    slug: str,
    version: int,
    record: str,
    note: str,
    time: datetime,
    actor: str | None = None,
) -> SignedEntry:
    head = catalog.log_head()
    seq, previous = (head[0] + 1, head[1]) if head else (1, None)
    entry = LogEntry(seq, log_time(time), action, article_uri(slug), slug, version, record,
                     previous, note, public_bytes(key), actor)  # fmt: skip
    signed, data = sign_entry(key, entry)  # encoded once: signed, named and written from it
    catalog.append_log(seq, str(record_cid(data)), entry_line(data, signed.signature).decode())
    return signed


def read_entries(catalog: Catalog) -> list[SignedEntry]:
    """The whole log, oldest first."""
    return parse_log("".join(catalog.log_lines()).encode("utf-8"))
