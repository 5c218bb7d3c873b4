"""The editor's pages on the admin origin: HTML shells that the bundled script fills from the
JSON API, and the bundle itself under ``/admin/static/``.

    GET /admin/                    the article list (filters, search, pages)
    GET /admin/login               the sign-in form (the POST is the API's)
    GET /admin/invite/{secret}     set a password for an invitation
    GET /admin/articles/new        a new article in the editor
    GET /admin/articles/{slug}     the editor
    GET /admin/people              invite people, change roles (editors and admins)
    GET /admin/account             your account: the second factor
    GET /admin/static/admin.js|css the bundle ``make admin-assets`` builds from admin-ui/

Pages that need a person redirect to the sign-in form when nobody is signed in. Every page
carries the session's CSRF token in ``<meta name="csrf-token">`` (the script sends it as
``X-CSRF-Token``) and in the hidden field of each form that posts; no page has inline script
or style, so the admin's Content-Security-Policy can allow our own files only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from permapress.admin.auth import signed_in
from permapress.admin.context import AdminContext, context
from permapress.admin.roles import INVITES, allowed
from permapress.articles.model import GENRES

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
_ENV = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def assets_built() -> bool:
    """Whether the bundle is in the package (``make admin-assets`` writes it)."""
    return (STATIC / "admin.js").is_file() and (STATIC / "admin.css").is_file()


def _render(request: Request, template: str, page: str, **values: Any) -> HTMLResponse:
    ctx = context(request)
    who = signed_in(request)
    html = _ENV.get_template(template).render(
        page=page,
        who=who,
        may_invite=who is not None and allowed(who.role, "invite"),
        csrf=who.csrf if who is not None else None,
        newsroom=ctx.config.name,
        assets_built=assets_built(),
        **values,
    )
    return HTMLResponse(html)


def _safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this origin under /admin/, nothing else."""
    if not value:
        return "/admin/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/admin/") or "\\" in value:
        return "/admin/"
    return value


def _to_login(request: Request) -> RedirectResponse:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/admin/login?next={quote(here, safe='/')}", status_code=303)


def _choices(ctx: AdminContext) -> dict[str, list[str]]:
    config = ctx.config
    sections = [name for name, _slug in config.categories]
    authors = [str(getattr(author, "name", author)) for author in config.authors]
    return {"sections": sections, "authors": authors}


async def list_page(request: Request) -> Response:
    if signed_in(request) is None:
        return _to_login(request)
    return _render(request, "list.html", "list", **_choices(context(request)))


async def login_page(request: Request) -> Response:
    next_page = _safe_next(request.query_params.get("next"))
    if signed_in(request) is not None:
        return RedirectResponse(next_page, status_code=303)
    return _render(
        request,
        "login.html",
        "login",
        next=next_page,
        error=request.query_params.get("error", "")[:300],
        email=request.query_params.get("email", "")[:300],
        totp=request.query_params.get("totp") == "1",
    )


async def invite_page(request: Request) -> Response:
    return _render(request, "invite.html", "invite", secret=request.path_params["secret"])


async def editor_page(request: Request) -> Response:
    if signed_in(request) is None:
        return _to_login(request)
    slug = request.path_params.get("slug", "")
    return _render(
        request,
        "editor.html",
        "editor",
        slug=slug,
        genres=GENRES,
        **_choices(context(request)),
    )


async def people_page(request: Request) -> Response:
    who = signed_in(request)
    if who is None:
        return _to_login(request)
    if not allowed(who.role, "invite"):
        response = _render(request, "refused.html", "refused")
        response.status_code = 403
        return response
    return _render(
        request,
        "people.html",
        "people",
        invitable=INVITES.get(who.role, ()),
        manage=allowed(who.role, "manage_users"),
    )


async def account_page(request: Request) -> Response:
    if signed_in(request) is None:
        return _to_login(request)
    return _render(request, "account.html", "account")


async def _to_list(request: Request) -> Response:
    return RedirectResponse("/admin/", status_code=308)


def ui_routes(ctx: AdminContext) -> list[BaseRoute]:
    """The pages and the bundle, for ``admin_app`` to mount."""
    del ctx  # each handler reaches it through the request
    return [
        Route("/admin", _to_list, methods=["GET", "HEAD"]),
        Route("/admin/", list_page, methods=["GET", "HEAD"]),
        Route("/admin/login", login_page, methods=["GET", "HEAD"]),
        Route("/admin/invite/{secret}", invite_page, methods=["GET", "HEAD"]),
        Route("/admin/articles/new", editor_page, methods=["GET", "HEAD"]),
        Route("/admin/articles/{slug}", editor_page, methods=["GET", "HEAD"]),
        Route("/admin/people", people_page, methods=["GET", "HEAD"]),
        Route("/admin/account", account_page, methods=["GET", "HEAD"]),
        Mount("/admin/static", StaticFiles(directory=STATIC, check_dir=False), name="admin-static"),
    ]
