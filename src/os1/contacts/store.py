"""SQLite repository for contacts (tables from migration 8, ``contacts and calendar``).

Self-contained over the store's connection runner (``contacts_of(store)``), like letters. Every query is scoped
by ``user_id``. Saving a contact merges it into the one it matches (same address, else same normalised name);
merging two contacts keeps both as they were, so ``unmerge`` puts them back."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from os1.contacts.base import Contact, ContactsError, Source, merged, name_key
from os1.store.postgres_compat import store_runner
from os1.store.runner import Runner, _ts

_LIVE = "merged_into IS NULL"


def _snapshot(c: Contact) -> str:
    return json.dumps({
        "name": c.name, "emails": list(c.emails), "phones": list(c.phones), "org": c.org,
        "birthday": c.birthday.isoformat() if c.birthday else None, "notes": c.notes, "relation": c.relation,
        "sources": [[s.kind, s.ref] for s in c.sources], "sent": c.sent, "received": c.received,
        "last_seen": c.last_seen.isoformat() if c.last_seen else None,
    }, ensure_ascii=False)  # fmt: skip


def _from_snapshot(raw: str, contact_id: int) -> Contact:
    d = json.loads(raw)
    return Contact(
        d["name"], tuple(d["emails"]), tuple(d["phones"]), d["org"],
        date.fromisoformat(d["birthday"]) if d["birthday"] else None, d["notes"], d["relation"],
        tuple(Source(k, r) for k, r in d["sources"]), d["sent"], d["received"],
        datetime.fromisoformat(d["last_seen"]) if d["last_seen"] else None, contact_id,
    )  # fmt: skip


def read(db: sqlite3.Connection, user_id: int, row: sqlite3.Row) -> Contact:
    cid = row["id"]
    emails = db.execute("SELECT addr FROM contact_emails WHERE user_id = ? AND contact_id = ? ORDER BY id",
                        (user_id, cid)).fetchall()
    phones = db.execute("SELECT number FROM contact_phones WHERE user_id = ? AND contact_id = ? ORDER BY id",
                        (user_id, cid)).fetchall()
    sources = db.execute("SELECT kind, ref FROM contact_sources WHERE user_id = ? AND contact_id = ? ORDER BY id",
                         (user_id, cid)).fetchall()
    return Contact(
        name=row["name"], emails=tuple(r[0] for r in emails), phones=tuple(r[0] for r in phones), org=row["org"],
        birthday=date.fromisoformat(row["birthday"]) if row["birthday"] else None, notes=row["notes"],
        relation=row["relation"], sources=tuple(Source(r[0], r[1]) for r in sources), sent=row["sent"],
        received=row["received"], last_seen=datetime.fromisoformat(row["last_seen"]) if row["last_seen"] else None,
        id=cid,
    )  # fmt: skip


def write(db: sqlite3.Connection, user_id: int, c: Contact, now: datetime) -> int:
    """Insert (no id) or overwrite (id) a contact with its addresses, numbers and sources."""
    fields = (c.name, name_key(c.name), c.org, c.birthday.isoformat() if c.birthday else None, c.notes, c.relation,
              c.sent, c.received, _ts(c.last_seen) if c.last_seen else None)
    if c.id is None:
        cur = db.execute("INSERT INTO contacts (name, name_key, org, birthday, notes, relation, sent, received, "
                         "last_seen, user_id, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                         (*fields, user_id, _ts(now), _ts(now)))
        cid = int(cur.lastrowid or 0)
    else:
        cid = c.id
        cur = db.execute("UPDATE contacts SET name=?, name_key=?, org=?, birthday=?, notes=?, relation=?, sent=?, "
                         "received=?, last_seen=?, updated_at=? WHERE id=? AND user_id=?",
                         (*fields, _ts(now), cid, user_id))
        if cur.rowcount != 1:
            raise ContactsError("contacts.not_found", f"no contact #{cid}")
        for table in ("contact_emails", "contact_phones", "contact_sources"):
            db.execute(f"DELETE FROM {table} WHERE user_id = ? AND contact_id = ?", (user_id, cid))
    db.executemany("INSERT INTO contact_emails (user_id, contact_id, addr) VALUES (?,?,?) ON CONFLICT DO NOTHING",
                   [(user_id, cid, a) for a in c.emails])
    db.executemany("INSERT INTO contact_phones (user_id, contact_id, number) VALUES (?,?,?) ON CONFLICT DO NOTHING",
                   [(user_id, cid, p) for p in c.phones])
    db.executemany("INSERT INTO contact_sources (user_id, contact_id, kind, ref) VALUES (?,?,?,?) "
                   "ON CONFLICT DO NOTHING", [(user_id, cid, s.kind, s.ref) for s in c.sources])
    return cid


def _match(db: sqlite3.Connection, user_id: int, c: Contact) -> sqlite3.Row | None:
    """The live contact this one is: one with any of its addresses, else (when it has no address that belongs
    to someone else) one with the same normalised name."""
    if c.emails:
        marks = ",".join("?" * len(c.emails))
        row = db.execute(f"SELECT c.* FROM contacts c JOIN contact_emails e ON e.contact_id = c.id "
                         f"WHERE c.user_id = ? AND e.user_id = ? AND c.{_LIVE} AND e.addr IN ({marks}) "
                         f"ORDER BY c.id LIMIT 1", (user_id, user_id, *c.emails)).fetchone()
        if row is not None:
            return row
    key = name_key(c.name)
    if not key or "@" in key:
        return None
    row = db.execute(f"SELECT * FROM contacts WHERE user_id = ? AND name_key = ? AND {_LIVE} ORDER BY id LIMIT 1",
                     (user_id, key)).fetchone()
    if row is not None or len(key.split()) < 2:
        return row
    # "Amy" (known from memory, no address yet) is "Amy Chen" when she is the only Amy
    rows = db.execute(f"SELECT * FROM contacts c WHERE user_id = ? AND name_key = ? AND {_LIVE} AND NOT EXISTS "
                      f"(SELECT 1 FROM contact_emails e WHERE e.contact_id = c.id AND e.user_id = c.user_id)",
                      (user_id, key.split()[0])).fetchall()
    return rows[0] if len(rows) == 1 else None


def _combined(old: Contact, new: Contact) -> Contact:
    """Saving again fills and adds; mail counts are totals over the mail read, so the larger one stands."""
    both = merged(old, new)
    fuller = len(name_key(new.name).split()) > len(name_key(old.name).split())
    return replace(both, name=new.name if fuller else old.name, sent=max(old.sent, new.sent),
                   received=max(old.received, new.received))


class SqliteContacts:
    def __init__(self, r: Runner) -> None:
        self.r = r

    async def save(self, user_id: int, contacts: Iterable[Contact], now: datetime) -> tuple[int, int]:
        """Add each contact, or merge it into the one it matches; one transaction. Returns (added, updated)."""
        items = list(contacts)

        def _save(db: sqlite3.Connection) -> tuple[int, int]:
            added = updated = 0
            for c in items:
                row = _match(db, user_id, c)
                if row is None:
                    write(db, user_id, replace(c, id=None), now)
                    added += 1
                    continue
                old = read(db, user_id, row)
                new = _combined(old, c)
                if new != old:
                    write(db, user_id, new, now)
                    updated += 1
            return added, updated

        return await self.r.transaction(_save)

    async def put(self, user_id: int, contact: Contact, now: datetime) -> Contact:
        """Write this contact as it is (new when it has no id); returns it as stored."""
        cid = await self.r.transaction(lambda db: write(db, user_id, contact, now))
        got = await self.get(user_id, cid)
        assert got is not None
        return got

    async def get(self, user_id: int, contact_id: int) -> Contact | None:
        def _get(db: sqlite3.Connection) -> Contact | None:
            row = db.execute("SELECT * FROM contacts WHERE id = ? AND user_id = ?", (contact_id, user_id)).fetchone()
            return read(db, user_id, row) if row else None

        return await self.r.call(lambda: _get(self.r.db))

    async def all(self, user_id: int) -> list[Contact]:
        """The live contacts (not merged into another), by name."""
        def _all(db: sqlite3.Connection) -> list[Contact]:
            rows = db.execute(f"SELECT * FROM contacts WHERE user_id = ? AND {_LIVE} ORDER BY name_key, id",
                              (user_id,)).fetchall()
            return [read(db, user_id, r) for r in rows]

        return await self.r.call(lambda: _all(self.r.db))

    async def find(self, user_id: int, name: str) -> list[Contact]:
        """Contacts called ``name``: the whole name, else a first or last name, else an address."""
        key = name_key(name)
        everyone = await self.all(user_id)
        for test in (lambda c: name_key(c.name) == key,
                     lambda c: key in name_key(c.name).split(),
                     lambda c: any(key == e or key == e.split("@")[0] for e in c.emails)):
            found = [c for c in everyone if test(c)]
            if found:
                return found
        return []

    async def merge(self, user_id: int, keep_id: int, drop_id: int, now: datetime) -> int:
        """Merge ``drop`` into ``keep``; both are kept as they were (``unmerge`` restores them). Returns the
        merge's id."""
        if keep_id == drop_id:
            raise ContactsError("contacts.same", "cannot merge a contact with itself")

        def _merge(db: sqlite3.Connection) -> int:
            keep, drop = (_live(db, user_id, i) for i in (keep_id, drop_id))
            write(db, user_id, merged(keep, drop), now)
            db.execute("UPDATE contacts SET merged_into = ?, updated_at = ? WHERE id = ? AND user_id = ?",
                       (keep_id, _ts(now), drop_id, user_id))
            cur = db.execute("INSERT INTO contact_merges (user_id, keep_id, drop_id, keep_before, drop_before, "
                             "merged_at) VALUES (?,?,?,?,?,?)",
                             (user_id, keep_id, drop_id, _snapshot(keep), _snapshot(drop), _ts(now)))
            return int(cur.lastrowid or 0)

        return await self.r.transaction(_merge)

    async def unmerge(self, user_id: int, now: datetime, merge_id: int | None = None) -> tuple[int, int] | None:
        """Undo a merge (the latest one by default): both contacts as they were. Returns (keep, drop) ids."""
        def _undo(db: sqlite3.Connection) -> tuple[int, int] | None:
            sql = "SELECT * FROM contact_merges WHERE user_id = ? AND undone_at IS NULL"
            params: tuple[Any, ...] = (user_id,)
            if merge_id is not None:
                sql, params = sql + " AND id = ?", (user_id, merge_id)
            row = db.execute(sql + " ORDER BY id DESC LIMIT 1", params).fetchone()
            if row is None:
                return None
            write(db, user_id, _from_snapshot(row["keep_before"], row["keep_id"]), now)
            write(db, user_id, _from_snapshot(row["drop_before"], row["drop_id"]), now)
            db.execute("UPDATE contacts SET merged_into = NULL WHERE id = ? AND user_id = ?",
                       (row["drop_id"], user_id))
            db.execute("UPDATE contact_merges SET undone_at = ? WHERE id = ? AND user_id = ?",
                       (_ts(now), row["id"], user_id))
            return int(row["keep_id"]), int(row["drop_id"])

        return await self.r.transaction(_undo)


def _live(db: sqlite3.Connection, user_id: int, contact_id: int) -> Contact:
    row = db.execute(f"SELECT * FROM contacts WHERE id = ? AND user_id = ? AND {_LIVE}",
                     (contact_id, user_id)).fetchone()
    if row is None:
        raise ContactsError("contacts.not_found", f"no contact #{contact_id}", hint="os1 contacts list")
    return read(db, user_id, row)


def contacts_of(store: Any) -> SqliteContacts:
    """The contacts repository over an open store's connection (the SQLite store has a ``runner``)."""
    runner = store_runner(store)
    if runner is None:
        raise ContactsError("contacts.unsupported_store", "contacts need a SQLite or PostgreSQL store",
                            hint="contacts keep their tables in OS1_HOME/os1.db")
    return SqliteContacts(runner)
