"""The catalog's tables (``SCHEMA``) and how an older file is brought up to date.

Schema versions (``PRAGMA user_version``): 1 had no records, retraction details or log; opening
a version-1 file for writing adds those columns and tables (``migrate``). Versions recorded
before that have an empty record: they were never signed and are shown as such.
"""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 5

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    slug      TEXT PRIMARY KEY,
    source    TEXT,
    status    TEXT NOT NULL CHECK (status IN ('published', 'draft', 'retracted')),
    first_seen TEXT NOT NULL,
    reason    TEXT NOT NULL DEFAULT '',
    retracted TEXT,
    purged    INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS articles_source ON articles(source) WHERE source IS NOT NULL;
CREATE TABLE IF NOT EXISTS versions (
    slug        TEXT NOT NULL REFERENCES articles(slug),
    number      INTEGER NOT NULL,
    content_key TEXT NOT NULL,
    bundle_cid  TEXT NOT NULL,
    bundle_size INTEGER NOT NULL,
    published   TEXT NOT NULL,
    effective   TEXT NOT NULL,
    recorded    TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    document    TEXT NOT NULL,
    meta        TEXT NOT NULL,
    record_cid  TEXT NOT NULL DEFAULT '',
    record      TEXT NOT NULL DEFAULT '',
    signature   TEXT NOT NULL DEFAULT '',
    skeleton    TEXT NOT NULL DEFAULT '',
    body_html   TEXT NOT NULL DEFAULT '',
    car_cid     TEXT NOT NULL DEFAULT '',
    car_tsize   INTEGER NOT NULL DEFAULT 0,
    car_size    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (slug, number)
);
CREATE TABLE IF NOT EXISTS media (
    slug       TEXT NOT NULL,
    number     INTEGER NOT NULL,
    name       TEXT NOT NULL,
    media_type TEXT NOT NULL,
    cid        TEXT NOT NULL,
    size       INTEGER NOT NULL,
    PRIMARY KEY (slug, number, name)
);
CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(slug UNINDEXED, headline, summary, body);
CREATE TABLE IF NOT EXISTS builds (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    root_cid TEXT NOT NULL,
    built    TEXT NOT NULL,
    articles INTEGER NOT NULL,
    pages    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS log (
    seq       INTEGER PRIMARY KEY,
    cid       TEXT NOT NULL,
    line      TEXT NOT NULL
);
"""

# What a warm site build needs of an article's version, kept beside its meta so that reading it
# does not mean reading every article's whole metadata (``all_versions(skeleton=True)``).
SKELETON = (
    "json_object('slug', json_extract(meta, '$.slug'), "
    "'published', json_extract(meta, '$.published'), "
    "'modified', json_extract(meta, '$.modified'), "
    "'categories', json(json_extract(meta, '$.categories')), "
    "'authors', json(json_extract(meta, '$.authors')), "
    "'genre', json_extract(meta, '$.genre'))"
)

# Columns and tables added by each schema version, applied to older files in order.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: (
        "ALTER TABLE articles ADD COLUMN retracted TEXT",
        "ALTER TABLE articles ADD COLUMN purged INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE versions ADD COLUMN record_cid TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE versions ADD COLUMN record TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE versions ADD COLUMN signature TEXT NOT NULL DEFAULT ''",
    ),
    3: (
        "ALTER TABLE versions ADD COLUMN skeleton TEXT NOT NULL DEFAULT ''",
        f"UPDATE versions SET skeleton = {SKELETON}",
    ),
    4: (
        "ALTER TABLE versions ADD COLUMN body_html TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE versions ADD COLUMN car_cid TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE versions ADD COLUMN car_tsize INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE versions ADD COLUMN car_size INTEGER NOT NULL DEFAULT 0",
    ),
    # the skeleton names the authors (their pages) and the type of work (the newsroom's pages)
    5: (f"UPDATE versions SET skeleton = {SKELETON}",),
}


def migrate(conn: sqlite3.Connection) -> None:
    """Bring an older catalog up to ``SCHEMA_VERSION`` (a new file gets the schema directly)."""
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    tables = conn.execute("SELECT name FROM sqlite_master WHERE name = 'versions'").fetchone()
    fresh = tables is None
    if found > SCHEMA_VERSION:
        raise sqlite3.DatabaseError(
            f"schema version {found} is newer than this permapress ({SCHEMA_VERSION}); upgrade it"
        )
    if not fresh:
        for version in range(max(found, 1) + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS.get(version, ()):
                conn.execute(statement)
    conn.executescript(SCHEMA)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
