"""`permapress mirror` against gateways that lie, flood, loop or stall, and a mirror killed with
SIGKILL mid-transfer that resumes. Every server is real, on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest

from permapress.ipfs.car import car_header, car_section, read_car
from permapress.ipfs.cid import CID, encode_varint
from permapress.newsroom.mirror import STATE_FILE, mirror_once
from permapress.newsroom.mirror_fetch import Limits, MirrorError

sys.path.insert(0, str(Path(__file__).parent))
from mirror_servers import answer, proxy  # noqa: E402

PERMAPRESS = str(Path(sys.executable).parent / "permapress")


def _blocks(folder: Path) -> int:
    return sum(1 for _ in (folder / "blocks").rglob("*.data"))


def _refused(source: str, folder: Path, match: str, limits: Limits | None = None) -> None:
    with pytest.raises(MirrorError, match=match):
        mirror_once(source, folder, limits=limits or Limits())
    assert not (folder / STATE_FILE).exists()  # nothing adopted


def test_a_raw_block_under_a_wrong_cid_is_refused(
    demo_home: Path, serve: Callable[[Path], Any], tmp_path: Path
) -> None:
    with serve(demo_home) as (base, root):

        def lie(handler: BaseHTTPRequestHandler, path: str) -> bool:
            if "format=raw" in path and root not in path:
                answer(handler, 200, b"not the block you asked for",
                       {"Content-Type": "application/vnd.ipld.raw"})
                return True
            return False

        with proxy(base, lie) as hostile:
            _refused(hostile, tmp_path / "m", "does not hash to")


def test_a_car_with_a_swapped_block_is_refused(
    demo_home: Path, serve: Callable[[Path], Any], tmp_path: Path
) -> None:
    with serve(demo_home) as (base, root):
        honest = httpx.get(f"{base}/ipfs/{root}?format=car&dag-scope=all",
                           headers={"Accept": "application/vnd.ipld.car"}, timeout=60).content

        def swap(handler: BaseHTTPRequestHandler, path: str) -> bool:
            if "format=car" not in path:
                return False
            import io

            reader = read_car(io.BytesIO(honest))
            sections = list(reader)
            cid, _data = sections[10]
            sections[10] = (cid, sections[11][1])  # another block's bytes under this CID
            body = car_header([CID.parse(root)]) + b"".join(car_section(c, d) for c, d in sections)
            answer(handler, 200, body, {"Content-Type": "application/vnd.ipld.car"})
            return True

        with proxy(base, swap) as hostile:
            _refused(hostile, tmp_path / "m", "does not hash to its CID")


def test_a_huge_car_is_refused(
    demo_home: Path, serve: Callable[[Path], Any], tmp_path: Path
) -> None:
    with serve(demo_home) as (base, root):

        def flood(handler: BaseHTTPRequestHandler, path: str) -> bool:
            """Endless valid blocks that nothing links to."""
            if "format=car" not in path:
                return False
            handler.send_response(200)
            handler.send_header("Content-Type", "application/vnd.ipld.car")
            handler.send_header("Connection", "close")
            handler.end_headers()
            handler.close_connection = True
            try:
                handler.wfile.write(car_header([CID.parse(root)]))
                for n in range(1_000_000):
                    data = n.to_bytes(8, "big") * 512
                    handler.wfile.write(car_section(CID.hash(data), data))
            except OSError:
                pass
            return True

        def claims(handler: BaseHTTPRequestHandler, path: str) -> bool:
            """One section that says it is a GiB long."""
            if "format=car" not in path:
                return False
            body = car_header([CID.parse(root)]) + encode_varint(1 << 30) + b"\0" * 4096
            answer(handler, 200, body, {"Content-Type": "application/vnd.ipld.car"})
            return True

        with proxy(base, flood) as hostile:
            _refused(hostile, tmp_path / "a", "nothing before it links to")
        with proxy(base, claims) as hostile:
            _refused(hostile, tmp_path / "b", "not a valid CAR")
        # an honest site bigger than the limit the mirror was given
        _refused(base, tmp_path / "c", "more than 300000 bytes", Limits(max_bytes=300_000))


def test_a_redirect_loop_and_a_silent_server_end_the_run(
    demo_home: Path, serve: Callable[[Path], Any], tmp_path: Path
) -> None:
    with serve(demo_home) as (base, _root):

        def loop(handler: BaseHTTPRequestHandler, path: str) -> bool:
            answer(handler, 302, b"", {"Location": path})
            return True

        def stall(handler: BaseHTTPRequestHandler, path: str) -> bool:
            time.sleep(5)
            answer(handler, 500, b"")
            return True

        with proxy(base, loop) as hostile:
            _refused(hostile, tmp_path / "a", "more than 5 redirects")
        with proxy(base, stall) as hostile:
            _refused(hostile, tmp_path / "b", "no answer within 1 seconds", Limits(timeout=1))


def _kill_when(command: list[str], folder: Path, enough: int) -> int:
    """Run ``command``, SIGKILL it once ``folder`` holds ``enough`` blocks; the blocks held."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if (folder / "blocks").is_dir() and _blocks(folder) >= enough:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the slowed transfer ended before it was killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    assert not (folder / STATE_FILE).exists()
    return _blocks(folder)


