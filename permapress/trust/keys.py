"""The newsroom's publisher key: Ed25519, kept in ``keys/`` and never inside a bundle.

    keys/publisher.key   the private key, PEM (PKCS #8), file mode 0600
    keys/publisher.pub   the public key, 32 raw bytes as lowercase hex, one line

``generate_key`` refuses to overwrite an existing key; ``load_private_key`` explains how to
create one when it is missing. ``fingerprint`` is what people compare by eye or by phone:
the first 100 bits of SHA-256 of the raw public key, base32, in groups of four.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from permapress.errors import TrustError

PRIVATE_NAME = "publisher.key"
PUBLIC_NAME = "publisher.pub"


def public_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(public: bytes) -> str:
    """A short, readable fingerprint such as ``K7QF-2M4D-XW3A-9TJB-EC5R``."""
    text = base64.b32encode(hashlib.sha256(public).digest()).decode("ascii")[:20]
    return "-".join(text[i : i + 4] for i in range(0, 20, 4))


def generate_key(keys_dir: Path) -> Ed25519PrivateKey:
    """Create the publisher key in ``keys_dir``; refuse if one exists."""
    private_path = keys_dir / PRIVATE_NAME
    if private_path.exists():
        raise TrustError(f"{private_path}: a publisher key exists already; it is never replaced")
    key = Ed25519PrivateKey.generate()
    save_key(keys_dir, key)
    return key


def save_key(keys_dir: Path, key: Ed25519PrivateKey) -> None:
    """Write ``key`` (mode 0600, written atomically) and its public half."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(keys_dir, 0o700)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    temp = keys_dir / f".{PRIVATE_NAME}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    os.replace(temp, keys_dir / PRIVATE_NAME)
    (keys_dir / PUBLIC_NAME).write_text(public_bytes(key).hex() + "\n", encoding="ascii")


def load_private_key(keys_dir: Path) -> Ed25519PrivateKey:
    path = keys_dir / PRIVATE_NAME
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise TrustError(f"{path}: no publisher key; create one with `permapress keys init`") from None
    except OSError as exc:
        raise TrustError(f"{path}: cannot read the publisher key ({exc.strerror})") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise TrustError(f"{path}: not a PEM private key; restore it from your backup") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise TrustError(f"{path}: not an Ed25519 key")
    return key


def has_key(keys_dir: Path) -> bool:
    return (keys_dir / PRIVATE_NAME).is_file()
