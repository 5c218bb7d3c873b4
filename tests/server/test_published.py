"""PublishedSite: a running server sees each build (and each purge) of a real newsroom catalog."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx
import pytest

from permapress.cli import main
from permapress.config import load_config
from permapress.ipfs.blockstore import FileBlockstore
from permapress.ipfs.cid import CID
from permapress.server.app import create_app
from permapress.server.published import PublishedSite

sys.path.insert(0, str(Path(__file__).parent))
from crafted import running  # noqa: E402

STORY = "---\ntitle: {title}\ndate: 2025-06-0{day}T08:00:00+00:00\n---\n\n{body}\n"


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    try:
        main(list(args))
    except SystemExit as exc:
        assert not exc.code, (args, capsys.readouterr())
    return capsys.readouterr().out


def _story(folder: Path, name: str, title: str, day: int, body: str) -> str:
    path = folder / f"{name}.md"
    path.write_text(STORY.format(title=title, day=day, body=body), encoding="utf-8")
    return str(path)


def _build(capsys: pytest.CaptureFixture[str], home: Path) -> CID:
    return CID.parse(json.loads(_cli(capsys, "build", "--home", str(home), "--json"))["root_cid"])


def test_new_builds_and_purges_are_seen_without_a_request_to_the_site(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "newsroom"
    _cli(capsys, "init", str(home))
    _cli(capsys, "import", _story(tmp_path, "tide", "Record tide", 1, "High water."),
         "--home", str(home))
    first = _build(capsys, home)
    config = load_config(home)
    site = PublishedSite(config.catalog_path, FileBlockstore(config.blocks_path).get)
    app = create_app(blocks=FileBlockstore(config.blocks_path), site_root=site.root,
                     is_served=site.is_served, refresh=site.refresh)
    with running(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        assert http.get(f"/ipfs/{first}/").status_code == 200
        secret = "The harbour master resigned."
        _cli(capsys, "import", _story(tmp_path, "quay", "Quay closed", 2, secret),
             "--home", str(home))
        second = _build(capsys, home)
        assert second != first
        # no request to / in between: the gateway looks at the catalog before its 404
        page = http.get(f"/ipfs/{second}/articles/quay-closed/")
        assert page.status_code == 200 and secret in page.text
        assert site.root() == second
        assert http.get(f"/ipfs/{first}/").status_code == 404, "only the newest build"
        _cli(capsys, "retract", "quay-closed", "--reason", "legal", "--purge",
             "--home", str(home))
        third = _build(capsys, home)
        assert site.refresh() is True and site.root() == third
        assert http.get(f"/ipfs/{second}/articles/quay-closed/").status_code == 404
        assert secret not in http.get(f"/ipfs/{third}/articles/quay-closed/").text
        assert site.refresh() is False, "nothing changed since"
