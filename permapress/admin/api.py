"""The admin's JSON API (``/admin/api/…``), sign-in and out, preview links and media files.

Every handler answers JSON; errors are ``{"error": "<what to do>", "status": N}`` (``errors.py``):
401 without credentials, 403 beyond the role (``roles.allowed``, the same rules the pages
follow), 404, 409 for a conflict or an article in the wrong state, 413 and 415 for uploads.
The work that writes the catalog and rebuilds the site runs in a worker thread, one at a time.
The whole API is described in docs/admin-api.md.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from jinja2 import Environment
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from permapress import jsonsafe
from permapress.admin import listing, people, workflow
from permapress.admin.auth import (
    COOKIE,
    SignedIn,
    create_session,
    end_session,
    login,
    require_user,
    signed_in,
)
from permapress.admin.context import AdminContext, context
from permapress.admin.errors import AdminError, bad_request, forbidden, not_found
from permapress.admin.media import (
    MAX_UPLOAD,
    check_upload,
    media_json,
    reuse,
    store_upload,
    valid_name,
)
from permapress.admin.passwords import new_secret, secret_hash, totp_uri
from permapress.admin.roles import allowed, may_invite, role_problem
from permapress.admin.store import User
from permapress.articles.markup import markdown_to_html
from permapress.articles.sanitize import sanitize_markdown
from permapress.ipfs.blockstore import FileBlockstore

MAX_JSON = 4 * 1024 * 1024
PREVIEW_HOURS = 48


# --- helpers --------------------------------------------------------------------------------


async def _json(request: Request) -> dict[str, Any]:
    body = await request.body()
    if len(body) > MAX_JSON:
        raise AdminError(413, "the request is larger than 4 MiB")
    if not body.strip():
        return {}
    try:
        value = jsonsafe.loads(body)
    except ValueError:
        raise bad_request("the request body is not JSON") from None
    if not isinstance(value, dict):
        raise bad_request("the request body must be a JSON object")
    return value


async def _input(request: Request) -> tuple[dict[str, Any], bool]:
    """The fields of a JSON body or an HTML form; and whether it was a form."""
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/x-www-form-urlencoded"):
        body = (await request.body())[:MAX_JSON].decode("utf-8", "replace")
        return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}, True
    return await _json(request), False


def _ok(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


def _slug(request: Request) -> str:
    return str(request.path_params["slug"])


def _check(ctx: AdminContext, who: SignedIn, slug: str, action: str) -> None:
    """403 when ``who`` may not do ``action`` on ``slug`` (404 when there is no such article)."""
    owner, _status, published = workflow.article_state(ctx, slug)
    own = owner is not None and owner == who.user_id
    if not allowed(who.role, action, own=own, published=published):
        raise forbidden(_refusal(who.role, action, own, published))


def _refusal(role: str, action: str, own: bool, published: bool) -> str:
    verbs = {"publish": "publish", "schedule": "schedule", "correct": "correct",
             "retract": "retract", "save": "edit", "submit": "submit", "view": "open",
             "preview_link": "make preview links for", "upload_media": "add images to"}  # fmt: skip
    verb = verbs.get(action, action)
    if role == "contributor" and published:
        return (f"a contributor cannot {verb} an article once it is published; ask an editor")
    if role == "contributor":
        return f"a contributor cannot {verb} articles; submit it for review and an editor will"
    if role == "author" and not own:
        return f"an author can {verb} only their own articles; ask an editor"
    return f"your role ({role}) cannot {verb} articles; ask an editor"


def _who_json(who: SignedIn) -> dict[str, Any]:
    return {"user": who.user.as_json(), "csrf_token": who.csrf}


def _set_cookie(ctx: AdminContext, request: Request, response: Response, secret: str) -> None:
    """The session cookie: Secure when the admin is reached over HTTPS (directly, or through a
    local proxy that says so: uvicorn trusts X-Forwarded-Proto from 127.0.0.1)."""
    secure = ctx.secure or request.url.scheme == "https"
    response.set_cookie(COOKIE, secret, max_age=ctx.session_seconds, path="/admin",
                        httponly=True, samesite="strict", secure=secure)  # fmt: skip


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _same_origin(request: Request) -> None:
    """Sign-in from another site's page is refused (login CSRF)."""
    origin = request.headers.get("origin")
    if origin and (origin == "null" or urlsplit(origin).netloc != request.headers.get("host")):
        raise forbidden("sign in from the admin's own page")


