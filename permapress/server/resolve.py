"""Content path resolution for the gateway and the website: ``/ipfs/{root}/a/b`` -> a node.

    resolve(root, segments, get) -> Resolved
        cid          the terminal CID
        kind         "file" | "directory" | "hamt" | "symlink" | "raw" | "other"
                     (``reader.stat``; "other" for codecs that are not UnixFS, e.g. DAG-CBOR)
        size         file size in bytes when known
        roots        the logical roots: ``root``, then the CID reached by each path step
                     (what ``X-Ipfs-Roots`` lists; HAMT shards are not logical roots)
        path_blocks  every block needed to verify the path from ``root`` to the terminal,
                     terminal excluded, HAMT shards included, in traversal order
                     (what a CAR response sends before the terminal's own blocks)

UnixFS steps go one segment at a time, through the directory or HAMT shards decoded once
(``Nodes``: each gateway keeps its own bounded cache of decoded dag-pb UnixFS nodes by CID, so
the root shard of a 10,000-article site's ``articles/`` is not decoded again for every page);
anything unusual on the way (a name not there, a node that is not a directory, a bad shard) is
handed to ``reader.resolve_path``, which raises exactly what it always did; steps that start in a
DAG-CBOR or DAG-JSON block follow IPLD links (``ipld.follow``). Failures raise
``GatewayError``: 404 when a segment does not exist, a block on the way is missing, or the
path goes into something that is not a directory; 501 for paths into IPLD values that are not
links. Other data errors (``IpfsError``) on the way become 404 as well: the path cannot be
followed with the data this gateway holds. A block missing on the way raises ``MissingBlock``
(a 404 ``GatewayError`` that callers should not cache: the block may be stored later). A
``VerifyError`` (a store that checks blocks as it reads them found one damaged) is raised as it
is: the data is there but bad, which callers answer as damaged, not as absent.

``split_path(text)`` turns the decoded URL path after the CID into segments: empty segments
are dropped, ``.`` is skipped and ``..`` goes up one level without ever leaving the root.
``small_path(segments)``: short enough to be part of a cache key (at most 64 segments and
1024 characters), so hostile long paths cannot fill the server's memory through its caches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from permapress.errors import (
    BlockNotFound,
    FormatError,
    GatewayError,
    IpfsError,
    UnsupportedError,
    VerifyError,
)
from permapress.ipfs import reader
from permapress.ipfs.cid import CID, DAG_PB, RAW
from permapress.ipfs.unixfs import DIRECTORY, HAMT_SHARD
from permapress.server.cache import LRU
from permapress.server.ipld import PATHABLE, follow

Getter = Callable[[CID], bytes]


class MissingBlock(GatewayError):
    """A 404 because a block on the way is not in the blockstore (it may arrive later)."""


@dataclass(frozen=True, slots=True)
class Resolved:
    cid: CID
    kind: str
    size: int | None
    roots: tuple[CID, ...]
    path_blocks: tuple[CID, ...]

    @property
    def is_directory(self) -> bool:
        return self.kind in ("directory", "hamt")


def small_path(segments: Sequence[str]) -> bool:
    return len(segments) <= 64 and sum(map(len, segments)) <= 1024


def split_path(text: str) -> tuple[str, ...]:
    segments: list[str] = []
    for part in text.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if segments:
                segments.pop()
            continue
        segments.append(part)
    return tuple(segments)


def _shown(root: CID, segments: Sequence[str]) -> str:
    return "/ipfs/" + "/".join([str(root), *segments])


Decoded = reader.Decoded


class Nodes:
    """Decoded directories and HAMT shards by CID (bounded by count and by links held)."""

    def __init__(self, max_items: int = 4096, max_links: int = 1 << 20) -> None:
        # a link costs about 200 bytes decoded: a million links is some 200 MiB at most
        self._lru: LRU[CID, Decoded] = LRU(max_items, max_links, lambda d: len(d[0].links) + 1)

    def get(self, cid: CID, get: Getter) -> Decoded | None:
        """The decoded node, or None when it is not a UnixFS directory or shard."""
        known = self._lru.get(cid)
        if known is not None:
            return known
        decoded = reader.unixfs_node(cid, reader.load(cid, get))
        if decoded is None or decoded[1].type not in (DIRECTORY, HAMT_SHARD):
            return None
        self._lru.put(cid, decoded)
        return decoded


def _step(current: CID, segment: str, get: Getter, nodes: Nodes) -> tuple[CID, list[CID]]:
    """One UnixFS path step (see the module docstring): (the CID reached, blocks traversed)."""
    traversed = [current]
    decoded = nodes.get(current, get)
    found = None
    if decoded is not None:
        node, fs = decoded
        if fs.type == DIRECTORY:
            found = next((link.cid for link in node.links if link.name == segment), None)
        else:
            found = _in_hamt(current, decoded, segment, get, nodes, traversed)
    if found is None:  # let the reader say what is wrong, as it always has
        return reader.resolve_path(current, [segment], get)
    return found, traversed


def _in_hamt(
    cid: CID, decoded: Decoded, name: str, get: Getter, nodes: Nodes, traversed: list[CID]
) -> CID | None:
    """``name`` in the HAMT at ``cid``; None for anything but a plain find."""
    node, fs = decoded
    try:
        return reader.hamt_lookup(cid, node, fs, name, lambda c: nodes.get(c, get), traversed)
    except (FormatError, UnsupportedError):
        return None


def resolve(
    root: CID, segments: Sequence[str], get: Getter, nodes: Nodes | None = None
) -> Resolved:
    """Follow ``segments`` from ``root``; see the module docstring."""
    roots = [root]
    blocks: list[CID] = []
    seen: set[CID] = set()

    def note(cid: CID) -> None:
        if cid not in seen:
            seen.add(cid)
            blocks.append(cid)

    current = root
    index = 0
    try:
        while index < len(segments):
            if current.codec in PATHABLE:
                link, used = follow(current, get(current), segments[index:])
                note(current)
                current = link
                index += used
            elif current.codec == DAG_PB:
                if nodes is None:
                    following, traversed = reader.resolve_path(current, [segments[index]], get)
                else:
                    following, traversed = _step(current, segments[index], get, nodes)
                note(current)
                for cid in traversed:
                    if cid != following:
                        note(cid)
                current = following
                index += 1
            else:
                raise GatewayError(
                    404,
                    f"{_shown(root, segments[:index])} is not a directory, so it has no "
                    f"{segments[index]!r}",
                )
            roots.append(current)
        if current.codec in (DAG_PB, RAW):
            info = reader.stat(current, get)
            kind, size = info.kind, info.size
        else:
            get(current)  # the terminal block must exist
            kind, size = "other", None
    except (GatewayError, VerifyError):
        raise
    except BlockNotFound as exc:
        shown = _shown(root, segments)
        raise MissingBlock(404, f"{shown} cannot be followed: {exc}") from None
    except IpfsError as exc:
        shown = _shown(root, segments)
        raise GatewayError(404, f"{shown} was not found on this gateway ({exc})") from None
    return Resolved(current, kind, size, tuple(roots), tuple(blocks))
