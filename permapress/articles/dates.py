"""Reading the dates that newsrooms write, into timezone-aware datetimes.

    parse_datetime(value, tz=UTC, field="date") -> datetime

``value`` may be a ``datetime`` or ``date`` (from YAML or TOML), or text in one of these forms:

    2025-07-08   2025-07-08T14:30   2025-07-08 14:30:00+02:00   2025-07-08T12:30:00Z
    July 8, 2025   Jul 8, 2025   Sept. 8, 2025   8 July 2025   Tuesday, July 8, 2025
    July 8, 2025 14:30   July 8, 2025, 2:30 pm
    Tue, 08 Jul 2025 14:30:00 +0000            (RFC 2822, as feeds write it)

A date without a time is midnight; a time without an offset is in ``tz`` (the newsroom's
timezone). Anything else raises ``ArticleError`` naming the field and the value, and an
impossible date such as 2025-02-30 says so.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, tzinfo
from typing import Final

from permapress.errors import ArticleError

MONTHS: Final = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
_WEEKDAY: Final = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_TIME: Final = (
    r"(?:,?\s+(?:at\s+)?(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"\s*(?P<ampm>[ap]\.?m\.?)?)?"
)
_MONTH_FIRST: Final = re.compile(
    _WEEKDAY + r"(?P<month>[a-z]+)\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})"
    + _TIME + r"$",
    re.IGNORECASE,
)
_DAY_FIRST: Final = re.compile(
    _WEEKDAY + r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\.?\s+(?P<month>[a-z]+)\.?,?\s+(?P<year>\d{4})"
    + _TIME + r"$",
    re.IGNORECASE,
)
_ISO_DATE: Final = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?P<rest>.*)$")
_SPACED_OFFSET: Final = re.compile(r"\s+(Z|[+-]\d{2}(?::?\d{2})?)$")
_HINT: Final = "write it like 2025-07-08 or 2025-07-08T14:30:00+02:00"


def parse_datetime(value: object, tz: tzinfo = UTC, field: str = "date") -> datetime:
    """The aware datetime that ``value`` names; see the module docstring."""
    if isinstance(value, datetime):
        return value if value.utcoffset() is not None else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=tz)
    if not isinstance(value, str):
        raise ArticleError(f"{field} {value!r} is not a date ({_HINT})")
    text = " ".join(value.split())
    if not text:
        raise ArticleError(f"{field} is empty ({_HINT})")
    parsed = _parse_iso(text, field) or _parse_words(text, field) or _parse_rfc2822(text)
    if parsed is None:
        raise ArticleError(f"{field} {value!r} is not a date I can read ({_HINT})")
    return parsed if parsed.utcoffset() is not None else parsed.replace(tzinfo=tz)


def _real_date(year: int, month: int, day: int, text: str, field: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ArticleError(f"{field} {text!r} is not a real date ({exc})") from None


def _parse_iso(text: str, field: str) -> datetime | None:
    match = _ISO_DATE.match(text)
    if match is None:
        return None
    day = _real_date(int(match["year"]), int(match["month"]), int(match["day"]), text, field)
    rest = match["rest"]
    if not rest:
        return datetime.combine(day, time(0, 0))
    candidate = _SPACED_OFFSET.sub(r"\1", text)
    try:
        return datetime.fromisoformat(candidate)
    except ValueError:
        raise ArticleError(f"{field} {text!r} has a time I cannot read ({_HINT})") from None


def _parse_words(text: str, field: str) -> datetime | None:
    match = _MONTH_FIRST.match(text) or _DAY_FIRST.match(text)
    if match is None:
        return None
    month = MONTHS.get(match["month"].lower())
    if month is None:
        return None
    day = _real_date(int(match["year"]), month, int(match["day"]), text, field)
    hour = int(match["hour"] or 0)
    minute = int(match["minute"] or 0)
    second = int(match["second"] or 0)
    ampm = (match["ampm"] or "").replace(".", "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            raise ArticleError(f"{field} {text!r} has an impossible hour {hour} {ampm}")
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    try:
        return datetime.combine(day, time(hour, minute, second))
    except ValueError as exc:
        raise ArticleError(f"{field} {text!r} has an impossible time ({exc})") from None


def _parse_rfc2822(text: str) -> datetime | None:
    from email.utils import parsedate_to_datetime  # here: feeds' dates, not Markdown's

    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
