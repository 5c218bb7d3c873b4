"""The handle of an open newsroom: its settings, catalog and blockstore.

    Newsroom.open(home, readonly=False)   load ``permapress.toml``, open the catalog and blocks
    newsroom.signing_key()                the publisher key (``TrustError`` when there is none)

The layers that work on a newsroom (``site``, ``publish``, ``server``, ``newsroom``) take this
handle; it sits above the catalog, the blockstore and the key files it opens and below every one
of them, so none of them imports upward for it. Creating a newsroom folder is an operation
(``permapress.newsroom.home.init_newsroom``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from permapress.catalog import Catalog
from permapress.config import Config, load_config
from permapress.ipfs.blockstore import FileBlockstore
from permapress.trust.keys import load_private_key

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


@dataclass(slots=True)
class Newsroom:
    """An open newsroom: its settings, catalog and blockstore."""

    config: Config
    catalog: Catalog
    blocks: FileBlockstore

    @classmethod
    def open(cls, home: Path, *, readonly: bool = False) -> Newsroom:
        config = load_config(home)
        catalog = Catalog.open(config.catalog_path, readonly=readonly, create=not readonly)
        return cls(config, catalog, FileBlockstore(config.blocks_path))

    def signing_key(self) -> Ed25519PrivateKey:
        """The publisher key (``TrustError`` saying how to create it when there is none)."""
        return load_private_key(self.config.keys_path)

    def close(self) -> None:
        self.catalog.close()

    def __enter__(self) -> Newsroom:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
