"""The admin at newsroom scale (goals from issue 16; Ghost's admin list: about 4 s at 20,000
posts, PR #20503).

- **list and search at 100,000 articles** (goal < 100 ms server time): admin.sqlite's list
  index holds 100,000 articles (written straight into the index, as the catalog sync would:
  a corpus headline, summary, section and byline each), and the admin app answers
  ``GET /admin/api/articles`` for the first page, a status filter, a section filter, a page deep
  in the list, a search for a common word and a half-typed rare one. Timed in the server: the
  app is called in this process through its ASGI interface (no network), best of several.
- **autosave round trip** (goal < 50 ms): ``PUT /admin/api/articles/{slug}`` with a 5,000-word
  body over HTTP to the admin served by uvicorn on 127.0.0.1, as the editor sends it, best of
  several.
- **publish one article**: the editor's Publish on a newsroom of ``SITE`` imported articles
  (record: bundle, signature, CAR, catalog row and log entry; then the site build, which is
  incremental for a new article) and a correction of it (the patched build). The article has
  5,000 words of prose-like text (``_prose``).
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.common import Result
from benchmarks.corpus import CATEGORIES, WORDS, ensure_corpus

ARTICLES = 100_000
SITE = 300
GOAL_LIST_MS = 100.0
GOAL_SAVE_MS = 50.0
ANCHOR = "Ghost ~4 s at 20,000 posts"


def _fill_index(store: Any, n: int) -> None:
    from permapress.admin.store import IndexRow

    rng = random.Random(16)
    statuses = ["published"] * 6 + ["draft", "submitted", "scheduled", "retracted"]
    authors = [f"{first} {last}" for first in ("Ann", "Bo", "Chi", "Dee", "Eli", "Fay")
               for last in ("Reed", "Moss", "Hale", "Stone", "Vale")]  # fmt: skip
    with store.transaction() as conn:
        for i in range(n):
            words = [rng.choice(WORDS) for _ in range(rng.randint(5, 10))]
            headline = " ".join(words).capitalize() + f" {i}"
            summary = " ".join(rng.choice(WORDS) for _ in range(25))
            stamp = datetime.fromtimestamp(1_600_000_000 + i * 600, UTC).isoformat()
            row = IndexRow(f"article-{i}", headline, rng.choice(statuses), None, stamp, stamp,
                           summary, [rng.choice(CATEGORIES)], [rng.choice(authors)])  # fmt: skip
            store.index_article(conn, row, [rng.choice(WORDS)])
    store.optimize_search()  # as the catalog sync does after a bulk load


def _prose(words: int) -> str:
    """Text with a vocabulary like real prose (thousands of distinct words, not the corpus's
    fifty, whose endless repetition makes any word-level diff degenerate)."""
    rng = random.Random(5)
    syllables = [c + v for c in "bcdfghklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]
    vocabulary = ["".join(rng.choice(syllables) for _ in range(rng.randint(1, 4)))
                  for _ in range(6000)]  # fmt: skip
    out = [rng.choice(vocabulary) for _ in range(words)]
    return " ".join(out).capitalize() + "."


async def _asgi_get(app: Any, path: str, token: str) -> tuple[int, bytes]:
    """One GET through the app's ASGI interface: the server's own time, no network."""
    target, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": target, "raw_path": target.encode(),
        "query_string": query.encode(), "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8001),
    }  # fmt: skip
    sent = False
    status = 0
    body = bytearray()

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await app(scope, receive, send)
    return status, bytes(body)


def _best_ms(func: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def run(work: Path) -> list[Result]:
    import httpx

    from permapress.admin.app import admin_app
    from permapress.admin.people import accept_invite, add_user, create_token
    from permapress.admin.serve import AdminServer
    from permapress.admin.store import AdminStore
    from permapress.handle import Newsroom
    from permapress.newsroom.home import init_newsroom
    from permapress.newsroom.importing import import_paths
    from permapress.site.build import build_site

    results: list[Result] = []
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        home = Path(tmp) / "newsroom"
        init_newsroom(home, "Bench Ledger")
        store = AdminStore.open(home)
        invite = add_user(store, "editor@bench.example", "admin")
        accept_invite(store, invite.secret, "a bench passphrase", now=time.time())
        _id, token = create_token(store, "editor@bench.example")
        start = time.perf_counter()
        _fill_index(store, ARTICLES)
        print(f"index of {ARTICLES} articles written in {time.perf_counter() - start:.1f} s",
              flush=True)  # fmt: skip
        app = admin_app(home, store=store)
        loop = asyncio.new_event_loop()
        queries = {
            "list, first page": "/admin/api/articles",
            "list, status filter": "/admin/api/articles?status=submitted",
            "list, section filter": "/admin/api/articles?section=health",
            "list, page 1,000": "/admin/api/articles?page=1000&per_page=50",
            "search, common word": "/admin/api/articles?q=harbour",
            "search, half-typed word": "/admin/api/articles?q=agreem",
            "search + section": "/admin/api/articles?q=council%20vote&section=politics",
        }
        for label, path in queries.items():
            status, body = loop.run_until_complete(_asgi_get(app, path, token))
            assert status == 200, body[:300]
            ms = _best_ms(lambda p=path: loop.run_until_complete(_asgi_get(app, p, token)), 7)
            print(f"{label}: {ms:.1f} ms", flush=True)
            goal = f"< {GOAL_LIST_MS:.0f} ms"
            results.append(Result(f"admin: {label} (100,000 articles)", ms, "ms", anchor=ANCHOR,
                                  goal=goal, met=ms < GOAL_LIST_MS))  # fmt: skip
        loop.close()

        # autosave over HTTP
        server = AdminServer("127.0.0.1:0")
        server(home)
        try:
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
                made = client.post("/admin/api/articles",
                                   json={"headline": "Autosave bench", "body": "x"})  # fmt: skip
                assert made.status_code == 201, made.text
                slug = made.json()["slug"]
                revision = made.json()["revision"]
                prose = _prose(5000)
                best = float("inf")
                for n in range(15):
                    begin = time.perf_counter()
                    change = {"revision": revision, "body": f"{prose} {n}"}
                    answer = client.put(f"/admin/api/articles/{slug}", json=change)
                    best = min(best, time.perf_counter() - begin)
                    assert answer.status_code == 200, answer.text
                    revision = answer.json()["revision"]
        finally:
            server.close()
        ms = best * 1000
        print(f"autosave round trip: {ms:.1f} ms", flush=True)
        results.append(Result("admin: autosave round trip (HTTP, 5,000 words)", ms, "ms",
                              goal=f"< {GOAL_SAVE_MS:.0f} ms", met=ms < GOAL_SAVE_MS))  # fmt: skip

        # publish one article on a real site
        corpus = ensure_corpus(work / "corpus", SITE)
        with Newsroom.open(home) as newsroom:
            import_paths(newsroom, [str(corpus)], fmt=None, now=datetime.now(UTC))
            build_site(newsroom)
        from starlette.testclient import TestClient

        client2 = TestClient(admin_app(home, store=store), base_url="http://testserver")
        made = client2.post("/admin/api/articles", headers=headers,
                            json={"headline": "Publish bench", "body": prose})  # fmt: skip
        slug = made.json()["slug"]
        begin = time.perf_counter()
        done = client2.post(f"/admin/api/articles/{slug}/publish", headers=headers)
        publish_s = time.perf_counter() - begin
        assert done.status_code == 200, done.text
        mode = done.json()["build"]["mode"]
        revision = client2.get(f"/admin/api/articles/{slug}", headers=headers).json()["revision"]
        client2.put(f"/admin/api/articles/{slug}", headers=headers,
                    json={"revision": revision, "body": prose + " Corrected."})  # fmt: skip
        begin = time.perf_counter()
        fixed = client2.post(f"/admin/api/articles/{slug}/correct", headers=headers,
                             json={"note": "A word was wrong."})  # fmt: skip
        correct_s = time.perf_counter() - begin
        assert fixed.status_code == 200, fixed.text
        fixed_mode = fixed.json()["build"]["mode"]
        print(f"publish: {publish_s:.2f} s ({mode} build); correction: {correct_s:.2f} s "
              f"({fixed_mode} build), site of {SITE + 1} articles", flush=True)  # fmt: skip
        results.append(Result(f"admin: publish one article ({mode} build, {SITE} on site)",
                              publish_s, "s"))  # fmt: skip
        results.append(Result(f"admin: correct one article ({fixed_mode} build)", correct_s, "s"))
        store.close()
    return results
