"""Create a newsroom folder (the handle of an open one is ``permapress.handle.Newsroom``).

    permapress.toml   settings (see ``permapress.config``)
    catalog.sqlite    articles, versions, categories, search index
    blocks/           content-addressed blocks, one file per block
    keys/             the publisher's signing key (mode 0600)

``init_newsroom`` refuses a folder that already holds a newsroom and writes nothing half-way:
the folder is assembled beside the target and renamed into place. It creates the publisher's
signing key too (``permapress.trust.keys``), so a new newsroom can publish signed versions at
once; ``key`` lets tests and the golden files use a fixed key instead of a fresh one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from permapress.catalog import Catalog
from permapress.config import CONFIG_NAME, Config, default_config_text, load_config
from permapress.errors import ConfigError
from permapress.staging import staged_folder
from permapress.trust.keys import generate_key, save_key

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def init_newsroom(target: Path, name: str, *, key: Ed25519PrivateKey | None = None) -> Config:
    """Create an empty newsroom folder at ``target`` (which may exist but must be empty)."""
    if (target / CONFIG_NAME).exists():
        raise ConfigError(f"{target}: already a newsroom (it has {CONFIG_NAME})")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConfigError(f"{target}: exists and is not an empty folder; choose a new folder")
    try:
        with staged_folder(target) as staging:
            (staging / CONFIG_NAME).write_text(default_config_text(name), encoding="utf-8")
            (staging / "blocks").mkdir()
            keys = staging / "keys"
            keys.mkdir()
            os.chmod(keys, 0o700)
            if key is None:
                generate_key(keys)
            else:
                save_key(keys, key)
            Catalog.open(staging / "catalog.sqlite", create=True).close()
    except OSError as exc:
        raise ConfigError(f"{target}: cannot create the newsroom ({exc.strerror})") from None
    return load_config(target)
