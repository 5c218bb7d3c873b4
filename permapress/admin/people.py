"""People: invites, accounts, sessions and API tokens (``permapress users``, ``permapress tokens``
and the admin's own sign-in).

An invite is a one-time link ``<admin>/admin/invite/<secret>`` that expires after 7 days; the
invited person chooses a password there and the account becomes active. The first admin of a
newsroom is its owner: the owner cannot be removed or given another role. ``reset`` signs a
person out everywhere, clears their password and second factor and gives a new one-time link.
A user's id (``u_`` and 16 letters) never changes; the publisher log names it, never the email.
"""

from __future__ import annotations

import base64
import os
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from permapress.admin.errors import AdminError, bad_request, conflict, not_found
from permapress.admin.passwords import (
    hash_password,
    new_secret,
    new_totp_secret,
    password_problem,
    secret_hash,
    totp_ok,
)
from permapress.admin.roles import ROLES, role_problem
from permapress.admin.store import AdminStore, User

INVITE_DAYS = 7
INVITE_SECONDS = INVITE_DAYS * 24 * 3600
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def new_user_id() -> str:
    return "u_" + base64.b32encode(os.urandom(10)).decode("ascii").lower()


def iso_now(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True, slots=True)
class Invite:
    user: User
    secret: str
    expires: float

    def link(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}/admin/invite/{self.secret}"


def _email(email: str) -> str:
    email = email.strip()
    if not _EMAIL.fullmatch(email):
        raise bad_request(f"{email!r} is not an email address")
    return email


def add_user(
    store: AdminStore, email: str, role: str, *, name: str = "", now: float | None = None
) -> Invite:
    """Invite a new person; the first admin becomes the owner."""
    now = time.time() if now is None else now
    email = _email(email)
    problem = role_problem(role)
    if problem:
        raise bad_request(problem)
    secret = new_secret()
    with store.transaction() as conn:
        row = conn.execute(
            "SELECT id, status FROM admin_users WHERE email = ?", (email,)
        ).fetchone()
        if row is not None and row[1] != "removed":
            raise conflict(f"{email} already has an account; `permapress users reset {email}` "
                           "gives them a new sign-in link")  # fmt: skip
        has_owner = conn.execute("SELECT 1 FROM admin_users WHERE owner = 1").fetchone()
        owner = role == "admin" and has_owner is None
        if row is not None:  # a removed account comes back with its id
            user_id = str(row[0])
            conn.execute(
                "UPDATE admin_users SET role = ?, name = ?, owner = ?, status = 'invited', "
                "password = NULL, totp = NULL, invite_hash = ?, invite_expires = ? WHERE id = ?",
                (role, name, int(owner), secret_hash(secret), now + INVITE_SECONDS, user_id),
            )
        else:
            user_id = new_user_id()
            conn.execute(
                "INSERT INTO admin_users (id, email, name, role, owner, status, created, "
                "invite_hash, invite_expires) VALUES (?, ?, ?, ?, ?, 'invited', ?, ?, ?)",
                (user_id, email, name, role, int(owner), iso_now(now), secret_hash(secret),
                 now + INVITE_SECONDS),
            )  # fmt: skip
    user = store.user(user_id)
    assert user is not None
    return Invite(user, secret, now + INVITE_SECONDS)


def find_user(store: AdminStore, email: str) -> User:
    user = store.user_by_email(email)
    if user is None or user.status == "removed":
        raise not_found(f"no account for {email.strip()!r}; `permapress users list` shows them")
    return user


def invited_user(store: AdminStore, secret: str, now: float) -> User:
    rows = store.query(
        "SELECT id, invite_expires FROM admin_users WHERE invite_hash = ? AND status != 'removed'",
        (secret_hash(secret),),
    )
    if not rows:
        raise AdminError(404, "this invite link was already used or replaced; ask an editor or "
                         "admin for a new one")  # fmt: skip
    if float(rows[0][1]) < now:
        raise AdminError(410, "this invite link has expired (links last 7 days); ask an editor "
                         "or admin for a new one")  # fmt: skip
    user = store.user(str(rows[0][0]))
    assert user is not None
    return user


def accept_invite(
    store: AdminStore, secret: str, password: str, *, name: str | None = None, now: float
) -> User:
    """Set the invited person's password; the link is used up."""
    user = invited_user(store, secret, now)
    problem = password_problem(password)
    if problem:
        raise bad_request(problem)
    changed = store.execute(
        "UPDATE admin_users SET password = ?, status = 'active', invite_hash = NULL, "
        "invite_expires = NULL, name = COALESCE(?, name) WHERE id = ? AND invite_hash = ?",
        (hash_password(password), name.strip() if name else None, user.id, secret_hash(secret)),
    )
    if not changed:
        raise AdminError(404, "this invite link was just used; sign in instead")
    fresh = store.user(user.id)
    assert fresh is not None
    return fresh


