"""The values templates read: a Row is a dict whose keys are also its attributes."""

from __future__ import annotations

import copy
import pickle

import jinja2
import pytest

from permapress.site.templating import Row, feed_links


def test_a_row_is_a_dict_read_as_attributes() -> None:
    row = Row({"href": "a/index.html"}, headline="A & B")
    assert row == {"href": "a/index.html", "headline": "A & B"}
    assert row.href == "a/index.html" and row.headline == "A & B"
    assert callable(row.items) and not hasattr(row, "missing")
    with pytest.raises(AttributeError):
        _ = row.missing


@pytest.mark.parametrize(
    "made",
    [copy.copy, copy.deepcopy, lambda row: pickle.loads(pickle.dumps(row))],
    ids=["copy", "deepcopy", "pickle"],
)
def test_a_copied_row_reads_as_attributes_too(made: object) -> None:
    row = Row(number=2, notes=["first"])
    again = made(row)  # type: ignore[operator]
    assert type(again) is Row and again == row
    assert again.number == 2 and again.notes == ["first"]


def test_templates_read_a_row_by_attribute_and_by_key() -> None:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    row = Row(href="a?b&c", label="<i>")
    text = env.from_string("{{ r.href }} {{ r['label'] }} {{ r.get('x', 'none') }}").render(r=row)
    assert text == "a?b&amp;c &lt;i&gt; none"
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ r.missing }}").render(r=row)


def test_feed_links_are_new_lists_of_the_same_rows() -> None:
    feeds = {"rss": "rss.xml", "atom": "feed.xml"}
    first, second = feed_links(feeds, "../", "Site"), feed_links(feeds, "../", "Site")
    assert first == second and first is not second
    assert [row.href for row in first] == ["../feed.xml", "../rss.xml"]  # Atom first
    assert first[0].title == "Site (Atom)" and first[0].type == "application/atom+xml"
