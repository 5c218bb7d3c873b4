"""What every handler of the admin's JSON API shares: reading a request, answering, checking
the role.

    read_json(request)      the JSON object of the body ({} when empty); 400 when it is not one,
                            413 over ``MAX_JSON``
    read_input(request)     (fields, was_form): a JSON body or an HTML form's fields
    ok(data, status=200)    a JSON answer
    path_slug(request)      the article's slug from the address
    int_param(request, name, default, top)
                            a whole number from the query, 1..top; 400 otherwise
    check_role(ctx, who, slug, action)
                            403 when ``who`` may not do it (``roles.allowed``), with a sentence
                            saying who may; 404 when there is no such article
    who_json(who), set_cookie(ctx, request, response, secret), client_address(request),
    same_origin(request)    the signed-in user, the session cookie, the client, login CSRF
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from permapress import jsonsafe
from permapress.admin import workflow
from permapress.admin.auth import COOKIE, SignedIn
from permapress.admin.context import AdminContext
from permapress.admin.errors import AdminError, bad_request, forbidden
from permapress.admin.roles import allowed

MAX_JSON = 4 * 1024 * 1024


async def read_json(request: Request) -> dict[str, Any]:
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


async def read_input(request: Request) -> tuple[dict[str, Any], bool]:
    """The fields of a JSON body or an HTML form; and whether it was a form."""
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/x-www-form-urlencoded"):
        body = (await request.body())[:MAX_JSON].decode("utf-8", "replace")
        return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}, True
    return await read_json(request), False


def ok(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


def path_slug(request: Request) -> str:
    return str(request.path_params["slug"])


def check_role(ctx: AdminContext, who: SignedIn, slug: str, action: str) -> None:
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


def who_json(who: SignedIn) -> dict[str, Any]:
    return {"user": who.user.as_json(), "csrf_token": who.csrf}


def set_cookie(ctx: AdminContext, request: Request, response: Response, secret: str) -> None:
    """The session cookie: Secure when the admin is reached over HTTPS (directly, or through a
    local proxy that says so: uvicorn trusts X-Forwarded-Proto from 127.0.0.1)."""
    secure = ctx.secure or request.url.scheme == "https"
    response.set_cookie(COOKIE, secret, max_age=ctx.session_seconds, path="/admin",
                        httponly=True, samesite="strict", secure=secure)  # fmt: skip


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def same_origin(request: Request) -> None:
    """Sign-in from another site's page is refused (login CSRF)."""
    origin = request.headers.get("origin")
    if origin and (origin == "null" or urlsplit(origin).netloc != request.headers.get("host")):
        raise forbidden("sign in from the admin's own page")


def int_param(request: Request, name: str, default: int, top: int) -> int:
    text = request.query_params.get(name)
    if text is None or text == "":
        return default
    if not text.isdigit() or not 1 <= int(text) <= top:
        raise bad_request(f"{name} must be a whole number from 1 to {top}")
    return int(text)
