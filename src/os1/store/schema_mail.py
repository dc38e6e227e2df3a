"""Migration: mail: messages, their triage, folders and sync cursors."""

# A message is stored once per (user, Message-ID, content hash): the same message fetched twice (a re-sync, a
# second folder) is one row; a different message reusing a Message-ID is another. The full-text index is
# contentless (the text lives once, in mail_messages), stemmed like the turns' index, and every row carries its
# owner token ('u<id>') so a search is one posting-list intersection inside FTS5.
M006_MAIL = """
CREATE TABLE mail_messages (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    account TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',         -- where it was fetched: 'maildir:/abs/path', 'imap:user@host/INBOX'
    folder TEXT NOT NULL,
    uid TEXT NOT NULL DEFAULT '',
    message_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    sender_name TEXT NOT NULL DEFAULT '',
    sender_addr TEXT NOT NULL DEFAULT '',
    recipients TEXT NOT NULL DEFAULT '{}',   -- JSON {"to": [[name, addr]...], "cc": [...], "reply_to": [...]}
    date TEXT,                               -- ISO 8601, UTC; NULL when the message had none we could read
    in_reply_to TEXT NOT NULL DEFAULT '',
    refs TEXT NOT NULL DEFAULT '[]',         -- JSON list of Message-IDs (References)
    text TEXT NOT NULL DEFAULT '',
    html INTEGER NOT NULL DEFAULT 0,
    headers TEXT NOT NULL DEFAULT '[]',      -- JSON [[name, value]...]: the few headers triage reads
    attachments TEXT NOT NULL DEFAULT '[]',  -- JSON [[filename, content_type, size]...]
    size INTEGER NOT NULL DEFAULT 0,
    problems TEXT NOT NULL DEFAULT '[]',     -- JSON list: what parsing had to repair
    flags TEXT NOT NULL DEFAULT '[]',        -- JSON list: IMAP/Maildir flags when fetched
    created_at TEXT NOT NULL,
    UNIQUE (user_id, message_id, content_hash)
);
CREATE INDEX mail_messages_date ON mail_messages(user_id, date);
CREATE INDEX mail_messages_reply ON mail_messages(user_id, in_reply_to) WHERE in_reply_to != '';
CREATE INDEX mail_messages_folder ON mail_messages(user_id, account, folder, uid);
CREATE VIRTUAL TABLE mail_fts USING fts5(subject, sender, text, owner, content='', tokenize='porter unicode61');
CREATE TRIGGER mail_messages_ai AFTER INSERT ON mail_messages BEGIN
    INSERT INTO mail_fts(rowid, subject, sender, text, owner)
    VALUES (new.id, new.subject, new.sender_name || ' ' || new.sender_addr, new.text, 'u' || new.user_id);
END;
CREATE TRIGGER mail_messages_ad AFTER DELETE ON mail_messages BEGIN
    INSERT INTO mail_fts(mail_fts, rowid, subject, sender, text, owner)
    VALUES ('delete', old.id, old.subject, old.sender_name || ' ' || old.sender_addr, old.text, 'u' || old.user_id);
END;
CREATE TRIGGER mail_messages_au AFTER UPDATE OF subject, sender_name, sender_addr, text ON mail_messages BEGIN
    INSERT INTO mail_fts(mail_fts, rowid, subject, sender, text, owner)
    VALUES ('delete', old.id, old.subject, old.sender_name || ' ' || old.sender_addr, old.text, 'u' || old.user_id);
    INSERT INTO mail_fts(rowid, subject, sender, text, owner)
    VALUES (new.id, new.subject, new.sender_name || ' ' || new.sender_addr, new.text, 'u' || new.user_id);
END;
-- Where each source's last stored sync ended (opaque to all but the source).
CREATE TABLE mail_cursors (
    user_id INTEGER NOT NULL REFERENCES users(id),
    source TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, source)
);
-- Triage's verdicts: one row per decision (the latest per message is the current one), with its reason.
CREATE TABLE mail_labels (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    message_row_id INTEGER NOT NULL REFERENCES mail_messages(id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    score REAL NOT NULL DEFAULT 0,
    at TEXT NOT NULL
);
CREATE INDEX mail_labels_message ON mail_labels(user_id, message_row_id, id);
CREATE INDEX mail_labels_category ON mail_labels(user_id, category, at);
"""
