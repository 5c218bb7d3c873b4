"""Every kept crasher is replayed: each folder under tests/fuzz/crashers/ names a target that a
fuzz test replays (``@replay("<target>")``), so no crasher sits unused."""

from __future__ import annotations

import re

from fuzzkit import CRASHERS, HERE


def test_every_crasher_folder_is_replayed_by_a_fuzz_test() -> None:
    replayed = {
        name
        for path in HERE.glob("test_*.py")
        for name in re.findall(r'@replay\("([^"]+)"\)', path.read_text(encoding="utf-8"))
    }
    folders = {p.name for p in CRASHERS.iterdir() if p.is_dir()}
    assert folders and folders <= replayed, sorted(folders - replayed)
    assert all(any(p.is_file() for p in (CRASHERS / f).iterdir()) for f in folders)
