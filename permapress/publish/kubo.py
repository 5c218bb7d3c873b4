"""Publish to a Kubo node (or anything speaking the Kubo RPC API, such as js-ipfs).

    publish_kubo(client, root, get, state, *, full=False, progress=None) -> str
        makes ``root`` (a site root) pinned on the node; returns "pinned" or "already"

How (every call is ``POST /api/v0/...``):
1. The blocks of the root's DAG the node has not confirmed yet (``publish_blocks``; all of them
   with ``full``) are sent as streamed CARv1 uploads of at most ``target.batch_mib`` MiB each,
   ``dag/import?pin-roots=false``. When the node has answered a batch, its blocks are recorded
   as confirmed; an interrupted publish resends only the unconfirmed batches.
2. The root block is sent last with ``pin-roots=true``: the node pins the whole DAG recursively
   and reports the root it pinned. A different CID is ``RootMismatch``; a pin error (the node
   lacks blocks) forgets the confirmations, so the next run sends everything again.
3. Only then is the root recorded as ``pinned``.

IPNS (each call carries ``timeout=<target.timeout>s`` so the node itself gives up in time):
``put_ipns`` stores our own signed record with ``routing/put`` (``dht/put`` on nodes that predate
it, such as js-ipfs 0.66); ``resolve_ipns`` asks ``name/resolve`` with ``nocache`` and, on a node
that refuses that because it runs offline ("cannot specify both offline and nocache", Kubo and
js-ipfs alike), asks again without it; ``get_ipns`` returns the record bytes the node holds
(``routing/get``, else ``dht/get``). Text a node sends is shown through ``http.shown``.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Iterable, Iterator, Sequence

from permapress.errors import BlockNotFound
from permapress.ipfs.car import car_header, car_section, dag_blocks
from permapress.ipfs.cid import CID, b58encode
from permapress.publish.errors import RootMismatch, TargetRejected
from permapress.publish.http import TargetClient, parse_json, shown
from permapress.publish.names import IpnsName
from permapress.publish.state import PublishState

Getter = Callable[[CID], bytes]
Progress = Callable[[int], None]
API = "/api/v0"
MAX_RECORD_ANSWER = 64 << 10  # an IPNS record is at most 10 KiB; its base64 in JSON, twice over


def multipart(
    chunks: Iterable[bytes], boundary: str, filename: str = "upload.car"
) -> Iterator[bytes]:
    """A multipart/form-data body with one ``file`` part, streamed chunk by chunk."""
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode("ascii")
    yield from chunks
    yield f"\r\n--{boundary}--\r\n".encode("ascii")


def _json_lines(text: str) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for line in text.splitlines():
        line = line.strip()
        if line:
            try:
                value = parse_json(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                out.append(value)
    return out


def _cid_text(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("/")
    return value if isinstance(value, str) else None


def same_cid(a: str, b: CID) -> bool:
    """Whether the node's CID text names the same content as ``b`` (any version or base)."""
    try:
        other = CID.parse(a)
    except Exception:  # noqa: BLE001 - a node's garbage is simply "not the same"
        return False
    return other.multihash == b.multihash and other.codec == b.codec


class Kubo:
    """The few Kubo RPC calls permapress needs."""

    def __init__(self, client: TargetClient) -> None:
        self.client = client
        self.name = client.target.name

    def _post(self, command: str, params: list[tuple[str, str]] | None = None, **kw: object) -> str:
        response = self.client.request("POST", f"{API}/{command}", params=params, **kw)  # type: ignore[arg-type]
        return response.text

    def version(self) -> str:
        data = _json_lines(self._post("version"))
        return str(data[0].get("Version", "?")) if data else "?"

    def import_car(
        self, car: Callable[[], Iterable[bytes]], *, pin_roots: bool
    ) -> list[tuple[str, str]]:
        """``dag/import`` of the CAR the factory streams; the roots the node reports."""
        boundary = "permapress-" + os.urandom(12).hex()
        params = [("pin-roots", "true" if pin_roots else "false"), ("allow-big-block", "false")]
        if pin_roots:
            params.append(self._deadline())
        text = self._post(
            "dag/import",
            params,
            body=lambda: multipart(car(), boundary),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        roots: list[tuple[str, str]] = []
        for item in _json_lines(text):
            if item.get("Type") == "error" and isinstance(item.get("Message"), str):
                # Kubo reports an error after it began streaming as a last JSON object (and an
                # X-Stream-Error trailer): the batch was not imported, nothing is confirmed.
                raise TargetRejected(
                    self.name,
                    f"dag/import failed on the node: {shown(str(item['Message']))}; "
                    "the next publish sends this part again",
                )
            root = item.get("Root")
            if isinstance(root, dict):
                cid = _cid_text(root.get("Cid"))
                roots.append((cid or "", str(root.get("PinErrorMsg") or "")))
        return roots

    def pin_ls(self, cid: CID) -> bool:
        """Whether the node holds a recursive pin of ``cid``."""
        try:
            text = self._post("pin/ls", [("arg", str(cid)), ("type", "recursive")], retry=False)
        except TargetRejected:
            return False
        for item in _json_lines(text):
            keys = item.get("Keys")
            if isinstance(keys, dict) and any(same_cid(k, cid) for k in keys):
                return True
        return False

    def refs_local(self) -> set[bytes]:
        """The multihashes of every block the node holds."""
        found: set[bytes] = set()
        for item in _json_lines(self._post("refs/local")):
            ref = item.get("Ref")
            if isinstance(ref, str) and ref:
                try:
                    found.add(CID.parse(ref).multihash)
                except Exception:  # noqa: BLE001 - skip what we cannot read
                    continue
        return found

    def _ipns_key(self, name: IpnsName) -> str:
        return f"/ipns/{b58encode(name.multihash)}"

    def _deadline(self) -> tuple[str, str]:
        return ("timeout", f"{max(1, int(self.client.target.timeout))}s")

    def put_ipns(self, name: IpnsName, record: bytes) -> None:
        key = self._ipns_key(name)
        boundary = "permapress-" + os.urandom(12).hex()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}

        def body() -> Iterator[bytes]:
            return multipart([record], boundary, "record.ipns-record")

        try:
            self._post(
                "routing/put",
                [("arg", key), ("allow-offline", "true"), self._deadline()],
                body=body,
                headers=headers,
            )
        except TargetRejected as exc:
            if "HTTP 404" not in str(exc):
                raise
            self._post("dht/put", [("arg", key), self._deadline()], body=body, headers=headers)

    def resolve_ipns(self, name: IpnsName) -> str:
        """The path the node resolves ``name`` to, as fresh as its mode allows."""
        key = self._ipns_key(name)
        params = [("arg", key), self._deadline()]
        try:
            text = self._post("name/resolve", [*params, ("nocache", "true")], max_body=4096)
        except TargetRejected as exc:
            message = str(exc).lower()
            if "offline" not in message or "nocache" not in message:
                raise
            text = self._post("name/resolve", params, max_body=4096)
        data = _json_lines(text)
        path = data[0].get("Path") if data else None
        if not isinstance(path, str) or not path:
            raise TargetRejected(
                self.name, f"name/resolve of {name} gave no path (it said '{shown(text, 80)}')"
            )
        return path

    def get_ipns(self, name: IpnsName) -> bytes:
        """The IPNS record of ``name`` the node holds (``routing/get``, else ``dht/get``)."""
        params = [("arg", self._ipns_key(name)), self._deadline()]
        try:
            text = self._post("routing/get", params, max_body=MAX_RECORD_ANSWER)
        except TargetRejected as exc:
            if "HTTP 404" not in str(exc):
                raise
            text = self._post("dht/get", params, max_body=MAX_RECORD_ANSWER)
        for item in _json_lines(text):
            extra = item.get("Extra")
            if item.get("Type", 5) == 5 and isinstance(extra, str) and extra:
                try:
                    return base64.b64decode(extra, validate=True)
                except (binascii.Error, ValueError):
                    break
        raise TargetRejected(
            self.name, f"routing/get of {name} gave no record (it said '{shown(text, 80)}')"
        )


