"""The look, checked in a real browser: a small sample site rendered to a folder and opened
from file:// in Debian's chromium (Playwright), on a 390 px phone and a 1280 px desktop, in
light and dark mode. Every page must fit the viewport width (no element wider than it, no
horizontal scrolling), show no text on top of other text, fetch nothing from outside the
folder, and pass axe-core's accessibility rules without a serious or critical violation; the
Download IPFS link must download the CAR beside it.

The sample has what readers meet: fifteen sections (more than the bar shows), a lead story
without a picture, an article whose only picture is in its text, an opinion piece and a
sponsored one, a corrected article (its history, its change page, a version's own page), an
author's page, a page of the newsroom's own (its corrections policy) and the 404 page.

Screenshots go to test-artifacts/look/ (git-ignored) for a person to look at. axe-core comes
from tests/interop (``npm ci`` there); without it the accessibility test is skipped.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from permapress.articles.model import Article, Media
from permapress.config import Author
from permapress.ipfs.car import read_car, write_car
from permapress.ipfs.cid import CID
from permapress.site.render import (
    listing_path,
    relative_root,
    render_archive_index,
    render_article_page,
    render_bundle_index,
    render_listing,
    render_not_found,
    site_css,
)
from permapress.site.render_record import render_diff_page, render_history_page
from permapress.site.trustinfo import NewsroomPage, page_policies
from permapress.site.trustpages import author_path, render_author_page
from permapress.site.views import ArticleEntry, Section, SiteInfo, VersionInfo

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parents[1] / "interop" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "look"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 900)}
SITE = SiteInfo(
    name="The Harbour Ledger",
    tagline="Independent reporting from the coast since 1998",
    language="en",
    base_url=None,
    fingerprint="ed25519:7f3c9a0e51b2d4c68a9e0f1b3d5c7e9a",
    # the busiest first, as the build lists them: the bar shows 8, its menu all 15
    sections=tuple(
        Section(name, name.lower().replace(" & ", "-and-").replace(" ", "-"))
        for name in (
            "Politics & Government", "Health", "Environment", "Economy", "Opinion", "Justice",
            "Education", "Transport", "Culture", "Sport", "Science & Technology", "Society",
            "Labour", "Weather", "World",
        )
    ),  # fmt: skip
    authors=(
        Author("maya-cohen", "Maya Cohen", "Diplomatic correspondent",
               "Maya has reported on the Middle East for fifteen years, from Jerusalem, Cairo "
               "and Doha.", None, ("https://social.example/@maya",)),
        Author("ruth-calloway", "Ruth Calloway", "Columnist",
               "Ruth writes a weekly column. Her views are her own."),
    ),  # fmt: skip
    pages=(
        NewsroomPage("about", "About us", "articles/about/index.html", page_policies("about")),
        NewsroomPage("corrections-policy", "Corrections policy",
                     "articles/corrections-policy/index.html",
                     page_policies("corrections-policy")),
        NewsroomPage("contact", "Contact and tips", "articles/contact/index.html",
                     page_policies("contact")),
    ),  # fmt: skip
)
SLUGS = {s.name: s.slug for s in SITE.sections}
SEED_BODY = """Israeli Prime Minister Benjamin Netanyahu traveled to Washington this week for \
high-stakes talks with Donald Trump, as efforts to end the 21-month war in Gaza gathered \
momentum. The meeting, held behind closed doors at the White House, underscored the United \
States' central role in trying to broker a ceasefire between Israel and Hamas while balancing \
broader regional tensions.

He added that Israel and the U.S. were in close contact to find countries willing to host \
displaced Palestinians.

> "We've had great cooperation from surrounding countries, great cooperation from every single \
one of them," Trump said.

## Talks in Doha

Yet the path to peace remains complex. In Doha, Qatar's capital, Israeli and Hamas negotiators \
continued indirect talks on a phased ceasefire agreement. The proposal calls for releasing \
hostages in stages, withdrawing Israeli troops from parts of Gaza, and eventually ending the \
conflict.

