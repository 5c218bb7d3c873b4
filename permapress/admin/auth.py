"""Who is asking: sign-in, sessions, API tokens, CSRF and the sign-in rate limits.

A request is signed in by the session cookie ``pp_admin`` (HttpOnly, SameSite=Strict, Secure
when the admin is served over HTTPS, expiring with the session: 12 hours by default) or by an
API token sent as ``Authorization: Bearer TOKEN``. ``AuthMiddleware`` resolves either into
``request.state.signed_in`` (a ``SignedIn`` or None) before any handler runs; handlers call
``signed_in(request)`` (None when nobody is) or ``require_user(request)`` (401 otherwise).

CSRF: every unsafe request (POST, PUT, PATCH, DELETE) that relies on the cookie must carry the
session's token, as the ``X-CSRF-Token`` header or, for an HTML form
(application/x-www-form-urlencoded), as the ``csrf_token`` field; otherwise it is answered 403
before any handler runs. Requests with a Bearer token carry no cookie authority and are exempt.
Sign-in itself (no session yet) must come from the admin's own origin (``Origin`` header, when
the browser sends one).

Rate limits: 5 failed sign-ins for one account within 15 minutes lock that account's sign-in
for the rest of the window; 20 failures from one address lock that address. A locked sign-in
answers 429 whether or not the password is right.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from permapress.admin.errors import AdminError, forbidden, unauthorized
from permapress.admin.passwords import new_secret, password_ok, same, secret_hash, totp_ok
from permapress.admin.people import token_user
from permapress.admin.store import AdminStore, User

COOKIE = "pp_admin"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SESSION_SECONDS = 12 * 3600
WINDOW = 15 * 60
ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 20
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_FORM_LIMIT = 1 << 20


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The person behind a request: ``via`` is "session" (with its ``csrf`` token) or "token"."""

    user: User
    via: str
    csrf: str | None

    @property
    def user_id(self) -> str:
        return self.user.id

    @property
    def role(self) -> str:
        return self.user.role


def signed_in(request: Request) -> SignedIn | None:
    """The signed-in person of this request, or None."""
    return getattr(request.state, "signed_in", None)


def require_user(request: Request) -> SignedIn:
    who = signed_in(request)
    if who is None:
        raise unauthorized()
    return who


def csrf_token(request: Request) -> str | None:
    """The CSRF token pages put in their forms and scripts (None without a session)."""
    who = signed_in(request)
    return who.csrf if who is not None else None


# --- sessions -------------------------------------------------------------------------------


def create_session(
    store: AdminStore, user_id: str, now: float, seconds: int = SESSION_SECONDS
) -> tuple[str, str]:
    """A new session: (cookie value, CSRF token)."""
    secret, csrf = new_secret(), new_secret()
    with store.transaction() as conn:
        conn.execute("DELETE FROM admin_sessions WHERE expires < ?", (now,))
        conn.execute(
            "INSERT INTO admin_sessions (id_hash, user_id, csrf, created, expires) "
            "VALUES (?, ?, ?, ?, ?)",
            (secret_hash(secret), user_id, csrf, now, now + seconds),
        )
    return secret, csrf


def session_user(store: AdminStore, cookie: str, now: float) -> tuple[User, str] | None:
    rows = store.query(
        "SELECT user_id, csrf, expires FROM admin_sessions WHERE id_hash = ?",
        (secret_hash(cookie),),
    )
    if not rows or float(rows[0][2]) <= now:
        return None
    user = store.user(str(rows[0][0]))
    if user is None or user.status != "active":
        return None
    return user, str(rows[0][1])


def end_session(store: AdminStore, cookie: str) -> None:
    store.execute("DELETE FROM admin_sessions WHERE id_hash = ?", (secret_hash(cookie),))


# --- signing in -----------------------------------------------------------------------------


def _failures(store: AdminStore, key: str, now: float) -> int:
    rows = store.query("SELECT count(*) FROM admin_failures WHERE key = ? AND at > ?",
                       (key, now - WINDOW))  # fmt: skip
    return int(rows[0][0])


