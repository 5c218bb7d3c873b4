"""Changes inside a HAMT-sharded directory, for ``ipfs.patch.patch_tree``.

    patch_shard(node, changes, fanout, profile, get, sink, child, new_names) -> Imported

``changes`` maps entry names to what replaces them (``child(link, change)`` makes the new
link), or to ``REMOVED``; with ``new_names`` a name that is not there yet is put in. The shard
comes out as ``hamt.build_shard`` would build it for the new set of names, or ``NotPatchable``
is raised:

- a shard's shape depends only on the names: each bucket holds one entry, or a sub-shard when
  several names share it. So a new name that meets an entry in its bucket makes a sub-shard of
  the two (deeper while they keep meeting), a sub-shard left with one entry by a removal is
  replaced by that entry and one left with none is dropped, as the builder would place them;
- whether the directory is sharded at all depends on its size estimate: the entries put in must
  weigh exactly what the removed ones weighed (the same name and CID lengths, and in the
  "block" estimate the same link sizes), so a patch that keeps a folder's count (a text folder
  renamed in a search index) keeps its shape;
- with the "block" estimate an entry's replaced link must keep its size too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from permapress.errors import IpfsError
from permapress.ipfs.cid import CID, DAG_PB
from permapress.ipfs.dagpb import PBLink, PBNode, decode_node, encode_link, encode_node, name_bytes
from permapress.ipfs.hamt import hamt_index
from permapress.ipfs.layout import Imported
from permapress.ipfs.profiles import Profile
from permapress.ipfs.unixfs import decode_data, encode_data

Sink = Callable[[CID, bytes], None]


class NotPatchable(IpfsError):
    """The change cannot be made in place (a new name, or a directory that may change shape)."""


class Removed:
    """The change that takes an entry out of its directory."""


REMOVED = Removed()


@dataclass(slots=True)
class _Weights:
    """What the entries put in and taken out weigh in the directory's size estimate."""

    estimate: str
    added: int = 0
    removed: int = 0

    def weigh(self, cid: CID, name: str, tsize: int | None) -> int:
        if self.estimate == "block":
            return len(encode_link(PBLink(cid, name, tsize)))
        return len(name_bytes(name)) + len(bytes(cid))


def patch_shard(
    node: PBNode,
    changes: dict[str, object],
    fanout: int,
    profile: Profile,
    get: Callable[[CID], bytes],
    sink: Sink,
    child: Callable[[PBLink, object], PBLink],
    new_names: bool = False,
) -> Imported:
    """The shard ``node`` with ``changes`` made (see the module docstring)."""
    weights = _Weights(profile.hamt_estimate)
    made, _links = _level(node, changes, 0, fanout, profile, get, sink, child, new_names, weights)
    if weights.added != weights.removed:
        raise NotPatchable("the entries put in and taken out weigh differently")
    return made


def _level(
    node: PBNode,
    changes: dict[str, object],
    depth: int,
    fanout: int,
    profile: Profile,
    get: Callable[[CID], bytes],
    sink: Sink,
    child: Callable[[PBLink, object], PBLink],
    new_names: bool,
    weights: _Weights,
) -> tuple[Imported, list[PBLink]]:
    width = len(f"{fanout - 1:X}")
    by_bucket: dict[str, dict[str, object]] = {}
    for name, change in changes.items():
        label = f"{hamt_index(name, depth, fanout):0{width}X}"
        by_bucket.setdefault(label, {})[name] = change
    links: list[PBLink] = []
    for link in node.links:
        name = link.name or ""
        label = name[:width]
        wanted = by_bucket.pop(label, None)
        if wanted is None:
            links.append(link)
        elif len(name) > width:  # an entry
            links += _entry(link, label, name[width:], wanted, child, new_names, weights,
                            (node, depth, fanout, profile, sink))  # fmt: skip
        else:  # a sub-shard holding the bucket
            sub = decode_node(get(link.cid))
            made, inner = _level(sub, wanted, depth + 1, fanout, profile, get, sink, child,
                                 new_names, weights)  # fmt: skip
            if not inner:
                continue  # every entry of the bucket removed: the bucket is empty
            if len(inner) == 1 and len(inner[0].name or "") > width:  # one entry: in its place
                links.append(replace(inner[0], name=label + (inner[0].name or "")[width:]))
            else:
                links.append(replace(link, cid=made.cid, tsize=made.tsize))
    for label, wanted in by_bucket.items():  # buckets empty until now
        links += _entry(None, label, "", wanted, child, new_names, weights,
                        (node, depth, fanout, profile, sink))  # fmt: skip
    return _write(node, links, width, profile, sink), links