![Negotiators' hotel on the Doha waterfront](media/doha.png)

The Gaza war, triggered by Hamas's deadly October 2023 attack on southern Israel, has devastated \
the coastal enclave. The United Nations has warned that nearly half a million people are on the \
brink of famine."""
STORIES = [
    (
        "Council approves the new harbour wall after a decade of delays",
        "Politics & Government",
        "Councillors voted 31 to 9 for the £48 million scheme; work starts in spring.",
    ),
    (
        "Netanyahu, Trump Push for Gaza Ceasefire in DC Talks",
        "Politics & Government",
        "Talks at the White House as negotiators meet in Doha on a phased agreement.",
    ),
    (
        "Harbour council passes budget after all-night session",
        "Politics & Government",
        "Ferry subsidies survive; the fish market renovation is delayed to 2027.",
    ),
    (
        "Measles cases rise in three coastal districts",
        "Health",
        "Clinics extend opening hours as vaccination rates fall below 90 percent.",
    ),
    (
        "Seagrass meadows return to the northern bay",
        "Environment",
        "Divers count twice as many shoots as five years ago, a survey finds.",
    ),
    (
        "Port workers vote to strike over night-shift pay",
        "Economy",
        "The union says talks broke down on Friday; the port authority disagrees.",
    ),
    (
        "Hospital wait times: what the new figures show",
        "Health",
        "Median waits for hip surgery fell by a month, but not everywhere.",
    ),
    (
        "Storm surge defences: a decade of delays",
        "Environment",
        "Documents show the flood wall was redesigned four times since 2015.",
    ),
    (
        "The night ferry is not a luxury",
        "Opinion",
        "Cutting the last sailing would save little and cost the islands a great deal.",
    ),
    (
        "Ten years of the harbour market, in pictures",
        "Culture",
        "A local bakery looks back on a decade of Saturday stalls.",
    ),
]
OPINION, SPONSORED, CORRECTED, BODY_IMAGE_ONLY = 8, 9, 1, 3
NEWSROOM_PAGES = {
    "about": ("About us", "Who we are, who pays for our work and who answers for it."),
    "corrections-policy": ("Corrections policy", "How we correct mistakes, openly."),
    "contact": ("Contact and tips", "How to reach the newsroom and send a tip safely."),
}


def png(width: int, height: int, hue: int) -> bytes:
    """A small landscape picture (sky, sun, hills, sea) as a real PNG file."""
    tints = [(214, 140, 90), (90, 150, 200), (120, 170, 120), (180, 120, 160)]
    tr, tg, tb = tints[hue % len(tints)]
    rows = bytearray()
    sun_x, sun_y, sun_r = width * 0.7, height * 0.35, height * 0.11
    for y in range(height):
        rows.append(0)
        sea = y > height * 0.62
        for x in range(width):
            hill = height * (0.55 + 0.06 * ((x * 7 // width) % 3) - 0.03 * (x / width))
            if (x - sun_x) ** 2 + (y - sun_y) ** 2 < sun_r**2:
                rgb = (250, 226, 170)
            elif sea:
                band = 12 if (y // 6 + x // 40) % 5 == 0 else 0
                rgb = (30 + band, 60 + band + y * 40 // height, 95 + band + y * 50 // height)
            elif y > hill:
                rgb = (52, 64 + x * 20 // width, 58)
            else:
                t = y / height
                rgb = (int(tr + (235 - tr) * t), int(tg + (225 - tg) * t), int(tb + (215 - tb) * t))
            rows += bytes(rgb)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 6))
        + chunk(b"IEND", b"")
    )


def sample_entries() -> list[ArticleEntry]:
    start = datetime(2025, 7, 8, 9, 30, tzinfo=UTC)
    images = {i: png(480, 270, i) for i in range(4)}
    entries = []
    for i, (headline, category, summary) in enumerate(STORIES):
        media: tuple[Media, ...] = ()
        image = None
        if i % 3 == 1 and i != BODY_IMAGE_ONLY:
            media = (Media("lead.png", images[i % 4], "image/png"),)
            image = "lead.png"
        body = SEED_BODY if i == CORRECTED else f"{summary}\n\n" + SEED_BODY.split("\n\n", 1)[1]
        if i == CORRECTED:
            # a local image right after the drop-cap paragraph
            picture = "![The White House at dusk](media/doha.png)"
            body = body.replace("\n\nHe added", f"\n\n{picture}\n\nHe added", 1)
        if i == 0:  # the lead story: no picture at all
            body = "\n\n".join(b for b in body.split("\n\n") if "media/" not in b)
        if "media/doha.png" in body:
            media += (Media("doha.png", images[1], "image/png"),)
        genre = {OPINION: "opinion", SPONSORED: "sponsored"}.get(i, "")
        authors = {OPINION: ("Ruth Calloway",), SPONSORED: ("Harbour Bakery",),
                   CORRECTED: ("Maya Cohen", "Sam Ortiz")}.get(  # fmt: skip
            i, ("Maya Cohen", "Sam Ortiz") if i % 2 == 0 else ("Lea Brun",)
        )
        art = Article(
            headline=headline,
            slug=f"story-{i}",
            published=start - timedelta(days=i, hours=3 * i),
            modified=start - timedelta(days=i, hours=3 * i - 2),  # the same day: not "Updated"
            authors=authors,
            categories=(category,) if i != CORRECTED else (category, "Health"),
            tags=("Gaza", "Diplomacy") if i == CORRECTED else ("Harbour",),
            summary=summary if i != 0 else "",
            language="en",
            body=body,
            media=media,
            image=image,
            genre=genre,
            sources=(
                ("White House pool report, 7 July 2025 https://example.org/pool",
                 "Interviews with two members of the negotiating teams")
                if i == CORRECTED else ()
            ),  # fmt: skip
            methods="Our correspondent followed the talks in Washington and spoke to diplomats "
            "in Doha by phone." if i == CORRECTED else "",
            location="Washington" if i == CORRECTED else "",
        )
        versions = 2 if i == CORRECTED else 1
        infos = tuple(
            VersionInfo(
                n,
                "",
                art.published + timedelta(hours=26 * (n - 1)),
                "First published." if n == 1 else "Corrected the number of negotiators in Doha.",
            )
            for n in range(1, versions + 1)
        )
        entries.append(ArticleEntry(art, "", infos))
    for slug, (title, summary) in NEWSROOM_PAGES.items():
        page = Article(
            headline=title, slug=slug, published=start - timedelta(days=90), modified=None,
            authors=(), categories=(), tags=(), summary=summary, language="en",
            body=f"{summary}\n\n## What we do\n\n" + SEED_BODY.split("\n\n")[1],
            genre="page",
        )  # fmt: skip
        entries.append(ArticleEntry(page, "", (VersionInfo(1, "", page.published, ""),)))
    return entries


def write_site(folder: Path) -> dict[str, str]:
    """Render the sample site into ``folder``; return the CAR bytes' CIDs by slug."""
    pages: dict[str, bytes] = {
        "assets/site.css": site_css().encode(),
        "404.html": render_not_found(SITE),
    }
    cars: dict[str, str] = {}
    entries = []
    for e in sample_entries():
        art = e.article
        bundle = render_bundle_index(art, site_name=SITE.name, version=e.version_number)
        cid = CID.hash(bundle)  # stands in for the bundle folder's CID (a raw block of its page)
        versions = tuple(VersionInfo(v.number, str(cid), v.created, v.note) for v in e.versions)
        e = ArticleEntry(art, str(cid), versions)
        entries.append(e)
        base = f"articles/{art.slug}/"
        pages[base + "index.html"] = render_article_page(e, SITE, category_slugs=SLUGS)
        pages[base + "history/index.html"] = render_history_page(
            e, SITE, downloads=True, records={}
        )
        for v in versions:
            pages[f"{base}v/{v.number}/index.html"] = bundle
            for m in art.media:
                pages[f"{base}v/{v.number}/media/{m.name}"] = m.data
            if v.number > 1:
                pages[f"{base}history/{v.number}/index.html"] = render_diff_page(
                    e, SITE, number=v.number, inserted=2, deleted=1,
                    diff="Negotiators from <del>four</del> <ins>five</ins> countries met.",
                )  # fmt: skip
        car = _car(cid, bundle)
        pages[f"{base}{art.slug}.car"] = car
        cars[art.slug] = str(cid)
    news = [e for e in entries if e.article.genre != "page"]
    for n, chunk in enumerate((news[:6], news[6:]), start=1):
        path = listing_path("", n)
        pages[path] = render_listing(
            SITE,
            title=SITE.name,
            entries=chunk,
            page=n,
            pages=2,
            root=relative_root(path),
            kind="home",
        )
    for section in SITE.sections:
        members = [e for e in news if section.name in e.article.categories]
        path = listing_path(f"categories/{section.slug}/", 1)
        pages[path] = render_listing(
            SITE,
            title=section.name,
            entries=members,
            page=1,
            pages=1,
            root=relative_root(path),
            kind="category",
            description=f"Reporting on {section.name.lower()} from the coast.",
        )
    for author in SITE.authors:
        members = [e for e in news if author.name in e.article.authors]
        pages[author_path(author.slug)] = render_author_page(SITE, author, entries=members)
    pages["archive/2025/07/index.html"] = render_listing(
        SITE, title="July 2025", entries=news, page=1, pages=1, root="../../../", kind="archive"
    )
    pages["archive/index.html"] = render_archive_index(
        SITE, [(2025, 7, 7), (2025, 6, 14), (2024, 12, 3)]
    )
    for path, data in pages.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return cars


def _car(cid: CID, block: bytes) -> bytes:
    import io

    out = io.BytesIO()
    write_car([cid], [(cid, block)], out)
    return out.getvalue()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("look-site")
    return folder, write_site(folder)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed at /usr/bin/chromium (apt install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()


# Lazy images below the fold load only when scrolled to: ask for all of them, then list those
# that fail to decode.
LOAD_ALL_IMAGES = """async () => {
  const failed = [];
  for (const img of document.images) {
    img.loading = "eager";
    try { await img.decode(); } catch (e) { failed.push(img.src); }
    if (img.naturalWidth === 0 && !failed.includes(img.src)) failed.push(img.src);
  }
  return failed;
}"""
PAGES = {
    "home": "index.html",
    "home-page-2": "page/2/index.html",
    "article": "articles/story-1/index.html",
    "article-no-image": "articles/story-2/index.html",
    "opinion": "articles/story-8/index.html",
    "sponsored": "articles/story-9/index.html",
    "author": "authors/maya-cohen/index.html",
    "history": "articles/story-1/history/index.html",
    "diff": "articles/story-1/history/2/index.html",
    "bundle": "articles/story-1/v/2/index.html",
    "newsroom-page": "articles/corrections-policy/index.html",
    "category": "categories/health/index.html",
    "archive": "archive/index.html",
    "archive-month": "archive/2025/07/index.html",
    "not-found": "404.html",
}

# Elements wider than the viewport (inside no scrolling box), as "tag.class: right edge".
TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden") return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right < 0) continue;  // empty, or the skip link
    if ((r.right > width + 1 || r.left < -1) && !scrolls(el)) {
      const where = `${Math.round(r.left)}..${Math.round(r.right)}`;
      out.push(`${el.tagName.toLowerCase()}.${el.className}: ${where}`);
    }
  }
  return out;
}"""

AXE_RUN = """async () => {
  const found = await axe.run(document, {resultTypes: ["violations"]});
  return found.violations.map(v => ({
    id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(" ")),
  }));
}"""

# Pairs of text lines (from different text nodes) whose boxes overlap.
OVERLAPS = """() => {
  const boxes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const parent = node.parentElement;
    if (!parent.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width < 1 || r.height < 1 || r.right < 0) continue;
      boxes.push({node, r, text: node.textContent.trim().slice(0, 30)});
    }
  }
  boxes.sort((a, b) => a.r.top - b.r.top);
  const out = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length && boxes[j].r.top < boxes[i].r.bottom; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.node === b.node) continue;
      const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
      const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
      if (x > 2 && y > 4) out.push(`${a.text} / ${b.text}`);
    }
  }
  return out;
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_pages_fit_and_fetch_nothing_external(
    site: tuple[Path, dict[str, str]], browser: object, device: str, scheme: str
) -> None:
    folder, _ = site
    width, height = VIEWPORTS[device]
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": width, "height": height}, color_scheme=scheme
    )
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        for name, path in PAGES.items():
            page.goto((folder / path).as_uri())
            scroll = page.evaluate("document.documentElement.scrollWidth")
            inner = page.evaluate("window.innerWidth")
            assert scroll <= inner, f"{name} overflows at {width}px: {scroll} > {inner}"
            assert page.evaluate(TOO_WIDE) == [], f"{name}: wider than {width}px"
            assert page.evaluate(OVERLAPS) == [], f"{name}: text on text at {width}px"
            broken = page.evaluate(LOAD_ALL_IMAGES)
            assert broken == [], f"{name}: images that did not load: {broken}"
            background = page.evaluate("getComputedStyle(document.body).backgroundColor")
            dark = background not in ("rgb(253, 252, 249)", "rgb(255, 255, 255)")
            assert dark == (scheme == "dark"), f"{name}: background {background} in {scheme} mode"
            page.screenshot(path=str(ARTIFACTS / f"{name}-{device}-{scheme}.png"), full_page=True)
    finally:
        context.close()
    outside = [u for u in requests if not u.startswith(folder.as_uri())]
    assert outside == []


