"""dates.py: the date spellings newsrooms use, and clear errors for the rest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from permapress.articles.dates import parse_datetime
from permapress.errors import ArticleError

OSLO = ZoneInfo("Europe/Oslo")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("July 8, 2025", datetime(2025, 7, 8, tzinfo=OSLO)),
        ("8 July 2025", datetime(2025, 7, 8, tzinfo=OSLO)),
        ("2025-07-08", datetime(2025, 7, 8, tzinfo=OSLO)),
        ("Jul 8, 2025", datetime(2025, 7, 8, tzinfo=OSLO)),
        ("Sept. 8, 2025", datetime(2025, 9, 8, tzinfo=OSLO)),
        ("Tuesday, July 8, 2025", datetime(2025, 7, 8, tzinfo=OSLO)),
        ("8th July 2025", datetime(2025, 7, 8, tzinfo=OSLO)),
        ("July 8, 2025 14:30", datetime(2025, 7, 8, 14, 30, tzinfo=OSLO)),
        ("July 8, 2025, 2:30 pm", datetime(2025, 7, 8, 14, 30, tzinfo=OSLO)),
        ("July 8, 2025 12:05 a.m.", datetime(2025, 7, 8, 0, 5, tzinfo=OSLO)),
        ("2025-07-08 14:30", datetime(2025, 7, 8, 14, 30, tzinfo=OSLO)),
        ("2025-07-08T14:30:00+02:00", datetime(2025, 7, 8, 12, 30, tzinfo=UTC)),
        ("2025-07-08 14:30:00 +02:00", datetime(2025, 7, 8, 12, 30, tzinfo=UTC)),
        ("2025-07-08T12:30:00Z", datetime(2025, 7, 8, 12, 30, tzinfo=UTC)),
        ("2025-07-08T12:30:00.123456789Z", datetime(2025, 7, 8, 12, 30, 0, 123456, tzinfo=UTC)),
        ("Tue, 08 Jul 2025 14:30:00 +0000", datetime(2025, 7, 8, 14, 30, tzinfo=UTC)),
    ],
)
def test_parse_datetime_spellings(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text, OSLO)
    assert parsed == expected
    assert parsed.utcoffset() is not None


def test_naive_times_take_the_newsroom_timezone() -> None:
    assert parse_datetime("2025-01-15 09:00", OSLO).utcoffset() == timedelta(hours=1)
    assert parse_datetime("2025-07-15 09:00", OSLO).utcoffset() == timedelta(hours=2)
    assert parse_datetime("2025-07-15 09:00").tzinfo is UTC


def test_yaml_and_toml_values() -> None:
    assert parse_datetime(date(2025, 7, 8), OSLO) == datetime(2025, 7, 8, tzinfo=OSLO)
    naive = datetime(2025, 7, 8, 10, 0)
    assert parse_datetime(naive, OSLO) == datetime(2025, 7, 8, 10, 0, tzinfo=OSLO)
    aware = datetime(2025, 7, 8, 10, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert parse_datetime(aware, OSLO) is aware


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-02-30", "date '2025-02-30' is not a real date"),
        ("February 30, 2025", "date 'February 30, 2025' is not a real date"),
        ("2025-13-01", "is not a real date"),
        ("2025-07-08Tnoon", "has a time I cannot read"),
        ("July 8, 2025 13:00 pm", "impossible hour"),
        ("July 8, 2025 25:00", "impossible time"),
        ("next Tuesday", "is not a date I can read"),
        ("Foo 8, 2025", "is not a date I can read"),
        ("", "date is empty"),
        (2025, "is not a date"),
        (None, "is not a date"),
    ],
)
def test_parse_datetime_errors(value: object, message: str) -> None:
    with pytest.raises(ArticleError) as caught:
        parse_datetime(value)
    assert message in str(caught.value)


def test_error_names_the_field() -> None:
    with pytest.raises(ArticleError, match="^lastmod 'soon' is not a date"):
        parse_datetime("soon", field="lastmod")
