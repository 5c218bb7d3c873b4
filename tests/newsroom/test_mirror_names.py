"""`permapress mirror` from an IPNS name (its record fetched from `permapress serve` on 127.0.0.1
and verified against the name) and from a DNSLink domain (a real DNS server on 127.0.0.1)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest

from permapress.config import load_config
from permapress.newsroom.mirror import STATE_FILE, load_state, mirror_once
from permapress.newsroom.mirror_fetch import MirrorError
from permapress.publish.ipns import CONTENT_TYPE, create_record, name_of_key
from permapress.publish.naming import current_record
from permapress.publish.state import PublishState
from permapress.trust.keys import generate_key, load_private_key

sys.path.insert(0, str(Path(__file__).parent))
from mirror_servers import answer, dns_server, proxy  # noqa: E402
from test_mirror import _correct  # noqa: E402

PERMAPRESS = str(Path(sys.executable).parent / "permapress")


def _sign(home: Path, root: str) -> str:
    """The newsroom signs an IPNS record for ``root`` (what `publish` stores and serves)."""
    config = load_config(home)
    key = load_private_key(config.keys_path)
    with PublishState.open(config.catalog_path) as state:
        row = current_record(state, key, f"/ipfs/{root}", lifetime=timedelta(hours=48),
                             ttl=timedelta(minutes=1))  # fmt: skip
    return row.name


def test_an_ipns_name_is_resolved_verified_and_followed(
    demo_home: Path, cli: Callable[..., Any], serve: Callable[[Path], Any], tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    with serve(demo_home) as (base, root):
        name = _sign(demo_home, root)
        first = cli("mirror", f"ipns://{name}", str(mirror), "--gateway", base, "--json")
        assert first.code == 0, first.err
        old_record = httpx.get(f"{base}/ipns/{name}?format=ipns-record").content
        assert first.json()["root_cid"] == root and first.json()["adopted"] is True
        # the gateway form of the same name
        again = cli("mirror", f"{base}/ipns/{name}/", str(tmp_path / "other"), "--json")
        assert again.code == 0, again.err
        assert again.json()["root_cid"] == root

        new_root = _correct(demo_home, cli, tmp_path)
        assert _sign(demo_home, new_root) == name
        second = cli("mirror", f"ipns://{name}", str(mirror), "--gateway", base, "--json")
        assert second.code == 0, second.err
        assert second.json()["root_cid"] == new_root and second.json()["adopted"] is True
        state = load_state(mirror)
        assert state is not None and state.source == f"ipns://{name}" and state.root == new_root
        assert state.ipns == ((name, 1),)
        # a gateway still serving the first record (a stale cache) is not a rewritten history
        with proxy(base, _hostile_record(old_record)) as stale:
            run = cli("mirror", f"ipns://{name}", str(mirror), "--gateway", stale)
    assert run.code == 1 and "serves an older IPNS record" in run.err
    assert "this mirror has followed sequence 1" in run.err and "refused" not in run.err
    assert load_state(mirror) == state


def _hostile_record(record: bytes) -> Callable[[BaseHTTPRequestHandler, str], bool]:
    def hook(handler: BaseHTTPRequestHandler, path: str) -> bool:
        if not path.startswith("/ipns/"):
            return False
        answer(handler, 200, record, {"Content-Type": CONTENT_TYPE})
        return True

    return hook


def test_a_forged_or_expired_ipns_record_is_refused(
    demo_home: Path, serve: Callable[[Path], Any], tmp_path: Path
) -> None:
    key = load_private_key(load_config(demo_home).keys_path)
    name = name_of_key(key)
    later = datetime.now(UTC) + timedelta(hours=1)
    with serve(demo_home) as (base, root):
        # a record for the name, signed by another key (a gateway pointing the name elsewhere)
        generate_key(tmp_path / "keys")
        other = load_private_key(tmp_path / "keys")
        forged = create_record(other, f"/ipfs/{root}", 7, later, 60_000_000_000)
        with proxy(base, _hostile_record(forged)) as hostile, pytest.raises(
            MirrorError, match="the IPNS record is refused .*the V2 signature does not verify"
        ):
            mirror_once(f"ipns://{name}", tmp_path / "a", gateway=hostile)
        # the publisher's own record, but an old one that has expired
        stale = create_record(key, f"/ipfs/{root}", 3, datetime(2025, 1, 1, tzinfo=UTC), 1)
        with proxy(base, _hostile_record(stale)) as hostile, pytest.raises(
            MirrorError, match="expired"
        ):
            mirror_once(f"ipns://{name}", tmp_path / "b", gateway=hostile)
        # a record that names a path inside the site, not its root
        inside = create_record(key, f"/ipfs/{root}/articles", 9, later, 1)
        with proxy(base, _hostile_record(inside)) as hostile, pytest.raises(
            MirrorError, match="not a site root"
        ):
            mirror_once(f"ipns://{name}", tmp_path / "c", gateway=hostile)
    for folder in ("a", "b", "c"):
        assert not (tmp_path / folder / STATE_FILE).exists()


def test_dnslink_through_a_dns_server_to_an_ipns_name_or_a_root(
    demo_home: Path, cli: Callable[..., Any], serve: Callable[[Path], Any], tmp_path: Path
) -> None:
    with serve(demo_home) as (base, root):
        name = _sign(demo_home, root)
        records = {
            "_dnslink.news.example": [f"dnslink=/ipns/{name}"],
            "_dnslink.root.example": ["v=spf1 -all", f"dnslink=/ipfs/{root}"],
            "_dnslink.loop.example": ["dnslink=/ipns/loop.example"],
            "_dnslink.page.example": [f"dnslink=/ipfs/{root}/articles"],
        }
        with dns_server(records) as server:
            runs = {
                domain: cli("mirror", f"ipns://{domain}", str(tmp_path / domain), "--gateway",
                            base, "--dns", server, "--json")
                for domain in ("news.example", "root.example", "loop.example", "page.example",
                               "none.example")
            }  # fmt: skip
    for domain in ("news.example", "root.example"):
        assert runs[domain].code == 0, runs[domain].err
        assert runs[domain].json()["root_cid"] == root
    for domain, says in (
        ("loop.example", "more than 8 names"),
        ("page.example", "not a site root"),
        ("none.example", "no TXT record dnslink="),
    ):
        run = runs[domain]
        assert run.code == 1 and says in run.err, run.err
        assert len(run.err.strip().splitlines()) == 1


def test_a_dns_answer_function_can_be_given(
    demo_home: Path, serve: Callable[[Path], Any], tmp_path: Path
) -> None:
    asked: list[str] = []
    with serve(demo_home) as (base, root):

        def lookup(host: str) -> list[str]:
            asked.append(host)
            return [f"dnslink=/ipfs/{root}"]

        result = mirror_once("ipns://Courier.Example.", tmp_path / "m", gateway=base,
                             lookup=lookup)  # fmt: skip
    assert result.root_cid == root and asked == ["_dnslink.courier.example"]


def test_name_sources_that_cannot_work_are_one_line(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    for args in (
        ["ipns://news.example"],  # no gateway
        ["ipns://not a name!", "--gateway", "http://127.0.0.1:9"],
        ["ipns://news.example/articles", "--gateway", "http://127.0.0.1:9"],
        ["ipns://news.example", "--gateway", "ftp://127.0.0.1:9"],
        ["http://127.0.0.1:9/ipns/x/y/"],
        ["ipns://news.example", "--gateway", "http://127.0.0.1:9", "--dns", "dns.example"],
        ["ipns://news.example", "--gateway", "http://127.0.0.1:9", "--dns", "127.0.0.1:99999"],
        ["http://127.0.0.1:9/ipfs/x/", "--rpc", "127.0.0.1:5001"],
    ):
        run = cli("mirror", *args, str(tmp_path / "m"))
        assert run.code == 1 and run.err.startswith("Error: "), (args, run.err)
        assert len(run.err.strip().splitlines()) == 1, run.err
    assert "needs --gateway" in cli("mirror", "ipns://news.example", str(tmp_path / "m")).err


def test_watch_follows_an_ipns_name(
    demo_home: Path, cli: Callable[..., Any], serve: Callable[[Path], Any], tmp_path: Path
) -> None:
    import signal

    mirror = tmp_path / "mirror"
    with serve(demo_home) as (base, root):
        name = _sign(demo_home, root)
        proc = subprocess.Popen(
            [PERMAPRESS, "mirror", f"ipns://{name}", str(mirror), "--gateway", base,
             "--watch", "1", "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            first = json.loads(proc.stdout.readline())
            assert first["root_cid"] == root and first["adopted"] is True
            new_root = _correct(demo_home, cli, tmp_path)
            # the site's address already serves the new root; the name still names the old one
            assert json.loads(proc.stdout.readline())["root_cid"] == root
            _sign(demo_home, new_root)
            while True:
                seen = json.loads(proc.stdout.readline())
                if seen["root_cid"] != root:
                    break
        finally:
            proc.send_signal(signal.SIGINT)
            _out, err = proc.communicate(timeout=60)
    assert seen["root_cid"] == new_root and seen["adopted"] is True
    assert proc.returncode == 0 and "Traceback" not in err
