"""The editorial workflow through the API, checked against the real site and publisher log:
conflicting saves lose nothing, markup stays text, scheduling publishes on time, uploads are
sniffed and bounded, preview links expire, and every act is signed with the actor's id."""

from __future__ import annotations

import re
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from admin_world import World, make_world  # noqa: E402

from permapress.admin.app import AdminContext  # noqa: E402
from permapress.admin.serve import AdminServer  # noqa: E402
from permapress.admin.workflow import publish_due  # noqa: E402
from permapress.errors import PermapressError  # noqa: E402
from permapress.handle import Newsroom  # noqa: E402
from permapress.ipfs.cid import CID  # noqa: E402
from permapress.ipfs.reader import read_file, resolve_path  # noqa: E402
from permapress.trust.journal import read_entries  # noqa: E402
from permapress.trust.verify import verify_site  # noqa: E402

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
EVIL = '<script>alert("pp")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)


def _ctx(world: World) -> AdminContext:
    ctx: AdminContext = world.client.app.state.admin  # type: ignore[attr-defined]
    return ctx


def _site_file(world: World, path: str) -> str | None:
    """A text file of the newest site root, or None when the site does not hold it."""
    data = _site_bytes(world, path)
    return None if data is None else data.decode("utf-8")


def _site_bytes(world: World, path: str) -> bytes | None:
    with Newsroom.open(world.home, readonly=True) as newsroom:
        root = newsroom.catalog.latest_build()
        if root is None:
            return None
        try:
            cid, _trail = resolve_path(CID.parse(root), path.split("/"), newsroom.blocks.get)
        except PermapressError:
            return None
        return b"".join(read_file(cid, newsroom.blocks.get))


def _log(world: World) -> list[Any]:
    with Newsroom.open(world.home, readonly=True) as newsroom:
        return [signed.entry for signed in read_entries(newsroom.catalog)]


def _site_valid(world: World) -> None:
    with Newsroom.open(world.home, readonly=True) as newsroom:
        root = newsroom.catalog.latest_build()
        assert root is not None
        report = verify_site(CID.parse(root), newsroom.blocks.get)
    assert report.valid, report.problems


def test_publish_and_correct_are_signed_with_the_actor(world: World) -> None:
    slug = world.new_article("contributor", "Pier reopens")
    world.api("contributor", "POST", f"/admin/api/articles/{slug}/submit")
    done = world.api("editor", "POST", f"/admin/api/articles/{slug}/publish").json()
    assert done["version"] == 1 and done["root_cid"]
    page = _site_file(world, f"articles/{slug}/index.html")
    assert page is not None and "Pier reopens" in page
    assert _site_bytes(world, f"articles/{slug}/{slug}.car")  # Download IPFS
    revision = world.api("author", "GET", f"/admin/api/articles/{slug}")
    assert revision.status_code == 403  # not the author's
    current = world.api("editor", "GET", f"/admin/api/articles/{slug}").json()
    assert current["status"] == "published" and current["changed"] is False
    edit = {"revision": current["revision"], "body": "The pier reopens on Monday."}
    world.api("editor", "PUT", f"/admin/api/articles/{slug}", json=edit)
    fixed = world.api("admin", "POST", f"/admin/api/articles/{slug}/correct",
                      json={"note": "It reopens on Monday, not Sunday."}).json()  # fmt: skip
    assert fixed["version"] == 2 and fixed["build"]["mode"] == "patched"
    page = _site_file(world, f"articles/{slug}/index.html")
    assert page is not None and "on Monday" in page and "not Sunday" in page
    history = _site_file(world, f"articles/{slug}/history/index.html")
    assert history is not None and "It reopens on Monday" in history
    entries = _log(world)
    assert [(e.action, e.actor) for e in entries] == [
        ("publish", world.people["editor"].user_id),
        ("correct", world.people["admin"].user_id),
    ]
    assert "@" not in "".join(e.actor or "" for e in entries)  # an id, never the email
    _site_valid(world)


