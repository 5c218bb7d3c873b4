"""A read-only ``Blockstore`` over one CAR file: random access through its index, every block
verified as it is read, nothing unpacked.

    store = CarBlockstore(path, index_file=True)     (a context manager; ``close()``)
    store.roots, store.version, store.index_source   "carv2" | "file" | "built" | "memory"
    store.get(cid) -> bytes     the block, hashed against ``cid`` first; ``BlockNotFound`` when
                                the index has no record of it, ``VerifyError`` when every copy
                                the index points at is damaged (never the damaged bytes)
    store.has(cid) -> bool      is it in the index (not read, not verified)
    store.put / store.delete    ``IpfsError``: the store is read-only
    iter(store)                 the CID of every section, in file order
    store.check() -> CarCheck   read the whole file: every block hashed, and the index agreeing
                                with the sections (each section recorded at its offset, no
                                record pointing elsewhere)

Where the index comes from:

- a CARv2 with an index (MultihashIndexSorted or IndexSorted): read in place from the file;
- otherwise (a CARv1, or a CARv2 without one) an index is built on first use by reading every
  section's length and CID (not its data). With ``index_file=True`` it is kept beside the CAR
  as ``FILE.car.idx`` (go-car's standalone index format: varint codec + MultihashIndexSorted),
  written atomically and used again while it is newer than the CAR and records the CAR's first
  section where it is; a damaged or stale one is built again. With ``index_file=False`` it
  stays in memory.

Memory is bounded by the index (read through ``mmap``: the operating system pages it in and out)
and a small cache of verified blocks (``CACHE_BYTES``); block bytes are read with ``os.pread``,
so one store serves many threads. A repeated CID whose first copy is forged is read from the
copy that matches.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from permapress.errors import (
    BlockNotFound,
    ConfigError,
    FormatError,
    IpfsError,
    UnsupportedError,
    VerifyError,
)
from permapress.ipfs.blockstore import identity_data
from permapress.ipfs.car import MAX_SECTION, read_car
from permapress.ipfs.carv2 import CarIndex, IndexBuilder, read_index
from permapress.ipfs.cid import CID, IDENTITY, decode_multihash, decode_varint, verify_block

CACHE_BYTES = 16 << 20
CACHE_BLOCK_MAX = 1 << 20
_FIRST_READ = 16 << 10
INDEX_SUFFIX = ".idx"


@dataclass(frozen=True, slots=True)
class Section:
    cid: CID
    offset: int  # of its length prefix, from the start of the data payload
    data_at: int  # absolute file offset of the block bytes
    size: int  # block bytes


@dataclass(frozen=True, slots=True)
class CarCheck:
    blocks: int
    bytes: int
    problems: tuple[str, ...]


class CarBlockstore:
    """See the module docstring."""

    def __init__(self, path: Path | str, *, index_file: bool = True) -> None:
        self.path = Path(path)
        try:
            self._fd = os.open(self.path, os.O_RDONLY)
        except OSError as exc:
            raise ConfigError(f"cannot open {self.path}: {exc.strerror or exc}") from None
        self._maps: list[mmap.mmap] = []
        self._lock = threading.Lock()
        self._cache: OrderedDict[CID, bytes] = OrderedDict()
        self._cached = 0
        try:
            self.file_size = os.fstat(self._fd).st_size
            with open(self.path, "rb") as stream:
                reader = read_car(stream)
            self.roots = reader.roots
            self.version = reader.version
            self.data_offset = reader.data_offset
            size = reader.data_size
            self.data_end = self.file_size if size is None else reader.data_offset + size
            self.index, self.index_source = self._open_index(reader.index_offset, index_file)
        except BaseException:
            self.close()
            raise

    # --- index ---------------------------------------------------------------------------

    def _map(self, fd: int) -> mmap.mmap:
        mapped = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        self._maps.append(mapped)
        return mapped

    def _open_index(self, index_offset: int, index_file: bool) -> tuple[CarIndex, str]:
        if self.version == 2 and index_offset:
            if index_offset < self.data_end or index_offset >= self.file_size:
                raise FormatError(
                    f"{self.path}: CARv2 index offset {index_offset} is not after the data "
                    f"(bytes {self.data_offset}..{self.data_end} of {self.file_size})"
                )
            try:
                return read_index(self._map(self._fd), index_offset), "carv2"
            except FormatError as exc:
                raise FormatError(f"{self.path}: {exc}") from None
        if not index_file:
            return read_index(self._build_index()), "memory"
        side = self.path.with_name(self.path.name + INDEX_SUFFIX)
        with contextlib.suppress(OSError, FormatError):
            if side.stat().st_mtime_ns >= os.fstat(self._fd).st_mtime_ns:
                fd = os.open(side, os.O_RDONLY)
                try:
                    if os.fstat(fd).st_size:
                        found = read_index(self._map(fd))
                        if self._fits(found):
                            return found, "file"
                finally:
                    os.close(fd)
        encoded = self._build_index()
        part = side.with_name(side.name + ".part")
        try:
            part.write_bytes(encoded)
            os.replace(part, side)
        except OSError as exc:
            with contextlib.suppress(OSError):
                part.unlink()
            raise ConfigError(
                f"cannot write the index {side} ({exc.strerror or exc}); use --no-index-file "
                "to keep it in memory"
            ) from None
        return read_index(encoded), "built"

    def _fits(self, index: CarIndex) -> bool:
        """Does an index kept beside the CAR describe it? Its first section must be recorded at
        its place and the record count must not exceed what the data could hold (a cheap check
        against an index left from another file; blocks are verified as read in any case)."""
        first = next(self.sections(), None)
        if first is None:
            return len(index) == 0
        code, _digest = decode_multihash(first.cid.multihash)
        if code != IDENTITY and first.offset not in index.offsets(first.cid.multihash):
            return False
        return len(index) <= (self.data_end - self.data_offset) // 3

    def _build_index(self) -> bytes:
        builder = IndexBuilder()
        for section in self.sections():
            builder.add(section.cid.multihash, section.offset)
        return builder.encode()

    # --- sections ------------------------------------------------------------------------

    def _pread(self, count: int, at: int) -> bytes:
        try:
            return os.pread(self._fd, count, at)
        except OSError as exc:
            raise IpfsError(f"cannot read {self.path} at byte {at}: {exc.strerror}") from None

    def _section_at(self, start: int) -> tuple[Section | None, bytes]:
        """The section whose length prefix is at absolute byte ``start`` (None at a zero-length
        section: the end), and the block bytes read with it (all of them or none)."""
        head = self._pread(min(_FIRST_READ, self.data_end - start), start)
        try:
            length, body_at = decode_varint(head)
        except FormatError:
            raise FormatError(
                f"{self.path}: section length at byte {start} is cut off or bad"
            ) from None
        if length == 0:
            return None, b""
        if length > MAX_SECTION:
            raise FormatError(
                f"{self.path}: section at byte {start} claims {length} bytes (limit {MAX_SECTION})"
            )
        if start + body_at + length > self.data_end:
            raise FormatError(f"{self.path}: section at byte {start} runs past the data end")
        try:
            cid, cid_end = CID.decode_prefix(head[body_at : body_at + length])
        except (FormatError, UnsupportedError) as exc:
            raise FormatError(f"{self.path}: section at byte {start}: bad CID ({exc})") from None
        data_at = start + body_at + cid_end
        size = length - cid_end
        section = Section(cid, start - self.data_offset, data_at, size)
        within = body_at + length
        return section, head[body_at + cid_end : within] if within <= len(head) else b""

    def sections(self) -> Iterator[Section]:
        """Every section in file order, read for its length and CID only."""
        first = self._pread(min(_FIRST_READ, self.data_end - self.data_offset), self.data_offset)
        length, at = decode_varint(first)
        pos = self.data_offset + at + length
        while pos < self.data_end:
            section, _data = self._section_at(pos)
            if section is None:
                return
            yield section
            pos = section.data_at + section.size

    def _read(self, section: Section, data: bytes) -> bytes:
        if len(data) == section.size:
            return data
        data = self._pread(section.size, section.data_at)
        if len(data) != section.size:
            raise FormatError(f"{self.path}: block at byte {section.data_at} is cut off")
        return data

    # --- Blockstore ----------------------------------------------------------------------

    def get(self, cid: CID) -> bytes:
        inline = identity_data(cid)
        if inline is not None:
            return inline
        with self._lock:
            cached = self._cache.get(cid)
            if cached is not None:
                self._cache.move_to_end(cid)
                return cached
        offsets = self.index.offsets(cid.multihash)
        if not offsets:
            raise BlockNotFound(cid, f"block {cid} is not in {self.path.name}")
        for offset in offsets:
            start = self.data_offset + offset
            if not self.data_offset <= start < self.data_end:
                continue
            try:
                section, head = self._section_at(start)
            except FormatError:
                continue
            if section is None or section.cid.multihash != cid.multihash:
                continue
            data = self._read(section, head)
            if verify_block(cid, data):
                self._remember(cid, data)
                return data
        raise VerifyError(
            f"block {cid} in {self.path.name} does not match its CID: the file is damaged"
        )

    def _remember(self, cid: CID, data: bytes) -> None:
        if len(data) > CACHE_BLOCK_MAX:
            return
        with self._lock:
            if cid in self._cache:
                return
            self._cache[cid] = data
            self._cached += len(data)
            while self._cached > CACHE_BYTES:
                _old, dropped = self._cache.popitem(last=False)
                self._cached -= len(dropped)

    def has(self, cid: CID) -> bool:
        return identity_data(cid) is not None or bool(self.index.offsets(cid.multihash))

    def put(self, cid: CID, data: bytes) -> None:
        raise IpfsError(f"{self.path.name} is read-only: blocks cannot be added to a CAR here")

    def delete(self, cid: CID) -> None:
        raise IpfsError(f"{self.path.name} is read-only: blocks cannot be deleted from a CAR")

    def __iter__(self) -> Iterator[CID]:
        return (section.cid for section in self.sections())

    def __contains__(self, cid: object) -> bool:
        return isinstance(cid, CID) and self.has(cid)

    # --- whole-file check ----------------------------------------------------------------

    def check(self) -> CarCheck:
        """Read every section: each block must hash to its CID and be where the index says."""
        problems: list[str] = []
        blocks = total = indexed = 0
        try:
            for section in self.sections():
                data = self._read(section, b"")
                blocks += 1
                total += len(data)
                try:
                    good = verify_block(section.cid, data)
                except UnsupportedError as exc:
                    problems.append(f"block {section.cid} cannot be checked: {exc}")
                    good = True
                if not good:
                    problems.append(
                        f"block {section.cid} at byte {section.data_at} does not match its CID"
                    )
                code, _digest = decode_multihash(section.cid.multihash)
                if code == IDENTITY:
                    continue
                indexed += 1
                if section.offset not in self.index.offsets(section.cid.multihash):
                    problems.append(
                        f"the index has no record of block {section.cid} at data offset "
                        f"{section.offset}"
                    )
        except FormatError as exc:
            problems.append(str(exc))
        if len(self.index) != indexed:
            problems.append(
                f"the index holds {len(self.index)} records for {indexed} sections: it does not "
                "describe this file"
            )
        return CarCheck(blocks, total, tuple(problems))

    # --- lifetime ------------------------------------------------------------------------

    def close(self) -> None:
        for mapped in self._maps:
            with contextlib.suppress(BufferError, ValueError):
                mapped.close()
        self._maps = []
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> CarBlockstore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
