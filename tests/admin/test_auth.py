"""Signing in: credentials, sessions that expire, CSRF on every unsafe cookie request, the
sign-in rate limits, the second factor, invites that expire, API tokens that can be revoked."""

from __future__ import annotations

import sys
from pathlib import Path

import pyotp
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from admin_world import PASSWORD, World, make_world  # noqa: E402

from permapress.admin.people import add_user, create_token, reset_user, revoke_token  # noqa: E402

API_ROUTES = [
    ("GET", "/admin/api/me"), ("GET", "/admin/api/articles"), ("POST", "/admin/api/articles"),
    ("GET", "/admin/api/articles/x"), ("PUT", "/admin/api/articles/x"),
    ("POST", "/admin/api/articles/x/submit"), ("POST", "/admin/api/articles/x/publish"),
    ("POST", "/admin/api/articles/x/schedule"), ("POST", "/admin/api/articles/x/correct"),
    ("POST", "/admin/api/articles/x/retract"), ("POST", "/admin/api/articles/x/preview-link"),
    ("GET", "/admin/api/articles/x/revisions"), ("POST", "/admin/api/preview"),
    ("GET", "/admin/api/media"), ("POST", "/admin/api/media?slug=x"),
    ("GET", "/admin/api/users"), ("POST", "/admin/api/users"),
    ("DELETE", "/admin/api/users/u_x"), ("GET", "/admin/media/x/a.png"),
    ("GET", "/admin/api/nothing-here"),
]  # fmt: skip


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)


def test_no_credentials_is_401_everywhere(world: World) -> None:
    client = world.client
    client.cookies.clear()
    for method, path in API_ROUTES:
        answer = client.request(method, path, json={})
        assert answer.status_code == 401, (method, path, answer.text)
        assert "sign in" in answer.json()["error"]


