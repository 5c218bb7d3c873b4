"""The newsroom's publisher key: Ed25519, kept in ``keys/`` and never inside a bundle.

    keys/publisher.key   the private key, PEM (PKCS #8), file mode 0600
    keys/publisher.pub   the public key, 32 raw bytes as lowercase hex, one line

``generate_key`` refuses to overwrite an existing key; ``load_private_key`` explains how to
create one when it is missing. ``fingerprint`` is what people compare by eye or by phone:
the first 100 bits of SHA-256 of the raw public key, base32, in groups of four.

Signatures: ``sign(key, data)`` gives the 64-byte Ed25519 signature (deterministic: the same key
and bytes always give the same signature); ``signature_ok(public, data, signature)`` checks one.
Records name the key as ``key_text(public)`` = ``"ed25519:<64 hex digits>"``; ``parse_key_text``
reads it back (``TrustError`` naming the text when it is not one). ``matches(public, expected)``
accepts a fingerprint (any case, with or without dashes), a bare hex key or the ``ed25519:`` form.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from permapress.errors import TrustError

PRIVATE_NAME = "publisher.key"
PUBLIC_NAME = "publisher.pub"
KEY_PREFIX = "ed25519:"
# The PEM of an Ed25519 private key as save_key writes it (PKCS #8, RFC 8410): this DER prefix,
# then the 32-byte seed. Read directly, so that opening a newsroom does without cryptography's
# serialization module (it imports the other key types and ciphers); any other PEM goes to it.
_PEM_LINES = ("-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----")
_PKCS8_ED25519 = bytes.fromhex("302e020100300506032b657004220420")


def public_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes_raw()


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
    from cryptography.hazmat.primitives import serialization

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
        raise TrustError(
            f"{path}: no publisher key; create one with `permapress keys init`"
        ) from None
    except OSError as exc:
        raise TrustError(f"{path}: cannot read the publisher key ({exc.strerror})") from None
    seed = _ed25519_seed(data)
    if seed is not None:
        return Ed25519PrivateKey.from_private_bytes(seed)
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise TrustError(f"{path}: not a PEM private key; restore it from your backup") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise TrustError(f"{path}: not an Ed25519 key")
    return key


def _ed25519_seed(data: bytes) -> bytes | None:
    """The seed in a PEM file of the form save_key writes, or None for any other text."""
    lines = data.decode("ascii", "replace").split()
    if len(lines) < 3 or " ".join(lines[:3]) != _PEM_LINES[0] or "-----END" not in lines:
        return None
    end = lines.index("-----END")
    if " ".join(lines[end:]) != _PEM_LINES[1]:
        return None
    try:
        der = base64.b64decode("".join(lines[3:end]), validate=True)
    except ValueError:
        return None
    if len(der) != 48 or not der.startswith(_PKCS8_ED25519):
        return None
    return der[16:]


def has_key(keys_dir: Path) -> bool:
    return (keys_dir / PRIVATE_NAME).is_file()


def load_public_key(keys_dir: Path) -> bytes:
    """The raw public key of the newsroom (read from the private key, the source of truth)."""
    return public_bytes(load_private_key(keys_dir))


def key_text(public: bytes) -> str:
    """``"ed25519:<hex>"``: how records and the log name a public key."""
    return KEY_PREFIX + public.hex()


def parse_key_text(text: object) -> bytes:
    """The raw 32-byte public key of ``"ed25519:<hex>"`` (TrustError for anything else, a value
    that is not text included)."""
    if not isinstance(text, str):
        raise TrustError(f"{text!r:.80} is not a public key of the form 'ed25519:<64 hex digits>'")
    body = text[len(KEY_PREFIX) :] if text.startswith(KEY_PREFIX) else ""
    if len(body) != 64 or not all(c in "0123456789abcdef" for c in body):
        raise TrustError(f"{text!r} is not a public key of the form 'ed25519:<64 hex digits>'")
    return bytes.fromhex(body)


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    return key.sign(data)


def signature_ok(public: bytes, data: bytes, signature: bytes) -> bool:
    """Does ``signature`` sign ``data`` with the private half of ``public``?"""
    if len(public) != 32 or len(signature) != 64:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def _normal_fingerprint(text: str) -> str:
    return text.replace("-", "").replace(" ", "").upper()


def matches(public: bytes, expected: str) -> bool:
    """Is ``public`` the key named by ``expected`` (fingerprint, hex key or ``ed25519:`` form)?"""
    wanted = expected.strip()
    if wanted.startswith(KEY_PREFIX):
        wanted = wanted[len(KEY_PREFIX) :]
    if len(wanted) == 64:
        return wanted.lower() == public.hex()
    return _normal_fingerprint(wanted) == _normal_fingerprint(fingerprint(public))


def check_expected_key(text: str) -> str:
    """Validate a ``--key`` value before use; return it stripped."""
    wanted = text.strip()
    bare = wanted[len(KEY_PREFIX) :] if wanted.startswith(KEY_PREFIX) else wanted
    if len(bare) == 64 and all(c in "0123456789abcdefABCDEF" for c in bare):
        return wanted
    normal = _normal_fingerprint(bare)
    if len(normal) == 20 and all(c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for c in normal):
        return wanted
    raise TrustError(
        f"{text!r} is neither a fingerprint (like K7QF-2M4D-XW3A-9TJB-EC5R) nor a public key "
        "(64 hex digits, optionally after 'ed25519:'); copy it from the publisher's site "
        "(publisher.json or the page footer)"
    )
