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

UnixFS steps go through ``reader.resolve_path`` one segment at a time; steps that start in a
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

from permapress.errors import BlockNotFound, GatewayError, IpfsError, VerifyError
from permapress.ipfs import reader
from permapress.ipfs.cid import CID, DAG_PB, RAW
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


def resolve(root: CID, segments: Sequence[str], get: Getter) -> Resolved:
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
                following, traversed = reader.resolve_path(current, [segments[index]], get)
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
