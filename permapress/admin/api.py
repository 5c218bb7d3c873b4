"""The admin's JSON API (``/admin/api/…``): its routes, and the articles' handlers.

Every handler answers JSON; errors are ``{"error": "<what to do>", "status": N}`` (``errors.py``):
401 without credentials, 403 beyond the role (``roles.allowed``, the same rules the pages
follow), 404, 409 for a conflict or an article in the wrong state, 413 and 415 for uploads.
The work that writes the catalog and rebuilds the site runs in a worker thread, one at a time.
The whole API is described in docs/admin-api.md. Sign-in and people are in ``api_people.py``,
previews and images in ``api_media.py``, what every handler shares in ``api_common.py``.
"""

from __future__ import annotations

import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from permapress.admin import listing, workflow
from permapress.admin.api_common import check_role, int_param, ok, path_slug, read_json
from permapress.admin.api_media import (
    PREVIEW_HOURS,
    media_file,
    media_list,
    media_upload,
    preview_link,
    preview_media,
    preview_page,
    preview_render,
)
from permapress.admin.api_people import (
    invite_accept,
    invite_show,
    login_endpoint,
    logout_endpoint,
    me,
    totp_confirm,
    totp_start,
    users_invite,
    users_list,
    users_remove,
    users_role,
)
from permapress.admin.auth import require_user, signed_in
from permapress.admin.context import context
from permapress.admin.errors import AdminError, bad_request, forbidden, not_found
from permapress.admin.roles import allowed


async def articles_list(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    params = request.query_params
    status = params.get("status") or None
    if status is not None and status not in listing.STATUSES:
        raise bad_request(f"status must be one of {', '.join(listing.STATUSES)}")
    page = int_param(request, "page", 1, 1_000_000)
    per_page = int_param(request, "per_page", 50, listing.MAX_PER_PAGE)
    await run_in_threadpool(listing.sync, ctx.store, ctx.config.catalog_path)
    sees_all = who.role in ("editor", "admin")
    rows, total = await run_in_threadpool(
        lambda: listing.list_articles(
            ctx.store, status=status, section=params.get("section"),
            author=params.get("author"), owner=None if sees_all else who.user_id,
            q=params.get("q"), page=page, per_page=per_page,
        )
    )  # fmt: skip
    return ok({"articles": [listing.row_json(r) for r in rows], "total": total, "page": page,
                "per_page": per_page})  # fmt: skip


async def article_create(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    if not allowed(who.role, "create"):
        raise forbidden("your role cannot write articles")
    values = await read_json(request)
    slug = await run_in_threadpool(workflow.create, ctx, who, values)
    return ok(await run_in_threadpool(workflow.article_json, ctx, slug, who), 201)


async def article_get(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    slug = path_slug(request)
    await run_in_threadpool(check_role, ctx, who, slug, "view")
    return ok(await run_in_threadpool(workflow.article_json, ctx, slug, who))


async def article_put(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    slug = path_slug(request)
    values = await read_json(request)
    await run_in_threadpool(check_role, ctx, who, slug, "save")
    await run_in_threadpool(workflow.save, ctx, who, slug, values.get("revision"), values)
    return ok(await run_in_threadpool(workflow.article_json, ctx, slug, who))


async def revisions(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    slug = path_slug(request)
    await run_in_threadpool(check_role, ctx, who, slug, "view")
    rows = ctx.store.query(
        "SELECT id, revision, kind, saved, user_id FROM admin_revisions WHERE slug = ? "
        "ORDER BY id DESC LIMIT 500",
        (slug,),
    )
    names = {u.id: u.name or u.email.split("@")[0] for u in ctx.store.users()}
    return ok({"revisions": [
        {"id": r[0], "revision": r[1], "kind": r[2], "saved": r[3], "user_id": r[4],
         "user_name": names.get(r[4])}
        for r in rows
    ]})  # fmt: skip


async def revision(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    slug = path_slug(request)
    await run_in_threadpool(check_role, ctx, who, slug, "view")
    rows = ctx.store.query(
        "SELECT id, revision, kind, saved, user_id, data FROM admin_revisions "
        "WHERE slug = ? AND id = ?",
        (slug, int(request.path_params["rid"])),
    )
    if not rows:
        raise not_found(f"no revision {request.path_params['rid']} of {slug!r}")
    r = rows[0]
    return ok({"id": r[0], "revision": r[1], "kind": r[2], "saved": r[3], "user_id": r[4],
                "article": json.loads(r[5])})  # fmt: skip


async def article_action(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    slug = path_slug(request)
    action = str(request.path_params["action"])
    values = await read_json(request)
    check = {"preview-link": "preview_link"}.get(action, action)
    if check not in ("submit", "publish", "schedule", "correct", "retract", "preview_link"):
        raise not_found(f"no action {action!r}; the actions are submit, publish, schedule, "
                        "correct, retract and preview-link")  # fmt: skip
    await run_in_threadpool(check_role, ctx, who, slug, check)
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
        return ok({"article": article, "version": done.version, "bundle_cid": done.bundle_cid,
                    "root_cid": done.root_cid,
                    "build": {"mode": done.mode, "seconds": round(done.seconds, 3)}})  # fmt: skip
    elif action == "retract":
        root, mode, seconds = await run_in_threadpool(
            workflow.retract, ctx, who, slug, values.get("reason")
        )
        article = await run_in_threadpool(workflow.article_json, ctx, slug, who)
        return ok({"article": article, "root_cid": root,
                    "build": {"mode": mode, "seconds": round(seconds, 3)}})  # fmt: skip
    else:
        return ok(preview_link(ctx, who, slug, values.get("hours", PREVIEW_HOURS)))
    return ok(await run_in_threadpool(workflow.article_json, ctx, slug, who))


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
