"""`permapress serve` as an operator meets it: a busy port, the port it chose, a new build."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

PERMAPRESS = str(Path(sys.executable).parent / "permapress")


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_a_busy_port_is_one_line_before_serving_is_announced(demo_home: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run(
            [PERMAPRESS, "serve", "--home", str(demo_home), "--port", str(port)],
            capture_output=True, text=True, timeout=300,
        )
    assert run.returncode == 1
    assert "Serving" not in run.stdout and "Site root" not in run.stdout
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert f"port {port}" in lines[0] and "in use" in lines[0] and "--port" in lines[0]


def test_port_zero_announces_the_port_it_serves_on_and_ctrl_c_stops_it(demo_home: Path) -> None:
    proc = subprocess.Popen(
        [PERMAPRESS, "serve", "--home", str(demo_home), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        line = ""
        for _ in range(5):
            line = proc.stdout.readline()
            if line.startswith("Serving"):
                break
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert found, line
        port = int(found.group(1))
        assert port != 0
        assert _get(f"http://127.0.0.1:{port}/") == 200
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err
    assert proc.returncode == 0, err


def test_the_gateway_serves_a_new_build_at_once(
    demo_home: Path, cli: Callable[..., Any], serve: Callable[[Path], Any], tmp_path: Path
) -> None:
    story = tmp_path / "tide.md"
    story.write_text(
        "---\ntitle: Record tide expected\ndate: 2025-06-01T08:00:00+00:00\n---\n\nHigh water.\n",
        encoding="utf-8",
    )
    with serve(demo_home) as (base, root):
        assert _get(f"{base}/ipfs/{root}/") == 200
        assert cli("import", str(story), "--home", str(demo_home)).code == 0
        built = cli("build", "--home", str(demo_home), "--json")
        new_root = built.json()["root_cid"]
        assert new_root != root
        # No request to / in between: the gateway knows the new root on its own.
        assert _get(f"{base}/ipfs/{new_root}/") == 200
        assert _get(f"{base}/ipfs/{new_root}/articles/record-tide-expected/") == 200


def test_serving_in_a_subfolder_of_the_newsroom(demo_home: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        sub = demo_home / "notes"
        sub.mkdir()
        env = {k: v for k, v in os.environ.items() if k != "PERMAPRESS_HOME"}
        run = subprocess.run(
            [PERMAPRESS, "serve", "--port", str(port)],
            cwd=sub, env=env, capture_output=True, text=True, timeout=300,
        )
    # It found the newsroom (the port is the only problem it reports).
    assert run.returncode == 1 and "in use" in run.stderr, run.stderr
