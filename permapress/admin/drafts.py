"""Drafts in admin.sqlite: creating one, conflict-refusing saves, status changes, submitting.

    create(ctx, who, fields)                 a new draft owned by ``who`` under a free slug
    save(ctx, who, slug, revision, fields)   the next revision when ``revision`` is still the
                                             current one; else ``Conflict`` (409, the current
                                             article and a diff), the refused text kept as a
                                             "conflict" revision
    set_status(ctx, who, slug, status, publish_at=None), submit(ctx, who, slug)
    ensure_draft(ctx, who, slug)             the admin copy, made from the catalog's current
                                             version the first time an imported article is
                                             edited
    index_draft(ctx, conn, slug, fields, …)  the article list's row of a draft

Nothing here is public or signed: that is ``workflow.py``'s publishing.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from typing import Any

from permapress.admin.article_view import article_json, catalog_view
from permapress.admin.auth import SignedIn
from permapress.admin.context import AdminContext
from permapress.admin.errors import bad_request, conflict, not_found
from permapress.admin.fields import FIELDS, clean_fields, diff_fields
from permapress.admin.people import iso_now
from permapress.admin.store import Draft, IndexRow, dumps
from permapress.articles.slug import headline_slug


def _free_slug(ctx: AdminContext, base: str) -> str:
    candidate, n = base, 2
    while ctx.store.draft(candidate) is not None or catalog_view(ctx, candidate) is not None:
        candidate = f"{base}-{n}"
        n += 1
    return candidate


def create(ctx: AdminContext, who: SignedIn, values: dict[str, Any]) -> str:
    fields = clean_fields(values, partial=False)
    if not fields["headline"].strip():
        raise bad_request("give the article a headline")
    if not fields["authors"]:
        fields["authors"] = [who.user.name or who.user.email.split("@")[0]]
    if not fields["language"]:
        fields["language"] = ctx.config.language
    slug = _free_slug(ctx, headline_slug(fields["headline"]) or "article")
    now = iso_now(ctx.clock())
    with ctx.store.transaction() as conn:
        conn.execute(
            "INSERT INTO admin_articles (slug, owner, status, revision, data, created, updated, "
            "updated_by) VALUES (?, ?, 'draft', 1, ?, ?, ?, ?)",
            (slug, who.user_id, dumps(fields), now, now, who.user_id),
        )
        conn.execute(
            "INSERT INTO admin_revisions (slug, revision, kind, data, saved, user_id) "
            "VALUES (?, 1, 'save', ?, ?, ?)",
            (slug, dumps(fields), now, who.user_id),
        )
        index_draft(ctx, conn, slug, fields, "draft", who.user_id, now, "")
    return slug


def index_draft(ctx: AdminContext, conn: sqlite3.Connection, slug: str, fields: dict[str, Any],
                status: str, owner: str | None, updated: str, published: str) -> None:  # fmt: skip
    ctx.store.index_article(
        conn,
        IndexRow(slug, fields.get("headline", ""), status, owner, updated, published,
                 fields.get("summary", ""), list(fields.get("categories", [])),
                 list(fields.get("authors", []))),  # fmt: skip
        fields.get("tags", []),
    )


def save(
    ctx: AdminContext, who: SignedIn, slug: str, revision: Any, values: dict[str, Any]
) -> int:
    """Store the fields as the next revision, if ``revision`` is still the current one."""
    if type(revision) is not int or revision < 0:
        raise bad_request("send the article's current 'revision' (a whole number) with a save")
    changes = clean_fields(values, partial=True)
    now = iso_now(ctx.clock())
    draft = ctx.store.draft(slug)
    if draft is None:
        view = catalog_view(ctx, slug)
        if view is None:
            raise not_found(f"no article with slug {slug!r}")
        base, status, owner = view["fields"], view["status"], None
    else:
        base, status, owner = draft.data, draft.status, draft.owner
    if status == "retracted":
        raise conflict(f"{slug!r} was retracted; a retracted article is not edited")
    fields = {**base, **changes}
    new = revision + 1
    with ctx.store.transaction() as conn:
        if revision == 0 and draft is None:
            changed = conn.execute(
                "INSERT OR IGNORE INTO admin_articles (slug, owner, status, revision, data, "
                "created, updated, updated_by) VALUES (?, NULL, ?, 1, ?, ?, ?, ?)",
                (slug, status, dumps(fields), now, now, who.user_id),
            ).rowcount
        else:
            changed = conn.execute(
                "UPDATE admin_articles SET data = ?, revision = ?, updated = ?, updated_by = ? "
                "WHERE slug = ? AND revision = ?",
                (dumps(fields), new, now, who.user_id, slug, revision),
            ).rowcount
        if changed:
            conn.execute(
                "INSERT INTO admin_revisions (slug, revision, kind, data, saved, user_id) "
                "VALUES (?, ?, 'save', ?, ?, ?)",
                (slug, new, dumps(fields), now, who.user_id),
            )
            row = ctx.store.index_row(slug)
            index_draft(ctx, conn, slug, fields, status, owner, now, row.published if row else "")
            return new
        # refused: keep what was typed, then tell them what differs
        cur = conn.execute(
            "INSERT INTO admin_revisions (slug, revision, kind, data, saved, user_id) "
            "VALUES (?, ?, 'conflict', ?, ?, ?)",
            (slug, revision, dumps(fields), now, who.user_id),
        )
        saved_as = cur.lastrowid
    current = article_json(ctx, slug, who)
    raise conflict(
        f"{slug!r} was saved elsewhere (another tab or person) since your revision {revision}; "
        "your text was kept in the revision history — compare and save again on top of "
        f"revision {current['revision']}",
        current=current,
        diff=diff_fields({n: current.get(n) for n in FIELDS}, changes),
        saved_as=saved_as,
    )


def set_status(ctx: AdminContext, who: SignedIn, slug: str, status: str,
               publish_at: str | None = None) -> None:  # fmt: skip
    now = iso_now(ctx.clock())
    with ctx.store.transaction() as conn:
        conn.execute(
            "UPDATE admin_articles SET status = ?, publish_at = ?, updated = ?, updated_by = ? "
            "WHERE slug = ?",
            (status, publish_at, now, who.user_id, slug),
        )
        row = ctx.store.index_row(slug)
        if row is not None:  # its search row carries the status too
            tags = conn.execute("SELECT tags FROM admin_fts WHERE rowid = (SELECT rowid FROM "
                                "admin_index WHERE slug = ?)", (slug,)).fetchone()  # fmt: skip
            ctx.store.index_article(conn, replace(row, status=status, updated=now),
                                    (tags[0] if tags else "").split())  # fmt: skip


def ensure_draft(ctx: AdminContext, who: SignedIn, slug: str) -> Draft:
    """The admin copy of ``slug`` (made from the catalog's current version when missing)."""
    draft = ctx.store.draft(slug)
    if draft is not None:
        return draft
    view = catalog_view(ctx, slug)
    if view is None:
        raise not_found(f"no article with slug {slug!r}")
    now = iso_now(ctx.clock())
    shown = 1 if view["bundle_cid"] else None  # the copy is what readers see
    ctx.store.execute(
        "INSERT OR IGNORE INTO admin_articles (slug, owner, status, revision, data, created, "
        "updated, updated_by, published_revision) VALUES (?, NULL, ?, 1, ?, ?, ?, ?, ?)",
        (slug, view["status"], dumps(view["fields"]), now, now, who.user_id, shown),
    )
    draft = ctx.store.draft(slug)
    assert draft is not None
    return draft


def submit(ctx: AdminContext, who: SignedIn, slug: str) -> None:
    draft = ensure_draft(ctx, who, slug)
    if draft.status not in ("draft", "submitted"):
        raise conflict(f"{slug!r} is {draft.status}; only a draft is submitted for review")
    set_status(ctx, who, slug, "submitted")