def _car(root: CID, blocks: Sequence[CID], get: Getter) -> Callable[[], Iterator[bytes]]:
    def stream() -> Iterator[bytes]:
        yield car_header([root])
        for cid in blocks:
            yield car_section(cid, get(cid))

    return stream


def plan_batches(
    root: CID, get: Getter, skip: set[bytes], batch_bytes: int
) -> tuple[list[tuple[list[CID], int]], int, bytes]:
    """Batches (CIDs, bytes) of the DAG's blocks not in ``skip`` (root block left out), their
    total size, and the root block. ``BlockNotFound`` when our own blockstore lacks a block."""
    batches: list[tuple[list[CID], int]] = []
    current: list[CID] = []
    size = total = 0
    root_block = b""
    for cid, data in dag_blocks(root, get):
        if cid == root:
            root_block = data
            continue
        if cid.multihash in skip:
            continue
        if current and size + len(data) > batch_bytes:
            batches.append((current, size))
            current, size = [], 0
        current.append(cid)
        size += len(data)
        total += len(data)
    if current:
        batches.append((current, size))
    return batches, total, root_block


def publish_kubo(
    client: TargetClient,
    root: CID,
    get: Getter,
    state: PublishState,
    *,
    full: bool = False,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
) -> str:
    target = client.target
    row = state.root(target.name, str(root))
    kubo = Kubo(client)
    if row is not None and row.status == "pinned" and not full:
        return "already"
    state.set_root(target.name, str(root), "uploading")
    if full:
        state.forget_blocks(target.name)
    try:
        batches, total, root_block = plan_batches(
            root, get, state.confirmed(target.name), target.batch_mib << 20
        )
    except BlockNotFound as exc:
        raise TargetRejected(
            target.name, f"our blockstore lacks {exc.cid}; run `permapress build` again"
        ) from None
    if on_total is not None:
        on_total(total + len(root_block))
    for batch, size in batches:
        kubo.import_car(_car(root, batch, get), pin_roots=False)
        state.confirm_blocks(target.name, [cid.multihash for cid in batch])
        if progress is not None:
            progress(size)
    reported = kubo.import_car(_car(root, [root], get), pin_roots=True)
    if progress is not None:
        progress(len(root_block))
    if not reported:
        raise TargetRejected(
            target.name, f"the node reported no root after importing {root}; is it a Kubo RPC API?"
        )
    raw_cid, raw_error = reported[0]
    cid_text, pin_error = shown(raw_cid, 120), shown(raw_error)
    if len(reported) != 1 or not same_cid(raw_cid, root):
        state.set_root(target.name, str(root), "failed", detail=f"node reported {cid_text}")
        raise RootMismatch(
            target.name,
            f"we sent {root} but the node reports {cid_text}; nothing was marked published",
        )
    if pin_error:
        state.forget_blocks(target.name)
        state.set_root(target.name, str(root), "uploading", detail=pin_error)
        raise TargetRejected(
            target.name,
            f"the node could not pin {root} ({pin_error}); it may have dropped blocks sent "
            "earlier, so the next `permapress publish` sends everything again",
            retryable=True,
        )
    state.confirm_blocks(target.name, [root.multihash])
    state.set_root(target.name, str(root), "pinned")
    return "pinned"