def _fail(store: AdminStore, keys: list[str], now: float) -> None:
    with store.transaction() as conn:
        conn.execute("DELETE FROM admin_failures WHERE at > 0 AND at < ?", (now - WINDOW,))
        conn.executemany("INSERT INTO admin_failures (key, at) VALUES (?, ?)",
                         [(k, now) for k in keys])  # fmt: skip


def login(
    store: AdminStore, email: str, password: str, code: str, address: str, now: float
) -> User:
    """The account these credentials open, or ``AdminError`` (401, 429)."""
    account_key = f"account:{email.strip().casefold()}"
    address_key = f"address:{address}"
    if (_failures(store, account_key, now) >= ACCOUNT_FAILURES
            or _failures(store, address_key, now) >= ADDRESS_FAILURES):  # fmt: skip
        raise AdminError(429, "too many failed sign-ins; wait 15 minutes and try again, or ask "
                         "an admin for a new sign-in link")  # fmt: skip
    user = store.user_by_email(email)
    stored = store.password_hash(user.id) if user is not None else None
    if not password_ok(stored, password) or user is None or user.status != "active":
        _fail(store, [account_key, address_key], now)
        raise unauthorized("the email or password is not right")
    secret = store.totp_secret(user.id)
    if secret:
        if not code.strip():
            raise unauthorized("enter the 6-digit code from your authenticator app",
                               totp_required=True)  # fmt: skip
        if not totp_ok(secret, code, now):
            _fail(store, [account_key, address_key], now)
            raise unauthorized("the code is not right; type the current code from your "
                               "authenticator app", totp_required=True)  # fmt: skip
    store.execute("DELETE FROM admin_failures WHERE key = ?", (account_key,))
    return user


# --- the middleware -------------------------------------------------------------------------


def _json_response(status: int, data: dict[str, Any]) -> tuple[Message, Message]:
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"cache-control", b"no-store")],
    }  # fmt: skip
    return start, {"type": "http.response.body", "body": body}


class AuthMiddleware:
    """Resolve the session or token of every request; refuse unsafe cookie requests without
    the CSRF token (403, before any handler)."""

    def __init__(
        self, app: ASGIApp, *, store: AdminStore, clock: Callable[[], float] = time.time
    ) -> None:
        self.app = app
        self.store = store
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        who: SignedIn | None = None
        authorization = headers.get("authorization", "")
        if authorization[:7].lower() == "bearer ":
            user = token_user(self.store, authorization[7:].strip())
            if user is None:
                await self._refuse(send, unauthorized(
                    "this API token is not valid (revoked or mistyped); create one with "
                    "`permapress tokens create --user EMAIL`"))  # fmt: skip
                return
            who = SignedIn(user, "token", None)
        else:
            cookie = _cookie(headers.get("cookie", ""), COOKIE)
            if cookie:
                found = session_user(self.store, cookie, self.clock())
                if found is not None:
                    who = SignedIn(found[0], "session", found[1])
            if who is not None and scope["method"] in _UNSAFE:
                token = headers.get(CSRF_HEADER)
                if token is None and headers.get("content-type", "").startswith(
                    "application/x-www-form-urlencoded"
                ):
                    body, receive = await _buffer(receive)
                    fields = parse_qs(body.decode("utf-8", "replace"))
                    values = fields.get(CSRF_FIELD)
                    token = values[0] if values else None
                assert who.csrf is not None
                if token is None or not same(token, who.csrf):
                    await self._refuse(send, forbidden(
                        "this form or request has no valid CSRF token; reload the page and try "
                        "again"))  # fmt: skip
                    return
        scope.setdefault("state", {})["signed_in"] = who
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(send: Send, error: AdminError) -> None:
        start, body = _json_response(error.status, error.as_json())
        await send(start)
        await send(body)


async def _buffer(receive: Receive) -> tuple[bytes, Receive]:
    """The whole request body (up to 1 MiB kept), and a ``receive`` that replays it."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= _FORM_LIMIT:
            chunks.append(chunk)
        more = message.get("more_body", False)
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None
