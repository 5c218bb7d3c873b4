"""``permapress users`` and ``permapress tokens`` as a person types them, and ``serve`` with the
admin on its own port (a real server on 127.0.0.1)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

SCRIPT = Path(sys.executable).parent / "permapress"


def _run(*args: str | Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([SCRIPT, *map(str, args)], capture_output=True, text=True, timeout=120)
    if ok:
        assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def home(tmp_path: Path) -> Path:
    _run("init", tmp_path / "room", "--name", "The Quay")
    return tmp_path / "room"


def test_users_and_tokens(home: Path) -> None:
    first = _run("users", "add", "Chief@Quay.example", "--role", "admin", "--home", home,
                 "--url", "https://admin.quay.example").stdout  # fmt: skip
    assert "owner" in first and "https://admin.quay.example/admin/invite/" in first
    assert "(the newsroom's owner)" in first
    _run("users", "add", "desk@quay.example", "--role", "editor", "--name", "Desk", "--home", home)
    listed = _run("users", "list", "--home", home).stdout
    assert "admin        Chief@Quay.example  (owner, invited)" in listed
    assert "editor       desk@quay.example  (invited)" in listed
    again = _run("users", "add", "desk@quay.example", "--role", "author", "--home", home, ok=False)
    assert again.returncode == 1 and again.stderr.count("\n") == 1
    assert "already has an account" in again.stderr
    bad = _run("users", "add", "not-an-address", "--role", "author", "--home", home, ok=False)
    assert bad.returncode == 1 and "is not an email address" in bad.stderr
    assert "Traceback" not in bad.stderr
    made = _run("tokens", "create", "--user", "desk@quay.example", "--home", home).stdout
    token = made.strip().splitlines()[-1]
    assert token.startswith("ppa_") and len(token) > 40
    token_id = made.split()[1]
    assert _run("tokens", "revoke", token_id, "--home", home).stdout.startswith("Revoked 1")
    twice = _run("tokens", "revoke", token_id, "--home", home, ok=False)
    assert twice.returncode == 1 and "no active token" in twice.stderr
    nobody = _run("tokens", "create", "--user", "who@quay.example", "--home", home, ok=False)
    assert nobody.returncode == 1 and "no account" in nobody.stderr
    owner = _run("users", "remove", "chief@quay.example", "--home", home, ok=False)
    assert owner.returncode == 1 and "owner" in owner.stderr
    reset = _run("users", "reset", "desk@quay.example", "--home", home).stdout
    assert "/admin/invite/" in reset
    assert _run("users", "role", "desk@quay.example", "author", "--home", home).stdout == (
        "desk@quay.example is now author.\n")  # fmt: skip
    _run("users", "remove", "desk@quay.example", "--home", home)
    assert "desk@" not in _run("users", "list", "--home", home).stdout
    assert (home / "admin.sqlite").stat().st_mode & 0o077 == 0  # secrets: owner only


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answering(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else b""
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def test_serve_puts_the_admin_on_its_own_origin(home: Path) -> None:
    _run("users", "add", "chief@quay.example", "--role", "admin", "--home", home)
    token = _run("tokens", "create", "--user", "chief@quay.example", "--home",
                 home).stdout.strip().splitlines()[-1]  # fmt: skip
    site_port, admin_port = _free_port(), _free_port()
    proc = subprocess.Popen(
        [SCRIPT, "serve", "--home", home, "--port", str(site_port), "--admin-port",
         f"127.0.0.1:{admin_port}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    site, admin = f"http://127.0.0.1:{site_port}", f"http://127.0.0.1:{admin_port}"
    auth = {"Authorization": f"Bearer {token}"}
    try:
        _answering(admin + "/admin/api/me", proc)
        _answering(site + "/", proc)
        assert httpx.get(admin + "/admin/api/me").status_code == 401
        me = httpx.get(admin + "/admin/api/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["user"]["role"] == "admin"
        made = httpx.post(admin + "/admin/api/articles", json={"headline": "Quay lights",
                          "body": "New lights on the quay."},
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert made.status_code == 201
        slug = made.json()["slug"]
        done = httpx.post(f"{admin}/admin/api/articles/{slug}/publish", timeout=120,
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert done.status_code == 200, done.text
        deadline = time.monotonic() + 30
        while httpx.get(f"{site}/articles/{slug}/").status_code != 200:
            assert time.monotonic() < deadline, "the site did not show the published article"
            time.sleep(0.3)
        # an embargo ends while serve runs: the scheduler publishes it at its time
        later = httpx.post(admin + "/admin/api/articles", json={"headline": "Quay embargo",
                           "body": "Embargoed news."}, headers=auth).json()["slug"]  # fmt: skip
        when = datetime.fromtimestamp(time.time() + 3, UTC).isoformat()
        planned = httpx.post(f"{admin}/admin/api/articles/{later}/schedule", timeout=120,
                             json={"publish_at": when}, headers=auth)  # fmt: skip
        assert planned.status_code == 200 and planned.json()["status"] == "scheduled"
        deadline = time.monotonic() + 60
        while httpx.get(f"{admin}/admin/api/articles/{later}",
                        headers=auth).json()["status"] != "published":  # fmt: skip
            assert time.monotonic() < deadline, "the scheduled article was not published"
            time.sleep(0.5)
        # two origins: the site has no admin, the admin has no gateway
        assert httpx.get(site + "/admin/api/me").status_code == 404
        assert httpx.get(site + "/admin/login").status_code == 404
        bundle = done.json()["bundle_cid"]
        assert httpx.get(f"{site}/ipfs/{bundle}/article.md").status_code == 200
        assert httpx.get(f"{admin}/ipfs/{bundle}/article.md").status_code == 404
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def test_admin_port_in_use_is_one_line(home: Path) -> None:
    _run("users", "add", "chief@quay.example", "--role", "admin", "--home", home)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        done = _run("serve", "--home", home, "--port", str(_free_port()), "--admin-port",
                    str(port), ok=False)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "--admin-port" in done.stderr
