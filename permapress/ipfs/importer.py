"""The UnixFS importer: files, byte strings, folders and in-memory trees in, blocks and a CID out.

Contract (every function takes a ``Profile`` and a ``sink(cid, block)`` that receives each block
once; the caller decides where blocks go; each returns ``Imported(cid, tsize, size)``):

- ``import_file(stream, profile, sink, *, progress=None)``: a binary stream, chunked with the
  profile's chunk size and laid out balanced (see ``layout``). Blocks reach the sink in a fixed
  order: leaves in file order, each parent after its children, the root last.
- ``import_bytes(data, profile, sink)``: the same for bytes already in memory.
- ``import_rendered(data, profile, sink)``: bytes, or a file's pieces in order (chunked as the
  whole would be: the same blocks), for a file too big to hold at once.
- ``import_path(path, profile, sink, *, hidden=False, progress=None)``: a file, a folder tree
  or a symlink on disk. Names starting with ``.`` below ``path`` are skipped unless ``hidden``;
  empty folders are kept; symlinks become UnixFS symlink nodes (never followed); other kinds of
  files raise ``UnsupportedError``. ``progress(n)`` is called with each chunk's size as it is read.
  Folders are walked with an explicit stack, so a tree of any depth imports (no recursion).
- ``build_directory(entries, profile, sink)``: one directory over already imported children.
  Links are sorted by the UTF-8 bytes of their names (as kubo and @ipld/dag-pb sort them). It is
  a basic directory unless the profile's estimate of it is strictly greater than
  ``profile.hamt_threshold``: ``"block"`` measures the serialized basic-directory block,
  ``"links"`` sums name bytes + binary CID bytes over all links. Then it is a HAMT (``hamt``).
- ``import_tree(tree, profile, sink)``: nested mappings are directories, bytes are files and an
  ``Imported`` value is linked as it is (an existing node is reused without re-importing it).
- ``file_from_leaves(leaves, profile, sink)``: a balanced file DAG over existing leaves of any
  sizes (``blocksizes`` = each leaf's ``size``); a single leaf is returned unchanged.

Leaves: raw blocks (always CIDv1) when ``profile.raw_leaves``, else dag-pb UnixFS File nodes
carrying the chunk (an empty one has no Data bytes). One chunk makes a one-block file, so an empty
file is the empty raw block, or the empty dag-pb file node for dag-pb leaves.

Speed: leaves are hashed on a small thread pool (hashlib drops the GIL on large buffers) while
the next chunks are read, a few chunks ahead; results are taken in file order, so CIDs and block
order do not depend on thread timing. A file of one chunk is hashed inline.

Errors: ``FormatError`` for a name that cannot be a directory entry (empty, ``.``/``..``, holding
``/`` or NUL, duplicate after encoding) or a tree value of the wrong type; ``IpfsError`` naming
the path when the file system cannot be read.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import stat
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Final, TypeAlias

from permapress.errors import FormatError, IpfsError, UnsupportedError
from permapress.ipfs.chunker import Pieces, Readable, iter_chunks
from permapress.ipfs.cid import CID, DAG_PB, RAW, encode_varint
from permapress.ipfs.dagpb import PBLink, PBNode, encode_node
from permapress.ipfs.hamt import ShardCache, build_shard
from permapress.ipfs.layout import BalancedBuilder, Imported, Sink
from permapress.ipfs.profiles import Profile
from permapress.ipfs.unixfs import DIRECTORY, SYMLINK, UnixFSData, encode_data

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = [
    "Imported",
    "Sink",
    "Tree",
    "build_directory",
    "file_from_leaves",
    "import_bytes",
    "import_file",
    "import_path",
    "import_tree",
]

TreeValue: TypeAlias = "bytes | Mapping[str, TreeValue] | Imported"
Tree: TypeAlias = Mapping[str, TreeValue]
Progress = Callable[[int], None]
Leaf = tuple[CID, bytes]

_HASH_THREADS = 2
_AHEAD = 4  # chunks in flight beyond the one being handed out
_DIR_DATA = encode_data(UnixFSData(type=DIRECTORY))


# --- leaves ----------------------------------------------------------------------------------


def _raw_leaf(chunk: bytes) -> Leaf:
    return CID(1, RAW, b"\x12\x20" + hashlib.sha256(chunk).digest()), chunk


def _dagpb_leaf(chunk: bytes, version: int) -> Leaf:
    # encode_node(PBNode((), encode_data(UnixFSData(FILE, chunk or None, len(chunk))))) in one join
    size = encode_varint(len(chunk))
    if chunk:
        inner = [b"\x08\x02\x12", size, chunk, b"\x18", size]
        inner_len = 3 + 2 * len(size) + len(chunk) + 1
    else:
        inner = [b"\x08\x02\x18\x00"]
        inner_len = 4
    block = b"".join([b"\x0a", encode_varint(inner_len), *inner])
    return CID(version, DAG_PB, b"\x12\x20" + hashlib.sha256(block).digest()), block


def _leaf_maker(profile: Profile) -> Callable[[bytes], Leaf]:
    if profile.raw_leaves:
        return _raw_leaf
    version = profile.cid_version
    return lambda chunk: _dagpb_leaf(chunk, version)


def _hashed(chunks: Iterator[bytes], make: Callable[[bytes], Leaf]) -> Iterator[tuple[Leaf, int]]:
    """(leaf, file bytes in it) for each chunk, in order; hashing runs ahead on threads."""
    first = next(chunks)
    second = next(chunks, None)
    if second is None:
        yield make(first), len(first)
        return
    # here: most imports are files of one chunk (articles, pages), which need no threads
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(_HASH_THREADS, thread_name_prefix="permapress-hash") as pool:
        pending: deque[tuple[Future[Leaf], int]] = deque()
        for chunk in itertools.chain((first, second), chunks):
            pending.append((pool.submit(make, chunk), len(chunk)))
            if len(pending) > _AHEAD:
                future, size = pending.popleft()
                yield future.result(), size
        while pending:
            future, size = pending.popleft()
            yield future.result(), size


# --- files -----------------------------------------------------------------------------------


def import_file(
    stream: Readable, profile: Profile, sink: Sink, *, progress: Progress | None = None
) -> Imported:
    """Import everything left in ``stream`` as one UnixFS file."""
    builder = BalancedBuilder(profile.cid_version, profile.max_links, sink)
    chunks = iter_chunks(stream, profile.chunk_size, progress)
    for (cid, block), size in _hashed(chunks, _leaf_maker(profile)):
        sink(cid, block)
        builder.add(Imported(cid, len(block), size))
    return builder.finish()


def import_bytes(data: bytes, profile: Profile, sink: Sink) -> Imported:
    """Import ``data`` as one UnixFS file."""
    if len(data) <= profile.chunk_size:
        cid, block = _leaf_maker(profile)(bytes(data))
        sink(cid, block)
        return Imported(cid, len(block), len(data))
    return import_file(io.BytesIO(data), profile, sink)


def import_rendered(data: bytes | Iterator[bytes], profile: Profile, sink: Sink) -> Imported:
    """``data`` as one UnixFS file: bytes, or its pieces in order (the same blocks)."""
    if isinstance(data, bytes):
        return import_bytes(data, profile, sink)
    first = next(data, b"")
    second = next(data, None)
    if second is None:  # one piece: as the bytes it is
        return import_bytes(first, profile, sink)
    return import_file(Pieces(itertools.chain((first, second), data)), profile, sink)


def file_from_leaves(leaves: Sequence[Imported], profile: Profile, sink: Sink) -> Imported:
    """A balanced file over existing leaves, in order; one leaf is returned as it is."""
    if not leaves:
        raise IpfsError("file_from_leaves needs at least one leaf")
    builder = BalancedBuilder(profile.cid_version, profile.max_links, sink)
    for leaf in leaves:
        builder.add(leaf)
    return builder.finish()


# --- directories -----------------------------------------------------------------------------


def _name_bytes(name: str) -> bytes:
    if not name or name in (".", "..") or "/" in name or "\x00" in name:
        raise FormatError(
            f"{name!r} cannot be the name of a directory entry (empty, '.', '..', '/' or NUL); "
            "rename it"
        )
    try:
        return name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raise FormatError(f"{name!r} cannot be written as UTF-8; rename it") from None


# The least a directory entry can add to each size estimate: with the shortest CID (34 bytes, a
# CIDv0) and a one-byte name, a serialized link takes at least 43 bytes (field tags, lengths,
# Tsize) and counts at least 35 in the name + CID estimate. Past threshold / that many entries a
# directory is sharded whatever the names, and the basic block need not be built to know it.
_MIN_LINK_COST: Final = {"block": 43, "links": 35}


def over_threshold(links: list[PBLink], block: bytes, profile: Profile) -> bool:
    """Is a basic directory of ``links`` (encoded: ``block``) past ``profile``'s HAMT threshold?"""
    if profile.hamt_estimate == "block":
        return len(block) > profile.hamt_threshold
    estimate = 0
    for link in links:
        estimate += len(_name_bytes(link.name or "")) + len(bytes(link.cid))
    return estimate > profile.hamt_threshold


