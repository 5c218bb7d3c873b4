"""permapress watch: polling a feed on a local server records silent edits as versions."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from permapress.errors import ConfigError
from permapress.newsroom.watch import change_note, parse_interval, watch

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "importers"))
from localserver import Route, serve  # noqa: E402

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Ministry statements</title><link>https://ministry.example/</link><language>en</language>
<item><title>Statement on the water supply</title><guid>https://ministry.example/s/41</guid>
<pubDate>Mon, 07 Jul 2025 09:00:00 +0000</pubDate>
<content:encoded><![CDATA[<p>{text}</p>]]></content:encoded></item>
<item><title>Road works on the coast road</title><guid>https://ministry.example/s/40</guid>
<pubDate>Sun, 06 Jul 2025 09:00:00 +0000</pubDate>
<description>Lane closures all week.</description></item>
</channel></rss>"""


def route(text: str) -> Route:
    return Route(FEED.replace("{text}", text).encode(), "application/rss+xml; charset=utf-8")


@pytest.fixture
def home(tmp_path: Path, cli: Callable[..., Any]) -> Path:
    folder = tmp_path / "archive"
    assert cli("init", str(folder)).code == 0
    return folder


def test_watch_once_records_a_silent_edit_with_a_note(home: Path, cli: Callable[..., Any]) -> None:
    with serve({"/statements.xml": route("The water is safe to drink.")}) as server:
        url = server.url("/statements.xml")
        first = cli("watch", url, "--once", "--home", str(home), "--json")
        assert first.code == 0, first.err
        assert first.json()["imported"] == 2
        same = cli("watch", url, "--once", "--home", str(home), "--json").json()
        assert same["unchanged"] == 2 and same["imported"] == same["updated"] == 0
        server.routes["/statements.xml"] = route("The water must be boiled before drinking.")
        edited = cli("watch", url, "--once", "--home", str(home), "--json").json()
    assert edited["updated"] == 1 and edited["unchanged"] == 1
    (changed,) = [i for i in edited["items"] if i["status"] == "updated"]
    assert changed["source"] == f"{url}#https://ministry.example/s/41"
    shown = cli("show", changed["slug"], "--home", str(home), "--json").json()
    assert [v["number"] for v in shown["versions"]] == [1, 2]
    assert shown["versions"][0]["note"] == ""
    assert shown["versions"][1]["note"].startswith("Text changed at the source on ")
    assert "boiled" in shown["body"]
    assert all(request[1]["user-agent"].startswith("permapress/") for request in server.requests)


def test_watch_loop_runs_bounded_rounds_and_reports_each(home: Path) -> None:
    from contextlib import contextmanager

    from permapress.handle import Newsroom

    @contextmanager
    def open_newsroom():  # type: ignore[no-untyped-def]
        with Newsroom.open(home) as newsroom:
            yield newsroom

    texts = iter(["one", "two", "two"])
    reports: list[dict[str, Any]] = []
    sleeps: list[float] = []
    with serve({"/f.xml": route("zero")}) as server:

        def pause(seconds: float) -> None:
            sleeps.append(seconds)
            server.routes["/f.xml"] = route(next(texts))

        done = watch(open_newsroom, [server.url("/f.xml")], every=900.0, rounds=4, sleep=pause,
                     on_round=lambda n, r: reports.append(r))  # fmt: skip
    assert done == 4 and sleeps == [900.0, 900.0, 900.0]
    assert [(r["imported"], r["updated"], r["unchanged"]) for r in reports] == [
        (2, 0, 0),
        (0, 1, 1),
        (0, 1, 1),
        (0, 0, 2),
    ]


def test_ctrl_c_stops_the_loop_cleanly(home: Path) -> None:
    from contextlib import contextmanager

    from permapress.handle import Newsroom

    @contextmanager
    def open_newsroom():  # type: ignore[no-untyped-def]
        with Newsroom.open(home) as newsroom:
            yield newsroom

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    with serve({"/f.xml": route("text")}) as server:
        done = watch(open_newsroom, [server.url("/f.xml")], every=60.0, sleep=interrupt)
    assert done == 1


def test_a_failing_feed_is_reported_and_exits_1(home: Path, cli: Callable[..., Any]) -> None:
    with serve({}) as server:
        run = cli("watch", server.url("/gone.xml"), "--once", "--home", str(home))
    assert run.code == 1 and "HTTP 404" in run.err and "0 imported" in run.out


@pytest.mark.parametrize(
    ("text", "seconds"), [("15m", 900.0), ("90s", 90.0), ("2h", 7200.0), ("1d", 86400.0),
                          ("30", 1800.0)],
)  # fmt: skip
def test_parse_interval(text: str, seconds: float) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["5s", "fast", "-1m", ""])
def test_bad_intervals(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_interval(text)


def test_change_note_names_the_time_in_utc() -> None:
    when = datetime(2025, 7, 8, 14, 30, tzinfo=UTC)
    assert change_note(when) == "Text changed at the source on 2025-07-08 14:30 UTC"
