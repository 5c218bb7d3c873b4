"""``permapress serve``: build the site if needed, then serve it with the gateway.

The server reads the newsroom read-only. It looks for a newer build at most every
``REFRESH_SECONDS``, so a `permapress build` run beside it shows up without a restart.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from starlette.applications import Starlette

from permapress.catalog import Catalog
from permapress.config import CONFIG_NAME, Config, load_config
from permapress.ipfs.blockstore import FileBlockstore
from permapress.ipfs.cid import CID
from permapress.newsroom.demo import DEMO_NAME, import_demo
from permapress.newsroom.home import Newsroom, init_newsroom
from permapress.site.build import build_site

REFRESH_SECONDS = 2.0


class LatestSite:
    """The newest built site root, re-read from the catalog at most every few seconds."""

    def __init__(self, catalog_path: Path, on_change: Callable[[CID], None]) -> None:
        self._catalog = Catalog.open(catalog_path, readonly=True)
        self._on_change = on_change
        self._lock = threading.Lock()
        self._checked = 0.0
        self._root: CID | None = None
        self.__call__()

    def __call__(self) -> CID | None:
        now = time.monotonic()
        if now - self._checked < REFRESH_SECONDS:
            return self._root
        with self._lock:
            self._checked = now
            latest = self._catalog.latest_build()
            if latest is not None and (self._root is None or str(self._root) != latest):
                root = CID.parse(latest)
                self._on_change(root)
                self._root = root
        return self._root


def prepare_home(demo: bool, home: Path | None, resolve: Callable[[Path | None], Path]) -> Path:
    """The newsroom folder to serve, creating a demo newsroom when asked."""
    if not demo:
        return resolve(home)
    if home is None:
        home = Path(tempfile.mkdtemp(prefix="permapress-demo-")) / "newsroom"
    if not (home / CONFIG_NAME).exists():
        init_newsroom(home, DEMO_NAME)
        with Newsroom.open(home) as newsroom:
            count = import_demo(newsroom, now=datetime.now(UTC))
        click.echo(f"Demo newsroom with {count} articles in {home}")
    return home


def serving_app(home: Path) -> Starlette:
    """The web app over an already built newsroom (read-only)."""
    from permapress.server.app import create_app
    from permapress.server.ipns import records_from
    from permapress.server.served import ServedSet

    config = load_config(home)
    blocks = FileBlockstore(config.blocks_path)
    served = ServedSet(blocks.get)
    latest = LatestSite(config.catalog_path, lambda root: served.replace([root]))
    return create_app(
        blocks=blocks,
        site_root=latest,
        is_served=served.is_served,
        site_name=config.name,
        ipns_records=records_from(config.catalog_path),
    )


def newsroom_app(home: Path) -> tuple[Starlette, str, Config]:
    """Build the newsroom's site (incrementally) and make the web app that serves it."""
    with Newsroom.open(home) as newsroom:
        result = build_site(newsroom)
        config = newsroom.config
    return serving_app(home), result.root_cid, config


_WORKER_HOME = "PERMAPRESS_SERVE_HOME"


def worker_app() -> Starlette:
    """Entry point of each worker process when serving with --workers N > 1."""
    return serving_app(Path(os.environ[_WORKER_HOME]))


def run_server(
    *,
    host: str,
    port: int,
    demo: bool,
    home: Path | None,
    resolve: Callable[[Path | None], Path],
    workers: int = 1,
) -> None:
    import uvicorn

    home = prepare_home(demo, home, resolve)
    app, root, config = newsroom_app(home)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(f"Site root {root}")
    click.echo(f"Serving {config.name} at http://{shown}:{port}/  (Ctrl+C to stop)")
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "warning",
        "access_log": False,
    }
    if workers > 1:
        os.environ[_WORKER_HOME] = str(home.resolve())
        uvicorn.run(
            "permapress.newsroom.serving:worker_app", factory=True, workers=workers, **options
        )
    else:
        uvicorn.run(app, **options)
