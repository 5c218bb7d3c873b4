"""What a DAG check found: ``Problem``, ``VerifyReport``, and paths from the root (``Trail``).

Each problem names the block's CID and, inside UnixFS, its path from the root
(``articles/x/index.html``; ``""`` is the root itself). ``VerifyReport.ok`` is true only when
there are no problems. ``blocks`` and ``bytes`` count the distinct blocks that were present.

Paths are kept as links to their parent, never as growing strings; ``Problem.path`` is shortened
to its first and last ``PATH_KEEP`` segments (``a/b/c/…/x/y/z``) and each segment to
``SEGMENT_KEEP`` characters. ``VerifyReport.lines(limit)`` prints a long report as a summary: at
most ``limit`` problems, then "… and K more", and each kind of warning once with its count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from permapress.ipfs.cid import CID

ProblemKind = Literal["missing", "corrupt", "unsupported", "malformed", "warning"]

PATH_KEEP = 3
SEGMENT_KEEP = 40
DEFAULT_LIMIT = 20

@dataclass(frozen=True, slots=True)
class Trail:
    """A path from the root as a link to its parent: extending it costs O(1) at any depth."""

    parent: Trail | None
    name: str
    depth: int
    head: tuple[str, ...]

    def child(self, name: str) -> Trail:
        trail = self
        for part in name.split("/") if name else [""]:
            head = trail.head if len(trail.head) >= PATH_KEEP else (*trail.head, part)
            trail = Trail(trail, part, trail.depth + 1, head)
        return trail

    def short(self) -> str:
        """The path with its middle elided: first and last ``PATH_KEEP`` segments."""
        if self.depth <= 2 * PATH_KEEP:
            parts: list[str] = []
            node: Trail | None = self
            while node is not None and node.depth:
                parts.append(node.name)
                node = node.parent
            return "/".join(short_segment(p) for p in reversed(parts))
        tail: list[str] = []
        node = self
        while node is not None and len(tail) < PATH_KEEP:
            tail.append(node.name)
            node = node.parent
        first = "/".join(short_segment(p) for p in self.head)
        last = "/".join(short_segment(p) for p in reversed(tail))
        return f"{first}/…{self.depth - 2 * PATH_KEEP} more…/{last}"


ROOT = Trail(None, "", 0, ())


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: control characters (a name holding an escape
    sequence or a newline could forge output lines) and undecodable bytes shown as ``\\xNN``."""
    if text.isprintable():
        return text
    out: list[str] = []
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif not char.isprintable() and char != " ":
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def short_segment(name: str) -> str:
    name = printable(name)
    if len(name) <= SEGMENT_KEEP:
        return name
    half = SEGMENT_KEEP // 2
    return f"{name[:half]}…{name[-half:]}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one block."""

    cid: CID
    path: str
    kind: ProblemKind
    message: str

    def __str__(self) -> str:
        where = f" ({self.path})" if self.path else " (root)"
        return f"{self.kind}: {self.cid}{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of a verification; ``ok`` when nothing is wrong."""

    root: CID
    blocks: int
    bytes: int
    problems: tuple[Problem, ...]
    extra: int = 0
    notes: tuple[str, ...] = field(default=())
    warnings: tuple[Problem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self, limit: int = DEFAULT_LIMIT) -> list[str]:
        """What to print: at most ``limit`` problems, warnings grouped, notes, then the summary."""
        out = [str(problem) for problem in self.problems[:limit]]
        rest = len(self.problems) - limit
        if rest > 0:
            out.append(f"… and {rest} more problems (--json lists every one)")
        groups: dict[str, list[Problem]] = {}
        for warning in self.warnings:
            groups.setdefault(warning.message, []).append(warning)
        for message, found in groups.items():
            first = found[0]
            where = f"{first.cid} ({first.path or 'root'})"
            more = f" and {len(found) - 1} more blocks" if len(found) > 1 else ""
            out.append(f"warning: {message}: {where}{more}")
        out.extend(f"note: {note}" for note in self.notes)
        out.append(self.summary())
        return [printable(line) for line in out]

    def summary(self) -> str:
        """One line: ``OK <root>: N blocks, M bytes`` or ``FAILED <root>: …``."""
        counts = f"{self.blocks} blocks, {self.bytes} bytes"
        if self.extra:
            counts += f", {self.extra} extra blocks not under the root"
        if self.warnings:
            counts += f", {len(self.warnings)} blocks with warnings"
        if self.ok:
            return f"OK {self.root}: {counts}"
        kinds: dict[str, int] = {}
        for problem in self.problems:
            kinds[problem.kind] = kinds.get(problem.kind, 0) + 1
        found = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
        return f"FAILED {self.root}: {found} ({counts} checked)"
