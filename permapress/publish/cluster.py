"""Publish to an IPFS Cluster through its REST API (default port 9094).

    publish_cluster(client, root, get, state, *, label, poll=1.0, progress=None) -> str
        "already" | "pinned" | "pending"
    peer_status(client, root) -> dict[peer name, (status, error)]

1. Unless the root was already added, ``POST /add?format=car`` streams the whole DAG as a CARv1
   (multipart ``file``) with ``name`` and, when set, ``replication-min``/``replication-max``. The
   cluster imports it and pins the root on the peers it allocates; its answer must name our
   root, else ``RootMismatch``. (A cluster add is one request; an interrupted one is sent again.)
2. ``GET /pins/{cid}`` (a GlobalPinInfo) is polled with backoff: done when every allocated peer
   reports ``pinned``; any ``pin_error``/``cluster_error`` is a failure naming the peer; after
   ``target.wait`` seconds the root stays ``pinning`` and ``status`` shows each peer.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from permapress.ipfs.car import car_header, car_section, dag_blocks
from permapress.ipfs.cid import CID
from permapress.publish.errors import RootMismatch, TargetRejected
from permapress.publish.http import TargetClient, parse_json, shown
from permapress.publish.kubo import multipart, same_cid
from permapress.publish.state import PublishState

Getter = Callable[[CID], bytes]
FAILED = ("pin_error", "cluster_error", "error", "unexpectedly_unpinned")
IGNORED = ("remote", "sharded")


def _cid_of(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("/")
    return value if isinstance(value, str) else None


def _outputs(text: str) -> list[dict[str, Any]]:
    text = text.strip()
    if text.startswith("["):
        try:
            data = parse_json(text)
        except ValueError:
            return []
        return [d for d in data if isinstance(d, dict)]
    out = []
    for line in text.splitlines():
        try:
            item = parse_json(line)
        except ValueError:
            continue
        if isinstance(item, dict):
            out.append(item)
    return out


def peer_status(client: TargetClient, root: CID) -> dict[str, tuple[str, str]]:
    """Each cluster peer's status for ``root`` (peers not asked to hold it are left out)."""
    response = client.request("GET", f"/pins/{root}")
    data = client.read_json(response, f"GET /pins/{root}")
    peers = data.get("peer_map") if isinstance(data, dict) else None
    if not isinstance(peers, dict):
        raise TargetRejected(client.target.name, f"GET /pins/{root} has no peer_map")
    if not same_cid(_cid_of(data.get("cid")) or "", root):
        raise RootMismatch(
            client.target.name, f"the cluster reports {shown(str(data.get('cid')), 120)} for {root}"
        )
    result: dict[str, tuple[str, str]] = {}
    for peer_id, info in sorted(peers.items()):
        if not isinstance(info, dict):
            continue
        status = shown(str(info.get("status", "undefined")), 40)
        if status in IGNORED:
            continue
        label = shown(str(info.get("peername") or peer_id), 80)
        result[label] = (status, shown(str(info.get("error") or "")))
    return result


def _car(root: CID, get: Getter, progress: Callable[[int], None] | None) -> Iterator[bytes]:
    yield car_header([root])
    for cid, data in dag_blocks(root, get):
        yield car_section(cid, data)
        if progress is not None:
            progress(len(data))


def _add(
    client: TargetClient, root: CID, get: Getter, label: str, progress: Callable[[int], None] | None
) -> None:
    target = client.target
    boundary = "permapress-" + os.urandom(12).hex()
    params: list[tuple[str, str]] = [
        ("format", "car"),
        ("name", label),
        ("stream-channels", "false"),
    ]
    if target.replication_min is not None:
        params.append(("replication-min", str(target.replication_min)))
    if target.replication_max is not None:
        params.append(("replication-max", str(target.replication_max)))
    response = client.request(
        "POST",
        "/add",
        params=params,
        body=lambda: multipart(_car(root, get, progress), boundary, "site.car"),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    reported = [_cid_of(o.get("cid")) for o in _outputs(response.text)]
    reported_cids = [c for c in reported if c]
    if not any(same_cid(c, root) for c in reported_cids):
        reported_text = shown(", ".join(reported_cids), 120) or "nothing"
        raise RootMismatch(
            target.name,
            f"we added {root} but the cluster reports {reported_text}; "
            "nothing was marked published",
        )


def publish_cluster(
    client: TargetClient,
    root: CID,
    get: Getter,
    state: PublishState,
    *,
    label: str,
    poll: float = 1.0,
    progress: Callable[[int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> str:
    name = client.target.name
    row = state.root(name, str(root))
    if row is not None and row.status == "pinned":
        return "already"
    if row is None or row.status != "pinning":
        state.set_root(name, str(root), "uploading")
        _add(client, root, get, label, progress)
        state.set_root(name, str(root), "pinning", detail="added")
    deadline = clock() + client.target.wait
    delay = poll
    while True:
        peers = peer_status(client, root)
        detail = shown(", ".join(f"{peer} {status}" for peer, (status, _e) in peers.items()), 400)
        failed = [(p, e) for p, (s, e) in peers.items() if s in FAILED]
        if failed:
            peer, error = failed[0]
            state.set_root(name, str(root), "failed", detail=detail)
            raise TargetRejected(
                name, f"cluster peer {peer} could not pin {root}: {error or 'no details'}"
            )
        if peers and all(s == "pinned" for s, _e in peers.values()):
            state.set_root(name, str(root), "pinned", detail=detail)
            return "pinned"
        state.set_root(name, str(root), "pinning", detail=detail or "no peer reports yet")
        if clock() + delay > deadline:
            return "pending"
        sleep(delay)
        delay = min(delay * 2, 30.0)
