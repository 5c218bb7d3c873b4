"""Unpack a verified UnixFS DAG into a folder: count everything first, then write.

    plan_unpack(root, get, max_depth=MAX_DEPTH) -> UnpackPlan
    check_plan(plan, max_size, max_entries, free) -> None      one-line IpfsError when too big
    write_tree(root, get, dest) -> UnpackPlan                 what was written
    parse_size("10GiB") -> 10737418240

``plan_unpack`` counts what unpacking would write *per path*, as the file system will see it:
a folder linked twice is counted twice, so a DAG of a few KB whose levels link twice to the
level below (2^30 paths) plans 2^30 entries and is refused by ``check_plan`` instead of being
written. It costs one visit per distinct block (each folder's totals are remembered by CID),
walks with an explicit stack (never Python recursion), and refuses, before anything is written:
folders nested deeper than ``max_depth``, an entry name that could leave the output folder
(empty, ``.``, ``..``, or holding ``/``, ``\\`` or NUL), a name twice in one folder, a cycle,
and blocks that are not UnixFS files, folders or symlinks. ``bytes`` is the sum of the file
sizes the (verified) file roots declare.

``check_plan`` refuses a plan whose bytes exceed ``max_size`` or the free space, or whose files,
folders and symlinks together exceed ``max_entries``. ``write_tree`` writes files and folders
(symlinks last, each one checked to resolve inside ``dest``); the caller writes into a staging
folder and renames it into place (``permapress.cli.ipfs``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from permapress.errors import ConfigError, IpfsError
from permapress.ipfs.cid import CID
from permapress.ipfs.reader import list_directory, read_file, stat
from permapress.ipfs.report import printable

Getter = Callable[[CID], bytes]

MAX_DEPTH = 256
DEFAULT_MAX_SIZE = 10 << 30
DEFAULT_MAX_ENTRIES = 1_000_000
_UNSAFE_CHARS = ("/", "\\", "\0")
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1000, "kib": 1 << 10, "m": 1 << 20, "mb": 10**6,
          "mib": 1 << 20, "g": 1 << 30, "gb": 10**9, "gib": 1 << 30, "t": 1 << 40, "tb": 10**12,
          "tib": 1 << 40}


@dataclass(frozen=True, slots=True)
class UnpackPlan:
    """What unpacking writes, counted per path: entries, bytes, and folder nesting depth."""

    files: int = 0
    folders: int = 0
    symlinks: int = 0
    bytes: int = 0
    depth: int = 0

    @property
    def entries(self) -> int:
        return self.files + self.folders + self.symlinks

    def plus(self, other: UnpackPlan) -> UnpackPlan:
        return UnpackPlan(
            self.files + other.files,
            self.folders + other.folders,
            self.symlinks + other.symlinks,
            self.bytes + other.bytes,
            max(self.depth, other.depth + 1),
        )


def parse_size(text: str) -> int:
    """A size such as ``10GiB``, ``500MB``, ``1.5G`` or ``123`` (bytes) -> bytes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    unit = _UNITS.get(match.group(2).lower()) if match else None
    if match is None or unit is None or len(text) > 40:
        raise ConfigError(
            f"--max-size {text[:40]!r} is not a size; write e.g. 10GiB, 500MB or 2000000"
        )
    return int(float(match.group(1)) * unit) if "." in match.group(1) else int(
        match.group(1)) * unit


def human(size: int) -> str:
    """``1.0 TiB (1099511627776 bytes)``; huge values as a power of two."""
    if size >= 1 << 80:
        return f"about 2^{size.bit_length() - 1} bytes"
    for unit, scale in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit} ({size} bytes)"
    return f"{size} bytes"


def _check_name(name: str, where: str) -> None:
    if name in ("", ".", "..") or any(char in name for char in _UNSAFE_CHARS):
        shown = name if len(name) <= 60 else name[:30] + "…" + name[-30:]
        raise IpfsError(
            f"refusing to unpack: entry {shown!r} in {where or 'the root folder'} is not a "
            "plain file name and could write outside the output folder"
        )


def _cut(name: str) -> str:
    name = printable(name)
    return name if len(name) <= 40 else f"{name[:20]}…{name[-20:]}"


def _shown(parts: list[str]) -> str:
    """A path for messages: first and last three segments, each at most 40 characters."""
    if len(parts) <= 6:
        return "/".join(_cut(p) for p in parts)
    middle = f"…{len(parts) - 6} more…"
    return "/".join([*map(_cut, parts[:3]), middle, *map(_cut, parts[-3:])])


def _leaf(cid: CID, get: Getter, where: str) -> UnpackPlan | None:
    """The plan of a non-folder entry; None for a folder."""
    info = stat(cid, get)
    if info.kind in ("directory", "hamt"):
        return None
    if info.kind in ("file", "raw"):
        return UnpackPlan(files=1, bytes=info.size or 0)
    if info.kind == "symlink":
        return UnpackPlan(symlinks=1)
    raise IpfsError(
        f"cannot unpack {where or 'the root'}: {cid} is a {cid.codec_name} block, "
        "not a UnixFS file, folder or symlink"
    )


