"""Where blocks live: a ``Blockstore`` protocol, an in-memory store and kubo's flatfs layout.

Contract shared by every store:

    get(cid) -> bytes        the block; ``BlockNotFound`` when absent
    has(cid) -> bool         (``FileBlockstore.has_many(cids)``: those held, in few queries)
    put(cid, data) -> None   storing a block that is already there is a no-op
    delete(cid) -> None      deleting an absent block is a no-op
    iter(store)              the CIDs of the stored blocks, in no particular order

Blocks are keyed by their *multihash*, as kubo keys them: the same bytes under a CIDv0 and a
CIDv1, or under two codecs, are stored once. Identity CIDs (the data is inside the CID) are never
stored: ``get`` returns the digest, ``has`` is always true, ``put`` and ``delete`` do nothing.

``FileBlockstore(root)`` keeps one file per block, readable without the program, in the layout of
kubo's flatfs datastore with the ``next-to-last/2`` shard function::

    root/
      SHARDING                          "/repo/flatfs/shard/v1/next-to-last/2"
      7I/                               next-to-last two characters of the key
        CIQEAB…SL7IQ.data               key = RFC 4648 base32 (upper case, no padding) of
                                        the multihash; file content = the block bytes

Writes go to a temporary file in the block's folder and are renamed into place (``os.replace``),
so a reader never sees half a block and two processes may write the same or different blocks at
the same time. ``fsync=True`` also flushes each block to disk before the rename.

``put_many`` of ``PACK_MIN`` blocks or more writes them into one pack file instead
(``root/packs/<name>.pack``, indexed in ``root/packs.sqlite``; see ``packs.py``): an import
stores a dozen small blocks per article, and a new file costs far more than its bytes. ``get``,
``has``, iteration and ``delete`` look in the packs after the block's own file; deleting a
packed block rewrites the pack's other blocks as files of their own and deletes the pack, so
its bytes leave the disk. kubo reads the one-file blocks only.

flatfs keys hold the multihash only, so iterating a ``FileBlockstore`` yields CIDv1 ``raw`` CIDs
(the codec a block was stored under is unknown): use your DAG's CIDs when the codec matters.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import itertools
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

from permapress.errors import BlockNotFound, ConfigError, FormatError, IpfsError
from permapress.ipfs.cid import B32_UPPER, CID, IDENTITY, RAW, b32_spread, decode_multihash
from permapress.ipfs.packfile import Reindexed
from permapress.ipfs.packs import PACKS, Packs

_TEMP_NUMBERS = itertools.count()

# Unnamed files (O_TMPFILE) linked into place through /proc/self/fd: Linux only.
_UNNAMED_FILES = hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd")

_PROC_FDS: list[int] = []  # this process's /proc/self/fd, once opened


def _proc_fds() -> int:
    """This process's /proc/self/fd, opened once per process (a forked child opens its own:
    the inherited one shows the parent's descriptors)."""
    if not _PROC_FDS:
        _PROC_FDS.append(os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY))
    return _PROC_FDS[0]


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_PROC_FDS.clear)

SHARDING = "/repo/flatfs/shard/v1/next-to-last/2"
_SUFFIX = ".data"
PACK_MIN = 4  # a batch of fewer blocks is written one file per block


@runtime_checkable
class Blockstore(Protocol):
    """Anything that stores blocks by CID (see the module docstring for the contract)."""

    def get(self, cid: CID) -> bytes: ...

    def has(self, cid: CID) -> bool: ...

    def put(self, cid: CID, data: bytes) -> None: ...

    def delete(self, cid: CID) -> None: ...

    def __iter__(self) -> Iterator[CID]: ...


def identity_data(cid: CID) -> bytes | None:
    """The inlined data of an identity CID, or None for a hashed CID."""
    try:
        code, digest = decode_multihash(cid.multihash)
    except FormatError:
        return None
    return digest if code == IDENTITY else None


def put_many(store: Blockstore, blocks: Iterable[tuple[CID, bytes]]) -> int:
    """Put every (CID, bytes) pair into ``store``; return how many pairs were given."""
    count = 0
    for cid, data in blocks:
        store.put(cid, data)
        count += 1
    return count


