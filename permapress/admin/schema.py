"""admin.sqlite's tables (created by ``store.AdminStore`` when it opens the file):

    admin_users      id (stable, ``u_…``; never the email), email, name, role, owner flag,
                     status invited | active | removed, argon2id hash, TOTP secret, invite link
                     hash and expiry
    admin_sessions   sign-in sessions: SHA-256 of the cookie, CSRF token, expiry
    admin_tokens     API tokens (SHA-256 of each), revoked or not
    admin_failures   failed sign-ins per account and per address (the rate limit's memory)
    admin_articles   the editable copy of each article worked on in the admin: the fields as
                     JSON, its workflow status (draft | submitted | scheduled | published |
                     retracted), owner, revision counter (one per save), publish_at, and the
                     revision last published
    admin_revisions  every saved revision of a draft (and every refused conflicting save), so
                     nothing typed is lost; never public
    admin_previews   preview links (SHA-256 of the secret, article, expiry)
    admin_media      images uploaded for an article (bytes in the blockstore by CID)
    admin_index      one row per article (catalog and admin alike) for the article list:
                     headline, status, owner, dates; admin_index_terms (sections, authors, in
                     the order of the last change, so a filtered page is one index range) and
                     admin_fts (FTS5 over headline, summary, authors, tags, and the filters as
                     tokens of their own, so a search with filters is one FTS5 query)
    admin_sync       how far admin_index has read the catalog (versions rowid, log seq)

``SCHEMA_VERSION`` is kept in SQLite's ``user_version``.
"""

from __future__ import annotations

ADMIN_FILE = "admin.sqlite"
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS admin_users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name           TEXT NOT NULL DEFAULT '',
    role           TEXT NOT NULL CHECK (role IN ('contributor', 'author', 'editor', 'admin')),
    owner          INTEGER NOT NULL DEFAULT 0,
    status         TEXT NOT NULL CHECK (status IN ('invited', 'active', 'removed')),
    password       TEXT,
    totp           TEXT,
    created        TEXT NOT NULL,
    invite_hash    TEXT UNIQUE,
    invite_expires REAL
);
CREATE TABLE IF NOT EXISTS admin_sessions (
    id_hash  TEXT PRIMARY KEY,
    user_id  TEXT NOT NULL,
    csrf     TEXT NOT NULL,
    created  REAL NOT NULL,
    expires  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS admin_sessions_user ON admin_sessions(user_id);
CREATE TABLE IF NOT EXISTS admin_tokens (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id    TEXT NOT NULL,
    created    TEXT NOT NULL,
    revoked    TEXT
);
CREATE TABLE IF NOT EXISTS admin_failures (
    key TEXT NOT NULL,
    at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS admin_failures_key ON admin_failures(key, at);
CREATE TABLE IF NOT EXISTS admin_articles (
    slug       TEXT PRIMARY KEY,
    owner      TEXT,
    status     TEXT NOT NULL
               CHECK (status IN ('draft', 'submitted', 'scheduled', 'published', 'retracted')),
    revision   INTEGER NOT NULL,
    data       TEXT NOT NULL,
    created    TEXT NOT NULL,
    updated    TEXT NOT NULL,
    updated_by TEXT,
    publish_at TEXT,
    published_revision INTEGER
);
CREATE INDEX IF NOT EXISTS admin_articles_due ON admin_articles(publish_at)
    WHERE status = 'scheduled';
CREATE TABLE IF NOT EXISTS admin_revisions (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    slug     TEXT NOT NULL,
    revision INTEGER NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('save', 'conflict')),
    data     TEXT NOT NULL,
    saved    TEXT NOT NULL,
    user_id  TEXT
);
CREATE INDEX IF NOT EXISTS admin_revisions_slug ON admin_revisions(slug, id);
CREATE TABLE IF NOT EXISTS admin_previews (
    token_hash TEXT PRIMARY KEY,
    slug       TEXT NOT NULL,
    expires    REAL NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS admin_media (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    slug       TEXT NOT NULL,
    name       TEXT NOT NULL,
    media_type TEXT NOT NULL,
    cid        TEXT NOT NULL,
    size       INTEGER NOT NULL,
    uploaded   TEXT NOT NULL,
    user_id    TEXT,
    UNIQUE (slug, name)
);
CREATE TABLE IF NOT EXISTS admin_index (
    slug      TEXT PRIMARY KEY,
    headline  TEXT NOT NULL,
    status    TEXT NOT NULL,
    owner     TEXT,
    updated   TEXT NOT NULL,
    published TEXT NOT NULL,
    summary   TEXT NOT NULL DEFAULT '',
    sections  TEXT NOT NULL DEFAULT '[]',
    authors   TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS admin_index_updated ON admin_index(updated, slug);
CREATE INDEX IF NOT EXISTS admin_index_status ON admin_index(status, updated, slug);
CREATE INDEX IF NOT EXISTS admin_index_owner ON admin_index(owner, updated, slug);
CREATE TABLE IF NOT EXISTS admin_index_terms (
    kind    TEXT NOT NULL,
    value   TEXT NOT NULL,
    updated TEXT NOT NULL,
    slug    TEXT NOT NULL,
    PRIMARY KEY (kind, value, updated, slug)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS admin_index_terms_slug ON admin_index_terms(slug);
CREATE VIRTUAL TABLE IF NOT EXISTS admin_fts USING fts5(
    slug UNINDEXED, headline, summary, authors, tags, facets,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE IF NOT EXISTS admin_fts_terms USING fts5vocab(admin_fts, 'row');
CREATE TABLE IF NOT EXISTS admin_sync (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    versions INTEGER NOT NULL,
    log      INTEGER NOT NULL
);
"""
