"""A deadline for one whole HTTP exchange, however slowly the other side trickles.

    dog = Watchdog(seconds)
    client.stream(..., extensions={"trace": dog.trace})   remembers the request's socket
    dog.arm()        starts the clock (once; later calls do nothing)
    dog.fired        True once the deadline passed and the connection was shut
    dog.cancel()     stops the clock

httpx's timeouts count from each read, so a server that sends a byte of its headers or body
every few seconds never trips them. The watchdog shuts the request's socket when the deadline
passes: the blocked read returns at once and httpx raises one of its errors, which the caller
turns into its own message when ``fired`` is set. A connection reused from a pool has no
``connect_tcp`` event; callers that need the guard use a fresh connection per request.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Mapping
from contextlib import suppress
from typing import Any


class Watchdog:
    """Shuts the request's connection ``seconds`` after ``arm``; see the module docstring."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self._sock: socket.socket | None = None
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def trace(self, event: str, info: Mapping[str, Any]) -> None:
        if event == "connection.connect_tcp.complete":
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                with self._lock:
                    self._sock = sock
                    if self.fired:  # a redirect's new connection after the deadline
                        with suppress(OSError):
                            sock.shutdown(socket.SHUT_RDWR)

    def arm(self) -> None:
        with self._lock:
            if self._timer is None:
                self._timer = threading.Timer(self.seconds, self._fire)
                self._timer.daemon = True
                self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            if self._sock is not None:
                with suppress(OSError):
                    self._sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
