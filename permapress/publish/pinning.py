"""Publish to an IPFS Pinning Service API 1.0 endpoint (ipfs/pinning-services-api-spec).

    publish_pinning(client, root, state, *, origins, label, poll=1.0) -> str
        "already" | "pinned" | "pending"; raises for a refused token, a failed pin, a pin of
        another CID

A pinning service fetches content itself from the IPFS network, so nothing is uploaded here: we
ask it to pin the site root and tell it where the blocks are (``origins``: our own gateway or
node as multiaddrs).

1. Resume: a pin request recorded for this root (``request_id``) is polled, not created again.
   A request made just before a crash is found with ``GET /pins?cid=…&status=…``.
2. The newest earlier root still pinned here is *replaced* (``POST /pins/{requestid}``), which
   keeps the blocks both roots share alive; without one, ``POST /pins`` creates a pin.
   The answer must name our CID, else ``RootMismatch``.
3. ``GET /pins/{requestid}`` is polled with backoff (``poll`` seconds, doubling, at most 30)
   until ``pinned`` (recorded), ``failed`` (recorded, ``TargetRejected``) or ``target.wait``
   seconds pass: then the root stays ``pinning`` and the next publish polls again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from permapress.ipfs.cid import CID
from permapress.publish.errors import RootMismatch, TargetRejected
from permapress.publish.http import TargetClient, shown
from permapress.publish.kubo import same_cid
from permapress.publish.state import PublishState

STATUSES = ("queued", "pinning", "pinned", "failed")


def _pin_status(client: TargetClient, data: Any) -> tuple[str, str, str, str]:
    """(requestid, status, cid, details) of a PinStatus, or TargetRejected when malformed."""
    if not isinstance(data, dict):
        raise TargetRejected(
            client.target.name, "the pinning service answered without a PinStatus object"
        )
    pin = data.get("pin")
    requestid, status = data.get("requestid"), data.get("status")
    cid = pin.get("cid") if isinstance(pin, dict) else None
    if not isinstance(requestid, str) or status not in STATUSES or not isinstance(cid, str):
        raise TargetRejected(
            client.target.name,
            f"the pinning service sent a malformed PinStatus: {shown(str(data))}",
        )
    info = data.get("info")
    details = info.get("status_details", "") if isinstance(info, dict) else ""
    return requestid, str(status), cid, shown(str(details))


def find_existing(client: TargetClient, root: CID) -> str | None:
    """The request id of a live pin of ``root`` at the service, if there is one."""
    params = [("cid", str(root)), ("limit", "10")] + [
        ("status", s) for s in ("queued", "pinning", "pinned")
    ]
    response = client.request("GET", "/pins", params=params)
    data = client.read_json(response, "GET /pins")
    if not isinstance(data, dict):
        raise TargetRejected(client.target.name, "GET /pins did not answer with PinResults")
    results = data.get("results", [])
    for item in results if isinstance(results, list) else []:
        requestid, _status, cid, _ = _pin_status(client, item)
        if same_cid(cid, root):
            return requestid
    return None


def _previous(state: PublishState, target: str, root: CID) -> tuple[str, str] | None:
    for row in reversed(state.roots(target)):
        if row.root_cid != str(root) and row.request_id and row.status in ("pinned", "pinning"):
            return row.root_cid, row.request_id
    return None


def _create(
    client: TargetClient, root: CID, state: PublishState, origins: tuple[str, ...], label: str
) -> str:
    name = client.target.name
    body: dict[str, Any] = {"cid": str(root), "name": label[:255], "meta": {"app": "permapress"}}
    if origins:
        body["origins"] = list(origins[:20])
    previous = _previous(state, name, root)
    response = None
    if previous is not None:
        try:
            response = client.request("POST", f"/pins/{previous[1]}", json=body)
        except TargetRejected as exc:
            if "HTTP 404" not in str(exc):
                raise
    if response is None:
        response = client.request("POST", "/pins", json=body)
    data = client.read_json(response, "POST /pins")
    requestid, status, cid, _details = _pin_status(client, data)
    if not same_cid(cid, root):
        raise RootMismatch(
            name,
            f"we asked to pin {root} but the service reports {cid}; nothing was marked published",
        )
    state.set_root(name, str(root), "pinning", request_id=requestid, detail=status)
    if previous is not None and response.request.url.path.endswith(previous[1]):
        state.set_root(name, previous[0], "replaced", detail=f"replaced by {root}")
    return requestid


def publish_pinning(
    client: TargetClient,
    root: CID,
    state: PublishState,
    *,
    origins: tuple[str, ...],
    label: str,
    poll: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> str:
    name = client.target.name
    row = state.root(name, str(root))
    if row is not None and row.status == "pinned":
        return "already"
    requestid = row.request_id if row is not None and row.status == "pinning" else None
    if requestid is None:
        requestid = find_existing(client, root)
        if requestid is not None:
            state.set_root(
                name, str(root), "pinning", request_id=requestid, detail="found at the service"
            )
    if requestid is None:
        requestid = _create(client, root, state, origins, label)
    deadline = clock() + client.target.wait
    delay = poll
    while True:
        try:
            response = client.request("GET", f"/pins/{requestid}")
        except TargetRejected as exc:
            if "HTTP 404" in str(exc):
                state.set_root(
                    name, str(root), "failed", detail="the service forgot the pin request"
                )
                raise TargetRejected(
                    name, f"the pin request for {root} vanished at the service; publish again"
                ) from None
            raise
        _rid, status, cid, details = _pin_status(client, client.read_json(response, "GET /pins/…"))
        if not same_cid(cid, root):
            raise RootMismatch(name, f"pin request {requestid} is for {cid}, not {root}")
        if status == "pinned":
            state.set_root(name, str(root), "pinned", detail="pinned")
            return "pinned"
        if status == "failed":
            state.set_root(name, str(root), "failed", detail=details or "failed")
            raise TargetRejected(
                name, f"the pinning service could not pin {root}: {details or 'no details given'}"
            )
        state.set_root(name, str(root), "pinning", detail=details or status)
        if clock() + delay > deadline:
            return "pending"
        sleep(delay)
        delay = min(delay * 2, 30.0)