def test_a_wrong_or_revoked_token_is_401(world: World) -> None:
    bad = world.client.get("/admin/api/me", headers={"Authorization": "Bearer ppa_nonsense"})
    assert bad.status_code == 401 and "tokens create" in bad.json()["error"]
    token_id, token = create_token(world.store, "editor@ledger.example")
    ok = world.client.get("/admin/api/me", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.json()["user"]["role"] == "editor"
    assert revoke_token(world.store, token_id) == 1
    gone = world.client.get("/admin/api/me", headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 401


def test_login_sets_a_strict_http_only_cookie_and_logout_ends_it(world: World) -> None:
    client = world.fresh_client()
    answer = client.post("/admin/login", json={"email": "author@ledger.example",
                                               "password": PASSWORD})  # fmt: skip
    header = answer.headers["set-cookie"]
    assert "HttpOnly" in header and "SameSite=strict" in header.replace("Strict", "strict")
    assert "Path=/admin" in header and "Max-Age=43200" in header
    assert "Secure" not in header  # plain HTTP on 127.0.0.1
    csrf = answer.json()["csrf_token"]
    assert client.get("/admin/api/me").json()["user"]["email"] == "author@ledger.example"
    assert client.post("/admin/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert client.get("/admin/api/me").status_code == 401


def test_cookie_is_secure_over_https(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    world = make_world(tmp_path, secure=True)
    login = {"email": "author@ledger.example", "password": PASSWORD}
    answer = world.client.post("/admin/login", json=login)
    assert "Secure" in answer.headers["set-cookie"]
    # reached over HTTPS (directly or through a local proxy), without being told
    plain = make_world(tmp_path / "plain")
    https = TestClient(plain.client.app, base_url="https://admin.example")
    assert "Secure" in https.post("/admin/login", json=login).headers["set-cookie"]


def test_wrong_password_is_401_with_one_message_for_both_cases(world: World) -> None:
    wrong = world.client.post("/admin/login", json={"email": "author@ledger.example",
                                                    "password": "not the password"})  # fmt: skip
    nobody = world.client.post("/admin/login", json={"email": "nobody@ledger.example",
                                                     "password": "not the password"})  # fmt: skip
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.json()["error"] == nobody.json()["error"]


def test_sessions_expire(world: World) -> None:
    client, _csrf = world.signed_in_client("editor")
    assert client.get("/admin/api/me").status_code == 200
    world.clock.now += 12 * 3600 - 60
    assert client.get("/admin/api/me").status_code == 200
    world.clock.now += 120
    assert client.get("/admin/api/me").status_code == 401


def test_unsafe_cookie_requests_need_the_csrf_token(world: World) -> None:
    client, csrf = world.signed_in_client("author")
    create = {"headline": "Tides", "body": "High water at noon."}
    refused = client.post("/admin/api/articles", json=create)
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]
    forged = client.post("/admin/api/articles", json=create, headers={"X-CSRF-Token": "x" * 43})
    assert forged.status_code == 403
    assert world.api("editor", "GET", "/admin/api/articles?q=tides").json()["total"] == 0
    made = client.post("/admin/api/articles", json=create, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201
    slug = made.json()["slug"]
    put = client.put(f"/admin/api/articles/{slug}", json={"revision": 1, "body": "Low water."})
    assert put.status_code == 403
    # an HTML form carries the token as a field
    form_refused = client.post("/admin/logout", data={"other": "1"})
    assert form_refused.status_code == 403
    form_ok = client.post("/admin/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert form_ok.status_code == 303
    assert client.get("/admin/api/me").status_code == 401


def test_bearer_requests_need_no_csrf_token(world: World) -> None:
    slug = world.new_article("author", "Tides turn")
    answer = world.api("author", "PUT", f"/admin/api/articles/{slug}",
                       json={"revision": 1, "body": "Changed."})  # fmt: skip
    assert answer.status_code == 200


def test_sign_in_from_another_origin_is_refused(world: World) -> None:
    answer = world.client.post(
        "/admin/login", json={"email": "author@ledger.example", "password": PASSWORD},
        headers={"Origin": "http://evil.example"},
    )  # fmt: skip
    assert answer.status_code == 403
    assert "set-cookie" not in answer.headers


def test_five_failures_lock_the_account_for_fifteen_minutes(world: World) -> None:
    email = "contributor@ledger.example"
    for _ in range(5):
        answer = world.client.post("/admin/login", json={"email": email, "password": "nope-nope"})
        assert answer.status_code == 401
    locked = world.client.post("/admin/login", json={"email": email, "password": PASSWORD})
    assert locked.status_code == 429 and "15 minutes" in locked.json()["error"]
    # other accounts from the same address still sign in
    other = world.fresh_client().post("/admin/login", json={"email": "author@ledger.example",
                                                            "password": PASSWORD})  # fmt: skip
    assert other.status_code == 200
    world.clock.now += 15 * 60 + 1
    again = world.client.post("/admin/login", json={"email": email, "password": PASSWORD})
    assert again.status_code == 200


def test_twenty_failures_from_one_address_lock_the_address(world: World) -> None:
    for n in range(20):
        answer = world.client.post("/admin/login", json={"email": f"guess{n}@ledger.example",
                                                         "password": "nope-nope"})  # fmt: skip
        assert answer.status_code == 401
    locked = world.client.post("/admin/login", json={"email": "author@ledger.example",
                                                      "password": PASSWORD})  # fmt: skip
    assert locked.status_code == 429


def test_second_factor(world: World) -> None:
    client, csrf = world.signed_in_client("editor")
    started = client.post("/admin/api/me/totp", headers={"X-CSRF-Token": csrf}).json()
    assert started["uri"].startswith("otpauth://totp/")
    totp = pyotp.TOTP(started["secret"])
    wrong = client.post("/admin/api/me/totp/confirm", headers={"X-CSRF-Token": csrf},
                        json={"secret": started["secret"], "code": "000000"})  # fmt: skip
    assert wrong.status_code == 400
    code = totp.at(world.clock())
    ok = client.post("/admin/api/me/totp/confirm", headers={"X-CSRF-Token": csrf},
                     json={"secret": started["secret"], "code": code})  # fmt: skip
    assert ok.status_code == 200
    login = {"email": "editor@ledger.example", "password": PASSWORD}
    asked = world.client.post("/admin/login", json=login)
    assert asked.status_code == 401 and asked.json()["totp_required"] is True
    bad = world.client.post("/admin/login", json={**login, "totp": "123456"
                                                  if code != "123456" else "654321"})  # fmt: skip
    assert bad.status_code == 401
    good = world.client.post("/admin/login", json={**login, "totp": totp.at(world.clock())})
    assert good.status_code == 200


def test_form_sign_in_redirects(world: World) -> None:
    form = {"email": "author@ledger.example", "password": "wrong password", "next": "/admin/x"}
    failed = world.client.post("/admin/login", data=form, follow_redirects=False)
    assert failed.status_code == 303 and failed.headers["location"].startswith(
        "/admin/login?error=")  # fmt: skip
    ok = world.client.post("/admin/login", data={**form, "password": PASSWORD},
                           follow_redirects=False)  # fmt: skip
    assert ok.status_code == 303 and ok.headers["location"] == "/admin/x"
    away = world.fresh_client().post("/admin/login", data={**form, "password": PASSWORD,
                                                   "next": "//evil.example/"},
                             follow_redirects=False)  # fmt: skip
    assert away.headers["location"] == "/admin/"


def test_invites_work_once_and_expire_after_seven_days(world: World) -> None:
    invite = add_user(world.store, "new@ledger.example", "author", now=world.clock())
    path = f"/admin/api/invite/{invite.secret}"
    assert world.client.get(path).json()["email"] == "new@ledger.example"
    short = world.client.post(path, json={"password": "short"})
    assert short.status_code == 400 and "10 characters" in short.json()["error"]
    used = world.client.post(path, json={"password": PASSWORD, "name": "New Person"})
    assert used.status_code == 200 and used.json()["user"]["status"] == "active"
    world.client.cookies.clear()  # the invite signed them in; the next tries come from others
    assert world.client.post(path, json={"password": PASSWORD}).status_code == 404
    late = add_user(world.store, "late@ledger.example", "author", now=world.clock())
    world.clock.now += 7 * 24 * 3600 + 1
    expired = world.client.post(f"/admin/api/invite/{late.secret}", json={"password": PASSWORD})
    assert expired.status_code == 410 and "expired" in expired.json()["error"]


def test_reset_signs_out_and_clears_the_password(world: World) -> None:
    client, _csrf = world.signed_in_client("author")
    invite = reset_user(world.store, "author@ledger.example", now=world.clock())
    assert client.get("/admin/api/me").status_code == 401
    old = world.client.post("/admin/login", json={"email": "author@ledger.example",
                                                  "password": PASSWORD})  # fmt: skip
    assert old.status_code == 401
    renewed = world.client.post(f"/admin/api/invite/{invite.secret}",
                                json={"password": "a brand new passphrase"})  # fmt: skip
    assert renewed.status_code == 200
    # the user id never changes
    assert renewed.json()["user"]["id"] == world.people["author"].user_id


def test_removed_people_lose_sessions_and_tokens(world: World) -> None:
    client, _csrf = world.signed_in_client("contributor")
    owner = world.people["admin"]
    user_id = world.people["contributor"].user_id
    assert world.api("admin", "DELETE", f"/admin/api/users/{user_id}").status_code == 200
    assert client.get("/admin/api/me").status_code == 401
    assert world.api("contributor", "GET", "/admin/api/me").status_code == 401
    assert world.api("admin", "GET", "/admin/api/me").json()["user"]["id"] == owner.user_id


def test_admin_answers_carry_strict_headers(world: World) -> None:
    answer = world.api("editor", "GET", "/admin/api/me")
    assert answer.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
