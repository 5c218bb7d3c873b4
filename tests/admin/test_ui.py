"""The editor in a real browser: Debian's chromium (Playwright) against `permapress serve` with
its admin origin, on 127.0.0.1, over a fresh newsroom with one person per role.

A contributor writes and submits, an editor finds it in review and publishes, the article is on
the public site with a Download IPFS link whose CAR `permapress verify` accepts; a correction
made in the editor shows on the page and in the history. Then the safety checks: CSRF refused,
markup in every field shown as text, two tabs on one article (the second save gets the conflict
with a diff and keeps its text), buttons a role may not use are absent and the action is refused.

Screenshots go to test-artifacts/admin/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "admin"
STATIC = Path(__file__).resolve().parents[2] / "permapress" / "admin" / "ui" / "static"
PASSWORD = "correct horse battery staple"
# a busy machine (the whole suite, other work) can take seconds per request: wait that long
expect.set_options(timeout=20_000)
XSS = '<img src=x onerror="window.__xss=1">"><script>window.__xss=2</script>'


def _permapress() -> str:
    beside = Path(sys.executable).parent / "permapress"
    return str(beside) if beside.exists() else shutil.which("permapress") or "permapress"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _png(width: int = 8, height: int = 6) -> bytes:
    """A small valid PNG (solid colour), made here so the test needs no image files."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x2a\x6f\xb4" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@dataclass
class Person:
    email: str
    role: str
    token: str


