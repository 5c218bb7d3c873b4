"""The bounded LRU used by the server's hot paths."""

from __future__ import annotations

import threading

from permapress.server.cache import LRU


def test_lru_evicts_the_oldest_by_count() -> None:
    cache: LRU[str, int] = LRU(max_items=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the newest
    cache.put("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c"), len(cache)) == (1, 3, 2)


def test_lru_evicts_by_weight_and_skips_what_cannot_fit() -> None:
    cache: LRU[str, bytes] = LRU(max_items=100, max_bytes=10, weigh=len)
    cache.put("a", b"12345")
    cache.put("b", b"12345")
    assert cache.total_bytes == 10
    cache.put("c", b"123")
    assert cache.get("a") is None and cache.get("b") == b"12345"
    assert cache.total_bytes == 8
    cache.put("huge", b"x" * 11)
    assert cache.get("huge") is None and cache.total_bytes == 8
    cache.put("b", b"1")
    assert cache.total_bytes == 4
    cache.clear()
    assert len(cache) == 0 and cache.total_bytes == 0


def test_lru_is_consistent_under_threads() -> None:
    cache: LRU[int, bytes] = LRU(max_items=50, max_bytes=400, weigh=len)

    def work(offset: int) -> None:
        for i in range(2000):
            cache.put((i * 7 + offset) % 97, b"x" * (i % 13))
            cache.get(i % 97)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) <= 50
    assert cache.total_bytes <= 400
    assert cache.total_bytes == sum(len(cache.get(k) or b"") for k in range(97))
