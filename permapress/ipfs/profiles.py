"""UnixFS import profiles (IPIP-499): the settings that decide which CID a file gets.

Contract: ``PROFILES`` maps a profile name to a frozen ``Profile``; ``get_profile(name)``
returns one or raises ``ConfigError`` naming the valid choices. ``DEFAULT_PROFILE`` is
``unixfs-v1-2025``. Every profile uses sha2-256, the balanced layout, HAMT fanout 256 and no
mode/mtime; they differ in:

=================  ===  =======  ======  =====  ==========================================
profile            CID  chunk    leaves  links  a directory becomes a HAMT when ...
=================  ===  =======  ======  =====  ==========================================
unixfs-v1-2025     v1   1 MiB    raw     1024   its serialized dag-pb block > 256 KiB
kubo-cid-v1        v1   256 KiB  raw     174    sum of (name bytes + CID bytes) > 256 KiB
unixfs-v0-2015     v0   256 KiB  dag-pb  174    sum of (name bytes + CID bytes) > 256 KiB
=================  ===  =======  ======  =====  ==========================================

``hamt_estimate`` is ``"block"`` (IPIP-499 "block-bytes") or ``"links"`` ("links-bytes");
the comparison is strictly greater than ``hamt_threshold``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from permapress.errors import ConfigError

__all__ = ["DEFAULT_PROFILE", "PROFILES", "Profile", "get_profile"]

KIB: Final = 1024
MIB: Final = 1024 * KIB


@dataclass(frozen=True, slots=True)
class Profile:
    """How files and directories are cut into blocks and linked."""

    name: str
    cid_version: int
    chunk_size: int
    raw_leaves: bool
    max_links: int
    hamt_threshold: int
    hamt_estimate: Literal["links", "block"]
    fanout: int = 256


PROFILES: Final[dict[str, Profile]] = {
    "unixfs-v1-2025": Profile(
        name="unixfs-v1-2025",
        cid_version=1,
        chunk_size=MIB,
        raw_leaves=True,
        max_links=1024,
        hamt_threshold=256 * KIB,
        hamt_estimate="block",
    ),
    "kubo-cid-v1": Profile(
        name="kubo-cid-v1",
        cid_version=1,
        chunk_size=256 * KIB,
        raw_leaves=True,
        max_links=174,
        hamt_threshold=256 * KIB,
        hamt_estimate="links",
    ),
    "unixfs-v0-2015": Profile(
        name="unixfs-v0-2015",
        cid_version=0,
        chunk_size=256 * KIB,
        raw_leaves=False,
        max_links=174,
        hamt_threshold=256 * KIB,
        hamt_estimate="links",
    ),
}

DEFAULT_PROFILE: Final[Profile] = PROFILES["unixfs-v1-2025"]


def get_profile(name: str) -> Profile:
    """The profile called ``name``; ``ConfigError`` lists the valid names otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        choices = ", ".join(sorted(PROFILES))
        raise ConfigError(
            f"unknown import profile {name!r}; choose one of: {choices}"
        ) from None
