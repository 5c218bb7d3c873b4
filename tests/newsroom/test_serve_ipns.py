"""`permapress serve` answers /ipns/{name} with the newsroom's own signed record."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from starlette.testclient import TestClient

from permapress.newsroom.serving import newsroom_app
from permapress.publish.ipns import name_of_key, verify_record
from permapress.publish.naming import current_record
from permapress.publish.state import PublishState
from permapress.trust.keys import load_private_key


def test_serve_answers_ipns_with_our_record_and_resolves_it(demo_home: Path) -> None:
    app, root, config = newsroom_app(demo_home)
    key = load_private_key(config.keys_path)
    with PublishState.open(config.catalog_path) as state:
        row = current_record(
            state, key, f"/ipfs/{root}", lifetime=timedelta(hours=48), ttl=timedelta(minutes=5)
        )
    name = name_of_key(key)
    with TestClient(app) as client:
        raw = client.get(f"/ipns/{name}?format=ipns-record")
        assert raw.status_code == 200
        assert raw.headers["content-type"].startswith("application/vnd.ipfs.ipns-record")
        assert raw.content == row.record
        assert verify_record(name, raw.content).value == f"/ipfs/{root}"
        plain = client.get(f"/ipns/{name}/", follow_redirects=False)
        assert plain.status_code in (301, 302, 307, 308)
        assert plain.headers["location"].startswith(f"/ipfs/{root}")