def test_download_ipfs_link_downloads_the_car(
    site: tuple[Path, dict[str, str]], browser: object
) -> None:
    folder, cars = site
    context = browser.new_context(accept_downloads=True)  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        page.goto((folder / "articles/story-0/index.html").as_uri())
        link = page.get_by_role("link", name="Download IPFS", exact=True)
        assert link.count() == 1
        page.keyboard.press("Tab")  # keyboard use: focus rings are drawn from now on
        link.focus()
        ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert ring == "solid", "the focused Download IPFS link shows no focus ring"
        with page.expect_download() as info:
            link.click()
        download = info.value
        assert download.suggested_filename == "story-0.car"
        saved = Path(download.path())
        with saved.open("rb") as stream:
            reader = read_car(stream)
            assert [str(r) for r in reader.roots] == [cars["story-0"]]
        cid_text = page.locator("code.cid").inner_text()
        assert cid_text == cars["story-0"]
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_no_serious_accessibility_violations(
    site: tuple[Path, dict[str, str]], browser: object, device: str, scheme: str
) -> None:
    """axe-core's rules (WCAG 2.x A and AA and best practices) on every sample page: no
    violation whose impact is serious or critical."""
    if not AXE.is_file():
        pytest.skip("axe-core is not installed: run `npm ci` in tests/interop")
    folder, _ = site
    width, height = VIEWPORTS[device]
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": width, "height": height}, color_scheme=scheme
    )
    page = context.new_page()
    found: list[str] = []
    try:
        for name, path in PAGES.items():
            page.goto((folder / path).as_uri())
            page.add_script_tag(path=str(AXE))
            violations = page.evaluate(AXE_RUN)
            found += [
                f"{name}: {v['id']} ({v['impact']}) at {v['nodes'][:3]}"
                for v in violations
                if v["impact"] in ("serious", "critical")
            ]
    finally:
        context.close()
    assert found == []


