"""The newsroom's IPNS name: sign, store and publish records pointing at the newest site.

    current_record(state, key, value, *, lifetime, ttl, now) -> IpnsRow
        the newest stored record when it already points at ``value`` and has more than half
        its lifetime left; otherwise a new one (sequence + 1), signed with the publisher key,
        verified and stored in ``publish_ipns``
    publish_record(kubo, state, row) -> None
        ``routing/put`` of the record through a Kubo target, then the record is read back:
        ``name/resolve`` (``Kubo.resolve_ipns``: nocache, or cached on a node that runs offline)
        must give the record's value; when it gives another value, the record the node holds
        (``routing/get``) is fetched and verified, and if it is ours (same sequence and value)
        the node's name cache is merely older than our record. Only then is the target recorded
        as holding that sequence; anything else raises a ``PublishError`` saying why
    serve_record(state, name) -> bytes | None   the newest record of ``name`` (for the gateway)

The record is ours (signed here with ``keys/publisher.key``), never the node's own key, so the
name stays the same whichever node publishes it and survives every rebuild.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from permapress.publish.errors import PublishError, TargetRejected
from permapress.publish.http import shown
from permapress.publish.ipns import (
    IpnsRecordError,
    create_record,
    name_of_key,
    parse_rfc3339,
    verify_record,
)
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
        _check_held(kubo, row, resolved)
    state.ipns_accepted(kubo.name, row.name, row.sequence)


def _check_held(kubo: Kubo, row: IpnsRow, resolved: str) -> None:
    """The node resolved the name to something else: accept only when the record it holds is
    ours (its name cache then predates our record), else say what it holds."""
    name = parse_name(row.name)
    answer = f"the node resolves /ipns/{row.name} to {shown(resolved, 120)}, not {row.value}"
    try:
        held = verify_record(name, kubo.get_ipns(name))
    except PublishError as exc:
        raise TargetRejected(
            kubo.name, f"{answer}, and its record cannot be read ({exc.reason})"
        ) from None
    except IpnsRecordError as exc:
        raise TargetRejected(
            kubo.name, f"{answer}; the record it holds is invalid ({shown(str(exc))})"
        ) from None
    if held.sequence == row.sequence and held.value.rstrip("/") == row.value.rstrip("/"):
        return
    if held.sequence > row.sequence:
        raise TargetRejected(
            kubo.name,
            f"{answer}: it holds a newer record (sequence {held.sequence} > {row.sequence}, "
            f"pointing at {shown(held.value, 120)}) signed with the publisher key elsewhere; "
            "find which copy of the newsroom published it",
        )
    raise TargetRejected(
        kubo.name,
        f"{answer}: it kept record sequence {held.sequence} instead of ours ({row.sequence})",
    )


def serve_record(state: PublishState, name: str) -> bytes | None:
    row = state.latest_ipns(str(parse_name(name)))
    return row.record if row is not None else None
