"""An article as the admin sees it: the catalog's versions and the admin copy together.

    open_newsroom(ctx, readonly=False)   the newsroom, closed when the ``with`` block ends
    catalog_view(ctx, slug)              what the catalog holds for an article (status,
                                         versions, current fields), or None
    article_json(ctx, slug, who)         the article as the API shows it (docs/admin-api.md),
                                         with the actions ``who`` may take; 404 when unknown
    article_state(ctx, slug)             (owner, status, ever published), for the role check
    ever_published(ctx, slug), user_name(ctx, user_id)

Reading only: nothing here writes admin.sqlite or the catalog.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from permapress.admin.auth import SignedIn
from permapress.admin.context import AdminContext
from permapress.admin.errors import not_found
from permapress.admin.fields import fields_of
from permapress.admin.store import Draft
from permapress.catalog.meta import article_from_meta
from permapress.catalog.published import is_draft
from permapress.handle import Newsroom


@contextmanager
def open_newsroom(ctx: AdminContext, *, readonly: bool = False) -> Iterator[Newsroom]:
    newsroom = Newsroom.open(ctx.home, readonly=readonly)
    try:
        yield newsroom
    finally:
        newsroom.close()


def catalog_view(ctx: AdminContext, slug: str) -> dict[str, Any] | None:
    """What the catalog holds for ``slug`` (status, versions, current fields), or None."""
    with open_newsroom(ctx, readonly=True) as newsroom:
        row = newsroom.catalog.article(slug)
        if row is None:
            return None
        versions = newsroom.catalog.versions(slug)
    shown = [v for v in versions if not is_draft(v)]
    latest = versions[-1]
    article = article_from_meta(latest.meta)
    first_shown = article_from_meta(shown[0].meta) if shown else None
    return {
        "status": row.status,
        "fields": fields_of(article),
        "published": first_shown.published.isoformat() if first_shown else None,
        "modified": article_from_meta(shown[-1].meta).modified.isoformat()  # type: ignore[union-attr]
        if shown and article_from_meta(shown[-1].meta).modified else None,
        "bundle_cid": shown[-1].bundle_cid if shown else None,
        "media": [m.name for m in article.media],
        "versions": [
            {"number": v.number, "bundle_cid": v.bundle_cid, "time": v.effective, "note": v.note,
             "recorded": v.recorded, "draft": is_draft(v)}
            for v in versions
        ],  # fmt: skip
    }


def article_json(ctx: AdminContext, slug: str, who: SignedIn | None) -> dict[str, Any]:
    """The article as the API shows it (``docs/admin-api.md``)."""
    from permapress.admin.roles import actions_for

    draft = ctx.store.draft(slug)
    view = catalog_view(ctx, slug)
    if draft is None and view is None:
        raise not_found(f"no article with slug {slug!r}")
    fields = draft.data if draft is not None else view["fields"]  # type: ignore[index]
    status = draft.status if draft is not None else view["status"]  # type: ignore[index]
    owner = draft.owner if draft is not None else None
    published = status in ("published", "retracted") or bool(view and view["bundle_cid"])
    media = sorted({m.name for m in ctx.store.media_items(slug)}
                   | set(view["media"] if view else []))  # fmt: skip
    data: dict[str, Any] = {
        "slug": slug,
        **fields,
        "published": view["published"] if view else None,
        "modified": view["modified"] if view else None,
        "status": status,
        "revision": draft.revision if draft is not None else 0,
        "owner": owner,
        "publish_at": draft.publish_at if draft is not None else None,
        "updated": draft.updated if draft is not None else None,
        "updated_by": draft.updated_by if draft is not None else None,
        "updated_by_name": user_name(ctx, draft.updated_by if draft is not None else None),
        "owner_name": user_name(ctx, owner),
        "changed": _changed(draft, view),
        "bundle_cid": view["bundle_cid"] if view else None,
        "ipfs_url": f"ipfs://{view['bundle_cid']}" if view and view["bundle_cid"] else None,
        "versions": view["versions"] if view else [],
        "media": media,
    }
    if who is not None:
        own = owner is not None and owner == who.user_id
        data["actions"] = actions_for(who.role, own=own, published=published)
    return data


def user_name(ctx: AdminContext, user_id: str | None) -> str | None:
    """The name the admin shows for a user id (their name, else the start of their email)."""
    if user_id is None:
        return None
    user = ctx.store.user(user_id)
    if user is None:
        return None
    return user.name or user.email.split("@")[0]


def _changed(draft: Draft | None, view: dict[str, Any] | None) -> bool:
    """Whether there are saved edits readers do not see yet."""
    if draft is None:
        return view is None or view["bundle_cid"] is None
    return draft.published_revision != draft.revision


def article_state(ctx: AdminContext, slug: str) -> tuple[str | None, str, bool]:
    """(owner, status, ever published) of ``slug``; 404 when there is no such article."""
    draft = ctx.store.draft(slug)
    view = catalog_view(ctx, slug)
    if draft is None and view is None:
        raise not_found(f"no article with slug {slug!r}")
    published = bool(view and view["bundle_cid"])
    if draft is None:
        assert view is not None
        return None, str(view["status"]), published
    return draft.owner, draft.status, published


def ever_published(ctx: AdminContext, slug: str) -> bool:
    view = catalog_view(ctx, slug)
    return bool(view and view["bundle_cid"])
