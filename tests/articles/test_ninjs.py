"""ninjs.py: IPTC ninjs 2.x and 3.x items in."""

from __future__ import annotations

from pathlib import Path

import pytest

from permapress.articles import ninjs
from permapress.articles.items import Failed
from permapress.articles.model import Article
from permapress.articles.sources import detect
from permapress.errors import ArticleError

FOLDER = Path(__file__).parents[1] / "fixtures" / "importers" / "ninjs"


def load(name: str) -> list[Article | Failed]:
    path = FOLDER / name
    return [i for i in ninjs.iter_items(path.read_bytes(), source=name, folder=FOLDER)
            if isinstance(i, (Article, Failed))]  # fmt: skip


def test_ninjs_2() -> None:
    (a,) = load("ninjs2-wire.json")
    assert isinstance(a, Article)
    assert a.headline == "Fishing fleet stays in port as storm nears"
    assert a.source == "http://wire.example/2019/item/7f3a"
    assert a.slug == "storm-fleet" and a.authors == ("Ann Sutherland", "Ravi Patel")
    assert a.published.isoformat() == "2019-11-02T08:15:00+00:00"
    assert a.modified is not None and a.modified.isoformat() == "2019-11-02T10:40:00+00:00"
    assert a.categories == ("weather", "Fishing") and a.tags == ("storm", "fishing fleet")
    assert a.summary == "Skippers kept forty boats tied up on Saturday."
    assert a.body == ("Skippers kept forty boats tied up on Saturday as the storm approached."
                      "\n\nThe coastguard said gusts could reach 90 km/h.")
    assert [m.name for m in a.media] == ["harbour.jpg"] and a.image == "harbour.jpg"
    assert a.media[0].data == (FOLDER / "img" / "harbour.jpg").read_bytes()


def test_ninjs_3_list() -> None:
    curfew, withheld, broken = load("ninjs3-list.json")
    assert isinstance(curfew, Article) and isinstance(withheld, Article)
    assert curfew.headline == "Sokağa çıkma yasağı kaldırıldı"  # role main, not the first
    assert curfew.authors == ("Leyla Demir",)  # people with rel author only
    assert curfew.categories == ("Politika",) and curfew.tags == ("curfew",)
    assert curfew.summary == "Yasak gece yarısı kaldırıldı."
    assert curfew.body == "Yasak gece yarısı kaldırıldı." and curfew.modified is None
    assert curfew.image == "https://wire.example/img/curfew.jpg" and curfew.language == "tr"
    assert withheld.draft and withheld.body == "Not yet.\n\nSecond paragraph."
    assert isinstance(broken, Failed) and broken.source == "urn:newsml:wire.example:broken"


def test_media_outside_the_folder_is_refused() -> None:
    data = (b'{"uri": "u", "firstCreated": "2025-01-01T00:00:00Z", "headlines": [{"value": "H"}],'
            b' "bodies": [{"contentType": "text/plain", "value": "b"}], "associations": '
            b'[{"name": "leadimage", "renditions": [{"href": "../../../etc/passwd"}]}]}')
    (item,) = ninjs.iter_items(data, source="x.json", folder=FOLDER)
    assert isinstance(item, Failed) and "inside" in item.error


def test_not_json_raises() -> None:
    with pytest.raises(ArticleError, match="not valid JSON"):
        list(ninjs.iter_items(b"{nope", source="x.json"))


@pytest.mark.parametrize("name", ["ninjs2-wire.json", "ninjs3-list.json"])
def test_detected_as_ninjs(name: str) -> None:
    path = FOLDER / name
    assert detect(path, path.read_bytes()[:8192]) == "ninjs"


def test_items_without_a_date_headline_or_body_are_kept_with_what_was_inferred() -> None:
    from datetime import UTC, datetime

    from permapress.articles.items import Note, ReadOptions

    now = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    data = b"""{"items": [
      {"uri": "https://wire.example/item/1", "type": "text", "headlines": [{"value": ""}],
       "bodies": [{"contentType": "text/plain", "value": "Ferries resume on Monday. More later."}],
       "firstCreated": "2025-01-02T10:00:00Z"},
      {"uri": "https://wire.example/item/2", "headline": "Flash: harbour closed"},
      {"uri": "urn:wire:3", "headline": ""}]}"""
    found = list(ninjs.iter_items(data, source="w.json", options=ReadOptions(now=now)))
    articles = [i for i in found if isinstance(i, Article)]
    notes = [i.message for i in found if isinstance(i, Note)]
    failed = [i for i in found if isinstance(i, Failed)]
    first, flash = articles
    assert first.headline == "Ferries resume on Monday" and first.inferred == ("headline",)
    assert flash.published == now and flash.inferred == ("published", "body")
    assert flash.body == ("Read the original at [https://wire.example/item/2]"
                          "(<https://wire.example/item/2>).")
    assert "no body: kept as a link to the original, https://wire.example/item/2" in notes
    (nothing,) = failed  # no headline, no text, no http(s) uri: nothing to keep
    assert nothing.source == "urn:wire:3" and "nothing to keep" in nothing.error
