"""The reader's verifier page in a real browser (Debian's chromium through Playwright).

The page is opened alone from file:// (as a reader who saved it would), each of the CLI's
tamper cases (``verifier_cases.py``) is chosen with the file input, and the page must print
exactly what ``permapress verify`` prints for that file, with the same verdict. The page must
fetch nothing. Served by ``permapress serve`` from a built site, it must check an article's
own download.
"""

from __future__ import annotations

import base64
import http.server
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from permapress.site.verifier import verify_page
from permapress.site.views import SiteInfo

sys.path.insert(0, str(Path(__file__).parent))
from verifier_cases import KEY_FP, Case, cli_output, make_cases  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = pytest.mark.browser
DONE = ", ".join(f"#result[data-valid={v}]" for v in ("yes", "no", "error", "unchecked"))


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    return make_cases(tmp_path_factory.mktemp("cases"))


def check_in_page(page: Any, case: Case) -> tuple[str, str]:
    """Choose ``case``'s CAR on the open verifier page: (data-valid, the text shown)."""
    page.evaluate("document.getElementById('result').removeAttribute('data-valid')")
    page.fill("#key", case.key)
    page.set_input_files("#car", str(case.car))
    page.wait_for_selector(DONE, timeout=20_000)
    result = page.locator("#result")
    return result.get_attribute("data-valid") or "", result.inner_text()


def test_the_saved_page_gives_the_cli_verdict_on_every_tamper_case(
    cases: list[Case], browser: Any, tmp_path: Path
) -> None:
    saved = tmp_path / "saved" / "verify.html"
    saved.parent.mkdir()
    site = SiteInfo("The Harbour Courier", "", "en", None, KEY_FP)
    saved.write_bytes(verify_page(site))
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(saved.as_uri())
    assert page.locator("#key").input_value() == KEY_FP  # the key saved with the page
    assert page.locator("#noscript").is_hidden() and page.locator("#form").is_visible()
    verdicts: dict[str, bool] = {}
    for case in cases:
        code, expected = cli_output(case)
        state, shown = check_in_page(page, case)
        if expected.startswith("error: "):
            assert (state, shown) == ("error", f"NOT VALID: {case.car.name}: {expected[7:]}")
        else:
            assert shown == expected, case.name
            assert state == ("yes" if code == 0 else "no"), case.name
        verdicts[case.name] = code == 0
        if case.name in ("good-with-key", "changed-body-byte"):
            page.screenshot(path=str(ARTIFACTS / f"verifier-{case.name}.png"), full_page=True)
    assert requests == [saved.as_uri()]  # nothing fetched but the page itself
    assert errors == []
    good = {"good", "good-with-key", "good-with-hex-key", "whole-history-re-signed"}
    assert {name for name, valid in verdicts.items() if valid} == good
    assert len(verdicts) >= 20


def test_a_file_that_is_not_a_car_and_a_bad_key_are_one_clear_line(
    browser: Any, tmp_path: Path
) -> None:
    saved = tmp_path / "verify.html"
    saved.write_bytes(verify_page(SiteInfo("The Harbour Courier", "", "en", None, KEY_FP)))
    junk = tmp_path / "notes.car"
    junk.write_bytes(b"\x05hello world")
    page = browser.new_page()
    page.goto(saved.as_uri())
    state, shown = check_in_page(page, Case("junk", junk, ""))
    assert state == "error" and shown.startswith("NOT VALID: notes.car: ")
    state, shown = check_in_page(page, Case("junk", junk, "not-a-key"))
    assert state == "error"
    assert "is neither a fingerprint (like K7QF-2M4D-XW3A-9TJB-EC5R) nor a public key" in shown


def test_a_whole_site_car_is_named_and_left_to_the_command_line(
    demo_home: Path, cli: Callable[..., Any], browser: Any, tmp_path: Path
) -> None:
    """The page checks one article's CAR; the site's export is recognised and not checked
    (its log and every article are ``permapress verify``'s), and the page says so up front."""
    assert cli("build", "--home", str(demo_home)).code == 0
    site_car = tmp_path / "site.car"
    assert cli("export", "--format", "car", str(site_car), "--home", str(demo_home)).code == 0
    saved = tmp_path / "verify.html"
    saved.write_bytes(verify_page(SiteInfo("The Harbour Courier", "", "en", None, KEY_FP)))
    page = browser.new_page()
    page.goto(saved.as_uri())
    assert "permapress export --format car" in page.inner_text("main")
    state, shown = check_in_page(page, Case("site", site_car, ""))
    assert (state, shown) == (
        "unchecked",
        "NOT CHECKED: site.car: this CAR is a whole site (publisher.json at its root): check it "
        "with `permapress verify`",
    )


def test_served_by_permapress_serve_the_page_checks_an_article_download(
    demo_home: Path, serve: Any, browser: Any, tmp_path: Path
) -> None:
    with serve(demo_home) as (base, _root):
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(base + "/")
        page.locator("a[href*='articles/']").first.click()
        page.wait_for_load_state()
        car_url = page.locator("a[href$='.car']").first.evaluate("a => a.href")
        saved = tmp_path / "article.car"
        with urllib.request.urlopen(car_url, timeout=30) as response:
            saved.write_bytes(response.read())
        fingerprint = page.locator(".fingerprint").first.inner_text().strip()
        page.goto(base + "/verify/")
        assert page.locator("#key").input_value() == fingerprint
        state, shown = check_in_page(page, Case("served", saved, fingerprint))
        page.screenshot(path=str(ARTIFACTS / "verifier-served.png"), full_page=True)
        assert (state, shown) == ("yes", cli_output(Case("served", saved, fingerprint))[1])
        assert shown.startswith("VALID: ") and "Version 1 of 1" in shown
        assert errors == []


