"""A bounded, thread-safe LRU map used for the server's hot paths.

    cache = LRU(max_items=4096, max_bytes=64 << 20, weigh=len)
    cache.get(key) -> value | None        (a hit moves the key to the newest end)
    cache.put(key, value)                 (evicts the oldest entries until both bounds hold;
                                           a value heavier than max_bytes is not stored)

Content under /ipfs/ never changes, so entries keyed by CIDs never go stale; the website keys
its entries by the site root CID, so a new build simply stops hitting the old ones and they age
out. ``weigh`` gives an entry's cost in bytes (default: 0, so only ``max_items`` applies).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _zero(_value: object) -> int:
    return 0


class LRU(Generic[K, V]):
    def __init__(
        self,
        max_items: int = 4096,
        max_bytes: int = 0,
        weigh: Callable[[V], int] = _zero,
    ) -> None:
        self.max_items = max_items
        self.max_bytes = max_bytes
        self._weigh = weigh
        self._data: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                return None
            self._data.move_to_end(key)
            return entry[0]

    def put(self, key: K, value: V) -> None:
        weight = self._weigh(value)
        if self.max_bytes and weight > self.max_bytes:
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._data[key] = (value, weight)
            self._bytes += weight
            while len(self._data) > self.max_items or (
                self.max_bytes and self._bytes > self.max_bytes
            ):
                _key, (_value, dropped) = self._data.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._data)

    @property
    def total_bytes(self) -> int:
        return self._bytes
