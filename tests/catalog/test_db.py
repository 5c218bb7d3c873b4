"""The SQLite catalog: one writer, read-only readers, versions, search, builds."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import fields, replace
from pathlib import Path

import pytest

from permapress.catalog import Catalog, MediaRow, VersionRow
from permapress.errors import CatalogError


def version(slug: str, number: int, body: str = "text") -> VersionRow:
    return VersionRow(
        slug=slug,
        number=number,
        content_key=f"k{number}",
        bundle_cid=f"bafy{number}",
        bundle_size=10,
        published="2025-01-01T00:00:00+00:00",
        effective="2025-01-01T00:00:00+00:00",
        recorded="2025-01-02T00:00:00+00:00",
        note="" if number == 1 else "fixed",
        document="---\n",
        meta="{}",
    )


def test_versions_media_and_search(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    with Catalog.open(path, create=True) as catalog:
        with catalog.transaction():
            catalog.add_article("flood", "/src/flood.md", "published", "2025-01-02T00:00:00+00:00")
            catalog.add_version(
                version("flood", 1),
                [MediaRow("a.jpg", "image/jpeg", "bafkx", 3)],
                ("River flood warning", "summary", "The river rose overnight"),
            )
            catalog.add_version(
                version("flood", 2), [], ("River flood warning", "summary", "The river fell")
            )
        assert [v.number for v in catalog.versions("flood")] == [1, 2]
        latest = catalog.latest("flood")
        assert latest is not None and latest.note == "fixed"
        assert catalog.media("flood", 1) == [MediaRow("a.jpg", "image/jpeg", "bafkx", 3)]
        assert catalog.article_by_source("/src/flood.md") is not None
        assert catalog.search("fell") == ["flood"]
        assert catalog.search("overnight") == []  # only the current version is indexed
        assert list(catalog.all_versions()) == ["flood"]


def test_light_and_skeleton_rows_leave_out_what_a_build_does_not_plan_with(
    tmp_path: Path,
) -> None:
    meta = (
        '{"slug": "flood", "headline": "River", "published": "2025-01-01T00:00:00+00:00", '
        '"modified": null, "categories": ["Local"], "authors": ["Ana"], "body": "long text"}'
    )
    whole = replace(version("flood", 1), meta=meta, record_cid="bafyrec", record="{}",
                    signature="ab" * 64, body_html="<p>long text</p>", car_cid="bafycar",
                    car_tsize=900, car_size=800)  # fmt: skip
    with Catalog.open(tmp_path / "c.sqlite", create=True) as catalog:
        with catalog.transaction():
            catalog.add_article("flood", None, "published", "2025-01-02T00:00:00+00:00")
            catalog.add_version(whole, [], ("River", "", "long text"))
        assert catalog.all_versions()["flood"] == [whole]
        [light] = catalog.all_versions(light=True)["flood"]
        assert light == replace(whole, document="", record="", body_html="",
                                meta=light.meta)  # fmt: skip
        assert "body" not in json.loads(light.meta) and json.loads(light.meta)["headline"]
        [skeleton] = catalog.all_versions(skeleton=True)["flood"]
        planned = ("slug", "number", "bundle_cid", "bundle_size", "published", "effective",
                   "note")  # fmt: skip
        assert all(getattr(skeleton, name) == getattr(whole, name) for name in planned)
        assert json.loads(skeleton.meta) == {
            "slug": "flood", "published": "2025-01-01T00:00:00+00:00", "modified": None,
            "categories": ["Local"], "authors": ["Ana"], "genre": None,
        }  # fmt: skip
        others = {f.name for f in fields(VersionRow)} - set(planned) - {"meta"}
        assert all(not getattr(skeleton, name) for name in others)


def test_a_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    with Catalog.open(tmp_path / "c.sqlite", create=True) as catalog:
        with pytest.raises(RuntimeError), catalog.transaction():
            catalog.add_article("x", None, "published", "t")
            raise RuntimeError("boom")
        assert catalog.article("x") is None


def test_readers_cannot_write(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    Catalog.open(path, create=True).close()
    with Catalog.open(path, readonly=True) as reader, pytest.raises(sqlite3.OperationalError):
        reader.add_article("x", None, "published", "t")


def test_missing_catalog_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="catalog missing"):
        Catalog.open(tmp_path / "none.sqlite")


def test_builds(tmp_path: Path) -> None:
    with Catalog.open(tmp_path / "c.sqlite", create=True) as catalog:
        assert catalog.latest_build() is None
        catalog.add_build("bafyroot1", "t1", 1, 2)
        catalog.add_build("bafyroot2", "t2", 1, 2)
        assert catalog.latest_build() == "bafyroot2"


def test_bad_search_query_is_our_error(tmp_path: Path) -> None:
    with Catalog.open(tmp_path / "c.sqlite", create=True) as catalog, pytest.raises(CatalogError):
        catalog.search('"unbalanced')


def test_log_text_pages_through_the_log_up_to_a_number(tmp_path: Path) -> None:
    with Catalog.open(tmp_path / "c.sqlite", create=True) as catalog:
        assert list(catalog.log_text(0)) == []
        for seq in range(1, 8):
            with catalog.transaction():
                catalog.append_log(seq, f"cid{seq}", f'{{"seq":{seq},"note":"é{seq}"}}\n')
        whole = "".join(catalog.log_lines()).encode("utf-8")
        pieces = list(catalog.log_text(7, lines=3))
        assert [len(piece.splitlines()) for piece in pieces] == [3, 3, 1]
        assert b"".join(pieces) == whole
        # an entry recorded after the build read the head is not part of that build's file
        assert b"".join(catalog.log_text(5, lines=2)) == whole[: whole.index(b'{"seq":6')]
