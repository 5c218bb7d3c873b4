"""The static search index (``site/search.py``) and the ``search/`` folder of a build.

Word forms, CJK bigrams, the hash buckets, determinism, capped postings, and what one
correction changes: only the docs chunk of the article and the term chunks of words whose
postings changed. Built sites carry the folder; a patched build after a correction equals a
build from scratch and leaves every other chunk's CID as it was.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from permapress.cli import main
from permapress.handle import Newsroom
from permapress.ipfs.cid import CID
from permapress.ipfs.reader import list_directory, read_file, resolve_path
from permapress.site import search, search_build, search_patch, search_query
from permapress.site.build import BuildResult, build_site
from permapress.site.search import SearchDoc, search_files
from permapress.site.search_words import terms


def doc(i: int, body: str, headline: str = "", day: int = 1) -> SearchDoc:
    return SearchDoc(
        slug=f"story-{i:04d}",
        headline=headline or f"Story {i}",
        summary="",
        body=body,
        authors=("Reporter",),
        categories=("News",),
        published=f"2025-01-{day:02d}T{i // 60 % 24:02d}:{i % 60:02d}:00+00:00",
    )


def chunk(data: bytes) -> object:
    """The data a chunk file registers."""
    match = re.fullmatch(rb'ppSearch\("(\w)",(\d+|"\w+(?:/\d+)?"),(.*)\);\n', data, re.S)
    assert match is not None, data[:80]
    return json.loads(match.group(3))


def slot(files: dict[str, bytes], kind: str, number: int) -> bytes:
    """The term bucket or docs chunk ``number`` (its name ends in a hash of its bytes)."""
    found = [path for path in files if path.startswith(f"{kind}/{number}-")]
    assert len(found) == 1, found
    return files[found[0]]


def slots(files: dict[str, bytes]) -> dict[str, bytes]:
    """The files by place: t/<bucket>, d/<n>, x/ files and meta.js by name."""
    return {re.sub(r"^([td]/\d+)-\w+\.js$", r"\1", path): data for path, data in files.items()}


def test_word_forms_per_language() -> None:
    assert terms("Cities, councils and ferries", "en") == ["city", "council", "and", "ferry"]
    assert terms("the bus is", "en") == ["the", "bus", "is"]  # too short to lose a letter
    assert terms("Wahlen Häuser", "de") == ["wahl", "haus"]
    assert terms("Wahl Haus", "de") == ["wahl", "haus"]
    assert terms("châteaux journaux", "fr") == ["chateau", "journal"]
    assert terms("ciudades actrices", "es") == ["ciudad", "actriz"]
    assert terms("eleições", "pt") == ["eleicao"]
    assert terms("ospedali ospedale", "it") == ["ospedal", "ospedal"]
    assert terms("verkiezingen", "nl") == ["verkiezing"]
    assert terms("Straße", "de") == ["straß"]  # NFKD keeps ß; both sides agree
    assert terms("Ferries", "xx") == ["ferries"]  # no rules: words as they are


def test_cjk_text_becomes_bigrams() -> None:
    assert terms("港口预算", "zh") == ["港口", "口预", "预算"]
    assert terms("港", "zh") == ["港"]
    assert terms("mixed港口words", "en") == ["mixed", "港口", "word"]
    assert terms("한국어", "ko") == ["한국", "국어"]  # Hangul survives NFKD and back


def test_buckets_hash_the_first_three_letters() -> None:
    assert search.bucket("", 1 << 32) == 0x811C9DC5  # FNV-1a of nothing
    assert search.bucket("a", 1 << 32) == 0xE40C292C  # FNV-1a of "a"
    assert search.bucket("harbour", 1024) == search.bucket("harbinger", 1024)
    assert search.bucket_count(10) == 64
    assert search.bucket_count(10_000) == 1024
    assert search.bucket_count(10_000_000) == 4096


def test_the_index_is_deterministic_and_complete() -> None:
    docs = [doc(i, f"harbour budget {i} flood") for i in range(40)]
    files = search_files(docs, "en")
    assert search_files(list(reversed(docs)), "en") == files
    assert {"meta.js", "d/0"} <= set(slots(files)) and "d/1" not in slots(files)
    meta = chunk(files["meta.js"])
    assert isinstance(meta, dict)
    assert (meta["n"], meta["buckets"], meta["per"]) == (40, 64, search.DOCS_PER_CHUNK)
    table = chunk(slot(files, "t", search.bucket("harbour", 64)))
    assert isinstance(table, dict)
    postings = table["harbour"]
    assert postings[0] == 40 and len(postings) == 1 + 2 * 40
    assert sum(postings[1::2]) == 39  # id deltas: ids 0 … 39
    names = chunk(slot(files, "d", 0))
    assert isinstance(names, str) and len(names) == 40 * search.TEXT_HASH
    name = names[16 * search.TEXT_HASH :][: search.TEXT_HASH]
    shown = ["story-0016", "Story 16", "2025-01-01", "harbour budget 16 flood", 0, 0]
    assert chunk(files[f"x/{name}/0.js"]) == shown  # a short text is one piece


def test_file_names_hold_a_hash_of_their_content() -> None:
    docs = [doc(i, f"harbour budget {i} flood", day=1 + i % 9) for i in range(40)]
    files = search_files(docs, "en")
    meta = chunk(files["meta.js"])
    assert isinstance(meta, dict)
    listed = set()
    for path, data in files.items():
        kind, _, rest = path.partition("/")
        if kind in ("t", "d"):
            number, digest = rest.removesuffix(".js").split("-")
            assert digest == search.name_hash(data)
            listed.add(path)
            assert meta[kind][int(number) * search.HASH :][: search.HASH] == digest
        elif kind == "x":
            shown = chunk(data)
            assert isinstance(shown, list) and len(shown) == 6 and shown[4:] == [0, 0]
            payload = json.dumps(shown[:4], ensure_ascii=False, separators=(",", ":")).encode()
            assert rest == search.name_hash(payload, search.TEXT_HASH) + "/0.js"
    assert len(meta["t"]) == search.HASH * meta["buckets"]
    empty = meta["t"].count(search.ABSENT)
    assert len(listed) == meta["buckets"] - empty + len(meta["d"]) // search.HASH


def test_the_headline_weighs_more() -> None:
    docs = [doc(0, "nothing here", headline="Harbour news"), doc(1, "harbour in the body")]
    files = search_files(docs, "en")
    table = chunk(slot(files, "t", search.bucket("harbour", 64)))
    assert isinstance(table, dict)
    _df, first, value0, _delta, value1 = table["harbour"]
    assert first == 0 and value0 % search.SPREAD > value1 % search.SPREAD
    assert value0 // search.SPREAD == search.NOWHERE and value1 // search.SPREAD == 0


def test_a_word_in_every_article_keeps_its_best_postings() -> None:
    docs = [doc(i, "council " * (1 + i % 5), day=1 + i % 28) for i in range(1500)]
    files = search_files(docs, "en")
    table = chunk(slot(files, "t", search.bucket("council", search.bucket_count(1500))))
    assert isinstance(table, dict)
    postings = table["council"]
    assert postings[0] == 1500  # the true document frequency, for idf
    assert len(postings) == 1 + 2 * search.MAX_POSTINGS


def changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


def test_one_correction_changes_only_the_chunks_of_its_words() -> None:
    words = [f"word{n}" for n in range(300)]
    docs = [doc(i, " ".join(words[(i * 7 + k) % 300] for k in range(30))) for i in range(500)]
    files = search_files(docs, "en")
    fixed = list(docs)
    fixed[123] = doc(123, docs[123].body + " harbour", headline=docs[123].headline)
    again = search_files(fixed, "en")
    buckets = search.bucket_count(500)
    moved = changed(slots(files), slots(again))
    # the article's own docs chunk (it names the new text file), its text file (old and new),
    # meta.js (it names every chunk) and the chunk that holds "harbour"; every word it had
    # keeps its postings because its length barely changed
    texts = {p for p in moved if p.startswith("x/")}
    assert 1 <= len(texts) <= 2  # the old text stays when another article has it too
    expected = {f"d/{123 // search.DOCS_PER_CHUNK}", f"t/{search.bucket('harbour', buckets)}"}
    assert moved - texts - {"meta.js"} <= expected | {
        f"t/{search.bucket(w, buckets)}" for w in docs[123].body.split()
    }
    assert expected | {"meta.js"} <= moved
    assert len(moved) <= 1 + len(set(docs[123].body.split())) + 1 + 1 + 2
    # the names of unchanged chunks stay: a reader's cache keeps them
    assert len(set(files) & set(again)) >= len(files) - len(moved)
    # a new article, the newest, changes the last docs chunk and its words' chunks, no other
    newer = [*docs, doc(999, "harbour", day=28)]
    grown = changed(slots(files), slots(search_files(newer, "en")))
    assert {p for p in grown if p.startswith("d/")} == {f"d/{500 // search.DOCS_PER_CHUNK}"}


def test_excerpt_is_the_summary_or_the_start_of_the_body() -> None:
    long_body = "Word " * 100
    assert search.excerpt(doc(1, long_body)).endswith(" …")
    assert len(search.excerpt(doc(1, long_body))) <= search.EXCERPT + 2
    assert search.excerpt(doc(1, "See [the report](https://x.example/a) **now**.")) == (
        "See the report now ."
    )


# --- the search/ folder of a built site ---------------------------------------------------------


def cli(*args: str) -> None:
    try:
        main(list(args))
    except SystemExit as exc:
        assert not exc.code, args


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("search") / "newsroom"
    cli("init", str(home), "--demo")
    cli("build", "--home", str(home))
    return home


@pytest.fixture
def home(demo: Path, tmp_path: Path) -> Path:
    shutil.copytree(demo, tmp_path / "newsroom")
    return tmp_path / "newsroom"


def build(home: Path) -> BuildResult:
    with Newsroom.open(home) as newsroom:
        return build_site(newsroom)


def folder(home: Path, root: str) -> dict[str, str]:
    """Every file under search/ of the site at ``root``: path -> CID."""
    with Newsroom.open(home, readonly=True) as newsroom:
        get = newsroom.blocks.get
        top, _ = resolve_path(CID.parse(root), ["search"], get)
        out: dict[str, str] = {}
        for name, child, _size in list_directory(top, get):
            if name in ("t", "d", "x"):
                for inner, cid, _ in list_directory(child, get):
                    out[f"{name}/{inner}"] = str(cid)
            else:
                out[name] = str(child)
        return out


def read(home: Path, cid: str) -> bytes:
    with Newsroom.open(home, readonly=True) as newsroom:
        return b"".join(read_file(CID.parse(cid), newsroom.blocks.get))


def test_a_build_writes_the_search_folder(home: Path) -> None:
    made = build(home)
    files = folder(home, made.root_cid)
    assert {"index.html", "search.js", "meta.js"} <= set(files)
    assert any(p.startswith("d/0-") for p in files) and any(p.startswith("x/") for p in files)
    page = read(home, files["index.html"]).decode()
    assert '<script src="search.js"></script>' in page and "<noscript>" in page
    assert 'action="index.html"' in page
    home_page = read(home, _cid(home, made.root_cid, "index.html")).decode()
    assert 'action="search/index.html"' in home_page  # the masthead field
    meta = chunk(read(home, files["meta.js"]))
    assert isinstance(meta, dict) and meta["n"] == made.articles


def _cid(home: Path, root: str, path: str) -> str:
    with Newsroom.open(home, readonly=True) as newsroom:
        cid, _ = resolve_path(CID.parse(root), path.split("/"), newsroom.blocks.get)
        return str(cid)


def test_a_correction_patches_only_the_chunks_it_changes(home: Path, tmp_path: Path) -> None:
    before = build(home)
    old = folder(home, before.root_cid)
    with Newsroom.open(home, readonly=True) as newsroom:
        listed = []  # the newsroom's own pages (About, …) are not listed nor searched
        for row in newsroom.catalog.articles("published"):
            shown = newsroom.catalog.latest(row.slug)
            if shown is not None and '"genre":"page"' not in shown.meta:
                listed.append(row.slug)
        slug = sorted(listed)[0]
        latest = newsroom.catalog.latest(slug)
        assert latest is not None
        document = latest.document
    source = tmp_path / f"{slug}.md"
    source.write_text(document.rstrip("\n") + "\n\nZyxwvut quorbling.\n", encoding="utf-8")
    cli("correct", slug, str(source), "--note", "Corrected.", "--home", str(home))
    patched = build(home)
    assert patched.mode == "patched"
    new = folder(home, patched.root_cid)
    gone, added = old.keys() - new.keys(), new.keys() - old.keys()
    assert {p for p in old.keys() & new.keys() if old[p] != new[p]} == {"meta.js"}
    assert added  # the new words are somewhere, under new names
    assert gone | added <= {p for p in old.keys() | new.keys() if p.startswith(("t/", "d/", "x/"))}
    # one docs chunk and one text file replaced, and the term chunks of the new words
    assert len(added) == len(gone) and len(added) < len(new) // 4, sorted(added)
    assert sum(p.startswith("d/") for p in added) == sum(p.startswith("x/") for p in added) == 1
    meta = chunk(read(home, new["meta.js"]))
    assert isinstance(meta, dict)
    bucket = search.bucket("zyxwvut", meta["buckets"])
    digest = meta["t"][bucket * search.HASH :][: search.HASH]
    table = chunk(read(home, new[f"t/{bucket}-{digest}.js"]))
    assert isinstance(table, dict) and table["zyxwvut"][0] == 1
    with sqlite3.connect(home / "catalog.sqlite") as db:
        db.execute("DELETE FROM page_cache")
    full = build(home)
    assert full.mode == "full" and full.root_cid == patched.root_cid


def patched(
    before: list[SearchDoc], after: list[SearchDoc], language: str = "en"
) -> dict[str, bytes]:
    """The files of ``before``'s index with ``search.patch`` applied for ``after``."""
    files = search_files(before, language)
    meta = chunk(files["meta.js"])
    assert isinstance(meta, dict)
    old = search.in_order([search.entry(d, language)[0] for d in before])
    made = {d.slug: search.entry(d, language) for d in after}
    new = search.in_order([entry for entry, _text in made.values()])
    changes = search_patch.patch(meta, files.__getitem__, old, new, language)
    out = {path: data for path, data in files.items() if not path.startswith("x/")}
    for path, data in changes.items():
        if data is None:
            out.pop(path, None)
        else:
            out[path] = data
    for made_entry, texts in made.values():
        out |= {f"x/{made_entry.text}/{name}": data for name, data in texts.items()}
    return dict(sorted(out.items()))


