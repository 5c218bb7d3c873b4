"""``AdminContext``: what every handler of the admin (the API's and the pages') reaches through
``request.app.state.admin`` or ``context(request)``: the newsroom folder, its settings,
admin.sqlite, the clock, and the lock that lets one publication run at a time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import Request

from permapress.admin.store import AdminStore
from permapress.config import Config


@dataclass
class AdminContext:
    """The admin's state, shared by every handler (``request.app.state.admin``)."""

    home: Path
    config: Config
    store: AdminStore
    clock: Callable[[], float] = time.time
    secure: bool = False  # served over HTTPS: cookies get Secure
    base_url: str = "http://127.0.0.1:8001"
    publishing: threading.Lock = field(default_factory=threading.Lock)
    session_seconds: int = 12 * 3600


def context(request: Request) -> AdminContext:
    ctx: AdminContext = request.app.state.admin
    return ctx
