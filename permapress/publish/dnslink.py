"""DNSLink: the TXT record that points a domain at the site (dnslink.dev).

    dnslink_record(domain, value) -> DnsLink
        ``DnsLink(host="_dnslink.<domain>", txt="dnslink=<value>")``; ``value`` is
        ``/ipns/<k51… name>`` (follows every new publish) or ``/ipfs/<root CID>`` (one build).
    DnsLink.zone_line(ttl=300) -> str      the line for a BIND-style zone file

The domain is checked and normalised (lowercase, internationalised names as punycode, no
trailing dot); anything that is not a host name raises ``ConfigError`` naming it. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from permapress.errors import ConfigError

_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")


@dataclass(frozen=True, slots=True)
class DnsLink:
    host: str
    txt: str

    def zone_line(self, ttl: int = 300) -> str:
        return f'{self.host}. {ttl} IN TXT "{self.txt}"'


def normalise_domain(domain: str) -> str:
    text = domain.strip().rstrip(".")
    if text.startswith("_dnslink."):
        text = text[len("_dnslink.") :]
    try:
        ascii_name = text.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ConfigError(f"{domain!r} is not a valid domain name") from None
    labels = ascii_name.split(".")
    if (
        len(ascii_name) > 253 - len("_dnslink.")
        or len(labels) < 2
        or not all(_LABEL.match(lb) for lb in labels)
    ):
        raise ConfigError(f"{domain!r} is not a domain name like news.example.org")
    return ascii_name


def dnslink_record(domain: str, value: str) -> DnsLink:
    if not value.startswith(("/ipns/", "/ipfs/")) or len(value) < 8:
        raise ConfigError(f"DNSLink value {value!r} must be /ipns/<name> or /ipfs/<cid>")
    return DnsLink(f"_dnslink.{normalise_domain(domain)}", f"dnslink={value}")
