"""The admin API's previews and images: preview links and pages, uploads, the media library.

    preview_link(ctx, who, slug, hours)     a secret link to a draft's preview, valid for hours
    preview_slug(ctx, secret)               the article a preview link shows (404, 410 expired)
    render_preview(ctx, fields)             the preview page of an article's fields
    GET /admin/preview/{secret}/ (and its media/{name}), POST /admin/api/preview
    GET, POST /admin/api/media, GET /admin/media/{slug}/{name}

A preview shows a draft to someone without an account; images are read from the uploads, else
from the article's latest published version.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from permapress.admin import workflow
from permapress.admin.api_common import check_role, int_param, ok, read_json
from permapress.admin.auth import SignedIn, require_user
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
from permapress.admin.passwords import new_secret, secret_hash
from permapress.admin.roles import allowed
from permapress.articles.markup import markdown_to_html
from permapress.articles.sanitize import sanitize_markdown
from permapress.ipfs.blockstore import FileBlockstore

PREVIEW_HOURS = 48


def preview_link(ctx: AdminContext, who: SignedIn, slug: str, hours: Any) -> dict[str, Any]:
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


def preview_slug(ctx: AdminContext, secret: str) -> str:
    rows = ctx.store.query("SELECT slug, expires FROM admin_previews WHERE token_hash = ?",
                           (secret_hash(secret),))  # fmt: skip
    if not rows:
        raise not_found("this preview link is not known (mistyped or withdrawn)")
    if float(rows[0][1]) <= ctx.clock():
        raise AdminError(410, "this preview link has expired; ask for a new one")
    return str(rows[0][0])


async def preview_page(request: Request) -> Response:
    ctx = context(request)
    slug = preview_slug(ctx, str(request.path_params["secret"]))
    article = await run_in_threadpool(workflow.article_json, ctx, slug, None)
    return HTMLResponse(render_preview(ctx, article))


async def preview_render(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    del who
    values = await read_json(request)
    fields = workflow.clean_fields(values, partial=True)
    body = markdown_to_html(sanitize_markdown(fields.get("body", "")))
    return ok({"html": body, "page": render_preview(ctx, fields)})


def _blocks(ctx: AdminContext) -> FileBlockstore:
    return FileBlockstore(ctx.config.blocks_path)


async def media_upload(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    slug = request.query_params.get("slug", "")
    if not slug:
        raise bad_request("say which article the image is for: ?slug=SLUG")
    await run_in_threadpool(check_role, ctx, who, slug, "upload_media")
    now = datetime.fromtimestamp(ctx.clock(), UTC).replace(microsecond=0).isoformat()
    reused = request.query_params.get("from")
    if reused is not None:
        if not reused.isdigit():
            raise bad_request("from must be the id of an image in the media library")
        item = reuse(ctx.store, slug, int(reused), who.user_id, now)
        return ok(media_json(item), 201)
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
    return ok(media_json(item), 201)


async def media_list(request: Request) -> Response:
    ctx, who = context(request), require_user(request)
    if not allowed(who.role, "list_media"):
        raise forbidden("your role cannot see the media library")
    slug = request.query_params.get("slug") or None
    page = int_param(request, "page", 1, 1_000_000)
    per_page = int_param(request, "per_page", 60, 500)
    items = ctx.store.media_items(slug)
    chosen = items[(page - 1) * per_page : page * per_page]
    return ok({"media": [media_json(m) for m in chosen], "total": len(items), "page": page,
                "per_page": per_page})  # fmt: skip


async def media_file(request: Request) -> Response:
    ctx = context(request)
    slug, name = str(request.path_params["slug"]), str(request.path_params["name"])
    if "secret" in request.path_params:
        if preview_slug(ctx, str(request.path_params["secret"])) != slug:
            raise not_found("no such image in this preview")
    else:
        who = require_user(request)
        await run_in_threadpool(check_role, ctx, who, slug, "view")
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
    slug = preview_slug(ctx, str(request.path_params["secret"]))
    return await run_in_threadpool(_media_bytes, ctx, slug, str(request.path_params["name"]))
