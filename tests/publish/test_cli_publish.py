"""Tests for permapress/cli/publish.py through main(): publish, status, dnslink, ipns."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from permapress.cli import main
from permapress.publish.ipns import name_of_key, verify_record
from permapress.publish.names import parse_name
from permapress.trust.keys import load_private_key

sys.path.insert(0, str(Path(__file__).parent))
from publish_world import PinningHandler, PinningState, add_targets, build, serve, site_tree  # noqa: E402


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = 0
    try:
        main([str(arg) for arg in args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def pinning() -> Iterator[str]:
    with serve(PinningHandler, PinningState("tok", polls_until_pinned=1)) as url:
        yield url


def test_publish_and_status(
    home: Path, pinning: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = build(home, site_tree(1))
    add_targets(
        home, f'[publish.psa]\ntype = "pinning"\nurl = "{pinning}"\ntoken_env = "PSA_TOKEN"\n'
    )
    monkeypatch.setenv("PSA_TOKEN", "tok")
    code, out, _err = run(capsys, "status", "--home", home)
    assert code == 0 and "newest site NOT published yet" in out
    code, out, err = run(capsys, "publish", "--to", "psa", "--json", "--home", home)
    assert code == 0, err
    (item,) = json.loads(out)
    assert (item["target"], item["result"], item["root"]) == ("psa", "pinned", str(root))
    code, out, _err = run(capsys, "publish", "--home", home)
    assert code == 0 and out.startswith("already  psa")
    code, out, _err = run(capsys, "status", "--json", "--home", home)
    (report,) = json.loads(out)
    assert report["pinned"] == [str(root)] and report["latest_published"] is True
    code, out, _err = run(capsys, "status", "--home", home)
    assert f"pinned   {root}" in out and "up to date" in out


def test_publish_failure_exits_1_with_one_line(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    build(home, site_tree(1))
    add_targets(
        home,
        '[publish.psa]\ntype = "pinning"\nurl = "http://127.0.0.1:9"\n'
        'token_env = "PSA_TOKEN"\nretries = 0\n',
    )
    monkeypatch.setenv("PSA_TOKEN", "super-secret-value")
    code, out, err = run(capsys, "publish", "--home", home)
    assert code == 1
    assert out.startswith("failed   psa") and "cannot reach http://127.0.0.1:9" in err
    assert "super-secret-value" not in out + err


def test_no_targets_and_nothing_built(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "publish", "--home", home)
    assert code == 1 and "no publishing targets" in err
    add_targets(home, '[publish.a]\ntype = "kubo"\nurl = "http://127.0.0.1:9"\n')
    code, _out, err = run(capsys, "publish", "--home", home)
    assert code == 1 and "run `permapress build` first" in err
    add_targets(home, 'token = "oops"\n')
    code, _out, err = run(capsys, "status", "--home", home)
    assert code == 1 and "looks like a secret" in err and "oops" not in err


def test_dnslink(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = build(home, site_tree(1))
    name = name_of_key(load_private_key(home / "keys"))
    code, out, _err = run(capsys, "dnslink", "news.example.org", "--home", home)
    assert code == 0 and f'_dnslink.news.example.org. 300 IN TXT "dnslink=/ipns/{name}"' in out
    code, out, _err = run(capsys, "dnslink", "news.example.org", "--ipfs", "--json", "--home", home)
    assert json.loads(out) == {
        "host": "_dnslink.news.example.org",
        "type": "TXT",
        "value": f"dnslink=/ipfs/{root}",
    }
    code, _out, err = run(capsys, "dnslink", "not a domain", "--home", home)
    assert code == 1 and "not a domain name" in err


def test_ipns_show_before_and_after_a_record(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import timedelta

    from permapress.publish.naming import current_record
    from permapress.publish.state import PublishState

    key = load_private_key(home / "keys")
    code, out, _err = run(capsys, "ipns", "show", "--home", home)
    assert (
        code == 0 and out.startswith(f"/ipns/{name_of_key(key)}") and "no record signed yet" in out
    )
    with PublishState.open(home / "catalog.sqlite") as state:
        row = current_record(
            state, key, "/ipfs/bafkqaaa", lifetime=timedelta(hours=1), ttl=timedelta(minutes=1)
        )
        again = current_record(
            state, key, "/ipfs/bafkqaaa", lifetime=timedelta(hours=1), ttl=timedelta(minutes=1)
        )
        newer = current_record(
            state,
            key,
            "/ipfs/bafkqaddwgevxmmraojswg33smq",
            lifetime=timedelta(hours=1),
            ttl=timedelta(minutes=1),
        )
    assert again == row and newer.sequence == row.sequence + 1
    verify_record(parse_name(newer.name), newer.record)
    code, out, _err = run(capsys, "ipns", "show", "--json", "--home", home)
    data = json.loads(out)
    assert data["record"]["sequence"] == 1 and data["record"]["check"] == "valid"
