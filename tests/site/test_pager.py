"""The pager of a listing page: every number for a short listing; for a long one the first, the
last and the pages around the current one, with gaps, and every page still reachable."""

from __future__ import annotations

import posixpath

from hypothesis import given
from hypothesis import strategies as st
from lxml import html as lxml_html

from permapress.site.pagination import PAGER_ALL, pager_numbers
from permapress.site.render import render_listing
from permapress.sitepaths import listing_path
from tests.site.test_render import SITE, many


def test_a_short_listing_shows_every_page() -> None:
    assert pager_numbers(1, 1) == [1]
    assert pager_numbers(4, PAGER_ALL) == list(range(1, PAGER_ALL + 1))


def test_a_long_listing_shows_the_ends_and_the_pages_around() -> None:
    assert pager_numbers(1, 50) == [1, 2, 3, None, 50]
    assert pager_numbers(25, 50) == [1, None, 23, 24, 25, 26, 27, None, 50]
    assert pager_numbers(4, 50) == [1, 2, 3, 4, 5, 6, None, 50]  # no gap of one number
    assert pager_numbers(5, 50) == [1, 2, 3, 4, 5, 6, 7, None, 50]
    assert pager_numbers(50, 50) == [1, None, 48, 49, 50]


@given(st.integers(1, 5000), st.data())
def test_pager_numbers_are_ordered_short_and_hold_the_page(pages: int, data: st.DataObject) -> None:
    page = data.draw(st.integers(1, pages))
    numbers = pager_numbers(page, pages)
    shown = [n for n in numbers if n is not None]
    assert shown == sorted(set(shown)) and page in shown and shown[0] == 1 and shown[-1] == pages
    assert len(numbers) <= max(PAGER_ALL, 9)
    for before, after in zip(numbers, numbers[1:], strict=False):
        assert before is not None or after is not None  # never two gaps in a row
        if before is not None and after is not None:
            assert after == before + 1  # a jump is always marked by a gap
        if before is None:
            assert after is not None
    for at, number in enumerate(numbers):
        if number is None:
            assert numbers[at + 1] - numbers[at - 1] > 2  # type: ignore[operator]


def _pager_links(page: int, pages: int) -> list[tuple[str, str | None]]:
    doc = lxml_html.fromstring(
        render_listing(SITE, title="Health", entries=many(2), page=page, pages=pages,
                       root="", kind="category")  # fmt: skip
    )
    items = doc.xpath("//nav[@class='pagination']//li")
    return [(li.text_content(), (li.xpath("./a/@href") or [None])[0]) for li in items]


def test_a_long_listing_renders_gaps_and_every_page_is_reachable() -> None:
    pages = 40
    assert _pager_links(20, pages) == [
        ("Newer", "../19/index.html"), ("1", "../../index.html"), ("…", None),
        ("18", "../18/index.html"), ("19", "../19/index.html"), ("20", None),
        ("21", "../21/index.html"), ("22", "../22/index.html"), ("…", None),
        ("40", "../40/index.html"), ("Older", "../21/index.html"),
    ]  # fmt: skip
    # following the pager's links from the first page reaches every page
    here = {1: listing_path("", 1)}
    todo = [1]
    while todo:
        page = todo.pop()
        for _text, href in _pager_links(page, pages):
            if href is None:
                continue
            path = posixpath.normpath(posixpath.join(posixpath.dirname(here[page]), href))
            number = 1 if path == "index.html" else int(path.split("/")[1])
            if number not in here:
                here[number] = path
                todo.append(number)
    assert sorted(here) == list(range(1, pages + 1))
