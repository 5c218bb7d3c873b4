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

Role checks are made by the caller (``api.py``) with ``roles.allowed``; this module checks
the state (publishing a published article, correcting a draft …) and answers 409 for those.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from permapress.admin.auth import SignedIn
from permapress.admin.context import AdminContext
from permapress.admin.errors import AdminError, bad_request, conflict, not_found
from permapress.admin.people import iso_now
from permapress.admin.store import Draft, IndexRow, dumps
from permapress.articles.markup import summarize
from permapress.articles.model import GENRES, Article, Media
from permapress.articles.sanitize import sanitize_markdown
from permapress.articles.slug import headline_slug
from permapress.catalog.meta import article_from_meta
from permapress.catalog.published import is_draft
from permapress.errors import PermapressError
from permapress.handle import Newsroom

TEXT_FIELDS = ("headline", "summary", "body", "language", "image", "genre", "methods", "location")
LIST_FIELDS = ("authors", "categories", "tags", "sources")
FIELDS = TEXT_FIELDS + LIST_FIELDS
LIMITS = {"headline": 500, "summary": 5000, "body": 2_000_000, "language": 35, "image": 300,
          "genre": 40, "methods": 20_000, "location": 300}  # fmt: skip
_MEDIA_REF = re.compile(r"media/([A-Za-z0-9][A-Za-z0-9._-]{0,127})")


@dataclass(frozen=True, slots=True)
class Published:
    slug: str
    version: int
    bundle_cid: str
    root_cid: str
    mode: str
    seconds: float


# --- fields ----------------------------------------------------------------------------------


