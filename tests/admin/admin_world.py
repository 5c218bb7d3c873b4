"""A real newsroom with one person of each role, and the admin app over it (real SQLite, real
blockstore, real signing key), for the admin's API tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from permapress.admin.app import admin_app
from permapress.admin.people import accept_invite, add_user, create_token
from permapress.admin.store import AdminStore
from permapress.newsroom.home import init_newsroom

PASSWORD = "correct horse battery staple"
ROLES = ("contributor", "author", "editor", "admin")
START = 1_800_000_000.0  # 2027-01-15, the world's clock


class Clock:
    """The admin's clock, moved by the tests (sessions, invites, schedules expire by it)."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Person:
    email: str
    role: str
    user_id: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    home: Path
    store: AdminStore
    clock: Clock
    client: TestClient
    people: dict[str, Person] = field(default_factory=dict)

    def api(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**self.people[who].auth, **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)

    def new_article(self, who: str, headline: str = "Harbour budget passes", **fields: Any) -> str:
        body = fields.pop("body", "The council voted **7 to 2** after midnight.")
        answer = self.api(who, "POST", "/admin/api/articles",
                          json={"headline": headline, "body": body, **fields})  # fmt: skip
        assert answer.status_code == 201, answer.text
        return str(answer.json()["slug"])

    def fresh_client(self) -> TestClient:
        """Another browser: a client of the same app with no cookies."""
        return TestClient(self.client.app, base_url="http://testserver")

    def signed_in_client(self, who: str) -> tuple[TestClient, str]:
        """A second client with a session cookie for ``who``; and its CSRF token."""
        client = self.fresh_client()
        answer = client.post("/admin/login", json={"email": self.people[who].email,
                                                   "password": PASSWORD})  # fmt: skip
        assert answer.status_code == 200, answer.text
        return client, str(answer.json()["csrf_token"])


def make_world(tmp: Path, **app_options: Any) -> World:
    home = tmp / "newsroom"
    init_newsroom(home, "The Test Ledger")
    store = AdminStore.open(home)
    clock = Clock()
    app = admin_app(home, clock=clock, store=store, **app_options)
    world = World(home, store, clock, TestClient(app, base_url="http://testserver"))
    for role in (*ROLES, "author2"):
        email = f"{role}@ledger.example"
        invite = add_user(store, email, "author" if role == "author2" else role,
                          name=f"{role.title()} Person", now=clock())  # fmt: skip
        accept_invite(store, invite.secret, PASSWORD, now=clock())
        _id, token = create_token(store, email, now=clock())
        world.people[role] = Person(email, invite.user.role, invite.user.id, token)
    return world
