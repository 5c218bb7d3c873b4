"""Tests for templating.render_inline_css: a page with its style sheet inlined is the same bytes
as rendering the sheet through the template, for the package's templates (spliced in as bytes)
and for a newsroom's (rendered the ordinary way: a template may look into the sheet).
The package's bundle pages are checked byte for byte by tests/golden (their CIDs)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from markupsafe import Markup

from permapress.site.templating import render_inline_css, render_template, site_css, site_frame
from permapress.site.theme import PACKAGE_THEME, Theme
from permapress.site.views import SiteInfo

CONTEXT = {
    "lang": "en",
    "page_title": "Flood defences — Ledger",
    "site_name": "The Harbour Ledger ▾",
    "provenance": "Ünïcode in the text, and in the sheet",
    "has_media": False,
    "published_by": None,
}


def _theme(tmp_path: Path, base: str) -> Theme:
    shutil.copytree(PACKAGE_THEME.templates, tmp_path / "templates")
    shutil.copytree(PACKAGE_THEME.static, tmp_path / "static")
    (tmp_path / "templates" / "plain.html").write_text(base, encoding="utf-8")
    return Theme(tmp_path / "templates", tmp_path / "static")


@pytest.mark.parametrize(
    "template",
    [
        "<style>{{ css_inline }}</style><p>{{ site_name }} {{ page_title }}</p>\n",
        "{{ css_inline }}|{{ css_inline }}\n",  # twice
        "{{ css_inline|length }} {{ css_inline|upper }} {{ site_name }}\n",  # changed
        "{% if css_inline %}{{ css_inline[:40] }}{% endif %}\n",  # cut
        "<p>no sheet {{ site_name }}</p>\n",  # not shown at all
    ],
)
def test_the_same_bytes_as_the_sheet_rendered_in(tmp_path: Path, template: str) -> None:
    theme = _theme(tmp_path, template)
    css = "body { content: '▾ — ü'; }\n" * 50
    expected = render_template(theme, "plain.html", css_inline=Markup(css), **CONTEXT)
    assert render_inline_css(theme, "plain.html", css, **CONTEXT) == expected


def test_the_package_templates_show_the_sheet_once_as_it_is() -> None:
    """What the splicing relies on: of the package's templates only base.html names the sheet,
    and it shows it once, unchanged."""
    naming = {
        path.name: [line.strip() for line in path.read_text("utf-8").splitlines()
                    if "css_inline" in line]
        for path in sorted(PACKAGE_THEME.templates.glob("*.html"))
    }  # fmt: skip
    assert {name: lines for name, lines in naming.items() if lines} == {
        "base.html": ["{% if css_inline %}", "{{ css_inline }}"]
    }


def test_a_package_page_with_the_sheet_spliced_in_is_the_page_rendered() -> None:
    site = SiteInfo("The Harbour Ledger ▾", "Independent news — since 1871", "en", None)
    context = {**site_frame(site, "/"), "page_title": "Page not found — The Harbour Ledger"}
    css = site_css(PACKAGE_THEME)
    spliced = render_inline_css(PACKAGE_THEME, "notfound.html", css, **context)
    assert spliced == render_template(
        PACKAGE_THEME, "notfound.html", css_inline=Markup(css), **context
    )
    assert spliced.count(css.encode("utf-8")) == 1
