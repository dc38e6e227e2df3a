"""SQLite repository for letters, their versions and the clients' files (tables from migration 4, ``letters``).

Self-contained over the store's connection runner (``SqliteLetters(store.runner)``): the letters capability owns
its SQL and the core ``Store`` protocol stays as it is. Every query is scoped by ``user_id``."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from os1.errors import StoreError
from os1.letters.base import Client, ClientNote, Letter, NoteKind, Origin, Source, Version
from os1.store.runner import Runner, _ts

_LETTER = "SELECT l.*, v.number, v.body, v.change, v.parent, v.sources, v.created_at AS v_created_at " \
          "FROM letters l JOIN letter_versions v ON v.letter_id = l.id AND v.number = " \
          "(SELECT MAX(number) FROM letter_versions WHERE letter_id = l.id) WHERE l.user_id = ?"


CURRENT = -1  # ``revise(parent=CURRENT)``: the version is made from the current one


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _sources(raw: str) -> tuple[Source, ...]:
    return tuple(Source(s["kind"], s.get("ref_id"), s["text"], s.get("use", "woven")) for s in json.loads(raw))


def _sources_json(sources: Sequence[Source]) -> str:
    return json.dumps([{"kind": s.kind, "ref_id": s.ref_id, "text": s.text, "use": s.use} for s in sources],
                      ensure_ascii=False)


def _version(row: sqlite3.Row, letter_id: int, created: str) -> Version:
    return Version(letter_id, row["number"], row["body"], row["change"], row["parent"], _sources(row["sources"]),
                   datetime.fromisoformat(created))


def _letter(row: sqlite3.Row) -> Letter:
    return Letter(
        id=row["id"], user_id=row["user_id"], client_id=row["client_id"], recipient=row["recipient"],
        occasion=row["occasion"], origin=row["origin"], favourite=bool(row["favourite"]),
        written_on=datetime.fromisoformat(row["written_on"]), created_at=datetime.fromisoformat(row["created_at"]),
        current=_version(row, row["id"], row["v_created_at"]),
    )


def _client(row: sqlite3.Row) -> Client:
    return Client(row["id"], row["user_id"], row["name"], datetime.fromisoformat(row["created_at"]))


class SqliteLetters:
    def __init__(self, r: Runner) -> None:
        self.r = r

    async def client(self, user_id: int, name: str, now: datetime | None = None) -> Client | None:
        """The client called ``name`` (their name or any name in their file, any case); created if ``now``."""
        key = name_key(name)
        if not key:
            raise StoreError("store.bad_value", "a client needs a name")

        def _find(db: sqlite3.Connection) -> sqlite3.Row | None:
            row = db.execute("SELECT * FROM letter_clients WHERE user_id = ? AND name_key = ?",
                             (user_id, key)).fetchone()
            if row is None:
                row = db.execute(
                    "SELECT c.* FROM letter_clients c JOIN letter_client_notes n ON n.client_id = c.id "
                    "WHERE c.user_id = ? AND n.user_id = ? AND n.kind = 'name' AND lower(n.text) = ? "
                    "ORDER BY c.id LIMIT 1", (user_id, user_id, key)).fetchone()
            if row is None and now is not None:
                cur = db.execute("INSERT INTO letter_clients (user_id, name, name_key, created_at) VALUES (?,?,?,?)",
                                 (user_id, " ".join(name.split()), key, _ts(now)))
                row = db.execute("SELECT * FROM letter_clients WHERE id = ?", (cur.lastrowid,)).fetchone()
            return row

        row = await self.r.transaction(_find)
        return _client(row) if row else None

    async def clients(self, user_id: int) -> list[Client]:
        rows = await self.r.all("SELECT * FROM letter_clients WHERE user_id = ? ORDER BY name_key", (user_id,))
        return [_client(r) for r in rows]

    async def add_note(self, user_id: int, client_id: int, kind: NoteKind, text: str, now: datetime) -> ClientNote:
        text = " ".join(text.split())
        if not text:
            raise StoreError("store.bad_value", "a note needs text")
        cur = await self.r.run(
            "INSERT INTO letter_client_notes (user_id, client_id, kind, text, created_at) "
            "SELECT ?, id, ?, ?, ? FROM letter_clients WHERE id = ? AND user_id = ?",
            (user_id, kind, text, _ts(now), client_id, user_id))
        if cur.rowcount != 1:
            raise StoreError("store.not_found", f"no client #{client_id}")
        return ClientNote(int(cur.lastrowid or 0), client_id, kind, text, now)

    async def notes(self, user_id: int, client_id: int) -> list[ClientNote]:
        rows = await self.r.all("SELECT * FROM letter_client_notes WHERE user_id = ? AND client_id = ? ORDER BY id",
                                (user_id, client_id))
        return [ClientNote(r["id"], r["client_id"], r["kind"], r["text"], datetime.fromisoformat(r["created_at"]))
                for r in rows]

    async def create(
        self, user_id: int, recipient: str, occasion: str, origin: Origin, body: str, now: datetime,
        sources: Sequence[Source] = (), client_id: int | None = None, written_on: datetime | None = None,
    ) -> Letter:
        """A new letter and its first version, in one transaction."""
        if not body.strip():
            raise StoreError("store.bad_value", "a letter needs text")

        def _create(db: sqlite3.Connection) -> int:
            cur = db.execute(
                "INSERT INTO letters (user_id, client_id, recipient, occasion, origin, written_on, created_at) "
                "VALUES (?,?,?,?,?,?,?)",
                (user_id, client_id, recipient, occasion, origin, _ts(written_on or now), _ts(now)))
            letter_id = int(cur.lastrowid or 0)
            db.execute("INSERT INTO letter_versions (user_id, letter_id, number, body, change, parent, sources, "
                       "created_at) VALUES (?,?,1,?,?,NULL,?,?)",
                       (user_id, letter_id, body, origin, _sources_json(sources), _ts(now)))
            return letter_id

        letter = await self.get(user_id, await self.r.transaction(_create))
        assert letter is not None
        return letter

    async def get(self, user_id: int, letter_id: int) -> Letter | None:
        row = await self.r.one(_LETTER + " AND l.id = ?", (user_id, letter_id))
        return _letter(row) if row else None

    async def many(self, user_id: int, ids: Sequence[int]) -> list[Letter]:
        """The letters with these ids, in the order given (unknown ids are left out)."""
        if not ids:
            return []
        rows = await self.r.all(_LETTER + f" AND l.id IN ({','.join('?' * len(ids))})", (user_id, *ids))
        found = {r["id"]: _letter(r) for r in rows}
        return [found[i] for i in ids if i in found]

    async def browse(
        self, user_id: int, favourites: bool = False, client_id: int | None = None, origin: Origin | None = None,
        limit: int = 200,
    ) -> list[Letter]:
        """Oldest first (by the day written, then id): the order of a book."""
        sql, params = _LETTER, list[Any]([user_id])
        if favourites:
            sql += " AND l.favourite = 1"
        if client_id is not None:
            sql += " AND l.client_id = ?"
            params.append(client_id)
        if origin is not None:
            sql += " AND l.origin = ?"
            params.append(origin)
        rows = await self.r.all(sql + " ORDER BY l.written_on, l.id LIMIT ?", (*params, limit))
        return [_letter(r) for r in rows]

    async def revise(
        self, user_id: int, letter_id: int, body: str, change: str, now: datetime, parent: int | None = CURRENT,
        sources: Sequence[Source] | None = None,
    ) -> Version:
        """Add a version made from ``parent`` (by default the current one; None: from none, like a first
        version); earlier versions stay as they are."""
        if not body.strip():
            raise StoreError("store.bad_value", "a letter needs text")

        def _revise(db: sqlite3.Connection) -> Version:
            last = db.execute("SELECT v.* FROM letter_versions v JOIN letters l ON l.id = v.letter_id "
                              "WHERE l.id = ? AND l.user_id = ? ORDER BY v.number DESC LIMIT 1",
                              (letter_id, user_id)).fetchone()
            if last is None:
                raise StoreError("store.not_found", f"no letter #{letter_id}")
            number = last["number"] + 1
            kept = _sources(last["sources"]) if sources is None else tuple(sources)
            made_from = last["number"] if parent == CURRENT else parent
            db.execute("INSERT INTO letter_versions (user_id, letter_id, number, body, change, parent, sources, "
                       "created_at) VALUES (?,?,?,?,?,?,?,?)",
                       (user_id, letter_id, number, body, change, made_from, _sources_json(kept), _ts(now)))
            return Version(letter_id, number, body, change, made_from, kept, now)

        return await self.r.transaction(_revise)

    async def undo(self, user_id: int, letter_id: int, now: datetime) -> Version | None:
        """Go back to the version the current one was made from, as a new version (None: nothing to undo)."""
        history = {v.number: v for v in await self.versions(user_id, letter_id)}
        if not history:
            raise StoreError("store.not_found", f"no letter #{letter_id}")
        current = history[max(history)]
        before = history.get(current.parent) if current.parent is not None else None
        if before is None:
            return None
        return await self.revise(user_id, letter_id, before.body, f"undo of v{current.number} (back to "
                                 f"v{before.number})", now, parent=before.parent, sources=before.sources)

    async def versions(self, user_id: int, letter_id: int) -> list[Version]:
        rows = await self.r.all("SELECT * FROM letter_versions WHERE user_id = ? AND letter_id = ? ORDER BY number",
                                (user_id, letter_id))
        return [_version(r, letter_id, r["created_at"]) for r in rows]

    async def set_favourite(self, user_id: int, letter_id: int, favourite: bool) -> bool:
        cur = await self.r.run("UPDATE letters SET favourite = ? WHERE id = ? AND user_id = ?",
                               (int(favourite), letter_id, user_id))
        return cur.rowcount == 1


def letters_of(store: Any) -> SqliteLetters:
    """The letters repository over an open store's connection (the SQLite store has a ``runner``)."""
    from os1.store.postgres_compat import store_runner

    runner = store_runner(store)  # PostgreSQL's too: the same SQL, through postgres_compat
    if runner is None:
        raise StoreError("letters.unsupported_store", "letters need the SQLite store",
                         hint="letters keep their tables in OS1_HOME/os1.db")
    return SqliteLetters(runner)
