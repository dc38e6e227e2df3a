"""Migration: contacts, calendar events and reminders."""

# Contacts: one row per person the user knows (``merged_into`` hides a contact merged into another; the merge
# keeps both snapshots in ``contact_merges`` so it can be undone). Addresses and phone numbers are their own rows
# (an address belongs to one contact of a user); ``contact_sources`` is the provenance: a vCard file, a mail
# message id, a memory item id. Mail counts and the last time mail was seen come from inference over mail.
# Calendar: events by (uid, recurrence id), with the zone name kept beside the instant so a weekly event stays at
# 9:00 across a DST change; ``status`` is ``proposed`` for an invitation found in mail until the user accepts.
# Reminders: what to say (``text``), when the thing happens (``due_at``) and how long before (``lead_s``).
M008_DESK = """
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    org TEXT NOT NULL DEFAULT '',
    birthday TEXT,
    notes TEXT NOT NULL DEFAULT '',
    relation TEXT NOT NULL DEFAULT '',
    sent INTEGER NOT NULL DEFAULT 0,
    received INTEGER NOT NULL DEFAULT 0,
    last_seen TEXT,
    merged_into INTEGER REFERENCES contacts(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX contacts_user_name ON contacts(user_id, name_key, merged_into);
CREATE TABLE contact_emails (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    addr TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    UNIQUE (user_id, contact_id, addr)
);
CREATE INDEX contact_emails_addr ON contact_emails(user_id, addr);
CREATE TABLE contact_phones (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    UNIQUE (user_id, contact_id, number)
);
CREATE TABLE contact_sources (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('vcard', 'mail', 'memory', 'manual')),
    ref TEXT NOT NULL,
    UNIQUE (user_id, contact_id, kind, ref)
);
CREATE INDEX contact_sources_ref ON contact_sources(user_id, kind, ref);
CREATE TABLE contact_merges (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    keep_id INTEGER NOT NULL REFERENCES contacts(id),
    drop_id INTEGER NOT NULL REFERENCES contacts(id),
    keep_before TEXT NOT NULL,
    drop_before TEXT NOT NULL,
    merged_at TEXT NOT NULL,
    undone_at TEXT
);
CREATE INDEX contact_merges_user ON contact_merges(user_id, id);
CREATE TABLE calendar_events (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    uid TEXT NOT NULL,
    recurrence_id TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    tzid TEXT NOT NULL DEFAULT '',
    all_day INTEGER NOT NULL DEFAULT 0,
    location TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    attendees TEXT NOT NULL DEFAULT '[]',
    organizer TEXT NOT NULL DEFAULT '',
    rrule TEXT NOT NULL DEFAULT '',
    exdates TEXT NOT NULL DEFAULT '[]',
    source TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'proposed', 'declined')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (user_id, uid, recurrence_id)
);
CREATE INDEX calendar_events_start ON calendar_events(user_id, status, start_at);
CREATE TABLE reminders (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    event_uid TEXT,
    text TEXT NOT NULL,
    due_at TEXT NOT NULL,
    lead_s INTEGER NOT NULL DEFAULT 0,
    fire_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'said', 'dismissed')),
    said_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (user_id, event_uid, due_at)
);
CREATE INDEX reminders_due ON reminders(user_id, status, fire_at);
"""
