"""SQLite repositories for memory items and their vectors. Every query is scoped by user."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from os1.errors import StoreError
from os1.store.base import VectorRow
from os1.store.runner import Runner, _dt, _ts, fts_query, owned
from os1.types import MEMORY_KINDS, Memory, NewMemory

_SPACE = re.compile(r"\s+")


def memory_hash(kind: str, key: str | None, text: str, value: str | None = None) -> str:
    """Identity of an item for idempotency: the same statement from the same slot is the same memory."""
    body = (value if key and value else text).casefold()
    body = _SPACE.sub(" ", re.sub(r"[^\w\s]", "", body)).strip()
    return hashlib.sha1(f"{kind}|{key or ''}|{body}".encode()).hexdigest()


def _memory(row: sqlite3.Row) -> Memory:
    return Memory(
        id=row["id"],
        user_id=row["user_id"],
        kind=row["kind"],
        text=row["text"],
        created_at=datetime.fromisoformat(row["created_at"]),
        key=row["key"],
        value=row["value"],
        subject=row["subject"],
        importance=float(row["importance"]),
        confidence=float(row["confidence"]),
        valid_from=_dt(row["valid_from"]),
        valid_to=_dt(row["valid_to"]),
        source=row["source"],
        source_turn_ids=tuple(json.loads(row["source_turn_ids"])),
        superseded_by=row["superseded_by"],
    )


class SqliteMemories:
    def __init__(self, r: Runner) -> None:
        self.r = r

    async def add(self, user_id: int, item: NewMemory, now: datetime) -> Memory | None:
        """Store ``item`` unless it is already known (then its provenance is merged) or was forgotten.

        An item with a ``key`` ends the current items of that key (they are kept, with ``valid_to`` set),
        unless one of them is more certain: a weak extraction never overwrites a good fact (returns None)."""
        if item.kind not in MEMORY_KINDS:
            raise StoreError("store.bad_value", f"unknown memory kind {item.kind!r}")
        if not item.text.strip():
            raise StoreError("store.bad_value", "a memory needs text")
        digest = memory_hash(item.kind, item.key, item.text, item.value)
        row = await self.r.transaction(lambda db: self._add(db, user_id, item, digest, now))
        return _memory(row) if row is not None else None

    def _add(
        self, db: sqlite3.Connection, user_id: int, item: NewMemory, digest: str, now: datetime
    ) -> sqlite3.Row | None:
        if db.execute("SELECT 1 FROM forgotten WHERE user_id = ? AND content_hash = ?", (user_id, digest)).fetchone():
            return None
        same = db.execute(
            "SELECT * FROM memories WHERE user_id = ? AND content_hash = ? ORDER BY valid_to IS NULL DESC, id DESC",
            (user_id, digest),
        ).fetchall()
        if item.key is not None:  # facts migrated from the first schema carry a placeholder hash
            same += db.execute(
                "SELECT * FROM memories WHERE user_id = ? AND key = ? AND value = ? AND content_hash LIKE 'legacy-%' "
                "ORDER BY valid_to IS NULL DESC, id DESC",
                (user_id, item.key, item.value),
            ).fetchall()
        for row in same:
            known = set(json.loads(row["source_turn_ids"]))
            if row["valid_to"] is None or (item.source_turn_ids and known >= set(item.source_turn_ids)):
                merged = sorted(known | set(item.source_turn_ids))
                db.execute(
                    "UPDATE memories SET source_turn_ids = ?, importance = MAX(importance, ?), updated_at = ? "
                    "WHERE id = ?",
                    (json.dumps(merged), item.importance, _ts(now), row["id"]),
                )
                return db.execute("SELECT * FROM memories WHERE id = ?", (row["id"],)).fetchone()
        rivals = []
        if item.key:
            rivals = db.execute(
                "SELECT id, confidence FROM memories WHERE user_id = ? AND key = ? AND valid_to IS NULL",
                (user_id, item.key),
            ).fetchall()
            if any(r["confidence"] > item.confidence + 1e-9 for r in rivals):
                return None
        cur = db.execute(
            "INSERT INTO memories (user_id, kind, text, key, value, subject, importance, confidence, valid_from, "
            "valid_to, source, source_turn_ids, content_hash, created_at, updated_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                user_id, item.kind, item.text.strip(), item.key, item.value, item.subject, item.importance,
                item.confidence, _ts(item.valid_from) if item.valid_from else None,
                _ts(item.valid_to) if item.valid_to else None, item.source,
                json.dumps(sorted(set(item.source_turn_ids))), digest, _ts(now), _ts(now),
            ),
        )  # fmt: skip
        new_id = cur.lastrowid
        ended = _ts(item.valid_from or now)
        for rival in rivals:
            db.execute(
                "UPDATE memories SET valid_to = ?, superseded_by = ?, updated_at = ? WHERE id = ?",
                (ended, new_id, _ts(now), rival["id"]),
            )
        return db.execute("SELECT * FROM memories WHERE id = ?", (new_id,)).fetchone()

    async def add_many(self, user_id: int, items: Sequence[NewMemory], now: datetime) -> int:
        """``add`` for a batch, in one transaction (imports, backfills); returns how many were new or merged."""
        for item in items:
            if item.kind not in MEMORY_KINDS or not item.text.strip():
                raise StoreError("store.bad_value", f"not a memory: {item.kind!r} {item.text[:40]!r}")

        def _many(db: sqlite3.Connection) -> int:
            stored = 0
            for item in items:
                digest = memory_hash(item.kind, item.key, item.text, item.value)
                stored += self._add(db, user_id, item, digest, now) is not None
            return stored

        return await self.r.transaction(_many)

    async def get(self, user_id: int, memory_id: int) -> Memory | None:
        row = await self.r.one("SELECT * FROM memories WHERE id = ? AND user_id = ?", (memory_id, user_id))
        return _memory(row) if row else None

    async def many(self, user_id: int, ids: Sequence[int]) -> dict[int, Memory]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self.r.all(f"SELECT * FROM memories WHERE user_id = ? AND id IN ({marks})", (user_id, *ids))
        return {r["id"]: _memory(r) for r in rows}

    async def current(
        self, user_id: int, kinds: Sequence[str] | None = None, as_of: datetime | None = None, limit: int = 500
    ) -> list[Memory]:
        """Items true now (or at ``as_of``): started by then, and not yet ended."""
        sql = "SELECT * FROM memories WHERE user_id = ?"
        params: list[Any] = [user_id]
        if kinds:
            sql += f" AND kind IN ({','.join('?' * len(kinds))})"
            params += list(kinds)
        if as_of is None:
            sql += " AND valid_to IS NULL"
        else:
            sql += " AND (valid_from IS NULL OR valid_from <= ?) AND (valid_to IS NULL OR valid_to > ?)"
            params += [_ts(as_of), _ts(as_of)]
        rows = await self.r.all(sql + " ORDER BY id LIMIT ?", (*params, limit))
        return [_memory(r) for r in rows]

    async def browse(
        self, user_id: int, kind: str | None = None, include_ended: bool = False, limit: int = 50, offset: int = 0
    ) -> list[Memory]:
        sql = "SELECT * FROM memories WHERE user_id = ?"
        params: list[Any] = [user_id]
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        if not include_ended:
            sql += " AND valid_to IS NULL"
        rows = await self.r.all(sql + " ORDER BY id DESC LIMIT ? OFFSET ?", (*params, limit, offset))
        return [_memory(r) for r in rows]

    async def history(self, user_id: int, key: str) -> list[Memory]:
        rows = await self.r.all("SELECT * FROM memories WHERE user_id = ? AND key = ? ORDER BY id", (user_id, key))
        return [_memory(r) for r in rows]

    async def search(self, user_id: int, query: str, limit: int) -> list[tuple[Memory, float]]:
        """BM25 (stemmed) over this user's items, ended ones included; higher score is better."""
        found = await self.match(user_id, query, limit)
        items = await self.many(user_id, [i for i, _ in found])
        return [(items[i], score) for i, score in found if i in items]

    async def match(self, user_id: int, query: str, limit: int) -> list[tuple[int, float]]:
        """``search`` without reading the items: ids and BM25 scores."""
        match = fts_query(query)
        if not match:
            return []
        rows = await self.r.all(
            "SELECT rowid, bm25(memories_fts, 1.0, 0.0) AS rank FROM memories_fts WHERE memories_fts MATCH ? "
            "ORDER BY rank LIMIT ?",
            (owned(match, user_id), limit),
        )
        return [(int(r[0]), -float(r[1])) for r in rows]

    async def count(self, user_id: int) -> int:
        row = await self.r.one("SELECT COUNT(*) FROM memories WHERE user_id = ?", (user_id,))
        return int(row[0]) if row else 0

    async def texts(self, user_id: int, after: int = 0, limit: int = 50_000) -> list[tuple[int, str]]:
        """Ids and texts of this user's items past ``after``, oldest first: what an index is built from."""
        rows = await self.r.all(
            "SELECT id, text FROM memories WHERE id > ? AND user_id = ? ORDER BY id LIMIT ?", (after, user_id, limit)
        )
        return [(int(r[0]), str(r[1])) for r in rows]

    async def last_id(self) -> int:
        """The newest item's id, for any user: a cheap way to know whether anything was added."""
        row = await self.r.one("SELECT MAX(id) FROM memories")
        return int(row[0] or 0) if row else 0

    async def edit(self, user_id: int, memory_id: int, text: str, now: datetime) -> Memory:
        """The user's correction becomes a new version that ends the old one (kept, so it can be undone)."""
        old = await self.get(user_id, memory_id)
        if old is None:
            raise StoreError("store.not_found", f"memory {memory_id} not found")
        if old.valid_to is not None:
            raise StoreError("store.conflict", f"memory {memory_id} has ended", hint="edit the current one")
        if not text.strip():
            raise StoreError("store.bad_value", "a memory needs text")
        key = old.key or f"edit:{old.id}"
        new = NewMemory(
            kind=old.kind, text=text.strip(), key=key, value=None, subject=old.subject,
            importance=max(old.importance, 0.7), confidence=1.0, valid_from=old.valid_from, source="user",
            source_turn_ids=old.source_turn_ids,
        )  # fmt: skip

        def _edit(db: sqlite3.Connection) -> sqlite3.Row:
            if old.key is None:
                db.execute("UPDATE memories SET key = ? WHERE id = ?", (key, old.id))
            row = self._add(db, user_id, new, memory_hash(new.kind, key, new.text), now)
            if row is None:
                raise StoreError("store.conflict", "that text was forgotten before")
            db.execute(
                "UPDATE memories SET valid_to = COALESCE(valid_to, ?), superseded_by = ? WHERE id = ?",
                (_ts(now), row["id"], old.id),
            )
            return row

        return _memory(await self.r.transaction(_edit))

    async def merge(self, user_id: int, keep_id: int, drop_id: int, now: datetime) -> bool:
        """Fold a duplicate into the item kept: its provenance joins, and it ends, pointing at the kept one."""

        def _merge(db: sqlite3.Connection) -> bool:
            rows = db.execute(
                "SELECT id, source_turn_ids FROM memories WHERE user_id = ? AND id IN (?, ?) AND valid_to IS NULL",
                (user_id, keep_id, drop_id),
            ).fetchall()
            if len(rows) != 2 or keep_id == drop_id:
                return False
            merged = sorted({t for r in rows for t in json.loads(r["source_turn_ids"])})
            db.execute(
                "UPDATE memories SET source_turn_ids = ?, updated_at = ? WHERE id = ?",
                (json.dumps(merged), _ts(now), keep_id),
            )
            db.execute(
                "UPDATE memories SET valid_to = ?, superseded_by = ?, updated_at = ? WHERE id = ?",
                (_ts(now), keep_id, _ts(now), drop_id),
            )
            return True

        return await self.r.transaction(_merge)

    async def forget(self, user_id: int, memory_id: int, now: datetime, with_source: bool = True) -> bool:
        """Remove the item, its vector and index entries, and remember not to learn it again. With
        ``with_source`` the turns it came from leave recall too (the transcript itself is kept)."""

        def _forget(db: sqlite3.Connection) -> bool:
            row = db.execute("SELECT * FROM memories WHERE id = ? AND user_id = ?", (memory_id, user_id)).fetchone()
            if row is None:
                return False
            db.execute(
                "INSERT OR IGNORE INTO forgotten (user_id, content_hash, forgotten_at) VALUES (?,?,?)",
                (user_id, memory_hash(row["kind"], row["key"], row["text"], row["value"]), _ts(now)),
            )
            db.execute("DELETE FROM vectors WHERE owner = 'memory' AND ref_id = ?", (memory_id,))
            db.execute("DELETE FROM memories WHERE id = ?", (memory_id,))
            if with_source:
                forget_turns(db, user_id, json.loads(row["source_turn_ids"]))
            return True

        return await self.r.transaction(_forget)