def clean_fields(values: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """The editable fields of a request, checked; unknown names are refused by name."""
    unknown = sorted(set(values) - set(FIELDS) - {"revision", "slug", "note"})
    if unknown:
        raise bad_request(
            f"unknown field(s) {', '.join(unknown)}; the fields are {', '.join(FIELDS)}"
        )
    out: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if value is None and name == "image":
            out[name] = None
            continue
        if not isinstance(value, str):
            raise bad_request(f"{name} must be text")
        if len(value) > LIMITS[name]:
            raise bad_request(f"{name} is longer than {LIMITS[name]} characters")
        out[name] = value
    for name in LIST_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if isinstance(value, str):  # "a, b" from a form field
            value = [part for part in (p.strip() for p in value.split(",")) if part]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad_request(f"{name} must be a list of text")
        if len(value) > 100 or any(len(v) > 300 for v in value):
            raise bad_request(f"{name}: at most 100 entries of 300 characters")
        out[name] = [" ".join(v.split()) for v in value if v.strip()]
    if out.get("genre") and out["genre"] not in GENRES:
        raise bad_request(f"genre {out['genre']!r} is not one of {', '.join(GENRES)}")
    if not partial:
        for name in FIELDS:
            out.setdefault(name, [] if name in LIST_FIELDS else ("" if name != "image" else None))
    return out


def fields_of(article: Article) -> dict[str, Any]:
    return {
        "headline": article.headline, "summary": article.summary, "body": article.body,
        "language": article.language, "image": article.image, "genre": article.genre,
        "methods": article.methods, "location": article.location,
        "authors": list(article.authors), "categories": list(article.categories),
        "tags": list(article.tags), "sources": list(article.sources),
    }  # fmt: skip


# --- reading ---------------------------------------------------------------------------------


@contextmanager
def _newsroom(ctx: AdminContext, *, readonly: bool = False) -> Iterator[Newsroom]:
    newsroom = Newsroom.open(ctx.home, readonly=readonly)
    try:
        yield newsroom
    finally:
        newsroom.close()


def catalog_view(ctx: AdminContext, slug: str) -> dict[str, Any] | None:
    """What the catalog holds for ``slug`` (status, versions, current fields), or None."""
    with _newsroom(ctx, readonly=True) as newsroom:
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


def _ever_published(ctx: AdminContext, slug: str) -> bool:
    view = catalog_view(ctx, slug)
    return bool(view and view["bundle_cid"])


# --- writing drafts ----------------------------------------------------------------------------


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
        _index(ctx, conn, slug, fields, "draft", who.user_id, now, "")
    return slug


def _index(ctx: AdminContext, conn: Any, slug: str, fields: dict[str, Any], status: str,
           owner: str | None, updated: str, published: str) -> None:  # fmt: skip
    ctx.store.index_article(
        conn,
        IndexRow(slug, fields.get("headline", ""), status, owner, updated, published,
                 fields.get("summary", ""), list(fields.get("categories", [])),
                 list(fields.get("authors", []))),  # fmt: skip
        fields.get("tags", []),
    )


def diff_fields(theirs: dict[str, Any], yours: dict[str, Any]) -> list[dict[str, Any]]:
    """Field by field, what a refused save would have changed in the current text."""
    out: list[dict[str, Any]] = []
    for name in FIELDS:
        if name not in yours or yours[name] == theirs.get(name):
            continue
        a, b = theirs.get(name), yours[name]
        if isinstance(a, list) or isinstance(b, list):
            a_text, b_text = "\n".join(a or []), "\n".join(b or [])
        else:
            a_text, b_text = a or "", b or ""
        unified = "\n".join(difflib.unified_diff(
            a_text.splitlines(), b_text.splitlines(),
            fromfile=f"{name} (saved)", tofile=f"{name} (yours)", lineterm="",
        ))  # fmt: skip
        out.append({"field": name, "theirs": a, "yours": b, "unified": unified})
    return out


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
            _index(ctx, conn, slug, fields, status, owner, now, row.published if row else "")
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


def _ensure_draft(ctx: AdminContext, who: SignedIn, slug: str) -> Draft:
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
    draft = _ensure_draft(ctx, who, slug)
    if draft.status not in ("draft", "submitted"):
        raise conflict(f"{slug!r} is {draft.status}; only a draft is submitted for review")
    set_status(ctx, who, slug, "submitted")


# --- publishing ----------------------------------------------------------------------------------


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
    with ctx.publishing, _newsroom(ctx) as newsroom:
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
        _index(ctx, conn, slug, draft.data, "published", draft.owner, stamp,
               (first or now).isoformat())  # fmt: skip
    return Published(slug, recorded.version, recorded.bundle_cid, result.root_cid, result.mode,
                     result.seconds)  # fmt: skip


def publish(ctx: AdminContext, who: SignedIn, slug: str, note: str | None = None) -> Published:
    draft = _ensure_draft(ctx, who, slug)
    if draft.status in ("published", "retracted"):
        raise conflict(f"{slug!r} is {draft.status}; send a correction with a note instead"
                       if draft.status == "published" else f"{slug!r} was retracted")  # fmt: skip
    return _record(ctx, who.user_id, slug, note=note, correction=False)


def correct(ctx: AdminContext, who: SignedIn, slug: str, note: str,
            values: dict[str, Any]) -> Published:  # fmt: skip
    if not isinstance(note, str) or not note.strip():
        raise bad_request("a correction needs a note saying what changed, as readers will see it")
    draft = _ensure_draft(ctx, who, slug)
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
    draft = _ensure_draft(ctx, who, slug)
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
        first_time = not _ever_published(ctx, draft.slug)
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
    draft = _ensure_draft(ctx, who, slug)
    if draft.status == "retracted":
        raise conflict(f"{slug!r} is already retracted")
    if not _ever_published(ctx, slug):
        raise conflict(f"{slug!r} was never published; there is nothing to retract (a draft "
                       "is simply left unpublished)")  # fmt: skip
    now = datetime.fromtimestamp(ctx.clock(), UTC).replace(microsecond=0)
    with ctx.publishing, _newsroom(ctx) as newsroom:
        retract_article(newsroom, slug, reason=reason, now=now, actor=who.user_id)
        result = build_site(newsroom)
    set_status(ctx, who, slug, "retracted")
    return result.root_cid, result.mode, result.seconds


__all__ = ["Published", "create", "save", "submit", "publish", "correct", "schedule", "retract",
           "publish_due", "article_json"]  # fmt: skip
