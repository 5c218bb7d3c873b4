"""Trust in the newsroom: keys, corrections, history pages, retraction, purge, the site verified.

Everything runs through the real CLI on a copy of the demo newsroom (``demo_home``), with the
real SQLite catalog and blockstore; the gateway is the real Starlette app in process.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import html as lxml_html

from permapress.catalog import Catalog
from permapress.catalog.db import SCHEMA_VERSION
from permapress.ipfs.cid import CID
from permapress.trust.keys import fingerprint, load_public_key

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

Cli = Callable[..., Any]
SLUG = "port-aldwick-council-passes-harbour-budget-after-late-night-session"


def _ok(cli: Cli, *args: str) -> Any:
    run = cli(*args)
    assert run.code == 0, run.err
    return run


def _correction(tmp_path: Path, home: Path, cli: Cli) -> Path:
    shown = _ok(cli, "show", SLUG, "--home", str(home), "--json").json()
    body = shown["body"].replace("passed by seven votes to four", "passed by eight votes to three")
    assert body != shown["body"]
    path = tmp_path / "corrected.md"
    path.write_text(
        f"---\ntitle: {json.dumps(shown['headline'])}\ndate: {shown['published']}\n"
        f"categories: {json.dumps(shown['categories'])}\n---\n\n{body}\n",
        encoding="utf-8",
    )
    return path


def test_init_makes_the_key_and_keys_commands(demo_home: Path, cli: Cli, tmp_path: Path) -> None:
    keys = demo_home / "keys"
    assert stat.S_IMODE((keys / "publisher.key").stat().st_mode) == 0o600
    shown = _ok(cli, "keys", "show", "--home", str(demo_home), "--json").json()
    public = load_public_key(keys)
    assert shown == {
        "key": "ed25519:" + public.hex(),
        "public_key": public.hex(),
        "fingerprint": fingerprint(public),
    }
    plain = _ok(cli, "keys", "show", "--home", str(demo_home)).out
    assert fingerprint(public) in plain and public.hex() in plain
    again = cli("keys", "init", "--home", str(demo_home))
    assert again.code == 1 and "never replaced" in again.err
    assert load_public_key(keys) == public
    (keys / "publisher.key").unlink()
    made = _ok(cli, "keys", "init", "--home", str(demo_home))
    assert made.last_line == fingerprint(load_public_key(keys)) != fingerprint(public)


def test_the_site_publishes_the_key_and_the_log(demo_home: Path, cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "site"
    _ok(cli, "build", "--home", str(demo_home), "--out", str(out))
    public = load_public_key(demo_home / "keys")
    doc = json.loads((out / "publisher.json").read_text())
    assert doc["key"] == "ed25519:" + public.hex()
    assert doc["fingerprint"] == fingerprint(public)
    assert doc["name"] == "The Harbour Courier" and doc["profile"] == "unixfs-v1-2025"
    lines = (out / "log.jsonl").read_bytes().splitlines()
    # the demo's 17 articles and 4 pages of its own, and the correction it publishes
    assert doc["log"]["entries"] == len(lines) == 22
    assert {json.loads(line)["entry"]["action"] for line in lines} == {"publish", "correct"}
    for page in ("index.html", f"articles/{SLUG}/index.html", "archive/index.html", "404.html"):
        assert fingerprint(public) in (out / page).read_text(), page
    bundle_page = (out / "articles" / SLUG / "v" / "1" / "index.html").read_text()
    assert fingerprint(public) in bundle_page
    report = _ok(cli, "verify", str(out), "--json", "--key", fingerprint(public)).json()
    assert report["valid"] and report["kind"] == "site" and report["log_entries"] == 22
    assert len(report["articles"]) == 21


def test_a_correction_is_public_signed_and_diffed(
    demo_home: Path, cli: Cli, tmp_path: Path
) -> None:
    fixed = _correction(tmp_path, demo_home, cli)
    run = _ok(
        cli,
        "correct",
        SLUG,
        str(fixed),
        "--note",
        "Corrected the vote count.",
        "--home",
        str(demo_home),
        "--json",
    )
    assert run.json()["version"] == 2
    same = cli("correct", SLUG, str(fixed), "--note", "again", "--home", str(demo_home))
    assert same.code == 1 and "nothing to correct" in same.err
    out = tmp_path / "site"
    _ok(cli, "build", "--home", str(demo_home), "--out", str(out), "--cars")
    base = out / "articles" / SLUG
    page = lxml_html.fromstring((base / "index.html").read_bytes())
    updated = " ".join(page.xpath("//p[@class='updated']//text()"))
    assert "Corrected the vote count." in updated and updated.strip().startswith("Updated")
    jsonld = json.loads(page.xpath("//script[@type='application/ld+json']/text()")[0])
    assert jsonld["correction"][0]["@type"] == "CorrectionComment"
    assert jsonld["correction"][0]["text"] == "Corrected the vote count."
    assert jsonld["dateModified"] == jsonld["correction"][0]["datePublished"]
    assert page.xpath("//a[@href='history/index.html']")
    history = lxml_html.fromstring((base / "history" / "index.html").read_bytes())
    versions = history.xpath("//li[@class='history__version']/@id")
    assert versions == ["v2", "v1"]
    cars = history.xpath("//a[normalize-space()='Download IPFS']/@href")
    assert cars == [f"../{SLUG}-v2.car", f"../{SLUG}-v1.car"]
    for href in cars + history.xpath("//a[starts-with(normalize-space(), 'Read version')]/@href"):
        assert (base / "history" / href).resolve().is_file(), href
    shown = _ok(cli, "show", SLUG, "--home", str(demo_home), "--json").json()
    for version in shown["versions"]:
        assert version["bundle_cid"] in history.text_content()
        report = _ok(cli, "verify", str(base / f"{SLUG}-v{version['number']}.car"), "--json").json()
        assert report["valid"] and report["root"] == version["bundle_cid"]
        assert report["version"] == version["number"]
    diff = lxml_html.fromstring((base / "history" / "2" / "index.html").read_bytes())
    assert diff.xpath("//div[@class='diff__text']//ins") and diff.xpath(
        "//div[@class='diff__text']//del"
    )
    assert "Corrected the vote count." in diff.text_content()
    assert not diff.xpath("//div[@class='diff__text']//*[not(self::ins or self::del)]")
    site = _ok(cli, "verify", str(out), "--json").json()
    # the demo's 21 articles and pages, its own corrected article's second version, and this one
    assert site["valid"] and site["versions"] == 23
    assert sorted(c["note"] for c in site["corrections"]) == [
        "Corrected the number of ballots checked in the recount: 2,946, not 2,964.",
        "Corrected the vote count.",
    ]
    log = [json.loads(line)["entry"] for line in (out / "log.jsonl").read_bytes().splitlines()]
    assert log[-1]["action"] == "correct" and log[-1]["version"] == 2


def test_a_dropped_version_or_a_cut_log_is_detected_in_a_site(
    demo_home: Path, cli: Cli, tmp_path: Path
) -> None:
    fixed = _correction(tmp_path, demo_home, cli)
    _ok(
        cli,
        "correct",
        SLUG,
        str(fixed),
        "--note",
        "Corrected the vote count.",
        "--home",
        str(demo_home),
    )
    out = tmp_path / "site"
    _ok(cli, "build", "--home", str(demo_home), "--out", str(out))
    dropped = tmp_path / "dropped"
    shutil.copytree(out, dropped)
    shutil.rmtree(dropped / "articles" / SLUG / "v" / "1")
    run = cli("verify", str(dropped))
    assert run.code == 1
    assert (
        f"Problem: version 1 of {SLUG} is in the publisher log but not in the site: "
        "a published version was dropped"
    ) in run.out
    cut = tmp_path / "cut"
    shutil.copytree(out, cut)
    lines = (cut / "log.jsonl").read_bytes().splitlines(keepends=True)
    (cut / "log.jsonl").write_bytes(b"".join(lines[:-1]))
    run = cli("verify", str(cut), "--json")
    problems = run.json()["problems"]
    assert run.code == 1
    assert any("the log was cut or extended" in p for p in problems)
    assert any(
        f"version 2 of {SLUG} is in the site but not in the publisher log" in p for p in problems
    )


def test_retract_keeps_the_record_and_purge_deletes_the_blocks(
    demo_home: Path, cli: Cli, tmp_path: Path
) -> None:
    from permapress.newsroom.serving import newsroom_app

    shown = _ok(cli, "show", SLUG, "--home", str(demo_home), "--json").json()
    bundle = shown["bundle_cid"]
    refused = cli("retract", SLUG, "--reason", " ", "--home", str(demo_home))
    assert refused.code == 1 and "needs a reason" in refused.err
    _ok(
        cli,
        "retract",
        SLUG,
        "--reason",
        "The budget figures came from a forged document.",
        "--home",
        str(demo_home),
    )
    again = cli("retract", SLUG, "--reason", "x", "--home", str(demo_home))
    assert again.code == 1 and "already retracted" in again.err
    out = tmp_path / "site"
    _ok(cli, "build", "--home", str(demo_home), "--out", str(out))
    for listing in (
        "index.html",
        "feed.xml",
        "rss.xml",
        "feed.json",
        "sitemap.xml",
        "news-sitemap.xml",
        "archive/2025/03/index.html",
    ):
        assert SLUG not in (out / listing).read_text(), listing
    tomb = (out / "articles" / SLUG / "index.html").read_text()
    assert "The budget figures came from a forged document." in tomb and "Retracted" in tomb
    assert (out / "articles" / SLUG / "v" / "1" / "article.md").is_file()
    assert _ok(cli, "verify", str(out)).out.startswith("VALID")
    listed = _ok(cli, "list", "--home", str(demo_home), "--json").json()
    assert SLUG not in [a["slug"] for a in listed]

    run = _ok(
        cli,
        "retract",
        SLUG,
        "--reason",
        "Court order 2025/117.",
        "--purge",
        "--home",
        str(demo_home),
        "--json",
    ).json()
    assert run["purged"] and run["deleted_blocks"] >= 4
    app, root, _config = newsroom_app(demo_home)
    assert root == run["root_cid"]
    with TestClient(app) as client:
        assert client.get(f"/ipfs/{bundle}?format=car").status_code == 404
        assert client.get(f"/ipfs/{bundle}/article.md").status_code == 404
        assert client.get(f"/articles/{SLUG}/index.html").status_code == 200
        assert client.get(f"/articles/{SLUG}/v/1/index.html").status_code == 404
        record = client.get(f"/articles/{SLUG}/records/1.json")
        assert record.status_code == 200 and json.loads(record.content)["version"] == 1
        other = _ok(cli, "list", "--home", str(demo_home), "--json").json()[0]
        assert client.get(f"/ipfs/{other['bundle_cid']}?format=car").status_code == 200
    assert not any(cid == CID.parse(bundle) for cid in _blocks(demo_home))
    with Catalog.open(demo_home / "catalog.sqlite", readonly=True) as catalog:
        lines = catalog.log_lines()
        assert catalog.versions(SLUG)[0].document == ""
    actions = [json.loads(line)["entry"]["action"] for line in lines]
    assert actions[-2:] == ["retract", "purge"]
    assert json.loads(lines[-1])["entry"]["note"] == "Court order 2025/117."
    out2 = tmp_path / "purged-site"
    _ok(cli, "build", "--home", str(demo_home), "--out", str(out2))
    assert "Court order" not in (out2 / "articles" / SLUG / "index.html").read_text()
    report = _ok(cli, "verify", str(out2), "--json").json()
    assert report["valid"], report["problems"]
    assert [a["retracted"] for a in report["articles"] if a["slug"] == SLUG] == [True]
    record = out2 / "articles" / SLUG / "records" / "1.json"
    record.write_bytes(record.read_bytes().replace(b"harbour-budget", b"harbour-budgie"))
    problems = cli("verify", str(out2), "--json").json()["problems"]
    assert problems == [f"articles/{SLUG}/records/1.json is not the record the publisher log names"]
    shutil.rmtree(out2 / "articles" / SLUG / "records")
    problems = cli("verify", str(out2), "--json").json()["problems"]
    assert problems == [
        f"articles/{SLUG}/records/ is missing: a purged article keeps its signed records"
    ]


def _blocks(home: Path) -> list[CID]:
    from permapress.ipfs.blockstore import FileBlockstore

    return list(FileBlockstore(home / "blocks"))


def test_an_old_catalog_is_migrated_and_old_versions_get_records(
    demo_home: Path, cli: Cli, tmp_path: Path
) -> None:
    with sqlite3.connect(demo_home / "catalog.sqlite") as db:
        db.execute("UPDATE versions SET record_cid = '', record = '', signature = ''")
    fixed = _correction(tmp_path, demo_home, cli)
    run = _ok(
        cli, "correct", SLUG, str(fixed), "--note", "Fixed.", "--home", str(demo_home), "--json"
    ).json()
    out = tmp_path / "site"
    _ok(cli, "build", "--home", str(demo_home), "--out", str(out), "--cars")
    report = _ok(cli, "verify", str(out / "articles" / SLUG / f"{SLUG}.car"), "--json").json()
    assert report["valid"] and report["root"] == run["bundle_cid"] and report["versions"] == 2

    old = tmp_path / "old.sqlite"
    with sqlite3.connect(old) as db:
        db.executescript(
            "CREATE TABLE articles (slug TEXT PRIMARY KEY, source TEXT, status TEXT NOT NULL, "
            "first_seen TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '');"
            "CREATE TABLE versions (slug TEXT NOT NULL, number INTEGER NOT NULL, content_key TEXT "
            "NOT NULL, bundle_cid TEXT NOT NULL, bundle_size INTEGER NOT NULL, published TEXT NOT "
            "NULL, effective TEXT NOT NULL, recorded TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', "
            "document TEXT NOT NULL, meta TEXT NOT NULL, PRIMARY KEY (slug, number));"
            "INSERT INTO articles VALUES ('a', NULL, 'published', '2025-01-01', '');"
            "PRAGMA user_version = 1;"
        )
    with Catalog.open(old) as catalog:
        row = catalog.article("a")
        assert row is not None and row.retracted is None and row.purged is False
        assert catalog.log_head() is None
    with sqlite3.connect(old) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        columns = {r[1] for r in db.execute("PRAGMA table_info(versions)")}
        assert {"record_cid", "record", "signature", "skeleton", "body_html", "car_cid"} <= columns


def test_reimporting_a_changed_source_publishes_a_signed_version_with_a_note(
    demo_home: Path, cli: Cli, tmp_path: Path
) -> None:
    from permapress.demo import demo_articles_path

    source = tmp_path / "harbour.md"
    text = (demo_articles_path() / "2025-03-12-harbour-budget.md").read_text(encoding="utf-8")
    source.write_text(text.replace("slug:", "x-slug:"), "utf-8")
    (tmp_path / "img").mkdir()
    shutil.copy(demo_articles_path() / "img" / "harbour.jpg", tmp_path / "img" / "harbour.jpg")
    first = _ok(cli, "import", str(source), "--home", str(demo_home), "--json").json()
    slug = first["items"][0]["slug"]
    assert first["imported"] == 1 and slug == SLUG + "-2"  # another source: a new article
    source.write_text(text.replace("seven votes to four", "eight votes to three"), "utf-8")
    again = _ok(cli, "import", str(source), "--home", str(demo_home), "--json").json()
    assert again["updated"] == 1
    shown = _ok(cli, "show", slug, "--home", str(demo_home), "--json").json()
    notes = [v["note"] for v in shown["versions"]]
    assert notes == ["", "Text changed since the previous version."]
    out = tmp_path / "site"
    _ok(cli, "build", "--home", str(demo_home), "--out", str(out), "--cars")
    report = _ok(cli, "verify", str(out / "articles" / slug / f"{slug}.car"), "--json").json()
    assert report["valid"] and report["version"] == 2
    assert report["corrections"][0]["note"] == "Text changed since the previous version."
    log = [json.loads(line)["entry"] for line in (out / "log.jsonl").read_bytes().splitlines()]
    assert (log[-1]["action"], log[-1]["slug"], log[-1]["version"]) == ("correct", slug, 2)
    assert (log[-2]["action"], log[-2]["slug"], log[-2]["version"]) == ("publish", slug, 1)


def test_ipfs_car_unpacks_a_signed_bundle_that_then_verifies(
    demo_home: Path, cli: Cli, tmp_path: Path
) -> None:
    import subprocess

    ipfs_car = Path(__file__).resolve().parents[1] / "interop" / "node_modules" / "ipfs-car"
    if shutil.which("node") is None or not (ipfs_car / "bin.js").is_file():
        import pytest

        pytest.skip("node or tests/interop/node_modules/ipfs-car is missing (run npm ci there)")
    out = tmp_path / "site"
    _ok(cli, "build", "--home", str(demo_home), "--out", str(out), "--cars")
    car = out / "articles" / SLUG / f"{SLUG}.car"
    unpacked = tmp_path / "unpacked"
    done = subprocess.run(
        ["node", str(ipfs_car / "bin.js"), "unpack", str(car), "--output", str(unpacked)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (unpacked / "record" / "version.json").is_file()
    assert json.loads((unpacked / "record" / "version.json").read_bytes())["version"] == 1
    report = _ok(cli, "verify", str(unpacked), "--json").json()
    assert report["valid"] and report["headline"].startswith("Port Aldwick council")


def test_a_retracted_article_takes_no_new_versions(
    demo_home: Path, cli: Cli, tmp_path: Path
) -> None:
    from permapress.demo import demo_articles_path

    _ok(cli, "retract", SLUG, "--reason", "Withdrawn.", "--home", str(demo_home))
    fixed = _correction(tmp_path, demo_home, cli)
    run = cli("correct", SLUG, str(fixed), "--note", "x", "--home", str(demo_home))
    assert run.code == 1 and "was retracted" in run.err
    source = tmp_path / "copy.md"
    text = (demo_articles_path() / "2025-04-08-river-esk-flood-warning.md").read_text("utf-8")
    source.write_text(text.replace("image: img/river-esk.jpg\n", ""), "utf-8")
    slug = _ok(cli, "import", str(source), "--home", str(demo_home), "--json").json()["items"][0]
    _ok(cli, "retract", slug["slug"], "--reason", "Duplicate.", "--home", str(demo_home))
    source.write_text(text.replace("image: img/river-esk.jpg\n", "").replace("60", "61"), "utf-8")
    again = cli("import", str(source), "--home", str(demo_home), "--json")
    assert again.code == 1
    assert "was retracted (Duplicate.)" in again.json()["failed"][0]["error"]
    for name in (SLUG, slug["slug"]):
        shown = _ok(cli, "show", name, "--home", str(demo_home), "--json").json()
        assert len(shown["versions"]) == 1 and shown["status"] == "retracted"