NEIGHBOURS = 2  # the turn index holds each turn with two turns either side (same conversation)


def index_turns(db: sqlite3.Connection, user_id: int, turn_ids: Iterable[int]) -> int:
    """(Re)write the full-text rows of ``turn_ids``: each turn's words, and its neighbours' in their own columns
    (a question about "the support group" finds the turn that answers it even when the words are in the turn
    before). Forgotten turns have no row and are nobody's neighbour."""
    done = 0
    for turn_id in turn_ids:
        row = db.execute(
            "SELECT id, conversation_id, content, forgotten FROM turns WHERE id = ? AND user_id = ?", (turn_id, user_id)
        ).fetchone()
        if row is None:
            continue
        db.execute("DELETE FROM turns_fts WHERE rowid = ?", (turn_id,))
        if not row["forgotten"]:
            before = _neighbours(db, row["conversation_id"], turn_id, "<", "DESC")
            after = _neighbours(db, row["conversation_id"], turn_id, ">", "ASC")
            db.execute(
                "INSERT INTO turns_fts (rowid, body, p1, n1, p2, n2, owner) VALUES (?,?,?,?,?,?,?)",
                (turn_id, row["content"], before[0], after[0], before[1], after[1], f"u{user_id}"),
            )
        db.execute("UPDATE turns SET indexed = 1 WHERE id = ?", (turn_id,))
        done += 1
    return done