class MemoryBlockstore:
    """Blocks in a dict, keyed by multihash. Iteration yields each block's first-put CID."""

    __slots__ = ("_blocks",)

    def __init__(self) -> None:
        self._blocks: dict[bytes, tuple[CID, bytes]] = {}

    def get(self, cid: CID) -> bytes:
        inline = identity_data(cid)
        if inline is not None:
            return inline
        entry = self._blocks.get(cid.multihash)
        if entry is None:
            raise BlockNotFound(cid)
        return entry[1]

    def has(self, cid: CID) -> bool:
        return identity_data(cid) is not None or cid.multihash in self._blocks

    def put(self, cid: CID, data: bytes) -> None:
        if identity_data(cid) is not None or cid.multihash in self._blocks:
            return
        self._blocks[cid.multihash] = (cid, bytes(data))

    def put_many(self, blocks: Iterable[tuple[CID, bytes]]) -> int:
        return put_many(self, blocks)

    def delete(self, cid: CID) -> None:
        self._blocks.pop(cid.multihash, None)

    def __iter__(self) -> Iterator[CID]:
        return iter([cid for cid, _data in self._blocks.values()])

    def __len__(self) -> int:
        return len(self._blocks)

    def __contains__(self, cid: object) -> bool:
        return isinstance(cid, CID) and self.has(cid)

    @property
    def size(self) -> int:
        """Total bytes of the stored blocks."""
        return sum(len(data) for _cid, data in self._blocks.values())


def block_key(cid: CID) -> str:
    """The flatfs key of a block: base32 (RFC 4648, upper case, no padding) of its multihash."""
    return _relative_file(cid.multihash)[3:-len(_SUFFIX)]


@functools.lru_cache(maxsize=1 << 16)
def _relative_file(multihash: bytes) -> str:
    """``<shard>/<key>.data`` for a multihash; cached, since builds read the same blocks often."""
    key = b32_spread(multihash, B32_UPPER)
    return f"{shard_of(key)}/{key}{_SUFFIX}"


def shard_of(key: str) -> str:
    """The ``next-to-last/2`` folder of a key (padded with ``_`` for keys under 3 characters)."""
    padded = key.rjust(3, "_")
    return padded[-3:-1]


