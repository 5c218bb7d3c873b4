"""``import_rendered``: a file given as pieces (log.jsonl, written as it is read from the
catalog) is the same file, block for block, as its bytes given whole."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.importer import import_bytes, import_rendered
from permapress.ipfs.profiles import PROFILES, Profile

SMALL = Profile("small", 1, 1000, True, 3, 262144, "block")  # 1,000-byte chunks, 3 links a node
PROFILE_NAMES = ["unixfs-v1-2025", "unixfs-v0-2015"]


def _blocks(data: bytes | list[bytes], profile: Profile) -> tuple[object, list[object]]:
    store = MemoryBlockstore()
    made = (
        import_bytes(data, profile, store.put)
        if isinstance(data, bytes)
        else import_rendered(iter(data), profile, store.put)
    )
    return made, sorted(str(cid) for cid in store)


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(st.binary(max_size=2500), max_size=12))
def test_pieces_make_the_file_their_bytes_make(pieces: list[bytes]) -> None:
    whole = b"".join(pieces)
    assert _blocks(pieces, SMALL) == _blocks(whole, SMALL)


def test_a_log_of_many_chunks_in_uneven_pieces_for_every_profile() -> None:
    line = '{{"seq":{0},"action":"publish","slug":"story-{0}"}}\n'
    lines = [line.format(n).encode() for n in range(50000)]
    pieces = [b"".join(lines[at : at + 701]) for at in range(0, len(lines), 701)]
    whole = b"".join(pieces)
    for name in PROFILE_NAMES:
        profile = PROFILES[name]
        assert len(whole) > 2 * profile.chunk_size  # a file of several leaves
        made, blocks = _blocks(pieces, profile)
        assert (made, blocks) == _blocks(whole, profile)
        assert len(blocks) > 3


def test_bytes_and_no_pieces() -> None:
    profile = PROFILES["unixfs-v1-2025"]
    assert import_rendered(b"abc", profile, MemoryBlockstore().put) == import_bytes(
        b"abc", profile, MemoryBlockstore().put
    )
    assert _blocks([], profile) == _blocks(b"", profile)
    assert _blocks([b"", b"x", b""], profile) == _blocks(b"x", profile)
