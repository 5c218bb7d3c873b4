"""Path traversal inside DAG-CBOR and DAG-JSON blocks, as the path gateway spec describes it.

    follow(cid, data, segments) -> (link, consumed)
    links(cid, data) -> [CID, ...]      every link in a DAG-CBOR or DAG-JSON block, in order

Decodes the block (``dagcbor.decode_relaxed`` for DAG-CBOR, JSON with ``{"/": "<cid>"}`` links for
DAG-JSON) and walks ``segments`` through maps (by key) and lists (by decimal index) until it
reaches an IPLD link: it returns that link's CID and how many segments it used, so the caller
continues from the linked block with the rest. Failures, as HTTP statuses:

- a key or index that is not there (an index is ASCII digits, at most 19 of them):
  ``GatewayError(404)``;
- a path that ends on, or continues through, a value that is not a link (pathing into IPLD kinds
  other than links is not implemented by gateways): ``GatewayError(501)``;
- a block that does not decode: ``FormatError`` from the codec.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from permapress import jsonsafe
from permapress.errors import FormatError, GatewayError
from permapress.ipfs import dagcbor
from permapress.ipfs.cid import CID, DAG_CBOR, DAG_JSON

PATHABLE: Final = frozenset({DAG_CBOR, DAG_JSON})


def _json_link(value: object) -> CID | None:
    if isinstance(value, dict) and len(value) == 1:
        target = value.get("/")
        if isinstance(target, str):
            return CID.parse(target)
    return None


def _decode(cid: CID, data: bytes) -> object:
    if cid.codec == DAG_CBOR:
        # Read as go-ipld-prime and `ipfs verify` read it: real chain data holds text that is not
        # UTF-8; it is still a block whose links a client may follow.
        return dagcbor.decode_relaxed(data).value
    try:
        return jsonsafe.loads(data)
    except jsonsafe.TooDeep:
        raise FormatError(f"block {cid} is DAG-JSON nested too deeply to read") from None
    except ValueError as exc:  # bad UTF-8 too
        raise FormatError(f"block {cid} is not valid DAG-JSON: {exc}") from None


def follow(cid: CID, data: bytes, segments: Sequence[str]) -> tuple[CID, int]:
    """Walk ``segments`` inside the block until a link; see the module docstring."""
    value = _decode(cid, data)
    is_json = cid.codec == DAG_JSON
    for used, segment in enumerate(segments, start=1):
        if isinstance(value, dict) and not (is_json and _json_link(value)):
            if segment not in value:
                raise GatewayError(404, f"no field {segment!r} in block {cid}")
            value = value[segment]
        elif isinstance(value, list):
            if (
                not segment.isascii()
                or not segment.isdigit()
                or len(segment) > 19
                or int(segment) >= len(value)
            ):
                raise GatewayError(404, f"no list index {segment[:40]!r} in block {cid}")
            value = value[int(segment)]
        else:
            raise GatewayError(
                501, f"cannot path into {segment!r} of block {cid}: it is not a map, list or link"
            )
        link = value if isinstance(value, CID) else (_json_link(value) if is_json else None)
        if link is not None:
            return link, used
    raise GatewayError(
        501,
        f"the path ends inside block {cid} at a value that is not a link; "
        "only whole blocks can be returned",
    )


def links(cid: CID, data: bytes) -> list[CID]:
    """Every IPLD link in a DAG-CBOR or DAG-JSON block, in encoded order."""
    value = _decode(cid, data)
    if cid.codec == DAG_CBOR:
        return list(dagcbor.links(value))  # type: ignore[arg-type]
    found: list[CID] = []
    stack = [value]
    while stack:
        item = stack.pop()
        link = _json_link(item)
        if link is not None:
            found.append(link)
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return found
