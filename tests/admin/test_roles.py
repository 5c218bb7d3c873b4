"""Every role against every action through the API: allowed, or refused with 403 and nothing
changed (docs/admin-api.md has the same table).

An article is "own" when the person created it; the "other" articles belong to a second
author. "published" articles were published by an editor first. Allowed actions may still
answer 409 for the article's state (publishing a published article); the table says only
what the role permits.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from admin_world import World, make_world  # noqa: E402

from permapress.handle import Newsroom  # noqa: E402

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
Y, N = True, False
# action -> role -> allowed on (own draft, other's draft, own published, other's published)
MATRIX: dict[str, dict[str, tuple[bool, bool, bool, bool]]] = {
    "view":         {"contributor": (Y, N, Y, N), "author": (Y, N, Y, N), "editor": (Y, Y, Y, Y), "admin": (Y, Y, Y, Y)},  # noqa: E501
    "save":         {"contributor": (Y, N, N, N), "author": (Y, N, Y, N), "editor": (Y, Y, Y, Y), "admin": (Y, Y, Y, Y)},  # noqa: E501
    "submit":       {"contributor": (Y, N, N, N), "author": (Y, N, Y, N), "editor": (Y, Y, Y, Y), "admin": (Y, Y, Y, Y)},  # noqa: E501
    "preview_link": {"contributor": (Y, N, N, N), "author": (Y, N, Y, N), "editor": (Y, Y, Y, Y), "admin": (Y, Y, Y, Y)},  # noqa: E501
    "upload_media": {"contributor": (Y, N, N, N), "author": (Y, N, Y, N), "editor": (Y, Y, Y, Y), "admin": (Y, Y, Y, Y)},  # noqa: E501
    "publish":      {"contributor": (N, N, N, N), "author": (Y, N, Y, N), "editor": (Y, Y, Y, Y), "admin": (Y, Y, Y, Y)},  # noqa: E501
    "schedule":     {"contributor": (N, N, N, N), "author": (Y, N, Y, N), "editor": (Y, Y, Y, Y), "admin": (Y, Y, Y, Y)},  # noqa: E501
    "correct":      {"contributor": (N, N, N, N), "author": (Y, N, Y, N), "editor": (Y, Y, Y, Y), "admin": (Y, Y, Y, Y)},  # noqa: E501
    "retract":      {"contributor": (N, N, N, N), "author": (N, N, N, N), "editor": (Y, Y, Y, Y), "admin": (Y, Y, Y, Y)},  # noqa: E501
}  # fmt: skip
CASES = ("own draft", "other's draft", "own published", "other's published")
ROLES = ("contributor", "author", "editor", "admin")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("roles"))


def _log_length(world: World) -> int:
    with Newsroom.open(world.home, readonly=True) as newsroom:
        return len(newsroom.catalog.log_lines())


def _article(world: World, role: str, case: str, n: int) -> str:
    owner = role if case.startswith("own") else "author2"
    slug = world.new_article(owner, f"{role} {case} {n} harbour")
    if case.endswith("published"):
        done = world.api("editor", "POST", f"/admin/api/articles/{slug}/publish")
        assert done.status_code == 200, done.text
    return slug


def _do(world: World, role: str, action: str, slug: str) -> Any:
    base = f"/admin/api/articles/{slug}"
    if action == "view":
        return world.api(role, "GET", base)
    if action == "save":
        revision = world.api("admin", "GET", base).json()["revision"]
        return world.api(role, "PUT", base, json={"revision": revision, "body": "Edited text."})
    if action == "upload_media":
        return world.api(role, "POST", f"/admin/api/media?slug={slug}&name=dot.png", content=PNG)
    if action == "schedule":
        return world.api(role, "POST", f"{base}/schedule",
                         json={"publish_at": "2030-01-01T09:00:00Z"})  # fmt: skip
    if action == "correct":
        return world.api(role, "POST", f"{base}/correct",
                         json={"note": "Fixed a name.", "body": "Corrected text."})  # fmt: skip
    if action == "retract":
        return world.api(role, "POST", f"{base}/retract", json={"reason": "Not true."})
    path = {"preview_link": "preview-link"}.get(action, action)
    return world.api(role, "POST", f"{base}/{path}", json={})


@pytest.mark.parametrize("action", list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_role_action(world: World, role: str, action: str) -> None:
    for n, case in enumerate(CASES):
        slug = _article(world, role, case, n)
        before = _log_length(world)
        answer = _do(world, role, action, slug)
        expected = MATRIX[action][role][n]
        where = f"{role} {action} on {case}: {answer.status_code} {answer.text[:200]}"
        if expected:
            assert answer.status_code != 403, where
            assert answer.status_code in (200, 201, 409), where
        else:
            assert answer.status_code == 403, where
            assert answer.json()["error"], where
            assert _log_length(world) == before, where  # nothing signed


def test_allowed_actions_succeed_in_their_state(world: World) -> None:
    """Allowed is not only "not 403": each action does its work from the right state."""
    slug = world.new_article("author", "Ferry timetable changes")
    assert world.api("author", "POST", f"/admin/api/articles/{slug}/submit").json()[
        "status"] == "submitted"  # fmt: skip
    published = world.api("author", "POST", f"/admin/api/articles/{slug}/publish")
    assert published.status_code == 200 and published.json()["version"] == 1
    again = world.api("author", "POST", f"/admin/api/articles/{slug}/publish")
    assert again.status_code == 409 and "correction" in again.json()["error"]
    change = {"note": "Corrected the time.", "body": "The ferry leaves at 9."}
    fixed = world.api("author", "POST", f"/admin/api/articles/{slug}/correct", json=change)
    assert fixed.status_code == 200 and fixed.json()["version"] == 2
    gone = world.api("editor", "POST", f"/admin/api/articles/{slug}/retract",
                     json={"reason": "The timetable was withdrawn."})  # fmt: skip
    assert gone.status_code == 200 and gone.json()["article"]["status"] == "retracted"


@pytest.mark.parametrize(
    ("role", "invited", "allowed"),
    [
        ("contributor", "contributor", False), ("author", "contributor", False),
        ("editor", "contributor", True), ("editor", "author", True),
        ("editor", "editor", False), ("editor", "admin", False),
        ("admin", "editor", True), ("admin", "admin", True),
    ],
)  # fmt: skip
def test_invites_by_role(world: World, role: str, invited: str, allowed: bool) -> None:
    email = f"new-{role}-{invited}@ledger.example"
    answer = world.api(role, "POST", "/admin/api/users", json={"email": email, "role": invited})
    if allowed:
        assert answer.status_code == 201, answer.text
        assert "/admin/invite/" in answer.json()["invite_url"]
    else:
        assert answer.status_code == 403, answer.text
        assert world.store.user_by_email(email) is None


@pytest.mark.parametrize("role", ROLES)
def test_managing_people_is_for_admins(world: World, role: str) -> None:
    person = {"email": f"temp-{role}@ledger.example", "role": "contributor"}
    target = world.api("admin", "POST", "/admin/api/users", json=person)
    user_id = target.json()["user"]["id"]
    promoted = world.api(role, "POST", f"/admin/api/users/{user_id}/role", json={"role": "admin"})
    removed = world.api(role, "DELETE", f"/admin/api/users/{user_id}")
    if role == "admin":
        assert promoted.status_code == 200 and removed.status_code == 200
    else:
        assert removed.status_code == 403 and promoted.status_code == 403
        assert world.store.user(user_id).role == "contributor"  # type: ignore[union-attr]
    listed = world.api(role, "GET", "/admin/api/users")
    assert listed.status_code == (200 if role in ("editor", "admin") else 403)


def test_the_owner_cannot_be_removed_or_demoted(world: World) -> None:
    owner = world.people["admin"]
    assert world.store.user(owner.user_id).owner  # type: ignore[union-attr]
    assert world.api("admin", "DELETE", f"/admin/api/users/{owner.user_id}").status_code == 409
    demote = world.api("admin", "POST", f"/admin/api/users/{owner.user_id}/role",
                       json={"role": "editor"})  # fmt: skip
    assert demote.status_code == 409


def test_list_shows_contributors_and_authors_only_their_own(world: World) -> None:
    mine = world.new_article("contributor", "Lighthouse keeper retires")
    theirs = world.new_article("author2", "Lighthouse repainted")
    seen = {role: {a["slug"] for a in world.api(role, "GET", "/admin/api/articles?q=lighthouse")
                   .json()["articles"]} for role in ROLES}  # fmt: skip
    assert seen["contributor"] == {mine}
    assert seen["author"] == set()
    assert seen["editor"] == seen["admin"] == {mine, theirs}
