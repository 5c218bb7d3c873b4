"""Format negotiation, dag-scope, entity-bytes, Range and If-None-Match parsing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from permapress.errors import GatewayError
from permapress.server.negotiate import (
    ByteRange,
    CarOptions,
    EntityBytes,
    Wanted,
    etag_matches,
    negotiate,
    parse_accept,
    parse_dag_scope,
    parse_entity_bytes,
    parse_range,
)

CAR = "application/vnd.ipld.car"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.mark.parametrize(
    ("fmt", "accept", "query", "expected"),
    [
        (None, None, {}, Wanted("default")),
        (None, BROWSER, {}, Wanted("html")),
        (None, "*/*", {}, Wanted("default")),
        (None, "image/png", {}, Wanted("default")),
        ("raw", None, {}, Wanted("raw", explicit=True)),
        ("RAW", CAR, {}, Wanted("raw", explicit=True)),
        ("car", "application/vnd.ipld.raw", {}, Wanted("car", True, CarOptions())),
        (None, "application/vnd.ipld.raw", {}, Wanted("raw")),
        (None, f"{CAR}; version=1; order=dfs; dups=y", {}, Wanted("car", False, CarOptions(True))),
        (None, f"{CAR}; order=unk", {}, Wanted("car", False, CarOptions(False))),
        ("car", f"{CAR}; dups=y", {}, Wanted("car", True, CarOptions(True))),
        ("car", f"{CAR}; dups=n", {"car-dups": "y"}, Wanted("car", True, CarOptions(True))),
        ("car", f"{CAR}; order=unk", {"car-order": "dfs"}, Wanted("car", True, CarOptions())),
        # an order we cannot make is skipped in favour of the next acceptable type
        (None, f"{CAR};order=foo, {CAR};order=dfs;dups=y;q=0.5", {},
         Wanted("car", False, CarOptions(True))),
        (None, f"{CAR}; version=2, application/vnd.ipld.raw;q=0.4", {}, Wanted("raw")),
        (None, f"application/vnd.ipld.raw;q=0.2, {CAR}", {}, Wanted("car", False, CarOptions())),
        (None, "application/vnd.ipld.raw;q=0", {}, Wanted("default")),
        (None, "application/vnd.ipld.dag-json", {}, Wanted("dag-json")),
        ("dag-cbor", None, {}, Wanted("dag-cbor", explicit=True)),
        ("tar", None, {}, Wanted("tar", explicit=True)),
        (None, "application/x-tar", {}, Wanted("tar")),
        ("ipns-record", None, {}, Wanted("ipns-record", explicit=True)),
        ("", "application/vnd.ipld.raw", {}, Wanted("raw")),
    ],
)
def test_negotiate(fmt: str | None, accept: str | None, query: dict[str, str],
                   expected: Wanted) -> None:
    assert negotiate(fmt, accept, query) == expected


@pytest.mark.parametrize(
    ("fmt", "query", "words"),
    [
        ("zip", {}, "unknown format 'zip'"),
        ("car", {"car-version": "2"}, "car-version='2'"),
        ("car", {"car-order": "bfs"}, "car-order='bfs'"),
        ("car", {"car-dups": "maybe"}, "car-dups='maybe'"),
    ],
)
def test_negotiate_errors(fmt: str, query: dict[str, str], words: str) -> None:
    with pytest.raises(GatewayError) as caught:
        negotiate(fmt, None, query)
    assert caught.value.status == 400
    assert words in caught.value.message


def test_car_media_type() -> None:
    assert CarOptions().media_type == f"{CAR}; version=1; order=dfs; dups=n"
    assert CarOptions(True).media_type == f"{CAR}; version=1; order=dfs; dups=y"


def test_parse_accept_orders_by_q_and_keeps_ties_in_order() -> None:
    ranges = parse_accept('a/b;q=0.5, c/d, e/f;q=0.5;x="Y", g/h;q=nonsense')
    assert [r.media_type for r in ranges] == ["c/d", "a/b", "e/f"]
    assert ranges[2].param("x") == "y"


@given(st.text(max_size=200))
def test_negotiate_never_fails_on_any_accept_header(accept: str) -> None:
    assert negotiate(None, accept).kind in {
        "default", "raw", "car", "tar", "dag-json", "dag-cbor", "json", "cbor",
        "ipns-record", "html"}


def test_dag_scope() -> None:
    assert parse_dag_scope(None) == "all"
    assert parse_dag_scope("") == "all"
    for scope in ("all", "entity", "block"):
        assert parse_dag_scope(scope) == scope
    with pytest.raises(GatewayError) as caught:
        parse_dag_scope("Block")
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("text", "size", "span"),
    [
        ("0:*", 1026, (0, 1026)),
        ("0:0", 1026, (0, 1)),
        ("512:1023", 1026, (512, 1024)),
        ("512:-256", 1026, (512, 771)),
        ("-5:*", 1026, (1021, 1026)),
        ("-9999:*", 1026, (0, 1026)),
        ("-9999:-3", 1026, (0, 1024)),
        ("100:99999", 1026, (100, 1026)),
        ("2000:*", 1026, None),
        ("10:-2000", 1026, None),
        ("0:*", 0, None),
    ],
)
def test_entity_bytes(text: str, size: int, span: tuple[int, int] | None) -> None:
    parsed = parse_entity_bytes(text)
    assert parsed.text == text
    assert parsed.resolve(size) == span


@pytest.mark.parametrize("text", ["", "5", "a:b", "5:2", "1.5:*", ":", "*:5", "--1:*", "٣:*"])
def test_entity_bytes_errors(text: str) -> None:
    with pytest.raises(GatewayError) as caught:
        parse_entity_bytes(text)
    assert caught.value.status == 400
    assert repr(text) in caught.value.message


@given(st.integers(-5000, 5000), st.one_of(st.none(), st.integers(-5000, 5000)),
       st.integers(0, 4000))
def test_entity_bytes_resolve_stays_inside_the_entity(start: int, end: int | None,
                                                      size: int) -> None:
    span = EntityBytes(start, end).resolve(size)
    if span is not None:
        assert 0 <= span[0] < span[1] <= size


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        (None, 31, None),
        ("bytes=6-16", 31, ByteRange(6, 17)),
        ("bytes=-3", 31, ByteRange(28, 31)),
        ("bytes=20-", 31, ByteRange(20, 31)),
        ("bytes=25-99", 31, ByteRange(25, 31)),
        ("bytes=6-16,0-4", 31, ByteRange(6, 17)),
        ("bytes=-100", 31, ByteRange(0, 31)),
        ("bytes=31-40", 31, "unsatisfiable"),
        ("bytes=-0", 31, "unsatisfiable"),
        ("bytes=0-", 0, "unsatisfiable"),
        ("bytes=9-3", 31, None),
        ("bytes=x-3", 31, None),
        ("items=1-2", 31, None),
        ("bytes=-", 31, None),
        ("bytes", 31, None),
    ],
)
def test_parse_range(header: str | None, size: int,
                     expected: ByteRange | str | None) -> None:
    assert parse_range(header, size) == expected


def test_content_range() -> None:
    assert ByteRange(6, 17).content_range(31) == "bytes 6-16/31"


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        ('"bafy"', True),
        ('W/"bafy"', True),
        ('"a", "b", "bafy"', True),
        ("*", True),
        ('"bafy.raw"', False),
        ("bafy", False),
    ],
)
def test_etag_matches(header: str | None, matches: bool) -> None:
    assert etag_matches(header, '"bafy"') is matches