def plan_unpack(root: CID, get: Getter, max_depth: int = MAX_DEPTH) -> UnpackPlan:
    """Count what unpacking ``root`` writes (see the module docstring)."""
    done: dict[CID, UnpackPlan] = {}
    open_folders: set[CID] = set()
    # (cid, path parts, entries once listed)
    stack: list[tuple[CID, list[str], list[tuple[str, CID]] | None]] = [(root, [], None)]
    while stack:
        cid, parts, entries = stack[-1]
        if entries is None and cid in done:
            stack.pop()
            continue
        if entries is None:
            leaf = _leaf(cid, get, _shown(parts))
            if leaf is not None:
                done[cid] = leaf
                stack.pop()
                continue
            if len(parts) >= max_depth:
                raise IpfsError(
                    f"refusing to unpack: folders are nested deeper than {max_depth} levels "
                    f"(at {_shown(parts)})"
                )
            listed: list[tuple[str, CID]] = []
            names: set[str] = set()
            for name, child, _tsize in list_directory(cid, get):
                _check_name(name, _shown(parts))
                if name in names:
                    raise IpfsError(f"refusing to unpack: {_shown([*parts, name])} appears twice")
                names.add(name)
                listed.append((name, child))
            stack[-1] = (cid, parts, listed)
            open_folders.add(cid)
            for name, child in listed:
                if child in open_folders:
                    raise IpfsError(
                        f"refusing to unpack: {_shown([*parts, name])} contains its own parent "
                        "folder (a cycle)"
                    )
                if child not in done:
                    stack.append((child, [*parts, name], None))
            continue
        total = UnpackPlan(folders=1)
        for _name, child in entries:
            total = total.plus(done[child])
        if len(parts) + total.depth > max_depth:
            raise IpfsError(
                f"refusing to unpack: folders are nested deeper than {max_depth} levels "
                f"(under {_shown(parts) or 'the root'})"
            )
        done[cid] = total
        open_folders.discard(cid)
        stack.pop()
    return done[root]


def check_plan(plan: UnpackPlan, max_size: int, max_entries: int, free: int | None) -> None:
    """Refuse a plan that is too big for the limits or the disk (one-line ``IpfsError``)."""
    if plan.bytes > max_size:
        raise IpfsError(
            f"refusing to unpack: the files declare {human(plan.bytes)} in {plan.files} files, "
            f"more than --max-size {human(max_size)}; raise --max-size if you expect that much"
        )
    if plan.entries > max_entries:
        raise IpfsError(
            f"refusing to unpack: {plan.entries} files, folders and symlinks (counting every "
            f"path), more than --max-files {max_entries}; raise --max-files if you expect that"
        )
    if free is not None and plan.bytes > free:
        raise IpfsError(
            f"refusing to unpack: the files declare {human(plan.bytes)} but only {human(free)} "
            "is free on the disk"
        )


class _Writer:
    """Writes a planned UnixFS DAG under ``base``; symlinks last, each checked to stay inside."""

    def __init__(self, get: Getter, base: Path) -> None:
        self.get = get
        self.base = base
        self.files = 0
        self.folders = 0
        self.size = 0
        self.links: list[tuple[Path, str, str]] = []

    def tree(self, root: CID) -> None:
        stack: list[tuple[CID, Path, list[str]]] = [(root, self.base, [])]
        while stack:
            cid, target, parts = stack.pop()
            info = stat(cid, self.get)
            if info.kind in ("directory", "hamt"):
                target.mkdir()
                self.folders += 1
                for name, child, _tsize in list_directory(cid, self.get):
                    _check_name(name, _shown(parts))
                    stack.append((child, target / name, [*parts, name]))
            elif info.kind in ("file", "raw"):
                with target.open("xb") as out:
                    for chunk in read_file(cid, self.get):
                        out.write(chunk)
                        self.size += len(chunk)
                self.files += 1
            elif info.kind == "symlink":
                link_target = os.fsdecode(b"".join(read_file(cid, self.get)))
                self.links.append((target, link_target, _shown(parts)))
            else:
                raise IpfsError(f"cannot unpack {_shown(parts) or 'the root'}: {cid} is not "
                                "a UnixFS file, folder or symlink")
        self._symlinks()

    def _symlinks(self) -> None:
        inside = os.path.realpath(self.base)
        for target, link_target, shown in self.links:
            if not link_target or os.path.isabs(link_target) or "\0" in link_target:
                raise IpfsError(
                    f"refusing to unpack symlink {shown} -> {link_target[:100]!r}: it must be "
                    "a relative path inside the output folder"
                )
            try:
                os.symlink(link_target, target)
            except FileExistsError:
                raise IpfsError(f"refusing to unpack: {shown} appears twice") from None
        for target, link_target, shown in self.links:
            resolved = os.path.realpath(target)
            if os.path.commonpath([inside, resolved]) != inside:
                raise IpfsError(
                    f"refusing to unpack symlink {shown} -> {link_target[:100]!r}: it points "
                    "outside the output folder"
                )


def write_tree(root: CID, get: Getter, dest: Path) -> UnpackPlan:
    """Write the DAG under ``root`` to ``dest`` (which must not exist); return what was written."""
    writer = _Writer(get, dest)
    writer.tree(root)
    return UnpackPlan(writer.files, writer.folders, len(writer.links), writer.size)
