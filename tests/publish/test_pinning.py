"""The Pinning Service API client against a test server written to the published OpenAPI spec
(ipfs/pinning-services-api-spec; no pinning service can be installed here)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from permapress.handle import Newsroom
from permapress.publish.errors import TargetRejected, TokenRefused
from permapress.publish.http import TargetClient
from permapress.publish.pinning import publish_pinning
from permapress.publish.run import publish
from permapress.publish.state import PublishState
from permapress.publish.targets import Target, read_targets

sys.path.insert(0, str(Path(__file__).parent))
from publish_world import PinningHandler, PinningState, add_targets, build, serve, site_tree  # noqa: E402

TOKEN = "psa-token-123"
ORIGINS = ("/dns4/news.example.org/tcp/443/https",)


@pytest.fixture
def service() -> Iterator[tuple[str, PinningState]]:
    state = PinningState(TOKEN)
    with serve(PinningHandler, state) as url:
        yield url, state


def _pin(home: Path, url: str, root: object, token: str = TOKEN, wait: float = 30.0) -> str:
    target = Target("psa", "pinning", url, wait=wait, retries=0)
    with (
        Newsroom.open(home) as newsroom,
        PublishState.open(newsroom.config.catalog_path) as state,
        TargetClient(target, token) as client,
    ):
        return publish_pinning(
            client,
            root,
            state,
            origins=ORIGINS,
            label="Test site",
            poll=0.01,  # type: ignore[arg-type]
        )


def test_create_poll_until_pinned_then_replace(
    home: Path, service: tuple[str, PinningState]
) -> None:
    url, fake = service
    first = build(home, site_tree(1))
    assert _pin(home, url, first) == "pinned"
    (created,) = [r for r in fake.requests if r[0] == "POST"]
    assert created[1] == "/pins"
    assert created[2]["cid"] == str(first) and created[2]["origins"] == list(ORIGINS)
    assert created[2]["name"] == "Test site"
    assert _pin(home, url, first) == "already"
    second = build(home, site_tree(2))
    assert _pin(home, url, second) == "pinned"
    replace = [r for r in fake.requests if r[0] == "POST"][-1]
    assert replace[1].startswith("/pins/") and replace[2]["cid"] == str(second)
    assert [p["pin"]["cid"] for p in fake.pins.values()] == [
        str(second)
    ]  # the old pin object is gone
    with PublishState.open(home / "catalog.sqlite", readonly=True) as state:
        assert {r.root_cid: r.status for r in state.roots("psa")} == {
            str(first): "replaced",
            str(second): "pinned",
        }


def test_pending_when_the_wait_runs_out_then_resumed(
    home: Path, service: tuple[str, PinningState]
) -> None:
    url, fake = service
    fake.polls_until_pinned = 4
    root = build(home, site_tree(1))
    assert _pin(home, url, root, wait=0.001) == "pending"
    with PublishState.open(home / "catalog.sqlite", readonly=True) as state:
        row = state.root("psa", str(root))
        assert row is not None and row.status == "pinning" and row.request_id in fake.pins
    assert _pin(home, url, root) == "pinned"
    assert len(fake.pins) == 1  # resumed the same request, did not pin twice


def test_request_made_before_a_crash_is_found_not_duplicated(
    home: Path, service: tuple[str, PinningState]
) -> None:
    url, fake = service
    root = build(home, site_tree(1))
    assert _pin(home, url, root) == "pinned"
    with Newsroom.open(home) as newsroom:  # forget what we recorded, as if we crashed
        newsroom.catalog._conn.execute("DELETE FROM publish_roots")
    assert _pin(home, url, root) == "pinned"
    assert len([r for r in fake.requests if r[0] == "POST"]) == 1


def test_failed_pin_is_recorded_and_reported(home: Path, service: tuple[str, PinningState]) -> None:
    url, fake = service
    root = build(home, site_tree(1))
    fake.fail_cids.add(str(root))
    with pytest.raises(TargetRejected, match="could not find providers"):
        _pin(home, url, root)
    with PublishState.open(home / "catalog.sqlite", readonly=True) as state:
        row = state.root("psa", str(root))
        assert row is not None and row.status == "failed"


def test_wrong_token_is_refused(home: Path, service: tuple[str, PinningState]) -> None:
    url, _fake = service
    root = build(home, site_tree(1))
    with pytest.raises(TokenRefused, match="HTTP 401: UNAUTHORIZED"):
        _pin(home, url, root, token="nope")


def test_publish_from_config_with_a_token_file(
    home: Path, service: tuple[str, PinningState], tmp_path: Path
) -> None:
    url, fake = service
    token_file = tmp_path / "psa.token"
    token_file.write_text(TOKEN + "\n")
    root = build(home, site_tree(1))
    add_targets(
        home,
        f'[publish.psa]\ntype = "pinning"\nurl = "{url}"\ntoken_file = "{token_file}"\n'
        'origins = ["/ip4/203.0.113.7/tcp/8080/http"]\n',
    )
    with Newsroom.open(home) as newsroom:
        (outcome,) = publish(newsroom, list(read_targets(home).values()), env={}, poll=0.01)
    assert (outcome.result, outcome.root) == ("pinned", str(root))
    assert fake.requests[-2][0] == "GET"
    posted = [r for r in fake.requests if r[0] == "POST"][0][2]
    assert posted["origins"] == ["/ip4/203.0.113.7/tcp/8080/http"]
