"""The look, checked in a real browser: a small sample site rendered to a folder and opened
from file:// in Debian's chromium (Playwright), on a 390 px phone and a 1280 px desktop, in
light and dark mode. Every page must fit the viewport width (no horizontal scrolling), fetch
nothing from outside the folder, and the Download IPFS link must download the CAR beside it.

Screenshots go to test-artifacts/look/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from permapress.articles.model import Article, Media
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
from permapress.site.views import ArticleEntry, Section, SiteInfo, VersionInfo

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
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
    sections=(
        Section("Politics & Government", "politics-and-government"),
        Section("Health", "health"),
        Section("Environment", "environment"),
        Section("Economy", "economy"),
    ),
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
]


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
        if i % 3 != 2:
            media = (Media("lead.png", images[i % 4], "image/png"),)
            image = "lead.png"
        body = SEED_BODY if i == 0 else f"{summary}\n\n" + SEED_BODY.split("\n\n", 1)[1]
        if "media/doha.png" in body:
            media += (Media("doha.png", images[1], "image/png"),)
        art = Article(
            headline=headline,
            slug=f"story-{i}",
            published=start - timedelta(days=i, hours=3 * i),
            modified=None,
            authors=("Maya Cohen", "Sam Ortiz") if i % 2 == 0 else ("Lea Brun",),
            categories=(category,) if i else (category, "Health"),
            tags=("Gaza", "Diplomacy") if i == 0 else ("Harbour",),
            summary=summary,
            language="en",
            body=body,
            media=media,
            image=image,
        )
        versions = 2 if i == 0 else 1
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
        for v in versions:
            pages[f"{base}v/{v.number}/index.html"] = bundle
            for m in art.media:
                pages[f"{base}v/{v.number}/media/{m.name}"] = m.data
        car = _car(cid, bundle)
        pages[f"{base}{art.slug}.car"] = car
        cars[art.slug] = str(cid)
    for n, chunk in enumerate((entries[:5], entries[5:]), start=1):
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
        members = [e for e in entries if section.name in e.article.categories]
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
    pages["archive/2025/07/index.html"] = render_listing(
        SITE, title="July 2025", entries=entries, page=1, pages=1, root="../../../", kind="archive"
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
    "article": "articles/story-0/index.html",
    "article-no-image": "articles/story-2/index.html",
    "bundle": "articles/story-0/v/2/index.html",
    "category": "categories/health/index.html",
    "archive": "archive/index.html",
    "archive-month": "archive/2025/07/index.html",
    "not-found": "404.html",
}


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
