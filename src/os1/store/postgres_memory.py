"""PostgreSQL repositories for memory items and their vectors (pgvector ``vector``). Every query is scoped by
user; the rules (idempotency, supersession, tombstones, provenance) are the SQLite store's, in this dialect."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from os1.errors import StoreError
from os1.store.base import VectorRow
from os1.store.postgres_runner import Conn, PgRow, PgRunner, got, lock_user
from os1.store.runner import WORD, _dt, _ts
from os1.store.sqlite_memory import NEIGHBOURS, memory_hash
from os1.types import MEMORY_KINDS, Memory, NewMemory

MAX_WORDS = 64  # a query's distinct words; more add nothing but cost
MEMORY_MATCH = ("SELECT id, ts_rank(fts, {q}, 1) AS rank FROM memories WHERE user_id = %s AND fts @@ %s::tsquery "
                "AND fts @@ {q} ORDER BY rank DESC, id LIMIT %s")  # fmt: skip


def owner_token(user_id: int) -> str:
    """The lexeme every tsvector of a user's rows holds (``~`` never survives the text parser), so that the GIN
    index reads only this user's postings: ``array_to_tsvector(ARRAY[owner_token(u)])`` in a row,
    ``owner_query(u)`` in a search."""
    return f"~{int(user_id)}"


def owner_query(user_id: int) -> str:
    """The tsquery (as text, for ``%s::tsquery``) that matches the rows of ``user_id``."""
    return f"'{owner_token(user_id)}'"


def query_words(text: str) -> list[str]:
    """The distinct words of a query, as SQLite's ``fts_query`` takes them."""
    words = sorted({w.strip("'").lower() for w in WORD.findall(text)} - {""})
    return [w for w in words if len(w) > 1][:MAX_WORDS]


def tsquery(text: str, op: str = "||") -> tuple[str, list[str]]:
    """Any (``||``) or all (``&&``) of the words, each stemmed and stop words dropped, as a SQL tsquery expression
    and its parameters: each word is a bound parameter to ``plainto_tsquery``, so user text is never syntax."""
    words = query_words(text)
    expr = f" {op} ".join(["plainto_tsquery('english', %s)"] * len(words))
    return f"({expr})", words


def ranked(db: Conn, template: str, prefix: tuple[Any, ...], user_id: int, text: str, limit: int) -> list[PgRow]:
    """The best ``limit`` rows for any of the words, ranked; ``template`` has ``{q}`` twice (ranked, matched).

    Ranking reads every row that matches: for a user with 100k items a common word matches thousands. Rows with
    all the words come first in the ranking, and few rows have them all, so those are ranked first; only when
    fewer than ``limit`` have them all is every row with any word ranked. ``template`` also takes the user id and
    its ``owner_query``, so the GIN index reads only this user's postings."""
    owner = owner_query(user_id)
    q, words = tsquery(text, "&&")
    if len(words) > 1:
        params = (*prefix, *words, user_id, owner, *words, limit)
        rows: list[PgRow] = db.execute(template.format(q=q), params).fetchall()
        if len(rows) >= limit:
            return rows
    q, words = tsquery(text, "||")
    return db.execute(template.format(q=q), (*prefix, *words, user_id, owner, *words, limit)).fetchall()


def _memory(row: PgRow) -> Memory:
    return Memory(
        id=row["id"], user_id=row["user_id"], kind=row["kind"], text=row["text"],
        created_at=datetime.fromisoformat(row["created_at"]), key=row["key"], value=row["value"],
        subject=row["subject"], importance=float(row["importance"]), confidence=float(row["confidence"]),
        valid_from=_dt(row["valid_from"]), valid_to=_dt(row["valid_to"]), source=row["source"],
        source_turn_ids=tuple(json.loads(row["source_turn_ids"])), superseded_by=row["superseded_by"],
    )  # fmt: skip


