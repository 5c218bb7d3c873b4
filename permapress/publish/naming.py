"""The newsroom's IPNS name: sign, store and publish records pointing at the newest site.

    current_record(state, key, value, *, lifetime, ttl, now) -> IpnsRow
        the newest stored record when it already points at ``value`` and has more than half
        its lifetime left; otherwise a new one (sequence + 1), signed with the publisher key,
        verified and stored in ``publish_ipns``
    publish_record(kubo, state, row, target) -> None
        ``routing/put`` of the record through a Kubo target, then ``name/resolve`` must give the
        record's value back; only then is the target recorded as holding that sequence
    serve_record(state, name) -> bytes | None   the newest record of ``name`` (for the gateway)

The record is ours (signed here with ``keys/publisher.key``), never the node's own key, so the
name stays the same whichever node publishes it and survives every rebuild.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from permapress.publish.errors import TargetRejected
from permapress.publish.ipns import create_record, name_of_key, parse_rfc3339, verify_record
from permapress.publish.kubo import Kubo
from permapress.publish.names import parse_name
from permapress.publish.state import IpnsRow, PublishState


def current_record(
    state: PublishState,
    key: Ed25519PrivateKey,
    value: str,
    *,
    lifetime: timedelta,
    ttl: timedelta,
    now: datetime | None = None,
) -> IpnsRow:
    moment = now or datetime.now(UTC)
    name = name_of_key(key)
    latest = state.latest_ipns(str(name))
    if latest is not None and latest.value == value:
        remaining = parse_rfc3339(latest.validity) - moment
        if remaining > lifetime / 2:
            return latest
    sequence = latest.sequence + 1 if latest is not None else 0
    ttl_ns = int(ttl.total_seconds()) * 1_000_000_000
    record = create_record(key, value, sequence, moment + lifetime, ttl_ns)
    verified = verify_record(name, record, now=moment)
    validity = verified.validity.isoformat().replace("+00:00", "Z")
    state.save_ipns(str(name), sequence, value, validity, record)
    row = state.latest_ipns(str(name))
    assert row is not None
    return row


def publish_record(kubo: Kubo, state: PublishState, row: IpnsRow) -> None:
    name = parse_name(row.name)
    kubo.put_ipns(name, row.record)
    resolved = kubo.resolve_ipns(name)
    if resolved.rstrip("/") != row.value.rstrip("/"):
        raise TargetRejected(
            kubo.name,
            f"the node resolves /ipns/{row.name} to {resolved}, not {row.value}; "
            "it may hold a newer record from elsewhere",
        )
    state.ipns_accepted(kubo.name, row.name, row.sequence)


def serve_record(state: PublishState, name: str) -> bytes | None:
    row = state.latest_ipns(str(parse_name(name)))
    return row.record if row is not None else None