@dataclass
class Newsroom:
    home: Path
    site: str  # the public origin (site and /ipfs/)
    admin: str  # the admin origin
    people: dict[str, Person]

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [_permapress(), *args, "--home", str(self.home)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr or done.stdout
        return done.stdout

    def add_person(self, key: str, role: str) -> Person:
        """Invite someone with the command line and accept the invitation with the API."""
        email = f"{key}@harbour.example"
        out = self.cli("users", "add", email, "--role", role)
        match = re.search(r"/admin/invite/([A-Za-z0-9_\-]+)", out)
        assert match, out
        token = self.cli("tokens", "create", "--user", email).strip().splitlines()[-1]
        self.people[key] = Person(email, role, token.strip())
        answer = httpx.post(
            f"{self.admin}/admin/api/invite/{match.group(1)}",
            json={"password": PASSWORD, "name": f"{key.title()} Person"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        return self.people[key]

    def api(self, role: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.people[role].token}"}
        headers.update(kwargs.pop("headers", {}))
        return httpx.request(method, self.admin + path, headers=headers, timeout=60, **kwargs)


def _wait_for(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"permapress serve ended early with {proc.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    """A folder of this module's own (pytest's numbered temporary folders can be cleared by
    another pytest run on the same machine while a long browser test still uses them)."""
    with tempfile.TemporaryDirectory(prefix="permapress-ui-") as folder:
        yield Path(folder)


@pytest.fixture(scope="module")
def newsroom(workdir: Path) -> Iterator[Newsroom]:
    if not (STATIC / "admin.js").is_file():
        pytest.fail("the editor's bundle is missing: run `make admin-assets`")
    home = workdir / "newsroom"
    subprocess.run(
        [_permapress(), "init", str(home), "--name", "The Harbour Ledger"],
        check=True,
        capture_output=True,
    )
    site_port, admin_port = _free_port(), _free_port()
    admin = f"http://127.0.0.1:{admin_port}"
    room = Newsroom(home, f"http://127.0.0.1:{site_port}", admin, {})
    invites = {}
    for role in ("admin", "editor", "author", "contributor"):
        email = f"{role}@harbour.example"
        out = room.cli("users", "add", email, "--role", role)
        match = re.search(r"/admin/invite/([A-Za-z0-9_\-]+)", out)
        assert match, out
        invites[role] = match.group(1)
        token = room.cli("tokens", "create", "--user", email).strip().splitlines()[-1]
        room.people[role] = Person(email, role, token.strip())
    log = (workdir / "serve.log").open("wb")
    proc = subprocess.Popen(
        [_permapress(), "serve", "--home", str(home)]
        + ["--port", str(site_port), "--admin-port", str(admin_port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(admin + "/admin/login", proc)
        _wait_for(room.site + "/", proc)
        for role, secret in invites.items():
            answer = httpx.post(
                f"{admin}/admin/api/invite/{secret}",
                json={"password": PASSWORD, "name": f"{role.title()} Person"},
                timeout=30,
            )
            assert answer.status_code == 200, answer.text
        yield room
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


class Watch:
    """Everything a page does that it should not: script dialogs, markup run as script,
    Content-Security-Policy violations, console errors."""

    def __init__(self, page: Any) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on(
            "console",
            lambda msg: self.errors.append(msg.text) if msg.type == "error" else None,
        )

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


def signed_in(browser: Any, room: Newsroom, role: str, *, width: int = 1280) -> tuple[Any, Any]:
    """A browser context of its own for ``role``, signed in through the login page."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(room.admin + "/admin/")
    page.wait_for_url(re.compile(r"/admin/login"))
    page.fill("#email", room.people[role].email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    try:
        page.wait_for_url(room.admin + "/admin/")
    except Exception:
        shot(page, f"failed-sign-in-{role}")
        raise
    return context, page


def shot(page: Any, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def type_body(page: Any, lines: list[str]) -> None:
    page.click(".TinyMDE")
    page.keyboard.press("Control+End")
    for number, line in enumerate(lines):
        if number:
            page.keyboard.press("Enter")
        page.keyboard.type(line)


def wait_saved(page: Any, timeout: float = 20_000) -> None:
    page.wait_for_selector("#save-state[data-kind=saved]", timeout=timeout)


def page_fetch(page: Any, method: str, path: str, body: Any = None, csrf: bool = True) -> Any:
    """A request from inside the signed-in page (its cookie goes along), as a script would."""
    return page.evaluate(
        """async ([method, path, body, csrf]) => {
            const headers = {"Content-Type": "application/json"};
            const meta = document.querySelector('meta[name=csrf-token]');
            if (csrf) headers["X-CSRF-Token"] = meta.content;
            const payload = body === null ? undefined : JSON.stringify(body);
            const r = await fetch(path, {method, headers, body: payload});
            let data = null; try { data = await r.json(); } catch (e) {}
            return {status: r.status, data};
        }""",
        [method, path, body, csrf],
    )


def visible_actions(page: Any) -> set[str]:
    names = page.eval_on_selector_all(
        "[data-action]", "els => els.filter(e => !e.hidden).map(e => e.dataset.action)"
    )
    return set(names)


# ---- the newsroom's day ------------------------------------------------------------------------


def test_contributor_writes_editor_publishes_and_corrects(
    newsroom: Newsroom, browser: Any, workdir: Path
) -> None:
    room = newsroom
    context, page = signed_in(browser, room, "contributor")
    watch = Watch(page)
    shot(page, "01-list-contributor")
    page.click("text=New article")
    page.wait_for_selector(".TinyMDE")
    page.fill("#field-headline", "Harbour dredging starts in March")
    page.fill("#field-summary", "The port authority confirmed the dates on Monday.")
    page.fill("#field-categories", "Environment")
    page.fill("#field-tags", "harbour, dredging")
    page.fill("#field-authors", "Contributor Person")
    page.select_option("#field-genre", "news")
    type_body(
        page, ["Work begins on the north channel.", "", "Fishing boats will use the south quay."]
    )
    # the toolbar: bold a word typed after it
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.click(".TMCommandButton_Inactive[title^='Bold'], .TMCommandButton[title^='Bold']")
    page.keyboard.type("Dates are final")
    page.keyboard.press("End")
    # autosave, without pressing anything: the new article gets its slug and address
    page.wait_for_url(re.compile(r"/admin/articles/[a-z0-9-]+$"), timeout=20_000)
    wait_saved(page)
    slug = page.url.rsplit("/", 1)[1]
    # the live preview is our renderer's HTML
    page.wait_for_selector("#preview-body strong:has-text('Dates are final')")
    # an image, uploaded into the article's media and put in the text
    image = workdir / "north-channel.png"
    image.write_bytes(_png())
    page.set_input_files("#media-file", str(image))
    page.wait_for_selector("#preview-body img")
    wait_saved(page)
    shot(page, "02-editor-contributor")
    assert visible_actions(page) == {"save", "submit", "preview_link"}
    page.click("[data-action=submit]")
    page.wait_for_selector("#status.status-submitted")
    saved = room.api("editor", "GET", f"/admin/api/articles/{slug}").json()
    assert saved["status"] == "submitted"
    assert "Fishing boats will use the south quay." in saved["body"]
    assert "**Dates are final**" in saved["body"]
    assert "media/north-channel.png" in saved["body"]
    assert saved["categories"] == ["Environment"]
    assert saved["tags"] == ["harbour", "dredging"]
    assert saved["genre"] == "news"
    assert not watch.dialogs and not watch.errors, watch.errors
    context.close()

    # the editor finds it in review and publishes it
    context, page = signed_in(browser, room, "editor")
    watch = Watch(page)
    page.select_option("#status", "submitted")
    row = page.wait_for_selector(f"tr[data-slug='{slug}']")
    assert "In review" in row.inner_text()
    shot(page, "03-list-editor-in-review")
    page.click(f"tr[data-slug='{slug}'] a")
    page.wait_for_selector("#status.status-submitted")
    assert {"publish", "schedule", "preview_link", "save"} <= visible_actions(page)
    page.click("[data-action=publish]")
    page.wait_for_selector("#status.status-published", timeout=60_000)
    assert visible_actions(page) >= {"correct", "retract"}
    assert "publish" not in visible_actions(page)
    shot(page, "04-editor-published")

    # on the public site, with a Download IPFS link whose CAR verifies
    reader = browser.new_page()
    reader.goto(room.site + "/")
    reader.click("text=Harbour dredging starts in March")
    reader.wait_for_selector("h1.headline")
    assert "Fishing boats will use the south quay." in reader.inner_text(".body")
    href = reader.get_attribute("a:has-text('Download IPFS')", "href")
    assert href
    car = httpx.get(httpx.URL(reader.url).join(href), timeout=60)
    assert car.status_code == 200
    car_file = workdir / f"{slug}.car"
    car_file.write_bytes(car.content)
    fingerprint = json.loads(room.cli("keys", "show", "--json"))["fingerprint"]
    verified = subprocess.run(
        [_permapress(), "verify", str(car_file), "--key", fingerprint],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    shot(reader, "05-site-article")

    # a correction through the editor: on the page and in the history
    page.click(".TinyMDE")
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("Work on the south quay starts in April.")
    page.click("[data-action=correct]")
    page.fill("#correct-note", "The south quay work starts in April, not March.")
    page.click("#correct-dialog button[type=submit]")
    page.wait_for_selector("#notice.ok:has-text('Correction published')", timeout=60_000)
    page.wait_for_selector("#versions-list li:nth-child(2)")
    assert "not March" in page.inner_text("#versions-list")
    shot(page, "06-editor-corrected")
    reader.reload()
    assert "Work on the south quay starts in April." in reader.inner_text(".body")
    assert "not March" in reader.inner_text(".story__head .updated")
    reader.click("a:has-text('Version history')")
    reader.wait_for_selector("text=not March")
    shot(reader, "07-site-history")
    assert not watch.dialogs and not watch.errors, watch.errors
    context.close()


def test_a_second_factor_set_up_in_the_browser_is_asked_for_at_sign_in(
    newsroom: Newsroom, browser: Any
) -> None:
    import pyotp

    room = newsroom
    room.add_person("guarded", "author")  # a person of its own: the others keep signing in
    context, page = signed_in(browser, room, "guarded")
    page.click(".topbar .who")
    page.wait_for_selector("#totp-state:has-text('Off')")
    page.click("#totp-start")
    # the key is shown when the server's answer arrives, not at the click
    # (a text match, not wait_for_function: the admin's CSP refuses the eval that polls with)
    expect(page.locator("#totp-secret")).to_have_text(re.compile(r"\S"))
    secret = page.inner_text("#totp-secret").replace(" ", "")
    assert page.get_attribute("#totp-uri", "href", timeout=5_000).startswith("otpauth://")
    page.fill("#totp-code", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.click("#totp-confirm button[type=submit]")
    page.wait_for_selector("#account-message.error")  # a wrong code: said, nothing changed
    page.fill("#totp-code", pyotp.TOTP(secret).now())
    page.click("#totp-confirm button[type=submit]")
    page.wait_for_selector("#totp-state:has-text('On')")
    shot(page, "08-account-second-factor")
    page.click(".topbar button:has-text('Sign out')")
    page.wait_for_url(re.compile(r"/admin/login"))
    # signing in again: the code field comes after the password, the email is kept
    assert page.locator("#totp").count() == 0
    page.fill("#email", room.people["guarded"].email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#totp")
    expect(page.locator("#email")).to_have_value(room.people["guarded"].email)
    shot(page, "08-login-code")
    page.fill("#password", PASSWORD)
    page.fill("#totp", pyotp.TOTP(secret).now())
    page.click("button[type=submit]")
    page.wait_for_url(room.admin + "/admin/")
    context.close()


def test_people_are_invited_and_managed_by_role(newsroom: Newsroom, browser: Any) -> None:
    room = newsroom
    # an editor invites authors and contributors, nobody else
    context, page = signed_in(browser, room, "editor")
    page.click(".topbar a:has-text('People')")
    page.wait_for_selector("#people tbody tr")
    options = page.eval_on_selector_all("#invite-role option", "os => os.map(o => o.value)")
    assert sorted(options) == ["author", "contributor"]
    page.fill("#invite-email", "stringer@harbour.example")
    page.fill("#invite-name", "Sam Stringer")
    page.click("#invite-new button[type=submit]")
    page.wait_for_selector("#invite-result:not([hidden])")
    assert "/admin/invite/" in page.input_value("#invite-link")
    page.wait_for_selector("#people tr:has-text('stringer@harbour.example')")
    assert page.locator("#people select").count() == 0  # no role changes for editors
    shot(page, "19-people-editor")
    refused = page_fetch(
        page, "POST", "/admin/api/users", {"email": "x@y.example", "role": "admin"}
    )
    assert refused["status"] == 403
    context.close()
    # an admin changes a role and removes someone (asked twice)
    context, page = signed_in(browser, room, "admin")
    page.goto(room.admin + "/admin/people")
    row = page.wait_for_selector("#people tr:has-text('stringer@harbour.example')")
    row.query_selector("select").select_option("author")
    page.wait_for_selector("#people tr:has-text('stringer@harbour.example') td:has-text('author')")
    page.click("#people tr:has-text('stringer@harbour.example') button:has-text('Remove')")
    page.click("#people tr:has-text('stringer@harbour.example') button:has-text('Remove')")
    expect(page.locator("#people tr:has-text('stringer@harbour.example')")).to_have_count(0)
    shot(page, "20-people-admin")
    context.close()
    # a contributor has no People page: no link, and the page and the API refuse
    context, page = signed_in(browser, room, "contributor")
    assert page.locator(".topbar a:has-text('People')").count() == 0
    answer = page.goto(room.admin + "/admin/people")
    assert answer is not None and answer.status == 403
    assert page_fetch(page, "GET", "/admin/api/users")["status"] == 403
    context.close()


# ---- safety ------------------------------------------------------------------------------------


def test_csrf_is_refused(newsroom: Newsroom, browser: Any) -> None:
    room = newsroom
    context, page = signed_in(browser, room, "editor")
    before = room.api("editor", "GET", "/admin/api/articles").json()["total"]
    without = page_fetch(page, "POST", "/admin/api/articles", {"headline": "No token"}, csrf=False)
    assert without["status"] == 403
    wrong = page.evaluate(
        """async () => (await fetch('/admin/api/articles', {method: 'POST',
            headers: {'Content-Type': 'application/json', 'X-CSRF-Token': 'forged'},
            body: JSON.stringify({headline: 'Forged token'})})).status"""
    )
    assert wrong == 403
    # a form posted with the editor's cookie and a token that is not the session's
    with page.expect_navigation():
        page.evaluate(
            """() => {
            const form = document.createElement('form');
            form.method = 'post';
            form.action = '/admin/logout';
            const field = document.createElement('input');
            field.name = 'csrf_token';
            field.value = 'forged';
            form.append(field);
            document.body.append(form);
            form.submit();
        }"""
        )
    assert "csrf" in page.inner_text("body").lower()
    page.goto(room.admin + "/admin/")
    assert page.url == room.admin + "/admin/", "a forged sign-out form ended the session"
    assert room.api("editor", "GET", "/admin/api/articles").json()["total"] == before
    # every form that posts carries the token
    forms = page.eval_on_selector_all(
        "form[method=post]", "fs => fs.map(f => !!f.querySelector('[name=csrf_token]').value)"
    )
    assert forms and all(forms)
    context.close()


def test_markup_in_every_field_is_shown_as_text(newsroom: Newsroom, browser: Any) -> None:
    room = newsroom
    fields = {
        "headline": f"Headline {XSS}",
        "summary": f"Summary {XSS}",
        "body": f"Body {XSS}\n\n[link](javascript:window.__xss=3)\n\n<iframe src=x></iframe>",
        "categories": [f"Section {XSS}"],
        "tags": [f"tag {XSS}"],
        "authors": [f"Author {XSS}"],
        "image": f"{XSS}.png",
    }
    created = room.api("editor", "POST", "/admin/api/articles", json=fields)
    if created.status_code != 201:  # a field refused outright is fine too; try without it
        fields.pop("image")
        created = room.api("editor", "POST", "/admin/api/articles", json=fields)
    assert created.status_code == 201, created.text
    slug = created.json()["slug"]
    context, page = signed_in(browser, room, "editor")
    watch = Watch(page)
    page.fill("#q", "Headline")
    page.press("#q", "Enter")
    row = page.wait_for_selector(f"tr[data-slug='{slug}']")
    assert XSS in row.inner_text()
    assert page.locator("#articles img, #articles script, #articles iframe").count() == 0
    shot(page, "09-xss-list")
    page.goto(f"{room.admin}/admin/articles/{slug}")
    expect(page.locator("#field-headline")).not_to_have_value("")
    assert page.input_value("#field-headline") == fields["headline"]
    assert XSS in page.input_value("#field-tags")
    page.wait_for_selector("#preview-body p")
    assert XSS in page.inner_text("#preview-headline")
    # the text as typed in the editor and the headline: no elements made from it
    for where in (".TinyMDE", "#preview-headline", "#preview-summary", "#lead-preview"):
        assert page.locator(f"{where} img[src=x], {where} iframe, {where} script").count() == 0
    # the preview is our renderer's sanitised HTML: an <img src=x> may stay, its script not
    assert (
        page.locator("#preview-body [onerror], #preview-body iframe, #preview-body script").count()
        == 0
    )
    assert page.locator("#preview-body a[href^='javascript']").count() == 0
    shot(page, "10-xss-editor")
    assert page.evaluate("window.__xss") is None
    assert not watch.dialogs
    context.close()
    # the sign-in page's message comes from the address: shown as text too
    outsider = browser.new_page()
    outside = Watch(outsider)
    outsider.goto(room.admin + "/admin/login?" + str(httpx.QueryParams({"error": XSS})))
    assert outsider.inner_text("#login-error") == XSS
    assert outsider.locator("form img, form script").count() == 0
    shot(outsider, "10-xss-login")
    assert outsider.evaluate("window.__xss") is None
    assert not outside.dialogs
    outsider.close()


def test_two_tabs_on_one_article_lose_nothing(newsroom: Newsroom, browser: Any) -> None:
    room = newsroom
    created = room.api(
        "editor",
        "POST",
        "/admin/api/articles",
        json={"headline": "Two tabs", "body": "First paragraph.\n\nSecond paragraph."},
    )
    assert created.status_code == 201, created.text
    slug = created.json()["slug"]
    context, first = signed_in(browser, room, "editor")
    second = context.new_page()
    for tab in (first, second):
        tab.goto(f"{room.admin}/admin/articles/{slug}")
        tab.wait_for_selector("#status.status-draft")
        tab.wait_for_selector(".TinyMDE:has-text('Second paragraph.')")
    type_body(first, ["", "Added in the first tab."])
    first.click("[data-action=save]")
    wait_saved(first)
    type_body(second, ["", "Added in the second tab."])
    second.click("[data-action=save]")
    second.wait_for_selector("#conflict:not([hidden])")
    diff = second.inner_text("#conflict-diff")
    assert "Added in the first tab." in diff and "Added in the second tab." in diff, diff
    expect(second.locator("#conflict-diff .diff-theirs:has-text('first tab')")).to_have_count(1)
    expect(second.locator("#conflict-diff .diff-mine:has-text('second tab')")).to_have_count(1)
    assert "Added in the second tab." in second.inner_text(".TinyMDE")
    shot(second, "11-conflict")
    # the server kept what was refused, and nothing of the first tab was overwritten
    current = room.api("editor", "GET", f"/admin/api/articles/{slug}").json()
    assert "Added in the first tab." in current["body"], current["body"]
    assert "Added in the second tab." not in current["body"], current["body"]
    # autosave does not silently overwrite while the conflict is open
    second.wait_for_timeout(6_000)
    current = room.api("editor", "GET", f"/admin/api/articles/{slug}").json()
    assert "Added in the second tab." not in current["body"], current["body"]
    second.click("#conflict-keep-mine")
    wait_saved(second)
    current = room.api("editor", "GET", f"/admin/api/articles/{slug}").json()
    assert "Added in the second tab." in current["body"], current["body"]
    # the first tab's text is in the history, to bring back
    first.reload()
    first.wait_for_selector("#history-list li:nth-child(3)")
    expect(first.locator("#history-list li:has-text('refused save')")).to_have_count(1)
    texts = []
    for item in first.locator("#history-list li").all():
        item.locator("button").click()
        first.wait_for_selector(f"#revision-view[data-id='{item.get_attribute('data-id')}']")
        texts.append(first.inner_text("#revision-text"))
    assert any("first tab" in t and "second tab" not in t for t in texts), texts
    assert any("second tab" in t for t in texts), texts
    shot(first, "12-history")
    context.close()


def test_autosave_saves_without_a_click(newsroom: Newsroom, browser: Any) -> None:
    room = newsroom
    created = room.api("author", "POST", "/admin/api/articles", json={"headline": "Autosaved"})
    assert created.status_code == 201, created.text
    slug = created.json()["slug"]
    context, page = signed_in(browser, room, "author")
    page.goto(f"{room.admin}/admin/articles/{slug}")
    page.wait_for_selector("#status.status-draft")
    type_body(page, ["Typed and never saved by hand."])
    page.wait_for_selector("#save-state[data-kind=dirty]", timeout=5_000)
    wait_saved(page, timeout=15_000)
    body = room.api("author", "GET", f"/admin/api/articles/{slug}").json()["body"]
    assert "Typed and never saved by hand." in body
    context.close()


@pytest.mark.parametrize(
    ("role", "owner", "absent", "refused"),
    [
        ("contributor", "contributor", {"publish", "schedule", "correct", "retract"}, "publish"),
        ("contributor", "contributor", {"publish", "schedule"}, "schedule"),
        ("author", "author", {"retract"}, "retract"),
    ],
)
def test_buttons_a_role_may_not_use_are_absent_and_refused(
    newsroom: Newsroom, browser: Any, role: str, owner: str, absent: set[str], refused: str
) -> None:
    room = newsroom
    created = room.api(
        owner, "POST", "/admin/api/articles", json={"headline": f"Limits {role}", "body": "Text."}
    )
    assert created.status_code == 201, created.text
    slug = created.json()["slug"]
    if refused == "retract":
        published = room.api(owner, "POST", f"/admin/api/articles/{slug}/publish", json={})
        assert published.status_code == 200, published.text
    context, page = signed_in(browser, room, role)
    page.goto(f"{room.admin}/admin/articles/{slug}")
    expect(page.locator("#field-headline")).not_to_have_value("")
    assert not (visible_actions(page) & absent)
    body: dict[str, Any] = {}
    if refused == "schedule":
        body = {"publish_at": "2099-01-01T08:00:00+00:00"}
    if refused == "retract":
        body = {"reason": "test"}
    answer = page_fetch(page, "POST", f"/admin/api/articles/{slug}/{refused}", body)
    assert answer["status"] == 403, answer
    context.close()


def test_a_contributor_cannot_open_someone_elses_article(newsroom: Newsroom, browser: Any) -> None:
    room = newsroom
    created = room.api("editor", "POST", "/admin/api/articles", json={"headline": "Not yours"})
    assert created.status_code == 201, created.text
    slug = created.json()["slug"]
    context, page = signed_in(browser, room, "contributor")
    assert page.locator(f"tr[data-slug='{slug}']").count() == 0
    page.goto(f"{room.admin}/admin/articles/{slug}")
    page.wait_for_selector("#notice.error")
    assert page.input_value("#field-headline") == ""
    answer = page_fetch(page, "PUT", f"/admin/api/articles/{slug}", {"headline": "Mine now"})
    assert answer["status"] == 403
    assert json.dumps(answer["data"]).count("error") >= 1
    context.close()


# ---- the rest of the workflow ------------------------------------------------------------------


def test_an_invitation_link_sets_a_password_in_the_browser(
    newsroom: Newsroom, browser: Any
) -> None:
    room = newsroom
    out = room.cli("users", "add", "new.reporter@harbour.example", "--role", "contributor")
    link = re.search(r"\S+/admin/invite/[A-Za-z0-9_\-]+", out)
    assert link, out
    path = link.group(0)[link.group(0).index("/admin/invite/") :]
    context = browser.new_context()
    page = context.new_page()
    page.goto(room.admin + path)
    page.wait_for_selector("#invite-about:has-text('new.reporter@harbour.example')")
    page.fill("#name", "New Reporter")
    page.fill("#password", "short")
    page.click("button[type=submit]")  # too short: the browser says so, nothing is sent
    assert page.evaluate("document.querySelector('#password').validity.valid") is False
    assert "/admin/invite/" in page.url
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(room.admin + "/admin/")
    assert "New Reporter" in page.inner_text(".topbar")
    shot(page, "13-invited")
    # the link works once
    again = browser.new_page()
    again.goto(room.admin + path)
    again.wait_for_selector("#invite-error:not([hidden])")
    again.close()
    context.close()


def test_preview_link_schedule_and_retract_from_the_editor(
    newsroom: Newsroom, browser: Any
) -> None:
    room = newsroom
    draft = room.api(
        "editor",
        "POST",
        "/admin/api/articles",
        json={"headline": "Ferry timetable changes", "body": "The winter timetable is out."},
    ).json()["slug"]
    context, page = signed_in(browser, room, "editor")
    page.goto(f"{room.admin}/admin/articles/{draft}")
    page.wait_for_selector("#status.status-draft")
    # a preview link: readable without signing in
    page.click("[data-action=preview_link]")
    link = page.wait_for_selector("#preview-link")
    url = link.get_attribute("href")
    assert url
    stranger = browser.new_context()
    outside = stranger.new_page()
    outside.goto(url)
    assert "The winter timetable is out." in outside.inner_text("body")
    stranger.close()
    # scheduled for tomorrow: embargoed, shown as scheduled
    page.click("[data-action=schedule]")
    page.fill("#publish-at", "2099-01-01T08:00")
    page.click("#schedule-dialog button[type=submit]")
    page.wait_for_selector("#status.status-scheduled")
    assert "publishes" in page.inner_text("#status-detail")
    assert room.api("editor", "GET", f"/admin/api/articles/{draft}").json()["publish_at"]
    shot(page, "14-scheduled")
    assert httpx.get(room.site + "/", timeout=30).text.count("Ferry timetable changes") == 0
    page.click("[data-action=unschedule]")
    page.wait_for_selector("#status:not(.status-scheduled)")
    assert not room.api("editor", "GET", f"/admin/api/articles/{draft}").json()["publish_at"]
    # a published article retracted with a reason: the reason stands on the site
    live = room.api(
        "editor",
        "POST",
        "/admin/api/articles",
        json={"headline": "Quay collapse feared", "body": "Engineers were called."},
    ).json()["slug"]
    assert room.api("editor", "POST", f"/admin/api/articles/{live}/publish").status_code == 200
    page.goto(f"{room.admin}/admin/articles/{live}")
    page.wait_for_selector("#status.status-published")
    page.click("[data-action=retract]")
    page.click("#retract-dialog button[type=submit]")  # no reason: asked for one
    assert page.evaluate("document.querySelector('#retract-reason').validity.valid") is False
    assert page.locator("#retract-dialog[open]").count() == 1
    page.fill("#retract-reason", "The report relied on a source we could not confirm.")
    page.click("#retract-dialog button[type=submit]")
    page.wait_for_selector("#status.status-retracted", timeout=60_000)
    assert visible_actions(page) == set()
    assert page.is_disabled("#field-headline")
    assert page.get_attribute(".TinyMDE", "contenteditable") == "false"
    shot(page, "15-retracted")
    reader = browser.new_page()
    reader.goto(room.site + "/")
    assert reader.locator("text=Quay collapse feared").count() == 0
    reader.close()
    context.close()


def test_the_media_library_gives_an_image_to_another_article(
    newsroom: Newsroom, browser: Any, workdir: Path
) -> None:
    room = newsroom
    first = room.api(
        "author", "POST", "/admin/api/articles", json={"headline": "Lighthouse repainted"}
    ).json()["slug"]
    uploaded = room.api(
        "author",
        "POST",
        f"/admin/api/media?slug={first}&name=lighthouse.png",
        content=_png(),
        headers={"Content-Type": "image/png"},
    )
    assert uploaded.status_code == 201, uploaded.text
    second = room.api(
        "author", "POST", "/admin/api/articles", json={"headline": "Lighthouse reopens"}
    ).json()["slug"]
    context, page = signed_in(browser, room, "author")
    page.goto(f"{room.admin}/admin/articles/{second}")
    page.wait_for_selector("#status.status-draft")
    page.click("#field-image-pick")
    item = page.wait_for_selector(".media-item:has-text('lighthouse.png')")
    shot(page, "16-media-library")
    item.query_selector("button:has-text('Lead image')").click()
    expect(page.locator("#field-image")).to_have_value("lighthouse.png")
    page.wait_for_selector("#lead-preview img")
    page.click("[data-action=save]")
    wait_saved(page)
    saved = room.api("author", "GET", f"/admin/api/articles/{second}").json()
    assert saved["image"] == "lighthouse.png"
    assert "lighthouse.png" in saved["media"]
    # a file that only calls itself an image is refused, with the reason on the page
    fake = workdir / "not-really.png"
    fake.write_text("<html><script>window.__xss=1</script></html>")
    page.set_input_files("#media-file", str(fake))
    page.wait_for_selector("#notice.error:has-text('not-really.png')")
    assert (
        "not-really.png"
        not in room.api("author", "GET", f"/admin/api/articles/{second}").json()["media"]
    )
    shot(page, "23-upload-refused")
    context.close()


def test_the_editor_fits_a_phone(newsroom: Newsroom, browser: Any) -> None:
    room = newsroom
    slug = room.api(
        "contributor", "POST", "/admin/api/articles", json={"headline": "On the phone"}
    ).json()["slug"]
    context, page = signed_in(browser, room, "contributor", width=390)
    shot(page, "17-phone-list")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"{room.admin}/admin/articles/{slug}")
    page.wait_for_selector("#status.status-draft")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "18-phone-editor")
    context.close()


def test_admin_pages_allow_only_their_own_scripts(newsroom: Newsroom, browser: Any) -> None:
    room = newsroom
    context, page = signed_in(browser, room, "editor")
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security" in msg.text else None,
    )
    for path in ("/admin/", "/admin/articles/new", "/admin/login"):
        answer = page.goto(room.admin + path)
        assert answer is not None
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        html = answer.text()  # as served (scripts may set styles later, through the CSSOM)
        inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html)
        assert not inline, inline
        assert not re.search(r"\sstyle=", html)
        assert not re.search(r"\son[a-z]+=", html)
    # every script and stylesheet comes from this origin
    sources = page.eval_on_selector_all(
        "script[src], link[rel=stylesheet]", "els => els.map(e => e.src || e.href)"
    )
    assert sources and all(s.startswith(room.admin + "/admin/static/") for s in sources)
    assert not violations, violations
    context.close()


def test_a_session_that_ended_keeps_the_text_until_signed_in_again(
    newsroom: Newsroom, browser: Any
) -> None:
    room = newsroom
    slug = room.api(
        "editor", "POST", "/admin/api/articles", json={"headline": "Night shift", "body": "Start."}
    ).json()["slug"]
    context, page = signed_in(browser, room, "editor")
    page.goto(f"{room.admin}/admin/articles/{slug}")
    page.wait_for_selector("#status.status-draft")
    # signed out elsewhere (another tab of the same browser)
    other = context.new_page()
    other.goto(room.admin + "/admin/")
    other.click(".topbar button:has-text('Sign out')")
    other.wait_for_url(re.compile(r"/admin/login"))
    type_body(page, ["", "Written after the session ended."])
    page.click("[data-action=save]")
    page.wait_for_selector("#notice.error:has-text('signed out')")
    assert "Written after the session ended." in page.inner_text(".TinyMDE")
    shot(page, "21-signed-out")
    # signed in again in the other tab: this page saves with the new session's token
    other.fill("#email", room.people["editor"].email)
    other.fill("#password", PASSWORD)
    other.click("button[type=submit]")
    other.wait_for_url(room.admin + "/admin/")
    page.click("[data-action=save]")
    wait_saved(page)
    body = room.api("editor", "GET", f"/admin/api/articles/{slug}").json()["body"]
    assert "Written after the session ended." in body
    context.close()


def test_the_list_filters_searches_and_pages(newsroom: Newsroom, browser: Any) -> None:
    room = newsroom
    for number, (section, author) in enumerate(
        [
            ("Sport", "Ana Ruiz"),
            ("Sport", "Ben Okafor"),
            ("Sport", "Ana Ruiz"),
            ("Culture", "Ana Ruiz"),
        ]
    ):
        answer = room.api(
            "editor",
            "POST",
            "/admin/api/articles",
            json={
                "headline": f"Regatta report {number}",
                "summary": "Boats." if number != 2 else "Boats and a kraken.",
                "categories": [section],
                "authors": [author],
            },
        )
        assert answer.status_code == 201, answer.text
    context, page = signed_in(browser, room, "editor")
    page.goto(room.admin + "/admin/?per_page=2")
    page.fill("#section", "Sport")
    page.fill("#author", "Ana Ruiz")
    page.click("#filters button[type=submit]")
    expect(page.locator("#list-summary")).to_have_text("1–2 of 2 articles")
    rows = page.locator("#articles tbody tr")
    expect(rows).to_have_count(2)
    assert "section=Sport" in page.url and "author=Ana+Ruiz" in page.url
    # search on top of the filters
    page.fill("#q", "kraken")
    page.press("#q", "Enter")
    expect(page.locator("#articles tbody tr")).to_have_count(1)
    assert "Regatta report 2" in page.inner_text("#articles tbody")
    # pages of two, from the server
    page.fill("#q", "regatta")
    page.fill("#section", "")
    page.fill("#author", "")
    page.press("#q", "Enter")
    expect(page.locator("#list-summary")).to_have_text("1–2 of 4 articles")
    page.click("#pager a[rel=next]")
    expect(page.locator("#list-summary")).to_have_text("3–4 of 4 articles")
    assert "page=2" in page.url
    shot(page, "22-list-pages")
    page.go_back()
    expect(page.locator("#list-summary")).to_have_text("1–2 of 4 articles")
    context.close()
