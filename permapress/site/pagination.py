"""How a listing is split into pages, and how its pages link to each other.

    split(items, per_page) -> [[item]]        the pages' items in order; one empty page for none
    page_count(count, per_page) -> int        how many pages ``count`` items fill (at least 1)
    page_of(items, index, per_page)           (the items on the page showing ``items[index]``,
                                               that page's number, the count of pages)
    page_href(page, target) -> str            the link from page ``page`` to page ``target`` of
                                               the same listing (``paths.listing_path``)
    pager_numbers(page, pages) -> [n | None]  the page numbers a page's pager shows (None: a gap)

Every split of the site goes through ``split`` and ``page_of``, so a full build and the quick
path put an article on the same page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from permapress.sitepaths import INDEX, listing_path, relative_root

T = TypeVar("T")


def split(items: Sequence[T], per_page: int) -> list[list[T]]:
    return [list(items[i : i + per_page]) for i in range(0, len(items), per_page)] or [[]]


def page_count(count: int, per_page: int) -> int:
    return max(1, -(-count // per_page))


def page_of(items: Sequence[T], index: int, per_page: int) -> tuple[list[T], int, int]:
    number = index // per_page + 1
    start = (number - 1) * per_page
    return list(items[start : start + per_page]), number, page_count(len(items), per_page)


def page_href(page: int, target: int) -> str:
    """Page 1 is the listing's own index.html and page n is page/<n>/index.html beside it."""
    if page == 1:
        return listing_path("", target)
    if target == 1:
        return relative_root(listing_path("", page)) + INDEX
    return f"../{target}/{INDEX}"  # page/<n>/ beside page/<page>/


PAGER_ALL = 10  # a listing of at most this many pages shows every number in its pager
PAGER_AROUND = 2  # beyond that, the first, the last and this many either side of the page


def pager_numbers(page: int, pages: int) -> list[int | None]:
    """The numbers the pager of page ``page`` (of ``pages``) shows, in order, None for a gap:
    every number for a short listing; else 1, the last, and ``PAGER_AROUND`` pages either side
    of ``page`` (a gap of one number shows that number). Listing every page on every page made
    a listing of n pages n*n links: at 100,000 articles most of a build's time."""
    if pages <= PAGER_ALL:
        return list(range(1, pages + 1))
    wanted = sorted({1, pages, *range(max(1, page - PAGER_AROUND),
                                      min(pages, page + PAGER_AROUND) + 1)})  # fmt: skip
    numbers: list[int | None] = []
    for number in wanted:
        if numbers and numbers[-1] is not None and number - numbers[-1] == 2:
            numbers.append(number - 1)
        elif numbers and numbers[-1] is not None and number - numbers[-1] > 2:
            numbers.append(None)
        numbers.append(number)
    return numbers
