"""The _dnslink TXT record."""

from __future__ import annotations

import pytest

from permapress.errors import ConfigError
from permapress.publish.dnslink import dnslink_record

NAME = "/ipns/k51qzi5uqu5dit2ku9mutlfgwyz8u730on38kd10m97m36bjt66my99hb6103f"


@pytest.mark.parametrize(
    ("domain", "host"),
    [
        ("news.example.org", "_dnslink.news.example.org"),
        ("News.Example.ORG.", "_dnslink.news.example.org"),
        ("_dnslink.news.example.org", "_dnslink.news.example.org"),
        ("zeitung.bücher.de", "_dnslink.zeitung.xn--bcher-kva.de"),
    ],
)
def test_record(domain: str, host: str) -> None:
    record = dnslink_record(domain, NAME)
    assert (record.host, record.txt) == (host, f"dnslink={NAME}")
    assert record.zone_line() == f'{host}. 300 IN TXT "dnslink={NAME}"'


@pytest.mark.parametrize(
    "domain", ["localhost", "bad domain.org", "-x.org", "a..b", "x" * 300 + ".org"]
)
def test_bad_domains(domain: str) -> None:
    with pytest.raises(ConfigError):
        dnslink_record(domain, NAME)


def test_bad_value() -> None:
    with pytest.raises(ConfigError, match="must be /ipns/"):
        dnslink_record("news.example.org", "https://example.org")
