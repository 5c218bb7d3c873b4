"""dag-pb codec: canonical encoding, strict decoding, round trips, and JS @ipld/dag-pb parity."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from permapress.errors import FormatError
from permapress.ipfs.cid import CID, DAG_PB, RAW
from permapress.ipfs.dagpb import PBLink, PBNode, decode_node, encode_node, link_cids

INTEROP = Path(__file__).resolve().parents[1] / "interop"

RAW_CID = CID.hash(b"leaf", RAW)
V0_CID = CID.hash(b"node", DAG_PB, version=0)
LINK = "0a24" + bytes(RAW_CID).hex()


@pytest.mark.parametrize(
    ("node", "hex_bytes"),
    [
        (PBNode(), ""),
        (PBNode(data=b""), "0a00"),
        (PBNode(data=b"\x08\x01"), "0a020801"),
        (
            PBNode((PBLink(RAW_CID),)),
            "1226" + "0a24" + bytes(RAW_CID).hex(),
        ),
        (
            PBNode((PBLink(V0_CID, "a", 3),), b"\x08\x01"),
            "1229" + "0a22" + bytes(V0_CID).hex() + "120161" + "1803" + "0a020801",
        ),
        (
            PBNode((PBLink(RAW_CID, "", 0),)),
            "122a" + LINK + "1200" + "1800",
        ),
    ],
)
def test_known_encodings(node: PBNode, hex_bytes: str) -> None:
    assert encode_node(node).hex() == hex_bytes
    assert decode_node(bytes.fromhex(hex_bytes)) == node


def test_empty_directory_block_has_the_well_known_cid() -> None:
    block = encode_node(PBNode(data=b"\x08\x01"))
    assert str(CID.hash(block, DAG_PB, 0)) == "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"


def test_links_keep_their_given_order() -> None:
    links = (PBLink(RAW_CID, "b", 1), PBLink(RAW_CID, "a", 1))
    assert decode_node(encode_node(PBNode(links))).links == links


BAD = [
    ("0a0012020a00", "Data before Links", "before Data"),
    ("0a000a00", "Data twice", "twice"),
    ("1a00", "unknown node field 3", "unknown field 3"),
    ("0800", "Data with varint wire type", "wire type"),
    ("1000", "Links with varint wire type", "wire type"),
    ("1200", "link without Hash", "no Hash"),
    ("12020a00", "link Hash that is not a CID", "not a CID"),
    ("0a05", "Data longer than the block", "claims 5 bytes"),
    ("0a", "missing length", "truncated"),
    ("8a00", "non-minimal field key", "minimally"),
    ("0a8000", "non-minimal length", "minimally"),
    ("12" + "28" + "1200" + "0a24" + bytes(RAW_CID).hex(), "Name before Hash", "out of order"),
    ("12" + "2a" + LINK + "1800" + "1800", "Tsize twice", "repeated"),
    ("12" + "2a" + LINK + "1800" + "2000", "unknown link field 4", "unknown field 4"),
    ("12" + "28" + LINK + "1a00", "Tsize as bytes", "wire type"),
    ("12" + "31" + LINK + "18" + "ffffffffffffffffff7f", "Tsize > 64 bits", "64 bits"),
    ("12" + "27" + LINK + "ff", "truncated key in link", "truncated"),
]


@pytest.mark.parametrize(("hex_bytes", "why", "fragment"), BAD, ids=[c[1] for c in BAD])
def test_rejects_non_canonical(hex_bytes: str, why: str, fragment: str) -> None:
    with pytest.raises(FormatError, match=fragment):
        decode_node(bytes.fromhex(hex_bytes))


def test_rejects_unwritable_name() -> None:
    with pytest.raises(FormatError, match="rename"):
        encode_node(PBNode((PBLink(RAW_CID, "bad\ud800name"),)))


def test_non_utf8_name_bytes_round_trip() -> None:
    block = bytes.fromhex("122a" + LINK + "1202ff41")
    node = decode_node(block)
    assert node.links[0].name == "\udcffA"
    assert encode_node(node) == block


cids = st.one_of(
    st.binary(max_size=64).map(lambda b: CID.hash(b, RAW)),
    st.binary(max_size=64).map(lambda b: CID.hash(b, DAG_PB, 0)),
    st.binary(max_size=64).map(lambda b: CID.hash(b, DAG_PB, 1)),
)
links = st.builds(
    PBLink,
    cids,
    st.one_of(st.none(), st.text(max_size=20)),
    st.one_of(st.none(), st.integers(0, 2**64 - 1)),
)
nodes = st.builds(PBNode, st.lists(links, max_size=5).map(tuple), st.one_of(st.none(), st.binary()))


@given(nodes)
def test_round_trip(node: PBNode) -> None:
    block = encode_node(node)
    assert decode_node(block) == node
    assert encode_node(decode_node(block)) == block


@given(st.binary(max_size=200))
def test_random_bytes_decode_or_format_error(data: bytes) -> None:
    try:
        node = decode_node(data)
    except FormatError:
        return
    assert encode_node(node) == data


@given(nodes, st.integers(0, 10_000), st.integers(0, 255))
def test_mutated_blocks_decode_canonically_or_fail(node: PBNode, where: int, value: int) -> None:
    block = bytearray(encode_node(node))
    if not block:
        return
    block[where % len(block)] = value
    try:
        decoded = decode_node(bytes(block))
    except FormatError:
        return
    assert encode_node(decoded) == bytes(block)


long_links = st.builds(
    PBLink,
    cids,
    st.one_of(st.none(), st.text(max_size=200)),  # some links longer than 127 bytes
    st.one_of(st.none(), st.integers(0, 2**64 - 1)),
)
long_nodes = st.builds(
    PBNode, st.lists(long_links, max_size=6).map(tuple), st.one_of(st.none(), st.binary())
)


@given(long_nodes)
def test_link_cids_are_the_decoded_links(node: PBNode) -> None:
    assert link_cids(encode_node(node)) == [link.cid for link in node.links]


@given(long_nodes, st.integers(0, 10_000), st.integers(0, 255))
def test_link_cids_of_a_changed_block_agree_whenever_it_decodes(
    node: PBNode, where: int, value: int
) -> None:
    block = bytearray(encode_node(node))
    if block:
        block[where % len(block)] = value
    try:
        decoded = decode_node(bytes(block))
    except FormatError:
        return
    assert link_cids(bytes(block)) == [link.cid for link in decoded.links]


@pytest.mark.interop
@pytest.mark.skipif(
    shutil.which("node") is None or not (INTEROP / "node_modules" / "@ipld" / "dag-pb").is_dir(),
    reason="node or tests/interop/node_modules/@ipld/dag-pb is missing (run npm ci there)",
)
def test_same_bytes_as_js_dag_pb() -> None:
    cases = [
        PBNode(),
        PBNode(data=b""),
        PBNode((PBLink(RAW_CID, "z", 5), PBLink(V0_CID, "é", 0)), b"\x08\x02"),
        PBNode((PBLink(V0_CID),)),
        PBNode((PBLink(RAW_CID, "", None),), b"x" * 300),
    ]
    job = [
        {
            "Data": None if n.data is None else n.data.hex(),
            "Links": [
                {"Hash": str(link.cid), "Name": link.name, "Tsize": link.tsize}
                for link in n.links
            ],
        }
        for n in cases
    ]
    script = """
import { encode } from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
let input = ''
process.stdin.on('data', (d) => { input += d })
process.stdin.on('end', () => {
  for (const n of JSON.parse(input)) {
    const node = { Links: n.Links.map((l) => {
      const link = { Hash: CID.parse(l.Hash) }
      if (l.Name !== null) link.Name = l.Name
      if (l.Tsize !== null) link.Tsize = l.Tsize
      return link
    }) }
    if (n.Data !== null) node.Data = Uint8Array.from(Buffer.from(n.Data, 'hex'))
    console.log(Buffer.from(encode(node)).toString('hex'))
  }
})
"""
    result = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        cwd=INTEROP,
        check=True,
        timeout=60,
    )
    assert result.stdout.split("\n")[:-1] == [encode_node(n).hex() for n in cases]
