"""Replace files and folders deep inside a UnixFS directory without building it again.

    patch_tree(root, changes, profile, get, sink) -> Imported

``changes`` maps paths relative to ``root`` ("index.html", "articles/some-slug") to the nodes
that replace what is there now. Only the directories on the way to a change are read, changed
and written again: a site of 10,000 article folders whose one article changed costs a few
blocks, not 10,000 links. Basic directories and HAMT shards are both handled; in a shard the
entry is found through its name's hash, so only the shards on its way are touched.

A name that is not there yet raises ``NotPatchable``, unless ``new_names``: then in a basic
(unsharded) directory its link goes where the importer puts it (links sorted by name).
``removed`` names paths to take out. In a HAMT shard (``patch_shard.py``) names may come and
go only where the shard keeps its shape: a new name in an empty bucket or in place of a removed
one, and as much put in as taken out (a folder's entry renamed).

The result is the same DAG, to the byte, that building the changed tree from scratch with the
same profile gives, because nothing that decides a directory's shape changes: a directory
whose size estimate could move to the other side of the profile's sharding threshold raises
``NotPatchable``. The caller then builds the tree the ordinary way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from permapress.ipfs.cid import CID, DAG_PB, encode_varint
from permapress.ipfs.dagpb import (
    PBLink,
    PBNode,
    decode_link,
    decode_node,
    encode_link,
    encode_node,
    name_bytes,
    read_uvarint,
)
from permapress.ipfs.importer import over_threshold
from permapress.ipfs.layout import Imported
from permapress.ipfs.patch_shard import REMOVED, NotPatchable, Removed, patch_shard
from permapress.ipfs.profiles import Profile
from permapress.ipfs.unixfs import DIRECTORY, HAMT_SHARD, decode_data

__all__ = ["NotPatchable", "patch_tree"]

Sink = Callable[[CID, bytes], None]




def patch_tree(
    root: CID,
    changes: Mapping[str, Imported],
    profile: Profile,
    get: Callable[[CID], bytes],
    sink: Sink,
    *,
    removed: Iterable[str] = (),
    new_names: bool = False,
) -> Imported:
    """``root`` with every path in ``changes`` replaced by its node (or added, in a basic
    directory) and every path of ``removed`` taken out; see the module docstring."""
    every: dict[str, Imported | Removed] = {path: REMOVED for path in removed}
    every.update(changes)
    if not every:
        raise NotPatchable("nothing to change")
    nested: dict[str, object] = {}
    for path, node in every.items():
        parts = path.strip("/").split("/")
        folder = nested
        for part in parts[:-1]:
            inner = folder.setdefault(part, {})
            if not isinstance(inner, dict):
                raise NotPatchable(f"{path} is inside a file that is also replaced")
            folder = inner
        folder[parts[-1]] = node
    return _patch(root, nested, profile, get, sink, new_names)


def _patch(
    cid: CID,
    changes: dict[str, object],
    profile: Profile,
    get: Callable[[CID], bytes],
    sink: Sink,
    new_names: bool = False,
    total: int | None = None,
) -> Imported:
    block = get(cid)
    made = _patch_flat(block, changes, profile, get, sink, new_names, total)
    if made is not None:
        return made
    node = decode_node(block)
    if node.data is None:
        raise NotPatchable(f"{cid} is not a UnixFS directory")
    kind = decode_data(node.data)
    if kind.type == DIRECTORY:
        return _patch_directory(node, changes, profile, get, sink)
    if kind.type == HAMT_SHARD:
        fanout = kind.fanout or 256
        def child(link: PBLink, change: object) -> PBLink:
            return _child(link, change, profile, get, sink, new_names)

        return patch_shard(node, changes, fanout, profile, get, sink, child, new_names)
    raise NotPatchable(f"{cid} is not a UnixFS directory")


def _child(
    link: PBLink,
    change: object,
    profile: Profile,
    get: Callable[[CID], bytes],
    sink: Sink,
    new_names: bool = False,
) -> PBLink:
    """The link to what replaces the entry behind ``link`` (a node, or changes inside it)."""
    if isinstance(change, Removed):
        raise NotPatchable(f"{link.name!r} cannot be removed here")
    if isinstance(change, Imported):
        made = change
    else:
        assert isinstance(change, dict)
        made = _patch(link.cid, change, profile, get, sink, new_names, link.tsize)
    return replace(link, cid=made.cid, tsize=made.tsize)


def _write(
    links: list[PBLink], data: bytes, profile: Profile, sink: Sink
) -> tuple[bytes, Imported]:
    block = encode_node(PBNode(tuple(links), data))
    cid = CID.hash(block, DAG_PB, profile.cid_version)
    sink(cid, block)
    return block, Imported(cid, len(block) + sum(link.tsize or 0 for link in links), 0)


def _patch_directory(
    node: PBNode,
    changes: dict[str, object],
    profile: Profile,
    get: Callable[[CID], bytes],
    sink: Sink,
) -> Imported:
    links = list(node.links)
    found = 0
    for index, link in enumerate(links):
        change = changes.get(link.name or "")
        if change is not None:
            links[index] = _child(link, change, profile, get, sink)
            found += 1
    if found != len(changes):
        missing = sorted(set(changes) - {link.name for link in links})
        raise NotPatchable(f"no entry named {missing[0]!r} to replace")
    assert node.data is not None
    block, made = _write(links, node.data, profile, sink)
    if over_threshold(links, block, profile):  # the rebuilt folder would be sharded
        raise NotPatchable("the directory grew past the profile's sharding threshold")
    return made


def _patch_flat(
    block: bytes,
    changes: dict[str, object],
    profile: Profile,
    get: Callable[[CID], bytes],
    sink: Sink,
    new_names: bool = False,
    total: int | None = None,
) -> Imported | None:
    """A basic directory patched in its bytes: the links that change are decoded and encoded
    again, the others are copied as they are, which is what ``_patch_directory`` writes too (it
    encodes canonical links back to the same bytes) without decoding every link of a folder of
    thousands of articles. None when ``block`` is not a basic directory in the canonical shape
    read here (Hash, Name, Tsize in each link; Data last): the caller then decodes it.
    ``total``: the directory's cumulative size as its parent's link says (the block and every
    link's Tsize), so the links' sizes need not be read one by one."""
    links: list[tuple[int, int, int, bytes]] = []  # each link: field start, body start, end, name
    tsizes = estimate = 0
    sized = total is not None and total >= len(block)
    data: bytes | None = None
    pos, end = 0, len(block)
    while pos < end:
        if block[pos] == 0x0A:  # Data, the last field
            length, inner = read_uvarint(block, pos + 1)
            if inner + length != end:
                return None
            data, pos = block[inner:end], end
            continue
        if block[pos] != 0x12 or pos + 2 >= end:  # a link is field 2 (bytes)
            return None
        length, inner = block[pos + 1], pos + 2  # one-byte varints inline: most of them are
        if length > 0x7F:
            length, inner = read_uvarint(block, pos + 1)
        stop = inner + length
        if stop > end or inner + 1 >= stop or block[inner] != 0x0A:
            return None
        hash_length, at = block[inner + 1], inner + 2
        if hash_length > 0x7F:
            hash_length, at = read_uvarint(block, inner + 1)
        at += hash_length
        if at + 1 >= stop or block[at] != 0x12:
            return None
        name_length, at = block[at + 1], at + 2
        if name_length > 0x7F:
            name_length, at = read_uvarint(block, at - 1)
        name, at = block[at : at + name_length], at + name_length
        if at < stop:
            if block[at] != 0x18:
                return None
            if sized and block[stop - 1] < 0x80 and at + 1 < stop:
                at = stop  # the size is counted in ``total``
            else:
                tsize, at = read_uvarint(block, at + 1)
                tsizes += tsize
        if at != stop:
            return None
        links.append((pos, inner, stop, name))
        estimate += name_length + hash_length
        pos = stop
    if data is None or decode_data(data).type != DIRECTORY:
        return None
    if sized:
        assert total is not None
        tsizes = total - len(block)
    wanted = {name_bytes(name): (name, change) for name, change in changes.items()}
    names = {name for _start, _inner, _stop, name in links}
    added: list[tuple[bytes, str, Imported]] = []
    for key, (label, change) in sorted(wanted.items()):
        if key in names:
            continue
        if not new_names or not isinstance(change, Imported):
            raise NotPatchable(f"no entry named {label!r} to change")
        added.append((key, label, change))
        del wanted[key]
    parts: list[bytes] = []
    copied = 0
    for index, (start, inner, stop, name) in enumerate(links):
        while added and added[0][0] < name:  # a new name goes before this one
            key, new_name, node = added.pop(0)
            parts += [block[copied:start], _framed(PBLink(node.cid, new_name, node.tsize))]
            copied = start
            tsizes += node.tsize
            estimate += len(key) + len(bytes(node.cid))
        hit = wanted.pop(name, None)
        if hit is None:
            continue
        old = decode_link(block[inner:stop], index)
        if isinstance(hit[1], Removed):
            parts.append(block[copied:start])
            copied = stop
            tsizes -= old.tsize or 0
            estimate -= len(name) + len(bytes(old.cid))
            continue
        new = _child(old, hit[1], profile, get, sink, new_names)
        parts += [block[copied:start], _framed(new)]
        copied = stop
        tsizes += (new.tsize or 0) - (old.tsize or 0)
        estimate += len(bytes(new.cid)) - len(bytes(old.cid))
    if wanted:
        missing = sorted(name for name, _change in wanted.values())
        raise NotPatchable(f"no entry named {missing[0]!r} to change")
    tail = links[-1][2] if links else 0  # the new names after every old one
    parts.append(block[copied:tail])
    copied = max(copied, tail)
    for key, new_name, node in added:
        parts.append(_framed(PBLink(node.cid, new_name, node.tsize)))
        tsizes += node.tsize
        estimate += len(key) + len(bytes(node.cid))
    parts.append(block[copied:])
    made = b"".join(parts)
    over = len(made) if profile.hamt_estimate == "block" else estimate
    if over > profile.hamt_threshold:  # the rebuilt folder would be sharded
        raise NotPatchable("the directory grew past the profile's sharding threshold")
    cid = CID.hash(made, DAG_PB, profile.cid_version)
    sink(cid, made)
    return Imported(cid, len(made) + tsizes, 0)


def _framed(link: PBLink) -> bytes:
    """``link`` as a field of its directory's block (field 2, length-prefixed)."""
    body = encode_link(link)
    return b"\x12" + encode_varint(len(body)) + body