def _add(db: Conn, user_id: int, item: NewMemory, digest: str, now: datetime) -> PgRow | None:
    """One item, in the caller's transaction (which holds the user's lock): see ``SqliteMemories.add``."""
    if db.execute("SELECT 1 FROM forgotten WHERE user_id = %s AND content_hash = %s", (user_id, digest)).fetchone():
        return None
    same = db.execute(
        "SELECT * FROM memories WHERE user_id = %s AND content_hash = %s ORDER BY valid_to IS NULL DESC, id DESC",
        (user_id, digest),
    ).fetchall()
    if item.key is not None:  # facts migrated from the first schema carry a placeholder hash
        same += db.execute(
            "SELECT * FROM memories WHERE user_id = %s AND key = %s AND value = %s AND content_hash LIKE 'legacy-%%' "
            "ORDER BY valid_to IS NULL DESC, id DESC",
            (user_id, item.key, item.value),
        ).fetchall()
    for row in same:
        known = set(json.loads(row["source_turn_ids"]))
        if row["valid_to"] is None or (item.source_turn_ids and known >= set(item.source_turn_ids)):
            return db.execute(
                "UPDATE memories SET source_turn_ids = %s::jsonb, importance = GREATEST(importance, %s), "
                "updated_at = %s WHERE id = %s RETURNING *",
                (json.dumps(sorted(known | set(item.source_turn_ids))), item.importance, _ts(now), row["id"]),
            ).fetchone()
    rivals: list[PgRow] = []
    if item.key:
        rivals = db.execute(
            "SELECT id, confidence FROM memories WHERE user_id = %s AND key = %s AND valid_to IS NULL",
            (user_id, item.key),
        ).fetchall()
        if any(r["confidence"] > item.confidence + 1e-9 for r in rivals):
            return None
    new = got(db.execute(
        "INSERT INTO memories (user_id, kind, text, key, value, subject, importance, confidence, valid_from, "
        "valid_to, source, source_turn_ids, content_hash, created_at, updated_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s) RETURNING *",
        (
            user_id, item.kind, item.text.strip(), item.key, item.value, item.subject, item.importance,
            item.confidence, _ts(item.valid_from) if item.valid_from else None,
            _ts(item.valid_to) if item.valid_to else None, item.source,
            json.dumps(sorted(set(item.source_turn_ids))), digest, _ts(now), _ts(now),
        ),
    ).fetchone())  # fmt: skip
    if rivals:
        db.execute(
            "UPDATE memories SET valid_to = %s, superseded_by = %s, updated_at = %s WHERE id = ANY(%s)",
            (_ts(item.valid_from or now), new["id"], _ts(now), [r["id"] for r in rivals]),
        )
    return new


