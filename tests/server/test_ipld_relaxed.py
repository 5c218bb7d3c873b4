"""The gateway paths through DAG-CBOR blocks that real chains hold: text that is not UTF-8 is
still a block whose links can be followed, as `ipfs verify` and go-ipld-prime read it."""

from __future__ import annotations

import pytest

from permapress.errors import PermapressError
from permapress.ipfs.cid import CID, DAG_CBOR, DAG_JSON
from permapress.server.content import content_type
from permapress.server.ipld import follow, links


def _block(target: CID) -> bytes:
    raw = bytes(target)
    link = b"\xd8\x2a\x58" + bytes([len(raw) + 1]) + b"\x00" + raw
    # {"name": <text ff fe, not UTF-8>, "next": link}, keys in canonical order
    return b"\xa2" + b"\x64name" + b"\x62\xff\xfe" + b"\x64next" + link


def test_links_are_followed_through_text_that_is_not_utf8() -> None:
    target = CID.hash(b"leaf")
    data = _block(target)
    cid = CID.hash(data, codec=DAG_CBOR)
    assert links(cid, data) == [target]
    assert follow(cid, data, ["next", "rest"]) == (target, 1)


def test_dag_json_nested_past_the_recursion_limit_is_a_format_error() -> None:
    data = b"[" * 200_000 + b"]" * 200_000
    cid = CID.hash(data, codec=DAG_JSON)
    with pytest.raises(PermapressError, match="nested too deeply"):
        links(cid, data)
    assert content_type(None, data, complete=True) != "application/json"
