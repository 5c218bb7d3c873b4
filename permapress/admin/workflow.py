"""The editorial workflow: draft -> submitted -> (scheduled ->) published, then corrections and
retraction; every act that changes what readers see goes through the newsroom operations of
the command line and is signed into the publisher log with the acting user's id.

    create(ctx, who, fields)                 a new draft owned by ``who`` (admin.sqlite only)
    save(ctx, who, slug, revision, fields)   autosave: refused with ``Conflict`` (409 and a diff)
                                             when ``revision`` is not the current one; the refused
                                             text is kept in the revision history all the same
    submit(ctx, who, slug)                   submitted for review (nothing public)
    publish(ctx, who, slug, note)            ``record_article`` (a signed version and a "publish"
                                             entry naming the actor), then the site is rebuilt
                                             (patched where the build can)
    correct(ctx, who, slug, note, fields)    the same, as a correction of a published article
    schedule(ctx, who, slug, publish_at)     marks the draft scheduled (nothing public, not even
                                             the slug: an embargo); ``publish_due`` (run by
                                             ``serve``) publishes it at that time and signs a
                                             "schedule" entry naming who scheduled it and when
    retract(ctx, who, slug, reason)          ``retract_article`` (a "retract" entry), rebuild

Drafts live in admin.sqlite (``admin_articles``, every save in ``admin_revisions``), not in the
catalog: a draft is not public and not signed until it is published. An
article that came in by ``permapress import`` is edited the same way: its first save copies
the catalog's current version into admin.sqlite.

The fields and their checks are in ``fields.py``, reading an article in ``article_view.py``,
drafts and saves in ``drafts.py``; this module publishes, and offers the others' functions under
the names above.

Role checks are made by the caller (``api.py``) with ``roles.allowed``; this module checks
the state (publishing a published article, correcting a draft …) and answers 409 for those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from permapress.admin.article_view import (
    article_json,
    article_state,
    ever_published,
    open_newsroom,
)
from permapress.admin.auth import SignedIn
from permapress.admin.context import AdminContext
from permapress.admin.drafts import create, ensure_draft, index_draft, save, set_status, submit
from permapress.admin.errors import AdminError, bad_request, conflict
from permapress.admin.fields import clean_fields
from permapress.admin.people import iso_now
from permapress.articles.markup import summarize
from permapress.articles.model import Article, Media
from permapress.articles.sanitize import sanitize_markdown
from permapress.catalog.meta import article_from_meta
from permapress.catalog.published import is_draft
from permapress.errors import PermapressError
from permapress.handle import Newsroom

_MEDIA_REF = re.compile(r"media/([A-Za-z0-9][A-Za-z0-9._-]{0,127})")


@dataclass(frozen=True, slots=True)
class Published:
    slug: str
    version: int
    bundle_cid: str
    root_cid: str
    mode: str
    seconds: float


def _article(ctx: AdminContext, newsroom: Newsroom, slug: str, fields: dict[str, Any], *,
             published: datetime, draft: bool) -> Article:  # fmt: skip
    """The Article to record from the admin fields, with the media its text uses."""
    body = sanitize_markdown(fields.get("body", ""))
    wanted = set(_MEDIA_REF.findall(body))
    image = fields.get("image") or None
    if image and not image.startswith(("http://", "https://")):
        image = image.removeprefix("media/")
        wanted.add(image)
    media: dict[str, Media] = {}
    from permapress.ipfs.cid import CID
    from permapress.ipfs.reader import read_file

    latest = newsroom.catalog.latest(slug)
    if latest is not None:
        for row in newsroom.catalog.media(slug, latest.number):
            if row.name in wanted:
                data = b"".join(read_file(CID.parse(row.cid), newsroom.blocks.get))
                media[row.name] = Media(row.name, data, row.media_type)
    for item in ctx.store.media_items(slug):
        if item.name in wanted and item.name not in media:
            data = b"".join(read_file(CID.parse(item.cid), newsroom.blocks.get))
            media[item.name] = Media(item.name, data, item.media_type)
    missing = sorted(wanted - set(media))
    if missing:
        raise bad_request(f"the text uses image(s) not uploaded to this article: "
                          f"{', '.join(missing)}; upload them first")  # fmt: skip
    current = newsroom.catalog.article(slug)
    headline = " ".join(fields.get("headline", "").split())
    if not headline:
        raise bad_request("give the article a headline before publishing")
    if not body.strip():
        raise bad_request("the article has no text yet")
    return Article(
        headline=headline,
        slug=slug,
        published=published,
        modified=None,
        authors=tuple(fields.get("authors", ())),
        categories=tuple(fields.get("categories", ())),
        tags=tuple(fields.get("tags", ())),
        summary=" ".join(fields.get("summary", "").split()) or summarize(body),
        language=fields.get("language") or ctx.config.language,
        body=body,
        media=tuple(media[name] for name in sorted(media)),
        image=image,
        draft=draft,
        source=current.source if current is not None else None,
        genre=fields.get("genre", ""),
        sources=tuple(fields.get("sources", ())),
        methods=fields.get("methods", ""),
        location=fields.get("location", ""),
    )


def _first_published(newsroom: Newsroom, slug: str) -> datetime | None:
    shown = [v for v in newsroom.catalog.versions(slug) if not is_draft(v)]
    return article_from_meta(shown[0].meta).published if shown else None


def _record(ctx: AdminContext, actor: str, slug: str, *, note: str | None, correction: bool,
            scheduled: tuple[str, str] | None = None) -> Published:  # fmt: skip
    """Record the admin copy of ``slug`` as a published version and rebuild the site.

    ``scheduled`` (when the decision was made, the time it named) adds a signed "schedule"
    entry after the publication, naming the same version and who scheduled it.
    """
    from permapress.newsroom.record import record_article
    from permapress.site.build import build_site
    from permapress.trust.journal import append_entry

    draft = ctx.store.draft(slug)
    assert draft is not None
    now = datetime.fromtimestamp(ctx.clock(), UTC).replace(microsecond=0)
    with ctx.publishing, open_newsroom(ctx) as newsroom:
        first = _first_published(newsroom, slug)
        if correction and first is None:
            raise conflict(f"{slug!r} is not published yet; publish it first")
        if not correction and first is not None:
            raise conflict(f"{slug!r} is already published; send a correction with a note "
                           "instead")  # fmt: skip
        article = _article(ctx, newsroom, slug, draft.data, published=first or now, draft=False)
        recorded = record_article(newsroom, article, now=now, note=note, actor=actor)
        if recorded.status == "unchanged":
            raise conflict(f"{slug!r} has no changes since its published version; edit it "
                           "before correcting")  # fmt: skip
        if scheduled is not None:
            latest = newsroom.catalog.latest(slug)
            assert latest is not None
            decided, when = scheduled
            with newsroom.catalog.transaction():
                append_entry(
                    newsroom.catalog, newsroom.signing_key(), action="schedule", slug=slug,
                    version=recorded.version, record=latest.record_cid,
                    note=f"scheduled on {decided} for {when}", time=now, actor=actor,
                )  # fmt: skip
        result = build_site(newsroom)
    stamp = iso_now(ctx.clock())
    with ctx.store.transaction() as conn:
        conn.execute(
            "UPDATE admin_articles SET status = 'published', publish_at = NULL, updated = ?, "
            "published_revision = ? WHERE slug = ?",
            (stamp, draft.revision, slug),
        )
        index_draft(ctx, conn, slug, draft.data, "published", draft.owner, stamp,
               (first or now).isoformat())  # fmt: skip
    return Published(slug, recorded.version, recorded.bundle_cid, result.root_cid, result.mode,
                     result.seconds)  # fmt: skip


def publish(ctx: AdminContext, who: SignedIn, slug: str, note: str | None = None) -> Published:
    draft = ensure_draft(ctx, who, slug)
    if draft.status in ("published", "retracted"):
        raise conflict(f"{slug!r} is {draft.status}; send a correction with a note instead"
                       if draft.status == "published" else f"{slug!r} was retracted")  # fmt: skip
    return _record(ctx, who.user_id, slug, note=note, correction=False)


def correct(ctx: AdminContext, who: SignedIn, slug: str, note: str,
            values: dict[str, Any]) -> Published:  # fmt: skip
    if not isinstance(note, str) or not note.strip():
        raise bad_request("a correction needs a note saying what changed, as readers will see it")
    draft = ensure_draft(ctx, who, slug)
    if draft.status == "retracted":
        raise conflict(f"{slug!r} was retracted; a retracted article is not corrected")
    changes = clean_fields(values, partial=True)
    if changes:
        save(ctx, who, slug, draft.revision, changes)
    return _record(ctx, who.user_id, slug, note=note.strip(), correction=True)


def parse_time(text: Any) -> datetime:
    if not isinstance(text, str):
        raise bad_request("publish_at must be a date and time like 2026-03-01T09:00:00+01:00")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"publish_at {text!r} is not a date and time like "
                          "2026-03-01T09:00:00+01:00") from None  # fmt: skip
    if moment.tzinfo is None:
        raise bad_request("publish_at needs a time zone offset (e.g. +01:00 or Z)")
    return moment.astimezone(UTC).replace(microsecond=0)


def schedule(ctx: AdminContext, who: SignedIn, slug: str, publish_at: Any) -> None:
    """Schedule (or, with ``publish_at`` None, unschedule) the publication of ``slug``."""
    draft = ensure_draft(ctx, who, slug)
    if publish_at is None:
        if draft.status != "scheduled":
            raise conflict(f"{slug!r} is not scheduled")
        set_status(ctx, who, slug, "draft")
        return
    if draft.status == "retracted":
        raise conflict(f"{slug!r} was retracted")
    moment = parse_time(publish_at)
    now = datetime.fromtimestamp(ctx.clock(), UTC).replace(microsecond=0)
    if moment <= now:
        raise bad_request("publish_at is not in the future; publish now instead")
    # Nothing goes into the public log or the site yet: an embargo shows nothing, not even the
    # slug. The decision is signed into the log when the article is published (``publish_due``).
    when = moment.isoformat().replace("+00:00", "Z")
    decided = now.isoformat().replace("+00:00", "Z")
    set_status(ctx, who, slug, "scheduled", when)
    ctx.store.execute(
        "UPDATE admin_articles SET data = json_set(data, '$.scheduled_by', ?, '$.scheduled_on', ?) "
        "WHERE slug = ?",
        (who.user_id, decided, slug),
    )


def publish_due(ctx: AdminContext) -> list[Published]:
    """Publish every scheduled article whose time has come (``serve`` calls this)."""
    done: list[Published] = []
    now = iso_now(ctx.clock()).replace("+00:00", "Z")
    for draft in ctx.store.due_drafts(now):
        actor = str(draft.data.get("scheduled_by") or draft.updated_by or "")
        first_time = not ever_published(ctx, draft.slug)
        try:
            decided = str(draft.data.get("scheduled_on") or "")
            done.append(_record(ctx, actor or "scheduler", draft.slug,
                                note=None if first_time else "Published as scheduled.",
                                correction=not first_time,
                                scheduled=(decided, str(draft.publish_at or now))))  # fmt: skip
        except (AdminError, PermapressError) as exc:
            ctx.store.execute(
                "UPDATE admin_articles SET status = 'draft', publish_at = NULL, "
                "data = json_set(data, '$.schedule_error', ?) WHERE slug = ?",
                (str(exc), draft.slug),
            )
    return done


def retract(ctx: AdminContext, who: SignedIn, slug: str, reason: Any) -> tuple[str, str, float]:
    """Retract ``slug`` (a signed "retract" entry naming ``who``) and rebuild the site."""
    from permapress.newsroom.retract import retract_article
    from permapress.site.build import build_site

    if not isinstance(reason, str) or not reason.strip():
        raise bad_request("a retraction needs a reason readers will see")
    draft = ensure_draft(ctx, who, slug)
    if draft.status == "retracted":
        raise conflict(f"{slug!r} is already retracted")
    if not ever_published(ctx, slug):
        raise conflict(f"{slug!r} was never published; there is nothing to retract (a draft "
                       "is simply left unpublished)")  # fmt: skip
    now = datetime.fromtimestamp(ctx.clock(), UTC).replace(microsecond=0)
    with ctx.publishing, open_newsroom(ctx) as newsroom:
        retract_article(newsroom, slug, reason=reason, now=now, actor=who.user_id)
        result = build_site(newsroom)
    set_status(ctx, who, slug, "retracted")
    return result.root_cid, result.mode, result.seconds


__all__ = ["Published", "create", "save", "submit", "publish", "correct", "schedule", "retract",
           "publish_due", "article_json", "article_state", "clean_fields"]  # fmt: skip
