"""Deterministic test inputs shared by the UnixFS tests: the ChaCha20 byte stream of the
IPIP-499 fixtures and kubo's deterministic file names.

- ``ChaChaStream(seed, size)``: a readable binary stream of ``size`` bytes, the ChaCha20
  (RFC 8439) keystream with key SHA-256(seed), zero nonce and counter 0, i.e. what kubo's
  ``DeterministicRandomReaderBytes(size, seed)`` produces. Memory use is one read's worth.
- ``chacha_bytes(seed, size)``: the same bytes at once, for small sizes.
- ``deterministic_filenames(count, length, last_length, seed)``: names as kubo's
  ``createDeterministicFiles`` makes them for the HAMT-threshold fixtures: consecutive bytes of
  the ChaCha20 stream for ``seed``, ``length`` bytes per name (``last_length`` for the last one),
  each byte mapped to ``ALPHABET_EASY[byte % 39]``.
"""

from __future__ import annotations

import hashlib
import io

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

ALPHABET_EASY = "abcdefghijklmnopqrstuvwxyz01234567890-_"  # 39 symbols, "0" twice, as in kubo


class ChaChaStream(io.RawIOBase):
    """``size`` bytes of the ChaCha20 keystream keyed by SHA-256(seed)."""

    def __init__(self, seed: str, size: int) -> None:
        super().__init__()
        key = hashlib.sha256(seed.encode("utf-8")).digest()
        # cryptography's 16-byte nonce = 4-byte little-endian block counter + 12-byte nonce
        self._cipher = Cipher(algorithms.ChaCha20(key, bytes(16)), mode=None).encryptor()
        self._left = size
        self._zeros = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        n = min(len(view), self._left)
        if n == 0:
            return 0
        if len(self._zeros) < n:
            self._zeros = bytes(n)
        view[:n] = self._cipher.update(memoryview(self._zeros)[:n])
        self._left -= n
        return n

    def read(self, size: int = -1, /) -> bytes:
        if size < 0:
            size = self._left
        n = min(size, self._left)
        if n == 0:
            return b""
        if len(self._zeros) < n:
            self._zeros = bytes(n)
        self._left -= n
        return self._cipher.update(memoryview(self._zeros)[:n])


def chacha_bytes(seed: str, size: int) -> bytes:
    return ChaChaStream(seed, size).read(size)


def deterministic_filenames(count: int, length: int, last_length: int, seed: str) -> list[str]:
    stream = ChaChaStream(seed, 1 << 20)  # kubo draws the names from a 1 MiB stream
    names = []
    for index in range(count):
        raw = stream.read(last_length if index == count - 1 else length)
        names.append("".join(ALPHABET_EASY[byte % len(ALPHABET_EASY)] for byte in raw))
    return names