def _write(node: PBNode, links: list[PBLink], width: int, profile: Profile, sink: Sink) -> Imported:
    """The shard node holding ``links`` (in any order), written; its Data is ``node``'s with
    the occupancy bitfield of these links."""
    links.sort(key=lambda one: (one.name or "")[:width])  # fixed-width hex: bucket order
    assert node.data is not None
    kind = decode_data(node.data)
    bits = 0
    for link in links:
        bits |= 1 << int((link.name or "")[:width], 16)
    field = bits.to_bytes(max(1, (bits.bit_length() + 7) // 8), "big")
    block = encode_node(PBNode(tuple(links), encode_data(replace(kind, data=field))))
    cid = CID.hash(block, DAG_PB, profile.cid_version)
    sink(cid, block)
    return Imported(cid, len(block) + sum(one.tsize or 0 for one in links), 0)


def _new_shard(
    node: PBNode,
    entries: list[tuple[str, PBLink]],
    depth: int,
    fanout: int,
    profile: Profile,
    sink: Sink,
) -> Imported:
    """A new sub-shard at ``depth`` for entries (name, link) that met in one bucket."""
    width = len(f"{fanout - 1:X}")
    if depth * (fanout.bit_length() - 1) >= 64:
        raise NotPatchable("names with the same hash")
    buckets: dict[str, list[tuple[str, PBLink]]] = {}
    for name, link in entries:
        buckets.setdefault(f"{hamt_index(name, depth, fanout):0{width}X}", []).append((name, link))
    links: list[PBLink] = []
    for label, members in buckets.items():
        if len(members) == 1:
            links.append(replace(members[0][1], name=label + members[0][0]))
        else:
            inner = _new_shard(node, members, depth + 1, fanout, profile, sink)
            links.append(PBLink(inner.cid, label, inner.tsize))
    return _write(node, links, width, profile, sink)


def _entry(
    link: PBLink | None,
    label: str,
    name: str,
    wanted: dict[str, object],
    child: Callable[[PBLink, object], PBLink],
    new_names: bool,
    weights: _Weights,
    level: tuple[PBNode, int, int, Profile, Sink],
) -> list[PBLink]:
    """What the bucket ``label`` of the shard node at ``level`` (node, depth, fanout, profile,
    sink) holds after ``wanted``: its entry ``name`` (behind ``link``; none when the bucket was
    empty) replaced or removed, and new names put in beside it."""
    node, depth, fanout, profile, sink = level
    out: list[PBLink] = []
    change = wanted.pop(name, None) if link is not None else None
    if link is not None and change is None:
        out.append(link)  # kept as it is: a new name here would need a sub-shard
    elif link is not None and isinstance(change, Removed):
        weights.removed += weights.weigh(link.cid, name, link.tsize)
    elif link is not None:
        replaced = child(link, change)
        if profile.hamt_estimate == "block" and len(encode_link(replaced)) != len(
            encode_link(link)
        ):
            # the folder as one block would change size: its shape could come out otherwise
            raise NotPatchable("an entry's link changed size in a sharded directory")
        out.append(replaced)
    if not wanted:
        return out
    members = [(name, one) for one in out]  # the entry that stays in the bucket, if any
    for new, made in wanted.items():
        if not new_names or not isinstance(made, Imported):
            raise NotPatchable(f"no entry named {new!r} to change here")
        weights.added += weights.weigh(made.cid, new, made.tsize)
        members.append((new, PBLink(made.cid, new, made.tsize)))
    if len(members) == 1:
        return [replace(members[0][1], name=label + members[0][0])]
    shard = _new_shard(node, members, depth + 1, fanout, profile, sink)
    return [PBLink(shard.cid, label, shard.tsize)]