def test_two_saves_of_one_revision_over_http_lose_nothing(world: World) -> None:
    """Two tabs save the same revision at the same moment over a real HTTP server: one wins,
    the other gets 409 with a diff, and its text is in the revision history."""
    slug = world.new_article("author", "Storm warning")
    server = AdminServer("127.0.0.1:0")
    server(world.home)
    base = server.url
    token = world.people["author"].token
    start = threading.Barrier(2)
    answers: dict[str, httpx.Response] = {}

    def save(text: str) -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
            client.get("/admin/api/me")
            start.wait()
            answers[text] = client.put(f"/admin/api/articles/{slug}",
                                       json={"revision": 1, "body": text})  # fmt: skip

    tabs = [threading.Thread(target=save, args=(text,)) for text in ("Tab one.", "Tab two.")]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join(60)
    codes = sorted(answer.status_code for answer in answers.values())
    assert codes == [200, 409], {t: (a.status_code, a.text) for t, a in answers.items()}
    winner = next(t for t, a in answers.items() if a.status_code == 200)
    loser = next(t for t, a in answers.items() if a.status_code == 409)
    refused = answers[loser].json()
    assert refused["current"]["body"] == winner and refused["current"]["revision"] == 2
    assert refused["diff"][0]["field"] == "body" and refused["diff"][0]["yours"] == loser
    kept = world.api("author", "GET", f"/admin/api/articles/{slug}/revisions/"
                     f"{refused['saved_as']}").json()  # fmt: skip
    assert kept["kind"] == "conflict" and kept["article"]["body"] == loser
    listed = world.api("author", "GET", f"/admin/api/articles/{slug}/revisions").json()
    assert {r["kind"] for r in listed["revisions"]} == {"save", "conflict"}
    again = world.api("author", "PUT", f"/admin/api/articles/{slug}",
                      json={"revision": 2, "body": winner + " " + loser})  # fmt: skip
    assert again.status_code == 200 and again.json()["revision"] == 3
    server.close()


@pytest.mark.parametrize(
    "field", ["headline", "summary", "body", "authors", "categories", "tags", "location",
              "methods", "sources"],
)  # fmt: skip
def test_markup_in_every_field_stays_text(world: World, field: str) -> None:
    value: Any = [EVIL] if field in ("authors", "categories", "tags", "sources") else EVIL
    fields: dict[str, Any] = {field: value}
    if field == "body":
        fields["body"] = f"Ordinary words. {EVIL}"
    headline = fields.pop("headline", f"Quiet night {field}")
    slug = world.new_article("editor", headline, **fields)
    fields["headline"] = headline
    got = world.api("editor", "GET", f"/admin/api/articles/{slug}")
    assert got.headers["content-type"].startswith("application/json")
    link = world.api("editor", "POST", f"/admin/api/articles/{slug}/preview-link", json={})
    preview = world.fresh_client().get(link.json()["path"])
    rendered = world.api("editor", "POST", "/admin/api/preview", json=fields).json()
    published = world.api("editor", "POST", f"/admin/api/articles/{slug}/publish")
    assert published.status_code == 200, published.text
    page = _site_file(world, f"articles/{slug}/index.html") or ""
    for html in (preview.text, rendered["html"], rendered["page"], page):
        assert "<script>alert" not in html
        assert not re.search(r"<img[^>]*onerror", html, re.IGNORECASE)
    if field in ("headline", "summary", "authors"):
        assert "&lt;script&gt;" in preview.text and "&lt;script&gt;" in page


def test_scheduled_article_is_published_at_its_time(world: World) -> None:
    ctx = _ctx(world)
    slug = world.new_article("author", "Embargoed report")
    soon = world.clock.now + 3600
    when = "2027-01-15T09:00:00Z"
    assert soon == 1_800_003_600.0  # the world starts 2027-01-15T08:00:00Z
    past = world.api("author", "POST", f"/admin/api/articles/{slug}/schedule",
                     json={"publish_at": "2020-01-01T00:00:00Z"})  # fmt: skip
    assert past.status_code == 400
    done = world.api("author", "POST", f"/admin/api/articles/{slug}/schedule",
                     json={"publish_at": when})  # fmt: skip
    assert done.status_code == 200 and done.json()["status"] == "scheduled"
    assert done.json()["publish_at"] == when
    # an embargo: nothing of it is public before its time, not even its slug
    assert _log(world) == []
    assert publish_due(ctx) == []  # not yet
    assert _site_file(world, f"articles/{slug}/index.html") is None
    assert slug not in (_site_file(world, "log.jsonl") or "")
    world.clock.now = soon + 1
    published = publish_due(ctx)
    assert [p.slug for p in published] == [slug]
    assert world.api("author", "GET", f"/admin/api/articles/{slug}").json()["status"] == (
        "published")  # fmt: skip
    entries = _log(world)
    author = world.people["author"].user_id
    assert [(e.action, e.actor, e.version) for e in entries] == [
        ("publish", author, 1), ("schedule", author, 1)]  # fmt: skip
    assert entries[1].note == "scheduled on 2027-01-15T08:00:00Z for 2027-01-15T09:00:00Z"
    assert "Embargoed report" in (_site_file(world, f"articles/{slug}/index.html") or "")
    _site_valid(world)
    assert publish_due(ctx) == []