class _Tamper(http.server.ThreadingHTTPServer):
    """A proxy on 127.0.0.1 in front of ``upstream`` that passes everything through, changed
    by ``alter(path, body)`` (headers kept, Content-Length fixed)."""

    def __init__(self, upstream: str, alter: Callable[[str, bytes], bytes]) -> None:
        self.upstream, self.alter = upstream, alter
        super().__init__(("127.0.0.1", 0), _Relay)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Relay(http.server.BaseHTTPRequestHandler):
    server: _Tamper

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        request = urllib.request.Request(self.server.upstream + self.path)
        try:
            response = urllib.request.urlopen(request, timeout=30)
        except urllib.error.HTTPError as exc:
            response = exc
        body = self.server.alter(self.path, response.read())
        self.send_response(response.status)
        for name, value in response.headers.items():
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def tampering(upstream: str, alter: Callable[[str, bytes], bytes]) -> Iterator[str]:
    proxy = _Tamper(upstream, alter)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy.base
    finally:
        proxy.shutdown()
        proxy.server_close()


def badge_of(page: Any, url: str) -> tuple[str, str]:
    """Open an article page and wait for its badge's verdict: (data-verified, its text)."""
    page.goto(url)
    badge = page.locator("#pp-verify:not([aria-busy])")
    badge.wait_for(state="visible", timeout=30_000)
    text = page.inner_text("#pp-verify .pp-verify__text")
    return badge.get_attribute("data-verified") or "", text


def test_the_article_badge_says_yes_served_and_no_when_the_car_or_the_text_is_changed(
    demo_home: Path, serve: Any, browser: Any
) -> None:
    with serve(demo_home) as (base, _root):
        page = browser.new_page()
        page.goto(base + "/")
        href = page.locator("a[href*='articles/']").first.get_attribute("href")
        path = "/" + href.lstrip("./")
        page.goto(base + path)
        headline = page.inner_text(".story .headline").strip()
        fingerprint = page.locator(".fingerprint").first.inner_text().strip()
        name = page.title().rsplit(" — ", 1)[-1]

        state, text = badge_of(page, base + path)
        assert state == "yes", text
        assert text.startswith(f"Verified: signed by {name} {fingerprint}, version 1 of 1")
        page.screenshot(path=str(ARTIFACTS / "badge-yes.png"), full_page=True)
        assert "does not prove" in (page.text_content("#pp-verify details") or "")

        def flip_a_block(where: str, body: bytes) -> bytes:
            if not where.endswith(".car"):
                return body
            at = body.find(headline.encode(), 64)  # inside a block, past the header
            assert at > 0
            changed = bytearray(body)
            changed[at] ^= 0x20
            return bytes(changed)

        with tampering(base, flip_a_block) as proxy:
            state, text = badge_of(page, proxy + path)
            page.screenshot(path=str(ARTIFACTS / "badge-no.png"), full_page=True)
        assert state == "no" and text.startswith("Warning: ")
        assert "is corrupt: block: content does not match its CID" in text

        def change_the_text(where: str, body: bytes) -> bytes:
            if where != path:
                return body
            changed = body.replace(b'<div class="body">\n<p>', b'<div class="body">\n<p>Not ', 1)
            assert changed != body
            return changed

        with tampering(base, change_the_text) as proxy:
            state, text = badge_of(page, proxy + path)
        assert state == "no"
        assert text == "Warning: the text on this page differs from the text its publisher signed."


def test_the_badge_is_unavailable_from_a_folder_opened_with_file_urls(
    demo_home: Path, browser: Any, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    out = tmp_path / "site"
    assert cli("build", "--home", str(demo_home), "--out", str(out)).code == 0
    article = sorted(out.glob("articles/*/index.html"))[0]
    page = browser.new_page()
    state, text = badge_of(page, article.as_uri())
    assert state == "unavailable" and text.startswith("Not checked here")


def test_a_dropped_file_is_checked_like_a_chosen_one(
    cases: list[Case], browser: Any, tmp_path: Path
) -> None:
    saved = tmp_path / "verify.html"
    saved.write_bytes(verify_page(SiteInfo("The Harbour Courier", "", "en", None, KEY_FP)))
    page = browser.new_page()
    page.goto(saved.as_uri())
    for name in ("good-with-key", "changed-record-field"):
        case = next(c for c in cases if c.name == name)
        page.evaluate("document.getElementById('result').removeAttribute('data-valid')")
        page.fill("#key", case.key)
        page.evaluate(
            """([name, data]) => {
                const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
                const transfer = new DataTransfer();
                transfer.items.add(new File([bytes], name));
                const drop = document.getElementById("drop");
                const event = type => new DragEvent(type, {dataTransfer: transfer, bubbles: true});
                drop.dispatchEvent(event("dragover"));
                drop.dispatchEvent(event("drop"));
            }""",
            [case.car.name, base64.b64encode(case.car.read_bytes()).decode()],
        )
        page.wait_for_selector(DONE, timeout=20_000)
        code, expected = cli_output(case)
        assert page.inner_text("#result") == expected
        assert page.get_attribute("#result", "data-valid") == ("yes" if code == 0 else "no")