def _neighbours(db: sqlite3.Connection, conversation_id: int, turn_id: int, op: str, order: str) -> list[str]:
    rows = db.execute(
        f"SELECT content FROM turns WHERE conversation_id = ? AND id {op} ? AND forgotten = 0 AND completed = 1 "
        f"AND role != 'system' ORDER BY id {order} LIMIT {NEIGHBOURS}",
        (conversation_id, turn_id),
    ).fetchall()
    texts = [r[0] for r in rows]
    return texts + [""] * (NEIGHBOURS - len(texts))


def near_turns(db: sqlite3.Connection, turn_id: int, span: int = NEIGHBOURS) -> list[int]:
    """The ids of the turns within ``span`` of ``turn_id`` in its conversation, itself excluded."""
    rows = db.execute(
        "SELECT t.id FROM turns t JOIN turns x ON x.id = ? AND t.conversation_id = x.conversation_id "
        "WHERE t.id != x.id AND t.forgotten = 0 AND t.id IN (SELECT id FROM (SELECT id FROM turns "
        "WHERE conversation_id = x.conversation_id AND id < x.id ORDER BY id DESC LIMIT ?) UNION "
        "SELECT id FROM (SELECT id FROM turns WHERE conversation_id = x.conversation_id AND id > x.id "
        "ORDER BY id LIMIT ?))",
        (turn_id, span, span),
    ).fetchall()
    return [r[0] for r in rows]


