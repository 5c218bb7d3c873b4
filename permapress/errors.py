"""Errors raised on purpose by permapress.

Every error carries a message a journalist can act on. The CLI and the HTTP layer catch
``PermapressError`` once and turn it into one line and exit code 1, or an HTTP status.

    PermapressError
    ├── ConfigError            permapress.toml, --home, flags
    ├── IpfsError              anything about IPFS data
    │   ├── FormatError        bytes that are not the one canonical encoding (CID, dag-pb, CAR …)
    │   ├── UnsupportedError   a codec, hash or version we do not handle (not corruption)
    │   ├── BlockNotFound      a block the blockstore does not hold (carries the CID)
    │   └── VerifyError        a DAG that is incomplete or does not match its CIDs
    ├── ArticleError           a source file or field that cannot become an article
    ├── CatalogError           the SQLite catalog
    ├── SiteError              rendering and building
    ├── GatewayError           a request the gateway cannot answer (carries an HTTP status)
    └── TrustError             keys, signatures, version records
"""

from __future__ import annotations


class PermapressError(Exception):
    """Root of every error permapress raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(PermapressError):
    """The newsroom configuration or a command-line setting is wrong."""


class IpfsError(PermapressError):
    """A problem with IPFS data."""


class FormatError(IpfsError):
    """Bytes that are not a valid, canonical encoding of the expected format."""


class UnsupportedError(IpfsError):
    """Valid data in a codec, hash function or version that permapress does not handle."""


class BlockNotFound(IpfsError):
    """The blockstore does not hold the block with this CID."""

    def __init__(self, cid: object, message: str | None = None) -> None:
        super().__init__(message or f"block {cid} is not in the blockstore")
        self.cid = cid


class VerifyError(IpfsError):
    """A DAG that is incomplete or whose blocks do not match their CIDs."""


class ArticleError(PermapressError):
    """A source that cannot become an article; the message names the file and the field."""

    def __init__(self, message: str, source: str | None = None) -> None:
        super().__init__(f"{source}: {message}" if source else message)
        self.source = source
        self.reason = message


class CatalogError(PermapressError):
    """The SQLite catalog is missing, locked or inconsistent."""


class SiteError(PermapressError):
    """Rendering or building the site failed."""


class GatewayError(PermapressError):
    """A gateway request that cannot be answered; ``status`` is the HTTP status to send."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class TrustError(PermapressError):
    """Keys, signatures or version records are missing or wrong."""