def build_directory(
    entries: Mapping[str, Imported],
    profile: Profile,
    sink: Sink,
    *,
    shard_cache: ShardCache | None = None,
) -> Imported:
    """One directory (basic, or a HAMT when over the profile's threshold) over ``entries``;
    ``shard_cache`` lets a HAMT reuse the sub-shards an earlier build made."""
    keyed = sorted(
        ((_name_bytes(name), name, child) for name, child in entries.items()),
        key=lambda item: item[0],
    )
    for before, after in itertools.pairwise(keyed):
        if before[0] == after[0]:
            raise FormatError(f"two entries are both named {after[1]!r}; rename one")
    links = [PBLink(child.cid, name, child.tsize) for _, name, child in keyed]
    surely_over = len(links) * _MIN_LINK_COST[profile.hamt_estimate] > profile.hamt_threshold
    block = b"" if surely_over else encode_node(PBNode(tuple(links), _DIR_DATA))
    children = sum(child.tsize for child in entries.values())
    if surely_over or over_threshold(links, block, profile):
        shard_entries = [(name, child.cid, child.tsize) for _, name, child in keyed]
        cid, tsize = build_shard(
            shard_entries, profile.cid_version, profile.fanout, sink, shard_cache
        )
        return Imported(cid, tsize, 0)
    cid = CID.hash(block, DAG_PB, profile.cid_version)
    sink(cid, block)
    return Imported(cid, len(block) + children, 0)


