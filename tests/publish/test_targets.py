"""``[publish.<name>]`` tables: parsed strictly, secrets only by reference, never printed."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from permapress.errors import ConfigError
from permapress.publish.targets import gateway_multiaddr, load_targets, secret, select


def test_three_kinds(tmp_path: Path) -> None:
    targets = load_targets(
        tmp_path,
        tomllib.loads("""
[publish.office]
type = "kubo"
url = "http://127.0.0.1:5001/"
ipns = true
[publish.pinner]
type = "pinning"
url = "https://pin.example/psa"
token_env = "PIN_TOKEN"
origins = ["/dns4/news.example.org/tcp/443/https"]
wait = 120
[publish.cluster]
type = "cluster"
url = "http://127.0.0.1:9094"
auth = "basic"
token_file = "/etc/permapress/cluster.token"
replication_min = 2
replication_max = 3
"""),
    )
    assert list(targets) == ["office", "pinner", "cluster"]
    office, pinner, cluster = targets.values()
    assert (office.kind, office.url, office.ipns, office.batch_mib) == (
        "kubo",
        "http://127.0.0.1:5001",
        True,
        8,
    )
    assert pinner.origins == ("/dns4/news.example.org/tcp/443/https",) and pinner.wait == 120.0
    assert (cluster.replication_min, cluster.replication_max, cluster.auth) == (2, 3, "basic")
    assert "hunter" not in repr(targets)
    assert [t.name for t in select(targets, ("cluster",))] == ["cluster"]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('type = "kubo"\nurl = "http://x:5001"\ntoken = "abc"', "looks like a secret"),
        ('type = "pinning"\nurl = "https://p"\napi_key = "abc"', "looks like a secret"),
        ('type = "kubo"\nurl = "http://x:5001"\nbogus = 1', "unknown key 'bogus'"),
        ('type = "ftp"\nurl = "http://x"', "`type` must be one of"),
        ('type = "kubo"\nurl = "ftp://x"', "must start with http"),
        ('type = "kubo"\nurl = "http://user:pw@x:5001"', "must not contain a user name"),
        ('type = "kubo"', "`url` is required"),
        ('type = "kubo"\nurl = "http://x"\ntoken_file = "relative.token"', "absolute path"),
        ('type = "kubo"\nurl = "http://x"\ntoken_env = "A"\ntoken_file = "/a"', "not both"),
        ('type = "pinning"\nurl = "https://p"\norigins = ["not-a-multiaddr"]', "multiaddrs"),
        ('type = "kubo"\nurl = "http://x"\nbatch_mib = 0', "batch_mib"),
        ('type = "kubo"\nurl = "http://x"\nipns = "yes"', "true or false"),
    ],
)
def test_bad_tables_are_refused(tmp_path: Path, table: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        load_targets(tmp_path, tomllib.loads(f"[publish.t]\n{table}\n"))
    assert "abc" not in str(info.value)


def test_token_file_inside_the_newsroom_is_refused(tmp_path: Path) -> None:
    inside = tmp_path / "keys" / "pin.token"
    with pytest.raises(ConfigError, match="inside the newsroom folder"):
        load_targets(
            tmp_path,
            {"publish": {"p": {"type": "pinning", "url": "https://p", "token_file": str(inside)}}},
        )


def test_secrets_are_read_when_needed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    token_file = tmp_path / "secret.token"
    token_file.write_text("  file-token\n")
    targets = load_targets(
        home,
        {
            "publish": {
                "a": {"type": "kubo", "url": "http://x", "token_env": "A_TOKEN"},
                "b": {"type": "kubo", "url": "http://x", "token_file": str(token_file)},
                "c": {"type": "kubo", "url": "http://x"},
            }
        },
    )
    assert secret(targets["a"], {"A_TOKEN": "env-token"}) == "env-token"
    assert secret(targets["b"], {}) == "file-token"
    assert secret(targets["c"], {}) is None
    with pytest.raises(ConfigError, match="A_TOKEN is not set"):
        secret(targets["a"], {})
    token_file.unlink()
    with pytest.raises(ConfigError, match="cannot read token_file"):
        secret(targets["b"], {})


def test_selection_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"add a \[publish.<name>\] table"):
        select({}, ())
    targets = load_targets(tmp_path, {"publish": {"a": {"type": "kubo", "url": "http://x"}}})
    with pytest.raises(ConfigError, match="known targets: a"):
        select(targets, ("b",))


@pytest.mark.parametrize(
    ("url", "multiaddr"),
    [
        ("https://news.example.org/", "/dns/news.example.org/tcp/443/https"),
        ("http://203.0.113.7:8080", "/ip4/203.0.113.7/tcp/8080/http"),
        ("http://[2001:db8::1]:8000/", "/ip6/2001:db8::1/tcp/8000/http"),
    ],
)
def test_gateway_multiaddr(url: str, multiaddr: str) -> None:
    assert gateway_multiaddr(url) == multiaddr


def test_every_target_key_is_documented() -> None:
    from permapress.publish.targets import COMMON_KEYS, KIND_KEYS

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    guide = (Path(__file__).resolve().parents[2] / "docs" / "publishing.md").read_text(
        encoding="utf-8"
    )
    for key in sorted(COMMON_KEYS.union(*KIND_KEYS.values())):
        assert f"`{key}`" in readme, f"target setting {key} is missing from the README"
    assert "[publish.office]" in guide