def set_password(store: AdminStore, user_id: str, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise bad_request(problem)
    store.execute("UPDATE admin_users SET password = ? WHERE id = ?",
                  (hash_password(password), user_id))  # fmt: skip


def remove_user(store: AdminStore, email: str) -> User:
    user = find_user(store, email)
    if user.owner:
        raise conflict(f"{user.email} is the newsroom's owner and cannot be removed")
    with store.transaction() as conn:
        conn.execute(
            "UPDATE admin_users SET status = 'removed', password = NULL, totp = NULL, "
            "invite_hash = NULL, invite_expires = NULL WHERE id = ?",
            (user.id,),
        )
        conn.execute("DELETE FROM admin_sessions WHERE user_id = ?", (user.id,))
        conn.execute("UPDATE admin_tokens SET revoked = ? WHERE user_id = ? AND revoked IS NULL",
                     (iso_now(time.time()), user.id))  # fmt: skip
    return user


def reset_user(store: AdminStore, email: str, *, now: float | None = None) -> Invite:
    """Sign them out everywhere, clear password and second factor, give a new one-time link."""
    now = time.time() if now is None else now
    user = find_user(store, email)
    secret = new_secret()
    with store.transaction() as conn:
        conn.execute(
            "UPDATE admin_users SET password = NULL, totp = NULL, status = 'invited', "
            "invite_hash = ?, invite_expires = ? WHERE id = ?",
            (secret_hash(secret), now + INVITE_SECONDS, user.id),
        )
        conn.execute("DELETE FROM admin_sessions WHERE user_id = ?", (user.id,))
    fresh = store.user(user.id)
    assert fresh is not None
    return Invite(fresh, secret, now + INVITE_SECONDS)


def set_role(store: AdminStore, email: str, role: str) -> User:
    user = find_user(store, email)
    problem = role_problem(role)
    if problem:
        raise bad_request(problem)
    if user.owner and role != "admin":
        raise conflict(f"{user.email} is the newsroom's owner and stays an admin")
    store.execute("UPDATE admin_users SET role = ? WHERE id = ?", (role, user.id))
    fresh = store.user(user.id)
    assert fresh is not None
    return fresh


def start_totp(store: AdminStore, user_id: str) -> str:
    """A new second-factor secret, kept aside until ``confirm_totp`` sees a code from it."""
    secret = new_totp_secret()
    store.execute("DELETE FROM admin_failures WHERE key = ?", (f"totp-pending:{user_id}",))
    store.execute("INSERT INTO admin_failures (key, at) VALUES (?, 0)",
                  (f"totp-pending:{user_id}:{secret}",))  # fmt: skip
    return secret


def confirm_totp(store: AdminStore, user_id: str, secret: str, code: str, now: float) -> None:
    pending = store.query("SELECT 1 FROM admin_failures WHERE key = ?",
                          (f"totp-pending:{user_id}:{secret}",))  # fmt: skip
    if not pending:
        raise bad_request("start setting up the second factor again (that secret is unknown)")
    if not totp_ok(secret, code, now):
        raise bad_request("that code does not match; check the authenticator app's clock and "
                          "type the current code")  # fmt: skip
    with store.transaction() as conn:
        conn.execute("UPDATE admin_users SET totp = ? WHERE id = ?", (secret, user_id))
        conn.execute("DELETE FROM admin_failures WHERE key LIKE ?", (f"totp-pending:{user_id}:%",))


# --- API tokens -----------------------------------------------------------------------------


def create_token(store: AdminStore, email: str, *, now: float | None = None) -> tuple[str, str]:
    """A new API token for the account of ``email`` (invited or active): (token id, token)."""
    now = time.time() if now is None else now
    user = find_user(store, email)
    token = "ppa_" + new_secret()
    token_id = "t_" + base64.b32encode(os.urandom(5)).decode("ascii").lower()
    store.execute(
        "INSERT INTO admin_tokens (id, token_hash, user_id, created) VALUES (?, ?, ?, ?)",
        (token_id, secret_hash(token), user.id, iso_now(now)),
    )
    return token_id, token


def revoke_token(store: AdminStore, token_or_id: str, *, now: float | None = None) -> int:
    """Revoke a token given by itself or by its id; returns how many were revoked."""
    now = time.time() if now is None else now
    value = token_or_id.strip()
    return store.execute(
        "UPDATE admin_tokens SET revoked = ? WHERE (id = ? OR token_hash = ?) AND revoked IS NULL",
        (iso_now(now), value, secret_hash(value)),
    )


def revoke_user_tokens(store: AdminStore, email: str, *, now: float | None = None) -> int:
    now = time.time() if now is None else now
    user = find_user(store, email)
    return store.execute(
        "UPDATE admin_tokens SET revoked = ? WHERE user_id = ? AND revoked IS NULL",
        (iso_now(now), user.id),
    )


def token_user(store: AdminStore, token: str) -> User | None:
    rows = store.query(
        "SELECT user_id FROM admin_tokens WHERE token_hash = ? AND revoked IS NULL",
        (secret_hash(token),),
    )
    if not rows:
        return None
    user = store.user(str(rows[0][0]))
    return user if user is not None and user.status != "removed" else None


__all__ = ["ROLES", "Invite", "add_user", "accept_invite", "remove_user", "reset_user",
           "create_token", "revoke_token", "token_user", "totp_ok"]  # fmt: skip