def test_a_mirror_killed_mid_transfer_resumes_without_fetching_a_block_twice(
    demo_home: Path, serve: Callable[[Path], Any], tmp_path: Path
) -> None:
    with serve(demo_home) as (base, root):
        reference = tmp_path / "reference"
        mirror_once(base, reference)
        total = _blocks(reference)
        folder = tmp_path / "mirror"
        with proxy(base, delay=0.01) as slow:
            # killed during the first run's CAR …
            held = _kill_when([PERMAPRESS, "mirror", slow, str(folder)], folder, total // 3)
        assert total // 3 <= held < total
        with proxy(base, delay=0.05) as slower:
            # … and again while the rerun fetches the rest block by block
            again = _kill_when([PERMAPRESS, "mirror", slower, str(folder), "--workers", "4"],
                               folder, held + 20)
        assert held + 20 <= again < total
        resumed = mirror_once(base, folder)
    assert resumed.adopted and resumed.root_cid == root
    # what was held is fetched again only inside a batch: the root of each new subtree (fetched
    # raw to see that nothing under it is held, then again at the head of its CAR) and the
    # blocks the subtree shares with what is held
    assert resumed.blocks_fetched - resumed.blocks_refetched == total - again
    assert resumed.batches > 0 and resumed.bytes_refetched <= resumed.largest_batch
    assert _blocks(folder) == total


def _trickle(handler: BaseHTTPRequestHandler, head: bytes, seconds: float) -> None:
    """Send ``head`` one byte every 0.1 s, then keep trickling spaces until ``seconds``."""
    ends = time.monotonic() + seconds
    try:
        for byte in head:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(0.1)
        while time.monotonic() < ends:
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.1)
    except OSError:
        pass
    handler.close_connection = True


def test_a_trickling_gateway_cannot_hang_the_mirror(
    demo_home: Path, serve: Callable[[Path], Any], tmp_path: Path
) -> None:
    """Each byte comes well within the read timeout; the whole answer never does."""
    limits = Limits(timeout=5)  # every request must be done within 10 s
    with serve(demo_home) as (base, root):
        reference = tmp_path / "reference"
        mirror_once(base, reference)

        def headers(handler: BaseHTTPRequestHandler, path: str) -> bool:
            if "format=raw" not in path:
                return False
            _trickle(handler, b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.ipld.raw\r\n",
                     60)  # fmt: skip
            return True

        def car_body(handler: BaseHTTPRequestHandler, path: str) -> bool:
            if "format=car" not in path:
                return False
            handler.send_response(200)
            handler.send_header("Content-Type", "application/vnd.ipld.car")
            handler.end_headers()
            # a section that says it is 100,000 bytes long, whose bytes then trickle in
            _trickle(handler, car_header([CID.parse(root)]) + encode_varint(100_000), 60)
            return True

        with proxy(base, headers) as hostile:
            # publisher.json is read block by block: the first raw request trickles
            _refused(hostile, tmp_path / "a", "did not arrive within 10 seconds", limits)
        def spaces(handler: BaseHTTPRequestHandler, path: str) -> bool:
            if "format=car" not in path:
                return False
            answer(handler, 200, car_header([CID.parse(root)]) + b" " * 64,
                   {"Content-Type": "application/vnd.ipld.car"})  # fmt: skip
            return True

        with proxy(base, spaces) as hostile:
            _refused(hostile, tmp_path / "c", "not a valid CAR", limits)
        with proxy(base, car_body) as hostile:
            # (the messages are the watchdog's: neither run waited for its trickle to end)
            _refused(hostile, tmp_path / "b", "the server sends too slowly", limits)