class FileBlockstore:
    """One file per block under ``root`` in kubo's flatfs layout (see the module docstring)."""

    __slots__ = ("root", "fsync", "_prefix", "_unnamed", "_packs")

    def __init__(self, root: Path | str, *, fsync: bool = False) -> None:
        self.root = Path(root)
        self.fsync = fsync
        self._unnamed = True
        self._packs = Packs(self.root, fsync=fsync)
        self._prefix = os.fspath(self.root) + os.sep
        if self.root.exists() and not self.root.is_dir():
            raise ConfigError(f"blockstore {self.root} is a file; give a folder for the blocks")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self._check_sharding()
        except OSError as exc:
            raise ConfigError(f"cannot use {self.root} as a blockstore: {exc.strerror}") from None

    def _check_sharding(self) -> None:
        marker = self.root / "SHARDING"
        if marker.exists():
            found = marker.read_text(encoding="utf-8", errors="replace").strip()
            if found != SHARDING:
                raise ConfigError(f"blockstore {self.root} uses sharding {found!r}; permapress "
                                  f"reads only {SHARDING!r} (kubo's default flatfs layout)")
            return
        self._write_atomic(marker, (SHARDING + "\n").encode("ascii"))

    def path_of(self, cid: CID) -> Path:
        """The file that holds (or would hold) this block."""
        return Path(self._file(cid))

    def _file(self, cid: CID) -> str:
        return self._prefix + _relative_file(cid.multihash)

    def get(self, cid: CID) -> bytes:
        inline = identity_data(cid)
        if inline is not None:
            return inline
        try:
            fd = os.open(self._file(cid), os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            fd = -1
        except OSError as exc:
            raise IpfsError(f"cannot read block {cid} from {self.root}: {exc.strerror}") from None
        if fd >= 0:
            try:
                return _read_all(fd)
            except OSError as exc:
                raise IpfsError(
                    f"cannot read block {cid} from {self.root}: {exc.strerror}"
                ) from None
            finally:
                os.close(fd)
        packed = self._packs.find(cid.multihash)
        if packed is None:
            raise BlockNotFound(cid)
        return packed

    def has(self, cid: CID) -> bool:
        return (
            identity_data(cid) is not None
            or os.path.isfile(self._file(cid))
            or self._packs.has(cid.multihash)
        )

    def has_many(self, cids: list[CID]) -> set[CID]:
        """Those of ``cids`` stored here: in the packs (hundreds a query), else one by one."""
        packed = self._packs.has_many([c.multihash for c in cids])
        held = {c for c in cids if c.multihash in packed}
        return held | {c for c in cids if c not in held and self.has(c)}

    def put(self, cid: CID, data: bytes) -> None:
        if identity_data(cid) is not None:
            return
        path = self._file(cid)
        if os.path.isfile(path):
            return
        try:
            try:
                self._write_atomic(path, data)
            except FileNotFoundError:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                self._write_atomic(path, data)
        except OSError as exc:
            raise IpfsError(f"cannot write block {cid} to {self.root}: {exc.strerror}") from None

    def reindex(self) -> Reindexed:
        """The pack index made again from the pack files (``Packs.reindex``)."""
        return self._packs.reindex()

    def put_many(self, blocks: Iterable[tuple[CID, bytes]]) -> int:
        """Put every block; ``PACK_MIN`` or more go into one pack file (``packs.py``: one new
        file instead of one per block, which is most of what storing a small block costs).
        They are not looked for first: a block stored twice is still one block to readers.
        (Writing one file per block from a few threads was measured and dropped: on 2 cores
        it cost more CPU than it saved in waiting.)"""
        given = list(blocks)
        batch = [(cid, data) for cid, data in given if identity_data(cid) is None]
        if len(batch) < PACK_MIN:
            return put_many(self, given)
        self._packs.write(batch, self._write_atomic)
        return len(given)

    def _write_atomic(self, path: Path | str, data: bytes) -> None:
        """Write a block so that readers see all of it or nothing: on Linux as an unnamed file
        given its name when complete (one directory operation), elsewhere as a temporary file
        renamed into place."""
        if _UNNAMED_FILES and self._unnamed:
            try:
                self._write_unnamed(path, data)
                return
            except FileNotFoundError:
                raise  # the shard folder is missing: ``put`` makes it and comes back
            except OSError:
                # No unnamed files here (the file system, or /proc): the ordinary way from now
                # on, which also reports any error that has nothing to do with it.
                self._unnamed = False
        self._write_renamed(path, data)

    def _write_unnamed(self, path: Path | str, data: bytes) -> None:
        fd = os.open(os.path.dirname(path), os.O_TMPFILE | os.O_WRONLY, 0o600)
        try:
            self._write_all(fd, data)
            with contextlib.suppress(FileExistsError):  # another writer stored it first
                os.link(str(fd), path, src_dir_fd=_proc_fds(), follow_symlinks=True)
        finally:
            os.close(fd)

    def _write_renamed(self, path: Path | str, data: bytes) -> None:
        # A temporary name no other writer uses (this process's id and a counter, and O_EXCL to
        # be sure), then an atomic rename.
        folder = os.path.dirname(path)
        while True:
            tmp = os.path.join(folder, f".tmp-{os.getpid()}-{next(_TEMP_NUMBERS)}.part")
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                break
            except FileExistsError:  # left by a crashed process that had the same id
                continue
        try:
            try:
                self._write_all(fd, data)
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def _write_all(self, fd: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if self.fsync:
            os.fsync(fd)

    def delete(self, cid: CID) -> None:
        if identity_data(cid) is not None:
            return
        try:
            self.path_of(cid).unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise IpfsError(f"cannot delete block {cid} from {self.root}: {exc.strerror}") from None
        # a pack that holds it is deleted, its other blocks written one file each first
        self._packs.remove(cid.multihash, self._keep)

    def _keep(self, multihash: bytes, data: bytes) -> None:
        self.put(CID(1, RAW, multihash), data)

    def __iter__(self) -> Iterator[CID]:
        """CIDv1 ``raw`` of every stored block (flatfs does not record codecs)."""
        try:
            shards = sorted(
                (entry for entry in os.scandir(self.root)
                 if entry.is_dir() and entry.name != PACKS),
                key=lambda entry: entry.name,
            )  # fmt: skip
        except OSError:
            return
        for shard in shards:
            try:
                names = sorted(os.listdir(shard.path))
            except OSError:
                continue
            for name in names:
                cid = _cid_of_filename(name)
                if cid is not None and shard_of(name[: -len(_SUFFIX)]) == shard.name:
                    yield cid
        for key in self._packs:
            if not os.path.isfile(self._prefix + _relative_file(key)):  # listed above
                yield CID(1, RAW, key)

    def __contains__(self, cid: object) -> bool:
        return isinstance(cid, CID) and self.has(cid)


def _read_all(fd: int) -> bytes:
    """The whole of the open block file ``fd`` (one read as a rule)."""
    size = os.fstat(fd).st_size
    parts = [os.read(fd, size)]
    got = len(parts[0])
    while got < size and (part := os.read(fd, size - got)):
        parts.append(part)
        got += len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _cid_of_filename(name: str) -> CID | None:
    """``<KEY>.data`` -> CIDv1 raw of that multihash; None for temp files and strangers."""
    if not name.endswith(_SUFFIX) or name.startswith("."):
        return None
    key = name[: -len(_SUFFIX)]
    if not key or key != key.upper():
        return None
    try:
        mh = base64.b32decode(key + "=" * (-len(key) % 8))
        decode_multihash(mh)
    except (ValueError, FormatError):
        return None
    return CID(1, RAW, mh)
