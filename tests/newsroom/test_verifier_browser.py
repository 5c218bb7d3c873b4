"""The reader's verifier page in a real browser (Debian's chromium through Playwright).

The page is opened alone from file:// (as a reader who saved it would), each of the CLI's
tamper cases (``verifier_cases.py``) is chosen with the file input, and the page must print
exactly what ``permapress verify`` prints for that file, with the same verdict. The page must
fetch nothing. Served by ``permapress serve`` from a built site, it must check an article's
own download.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from permapress.site.verifier import verify_page
from permapress.site.views import SiteInfo

sys.path.insert(0, str(Path(__file__).parent))
from verifier_cases import KEY_FP, Case, cli_output, make_cases  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = pytest.mark.browser
DONE = "#result[data-valid=yes], #result[data-valid=no], #result[data-valid=error]"


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