def test_unscheduling(world: World) -> None:
    slug = world.new_article("editor", "Later maybe")
    world.api("editor", "POST", f"/admin/api/articles/{slug}/schedule",
              json={"publish_at": "2027-02-01T09:00:00+01:00"})  # fmt: skip
    back = world.api("editor", "POST", f"/admin/api/articles/{slug}/schedule",
                     json={"publish_at": None})  # fmt: skip
    assert back.json()["status"] == "draft"
    world.clock.now += 90 * 24 * 3600
    assert publish_due(_ctx(world)) == []


def test_image_upload_is_sniffed_and_bounded(world: World) -> None:
    slug = world.new_article("author", "Harbour at dawn")
    up = world.api("author", "POST", f"/admin/api/media?slug={slug}&name=Dawn Photo.jpeg",
                   content=PNG)  # fmt: skip
    assert up.status_code == 201, up.text
    item = up.json()
    assert item["name"] == "dawn-photo.png" and item["media_type"] == "image/png"
    assert item["markdown"] == "![](media/dawn-photo.png)"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    refused = world.api("author", "POST", f"/admin/api/media?slug={slug}&name=x.png", content=svg)
    assert refused.status_code == 415
    big = world.api("author", "POST", f"/admin/api/media?slug={slug}&name=big.png",
                    content=PNG + b"\0" * (10 * 1024 * 1024))  # fmt: skip
    assert big.status_code == 413
    served = world.api("author", "GET", item["url"])
    assert served.status_code == 200 and served.content == PNG
    assert served.headers["content-type"] == "image/png"
    revision = world.api("author", "GET", f"/admin/api/articles/{slug}").json()["revision"]
    world.api("author", "PUT", f"/admin/api/articles/{slug}", json={
        "revision": revision, "body": f"The sun rose.\n\n{item['markdown']}\n",
        "image": "dawn-photo.png"})  # fmt: skip
    done = world.api("author", "POST", f"/admin/api/articles/{slug}/publish")
    assert done.status_code == 200, done.text
    bundle = _site_file(world, f"articles/{slug}/v/1/article.md") or ""
    assert "media/dawn-photo.png" in bundle
    with Newsroom.open(world.home, readonly=True) as newsroom:
        assert [m.name for m in newsroom.catalog.media(slug, 1)] == ["dawn-photo.png"]
    library = world.api("contributor", "GET", "/admin/api/media").json()
    assert [m["name"] for m in library["media"]] == ["dawn-photo.png"]
    other = world.new_article("contributor", "Dawn again")
    reused = world.api("contributor", "POST",
                       f"/admin/api/media?slug={other}&from={item['id']}")  # fmt: skip
    assert reused.status_code == 201 and reused.json()["cid"] == item["cid"]
    missing = world.new_article("editor", "No image", body="![](media/absent.png)")
    refused_publish = world.api("editor", "POST", f"/admin/api/articles/{missing}/publish")
    assert refused_publish.status_code == 400 and "absent.png" in refused_publish.json()["error"]


def test_preview_links_show_the_draft_and_expire(world: World) -> None:
    slug = world.new_article("contributor", "Draft about gulls", body="Gulls everywhere.")
    up = world.api("contributor", "POST", f"/admin/api/media?slug={slug}&name=gull.png",
                   content=PNG)  # fmt: skip
    revision = world.api("contributor", "GET", f"/admin/api/articles/{slug}").json()["revision"]
    edit = {"revision": revision, "body": "Gulls everywhere.\n\n![](media/gull.png)"}
    world.api("contributor", "PUT", f"/admin/api/articles/{slug}", json=edit)
    link = world.api("contributor", "POST", f"/admin/api/articles/{slug}/preview-link",
                     json={"hours": 2}).json()  # fmt: skip
    assert link["url"].startswith("http://127.0.0.1:8001/admin/preview/")
    reader = world.fresh_client()  # no session: anyone with the link
    page = reader.get(link["path"])
    assert page.status_code == 200 and "Gulls everywhere." in page.text
    assert 'src="media/gull.png"' in page.text
    image = reader.get(link["path"] + "media/gull.png")
    assert image.status_code == 200 and image.content == PNG
    assert reader.get(link["path"] + "media/other.png").status_code == 404
    assert reader.get("/admin/preview/" + "A" * 43 + "/").status_code == 404
    assert _site_file(world, f"articles/{slug}/index.html") is None  # never public
    world.clock.now += 2 * 3600 + 1
    assert reader.get(link["path"]).status_code == 410
    del up


