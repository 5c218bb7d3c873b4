"""What a running server publishes: the newest build's site root and the blocks under it.

    site = PublishedSite(catalog_path, get)   reads the catalog read-only; ``get`` reads blocks
    site.root() -> CID | None                 the newest build's root (``site_root`` of the app)
    site.is_served(cid) -> bool               is the block inside that build (``ServedSet``)
    site.refresh() -> bool                    look at the catalog now; True when the root changed

A build or a retraction that is committed while the server runs is noticed

- at once by the gateway: before it answers 404 for a root it does not serve, it calls
  ``refresh`` (``create_app(refresh=…)``), so ``/ipfs/<new root>/`` answers as soon as
  ``permapress build`` has finished, with no request to ``/`` needed;
- within ``CHECK_SECONDS`` by every other request (``root`` and ``is_served`` look again when
  that much time has passed), so a purged article's old root stops being served promptly.

The first root's blocks are walked in a thread (``ServedSet.start``), so the server answers at
once: pages at ``/`` need no walk, and the gateway's membership test is exact meanwhile (it
waits for the walk only for blocks not yet reached). A build committed during that first walk is
looked at when the walk is done.

A look costs one ``PRAGMA data_version`` on the server's own read-only connection: SQLite
changes that number whenever another connection commits, so the builds table is read only after
a commit, and the served set is rebuilt only when the root really changed (``ServedSet`` reads
only the blocks it has not seen before). Checks from many threads are serialised; a periodic
check that finds another one running does not wait for it.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from permapress.catalog.db import Catalog, connect
from permapress.errors import CatalogError, PermapressError
from permapress.ipfs.cid import CID
from permapress.server.served import ServedSet

CHECK_SECONDS: Final = 0.5


class PublishedSite:
    def __init__(self, catalog_path: Path, get: Callable[[CID], bytes]) -> None:
        try:
            self._conn = connect(catalog_path, readonly=True)
        except sqlite3.Error as exc:
            raise CatalogError(f"{catalog_path}: cannot open the catalog ({exc})") from None
        self._catalog = Catalog(self._conn, catalog_path, readonly=True)
        self._served = ServedSet(get)
        self._lock = threading.Lock()
        self._version: int | None = None
        self._root: CID | None = None
        self._due = 0.0
        self.refresh()

    def root(self) -> CID | None:
        self._maybe_refresh()
        return self._root

    def is_served(self, cid: CID) -> bool:
        self._maybe_refresh()
        return self._served.is_served(cid)

    def refresh(self) -> bool:
        with self._lock:
            return self._look()

    def _maybe_refresh(self) -> None:
        if time.monotonic() < self._due:
            return
        if self._lock.acquire(blocking=False):
            try:
                self._look()
            finally:
                self._lock.release()

    def _look(self) -> bool:
        """Read the newest build when the catalog changed (hold the lock)."""
        self._due = time.monotonic() + CHECK_SECONDS
        if self._served.walking:
            return False  # the first walk is running: look again when it is done
        try:
            version = int(self._conn.execute("PRAGMA data_version").fetchone()[0])
            if version == self._version:
                return False
            latest = self._catalog.latest_build()
        except sqlite3.Error:
            return False  # the catalog is busy or being replaced: keep what is served now
        self._version = version
        try:
            root = None if latest is None else CID.parse(latest)
        except PermapressError:
            return False
        if root is None or root == self._root:
            return False
        if self._root is None and not self._served.roots:
            self._served.start([root])  # the first root: walked in a thread, see above
        else:
            self._served.replace([root])
        self._root = root
        return True