def forget_turns(db: sqlite3.Connection, user_id: int, turn_ids: Iterable[int]) -> int:
    """Take turns out of recall: their index rows and vectors go, the transcript rows stay, flagged. Their
    neighbours are re-indexed and re-embedded without them (their words were in the neighbours' context), and
    the companion's feelings no longer quote them."""
    done = 0
    for turn_id in turn_ids:
        row = db.execute(
            "SELECT id FROM turns WHERE id = ? AND user_id = ? AND forgotten = 0", (turn_id, user_id)
        ).fetchone()
        if row is None:
            continue
        db.execute("UPDATE turns SET forgotten = 1 WHERE id = ?", (turn_id,))
        db.execute(  # what moved the companion stays (its state is its own), the user's words in it do not
            "UPDATE feelings SET why = 'something you asked me to forget' WHERE turn_id = ? AND user_id = ?",
            (turn_id, user_id),
        )
        near = near_turns(db, turn_id)
        for affected in (turn_id, *near):
            db.execute("DELETE FROM vectors WHERE owner = 'turn' AND ref_id = ?", (affected,))
        index_turns(db, user_id, [turn_id, *near])
        done += 1
    return done


class SqliteVectors:
    """Embeddings of turns and memory items, stored as float16 bytes; the vector index is built from these."""

    def __init__(self, r: Runner) -> None:
        self.r = r

    async def put(self, user_id: int, owner: str, rows: Sequence[tuple[int, int, bytes]], model: str) -> int:
        """Store (ref_id, part, vector) rows whose turn or item still exists and belongs to ``user_id``; the
        parts of a ref are replaced together. Returns how many vectors were stored."""
        table = "turns" if owner == "turn" else "memories"
        extra = " AND forgotten = 0" if owner == "turn" else ""

        def _put(db: sqlite3.Connection) -> int:
            stored = 0
            owned = f"SELECT 1 FROM {table} WHERE id = ? AND user_id = ?{extra}"
            cleared: set[int] = set()
            for ref_id, part, vec in rows:
                if not db.execute(owned, (ref_id, user_id)).fetchone():
                    continue
                if ref_id not in cleared:
                    db.execute("DELETE FROM vectors WHERE owner = ? AND ref_id = ?", (owner, ref_id))
                    cleared.add(ref_id)
                db.execute(
                    "INSERT INTO vectors (owner, ref_id, part, user_id, model, vec) VALUES (?,?,?,?,?,?)",
                    (owner, ref_id, part, user_id, model, vec),
                )
                stored += 1
            return stored

        return await self.r.transaction(_put)

    async def missing_turns(self, user_id: int, limit: int) -> list[int]:
        rows = await self.r.all(
            "SELECT t.id FROM turns t LEFT JOIN vectors v ON v.owner = 'turn' AND v.ref_id = t.id "
            "WHERE t.user_id = ? AND v.ref_id IS NULL AND t.forgotten = 0 AND t.completed = 1 AND t.content != '' "
            "AND t.role != 'system' ORDER BY t.id LIMIT ?",
            (user_id, limit),
        )
        return [r[0] for r in rows]

    async def missing_memories(self, user_id: int, limit: int) -> list[int]:
        rows = await self.r.all(
            "SELECT m.id FROM memories m LEFT JOIN vectors v ON v.owner = 'memory' AND v.ref_id = m.id "
            "WHERE m.user_id = ? AND v.ref_id IS NULL ORDER BY m.id LIMIT ?",
            (user_id, limit),
        )
        return [r[0] for r in rows]

    async def load(
        self, user_id: int, model: str, after: int = 0, limit: int = 50_000, owner: str = "turn"
    ) -> list[VectorRow]:
        """A page of this user's vectors of one owner in rowid order, for building the index."""
        rows = await self.r.all(
            "SELECT rowid, owner, ref_id, part, vec FROM vectors WHERE user_id = ? AND owner = ? AND model = ? "
            "AND rowid > ? ORDER BY rowid LIMIT ?",
            (user_id, owner, model, after, limit),
        )
        return [VectorRow(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    async def last_rowid(self) -> int:
        """The newest vector's rowid, for any user: a cheap way to know whether anything was added."""
        row = await self.r.one("SELECT MAX(rowid) FROM vectors")
        return int(row[0] or 0) if row else 0

    async def count(self, user_id: int, model: str | None = None, owner: str | None = None) -> int:
        row = await self.r.one(
            "SELECT COUNT(*) FROM vectors WHERE user_id = ? AND (? IS NULL OR model = ?) AND (? IS NULL OR owner = ?)",
            (user_id, model, model, owner, owner),
        )
        return int(row[0]) if row else 0
