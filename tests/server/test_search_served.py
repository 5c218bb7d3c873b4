"""``/search/index.html?q=…`` rendered by the server from the catalog's FTS5 index, and the
policies of the search page: our scripts only on it, none on the results the server renders."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from permapress.cli import main
from permapress.newsroom.serving import serving_app
from permapress.server.responses import POLICY, SCRIPTED
from permapress.server.search import fts_query

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

UNBUILT = """---
title: Zebra crossing plan for the quay
date: 2025-09-30T10:00:00Z
categories: [Politics]
---

The zebra crossing is not built yet.
"""


def cli(*args: str) -> None:
    try:
        main(list(args))
    except SystemExit as exc:
        assert not exc.code, args


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("served-search")
    home = folder / "newsroom"
    cli("init", str(home), "--demo")
    cli("build", "--home", str(home))
    source = folder / "unbuilt.md"
    source.write_text(UNBUILT, encoding="utf-8")
    cli("import", str(source), "--home", str(home))  # in the catalog, not on the site yet
    return home


@pytest.fixture(scope="module")
def client(home: Path) -> Iterator[TestClient]:
    with TestClient(serving_app(home), follow_redirects=False) as test_client:
        yield test_client


def test_the_server_renders_results_from_the_catalog(client: TestClient) -> None:
    response = client.get("/search/index.html", params={"q": "flood warn"})
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == POLICY  # no script needed
    assert response.headers["cache-control"] == "no-store"
    page = response.text
    assert 'data-server="yes"' in page and "<noscript>" not in page
    assert 'name="q" value="flood warn"' in page
    assert "<mark>flood</mark>" in page.lower() or "<mark>Flood</mark>" in page
    assert "1 article matches" in page
    assert 'href="../articles/river-esk-flood-warning-raised-as-spring-rain' in page


def test_the_directory_forms_reach_it(client: TestClient) -> None:
    response = client.get("/search", params={"q": "seabird"})
    assert response.status_code == 301
    assert response.headers["location"] == "/search/?q=seabird"
    page = client.get("/search/", params={"q": "seabird"}).text
    assert "puffins" in page.lower() and 'data-server="yes"' in page


def test_articles_not_on_the_site_are_not_found(client: TestClient) -> None:
    page = client.get("/search/index.html", params={"q": "zebra"}).text
    assert "No articles match “zebra”." in page
    assert "zebra-crossing" not in page


def test_hostile_queries_are_text(client: TestClient) -> None:
    for query in ('"unbalanced', "NEAR(a b)", "a OR", "*", "<script>alert(1)</script>", "ü" * 300):
        response = client.get("/search/index.html", params={"q": query})
        assert response.status_code == 200, query
        assert "<script>alert" not in response.text
    assert fts_query('flood" OR x') == '"flood" "OR" "x"*'
    assert fts_query("  ") is None


def test_the_static_page_runs_our_scripts_only(client: TestClient) -> None:
    for path in ("/search/", "/search/index.html"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["content-security-policy"] == SCRIPTED
        assert "<noscript>" in response.text
    assert "script-src 'self'" in SCRIPTED and "allow-scripts" in SCRIPTED
    assert "allow-same-origin" not in SCRIPTED
    root = client.get("/search/").headers["x-ipfs-path"].split("/")[2]
    response = client.get(f"/ipfs/{root}/search/index.html", params={"q": "flood"})
    assert response.headers["content-security-policy"] == SCRIPTED  # the script searches
    assert 'data-server="yes"' not in response.text
    for path in ("/", "/archive/index.html", f"/ipfs/{root}/"):
        policy = client.get(path).headers["content-security-policy"]
        assert policy == POLICY and "form-action 'self'" in policy and "allow-forms" in policy
