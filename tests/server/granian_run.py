"""An app behind granian (embedded, in a thread) on 127.0.0.1, and requests sent byte for byte.

    running_granian(app, interface) -> port   granian's interface: "asginl" (ASGI, no lifespan)
    exchange(port, request) -> bytes          one raw request (it should say Connection: close),
                                              the whole answer as sent, without its Date line
"""

from __future__ import annotations

import asyncio
import re
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from granian.constants import HTTPModes, Interfaces
from granian.log import LogLevels
from granian.server.embed import Server

sys.path.insert(0, str(Path(__file__).parent))
from crafted import free_port, raw_exchange  # noqa: E402


@contextmanager
def running_granian(app: Any, interface: str) -> Iterator[int]:
    port = free_port()
    server = Server(app, address="127.0.0.1", port=port, interface=Interfaces(interface),
                    http=HTTPModes.http1, websockets=True, log_level=LogLevels.error)  # fmt: skip
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),),
                              daemon=True)  # fmt: skip
    thread.start()
    deadline = time.monotonic() + 30
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("granian did not start")
        time.sleep(0.02)
    try:
        yield port
    finally:
        loop.call_soon_threadsafe(server.stop)
        thread.join(30)
        loop.close()


def exchange(port: int, request: bytes, *, head_only: bool = False, timeout: float = 30) -> bytes:
    """``head_only``: read up to the end of the headers (the connection may stay open)."""
    answer = raw_exchange(port, request, head_only=head_only, timeout=timeout)
    return re.sub(rb"\r\ndate: [^\r]*", b"", answer, count=1)