def import_tree(tree: Tree, profile: Profile, sink: Sink) -> Imported:
    """Import nested mappings as directories (children first, in name order)."""
    entries: dict[str, Imported] = {}
    for name in sorted(tree, key=_name_bytes):
        value = tree[name]
        if isinstance(value, Imported):
            entries[name] = value
        elif isinstance(value, bytes | bytearray | memoryview):
            entries[name] = import_bytes(bytes(value), profile, sink)
        elif isinstance(value, Mapping):
            entries[name] = import_tree(value, profile, sink)
        else:
            raise FormatError(
                f"tree entry {name!r} is a {type(value).__name__}; use bytes for a file, a "
                "mapping for a directory or an Imported node"
            )
    return build_directory(entries, profile, sink)


# --- the file system -------------------------------------------------------------------------


def _symlink(target: bytes, profile: Profile, sink: Sink) -> Imported:
    data = encode_data(UnixFSData(type=SYMLINK, data=target))
    block = encode_node(PBNode((), data))
    cid = CID.hash(block, DAG_PB, profile.cid_version)
    sink(cid, block)
    return Imported(cid, len(block), 0)


class _PathReader:
    """Reads a file, turning OS errors into an ``IpfsError`` that names the file."""

    def __init__(self, handle: io.BufferedReader, path: str) -> None:
        self._handle = handle
        self._path = path

    def read(self, size: int, /) -> bytes:
        try:
            return self._handle.read(size)
        except OSError as exc:
            raise IpfsError(f"cannot read {self._path}: {exc.strerror or exc}") from None