# --- sign-in --------------------------------------------------------------------------------


async def login_endpoint(request: Request) -> Response:
    ctx = context(request)
    values, form = await _input(request)
    _same_origin(request)
    try:
        user = await run_in_threadpool(
            login, ctx.store, str(values.get("email", "")), str(values.get("password", "")),
            str(values.get("totp", "") or ""), _address(request), ctx.clock(),
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
        response = _ok({"user": user.as_json(), "csrf_token": csrf})
    _set_cookie(ctx, request, response, secret)
    return response


async def logout_endpoint(request: Request) -> Response:
    ctx = context(request)
    cookie = request.cookies.get(COOKIE)
    if cookie:
        end_session(ctx.store, cookie)
    form = request.headers.get("content-type", "").startswith("application/x-www-form")
    response: Response = (RedirectResponse("/admin/login", status_code=303) if form
                          else _ok({"ok": True}))  # fmt: skip
    response.delete_cookie(COOKIE, path="/admin", httponly=True, samesite="strict",
                           secure=ctx.secure)  # fmt: skip
    return response


async def me(request: Request) -> Response:
    return _ok(_who_json(require_user(request)))


async def totp_start(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    secret = people.start_totp(ctx.store, who.user_id)
    return _ok({"secret": secret, "uri": totp_uri(secret, who.user.email, ctx.config.name)})


async def totp_confirm(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    values = await _json(request)
    people.confirm_totp(ctx.store, who.user_id, str(values.get("secret", "")),
                        str(values.get("code", "")), ctx.clock())  # fmt: skip
    return _ok({"ok": True, "totp": True})


async def invite_show(request: Request) -> Response:
    ctx = context(request)
    user = people.invited_user(ctx.store, str(request.path_params["secret"]), ctx.clock())
    return _ok({"email": user.email, "role": user.role, "name": user.name})


async def invite_accept(request: Request) -> Response:
    ctx = context(request)
    values, form = await _input(request)
    _same_origin(request)
    user = await run_in_threadpool(
        lambda: people.accept_invite(ctx.store, str(request.path_params["secret"]),
                                     str(values.get("password", "")),
                                     name=values.get("name") or None, now=ctx.clock())
    )  # fmt: skip
    secret, csrf = create_session(ctx.store, user.id, ctx.clock(), ctx.session_seconds)
    response: Response = (RedirectResponse("/admin/", status_code=303) if form
                          else _ok({"user": user.as_json(), "csrf_token": csrf}))  # fmt: skip
    _set_cookie(ctx, request, response, secret)
    return response


# --- articles -------------------------------------------------------------------------------


def _int(request: Request, name: str, default: int, top: int) -> int:
    text = request.query_params.get(name)
    if text is None or text == "":
        return default
    if not text.isdigit() or not 1 <= int(text) <= top:
        raise bad_request(f"{name} must be a whole number from 1 to {top}")
    return int(text)


async def articles_list(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    params = request.query_params
    status = params.get("status") or None
    if status is not None and status not in listing.STATUSES:
        raise bad_request(f"status must be one of {', '.join(listing.STATUSES)}")
    page = _int(request, "page", 1, 1_000_000)
    per_page = _int(request, "per_page", 50, listing.MAX_PER_PAGE)
    await run_in_threadpool(listing.sync, ctx.store, ctx.config.catalog_path)
    sees_all = who.role in ("editor", "admin")
    rows, total = await run_in_threadpool(
        lambda: listing.list_articles(
            ctx.store, status=status, section=params.get("section"),
            author=params.get("author"), owner=None if sees_all else who.user_id,
            q=params.get("q"), page=page, per_page=per_page,
        )
    )  # fmt: skip
    return _ok({"articles": [listing.row_json(r) for r in rows], "total": total, "page": page,
                "per_page": per_page})  # fmt: skip


async def article_create(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    if not allowed(who.role, "create"):
        raise forbidden("your role cannot write articles")
    values = await _json(request)
    slug = await run_in_threadpool(workflow.create, ctx, who, values)
    return _ok(await run_in_threadpool(workflow.article_json, ctx, slug, who), 201)


async def article_get(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    slug = _slug(request)
    await run_in_threadpool(_check, ctx, who, slug, "view")
    return _ok(await run_in_threadpool(workflow.article_json, ctx, slug, who))


async def article_put(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    slug = _slug(request)
    values = await _json(request)
    await run_in_threadpool(_check, ctx, who, slug, "save")
    await run_in_threadpool(workflow.save, ctx, who, slug, values.get("revision"), values)
    return _ok(await run_in_threadpool(workflow.article_json, ctx, slug, who))


async def revisions(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    slug = _slug(request)
    await run_in_threadpool(_check, ctx, who, slug, "view")
    rows = ctx.store.query(
        "SELECT id, revision, kind, saved, user_id FROM admin_revisions WHERE slug = ? "
        "ORDER BY id DESC LIMIT 500",
        (slug,),
    )
    names = {u.id: u.name or u.email.split("@")[0] for u in ctx.store.users()}
    return _ok({"revisions": [
        {"id": r[0], "revision": r[1], "kind": r[2], "saved": r[3], "user_id": r[4],
         "user_name": names.get(r[4])}
        for r in rows
    ]})  # fmt: skip


async def revision(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    slug = _slug(request)
    await run_in_threadpool(_check, ctx, who, slug, "view")
    rows = ctx.store.query(
        "SELECT id, revision, kind, saved, user_id, data FROM admin_revisions "
        "WHERE slug = ? AND id = ?",
        (slug, int(request.path_params["rid"])),
    )
    if not rows:
        raise not_found(f"no revision {request.path_params['rid']} of {slug!r}")
    r = rows[0]
    return _ok({"id": r[0], "revision": r[1], "kind": r[2], "saved": r[3], "user_id": r[4],
                "article": json.loads(r[5])})  # fmt: skip


async def article_action(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    slug = _slug(request)
    action = str(request.path_params["action"])
    values = await _json(request)
    check = {"preview-link": "preview_link"}.get(action, action)
    if check not in ("submit", "publish", "schedule", "correct", "retract", "preview_link"):
        raise not_found(f"no action {action!r}; the actions are submit, publish, schedule, "
                        "correct, retract and preview-link")  # fmt: skip
    await run_in_threadpool(_check, ctx, who, slug, check)
    if action == "submit":
        await run_in_threadpool(workflow.submit, ctx, who, slug)
    elif action == "schedule":
        if "publish_at" not in values:
            raise bad_request("give publish_at (a date and time with its offset), or null to "
                              "cancel the schedule")  # fmt: skip
        await run_in_threadpool(workflow.schedule, ctx, who, slug, values["publish_at"])
    elif action in ("publish", "correct"):
        note = values.get("note")
        if note is not None and not isinstance(note, str):
            raise bad_request("note must be text")
        if action == "publish":
            done = await run_in_threadpool(workflow.publish, ctx, who, slug, note or None)
        else:
            fields = {k: v for k, v in values.items() if k not in ("note", "revision")}
            done = await run_in_threadpool(workflow.correct, ctx, who, slug, note or "", fields)
        article = await run_in_threadpool(workflow.article_json, ctx, slug, who)
        return _ok({"article": article, "version": done.version, "bundle_cid": done.bundle_cid,
                    "root_cid": done.root_cid,
                    "build": {"mode": done.mode, "seconds": round(done.seconds, 3)}})  # fmt: skip
    elif action == "retract":
        root, mode, seconds = await run_in_threadpool(
            workflow.retract, ctx, who, slug, values.get("reason")
        )
        article = await run_in_threadpool(workflow.article_json, ctx, slug, who)
        return _ok({"article": article, "root_cid": root,
                    "build": {"mode": mode, "seconds": round(seconds, 3)}})  # fmt: skip
    else:
        return _ok(_preview_link(ctx, who, slug, values.get("hours", PREVIEW_HOURS)))
    return _ok(await run_in_threadpool(workflow.article_json, ctx, slug, who))


# --- previews -------------------------------------------------------------------------------


def _preview_link(ctx: AdminContext, who: SignedIn, slug: str, hours: Any) -> dict[str, Any]:
    if type(hours) is not int or not 1 <= hours <= 24 * 30:
        raise bad_request("hours must be a whole number from 1 to 720")
    secret = new_secret()
    expires = ctx.clock() + hours * 3600
    ctx.store.execute(
        "INSERT INTO admin_previews (token_hash, slug, expires, created_by) VALUES (?, ?, ?, ?)",
        (secret_hash(secret), slug, expires, who.user_id),
    )
    return {"url": f"{ctx.base_url.rstrip('/')}/admin/preview/{secret}/",
            "path": f"/admin/preview/{secret}/",
            "expires": datetime.fromtimestamp(expires, UTC).isoformat()}  # fmt: skip


_PAGE = Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="{{ language }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Preview: {{ headline }}</title></head>
<body><p><strong>Preview</strong> of a draft of {{ site }}: not published.</p>
<article><h1>{{ headline }}</h1>
{% if summary %}<p><em>{{ summary }}</em></p>{% endif %}
{% if authors %}<p>By {{ authors|join(", ") }}</p>{% endif %}
{{ body }}
</article></body></html>
"""
)


def render_preview(ctx: AdminContext, fields: dict[str, Any]) -> str:
    from markupsafe import Markup

    body = markdown_to_html(sanitize_markdown(str(fields.get("body", ""))))
    return _PAGE.render(
        language=fields.get("language") or ctx.config.language,
        headline=fields.get("headline", ""), summary=fields.get("summary", ""),
        authors=fields.get("authors", []), site=ctx.config.name,
        body=Markup(body),  # noqa: S704 (markdown_to_html's output is cleaned HTML)
    )  # fmt: skip


def _preview_slug(ctx: AdminContext, secret: str) -> str:
    rows = ctx.store.query("SELECT slug, expires FROM admin_previews WHERE token_hash = ?",
                           (secret_hash(secret),))  # fmt: skip
    if not rows:
        raise not_found("this preview link is not known (mistyped or withdrawn)")
    if float(rows[0][1]) <= ctx.clock():
        raise AdminError(410, "this preview link has expired; ask for a new one")
    return str(rows[0][0])


async def preview_page(request: Request) -> Response:
    ctx = context(request)
    slug = _preview_slug(ctx, str(request.path_params["secret"]))
    article = await run_in_threadpool(workflow.article_json, ctx, slug, None)
    return HTMLResponse(render_preview(ctx, article))


async def preview_render(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    del who
    values = await _json(request)
    fields = workflow.clean_fields(values, partial=True)
    body = markdown_to_html(sanitize_markdown(fields.get("body", "")))
    return _ok({"html": body, "page": render_preview(ctx, fields)})


# --- media ----------------------------------------------------------------------------------


def _blocks(ctx: AdminContext) -> FileBlockstore:
    return FileBlockstore(ctx.config.blocks_path)


async def media_upload(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    slug = request.query_params.get("slug", "")
    if not slug:
        raise bad_request("say which article the image is for: ?slug=SLUG")
    await run_in_threadpool(_check, ctx, who, slug, "upload_media")
    now = datetime.fromtimestamp(ctx.clock(), UTC).replace(microsecond=0).isoformat()
    reused = request.query_params.get("from")
    if reused is not None:
        if not reused.isdigit():
            raise bad_request("from must be the id of an image in the media library")
        item = reuse(ctx.store, slug, int(reused), who.user_id, now)
        return _ok(media_json(item), 201)
    length = request.headers.get("content-length")
    too_big = AdminError(413, f"the image is larger than {MAX_UPLOAD // (1024 * 1024)} MiB; "
                         "make it smaller and upload it again")  # fmt: skip
    if length is not None and length.isdigit() and int(length) > MAX_UPLOAD:
        raise too_big  # without reading the body
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_UPLOAD:
            raise too_big
    upload = check_upload(bytes(data), request.query_params.get("name", "image"))
    item = await run_in_threadpool(store_upload, ctx.store, _blocks(ctx), ctx.config.profile,
                                   slug, upload, who.user_id, now)  # fmt: skip
    return _ok(media_json(item), 201)


async def media_list(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    if not allowed(who.role, "list_media"):
        raise forbidden("your role cannot see the media library")
    slug = request.query_params.get("slug") or None
    page = _int(request, "page", 1, 1_000_000)
    per_page = _int(request, "per_page", 60, 500)
    items = ctx.store.media_items(slug)
    chosen = items[(page - 1) * per_page : page * per_page]
    return _ok({"media": [media_json(m) for m in chosen], "total": len(items), "page": page,
                "per_page": per_page})  # fmt: skip


async def media_file(request: Request) -> Response:
    ctx = context(request)
    slug, name = str(request.path_params["slug"]), str(request.path_params["name"])
    if "secret" in request.path_params:
        if _preview_slug(ctx, str(request.path_params["secret"])) != slug:
            raise not_found("no such image in this preview")
    else:
        who = require_user(request)
        await run_in_threadpool(_check, ctx, who, slug, "view")
    return await run_in_threadpool(_media_bytes, ctx, slug, name)


def _media_bytes(ctx: AdminContext, slug: str, name: str) -> Response:
    from permapress.handle import Newsroom
    from permapress.ipfs.cid import CID
    from permapress.ipfs.reader import read_file

    if not valid_name(name):
        raise not_found(f"no image {name!r}")
    found = [(m.cid, m.media_type) for m in ctx.store.media_items(slug) if m.name == name]
    if not found:
        with Newsroom.open(ctx.home, readonly=True) as newsroom:
            latest = newsroom.catalog.latest(slug)
            if latest is not None:
                rows = newsroom.catalog.media(slug, latest.number)
                found = [(m.cid, m.media_type) for m in rows if m.name == name]
    if not found:
        raise not_found(f"no image {name!r} in {slug!r}")
    cid, kind = found[0]
    data = b"".join(read_file(CID.parse(cid), _blocks(ctx).get))
    return Response(data, media_type=kind)


async def preview_media(request: Request) -> Response:
    ctx = context(request)
    slug = _preview_slug(ctx, str(request.path_params["secret"]))
    return await run_in_threadpool(_media_bytes, ctx, slug, str(request.path_params["name"]))


# --- users ----------------------------------------------------------------------------------


async def users_list(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    if not allowed(who.role, "invite"):
        raise forbidden("only editors and admins see the newsroom's people")
    return _ok({"users": [u.as_json() for u in ctx.store.users() if u.status != "removed"]})


async def users_invite(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    values = await _json(request)
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
    return _ok({"user": invite.user.as_json(), "invite_url": invite.link(ctx.base_url),
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
    return _ok({"ok": True, "removed": user.id})


async def users_role(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    if not allowed(who.role, "manage_users"):
        raise forbidden("only admins change roles")
    user = _user_by_id(ctx, str(request.path_params["uid"]))
    values = await _json(request)
    fresh = people.set_role(ctx.store, user.email, str(values.get("role", "")))
    return _ok({"user": fresh.as_json()})


async def _no_user(request: Request) -> Response:
    if signed_in(request) is None:
        raise AdminError(401, "sign in first")
    raise not_found("no such admin API address; see docs/admin-api.md")


def api_routes() -> list[BaseRoute]:
    return [
        Route("/admin/login", login_endpoint, methods=["POST"]),
        Route("/admin/logout", logout_endpoint, methods=["POST"]),
        Route("/admin/api/me", me, methods=["GET"]),
        Route("/admin/api/me/totp", totp_start, methods=["POST"]),
        Route("/admin/api/me/totp/confirm", totp_confirm, methods=["POST"]),
        Route("/admin/api/invite/{secret}", invite_show, methods=["GET"]),
        Route("/admin/api/invite/{secret}", invite_accept, methods=["POST"]),
        Route("/admin/api/articles", articles_list, methods=["GET"]),
        Route("/admin/api/articles", article_create, methods=["POST"]),
        Route("/admin/api/articles/{slug}", article_get, methods=["GET"]),
        Route("/admin/api/articles/{slug}", article_put, methods=["PUT"]),
        Route("/admin/api/articles/{slug}/revisions", revisions, methods=["GET"]),
        Route("/admin/api/articles/{slug}/revisions/{rid:int}", revision, methods=["GET"]),
        Route("/admin/api/articles/{slug}/{action}", article_action, methods=["POST"]),
        Route("/admin/api/preview", preview_render, methods=["POST"]),
        Route("/admin/api/media", media_list, methods=["GET"]),
        Route("/admin/api/media", media_upload, methods=["POST"]),
        Route("/admin/api/users", users_list, methods=["GET"]),
        Route("/admin/api/users", users_invite, methods=["POST"]),
        Route("/admin/api/users/{uid}", users_remove, methods=["DELETE"]),
        Route("/admin/api/users/{uid}/role", users_role, methods=["POST"]),
        Route("/admin/preview/{secret}/", preview_page, methods=["GET"]),
        Route("/admin/preview/{secret}/media/{name}", preview_media, methods=["GET"]),
        Route("/admin/media/{slug}/{name}", media_file, methods=["GET"]),
        Route("/admin/api/{rest:path}", _no_user),
    ]