class PgMemories:
    def __init__(self, r: PgRunner) -> None:
        self.r = r

    async def add(self, user_id: int, item: NewMemory, now: datetime) -> Memory | None:
        """Store ``item`` unless it is already known (then its provenance is merged) or was forgotten; a keyed
        item ends the current ones of its key unless one of them is more certain (then None)."""
        if item.kind not in MEMORY_KINDS:
            raise StoreError("store.bad_value", f"unknown memory kind {item.kind!r}")
        if not item.text.strip():
            raise StoreError("store.bad_value", "a memory needs text")
        digest = memory_hash(item.kind, item.key, item.text, item.value)

        def _one(db: Conn) -> PgRow | None:
            lock_user(db, user_id)
            return _add(db, user_id, item, digest, now)

        row = await self.r.transaction(_one)
        return _memory(row) if row is not None else None

    async def add_many(self, user_id: int, items: Sequence[NewMemory], now: datetime) -> int:
        """``add`` for a batch, in one transaction (imports, backfills); returns how many were new or merged."""
        for item in items:
            if item.kind not in MEMORY_KINDS or not item.text.strip():
                raise StoreError("store.bad_value", f"not a memory: {item.kind!r} {item.text[:40]!r}")

        def _many(db: Conn) -> int:
            lock_user(db, user_id)
            return sum(
                _add(db, user_id, item, memory_hash(item.kind, item.key, item.text, item.value), now) is not None
                for item in items
            )

        return await self.r.transaction(_many)

    async def get(self, user_id: int, memory_id: int) -> Memory | None:
        row = await self.r.one("SELECT * FROM memories WHERE id = %s AND user_id = %s", (memory_id, user_id))
        return _memory(row) if row else None

    async def many(self, user_id: int, ids: Sequence[int]) -> dict[int, Memory]:
        if not ids:
            return {}
        rows = await self.r.all("SELECT * FROM memories WHERE user_id = %s AND id = ANY(%s)", (user_id, list(ids)))
        return {r["id"]: _memory(r) for r in rows}

    async def current(
        self, user_id: int, kinds: Sequence[str] | None = None, as_of: datetime | None = None, limit: int = 500
    ) -> list[Memory]:
        """Items true now (or at ``as_of``): started by then, and not yet ended."""
        sql = "SELECT * FROM memories WHERE user_id = %s"
        params: list[Any] = [user_id]
        if kinds:
            sql += " AND kind = ANY(%s)"
            params.append(list(kinds))
        if as_of is None:
            sql += " AND valid_to IS NULL"
        else:
            sql += " AND (valid_from IS NULL OR valid_from <= %s) AND (valid_to IS NULL OR valid_to > %s)"
            params += [_ts(as_of), _ts(as_of)]
        rows = await self.r.all(sql + " ORDER BY id LIMIT %s", (*params, limit))
        return [_memory(r) for r in rows]

    async def browse(
        self, user_id: int, kind: str | None = None, include_ended: bool = False, limit: int = 50, offset: int = 0
    ) -> list[Memory]:
        sql = "SELECT * FROM memories WHERE user_id = %s"
        params: list[Any] = [user_id]
        if kind:
            sql += " AND kind = %s"
            params.append(kind)
        if not include_ended:
            sql += " AND valid_to IS NULL"
        rows = await self.r.all(sql + " ORDER BY id DESC LIMIT %s OFFSET %s", (*params, limit, offset))
        return [_memory(r) for r in rows]

    async def history(self, user_id: int, key: str) -> list[Memory]:
        rows = await self.r.all("SELECT * FROM memories WHERE user_id = %s AND key = %s ORDER BY id", (user_id, key))
        return [_memory(r) for r in rows]

    async def search(self, user_id: int, query: str, limit: int) -> list[tuple[Memory, float]]:
        """Stemmed full-text search over this user's items, ended ones included; higher score is better."""
        found = await self.match(user_id, query, limit)
        items = await self.many(user_id, [i for i, _ in found])
        return [(items[i], score) for i, score in found if i in items]

    async def match(self, user_id: int, query: str, limit: int) -> list[tuple[int, float]]:
        """``search`` without reading the items: ids and ranks (``ts_rank``, normalised by length). The owner's
        token is part of the index condition, so the GIN index reads only this user's rows."""
        if not query_words(query):
            return []
        rows = await self.r.call(lambda db: ranked(db, MEMORY_MATCH, (), user_id, query, limit))
        return [(int(r[0]), float(r[1])) for r in rows]

    async def count(self, user_id: int) -> int:
        row = await self.r.one("SELECT COUNT(*) FROM memories WHERE user_id = %s", (user_id,))
        return int(row[0]) if row else 0

    async def texts(self, user_id: int, after: int = 0, limit: int = 50_000) -> list[tuple[int, str]]:
        """Ids and texts of this user's items past ``after``, oldest first: what an index is built from."""
        rows = await self.r.all(
            "SELECT id, text FROM memories WHERE user_id = %s AND id > %s ORDER BY id LIMIT %s", (user_id, after, limit)
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

        def _edit(db: Conn) -> PgRow:
            lock_user(db, user_id)
            if old.key is None:
                db.execute("UPDATE memories SET key = %s WHERE id = %s AND user_id = %s", (key, old.id, user_id))
            row = _add(db, user_id, new, memory_hash(new.kind, key, new.text), now)
            if row is None:
                raise StoreError("store.conflict", "that text was forgotten before")
            db.execute(
                "UPDATE memories SET valid_to = COALESCE(valid_to, %s), superseded_by = %s WHERE id = %s "
                "AND user_id = %s",
                (_ts(now), row["id"], old.id, user_id),
            )
            return row

        return _memory(await self.r.transaction(_edit))

    async def merge(self, user_id: int, keep_id: int, drop_id: int, now: datetime) -> bool:
        """Fold a duplicate into the item kept: its provenance joins, and it ends, pointing at the kept one."""

        def _merge(db: Conn) -> bool:
            lock_user(db, user_id)
            rows = db.execute(
                "SELECT id, source_turn_ids FROM memories WHERE user_id = %s AND id IN (%s, %s) AND valid_to IS NULL",
                (user_id, keep_id, drop_id),
            ).fetchall()
            if len(rows) != 2 or keep_id == drop_id:
                return False
            merged = sorted({t for r in rows for t in json.loads(r["source_turn_ids"])})
            db.execute(
                "UPDATE memories SET source_turn_ids = %s::jsonb, updated_at = %s WHERE id = %s",
                (json.dumps(merged), _ts(now), keep_id),
            )
            db.execute(
                "UPDATE memories SET valid_to = %s, superseded_by = %s, updated_at = %s WHERE id = %s",
                (_ts(now), keep_id, _ts(now), drop_id),
            )
            return True

        return await self.r.transaction(_merge)

    async def forget(self, user_id: int, memory_id: int, now: datetime, with_source: bool = True) -> bool:
        """Remove the item, its vector and index entries, and remember not to learn it again. With
        ``with_source`` the turns it came from leave recall too (the transcript itself is kept)."""

        def _forget(db: Conn) -> bool:
            lock_user(db, user_id)
            row = db.execute(
                "DELETE FROM memories WHERE id = %s AND user_id = %s RETURNING *", (memory_id, user_id)
            ).fetchone()
            if row is None:
                return False
            db.execute(
                "INSERT INTO forgotten (user_id, content_hash, forgotten_at) VALUES (%s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                (user_id, memory_hash(row["kind"], row["key"], row["text"], row["value"]), _ts(now)),
            )
            db.execute(
                "DELETE FROM vectors WHERE owner = 'memory' AND ref_id = %s AND user_id = %s", (memory_id, user_id)
            )
            if with_source:
                forget_turns(db, user_id, json.loads(row["source_turn_ids"]))
            return True

        return await self.r.transaction(_forget)


def index_turns(db: Conn, user_id: int, turn_ids: Iterable[int]) -> int:
    """(Re)write the full-text rows of ``turn_ids``: each turn's words weighted A, its neighbours' B (one
    before), C (one after) and D (two either side). Forgotten turns have no row and are nobody's neighbour."""
    done = 0
    for turn_id in turn_ids:
        row = db.execute(
            "SELECT id, conversation_id, content, forgotten FROM turns WHERE id = %s AND user_id = %s",
            (turn_id, user_id),
        ).fetchone()
        if row is None:
            continue
        db.execute("DELETE FROM turns_fts WHERE turn_id = %s", (turn_id,))
        if not row["forgotten"]:
            before = _neighbours(db, row["conversation_id"], turn_id, "<", "DESC")
            after = _neighbours(db, row["conversation_id"], turn_id, ">", "ASC")
            db.execute(
                "INSERT INTO turns_fts (turn_id, user_id, fts) VALUES (%s, %s, array_to_tsvector(ARRAY[%s]) || "
                "setweight(to_tsvector('english', %s), 'A') || setweight(to_tsvector('english', %s), 'B') || "
                "setweight(to_tsvector('english', %s), 'C') || setweight(to_tsvector('english', %s), 'D'))",
                (turn_id, user_id, owner_token(user_id), row["content"], before[0], after[0],
                 f"{before[1]}\n{after[1]}"),
            )
        db.execute("UPDATE turns SET indexed = 1 WHERE id = %s", (turn_id,))
        done += 1
    return done


def _neighbours(db: Conn, conversation_id: int, turn_id: int, op: str, order: str) -> list[str]:
    rows = db.execute(
        f"SELECT content FROM turns WHERE conversation_id = %s AND id {op} %s AND forgotten = 0 AND completed = 1 "
        f"AND role != 'system' ORDER BY id {order} LIMIT {NEIGHBOURS}",
        (conversation_id, turn_id),
    ).fetchall()
    texts = [r[0] for r in rows]
    return texts + [""] * (NEIGHBOURS - len(texts))


def near_turns(db: Conn, user_id: int, turn_id: int, span: int = NEIGHBOURS) -> list[int]:
    """The ids of the turns within ``span`` of ``turn_id`` in its conversation, itself excluded."""
    rows = db.execute(
        "SELECT id FROM ((SELECT t.id FROM turns t JOIN turns x ON x.id = %s AND x.user_id = %s "
        "AND t.conversation_id = x.conversation_id WHERE t.id < x.id ORDER BY t.id DESC LIMIT %s) UNION "
        "(SELECT t.id FROM turns t JOIN turns x ON x.id = %s AND x.user_id = %s AND t.conversation_id = "
        "x.conversation_id WHERE t.id > x.id ORDER BY t.id LIMIT %s)) n WHERE id IN (SELECT id FROM turns "
        "WHERE forgotten = 0)",
        (turn_id, user_id, span, turn_id, user_id, span),
    ).fetchall()
    return [r[0] for r in rows]


def forget_turns(db: Conn, user_id: int, turn_ids: Iterable[int]) -> int:
    """Take turns out of recall: index rows and vectors go, the transcript rows stay, flagged; the neighbours are
    re-indexed and re-embedded without them, and the companion's feelings no longer quote them."""
    done = 0
    for turn_id in turn_ids:
        row = db.execute(
            "UPDATE turns SET forgotten = 1 WHERE id = %s AND user_id = %s AND forgotten = 0 RETURNING id",
            (turn_id, user_id),
        ).fetchone()
        if row is None:
            continue
        db.execute(  # what moved the companion stays (its state is its own), the user's words in it do not
            "UPDATE feelings SET why = 'something you asked me to forget' WHERE turn_id = %s AND user_id = %s",
            (turn_id, user_id),
        )
        near = near_turns(db, user_id, turn_id)
        db.execute(
            "DELETE FROM vectors WHERE owner = 'turn' AND ref_id = ANY(%s) AND user_id = %s",
            ([turn_id, *near], user_id),
        )
        index_turns(db, user_id, [turn_id, *near])
        done += 1
    return done


def _vector(vec: bytes) -> Any:
    """The protocol's float16 bytes as a pgvector ``vector`` (float32: every float16 is exact in it, so the
    bytes come back identical)."""
    from pgvector import Vector  # type: ignore[import-untyped]

    return Vector(np.frombuffer(vec, dtype="<f2").astype(np.float32))


class PgVectors:
    """Embeddings of turns and memory items as pgvector ``vector`` (float32; the protocol carries float16)."""

    def __init__(self, r: PgRunner) -> None:
        self.r = r

    async def put(self, user_id: int, owner: str, rows: Sequence[tuple[int, int, bytes]], model: str) -> int:
        """Store (ref_id, part, vector) rows whose turn or item still exists and belongs to ``user_id``; the
        parts of a ref are replaced together. Returns how many vectors were stored."""
        table = "turns" if owner == "turn" else "memories"
        extra = " AND forgotten = 0" if owner == "turn" else ""

        def _put(db: Conn) -> int:
            lock_user(db, user_id)
            refs = sorted({ref for ref, _, _ in rows})
            mine = {r[0] for r in db.execute(
                f"SELECT id FROM {table} WHERE id = ANY(%s) AND user_id = %s{extra}", (refs, user_id)
            ).fetchall()}  # fmt: skip
            db.execute(
                "DELETE FROM vectors WHERE owner = %s AND ref_id = ANY(%s) AND user_id = %s",
                (owner, list(mine), user_id),
            )
            keep = [(owner, ref, part, user_id, model, _vector(vec)) for ref, part, vec in rows if ref in mine]
            with db.cursor() as cur:
                cur.executemany(
                    "INSERT INTO vectors (owner, ref_id, part, user_id, model, vec) VALUES (%s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (owner, ref_id, part) DO UPDATE SET vec = excluded.vec, model = excluded.model",
                    keep,
                )
            return len(keep)

        return await self.r.transaction(_put)

    async def missing_turns(self, user_id: int, limit: int) -> list[int]:
        rows = await self.r.all(
            "SELECT t.id FROM turns t WHERE t.user_id = %s AND t.forgotten = 0 AND t.completed = 1 AND "
            "t.content != '' AND t.role != 'system' AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.owner = 'turn' "
            "AND v.ref_id = t.id) ORDER BY t.id LIMIT %s",
            (user_id, limit),
        )
        return [r[0] for r in rows]

    async def missing_memories(self, user_id: int, limit: int) -> list[int]:
        rows = await self.r.all(
            "SELECT m.id FROM memories m WHERE m.user_id = %s AND NOT EXISTS (SELECT 1 FROM vectors v WHERE "
            "v.owner = 'memory' AND v.ref_id = m.id) ORDER BY m.id LIMIT %s",
            (user_id, limit),
        )
        return [r[0] for r in rows]

    async def load(
        self, user_id: int, model: str, after: int = 0, limit: int = 50_000, owner: str = "turn"
    ) -> list[VectorRow]:
        """A page of this user's vectors of one owner in insertion order, for building the index."""
        sql = ("SELECT id, owner, ref_id, part, vec FROM vectors WHERE user_id = %s AND owner = %s AND model = %s "
               "AND id > %s ORDER BY id LIMIT %s")  # fmt: skip
        params = (user_id, owner, model, after, limit)
        # Binary results: a vector arrives as float32 bytes, not as text to parse (100k vectors: 20 s → 1 s).
        rows = await self.r.call(lambda db: db.execute(sql, params, binary=True).fetchall())
        return [VectorRow(r[0], r[1], r[2], r[3], r[4].to_numpy().astype("<f2").tobytes()) for r in rows]

    async def last_rowid(self) -> int:
        """The newest vector's id, for any user: a cheap way to know whether anything was added."""
        row = await self.r.one("SELECT MAX(id) FROM vectors")
        return int(row[0] or 0) if row else 0

    async def count(self, user_id: int, model: str | None = None, owner: str | None = None) -> int:
        row = await self.r.one(
            "SELECT COUNT(*) FROM vectors WHERE user_id = %s AND (%s::text IS NULL OR model = %s) "
            "AND (%s::text IS NULL OR owner = %s)",
            (user_id, model, model, owner, owner),
        )
        return int(row[0]) if row else 0

    async def nearest(
        self, user_id: int, model: str, vec: bytes, limit: int = 10, owner: str = "memory"
    ) -> list[tuple[int, int, float]]:
        """PostgreSQL only: this user's ``limit`` vectors nearest ``vec`` by cosine, as (ref_id, part,
        similarity), best first — the search a stateless server can run without an index in memory.

        On the HNSW index the search looks at ``ef_search`` candidates of every user (four times ``limit``, so
        that a user with most of the vectors gets ``limit`` of theirs): when fewer than ``limit`` of them are this
        user's (a user with a small share of the vectors), this user's vectors are searched exactly, which costs
        in proportion to that small share (pgvector 0.8's iterative scan would go on instead; 0.5–0.7 have none)."""
        dim = len(vec) // 2
        query = _vector(vec)
        near = (f"SELECT ref_id, part, vec::vector({dim}) <=> %s AS distance FROM vectors WHERE user_id = %s "
                f"AND owner = %s AND model = %s AND vector_dims(vec) = {dim} ORDER BY {{order}} LIMIT %s")  # fmt: skip
        params = (query, user_id, owner, model, query, limit)

        def _near(db: Conn) -> list[PgRow]:
            db.execute(f"SET LOCAL hnsw.ef_search = {max(100, min(4 * int(limit), 1000))}")
            rows = db.execute(near.format(order=f"vec::vector({dim}) <=> %s"), params).fetchall()
            if len(rows) < limit:  # "+ 0": an expression the index cannot serve, so every row of the user is read
                rows = db.execute(near.format(order=f"(vec::vector({dim}) <=> %s) + 0"), params).fetchall()
            return sorted(rows, key=lambda r: (r[2], r[0], r[1]))

        rows = await self.r.transaction(_near)
        return [(int(r[0]), int(r[1]), 1.0 - float(r[2])) for r in rows]