def _os_error(path: str, exc: OSError) -> IpfsError:
    return IpfsError(f"cannot import {path}: {exc.strerror or exc}")


def _kind_of_mode(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISDIR(mode):
        return "dir"
    return "file" if stat.S_ISREG(mode) else "other"


def _kind_of_entry(entry: os.DirEntry[str]) -> str:
    # DirEntry answers these from the directory listing itself on most file systems
    if entry.is_symlink():
        return "symlink"
    if entry.is_dir(follow_symlinks=False):
        return "dir"
    if entry.is_file(follow_symlinks=False):
        return "file"
    return "other"


def _list_folder(path: str, hidden: bool) -> list[tuple[str, str, str]]:
    """(name, path, kind) of a folder's entries, in the byte order of their names."""
    try:
        with os.scandir(path) as listing:
            children = [
                (entry.name, entry.path, _kind_of_entry(entry))
                for entry in listing
                if hidden or not entry.name.startswith(".")
            ]
    except OSError as exc:
        raise _os_error(path, exc) from None
    children.sort(key=lambda child: _name_bytes(child[0]))
    return children


def _import_leaf(
    path: str, kind: str, profile: Profile, sink: Sink, progress: Progress | None
) -> Imported:
    if kind == "symlink":
        try:
            target = os.readlink(path)
        except OSError as exc:
            raise _os_error(path, exc) from None
        return _symlink(os.fsencode(target), profile, sink)
    if kind == "file":
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed below, errors named by _PathReader
        except OSError as exc:
            raise _os_error(path, exc) from None
        with handle:
            return import_file(_PathReader(handle, path), profile, sink, progress=progress)
    raise UnsupportedError(
        f"{path} is not a regular file, folder or symlink (a device, socket or pipe); "
        "move it out of the folder being imported"
    )


class _Folder:
    """A folder being imported: its listing, how far through it we are, what is done."""

    __slots__ = ("name", "children", "next", "entries")

    def __init__(self, name: str, children: list[tuple[str, str, str]]) -> None:
        self.name = name
        self.children = children
        self.next = 0
        self.entries: dict[str, Imported] = {}


def _import_node(
    path: str, kind: str, profile: Profile, sink: Sink, hidden: bool, progress: Progress | None
) -> Imported:
    """Import one node; folders with an explicit stack (children first, in name order), so a
    tree of any depth needs no Python recursion."""
    if kind != "dir":
        return _import_leaf(path, kind, profile, sink, progress)
    stack = [_Folder("", _list_folder(path, hidden))]
    while True:
        folder = stack[-1]
        if folder.next < len(folder.children):
            name, child, child_kind = folder.children[folder.next]
            folder.next += 1
            if child_kind == "dir":
                stack.append(_Folder(name, _list_folder(child, hidden)))
            else:
                folder.entries[name] = _import_leaf(child, child_kind, profile, sink, progress)
            continue
        built = build_directory(folder.entries, profile, sink)
        stack.pop()
        if not stack:
            return built
        stack[-1].entries[folder.name] = built


def import_path(
    path: str | os.PathLike[str],
    profile: Profile,
    sink: Sink,
    *,
    hidden: bool = False,
    progress: Progress | None = None,
) -> Imported:
    """Import a file, a folder tree or a symlink from disk (children in name order)."""
    text = os.fspath(path)
    try:
        info = os.lstat(text)
    except OSError as exc:
        raise _os_error(text, exc) from None
    return _import_node(text, _kind_of_mode(info.st_mode), profile, sink, hidden, progress)
