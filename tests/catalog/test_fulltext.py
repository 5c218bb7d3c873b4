"""The catalog's full-text index inside a batch: entries kept until the batch commits, the last
write of each article the one written, a failed step's writes dropped with it, and the table the
same as when every write goes to it at once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from permapress.catalog import Catalog
from permapress.catalog.db import VersionRow

WHEN = "2025-01-01T00:00:00+00:00"


def _version(slug: str, number: int) -> VersionRow:
    return VersionRow(
        slug=slug, number=number, content_key=f"k{number}", bundle_cid=f"bafy{slug}{number}",
        bundle_size=10, published=WHEN, effective=WHEN, recorded=WHEN, note="", document="",
        meta="{}",
    )  # fmt: skip


def _add(catalog: Catalog, slug: str, text: str) -> None:
    """A new article with its first version, in a step of its own."""
    with catalog.transaction():
        catalog.add_article(slug, None, "published", WHEN)
        catalog.add_version(_version(slug, 1), [], (slug.title(), "", text))


def _entries(path: Path) -> dict[str, str]:
    """The index as another connection sees it: slug -> body."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT s.slug, s.body, a.slug FROM search s JOIN articles a "
                            "ON a.rowid = s.rowid").fetchall()  # fmt: skip
    assert all(slug == owner for slug, _body, owner in rows)  # each under its article's rowid
    return {slug: body for slug, body, _owner in rows}


def test_a_batch_writes_its_entries_when_it_commits(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    with Catalog.open(path, create=True) as catalog, catalog.batch() as batch:
        batch.begin()
        _add(catalog, "flood", "the river rose")
        with catalog.transaction():
            catalog.add_version(_version("flood", 2), [], ("Flood", "", "the river fell"))
        with pytest.raises(RuntimeError), catalog.transaction():
            catalog.add_article("storm", None, "published", WHEN)
            catalog.add_version(_version("storm", 1), [], ("Storm", "", "wind and rain"))
            raise RuntimeError("a step that fails")
        assert _entries(path) == {}
        assert catalog.search("fell") == []  # kept until the batch commits
        batch.commit()
        assert _entries(path) == {"flood": "the river fell"}  # the last write of the slug
        assert catalog.search("fell") == ["flood"] and catalog.search("wind") == []
        batch.begin()
        with catalog.transaction():
            catalog.retract("flood", "wrong", WHEN)
    assert _entries(path) == {}  # leaving the block commits the open batch


def test_a_batch_that_cannot_write_its_entries_is_rolled_back(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    with Catalog.open(path, create=True) as catalog:
        with pytest.raises(sqlite3.OperationalError), catalog.batch() as batch:
            batch.begin()
            _add(catalog, "flood", "the river rose")
            catalog.connection.execute("DROP TABLE search")  # the kept entries cannot go in
            batch.commit()
        assert catalog.article("flood") is None  # no version without its entry
        assert not catalog.connection.in_transaction


def test_a_batch_rolled_back_from_outside_forgets_its_kept_entries(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    with Catalog.open(path, create=True) as catalog, catalog.batch() as batch:
        batch.begin()
        _add(catalog, "flood", "the river rose")
        catalog.connection.execute("ROLLBACK")  # as an import does when blocks cannot be stored
        batch.begin()
        _add(catalog, "storm", "wind and rain")
    assert _entries(path) == {"storm": "wind and rain"}


_OPS = st.lists(
    st.tuples(
        st.sampled_from(["put", "forget", "fail"]),
        st.sampled_from(["a", "b", "c"]),
        st.sampled_from(["river", "storm", "court"]),
        st.booleans(),  # commit the batch after this step
    ),
    max_size=25,
)


def _apply(catalog: Catalog, ops: list[tuple[str, str, str, bool]], batched: bool) -> None:
    numbers: dict[str, int] = {}
    for slug in "abc":
        with catalog.transaction():
            catalog.add_article(slug, None, "published", WHEN)

    def step(op: str, slug: str, word: str) -> None:
        with catalog.transaction():
            if op == "forget":
                catalog.retract(slug, "", WHEN)
                return
            number = numbers[slug] = numbers.get(slug, 0) + 1
            catalog.add_version(_version(slug, number), [], (slug, "", word))
            if op == "fail":
                raise RuntimeError("undone")

    def run(op: str, slug: str, word: str) -> None:
        try:
            step(op, slug, word)
        except RuntimeError:
            numbers[slug] -= 1

    if not batched:
        for op, slug, word, _commit in ops:
            run(op, slug, word)
        return
    with catalog.batch() as batch:
        for op, slug, word, commit in ops:
            batch.begin()
            run(op, slug, word)
            if commit:
                batch.commit()


@settings(max_examples=60, deadline=None)
@given(ops=_OPS)
def test_batched_writes_leave_the_index_as_direct_writes_do(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, str, str, bool]]
) -> None:
    found = []
    for batched in (False, True):
        path = tmp_path_factory.mktemp("fulltext") / "catalog.sqlite"
        with Catalog.open(path, create=True) as catalog:
            _apply(catalog, ops, batched)
        found.append(_entries(path))
    assert found[0] == found[1]
