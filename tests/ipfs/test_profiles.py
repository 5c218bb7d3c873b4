"""Import profiles: the IPIP-499 table and lookup errors."""

from __future__ import annotations

import pytest

from permapress.errors import ConfigError
from permapress.ipfs.profiles import DEFAULT_PROFILE, PROFILES, get_profile


@pytest.mark.parametrize(
    ("name", "version", "chunk", "raw", "links", "estimate"),
    [
        ("unixfs-v1-2025", 1, 1048576, True, 1024, "block"),
        ("kubo-cid-v1", 1, 262144, True, 174, "links"),
        ("unixfs-v0-2015", 0, 262144, False, 174, "links"),
    ],
)
def test_profile_table(
    name: str, version: int, chunk: int, raw: bool, links: int, estimate: str
) -> None:
    profile = get_profile(name)
    assert profile.name == name
    assert (profile.cid_version, profile.chunk_size, profile.raw_leaves) == (version, chunk, raw)
    assert (profile.max_links, profile.hamt_estimate) == (links, estimate)
    assert profile.hamt_threshold == 262144
    assert profile.fanout == 256


def test_default_and_names() -> None:
    assert DEFAULT_PROFILE is PROFILES["unixfs-v1-2025"]
    assert set(PROFILES) == {"unixfs-v1-2025", "kubo-cid-v1", "unixfs-v0-2015"}


def test_unknown_profile_names_the_choices() -> None:
    with pytest.raises(ConfigError, match="kubo-cid-v1, unixfs-v0-2015, unixfs-v1-2025"):
        get_profile("v2")
