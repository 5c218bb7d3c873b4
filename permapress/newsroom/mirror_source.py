"""Where a mirror reads from: the source's address parsed, DNS lookups, the run's limits.

    parse_source(text, gateway=None, rpc=None) -> Source
        a site base URL, ``http(s)://gw/ipfs/<cid>/``, ``http(s)://gw/ipns/<name>/`` or
        ``ipns://<name>`` (with ``gateway``); ``<name>`` is an IPNS key name (``k51…``) or a
        DNSLink domain; ``MirrorError`` for anything else
    dns_lookup(server=None, timeout=10) -> Lookup   TXT records through dnspython: the system's
                                                    resolver or the server given
    Limits                                          timeouts, sizes, counts and workers of a run
    MirrorError                                     what ends a run, naming the URL and why

``mirror_fetch.py`` reads the blocks; it offers these names too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from permapress.errors import ConfigError, FormatError, IpfsError, PermapressError
from permapress.ipfs.cid import CID
from permapress.publish.dnslink import normalise_domain
from permapress.publish.names import parse_name


class MirrorError(PermapressError):
    """A source that cannot be mirrored, or a history the mirror refuses to follow."""


@dataclass(frozen=True, slots=True)
class Limits:
    timeout: float = 30.0  # each read
    max_block: int = 4 << 20  # the largest block accepted (IPFS blocks are at most 2 MiB)
    max_bytes: int = 64 << 30  # all blocks fetched in one run
    max_blocks: int = 10_000_000
    max_document: int = 1 << 20  # publisher.json read from a base URL
    workers: int = 8
    min_rate: int = 4096  # a CAR's average bytes a second, once ``deadline`` has passed

    @property
    def deadline(self) -> float:
        """Seconds a whole request may take (a CAR: until its headers have arrived)."""
        return 2 * self.timeout


# host -> its TXT records (each as one string); [] when there are none
Lookup = Callable[[str], list[str]]


@dataclass(frozen=True, slots=True)
class Source:
    """Where to mirror from: the gateway's base (``…/ipfs/`` is appended) and one of the site's
    base URL (its root is looked up), a fixed root, or a name (IPNS key name or DNSLink
    domain) resolved on every run. ``rpc``: read blocks through this node's RPC API."""

    text: str
    gateway: str
    site: str | None
    root: CID | None
    name: str | None = None
    rpc: str | None = None


def source_name(text: str, shown: str) -> str:
    """An IPNS key name (canonical ``k51…``) or a DNSLink domain (normalised)."""
    try:
        return str(parse_name(text))
    except (FormatError, IpfsError):
        pass
    try:
        return normalise_domain(text)
    except ConfigError:
        raise MirrorError(
            f"{shown}: {text!r} is neither an IPNS key name (k51…) nor a domain with DNSLink"
        ) from None


def _base(text: str, what: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise MirrorError(f"{what} {text!r}: give an http:// or https:// address")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def parse_source(text: str, *, gateway: str | None = None, rpc: str | None = None) -> Source:
    """A site base URL, a gateway URL of a root or of a name, or ``ipns://<name>`` (which needs
    ``gateway``); ``MirrorError`` for anything else. ``rpc``: see ``Source``."""
    rpc_base = _base(rpc, "--rpc") if rpc is not None else None
    parts = urlsplit(text)
    if parts.scheme == "ipns":
        if gateway is None:
            raise MirrorError(
                f"{text}: an ipns:// source needs --gateway URL (a trustless gateway that "
                "answers /ipns/ records, such as the site's own address)"
            )
        if parts.path.strip("/") or parts.query or not parts.netloc:
            raise MirrorError(f"{text}: give the name alone, ipns://<name>")
        return Source(text, _base(gateway, "--gateway"), None, None,
                      source_name(parts.netloc, text), rpc_base)  # fmt: skip
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise MirrorError(
            f"{text}: give the site's address (http://… or https://…), a gateway address "
            "of its root (https://gateway/ipfs/<cid>/) or an IPNS name (ipns://<name>)"
        )
    path = parts.path
    origin = f"{parts.scheme}://{parts.netloc}"
    for kind in ("ipfs", "ipns"):
        marker = f"/{kind}/"
        if marker in path + "/" and path.rstrip("/").rsplit(marker, 1)[-1]:
            prefix, _sep, rest = path.partition(marker)
            segments = [s for s in rest.split("/") if s]
            if len(segments) != 1:
                raise MirrorError(f"{text}: give the gateway address of the site root itself")
            if kind == "ipns":
                return Source(text, origin + prefix, None, None, source_name(segments[0], text),
                              rpc_base)  # fmt: skip
            try:
                root = CID.parse(segments[0])
            except IpfsError as exc:
                raise MirrorError(f"{text}: {segments[0]!r} is not a CID ({exc})") from None
            return Source(text, origin + prefix, None, root, None, rpc_base)
    base = origin + path.rstrip("/")
    return Source(text, base, base, None, None, rpc_base)


def dns_lookup(server: str | None = None, timeout: float = 10.0) -> Lookup:
    """TXT lookups through dnspython: the system's resolver, or ``server`` (an IP address,
    ``IP:PORT`` or ``[IPv6]:PORT``)."""
    import dns.exception
    import dns.resolver

    try:
        resolver = dns.resolver.Resolver(configure=server is None)
    except dns.exception.DNSException as exc:
        raise MirrorError(f"no DNS resolver is configured on this machine ({exc}); "
                          "give one with --dns HOST[:PORT]") from None  # fmt: skip
    if server is not None:
        host, port = server, "53"
        if server.startswith("[") and "]:" in server:  # [IPv6]:PORT
            host, port = server[1:].split("]:", 1)
        elif server.count(":") == 1:
            host, port = server.split(":")
        try:
            if not 0 < int(port) < 65536:
                raise ValueError(port)
            resolver.nameservers = [host]
            resolver.port = int(port)
        except ValueError:
            raise MirrorError(
                f"--dns {server!r}: give the DNS server's IP address, as IP or IP:PORT "
                "([IPv6]:PORT)"
            ) from None
    resolver.lifetime = timeout

    def lookup(host: str) -> list[str]:
        try:
            answer = resolver.resolve(host, "TXT")
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except (dns.exception.DNSException, ValueError) as exc:
            raise MirrorError(f"{host}: the DNS lookup failed ({exc})") from None
        return [
            b"".join(record.strings).decode("utf-8", "replace")
            for record in answer
        ]

    return lookup