def test_every_section_is_reachable_on_a_phone(
    site: tuple[Path, dict[str, str]], browser: object
) -> None:
    """On a 390 px phone the bar shows the front page, the archive and a menu that opens on
    every section; on a desktop the busiest sections are in the bar, the rest in the menu."""
    folder, _ = site
    context = browser.new_context(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        page.goto((folder / "index.html").as_uri())
        bar = page.locator("nav.sections")
        assert bar.get_by_role("link", name="Archive").is_visible()
        assert bar.get_by_role("link", name="Front page").is_visible()
        page.locator("nav.sections summary").click()
        menu = page.locator("nav.sections details ul a")
        names = [menu.nth(i).inner_text().strip().lower() for i in range(menu.count())]
        assert sorted(names) == sorted(s.name.lower() for s in SITE.sections)
        assert all(menu.nth(i).is_visible() for i in range(menu.count()))
        page.screenshot(path=str(ARTIFACTS / "menu-open-phone-light.png"), full_page=False)
        page.set_viewport_size({"width": 1280, "height": 900})
        shown = page.locator("nav.sections .sections__list a")
        labels = [shown.nth(i).inner_text().strip() for i in range(shown.count())]
        assert len(labels) == 1 + 8 + 1  # front page, the 8 busiest, archive
        assert all(shown.nth(i).is_visible() for i in range(shown.count()))
    finally:
        context.close()


def test_trust_indicators_are_on_the_pages(site: tuple[Path, dict[str, str]]) -> None:
    """What a reader judges a piece by: its type of work, linked byline, sources, methods,
    the correction with a link to the policy, and the newsroom's pages in the footer."""
    folder, _ = site
    article = (folder / "articles/story-1/index.html").read_text()
    assert "How we reported this" in article and "Sources and references" in article
    assert 'href="../../authors/maya-cohen/index.html"' in article
    assert 'href="../../articles/corrections-policy/index.html">How we correct' in article
    assert "<figcaption>The White House at dusk</figcaption>" in article
    opinion = (folder / "articles/story-8/index.html").read_text()
    assert 'class="genre genre--opinion">Opinion<' in opinion
    assert '"@type":"OpinionNewsArticle"' in opinion
    home = (folder / "index.html").read_text() + (folder / "page/2/index.html").read_text()
    assert 'class="genre genre--sponsored">Sponsored content<' in home
    assert ">Corrections policy</a>" in home
    single = (folder / "articles/story-2/index.html").read_text()
    assert "Updated" not in single  # one version, whatever its front matter says
