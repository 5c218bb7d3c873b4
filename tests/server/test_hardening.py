"""The gateway tried as an attacker would (issue 11): only published blocks leave it, hostile
bytes never render on our origin, no request multiplies what it gets, no number or CID costs
more than a 4xx, and every response carries the security headers."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.car import read_car
from permapress.ipfs.cid import CID, DAG_CBOR, RAW, identity_cid
from permapress.ipfs.dagcbor import encode
from permapress.ipfs.importer import import_tree
from permapress.ipfs.profiles import get_profile
from permapress.server.app import create_app
from permapress.server.carstream import CarLimits, dups_fit
from permapress.server.resolve import resolve
from permapress.server.served import ServedSet

sys.path.insert(0, str(Path(__file__).parent))
from crafted import directory, hashed, inline_directory, read_all, running  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

PROFILE = get_profile("unixfs-v1-2025")
SECRET = b"<p>the draft nobody may read yet</p>"
PURGED = b"<p>an article removed with retract --purge</p>"
FAKE = b'<!doctype html><meta http-equiv="refresh" content="0;url=https://evil.example/">Mayor'
SECURITY = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
}


class Newsroom:
    """A blockstore holding a published site, a draft and an old site root with purged text."""

    def __init__(self) -> None:
        self.store = MemoryBlockstore()
        put = self.store.put
        self.draft = import_tree({"draft.html": SECRET}, PROFILE, put).cid
        self.old_site = import_tree({"index.html": b"<p>old</p>", "gone.html": PURGED},
                                    PROFILE, put).cid
        self.site = import_tree(
            {"index.html": b"<p>today</p>",
             "articles": {"a": {"index.html": b"<p>a</p>",
                                "media": {"source.html": FAKE,
                                          "source.warc.gz": b"\x1f\x8b\x08 not really"}}}},
            PROFILE, put,
        ).cid
        self.served = ServedSet(self.store.get, [self.site])

    def app(self, **options: object) -> object:
        return create_app(blocks=self.store, site_root=lambda: self.site,
                          is_served=self.served.is_served, **options)  # type: ignore[arg-type]


@pytest.fixture
def newsroom() -> Newsroom:
    return Newsroom()


@pytest.fixture
def client(newsroom: Newsroom) -> Iterator[TestClient]:
    with TestClient(newsroom.app()) as test_client:  # type: ignore[arg-type]
        yield test_client


def _leaks(response: object, *secrets: bytes) -> bool:
    content: bytes = response.content  # type: ignore[attr-defined]
    return any(secret in content for secret in secrets)


# --- 1. only published blocks, whatever the request names -------------------------------------


def test_self_made_identity_directories_do_not_reach_hidden_content(
    client: TestClient, newsroom: Newsroom
) -> None:
    sneaky = inline_directory([("d", newsroom.draft), ("old", newsroom.old_site)])
    deeper = inline_directory([("x", sneaky)])
    published_link = inline_directory([("site", newsroom.site)])
    for root in (sneaky, deeper, published_link):
        for path in ("", "/", "/d/draft.html", "/old/gone.html", "/x/d/draft.html",
                     "/x/old/gone.html", "/site/", "?format=car", "?format=raw",
                     "?format=car&dag-scope=all&car-dups=y", "/d?format=car", "/d?format=raw",
                     "/x/d/draft.html?format=raw", "?format=dag-json"):
            response = client.get(f"/ipfs/{root}{path}")
            assert response.status_code == 404, (root, path, response.status_code)
            assert not _leaks(response, SECRET, PURGED)
    # the draft and the old root by their own CIDs, and in the other codec spelling
    for cid in (newsroom.draft, newsroom.old_site, CID(1, RAW, newsroom.draft.multihash)):
        for query in ("", "?format=raw", "?format=car"):
            assert client.get(f"/ipfs/{cid}/{query}").status_code == 404


def test_published_bytes_asked_for_under_another_codec_are_not_followed(
    newsroom: Newsroom,
) -> None:
    # a published file whose bytes happen to be a dag-pb directory linking to the draft
    store = newsroom.store
    trap = directory([("d", newsroom.draft)])
    page = import_tree({"index.html": b"<p>x</p>", "trap.bin": trap}, PROFILE, store.put).cid
    served = ServedSet(store.get, [page])
    app = create_app(blocks=store, site_root=lambda: page, is_served=served.is_served)
    with TestClient(app) as client:
        raw_cid = CID.hash(trap, RAW)
        assert client.get(f"/ipfs/{raw_cid}?format=raw").content == trap
        as_dag_pb = CID(1, 0x70, raw_cid.multihash)
        for path in ("/", "/d/draft.html", "?format=car"):
            response = client.get(f"/ipfs/{as_dag_pb}{path}")
            assert response.status_code == 404 and not _leaks(response, SECRET)


def test_identity_cids_inside_published_content_and_self_contained_ones_work(
    newsroom: Newsroom,
) -> None:
    store = newsroom.store
    tiny = identity_cid(b"tiny text")
    inner = inline_directory([("t.txt", tiny)])
    site = hashed(store, directory([("inner", inner), ("site", newsroom.site)]))
    served = ServedSet(store.get, [site])
    app = create_app(blocks=store, site_root=lambda: site, is_served=served.is_served)
    with TestClient(app) as client:
        assert client.get(f"/ipfs/{site}/inner/t.txt").content == b"tiny text"
        assert client.get(f"/ipfs/{inner}/t.txt").content == b"tiny text"
        assert client.get(f"/ipfs/{site}/site/articles/a/index.html").content == b"<p>a</p>"
        probe = client.get("/ipfs/bafkqaaa")
        assert probe.status_code == 200 and probe.content == b""
        car = read_car_bytes(client.get(f"/ipfs/{site}?format=car").content)
        assert set(car) >= {site, newsroom.site}


def read_car_bytes(data: bytes) -> list[CID]:
    import io

    return [cid for cid, _data in read_car(io.BytesIO(data))]


def test_identity_digests_over_128_bytes_are_refused(client: TestClient) -> None:
    ok = identity_cid(b"a" * 128)
    assert client.get(f"/ipfs/{ok}?format=raw").status_code == 200
    response = client.get(f"/ipfs/{identity_cid(b'a' * 129)}")
    assert response.status_code == 400 and "at most 128" in response.text


def test_identity_html_never_renders_on_our_origin(client: TestClient) -> None:
    page = identity_cid(FAKE)
    inline_site = inline_directory([("index.html", identity_cid(b"<h1>Mayor arrested</h1>"))])
    for url in (f"/ipfs/{page}", f"/ipfs/{page}?filename=x.html",
                f"/ipfs/{page}?filename=x.html&download=false", f"/ipfs/{page}/",
                f"/ipfs/{inline_site}/", f"/ipfs/{inline_site}/index.html",
                f"/ipfs/{inline_site}/index.html?filename=a.svg"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"] == "application/octet-stream", url
        assert response.headers["content-disposition"].startswith("attachment;"), url
        assert "sandbox" in response.headers["content-security-policy"]


def test_kept_originals_and_bare_cid_markup_are_attachments(
    client: TestClient, newsroom: Newsroom
) -> None:
    source = CID.hash(FAKE, RAW)
    for url in ("/articles/a/media/source.html", "/articles/a/media/source.warc.gz",
                f"/ipfs/{newsroom.site}/articles/a/media/source.html",
                f"/ipfs/{source}", f"/ipfs/{source}?filename=page.html&download=false"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-disposition"].startswith("attachment;"), url
        assert response.headers["content-security-policy"].endswith("; sandbox"), url
    page = client.get(f"/ipfs/{newsroom.site}/articles/a/")
    assert page.content == b"<p>a</p>" and "content-disposition" not in page.headers


# --- 2. no amplification ----------------------------------------------------------------------


def test_many_links_to_one_node_do_not_multiply_a_car(newsroom: Newsroom) -> None:
    store = newsroom.store
    fan = hashed(store, directory([(f"copy{i:03}", newsroom.site) for i in range(600)]))
    served = ServedSet(store.get, [fan])
    app = create_app(blocks=store, site_root=lambda: fan, is_served=served.is_served)
    with TestClient(app) as client:
        plain = client.get(f"/ipfs/{fan}?format=car")
        for query in ("format=car&dag-scope=all&car-dups=y", "format=car&car-dups=y"):
            response = client.get(f"/ipfs/{fan}?{query}")
            assert response.status_code == 200
            assert "dups=n" in response.headers["content-type"], query
            assert len(response.content) <= 2 * len(plain.content), query
        own_block = client.get(f"/ipfs/{fan}?format=car&dag-scope=entity&car-dups=y")
        assert read_car_bytes(own_block.content) == [fan]
        # the identity node of the issue, with 600 links to the site root, is not served at all
        # (a short one is refused as unpublished, a long one as an over-long identity CID)
        attack = identity_cid(directory([("", newsroom.site)] * 2), 0x70)
        assert client.get(f"/ipfs/{attack}?format=car&car-dups=y").status_code == 404
        long_attack = identity_cid(directory([("", newsroom.site)] * 600), 0x70)
        assert client.get(f"/ipfs/{long_attack}?format=car&car-dups=y").status_code == 400


def test_a_block_linking_to_itself_ends(newsroom: Newsroom) -> None:
    store = newsroom.store
    loop_cid = CID.hash(b"placeholder", DAG_CBOR)
    looped = encode({"self": loop_cid})
    store.put(loop_cid, looped)  # a damaged store: the block is filed under a CID it links to
    app = create_app(blocks=store, site_root=lambda: None, is_served=lambda cid: True,
                     car_limits=CarLimits(max_blocks=50))
    with running(app) as base:
        status, headers, _body, complete = read_all(
            f"{base}/ipfs/{loop_cid}?format=car&car-dups=y")
    assert status == 200 and "dups=n" in headers["content-type"] and complete


def test_car_streams_stop_at_the_limits(newsroom: Newsroom) -> None:
    big = import_tree({f"f{i}.bin": bytes([i]) * 300_000 for i in range(8)}, PROFILE,
                      newsroom.store.put).cid
    for limits in (CarLimits(max_blocks=3), CarLimits(max_bytes=1_000_000)):
        app = create_app(blocks=newsroom.store, site_root=lambda: None,
                         is_served=lambda cid: True, car_limits=limits)
        with running(app) as base:
            status, _headers, body, complete = read_all(f"{base}/ipfs/{big}?format=car")
            assert status == 200 and not complete, limits
            assert len(body) <= 1_000_000 + 1000
            whole = read_all(f"{base}/ipfs/{big}/f1.bin?format=car&dag-scope=block")
            assert whole[0] == 200 and whole[3]


# --- 3. numbers and CIDs ----------------------------------------------------------------------


def test_numbers_of_any_length_give_4xx(client: TestClient, newsroom: Newsroom) -> None:
    huge = "9" * 5000
    site = newsroom.site
    cases = [
        (f"/ipfs/{site}/index.html", {"Range": f"bytes={huge}-"}, 416),
        ("/index.html", {"Range": f"bytes={huge}-"}, 416),
        (f"/ipfs/{site}/index.html?format=raw", {"Range": f"bytes={huge}-{huge}"}, 416),
        (f"/ipfs/{site}?format=car&entity-bytes={huge}:*", {}, 400),
        (f"/ipfs/{site}?format=car&entity-bytes=0:{huge}", {}, 400),
        (f"/ipfs/{site}?format=car&entity-bytes=-{huge}:*", {}, 400),
    ]
    for url, headers, status in cases:
        response = client.get(url, headers=headers)
        assert response.status_code == status, (url[:80], response.status_code)
        assert len(response.content) < 1000
    whole = client.get("/index.html", headers={"Range": f"bytes=0-{huge}"})
    assert whole.status_code == 206 and whole.content == b"<p>today</p>"
    suffix = client.get("/index.html", headers={"Range": f"bytes=-{huge}"})
    assert suffix.status_code == 206 and suffix.content == b"<p>today</p>"
    listed = hashed(newsroom.store, encode({"list": [newsroom.site]}), DAG_CBOR)
    app = create_app(blocks=newsroom.store, site_root=lambda: None, is_served=lambda c: True)
    with TestClient(app) as other:
        assert other.get(f"/ipfs/{listed}/list/0/index.html").content == b"<p>today</p>"
        for index in (huge, "٣", "0" * 30):
            assert other.get(f"/ipfs/{listed}/list/{index}").status_code == 404


def test_over_long_cids_are_refused_with_a_short_answer(client: TestClient) -> None:
    for text in ("z" + "2" * 60_000, "b" + "a" * 60_000, "Qm" + "1" * 60_000):
        response = client.get(f"/ipfs/{text}/x")
        assert response.status_code == 400
        assert "at most 513" in response.text and len(response.text) < 400


# --- 4. security headers on every response ----------------------------------------------------


def test_every_kind_of_response_carries_the_security_headers(newsroom: Newsroom) -> None:
    site = newsroom.site
    big = import_tree({"big.bin": bytes(range(256)) * 5000}, PROFILE, newsroom.store.put).cid
    newsroom.served.add(big)
    app = newsroom.app(ipns_records=lambda name: None)
    requests = [
        ("GET", "/"), ("GET", "/articles/a/"), ("GET", "/articles/a"), ("GET", "/nowhere"),
        ("HEAD", "/"), ("GET", f"/ipfs/{site}/"), ("GET", f"/ipfs/{site}/articles/"),
        ("GET", f"/ipfs/{site}/articles"), ("GET", f"/ipfs/{site}?format=car"),
        ("GET", f"/ipfs/{site}?format=raw"), ("GET", f"/ipfs/{site}/nope"),
        ("GET", "/ipfs/not-a-cid"), ("GET", f"/ipfs/{site}?format=zip"),
        ("OPTIONS", f"/ipfs/{site}/"), ("POST", f"/ipfs/{site}/"), ("POST", "/"),
        ("GET", f"/ipfs/{big}/big.bin"), ("GET", f"/ipfs/{big}?format=car"),
        ("GET", "/ipns/k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8"),
        ("GET", "/ipns/example.org"), ("HEAD", f"/ipfs/{newsroom.draft}"),
    ]
    with running(app) as base:
        import httpx

        with httpx.Client(base_url=base, timeout=30) as http:
            for method, url in requests:
                response = http.request(method, url)
                for name, value in SECURITY.items():
                    assert response.headers.get(name) == value, (method, url, name)
                policy = response.headers.get("content-security-policy", "")
                assert "frame-ancestors 'none'" in policy, (method, url)
            cached = http.get("/")  # the hot path replays a cached answer
            assert cached.headers["x-frame-options"] == "DENY"
            not_modified = http.get("/", headers={"If-None-Match": cached.headers["etag"]})
            assert not_modified.status_code == 304
            assert "frame-ancestors 'none'" in not_modified.headers["content-security-policy"]
    empty = create_app(blocks=newsroom.store, site_root=lambda: None, is_served=lambda c: False)
    with TestClient(empty) as client:
        nothing_yet = client.get("/")
        assert nothing_yet.status_code == 503
        assert nothing_yet.headers["x-frame-options"] == "DENY"


def test_deciding_on_dups_stops_reading_once_the_dag_is_over_the_limits() -> None:
    store = MemoryBlockstore()
    tree = import_tree({f"f{i}.txt": f"file {i}".encode() for i in range(40)}, PROFILE,
                       store.put).cid
    reads: list[CID] = []

    def get(cid: CID) -> bytes:
        reads.append(cid)
        return store.get(cid)

    resolved = resolve(tree, (), store.get)
    assert dups_fit(resolved, get, "all", None, CarLimits())
    assert len(reads) == 41, "each block once"
    reads.clear()
    assert not dups_fit(resolved, get, "all", None, CarLimits(max_blocks=5))
    assert len(reads) <= 6
    reads.clear()
    assert not dups_fit(resolved, get, "all", None, CarLimits(max_bytes=100))
    assert len(reads) <= 2


def test_identity_html_linked_from_the_site_is_not_rendered_either(newsroom: Newsroom) -> None:
    store = newsroom.store
    tiny = identity_cid(b"<h1>Mayor arrested</h1>")
    site = hashed(store, directory([("index.html", CID.hash(b"<p>a</p>", RAW)),
                                    ("tiny.html", tiny)]))
    store.put(CID.hash(b"<p>a</p>", RAW), b"<p>a</p>")
    served = ServedSet(store.get, [site])
    app = create_app(blocks=store, site_root=lambda: site, is_served=served.is_served)
    with TestClient(app) as client:
        assert client.get("/").headers["content-type"].startswith("text/html")
        for url in ("/tiny.html", f"/ipfs/{site}/tiny.html"):
            response = client.get(url)
            assert response.content == b"<h1>Mayor arrested</h1>"
            assert response.headers["content-type"] == "application/octet-stream", url
            assert response.headers["content-disposition"].startswith("attachment;"), url


def test_long_paths_and_queries_do_not_fill_the_caches(newsroom: Newsroom) -> None:
    app = newsroom.app()
    gateway = app.gateway  # type: ignore[attr-defined]
    website = app.website  # type: ignore[attr-defined]
    with TestClient(app) as client:  # type: ignore[arg-type]
        assert client.get(f"/ipfs/{newsroom.site}/?q=short").status_code == 200
        assert client.get("/?q=short").status_code == 200
        hot, resolved, site = len(gateway._hot), len(gateway._resolved), len(website._hot)
        assert hot >= 1 and site >= 1
        for i in range(50):
            junk = f"{i}" + "j" * 3000
            assert client.get(f"/ipfs/{newsroom.site}/?q={junk}").status_code == 200
            assert client.get(f"/?q={junk}").status_code == 200
            assert client.get(f"/ipfs/{newsroom.site}/{junk}/x").status_code == 404
            long_path = "/".join(f"s{i}" for _ in range(100))
            assert client.get(f"/ipfs/{newsroom.site}/{long_path}").status_code == 404
        assert (len(gateway._hot), len(gateway._resolved), len(website._hot)) == (
            hot, resolved, site)
