"""SQLite connection and numbered migrations, each applied in its own transaction."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from os1.errors import StoreError
from os1.store.schema_accounts import M009_ACCOUNTS
from os1.store.schema_desk import M008_DESK
from os1.store.schema_journal import M007_JOURNAL
from os1.store.schema_mail import M006_MAIL

# A migration is (name, SQL script). Each runs inside one BEGIN IMMEDIATE ... COMMIT with its version row.
Migration = tuple[str, str]

M001_FOUNDATION = """
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    handle TEXT NOT NULL UNIQUE,
    display_name TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE companions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    voice TEXT NOT NULL,
    traits TEXT NOT NULL,
    profile TEXT NOT NULL,
    created_at TEXT NOT NULL,
    retired_at TEXT
);
CREATE INDEX companions_user ON companions(user_id, retired_at);
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    companion_id INTEGER NOT NULL REFERENCES companions(id),
    started_at TEXT NOT NULL,
    last_active_at TEXT NOT NULL,
    last_disclosure_at TEXT
);
CREATE INDEX conversations_user ON conversations(user_id, id);
CREATE TABLE turns (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
    content TEXT NOT NULL,
    created_at TEXT NOT NULL,
    completed INTEGER NOT NULL DEFAULT 1,
    interrupted INTEGER NOT NULL DEFAULT 0,
    meta TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX turns_user ON turns(user_id, id);
CREATE INDEX turns_conversation ON turns(conversation_id, id);
CREATE VIRTUAL TABLE turns_fts USING fts5(content, content='turns', content_rowid='id');
CREATE TRIGGER turns_ai AFTER INSERT ON turns BEGIN
    INSERT INTO turns_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER turns_au AFTER UPDATE OF content ON turns BEGIN
    INSERT INTO turns_fts(turns_fts, rowid, content) VALUES ('delete', old.id, old.content);
    INSERT INTO turns_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER turns_ad AFTER DELETE ON turns BEGIN
    INSERT INTO turns_fts(turns_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TABLE facts (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    statement TEXT NOT NULL,
    source_turn_id INTEGER REFERENCES turns(id),
    created_at TEXT NOT NULL,
    superseded_at TEXT
);
CREATE INDEX facts_user_key ON facts(user_id, key, superseded_at);
CREATE TABLE care_events (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    conversation_id INTEGER REFERENCES conversations(id),
    turn_id INTEGER REFERENCES turns(id),
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    rule TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX care_events_kind ON care_events(kind, created_at);
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX jobs_pending ON jobs(status, id);
"""

# Memory: items derived from the transcript (with provenance, validity and supersession), their vectors (a turn
# has several: the turn, the turn in context, each sentence), and tombstones so a forgotten item is never derived
# again. Facts move into memories. The turn index becomes stemmed, with the neighbouring turns as weighted columns,
# written by the background worker (``indexed``); ``forgotten`` takes a turn out of recall, the transcript stays.
M002_MEMORY = """
CREATE TABLE memories (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('fact', 'person', 'event', 'preference', 'moment', 'experience',
                                      'summary', 'diary')),
    text TEXT NOT NULL,
    key TEXT,
    value TEXT,
    subject TEXT NOT NULL DEFAULT 'user',
    importance REAL NOT NULL DEFAULT 0.5,
    confidence REAL NOT NULL DEFAULT 0.8,
    valid_from TEXT,
    valid_to TEXT,
    source TEXT NOT NULL DEFAULT 'conversation',
    source_turn_ids TEXT NOT NULL DEFAULT '[]',
    superseded_by INTEGER REFERENCES memories(id) ON DELETE SET NULL,
    content_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX memories_hash ON memories(user_id, content_hash);
CREATE INDEX memories_user_kind ON memories(user_id, kind, valid_to);
CREATE INDEX memories_user_key ON memories(user_id, key, valid_to);
-- Each full-text row carries its owner as a token ('u<id>'), so a search is one posting-list intersection
-- inside FTS5 (owner:u7 AND (...)), never a join that reads every matching row of every user.
CREATE VIRTUAL TABLE memories_fts USING fts5(text, owner, tokenize='porter unicode61');
CREATE TRIGGER memories_ai AFTER INSERT ON memories BEGIN
    INSERT INTO memories_fts(rowid, text, owner) VALUES (new.id, new.text, 'u' || new.user_id);
END;
CREATE TRIGGER memories_au AFTER UPDATE OF text ON memories BEGIN
    DELETE FROM memories_fts WHERE rowid = old.id;
    INSERT INTO memories_fts(rowid, text, owner) VALUES (new.id, new.text, 'u' || new.user_id);
END;
CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN
    DELETE FROM memories_fts WHERE rowid = old.id;
END;
INSERT INTO memories (user_id, kind, text, key, value, confidence, valid_from, valid_to, source, source_turn_ids,
                      content_hash, created_at, updated_at)
    SELECT user_id, 'fact', statement, key, value, 0.9, created_at, superseded_at, 'conversation',
           CASE WHEN source_turn_id IS NULL THEN '[]' ELSE json_array(source_turn_id) END,
           'legacy-fact-' || id, created_at, created_at FROM facts;
DROP TABLE facts;
CREATE TABLE vectors (
    owner TEXT NOT NULL CHECK (owner IN ('turn', 'memory')),
    ref_id INTEGER NOT NULL,
    part INTEGER NOT NULL DEFAULT 0,
    user_id INTEGER NOT NULL REFERENCES users(id),
    model TEXT NOT NULL,
    vec BLOB NOT NULL,
    PRIMARY KEY (owner, ref_id, part)
);
CREATE INDEX vectors_user ON vectors(user_id, owner, model);  -- and rowid: new vectors are a range
CREATE TABLE forgotten (
    user_id INTEGER NOT NULL REFERENCES users(id),
    content_hash TEXT NOT NULL,
    forgotten_at TEXT NOT NULL,
    PRIMARY KEY (user_id, content_hash)
);
ALTER TABLE turns ADD COLUMN speaker TEXT;
CREATE INDEX turns_speaker ON turns(user_id, speaker) WHERE speaker IS NOT NULL;  -- recall asks on every word
ALTER TABLE turns ADD COLUMN forgotten INTEGER NOT NULL DEFAULT 0;
ALTER TABLE turns ADD COLUMN indexed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX turns_unindexed ON turns(user_id, indexed);
ALTER TABLE conversations ADD COLUMN title TEXT;
ALTER TABLE jobs ADD COLUMN claims INTEGER NOT NULL DEFAULT 0;
DROP TRIGGER turns_ai;
DROP TRIGGER turns_au;
DROP TRIGGER turns_ad;
DROP TABLE turns_fts;
CREATE VIRTUAL TABLE turns_fts USING fts5(body, p1, n1, p2, n2, owner, tokenize='porter unicode61');
"""

# Recall's in-memory word index reads a user's items in id order, from the first or from the last one it holds.
M003_MEMORY_ORDER = """
CREATE INDEX memories_user ON memories(user_id, id);
"""

# Letters: the people written to (a client's file of names, dates and details), the letters, and every version of
# each (a version is never changed: an edit, an accepted proofreading fix or an undo adds one). ``parent`` is the
# version a version was made from; ``sources`` its provenance (JSON: the memories, turns and letters it drew on).
M004_LETTERS = """
CREATE TABLE letter_clients (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (user_id, name_key)
);
CREATE TABLE letter_client_notes (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    client_id INTEGER NOT NULL REFERENCES letter_clients(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('name', 'date', 'detail')),
    text TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX letter_client_notes_client ON letter_client_notes(user_id, client_id, id);
CREATE TABLE letters (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    client_id INTEGER REFERENCES letter_clients(id),
    recipient TEXT NOT NULL,
    occasion TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL CHECK (origin IN ('drafted', 'imported')),
    favourite INTEGER NOT NULL DEFAULT 0,
    written_on TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX letters_user ON letters(user_id, id);
CREATE INDEX letters_client ON letters(user_id, client_id, id);
CREATE TABLE letter_versions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    letter_id INTEGER NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    body TEXT NOT NULL,
    change TEXT NOT NULL,
    parent INTEGER,
    sources TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    UNIQUE (letter_id, number)
);
"""

# The companion's inner life: each event that moved it (with its cause and the state it left), what it means
# to say first, and the relationship's history.
M005_FEELINGS = """
CREATE TABLE feelings (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    companion_id INTEGER NOT NULL REFERENCES companions(id),
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    why TEXT NOT NULL,
    valence_delta REAL NOT NULL,
    arousal_delta REAL NOT NULL,
    valence REAL NOT NULL,
    arousal REAL NOT NULL,
    turn_id INTEGER REFERENCES turns(id)
);
CREATE INDEX feelings_companion ON feelings(user_id, companion_id, id);
-- What the companion means to say first, each with its reason: a follow-up, a reminder, a greeting, a nudge
-- toward someone in the user's life. One per (user, kind, subject): planning twice plans nothing new.
CREATE TABLE initiatives (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    reason TEXT NOT NULL,
    text TEXT NOT NULL,
    due_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',  -- pending, said, dropped
    done_at TEXT,
    source_turn_id INTEGER REFERENCES turns(id),
    UNIQUE (user_id, kind, subject)
);
CREATE INDEX initiatives_due ON initiatives(user_id, status, due_at);
-- The relationship's history: stages reached (and why), consent given, requests the companion declined.
CREATE TABLE relationship (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    companion_id INTEGER NOT NULL REFERENCES companions(id),
    at TEXT NOT NULL,
    kind TEXT NOT NULL,  -- stage, refusal
    stage TEXT NOT NULL,
    reason TEXT NOT NULL,
    turn_id INTEGER REFERENCES turns(id)
);
CREATE INDEX relationship_companion ON relationship(user_id, companion_id, id);
"""

# What the companion told to make the user laugh: a joke is told once; a shared moment is called back rarely.
M010_HUMOUR = """
CREATE TABLE humour (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    companion_id INTEGER NOT NULL REFERENCES companions(id),
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    turn_id INTEGER REFERENCES turns(id) ON DELETE SET NULL
);
CREATE INDEX humour_companion ON humour(user_id, companion_id, key);
"""

# A user's own settings: only what they changed from the operator's (one row per setting, the value as JSON);
# going back to the operator's value deletes the row (store/prefs.py).
M011_PREFS = """
CREATE TABLE user_prefs (
    user_id INTEGER NOT NULL REFERENCES users(id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);
"""

MIGRATIONS: tuple[Migration, ...] = (
    ("foundation", M001_FOUNDATION), ("memory", M002_MEMORY), ("memory order", M003_MEMORY_ORDER),
    ("letters", M004_LETTERS), ("feelings", M005_FEELINGS), ("mail", M006_MAIL), ("journal", M007_JOURNAL),
    ("contacts and calendar", M008_DESK), ("accounts", M009_ACCOUNTS),
    ("humour", M010_HUMOUR), ("preferences", M011_PREFS),
)


def connect(path: Path) -> sqlite3.Connection:
    """Open the database in WAL mode with foreign keys on; autocommit, so transactions are explicit."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10.0)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA busy_timeout=10000")
    except (OSError, sqlite3.Error) as exc:
        raise StoreError("store.open_failed", f"cannot open {path}: {exc}", hint="check OS1_HOME") from exc
    return db


def migrate(db: sqlite3.Connection, migrations: tuple[Migration, ...] = MIGRATIONS) -> int:
    """Apply pending migrations in order, each in one transaction with its version row. Returns the version."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)"
    )
    current = db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0]
    if current > len(migrations):
        raise StoreError(
            "store.too_new",
            f"the database is at schema version {current}, this OS1 knows {len(migrations)}",
            hint="upgrade OS1",
        )
    for version, (name, script) in enumerate(migrations, start=1):
        if version <= current:
            continue
        record = f"INSERT INTO schema_migrations VALUES ({version}, '{name}', datetime('now'));"
        try:
            # executescript would COMMIT an open transaction first, so BEGIN/COMMIT live inside the script.
            db.executescript(f"BEGIN IMMEDIATE;\n{script}\n{record}\nCOMMIT;")
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise StoreError("store.migration_failed", f"migration {version} ({name}) failed: {exc}") from exc
        current = version
    return current
