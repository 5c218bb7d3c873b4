"""``/ipns/{name}`` on our gateway (permapress/server/ipns.py): records as published, redirects
to the site they name, canonical names, and refusal of records that do not verify."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from data_paths import GATEWAY_CONFORMANCE

from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.cid import b58encode
from permapress.ipfs.importer import import_tree
from permapress.ipfs.profiles import get_profile
from permapress.publish.ipns import create_record, decode_record, encode_record, name_of_key
from permapress.publish.names import parse_name
from permapress.publish.state import PublishState, ipns_lookup
from permapress.server.app import create_app
from permapress.server.served import ServedSet

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

V2_FIXTURE = (
    GATEWAY_CONFORMANCE
    / "ipns_records"
    / "k51qzi5uqu5dit2ku9mutlfgwyz8u730on38kd10m97m36bjt66my99hb6103f_v2.ipns-record"
)


class Site:
    def __init__(self) -> None:
        self.store = MemoryBlockstore()
        tree = {"index.html": b"<h1>Front</h1>", "articles": {"a": {"index.html": b"<p>A</p>"}}}
        self.root = import_tree(tree, get_profile("unixfs-v1-2025"), self.store.put).cid
        self.key = Ed25519PrivateKey.generate()
        self.name = str(name_of_key(self.key))
        until = datetime.now(UTC) + timedelta(hours=1)
        self.records: dict[str, bytes] = {
            self.name: create_record(self.key, f"/ipfs/{self.root}", 3, until, 120 * 10**9)
        }


@pytest.fixture
def site() -> Site:
    return Site()


@pytest.fixture
def client(site: Site) -> Iterator[TestClient]:
    served = ServedSet(site.store.get, [site.root])
    app = create_app(
        blocks=site.store,
        site_root=lambda: site.root,
        is_served=served.is_served,
        ipns_records=site.records.get,
    )
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def test_record_is_served_as_published(site: Site, client: TestClient) -> None:
    response = client.get(f"/ipns/{site.name}?format=ipns-record")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.ipfs.ipns-record"
    assert response.content == site.records[site.name]
    by_accept = client.get(
        f"/ipns/{site.name}", headers={"Accept": "application/vnd.ipfs.ipns-record"}
    )
    assert by_accept.content == site.records[site.name]


def test_plain_get_resolves_to_the_site(site: Site, client: TestClient) -> None:
    response = client.get(f"/ipns/{site.name}/articles/a/index.html?x=1")
    assert response.status_code == 302
    assert response.headers["location"] == f"/ipfs/{site.root}/articles/a/index.html?x=1"
    assert response.headers["cache-control"] == "public, max-age=120"
    page = client.get(response.headers["location"])
    assert page.status_code == 200 and page.content == b"<p>A</p>"
    assert client.get(f"/ipns/{site.name}").headers["location"] == f"/ipfs/{site.root}/"


def test_other_spellings_redirect_to_the_k51_name(site: Site, client: TestClient) -> None:
    peer_id = b58encode(parse_name(site.name).multihash)
    response = client.get(f"/ipns/{peer_id}/articles/?format=ipns-record")
    assert response.status_code == 301
    assert response.headers["location"] == f"/ipns/{site.name}/articles/?format=ipns-record"


def test_unknown_and_dnslink_names_are_404(client: TestClient) -> None:
    other = str(name_of_key(Ed25519PrivateKey.generate()))
    assert client.get(f"/ipns/{other}").status_code == 404
    response = client.get("/ipns/news.example.org/")
    assert response.status_code == 404 and "DNSLink" in response.text


def test_record_that_does_not_verify_is_502(site: Site, client: TestClient) -> None:
    entry = decode_record(site.records[site.name])
    site.records[site.name] = encode_record(replace(entry, signature_v2=b"\x00" * 64))
    response = client.get(f"/ipns/{site.name}/")
    assert response.status_code == 502 and "V2 signature" in response.text


def test_conformance_fixture_record_is_served_byte_identical(site: Site) -> None:
    name = V2_FIXTURE.name.split("_")[0]
    app = create_app(
        blocks=site.store,
        site_root=lambda: None,
        is_served=lambda cid: False,
        ipns_records={name: V2_FIXTURE.read_bytes()}.get,
    )
    with TestClient(app, follow_redirects=False) as test_client:
        response = test_client.get(f"/ipns/{name}?format=ipns-record")
        assert response.content == V2_FIXTURE.read_bytes()
        redirect = test_client.get(f"/ipns/{name}")
        assert redirect.headers["location"] == "/ipfs/bafkqadtwgiww63tmpeqhezldn5zgi/"


def test_records_come_from_the_catalog(tmp_path: Path, site: Site) -> None:
    catalog = tmp_path / "catalog.sqlite"
    lookup = ipns_lookup(catalog)
    assert lookup(site.name) is None  # no catalog yet
    with PublishState.open(catalog) as state:
        state.save_ipns(
            site.name, 3, f"/ipfs/{site.root}", "2099-01-01T00:00:00Z", site.records[site.name]
        )
    assert ipns_lookup(catalog)(site.name) == site.records[site.name]
