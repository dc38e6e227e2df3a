"""Repository for mail (tables from migration 6, ``mail``): messages, sync cursors and triage labels.

Self-contained over the store's connection runner (``SqliteMail(store.runner)``), like the letters repository: the
same SQL on SQLite and, through ``postgres_compat``, on PostgreSQL, except the full-text search (``_match``).
Every query is scoped by ``user_id``. Storing is idempotent by (Message-ID, content hash)."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from os1.errors import StoreError
from os1.mail.message import Address, Attachment, Cursor, Email, RawMessage
from os1.store.postgres_compat import dialect, sql_runner, store_runner
from os1.store.runner import Runner, _ts, fts_query, owned
from os1.types import utc_now

_FILTER = re.compile(r'\b(from|to|subject):("[^"]*"|\S+)', re.IGNORECASE)
_INSERT = (
    "INSERT INTO mail_messages (user_id, account, source, folder, uid, message_id, content_hash, subject, "
    "sender_name, sender_addr, recipients, date, in_reply_to, refs, text, html, headers, attachments, size, "
    "problems, flags, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT (user_id, message_id, content_hash) DO NOTHING"
)


@dataclass(frozen=True, slots=True)
class StoredEmail:
    """A stored message: its row id, where it was fetched from, and the parsed ``Email``."""

    id: int
    account: str
    folder: str
    uid: str
    flags: tuple[str, ...]
    created_at: datetime
    email: Email
    source: str = ""  # the source it was fetched from ("maildir:/abs/path", "imap:user@host/INBOX"), "" if unknown


@dataclass(frozen=True, slots=True)
class Label:
    message_row_id: int
    category: str
    reason: str
    score: float
    at: datetime


def _addrs(items: Sequence[Address]) -> list[list[str]]:
    return [[a.name, a.addr] for a in items]


def _row(user_id: int, account: str, source: str, raw: RawMessage, e: Email, now: str) -> tuple[Any, ...]:
    recipients = json.dumps({"to": _addrs(e.to), "cc": _addrs(e.cc), "reply_to": _addrs(e.reply_to)},
                            ensure_ascii=False)
    return (user_id, account, source, raw.folder, raw.uid, e.message_id, e.content_hash, e.subject, e.sender.name,
            e.sender.addr, recipients, e.date.isoformat() if e.date else None, e.in_reply_to,
            json.dumps(list(e.references)), e.text, int(e.html), json.dumps([list(h) for h in e.headers],
                                                                            ensure_ascii=False),
            json.dumps([[a.filename, a.content_type, a.size] for a in e.attachments], ensure_ascii=False),
            e.size, json.dumps(list(e.problems), ensure_ascii=False), json.dumps(list(raw.flags)), now)


def _stored(row: sqlite3.Row) -> StoredEmail:
    rec = json.loads(row["recipients"])

    def addrs(key: str) -> tuple[Address, ...]:
        return tuple(Address(n, a) for n, a in rec.get(key, []))

    email = Email(
        message_id=row["message_id"], content_hash=row["content_hash"], subject=row["subject"],
        sender=Address(row["sender_name"], row["sender_addr"]), to=addrs("to"), cc=addrs("cc"),
        reply_to=addrs("reply_to"), date=datetime.fromisoformat(row["date"]) if row["date"] else None,
        in_reply_to=row["in_reply_to"], references=tuple(json.loads(row["refs"])), text=row["text"],
        html=bool(row["html"]), headers=tuple((k, v) for k, v in json.loads(row["headers"])),
        attachments=tuple(Attachment(f, c, s) for f, c, s in json.loads(row["attachments"])), size=row["size"],
        problems=tuple(json.loads(row["problems"])),
    )
    return StoredEmail(row["id"], row["account"], row["folder"], row["uid"], tuple(json.loads(row["flags"])),
                       datetime.fromisoformat(row["created_at"]), email, row["source"])


def _like(value: str) -> str:
    escaped = value.strip('"').replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def split_query(query: str) -> tuple[str, list[tuple[str, str]]]:
    """Free words and the ``from:``/``to:``/``subject:`` filters of a search (quotes keep spaces in a filter)."""
    filters = [(k.lower(), v.strip('"')) for k, v in _FILTER.findall(query) if v.strip('"')]
    return _FILTER.sub(" ", query).strip(), filters


_FILTER_SQL = {
    "from": "(m.sender_addr LIKE ? ESCAPE '\\' OR m.sender_name LIKE ? ESCAPE '\\')",
    "to": "m.recipients LIKE ? ESCAPE '\\'",
    "subject": "m.subject LIKE ? ESCAPE '\\'",
}


def _match(pg: bool, user_id: int, words: str, where: list[str], params: list[Any]) -> tuple[str, list[Any]]:
    """The full-text search's SQL and parameters (before the limit): FTS5 with BM25 on SQLite; on PostgreSQL the
    row's tsvector (subject A, sender B, text C: the same 4 : 2 : 1 weights), read from this user's postings."""
    if not pg:
        sql = ("SELECT m.* FROM mail_fts JOIN mail_messages m ON m.id = mail_fts.rowid "
               f"WHERE mail_fts MATCH ? AND {' AND '.join(where)} "
               "ORDER BY bm25(mail_fts, 4.0, 2.0, 1.0, 0.0) LIMIT ?")
        return sql, [owned(fts_query(words), user_id), *params]
    from os1.store.postgres_memory import owner_query, query_words

    terms = query_words(words)
    q = "(" + " || ".join(["plainto_tsquery('english', ?)"] * len(terms)) + ")"
    sql = (f"SELECT m.* FROM mail_messages m WHERE m.fts @@ ?::tsquery AND m.fts @@ {q} AND {' AND '.join(where)} "
           f"ORDER BY ts_rank('{{0, 0.25, 0.5, 1}}', m.fts, {q}, 1) DESC, m.id LIMIT ?")
    return sql, [owner_query(user_id), *terms, *params, *terms]


class SqliteMail:
    def __init__(self, r: Runner) -> None:
        self.r: Runner = sql_runner(r) or r  # a PostgreSQL store's runner: the same SQL through postgres_compat

    async def upsert_many(
        self, user_id: int, account: str, items: Sequence[tuple[RawMessage, Email]],
        cursor: Cursor | None = None, now: datetime | None = None, source: str | None = None,
    ) -> tuple[int, int]:
        """Store messages in one transaction; returns (added, duplicates). With ``cursor``, it is committed in
        the same transaction, so it can never run ahead of the messages. ``source``: where they were fetched
        (default: the cursor's source), so a cleanup can move them there too."""
        stamp = _ts(now or utc_now())
        origin = source if source is not None else (cursor.source if cursor is not None else "")
        rows = [_row(user_id, account, origin, raw, email, stamp) for raw, email in items]

        def _tx(db: sqlite3.Connection) -> int:
            added = 0
            for row in rows:
                added += db.execute(_INSERT, row).rowcount
            if cursor is not None:
                self._commit_cursor(db, user_id, cursor, stamp)
            return added

        added = await self.r.transaction(_tx)
        return added, len(rows) - added

    @staticmethod
    def _commit_cursor(db: sqlite3.Connection, user_id: int, cursor: Cursor, stamp: str) -> None:
        db.execute("INSERT INTO mail_cursors (user_id, source, value, updated_at) VALUES (?,?,?,?) "
                   "ON CONFLICT (user_id, source) DO UPDATE SET value = excluded.value, "
                   "updated_at = excluded.updated_at", (user_id, cursor.source, cursor.value, stamp))

    async def cursor(self, user_id: int, source: str) -> Cursor:
        """Where the last stored sync of ``source`` ended (an empty cursor when it never ran)."""
        row = await self.r.one("SELECT value FROM mail_cursors WHERE user_id = ? AND source = ?", (user_id, source))
        return Cursor(source, row["value"] if row else "")

    async def commit_cursor(self, user_id: int, cursor: Cursor, now: datetime | None = None) -> None:
        stamp = _ts(now or utc_now())
        await self.r.transaction(lambda db: self._commit_cursor(db, user_id, cursor, stamp))

    async def get(self, user_id: int, row_id: int) -> StoredEmail | None:
        row = await self.r.one("SELECT * FROM mail_messages WHERE user_id = ? AND id = ?", (user_id, row_id))
        return _stored(row) if row else None

    async def by_message_id(self, user_id: int, message_id: str) -> list[StoredEmail]:
        rows = await self.r.all("SELECT * FROM mail_messages WHERE user_id = ? AND message_id = ? ORDER BY id",
                                (user_id, message_id))
        return [_stored(r) for r in rows]

    async def recent(self, user_id: int, limit: int = 20, folder: str | None = None) -> list[StoredEmail]:
        """Newest first by the message's date (undated messages last)."""
        sql, params = "SELECT * FROM mail_messages WHERE user_id = ?", list[Any]([user_id])
        if folder is not None:
            sql += " AND folder = ?"
            params.append(folder)
        sql += " ORDER BY date IS NULL, date DESC, id DESC LIMIT ?"
        rows = await self.r.all(sql, (*params, limit))
        return [_stored(r) for r in rows]

    async def after(self, user_id: int, row_id: int, limit: int = 200) -> list[StoredEmail]:
        """Messages stored after row ``row_id``, in the order they were stored (how a follower catches up)."""
        rows = await self.r.all("SELECT * FROM mail_messages WHERE user_id = ? AND id > ? ORDER BY id LIMIT ?",
                                (user_id, row_id, limit))
        return [_stored(r) for r in rows]

    async def count(self, user_id: int) -> int:
        row = await self.r.one("SELECT COUNT(*) AS n FROM mail_messages WHERE user_id = ?", (user_id,))
        return int(row["n"]) if row else 0

    async def search(self, user_id: int, query: str, limit: int = 20) -> list[StoredEmail]:
        """Best first: FTS5 BM25 over subject, sender and text (any of the words, stemmed), narrowed by
        ``from:``, ``to:`` and ``subject:`` filters; with filters only, newest first."""
        words, filters = split_query(query)
        pg = dialect(self.r) == "postgres"
        where, params = ["m.user_id = ?"], list[Any]([user_id])
        for key, value in filters:  # SQLite's LIKE ignores ASCII case; PostgreSQL's ILIKE does
            where.append(_FILTER_SQL[key].replace(" LIKE ", " ILIKE ") if pg else _FILTER_SQL[key])
            params.extend([_like(value)] * _FILTER_SQL[key].count("?"))
        if fts_query(words):
            sql, params = _match(pg, user_id, words, where, params)
        elif filters:
            sql = (f"SELECT m.* FROM mail_messages m WHERE {' AND '.join(where)} "
                   "ORDER BY m.date IS NULL, m.date DESC, m.id DESC LIMIT ?")
        else:
            return []
        rows = await self.r.all(sql, (*params, limit))
        return [_stored(r) for r in rows]

    async def thread(self, user_id: int, message_id: str, limit: int = 500) -> list[StoredEmail]:
        """The conversation ``message_id`` belongs to (linked by In-Reply-To and References), oldest first."""

        def _walk(db: sqlite3.Connection) -> list[sqlite3.Row]:
            ids, rows = {message_id}, dict[int, sqlite3.Row]()
            for _ in range(20):
                marks = ",".join("?" * len(ids))
                found = db.execute(f"SELECT * FROM mail_messages WHERE user_id = ? AND (message_id IN ({marks}) "
                                   f"OR in_reply_to IN ({marks})) LIMIT ?", (user_id, *ids, *ids, limit)).fetchall()
                grown = set(ids)
                for row in found:
                    rows[row["id"]] = row
                    grown.update([row["message_id"], *json.loads(row["refs"])])
                    grown.update([row["in_reply_to"]] if row["in_reply_to"] else [])
                if grown == ids or len(rows) >= limit:
                    break
                ids = set(list(grown)[:900])  # SQLite's parameter limit
            return sorted(rows.values(), key=lambda r: (r["date"] or "", r["id"]))

        return [_stored(r) for r in await self.r.call(lambda: _walk(self.r.db))]

    async def set_folder(self, user_id: int, row_id: int, folder: str, uid: str = "") -> None:
        """Record that a message now lives in ``folder`` (after a move), with its new UID when known."""
        cur = await self.r.run("UPDATE mail_messages SET folder = ?, uid = ? WHERE user_id = ? AND id = ?",
                               (folder, uid, user_id, row_id))
        if cur.rowcount != 1:
            raise StoreError("store.not_found", f"no message #{row_id}")

    async def add_label(self, user_id: int, row_id: int, category: str, reason: str, score: float,
                        now: datetime | None = None) -> None:
        """Record a triage decision (the newest per message is the current one)."""
        cur = await self.r.run(
            "INSERT INTO mail_labels (user_id, message_row_id, category, reason, score, at) "
            "SELECT ?, id, ?, ?, ?, ? FROM mail_messages WHERE user_id = ? AND id = ?",
            (user_id, category, reason, score, _ts(now or utc_now()), user_id, row_id))
        if cur.rowcount != 1:
            raise StoreError("store.not_found", f"no message #{row_id}")

    async def label(self, user_id: int, row_id: int) -> Label | None:
        """The current triage decision for a message, if any."""
        row = await self.r.one("SELECT * FROM mail_labels WHERE user_id = ? AND message_row_id = ? "
                               "ORDER BY id DESC LIMIT 1", (user_id, row_id))
        return Label(row["message_row_id"], row["category"], row["reason"], row["score"],
                     datetime.fromisoformat(row["at"])) if row else None


def mail_of(store: Any) -> SqliteMail:
    """The mail repository over an open store's connection (the SQLite store has a ``runner``)."""
    runner = store_runner(store)
    if runner is None:
        raise StoreError("mail.unsupported_store", "mail needs a SQLite or PostgreSQL store",
                         hint="mail keeps its tables in OS1_HOME/os1.db")
    return SqliteMail(runner)