@pytest.mark.parametrize("cap", [1000, 6])
def test_a_patched_index_equals_one_made_again(cap: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Corrections applied to the last index give the bytes of an index made from scratch,
    also for words in more articles than a term keeps postings for (``cap``)."""
    monkeypatch.setattr(search, "MAX_POSTINGS", cap)
    rng = random.Random(13)
    words = ["harbour", "budget", "ferry", "council", "flood", "strike", "rent", "school"]
    docs = [doc(i, " ".join(rng.choices(words, k=rng.randint(1, 12))), day=1 + i % 20)
            for i in range(60)]  # fmt: skip
    for _round in range(12):
        after = list(docs)
        for i in rng.sample(range(len(docs)), rng.randint(1, 3)):
            old = docs[i]
            body = " ".join(rng.choices(words + ["tide"], k=rng.randint(1, 12)))
            after[i] = SearchDoc(old.slug, old.headline, old.summary, body, old.authors,
                                 old.categories, old.published)  # fmt: skip
        try:
            made = patched(docs, after)
        except search_patch.NotPatchable:
            assert cap < 1000  # only a capped term may need what the cap left out
        else:
            assert made == search_files(after, "en")
        docs = after
    with pytest.raises(search_patch.NotPatchable):
        patched(docs, [*docs[:-1], doc(99, "new", day=28)])


def test_kept_entries_follow_the_shown_versions_and_change_no_byte(
    home: Path, tmp_path: Path
) -> None:
    first = build(home)

    def kept() -> set[tuple[str, str]]:
        with sqlite3.connect(home / "catalog.sqlite") as db:
            return set(db.execute("SELECT slug, bundle_cid FROM search_entries"))

    with Newsroom.open(home, readonly=True) as newsroom:
        slugs = [row.slug for row in newsroom.catalog.articles("published")]
        rows = search_build.shown_rows(newsroom.catalog, slugs)
        shown = {(slug, row.bundle_cid) for slug, row in rows.items()}
    meta = chunk(read(home, folder(home, first.root_cid)["meta.js"]))
    assert isinstance(meta, dict)
    assert kept() <= shown and len(kept()) == meta["n"]  # the shown version of each one indexed
    with Newsroom.open(home, readonly=True) as newsroom:
        slug = sorted(slug for slug, _ in kept())[0]
        latest = newsroom.catalog.latest(slug)
        assert latest is not None
    source = tmp_path / f"{slug}.md"
    source.write_text(latest.document.rstrip("\n") + "\n\nA sentence more.\n", encoding="utf-8")
    cli("correct", slug, str(source), "--note", "Added a sentence.", "--home", str(home))
    again = build(home)
    with Newsroom.open(home, readonly=True) as newsroom:
        now = newsroom.catalog.latest(slug)
        assert now is not None
    # the corrected article's entry is the new version's; its old one is gone
    before = {pair for pair in shown if pair[0] in {s for s, _ in kept()} | {slug}}
    assert kept() == (before - {(slug, latest.bundle_cid)}) | {(slug, now.bundle_cid)}
    # without any kept entry, and without the page cache, the same site
    with sqlite3.connect(home / "catalog.sqlite") as db:
        db.execute("DELETE FROM page_cache")
        db.execute("DELETE FROM search_entries")
        db.execute("DELETE FROM search_state")
    assert build(home).root_cid == again.root_cid


def test_a_table_of_entries_made_without_rowid_is_replaced(home: Path) -> None:
    """Catalogs from before kept ``search_entries`` WITHOUT ROWID (rows placed by a hash): a
    build replaces that table, keeps its entries in the new one and makes the same site."""
    first = build(home)
    with sqlite3.connect(home / "catalog.sqlite") as db:
        columns = db.execute("SELECT * FROM search_entries").description
        db.execute("ALTER TABLE search_entries RENAME TO kept")
        db.execute(
            "CREATE TABLE search_entries (bundle_cid TEXT NOT NULL, recipe TEXT NOT NULL, "
            + ", ".join(f"{c[0]} NOT NULL" for c in columns[2:])
            + ", PRIMARY KEY (bundle_cid, recipe)) WITHOUT ROWID"
        )
        db.execute("INSERT INTO search_entries SELECT * FROM kept")
        db.execute("DROP TABLE kept")
        db.execute("DELETE FROM page_cache")
    assert build(home).root_cid == first.root_cid
    with sqlite3.connect(home / "catalog.sqlite") as db:
        (sql,) = db.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'search_entries'"
        ).fetchone()
        (count,) = db.execute("SELECT count(*) FROM search_entries").fetchone()
    assert "WITHOUT ROWID" not in sql.upper() and count == first.articles


def test_entries_are_made_when_versions_are_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "fresh"
    cli("init", str(home), "--demo")  # records the demo's versions; builds nothing
    with sqlite3.connect(home / "catalog.sqlite") as db:
        kept = set(db.execute("SELECT bundle_cid FROM search_entries"))
        recorded = set(db.execute("SELECT bundle_cid FROM versions"))
    assert kept and kept == recorded  # every version's entry, made as it was recorded
    made: list[str] = []
    entry = search.entry

    def counted(doc: SearchDoc, language: str) -> tuple[search.Entry, dict[str, bytes]]:
        made.append(doc.slug)
        return entry(doc, language)

    monkeypatch.setattr(search, "entry", counted)
    first = build(home)
    assert made == []  # the first build tokenised no article: it merged the kept entries
    with sqlite3.connect(home / "catalog.sqlite") as db:
        db.execute("DELETE FROM page_cache")
        db.execute("DELETE FROM search_entries")
        db.execute("DELETE FROM search_state")
    assert build(home).root_cid == first.root_cid  # the same bytes as entries made by a build
    assert len(made) == first.articles


def test_a_long_text_is_cut_into_pieces_and_a_query_loads_the_one_it_matches() -> None:
    filler = " ".join(f"filler{n}" for n in range(400))  # about 3,300 characters
    body = f"opening words {filler} ferry crossing at night"
    docs = [doc(0, body, headline="Harbour timetable"), doc(1, "the ferry crossing", day=2)]
    files = search_files(docs, "en")
    made, texts = search.entry(docs[0], "en")
    text = search.plain_text(docs[0])
    parts = search.pieces(text)
    assert 2 < len(parts) <= search.PIECES and parts[0][0] == 0 and parts[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:], strict=False))
    assert set(texts) == {f"{k}.js" for k in range(len(parts))}
    pieces = [chunk(texts[f"{k}.js"]) for k in range(len(parts))]
    for k, (piece, (start, end)) in enumerate(zip(pieces, parts, strict=True)):
        assert isinstance(piece, list) and piece[:3] == ["story-0000", "Harbour timetable",
                                                         "2025-01-01"]  # fmt: skip
        assert text[start:end].strip() in piece[3]  # its own part, and a little around it
        assert piece[4:] == [int(k > 0), int(k < len(parts) - 1)]
    values = dict(zip(made.terms.split(" "), made.impacts, strict=True))
    assert values["opening"] // search.SPREAD == 0  # in the first piece
    last = len(parts) - 1
    assert "ferry" not in text[: parts[last][0]] and values["ferry"] // search.SPREAD == last
    assert values["harbour"] // search.SPREAD == search.NOWHERE  # only in the headline
    # the query loads the piece its word is in, not the whole text
    plan = search_query.query_plan(files, "ferry crossing")
    assert plan.ids == (0, 1) or plan.ids == (1, 0)
    assert f"x/{made.text}/{last}.js" in plan.paths
    assert not any(p.startswith(f"x/{made.text}/") and p != f"x/{made.text}/{last}.js"
                   for p in plan.paths)  # fmt: skip
    assert f"x/{made.text}/0.js" in search_query.query_plan(files, "harbour").paths
