"""Path gateway behaviour on the gateway-conformance fixtures: UnixFS files and directories,
listings, redirects, caching headers, ranges, symlinks, codecs, errors and what is published.

Each group follows an upstream test of ipfs/gateway-conformance (its tests/*_test.go).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from permapress.ipfs.cid import CID
from permapress.ipfs.dagpb import decode_node

sys.path.insert(0, str(Path(__file__).parent))
from world import BIG_FILE, World, fixture_root  # noqa: E402

DIR_LISTING = "dir_listing/fixtures.car"
CACHE = "gateway-cache/fixtures.car"
SYMLINK = "path_gateway_unixfs/symlink.car"
FILES = "path_gateway_unixfs/dir-with-files.car"
PERCENT = "path_gateway_unixfs/dir-with-percent-encoded-filename.car"
MISSING = "trustless_gateway_car/file-3k-and-3-blocks-missing-block.car"
JSON_CBOR = "path_gateway_dag/gateway-json-cbor.car"
DAG_JSON = "path_gateway_dag/dag-json-traversal.car"
DAG_CBOR = "path_gateway_dag/dag-cbor-traversal.car"
HAMT = "trustless_gateway_car/single-layer-hamt-with-multi-block-files.car"
IMMUTABLE = "public, max-age=29030400, immutable"


def child(world: World, cid: CID, *names: str) -> CID:
    for name in names:
        node = decode_node(world.store.get(cid))
        cid = next(link.cid for link in node.links if link.name == name)
    return cid


# --- TestUnixFSDirectoryListing ------------------------------------------------------------


def test_listing_of_the_root_has_no_backlink(client, world: World) -> None:
    root = fixture_root(world, DIR_LISTING)
    response = client.get(f"/ipfs/{root}/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "Index of" in response.text
    assert f'<a href="/ipfs/{root}/">..</a>' not in response.text
    assert ">..<" not in response.text


def test_directory_without_slash_redirects(client, world: World) -> None:
    root = fixture_root(world, DIR_LISTING)
    response = client.get(f"/ipfs/{root}/ą/ę", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == f"/ipfs/{root}/%C4%85/%C4%99/"
    bare = client.get(f"/ipfs/{root}?filename=x", follow_redirects=False)
    assert bare.status_code == 301
    assert bare.headers["location"] == f"/ipfs/{root}/?filename=x"


def test_listing_of_a_unicode_subdirectory(client, world: World) -> None:
    root = fixture_root(world, DIR_LISTING)
    file_cid = child(world, root, "ą", "ę", "file-źł.txt")
    response = client.get(f"/ipfs/{root}/ą/ę/")
    assert response.status_code == 200
    assert response.headers["etag"].startswith('"DirIndex-')
    body = response.text
    assert "Index of" in body
    assert (
        f'/ipfs/<a href="/ipfs/{root}">{root}</a>/<a href="/ipfs/{root}/%C4%85">ą</a>'
        f'/<a href="/ipfs/{root}/%C4%85/%C4%99">ę</a>'
    ) in body
    assert f'<a href="/ipfs/{root}/%C4%85/%C4%99/..">..</a>' in body
    assert f'<a href="/ipfs/{root}/%C4%85/%C4%99/file-%C5%BA%C5%82.txt">file-źł.txt</a>' in body
    assert (
        f'<a class="ipfs-hash" translate="no" '
        f'href="/ipfs/{file_cid}?filename=file-%25C5%25BA%25C5%2582.txt">'
    ) in body
    followed = client.get(f"/ipfs/{root}/%C4%85/%C4%99/file-%C5%BA%C5%82.txt")
    assert followed.status_code == 200
    assert followed.content == world.store.get(file_cid)


def test_missing_file_is_404(client, world: World) -> None:
    root = fixture_root(world, DIR_LISTING)
    response = client.get(f"/ipfs/{root}/i-do-not-exist")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/plain")
    assert "i-do-not-exist" in response.text


def test_listing_of_a_sharded_directory_and_a_path_through_it(client, world: World) -> None:
    root = fixture_root(world, HAMT)
    listing = client.get(f"/ipfs/{root}/")
    assert listing.status_code == 200
    assert listing.text.count('class="ipfs-hash"') == 1000
    assert f'<a href="/ipfs/{root}/685.txt">685.txt</a>' in listing.text
    file_response = client.get(f"/ipfs/{root}/685.txt")
    assert file_response.status_code == 200
    assert len(file_response.content) == 1026
    assert file_response.headers["content-type"] == "text/plain; charset=utf-8"
    assert client.get(f"/ipfs/{root}/1001.txt").status_code == 404


# --- TestGatewayCache -----------------------------------------------------------------------


def test_cache_headers_of_a_listing(client, world: World) -> None:
    root = fixture_root(world, CACHE)
    root2 = child(world, root, "root2")
    root3 = child(world, root2, "root3")
    response = client.get(f"/ipfs/{root}/root2/root3/")
    assert response.status_code == 200
    assert response.headers["x-ipfs-path"] == f"/ipfs/{root}/root2/root3/"
    assert response.headers["x-ipfs-roots"] == f"{root},{root2},{root3}"
    etag = response.headers["etag"]
    assert etag.startswith('"DirIndex-') and etag.endswith(f'_CID-{root3}"')
    assert response.headers["cache-control"] == (
        "public, max-age=604800, stale-while-revalidate=2678400"
    )
    for tag in (etag, "W/" + etag):
        again = client.get(f"/ipfs/{root}/root2/root3/", headers={"If-None-Match": tag})
        assert again.status_code == 304
        assert again.content == b""


def test_directory_with_index_html(client, world: World) -> None:
    root = fixture_root(world, CACHE)
    root4 = child(world, root, "root2", "root3", "root4")
    response = client.get(f"/ipfs/{root}/root2/root3/root4/")
    assert response.status_code == 200
    assert response.content == b"hello\n"
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.headers["x-ipfs-path"] == f"/ipfs/{root}/root2/root3/root4/"
    assert response.headers["x-ipfs-roots"].split(",")[-1] == str(root4)
    assert len(response.headers["x-ipfs-roots"].split(",")) == 4
    assert response.headers["etag"] == f'"{root4}"'
    again = client.get(f"/ipfs/{root}/root2/root3/root4/", headers={"If-None-Match": f'"{root4}"'})
    assert again.status_code == 304


def test_file_cache_headers(client, world: World) -> None:
    root = fixture_root(world, CACHE)
    index = child(world, root, "root2", "root3", "root4", "index.html")
    url = f"/ipfs/{root}/root2/root3/root4/index.html"
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.headers["x-ipfs-path"] == url
    roots = response.headers["x-ipfs-roots"].split(",")
    assert len(roots) == 5 and roots[0] == str(root) and roots[-1] == str(index)
    assert response.headers["etag"] == f'"{index}"'
    assert response.headers["accept-ranges"] == "bytes"


@pytest.mark.parametrize(
    "if_none_match",
    ['"{cid}"', '"fakeEtag1", "fakeEtag2", "{cid}"', 'W/"{cid}"', "*"],
)
def test_if_none_match_on_a_file(client, world: World, if_none_match: str) -> None:
    root = fixture_root(world, CACHE)
    index = child(world, root, "root2", "root3", "root4", "index.html")
    response = client.get(
        f"/ipfs/{root}/root2/root3/root4/index.html",
        headers={"If-None-Match": if_none_match.format(cid=index)},
    )
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == f'"{index}"'


def test_if_none_match_that_differs_gives_the_file(client, world: World) -> None:
    root = fixture_root(world, CACHE)
    response = client.get(
        f"/ipfs/{root}/root2/root3/root4/index.html", headers={"If-None-Match": '"other"'}
    )
    assert response.status_code == 200 and response.content == b"hello\n"


def test_directory_as_raw_block_through_a_path(client, world: World) -> None:
    root = fixture_root(world, CACHE)
    root4 = child(world, root, "root2", "root3", "root4")
    response = client.get(f"/ipfs/{root}/root2/root3/root4/?format=raw")
    assert response.status_code == 200
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.content == world.store.get(root4)
    assert response.content[:4] == bytes([0x12, 0x34, 0x0A, 0x24])


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_only_if_cached(client, world: World, method: str) -> None:
    root = fixture_root(world, CACHE)
    here = client.request(
        method, f"/ipfs/{root}/root2/root3/root4/?format=raw",
        headers={"Cache-Control": "only-if-cached"},
    )
    assert here.status_code == 200
    absent = client.request(
        method, "/ipfs/QmYzfKSE55XCjD1MW128RfciAf2DViABhEiXfgVFMabSjN",
        headers={"Cache-Control": "only-if-cached"},
    )
    assert absent.status_code == 412


# --- TestGatewaySymlink ------------------------------------------------------------------------


def test_symlinks(client, world: World) -> None:
    root = fixture_root(world, SYMLINK)
    listing = client.get(f"/ipfs/{root}/")
    assert ">foo<" in listing.text and ">bar<" in listing.text
    raw = client.get(f"/ipfs/{root}?format=raw")
    assert raw.status_code == 200 and raw.content == world.store.get(root)
    link = client.get(f"/ipfs/{root}/bar")
    assert link.status_code == 200
    assert link.content == b"foo"
    assert link.headers["content-type"] == "text/plain; charset=utf-8"
    assert client.get(f"/ipfs/{root}/foo").content == b"content\n"


# --- TestGatewayUnixFSFileRanges --------------------------------------------------------------


@pytest.mark.parametrize(
    ("range_header", "content_range", "piece"),
    [
        (None, None, slice(None)),
        ("bytes=6-16", "bytes 6-16/31", slice(6, 17)),
        ("bytes=-3", "bytes 28-30/31", slice(28, 31)),
        ("bytes=6-16,0-4", "bytes 6-16/31", slice(6, 17)),
        ("bytes=20-", "bytes 20-30/31", slice(20, 31)),
        ("bytes=25-99", "bytes 25-30/31", slice(25, 31)),
    ],
)
def test_file_ranges(
    client, world: World, range_header: str | None, content_range: str | None, piece: slice
) -> None:
    root = fixture_root(world, FILES)
    data = world.store.get(child(world, root, "ascii.txt"))
    headers = {"Range": range_header} if range_header else {}
    response = client.get(f"/ipfs/{root}/ascii.txt", headers=headers)
    assert response.status_code == (206 if range_header else 200)
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers.get("content-range") == content_range
    assert response.content == data[piece]


def test_unsatisfiable_range_is_416(client, world: World) -> None:
    root = fixture_root(world, FILES)
    response = client.get(f"/ipfs/{root}/ascii.txt", headers={"Range": "bytes=31-40"})
    assert response.status_code == 416
    assert response.headers["content-range"] == "bytes */31"


@pytest.mark.parametrize(
    ("range_header", "content_range"),
    [("bytes=997-1000", "bytes 997-1000/3072"), ("bytes=2200-2201", "bytes 2200-2201/3072")],
)
def test_range_works_around_a_missing_block(
    client, world: World, range_header: str, content_range: str
) -> None:
    root = fixture_root(world, MISSING)
    response = client.get(f"/ipfs/{root}", headers={"Range": range_header})
    assert response.status_code == 206
    assert response.headers["content-range"] == content_range
    assert len(response.content) == 4 if "997" in range_header else 2


def test_multiblock_file_and_a_range_across_blocks(client, world: World) -> None:
    root = fixture_root(world, FILES)
    whole = client.get(f"/ipfs/{root}/multiblock.txt")
    assert whole.status_code == 200 and len(whole.content) == 1026
    part = client.get(f"/ipfs/{root}/multiblock.txt", headers={"Range": "bytes=250-520"})
    assert part.status_code == 206
    assert part.content == whole.content[250:521]


def test_large_file_is_streamed_and_ranges_read_only_what_they_need(client, world) -> None:
    url = f"/ipfs/{world.site_root}/media/big.bin"
    response = client.get(url)
    assert response.status_code == 200
    assert response.content == BIG_FILE
    assert response.headers["content-length"] == str(len(BIG_FILE))
    assert response.headers["content-type"] == "application/octet-stream"
    span = client.get(url, headers={"Range": "bytes=262000-263000"})
    assert span.status_code == 206
    assert span.content == BIG_FILE[262000:263001]
    assert span.headers["content-range"] == f"bytes 262000-263000/{len(BIG_FILE)}"
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(BIG_FILE))


# --- TestPathGatewayMiscellaneous -----------------------------------------------------------


def test_file_name_with_percent_encoded_characters(client, world: World) -> None:
    root = fixture_root(world, PERCENT)
    name = "Portugal%2C+España=Peninsula Ibérica.txt"
    response = client.get(f"/ipfs/{root}/Portugal%252C+España=Peninsula%20Ibérica.txt")
    assert response.status_code == 200
    assert response.content == world.store.get(child(world, root, name))


def test_filename_and_download_parameters(client, world: World) -> None:
    root = fixture_root(world, FILES)
    inline = client.get(f"/ipfs/{root}/hello.txt?filename=greeting.txt")
    assert inline.headers["content-disposition"] == 'inline; filename="greeting.txt"'
    attach = client.get(f"/ipfs/{root}/hello.txt?filename=greeting.txt&download=true")
    assert attach.headers["content-disposition"] == 'attachment; filename="greeting.txt"'
    unicode = client.get(f"/ipfs/{root}/hello.txt?filename=testтест.pdf")
    assert unicode.headers["content-disposition"] == (
        "inline; filename=\"test____.pdf\"; filename*=UTF-8''test%D1%82%D0%B5%D1%81%D1%82.pdf"
    )
    assert unicode.headers["content-type"] == "application/pdf"
    plain = client.get(f"/ipfs/{root}/hello.txt")
    assert "content-disposition" not in plain.headers


def test_head_of_a_file_has_the_headers_and_no_body(client, world: World) -> None:
    root = fixture_root(world, FILES)
    get = client.get(f"/ipfs/{root}/hello.txt")
    head = client.head(f"/ipfs/{root}/hello.txt")
    assert head.status_code == 200 and head.content == b""
    for name in ("content-type", "content-length", "etag", "x-ipfs-roots", "cache-control"):
        assert head.headers[name] == get.headers[name]


# --- JSON and CBOR: TestGatewayJsonCbor, TestCodecMismatchReturns406, TestPlainCodec --------


def test_unixfs_json_file(client, world: World) -> None:
    root = fixture_root(world, JSON_CBOR)
    t_json = child(world, root, "ą", "ę", "t.json")
    data = world.store.get(t_json)
    for headers in ({}, {"Accept": "application/json"}):
        response = client.get(f"/ipfs/{t_json}", headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.content == data
    preferred = client.get(
        f"/ipfs/{t_json}?format=json", headers={"Accept": "application/vnd.ipld.raw"}
    )
    assert preferred.status_code == 200
    assert preferred.headers["content-type"] == "application/json"
    assert preferred.content == data


def _codec_cases(world: World) -> list[tuple[str, dict[str, str]]]:
    text_file = child(world, fixture_root(world, JSON_CBOR), "ą", "ę", "file-źł.txt")
    dagpb_file = child(world, fixture_root(world, FILES), "multiblock.txt")
    dag_json = fixture_root(world, DAG_JSON)
    dag_cbor = fixture_root(world, DAG_CBOR)
    accept_json = {"Accept": "application/vnd.ipld.dag-json"}
    return [
        (f"/ipfs/{dagpb_file}?format=dag-json", {}),
        (f"/ipfs/{dagpb_file}?format=dag-cbor", {}),
        (f"/ipfs/{dagpb_file}", accept_json),
        (f"/ipfs/{text_file}?format=dag-json", {}),
        (f"/ipfs/{dag_json}?format=dag-cbor", {}),
        (f"/ipfs/{dag_cbor}?format=dag-json", {}),
        (f"/ipfs/{dag_cbor}", accept_json),
    ]


def test_codec_mismatch_is_406(client, world: World) -> None:
    for url, headers in _codec_cases(world):
        response = client.get(url, headers=headers)
        assert response.status_code == 406, url
        assert "does not convert" in response.text


@pytest.mark.parametrize(
    ("fixture", "fmt", "disposition"),
    [("path_gateway_dag/plain-json.car", "json", "inline"),
     ("path_gateway_dag/plain-cbor.car", "cbor", "attachment")],
)
def test_plain_json_and_cbor_blocks(client, world: World, fixture: str, fmt: str,
                                    disposition: str) -> None:
    cid = fixture_root(world, fixture)
    data = world.store.get(cid)
    for query, headers in [("", {}), (f"?format={fmt}", {}),
                           ("", {"Accept": f"application/{fmt}"})]:
        response = client.get(f"/ipfs/{cid}{query}", headers=headers)
        assert response.status_code == 200
        assert response.content == data
        assert response.headers["content-type"] == f"application/{fmt}"
        assert f'{disposition}; filename="{cid}.{fmt}"' in response.headers["content-disposition"]
    ranged = client.get(f"/ipfs/{cid}", headers={"Range": "bytes=1-3"})
    assert ranged.status_code == 206 and ranged.content == data[1:4]


# --- TestPathing and TestNativeDag -------------------------------------------------------------


@pytest.mark.parametrize("fixture", [DAG_JSON, DAG_CBOR])
def test_pathing_through_dag_json_and_dag_cbor(client, world: World, fixture: str) -> None:
    root = fixture_root(world, fixture)
    fmt = "dag-json" if fixture == DAG_JSON else "dag-cbor"
    assert client.get(f"/ipfs/{root}/foo?format={fmt}").status_code == 501
    leaf = client.get(f"/ipfs/{root}/foo/link/bar?format={fmt}")
    assert leaf.status_code == 200
    if fmt == "dag-json":
        assert leaf.json() == {"hello": "this is not a link"}
    else:
        # CBOR for {"hello": "this is not a link"}
        assert leaf.content == bytes.fromhex("a16568656c6c6f7274686973206973206e6f742061206c696e6b")
    assert client.get(f"/ipfs/{root}/foo/i-do-not-exist").status_code == 404


@pytest.mark.parametrize(("fixture", "fmt"), [(DAG_JSON, "json"), (DAG_CBOR, "cbor")])
def test_native_dag_blocks(client, world: World, fixture: str, fmt: str) -> None:
    cid = fixture_root(world, fixture)
    data = world.store.get(cid)
    dag = f"dag-{fmt}"
    disposition = "inline" if fmt == "json" else "attachment"
    for query, headers in [("", {}), (f"?format={dag}", {}),
                           ("", {"Accept": f"application/vnd.ipld.{dag}"})]:
        response = client.get(f"/ipfs/{cid}{query}", headers=headers)
        assert response.status_code == 200
        assert response.content == data
        assert response.headers["content-type"] == f"application/vnd.ipld.{dag}"
        assert response.headers["content-length"] == str(len(data))
        assert f'{disposition}; filename="{cid}.{fmt}"' in response.headers["content-disposition"]
        assert f"{cid}.{dag}" in response.headers["etag"]
        assert response.headers["cache-control"] == IMMUTABLE
        assert response.headers["x-ipfs-path"] and response.headers["x-ipfs-roots"]
    for query, headers in [(f"?format={fmt}", {}), ("", {"Accept": f"application/{fmt}"})]:
        plain = client.get(f"/ipfs/{cid}{query}", headers=headers)
        assert plain.headers["content-type"] == f"application/{fmt}"
        assert plain.content == data
    named = client.get(f"/ipfs/{cid}?filename=foobar.{fmt}&download=true",
                       headers={"Accept": f"application/vnd.ipld.{dag}"})
    assert f'attachment; filename="foobar.{fmt}"' in named.headers["content-disposition"]
    head = client.head(f"/ipfs/{cid}")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(data))
    html = client.get(f"/ipfs/{cid}/", headers={"Accept": "text/html"})
    assert html.status_code == 200
    assert "DagIndex-" in html.headers["etag"]
    assert html.headers["content-type"].startswith("text/html")
    assert "content-disposition" not in html.headers
    assert "</html>" in html.text


# --- CORS, errors, publication ----------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_cors_headers(client, method: str) -> None:
    response = client.request(method, "/ipfs/bafkqabtimvwgy3yk/")
    assert response.status_code == 200
    headers = response.headers
    assert headers["access-control-allow-origin"] == "*"
    for word in ("GET", "HEAD", "OPTIONS"):
        assert word in headers["access-control-allow-methods"]
    for word in ("Content-Type", "Range", "User-Agent", "X-Requested-With"):
        assert word in headers["access-control-allow-headers"]
    for word in ("Content-Range", "Content-Length", "X-Ipfs-Path", "X-Ipfs-Roots",
                 "X-Chunked-Output", "X-Stream-Output"):
        assert word in headers["access-control-expose-headers"]
    if method == "GET":
        assert response.content == b"hello\n"


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/ipfs/notacid", 400, "'notacid' is not a valid CID"),
        ("/ipfs/bafybeig", 400, "'bafybeig' is not a valid CID"),
        ("/ipfs/QmYzfKSE55XCjD1MW128RfciAf2DViABhEiXfgVFMabSj0", 400, "is not a valid CID"),
        ("/ipfs/", 400, "no CID"),
        ("/ipfs/bafkqaaa?format=tar", 406, "TAR"),
        ("/ipfs/bafkqaaa?format=zip", 400, "unknown format 'zip'"),
        ("/ipfs/bafkqaaa?format=ipns-record", 400, "/ipns/"),
        ("/ipfs/QmYzfKSE55XCjD1MW128RfciAf2DViABhEiXfgVFMabSjN", 404, "not available"),
        ("/ipfs/bafkqaaa/x", 404, "not a directory"),
    ],
)
def test_errors(client, path: str, status: int, words: str) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert words in response.text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_unpublished_content_is_404_even_when_held(client, world: World) -> None:
    draft = world.unpublished
    assert world.store.has(draft)
    child_cid = child(world, draft, "draft.html")
    for url in (f"/ipfs/{draft}/", f"/ipfs/{draft}?format=raw", f"/ipfs/{draft}?format=car",
                f"/ipfs/{child_cid}", f"/ipfs/{draft.to_v1()}/draft.html"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "not available" in response.text
    cached = client.get(f"/ipfs/{draft}", headers={"Cache-Control": "only-if-cached"})
    assert cached.status_code == 412


def test_blocks_inside_a_published_dag_are_served(client, world: World) -> None:
    root = fixture_root(world, FILES)
    leaf = child(world, root, "multiblock.txt")
    assert client.get(f"/ipfs/{leaf}").status_code == 200


def test_service_worker_registration_needs_a_trailing_slash(client, world: World) -> None:
    root = fixture_root(world, FILES)
    response = client.get(f"/ipfs/{root}", headers={"Service-Worker": "script"})
    assert response.status_code == 400
    ok = client.get(f"/ipfs/{root}/hello.txt", headers={"Service-Worker": "script"})
    assert ok.status_code == 200


def test_methods_other_than_get_head_options_are_refused(client, world: World) -> None:
    root = fixture_root(world, FILES)
    assert client.post(f"/ipfs/{root}/hello.txt").status_code == 405
    assert client.delete("/").status_code == 405
