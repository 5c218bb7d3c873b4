"""`permapress mirror` against real servers on 127.0.0.1: a first mirror, a mirror after a
correction, a mirror of a mirror, refused histories and keys."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from permapress.catalog.db import Catalog
from permapress.config import load_config
from permapress.ipfs.blockstore import FileBlockstore
from permapress.ipfs.cid import CID, DAG_PB
from permapress.ipfs.dagpb import PBNode, decode_node, encode_node
from permapress.ipfs.importer import import_bytes
from permapress.ipfs.layout import Imported
from permapress.ipfs.patch import patch_tree
from permapress.ipfs.profiles import get_profile
from permapress.ipfs.reader import resolve_path
from permapress.ipfs.verify import checked_getter
from permapress.newsroom.mirror import STATE_FILE, HistoryRefused, load_state, mirror_once
from permapress.trust.check import read_bytes
from permapress.trust.log import (
    LOG_FILE,
    PUBLISHER_FILE,
    decode_publisher_document,
    encode_log,
    parse_log,
    publisher_document,
)
from permapress.trust.verify import verify_site

sys.path.insert(0, str(Path(__file__).parent))
from mirror_servers import folder_server  # noqa: E402

SLUG = "town-library-extends-opening-hours-as-volunteers-step-in"


def _blocks(folder: Path) -> int:
    return sum(1 for _ in (folder / "blocks").rglob("*.data"))


def _correct(home: Path, cli: Callable[..., Any], tmp_path: Path) -> str:
    text = tmp_path / "fixed.md"
    text.write_text(
        "---\ntitle: Town library extends opening hours as volunteers step in\n"
        "date: 2025-09-09T08:00:00+00:00\ncategories: [Society]\n---\n\n"
        "The library now opens on Sundays. Forty volunteers signed up.\n",
        encoding="utf-8",
    )
    assert cli("correct", SLUG, str(text), "--note", "Corrected the number of volunteers.",
               "--home", str(home)).code == 0
    built = cli("build", "--home", str(home), "--json")
    assert built.code == 0, built.err
    return str(built.json()["root_cid"])


def test_first_mirror_then_a_correction_fetches_only_what_changed(
    demo_home: Path, cli: Callable[..., Any], serve: Callable[[Path], Any], tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    with serve(demo_home) as (base, root):
        first = cli("mirror", base, str(mirror), "--json")
        assert first.code == 0, first.err
        data = first.json()
        assert data["root_cid"] == root and data["adopted"] is True
        assert data["blocks_fetched"] >= _blocks(mirror) > 100
        store = FileBlockstore(mirror / "blocks")
        assert verify_site(CID.parse(root), checked_getter(store.get)).valid

        again = cli("mirror", base, str(mirror), "--json").json()
        assert again == {"root_cid": root, "blocks_fetched": 0, "bytes_fetched": 0,
                         "adopted": False}

        new_root = _correct(demo_home, cli, tmp_path)
        _wait_for(base, new_root)
        second = cli("mirror", base, str(mirror), "--json")
        assert second.code == 0, second.err
        after = second.json()
    assert after["root_cid"] == new_root != root and after["adopted"] is True
    assert 0 < after["bytes_fetched"] < data["bytes_fetched"] / 4
    report = verify_site(CID.parse(new_root), checked_getter(store.get))
    assert report.valid and any(a.versions == 2 for a in report.articles)
    state = load_state(mirror)
    assert state is not None and state.root == new_root
    print(f"first: {data['blocks_fetched']} blocks {data['bytes_fetched']} bytes; "
          f"after one correction: {after['blocks_fetched']} blocks {after['bytes_fetched']} bytes")


def test_a_mirror_of_a_mirror_gives_the_same_root(
    demo_home: Path, cli: Callable[..., Any], serve: Callable[[Path], Any], tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    with serve(demo_home) as (base, root):
        assert cli("mirror", base, str(first)).code == 0
    with folder_server(first) as mirror_base:
        run = cli("mirror", mirror_base, str(second), "--json")
        assert run.code == 0, run.err
        # and through the first mirror's gateway address of the root
        third = cli("mirror", f"{mirror_base}/ipfs/{root}/", str(tmp_path / "third"), "--json")
    assert run.json()["root_cid"] == root == third.json()["root_cid"]
    assert _blocks(second) == _blocks(first)


def _forge(home: Path, changes: Callable[[CID, Any, Any, Any], dict[str, Imported]]) -> str:
    """The publisher records a new root made by patching its newest one (a build of its own)."""
    config = load_config(home)
    store = FileBlockstore(config.blocks_path)
    profile = get_profile(config.profile)
    with Catalog.open(config.catalog_path) as catalog:
        latest = catalog.latest_build()
        assert latest is not None
        root = CID.parse(latest)
        patched = patch_tree(root, changes(root, store, profile, store.put), profile,
                             store.get, store.put)
        with catalog.transaction():
            catalog.add_build(str(patched.cid), "2026-01-01T00:00:00Z", 0, 0)
    return str(patched.cid)


def _without(folder: CID, name: str, store: FileBlockstore) -> Imported:
    node = decode_node(store.get(folder))
    links = tuple(link for link in node.links if link.name != name)
    assert len(links) == len(node.links) - 1
    data = encode_node(PBNode(links=links, data=node.data))
    cid = CID.hash(data, DAG_PB)
    store.put(cid, data)
    return Imported(cid, len(data) + sum(link.tsize or 0 for link in links), 0)


def _file(root: CID, path: str, store: FileBlockstore) -> bytes:
    cid, _trail = resolve_path(root, path.split("/"), store.get)
    return read_bytes(cid, store.get)


def _wait_for(base: str, root: str) -> None:
    import time

    import httpx

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        header = httpx.get(f"{base}/{PUBLISHER_FILE}").headers.get("x-ipfs-path", "")
        if root in header:
            return
        time.sleep(0.2)
    raise AssertionError(f"the server never served {root}")


def test_a_new_root_that_silently_drops_a_version_is_refused(
    demo_home: Path, cli: Callable[..., Any], serve: Callable[[Path], Any], tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    with serve(demo_home) as (base, _root):
        good = _correct(demo_home, cli, tmp_path)
        _wait_for(base, good)
        assert cli("mirror", base, str(mirror)).code == 0

        def drop_version(root: CID, store: Any, _profile: Any, _put: Any) -> dict[str, Imported]:
            versions, _trail = resolve_path(root, ["articles", SLUG, "v"], store.get)
            return {f"articles/{SLUG}/v": _without(versions, "2", store)}

        forged = _forge(demo_home, drop_version)
        _wait_for(base, forged)
        run = cli("mirror", base, str(mirror), "--json")
    assert run.code == 1 and run.out == ""
    assert f"version 2 of {SLUG} is in the publisher log but not in the site" in run.err
    assert "keeps what it had" in run.err and len(run.err.strip().splitlines()) == 1
    state = load_state(mirror)
    assert state is not None and state.root == good


def test_a_rewritten_log_is_refused_and_the_dropped_entry_named(
    demo_home: Path, cli: Callable[..., Any], serve: Callable[[Path], Any], tmp_path: Path
) -> None:
    """A consistent site whose log was cut back before a correction (and the version removed):
    `verify` alone accepts it; the mirror knows the log it held and refuses."""
    mirror = tmp_path / "mirror"
    with serve(demo_home) as (base, _root):
        good = _correct(demo_home, cli, tmp_path)
        _wait_for(base, good)
        assert cli("mirror", base, str(mirror)).code == 0

        def rewrite(root: CID, store: Any, profile: Any, put: Any) -> dict[str, Imported]:
            entries = parse_log(_file(root, LOG_FILE, store))[:-1]
            info = decode_publisher_document(_file(root, PUBLISHER_FILE, store))
            from dataclasses import replace

            info = replace(info, head=str(entries[-1].entry.cid), entries=len(entries))
            versions, _trail = resolve_path(root, ["articles", SLUG, "v"], store.get)
            return {
                LOG_FILE: import_bytes(encode_log(entries), profile, put),
                PUBLISHER_FILE: import_bytes(publisher_document(info), profile, put),
                f"articles/{SLUG}/v": _without(versions, "2", store),
            }

        forged = _forge(demo_home, rewrite)
        store = FileBlockstore(load_config(demo_home).blocks_path)
        assert verify_site(CID.parse(forged), checked_getter(store.get)).valid
        _wait_for(base, forged)
        run = cli("mirror", base, str(mirror))
    assert run.code == 1
    assert f"(correct {SLUG} version 2" in run.err and "was dropped" in run.err
    state = load_state(mirror)
    assert state is not None and state.root == good


def test_a_publisher_json_with_another_key_is_refused(
    demo_home: Path, demo_template: Path, cli: Callable[..., Any],
    serve: Callable[[Path], Any], tmp_path: Path,
) -> None:
    other = tmp_path / "other"
    assert cli("init", str(other), "--demo").code == 0
    mirror = tmp_path / "mirror"
    with serve(demo_home) as (base, root):
        assert cli("mirror", base, str(mirror)).code == 0
        before = (mirror / STATE_FILE).read_bytes()
        with serve(other) as (other_base, other_root):
            run = cli("mirror", other_base, str(mirror))
            given = cli("mirror", other_base, str(tmp_path / "fresh"), "--key",
                        "AAAA-BBBB-CCCC-DDDD-EEEE")
    assert root != other_root
    assert run.code == 1 and "pinned on its first run" in run.err
    assert (mirror / STATE_FILE).read_bytes() == before
    assert given.code == 1 and "not the key given with --key" in given.err
    assert not (tmp_path / "fresh" / STATE_FILE).exists()


def test_bad_sources_are_one_line(cli: Callable[..., Any], tmp_path: Path) -> None:
    for source in ("ftp://example/x", "not a url", "http://127.0.0.1:9/ipfs/notacid/"):
        run = cli("mirror", source, str(tmp_path / "m"))
        assert run.code == 1 and run.err.startswith("Error: ")
        assert len(run.err.strip().splitlines()) == 1, run.err
    newsroom = tmp_path / "news"
    assert cli("init", str(newsroom), "--name", "X").code == 0
    run = cli("mirror", "http://127.0.0.1:9", str(newsroom))
    assert run.code == 1 and "is a newsroom, not a mirror" in run.err


def test_mirror_json_is_what_the_docs_say(
    demo_home: Path, serve: Callable[[Path], Any], tmp_path: Path
) -> None:
    with serve(demo_home) as (base, root):
        result = mirror_once(base, tmp_path / "m")
    state = json.loads((tmp_path / "m" / STATE_FILE).read_text())
    assert state["root"] == root == result.root_cid
    assert state["type"] == "permapress.mirror/1" and state["source"] == base
    assert state["fingerprint"] and state["log"]["entries"] == result.log_entries


def test_history_refused_is_a_permapress_error() -> None:
    from permapress.errors import PermapressError

    refused = HistoryRefused(CID.hash(b"x"), ["a", "b"])
    assert isinstance(refused, PermapressError) and refused.problems == ("a", "b")
    with pytest.raises(PermapressError, match="keeps what it had. a | b"):
        raise refused


def test_permapress_serve_serves_a_mirror_folder_read_only(
    demo_home: Path, cli: Callable[..., Any], serve: Callable[[Path], Any], tmp_path: Path
) -> None:
    import re
    import signal
    import subprocess

    import httpx

    mirror = tmp_path / "mirror"
    with serve(demo_home) as (base, root):
        assert cli("mirror", base, str(mirror)).code == 0
    catalog = (mirror / "catalog.sqlite").read_bytes()
    script = Path(sys.executable).parent / "permapress"
    proc = subprocess.Popen([script, "serve", "--home", str(mirror), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(2)]
        assert lines[0].strip() == f"Site root {root}", lines
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", lines[1])
        assert found, lines
        served = f"http://127.0.0.1:{found.group(1)}"
        home = httpx.get(f"{served}/", timeout=30)
        assert home.status_code == 200 and "The Harbour Courier" in home.text
        car = httpx.get(f"{served}/ipfs/{root}/{PUBLISHER_FILE}?format=raw", timeout=30)
        assert car.status_code == 200 and b"permapress.publisher/1" in car.content
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "Traceback" not in err
    assert (mirror / "catalog.sqlite").read_bytes() == catalog  # nothing was built


def test_watch_follows_a_correction_and_ctrl_c_stops_it(
    demo_home: Path, cli: Callable[..., Any], serve: Callable[[Path], Any], tmp_path: Path
) -> None:
    import signal
    import subprocess

    mirror = tmp_path / "mirror"
    script = Path(sys.executable).parent / "permapress"
    with serve(demo_home) as (base, root):
        proc = subprocess.Popen([script, "mirror", base, str(mirror), "--watch", "1", "--json"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None
            first = json.loads(proc.stdout.readline())
            assert first["root_cid"] == root and first["adopted"] is True
            new_root = _correct(demo_home, cli, tmp_path)
            while True:  # polls that find nothing new print adopted: false
                seen = json.loads(proc.stdout.readline())
                if seen["root_cid"] != root:
                    break
                assert seen == {"root_cid": root, "blocks_fetched": 0, "bytes_fetched": 0,
                                "adopted": False}
        finally:
            proc.send_signal(signal.SIGINT)
            _out, err = proc.communicate(timeout=60)
    assert seen["root_cid"] == new_root and seen["adopted"] is True
    assert proc.returncode == 0 and "Traceback" not in err and "Stopped watching." in err


def test_progress_is_drawn_in_bytes_and_blocks_on_a_terminal(
    demo_home: Path, serve: Callable[[Path], Any], tmp_path: Path, on_terminal: Any
) -> None:
    with serve(demo_home) as (base, root):
        done, drawn = on_terminal("mirror", base, str(tmp_path / "m"))
    assert done.returncode == 0
    assert b"blocks fetched" in drawn and (b"kB" in drawn or b"MB" in drawn)
    assert f"Adopted {root}".encode() in done.stdout


def test_sources_name_a_site_or_a_root() -> None:
    from permapress.newsroom.mirror_fetch import MirrorError, parse_source

    root = "bafybeihxsft3h63zoalizg5ugffzu7h6glmqvrm2rk4tku73g6urocznri"
    site = parse_source("https://news.example/")
    assert (site.gateway, site.site, site.root) == ("https://news.example", "https://news.example",
                                                     None)
    for text in (f"http://gw.example/ipfs/{root}", f"http://gw.example/ipfs/{root}/"):
        gateway = parse_source(text)
        assert (gateway.gateway, gateway.site, str(gateway.root)) == ("http://gw.example", None,
                                                                      root)
    prefixed = parse_source(f"https://host.example/mirror/ipfs/{root}/")
    assert prefixed.gateway == "https://host.example/mirror"
    with pytest.raises(MirrorError, match="the site root itself"):
        parse_source(f"https://gw.example/ipfs/{root}/articles/")


def test_a_log_that_extends_the_held_one_has_no_history_problems(demo_home: Path) -> None:
    from permapress.newsroom.mirror import history_problems

    config = load_config(demo_home)
    store = FileBlockstore(config.blocks_path)
    with Catalog.open(config.catalog_path, readonly=True) as catalog:
        latest = catalog.latest_build()
    assert latest is not None
    entries = parse_log(_file(CID.parse(latest), LOG_FILE, store))
    assert len(entries) > 3
    assert history_problems(entries[:3], entries) == []
    assert history_problems(entries, entries) == []
    dropped = history_problems(entries, entries[:-1])
    assert len(dropped) == 1 and f"log entry {len(entries)} (" in dropped[0]
    changed = history_problems(entries[:2], [entries[1], entries[0]])
    assert len(changed) == 2 and all("was rewritten" in p for p in changed)


def test_the_mirror_folder_keeps_any_site_name_readable(
    cli: Callable[..., Any], serve: Callable[[Path], Any], tmp_path: Path
) -> None:
    home = tmp_path / "odd"
    name = 'The "Quoted" \\ Courier\tNews'
    assert cli("init", str(home), "--demo", "--name", name).code == 0
    with serve(home) as (base, root):
        result = mirror_once(base, tmp_path / "m")
    assert result.root_cid == root and result.name == name
    assert load_config(tmp_path / "m").name == name
