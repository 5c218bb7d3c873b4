"""Whatever a client sends, the server answers with a status below 500 (bad input is 4xx)."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from world import World, fixture_root  # noqa: E402

FIXTURES_OK = [HealthCheck.function_scoped_fixture]  # the session client is shared on purpose
ROOTS = [
    "trustless_gateway_car/subdir-with-mixed-block-files.car",
    "trustless_gateway_car/single-layer-hamt-with-multi-block-files.car",
    "path_gateway_dag/dag-cbor-traversal.car",
    "path_gateway_dag/dag-json-traversal.car",
    "path_gateway_unixfs/symlink.car",
    "dir_listing/fixtures.car",
]
segment = st.one_of(
    st.sampled_from(["subdir", "multiblock.txt", "ascii.txt", "685.txt", "foo", "link", "bar",
                     "ą", "..", ".", "", "index.html", "0", "files"]),
    st.text(min_size=1, max_size=12),
)
param = st.one_of(st.text(max_size=12), st.sampled_from(
    ["raw", "car", "tar", "dag-json", "dag-cbor", "json", "cbor", "ipns-record", "block",
     "entity", "all", "0:*", "-5:*", "3:1", "y", "n", "dfs", "unk", "2", "true"]))
accept = st.one_of(st.none(), st.text(max_size=40), st.sampled_from([
    "application/vnd.ipld.raw", "application/vnd.ipld.car; version=1; order=dfs; dups=y",
    "application/vnd.ipld.car; version=2", "text/html", "application/json",
    "application/vnd.ipld.dag-json", "*/*;q=0.1, application/cbor"]))
header_range = st.one_of(st.none(), st.text(max_size=20), st.sampled_from(
    ["bytes=0-10", "bytes=-5", "bytes=5-", "bytes=99999-", "bytes=3-1", "bytes=0-1,4-5"]))


@settings(max_examples=300, deadline=None, suppress_health_check=FIXTURES_OK)
@given(
    root=st.sampled_from(ROOTS),
    segments=st.lists(segment, max_size=4),
    query=st.dictionaries(st.sampled_from(["format", "dag-scope", "entity-bytes", "car-dups",
                                           "car-order", "car-version", "filename", "download"]),
                          param, max_size=4),
    accept_header=accept,
    range_header=header_range,
    method=st.sampled_from(["GET", "HEAD"]),
)
def test_no_input_makes_the_gateway_fail(
    client, world: World, root: str, segments: list[str], query: dict[str, str],
    accept_header: str | None, range_header: str | None, method: str,
) -> None:
    path = "/".join(quote(s, safe="") for s in segments)
    url = f"/ipfs/{fixture_root(world, root)}/{path}"
    if query:
        url += "?" + urlencode(query)
    headers = {}
    if accept_header is not None and accept_header.isascii() and accept_header.isprintable():
        headers["Accept"] = accept_header
    if range_header is not None and range_header.isascii() and range_header.isprintable():
        headers["Range"] = range_header
    response = client.request(method, url, headers=headers)
    assert response.status_code < 500 or response.status_code == 501, (url, headers)


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURES_OK)
@given(text=st.text(max_size=60))
def test_no_cid_text_makes_the_gateway_fail(client, text: str) -> None:
    response = client.get("/ipfs/" + quote(text, safe=""))
    assert response.status_code in (200, 301, 400, 404, 406, 501)
