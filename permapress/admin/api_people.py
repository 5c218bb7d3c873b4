"""The admin API's sign-in and people: session, two-factor, invitations, the newsroom's users.

    POST /admin/login, /admin/logout       sign in (JSON or the sign-in form) and out
    GET /admin/api/me, POST …/me/totp, …/me/totp/confirm
                                           who is signed in; turning on two-factor sign-in
    GET, POST /admin/api/invite/{secret}   an invitation, and accepting it
    GET, POST /admin/api/users, DELETE …/users/{uid}, POST …/users/{uid}/role
                                           listing, inviting and removing people, roles

Sign-in from a form answers with redirects, from a script with JSON; both set the session
cookie (``api_common.set_cookie``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from permapress.admin import people
from permapress.admin.api_common import (
    client_address,
    ok,
    read_input,
    read_json,
    same_origin,
    set_cookie,
    who_json,
)
from permapress.admin.auth import COOKIE, create_session, end_session, login, require_user
from permapress.admin.context import AdminContext, context
from permapress.admin.errors import AdminError, bad_request, forbidden, not_found
from permapress.admin.passwords import totp_uri
from permapress.admin.roles import allowed, may_invite, role_problem
from permapress.admin.store import User


async def login_endpoint(request: Request) -> Response:
    ctx = context(request)
    values, form = await read_input(request)
    same_origin(request)
    try:
        user = await run_in_threadpool(
            login, ctx.store, str(values.get("email", "")), str(values.get("password", "")),
            str(values.get("totp", "") or ""), client_address(request), ctx.clock(),
        )  # fmt: skip
    except AdminError as exc:
        if not form:
            raise
        query = f"error={quote(exc.message)}" + ("&totp=1" if exc.details.get("totp_required")
                                                 else "")  # fmt: skip
        return RedirectResponse(f"/admin/login?{query}", status_code=303)
    secret, csrf = create_session(ctx.store, user.id, ctx.clock(), ctx.session_seconds)
    if form:
        target = str(values.get("next") or "/admin/")
        if not target.startswith("/admin/") or target.startswith("//"):
            target = "/admin/"
        response: Response = RedirectResponse(target, status_code=303)
    else:
        response = ok({"user": user.as_json(), "csrf_token": csrf})
    set_cookie(ctx, request, response, secret)
    return response


async def logout_endpoint(request: Request) -> Response:
    ctx = context(request)
    cookie = request.cookies.get(COOKIE)
    if cookie:
        end_session(ctx.store, cookie)
    form = request.headers.get("content-type", "").startswith("application/x-www-form")
    response: Response = (RedirectResponse("/admin/login", status_code=303) if form
                          else ok({"ok": True}))  # fmt: skip
    response.delete_cookie(COOKIE, path="/admin", httponly=True, samesite="strict",
                           secure=ctx.secure)  # fmt: skip
    return response


async def me(request: Request) -> Response:
    return ok(who_json(require_user(request)))


async def totp_start(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    secret = people.start_totp(ctx.store, who.user_id)
    return ok({"secret": secret, "uri": totp_uri(secret, who.user.email, ctx.config.name)})


async def totp_confirm(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    values = await read_json(request)
    people.confirm_totp(ctx.store, who.user_id, str(values.get("secret", "")),
                        str(values.get("code", "")), ctx.clock())  # fmt: skip
    return ok({"ok": True, "totp": True})


async def invite_show(request: Request) -> Response:
    ctx = context(request)
    user = people.invited_user(ctx.store, str(request.path_params["secret"]), ctx.clock())
    return ok({"email": user.email, "role": user.role, "name": user.name})


async def invite_accept(request: Request) -> Response:
    ctx = context(request)
    values, form = await read_input(request)
    same_origin(request)
    user = await run_in_threadpool(
        lambda: people.accept_invite(ctx.store, str(request.path_params["secret"]),
                                     str(values.get("password", "")),
                                     name=values.get("name") or None, now=ctx.clock())
    )  # fmt: skip
    secret, csrf = create_session(ctx.store, user.id, ctx.clock(), ctx.session_seconds)
    response: Response = (RedirectResponse("/admin/", status_code=303) if form
                          else ok({"user": user.as_json(), "csrf_token": csrf}))  # fmt: skip
    set_cookie(ctx, request, response, secret)
    return response


async def users_list(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    if not allowed(who.role, "invite"):
        raise forbidden("only editors and admins see the newsroom's people")
    return ok({"users": [u.as_json() for u in ctx.store.users() if u.status != "removed"]})


async def users_invite(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    values = await read_json(request)
    role = str(values.get("role", ""))
    problem = role_problem(role)
    if problem:
        raise bad_request(problem)
    if not may_invite(who.role, role):
        raise forbidden(f"your role ({who.role}) cannot invite {role}s"
                        + ("; editors invite authors and contributors" if who.role == "editor"
                           else ""))  # fmt: skip
    invite = await run_in_threadpool(
        lambda: people.add_user(ctx.store, str(values.get("email", "")), role,
                                name=str(values.get("name", "")), now=ctx.clock())
    )  # fmt: skip
    expires = datetime.fromtimestamp(invite.expires, UTC).isoformat()
    return ok({"user": invite.user.as_json(), "invite_url": invite.link(ctx.base_url),
                "expires": expires}, 201)  # fmt: skip


def _user_by_id(ctx: AdminContext, user_id: str) -> User:
    user = ctx.store.user(user_id)
    if user is None or user.status == "removed":
        raise not_found(f"no user {user_id!r}")
    return user


async def users_remove(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    if not allowed(who.role, "manage_users"):
        raise forbidden("only admins remove people")
    user = _user_by_id(ctx, str(request.path_params["uid"]))
    people.remove_user(ctx.store, user.email)
    return ok({"ok": True, "removed": user.id})


async def users_role(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    if not allowed(who.role, "manage_users"):
        raise forbidden("only admins change roles")
    user = _user_by_id(ctx, str(request.path_params["uid"]))
    values = await read_json(request)
    fresh = people.set_role(ctx.store, user.email, str(values.get("role", "")))
    return ok({"user": fresh.as_json()})