def test_list_filters_search_and_pages(world: World) -> None:
    for n in range(7):
        world.new_article("author", f"Ferry news {n}", categories=["Transport"],
                          authors=["Ann Reporter"])  # fmt: skip
    world.new_article("author", "Budget vote", categories=["Politics"])
    listing = world.api("editor", "GET", "/admin/api/articles?section=transport&per_page=3")
    data = listing.json()
    assert data["total"] == 7 and len(data["articles"]) == 3
    page3 = world.api("editor", "GET", "/admin/api/articles?section=Transport&per_page=3&page=3")
    assert len(page3.json()["articles"]) == 1
    found = world.api("editor", "GET", "/admin/api/articles?q=budg").json()
    assert [a["headline"] for a in found["articles"]] == ["Budget vote"]
    by = world.api("editor", "GET", "/admin/api/articles?author=ann%20reporter").json()
    assert by["total"] == 7
    drafts = world.api("editor", "GET", "/admin/api/articles?status=draft").json()
    assert drafts["total"] == 8
    bad = world.api("editor", "GET", "/admin/api/articles?status=lost")
    assert bad.status_code == 400 and "status must be one of" in bad.json()["error"]
    odd = world.api("editor", "GET", '/admin/api/articles?q=%22%29%20OR%20*').json()
    assert odd["total"] == 0


def test_articles_imported_on_the_command_line_are_listed_and_editable(
    world: World, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from permapress.newsroom.importing import import_paths

    source = tmp_path / "tide.md"
    source.write_text("---\ntitle: Tide tables printed\ndate: 2026-12-01\n---\n\nThe tables.\n",
                      encoding="utf-8")  # fmt: skip
    with Newsroom.open(world.home) as newsroom:
        import_paths(newsroom, [str(source)], fmt=None, note=None, now=datetime.now(UTC),
                     progress=False)  # fmt: skip
    listed = world.api("editor", "GET", "/admin/api/articles?q=tide").json()["articles"]
    assert [a["status"] for a in listed] == ["published"]
    slug = listed[0]["slug"]
    article = world.api("editor", "GET", f"/admin/api/articles/{slug}").json()
    assert article["revision"] == 0 and article["owner"] is None
    assert world.api("author", "GET", f"/admin/api/articles/{slug}").status_code == 403
    saved = world.api("editor", "PUT", f"/admin/api/articles/{slug}",
                      json={"revision": 0, "body": "The tables, corrected."})  # fmt: skip
    assert saved.status_code == 200 and saved.json()["changed"] is True
    fixed = world.api("editor", "POST", f"/admin/api/articles/{slug}/correct",
                      json={"note": "A misprint."})  # fmt: skip
    assert fixed.status_code == 200 and fixed.json()["version"] == 2
    _site_valid(world)


def test_search_folds_accents_and_completes_the_last_word(world: World) -> None:
    cafe = world.new_article("author", "Café owners protest", categories=["Economy"])
    canteen = world.new_article("author", "Cafeteria closes", categories=["Health"])

    def found(query: str) -> set[str]:
        answer = world.api("editor", "GET", f"/admin/api/articles?q={query}").json()
        assert answer["total"] == len(answer["articles"])
        return {a["slug"] for a in answer["articles"]}

    assert found("cafe") == found("café") == found("caf") == {cafe, canteen}
    assert found("Café own") == found("protest cafe") == {cafe}
    assert found("cafeteria") == {canteen}
    assert found("zebra") == set()
    narrowed = world.api("editor", "GET", "/admin/api/articles?q=caf&section=health").json()
    assert narrowed["total"] == 1 and narrowed["articles"][0]["slug"] == canteen
