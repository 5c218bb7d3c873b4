"""The TCP connection under one RSGI request, for the two things RSGI gives no way to do.

    connection(client, server) -> socket | None
        a duplicate of the connection's socket, found among this process's open files by its
        two addresses (RSGI's ``scope.client`` and ``scope.server``, "host:port"), which name one
        TCP connection; None when it is gone or cannot be looked for (no ``/dev/fd``)
    acked(sock) -> int | None
        how many bytes of the connection the client has acknowledged (Linux ``TCP_INFO``),
        None where that cannot be read or once the client no longer reads
    cut(sock)
        shut the connection down: the client sees it end where it is, mid-response

granian's RSGI streams (``response_stream``) queue what the app sends without limit and end a
response cleanly once the app lets go of the stream. Under its ASGI interface a slow reader
makes the app wait and an unfinished response breaks the connection; ``rsgi.py`` does the same
with these: it waits while more than ``rsgi.IN_FLIGHT`` bytes it handed over are not yet
acknowledged, and it cuts an unfinished response's connection instead of letting it end.
"""

from __future__ import annotations

import os
import socket
import struct
import sys
from typing import Final

_OPEN: Final = (1, 8)  # TCP_ESTABLISHED, TCP_CLOSE_WAIT (the client still reads)
_BYTES_ACKED: Final = struct.Struct("=Q")  # tcp_info.tcpi_bytes_acked, at offset 120
_BYTES_ACKED_AT: Final = 120


def address(text: str) -> tuple[str, int]:
    """``"host:port"`` or ``"[v6]:port"`` -> (host, port)."""
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def connection(client: str, server: str) -> socket.socket | None:
    peer, local = address(client), address(server)
    try:
        names = os.listdir("/dev/fd")
    except OSError:
        return None
    for name in names:
        try:
            fd = os.dup(int(name))
        except (OSError, ValueError):
            continue
        try:
            sock = socket.socket(fileno=fd)
        except OSError:
            os.close(fd)
            continue
        try:
            if (
                sock.type == socket.SOCK_STREAM
                and sock.getpeername()[:2] == peer
                and sock.getsockname()[:2] == local
            ):
                return sock
        except OSError:
            pass
        sock.close()
    return None


def acked(sock: socket.socket) -> int | None:
    if sys.platform != "linux":
        return None
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 192)
    except OSError:
        return None
    if len(info) < _BYTES_ACKED_AT + 8 or info[0] not in _OPEN:
        return None
    count: int = _BYTES_ACKED.unpack_from(info, _BYTES_ACKED_AT)[0]
    return count


def cut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by the client
    finally:
        sock.close()
