"""The PostgreSQL store: choosing it by URL, its migrations (in step with SQLite's, once across servers), the
job queue shared by many workers, vectors in pgvector, and search ranking (the ranking tests run on both)."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from os1.config import load_settings
from os1.errors import StoreError
from os1.store import SqliteStore, backend_of, describe, open_store, sqlite_path
from os1.store import db as sqlite_db
from os1.types import NewMemory
from tests.pgserver import PgServer, raw_columns

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


async def _conversation(store, handle="local"):
    user = await store.users.ensure(handle)
    companion = await store.users.create_companion(user.id, "Ada", "female", {}, {}, T0)
    return user, await store.turns.start_conversation(user.id, companion.id, T0)


# --- choosing the backend ------------------------------------------------------------------------------------


def test_a_path_or_sqlite_url_is_sqlite_and_postgresql_is_postgres(tmp_path: Path):
    assert sqlite_path(tmp_path / "a.db") == tmp_path / "a.db"
    assert sqlite_path(f"sqlite:///{tmp_path}/a.db") == tmp_path / "a.db"  # sqlite:////absolute
    assert sqlite_path("sqlite:///rel/a.db") == Path("rel/a.db")
    assert backend_of("/var/lib/os1.db") == "sqlite"
    assert backend_of("postgresql://os1:pw@db.internal/os1") == "postgres"
    assert "pw" not in describe("postgresql://os1:pw@db.internal/os1")
    with pytest.raises(StoreError) as err:
        backend_of("mysql://db/os1")
    assert err.value.code == "store.bad_url"


async def test_the_database_url_setting_defaults_to_the_sqlite_file_in_home(tmp_path: Path):
    settings = load_settings(env={}, home=tmp_path)
    assert sqlite_path(settings.database_url) == tmp_path / "os1.db"
    store = await open_store(settings.database)
    assert isinstance(store, SqliteStore) and store.runner.path == tmp_path / "os1.db"
    await store.close()
    url = "postgresql://os1@127.0.0.1:5432/os1"
    assert load_settings(env={"OS1_DATABASE_URL": url}, home=tmp_path).database == url
    (tmp_path / "config.toml").write_text(f'database_url = "{url}"\n')
    assert load_settings(env={}, home=tmp_path).database_url == url


async def test_an_unreachable_database_is_a_clear_error(pg_server: PgServer):
    with pytest.raises(StoreError) as err:
        await open_store("postgresql://postgres@127.0.0.1:1/os1", timeout_s=5)
    assert err.value.code == "store.open_failed" and err.value.hint


async def test_a_slow_query_ends_in_a_timeout_and_the_pool_keeps_serving(pg_server: PgServer):
    from os1.store.postgres import PgStore

    store = PgStore(pg_server.fresh_database(), timeout_s=1.0, pool_size=2)
    await store.open()
    try:
        with pytest.raises(StoreError) as err:
            await store.runner.call(lambda db: db.execute("SELECT pg_sleep(5)"))
        assert err.value.code == "store.timeout"
        assert (await store.users.ensure("after")).handle == "after"
    finally:
        await store.close()


# --- migrations ----------------------------------------------------------------------------------------------


def test_postgres_migrations_are_numbered_and_named_as_the_sqlite_ones():
    from os1.store.postgres_schema import MIGRATIONS

    for version, name, _ in MIGRATIONS:
        assert sqlite_db.MIGRATIONS[version - 1][0] == name


async def test_postgres_tables_have_the_sqlite_columns(pg_server: PgServer, tmp_path: Path):
    pg = await open_store(pg_server.fresh_database())
    lite = await open_store(tmp_path / "os1.db")
    tables = ["users", "companions", "conversations", "turns", "care_events", "jobs", "memories", "vectors",
              "forgotten", "letter_clients", "letter_client_notes", "letters", "letter_versions", "feelings",
              "initiatives", "relationship", "humour"]  # fmt: skip
    try:
        for table in tables:
            pg_columns, lite_columns = set(raw_columns(pg, table)), set(raw_columns(lite, table))
            assert lite_columns <= pg_columns, table
            assert pg_columns - lite_columns <= {"fts", "leased_until", "id"}, table  # id: SQLite's rowid
    finally:
        await pg.close()
        await lite.close()


def _connect(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True)


def test_servers_starting_together_migrate_once(pg_server: PgServer):
    from os1.store.postgres_runner import migrate
    from os1.store.postgres_schema import MIGRATIONS

    url = pg_server.empty_database()
    results: list[int | Exception] = []

    def start() -> None:
        try:
            with _connect(url) as db:
                results.append(migrate(db))
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            results.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == [MIGRATIONS[-1][0]] * 4
    with _connect(url) as db:
        versions = [r[0] for r in db.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == [v for v, _, _ in MIGRATIONS]


def test_failed_postgres_migration_rolls_back_whole_and_newer_is_refused(pg_server: PgServer):
    from os1.store.postgres_runner import migrate
    from os1.store.postgres_schema import MIGRATIONS

    with _connect(pg_server.empty_database()) as db:
        with pytest.raises(StoreError) as err:
            migrate(db, (*MIGRATIONS, (99, "broken", "CREATE TABLE half_done (x INTEGER); THIS IS NOT SQL;")))
        assert err.value.code == "store.migration_failed"
        assert db.execute("SELECT to_regclass('half_done')").fetchone()[0] is None
        assert migrate(db) == MIGRATIONS[-1][0]
        db.execute("INSERT INTO schema_migrations VALUES (99, 'future', '')")
        with pytest.raises(StoreError) as err:
            migrate(db)
        assert err.value.code == "store.too_new"


def test_a_migration_ported_later_is_applied_below_the_highest_version(pg_server: PgServer):
    from os1.store.postgres_runner import migrate
    from os1.store.postgres_schema import MIGRATIONS

    without_letters = tuple(m for m in MIGRATIONS if m[1] != "letters")
    with _connect(pg_server.empty_database()) as db:
        assert migrate(db, without_letters) == MIGRATIONS[-1][0]
        assert db.execute("SELECT to_regclass('letters')").fetchone()[0] is None
        migrate(db)
        assert db.execute("SELECT to_regclass('letters')").fetchone()[0] == "letters"


# --- many servers, many users --------------------------------------------------------------------------------


async def test_workers_on_two_servers_never_claim_the_same_job(pg_server: PgServer):
    url = pg_server.fresh_database()
    one, two = await open_store(url), await open_store(url)
    try:
        user = await one.users.ensure("local")
        ids = {await one.jobs.enqueue(user.id, "k", {"n": n}, T0) for n in range(60)}

        async def worker(store) -> list[int]:
            taken: list[int] = []
            while batch := await store.jobs.claim(3):
                taken += [job.id for job in batch]
            return taken

        results = await asyncio.gather(*(worker(s) for s in (one, two, one, two)))
        claimed = [i for taken in results for i in taken]
        assert sorted(claimed) == sorted(ids)  # every job once, none twice
        assert await one.jobs.claim(10) == []  # all leased to the workers that claimed them
        for job_id in claimed:
            await two.jobs.finish(job_id, T0)
        assert await one.jobs.pending() == 0
    finally:
        await one.close()
        await two.close()


async def test_many_users_at_once_each_see_only_their_own(pg_server: PgServer):
    store = await open_store(pg_server.fresh_database(), pool_size=4)

    async def life(n: int) -> tuple[int, int]:
        user, conv = await _conversation(store, f"user{n}")
        for i in range(3):
            await store.turns.add(user.id, conv.id, "user", f"note {i} of user{n} about topic{n}", T0)
        await store.memories.add(user.id, NewMemory("fact", f"You like topic{n}.", "likes", f"topic{n}"), T0)
        return user.id, n

    try:
        users = await asyncio.gather(*(life(n) for n in range(40)))
        for user_id, n in users:
            assert [m.text for m in await store.memories.current(user_id)] == [f"You like topic{n}."]
            found = await store.memories.search(user_id, f"topic{n} topic{(n + 1) % 40}", 5)
            assert [m.user_id for m, _ in found] == [user_id]
    finally:
        await store.close()


async def test_two_servers_learning_the_same_thing_at_once_store_it_once(pg_server: PgServer):
    url = pg_server.fresh_database()
    one, two = await open_store(url), await open_store(url)
    try:
        user, conv = await _conversation(one)
        turn = await one.turns.add(user.id, conv.id, "user", "I live in Oslo.", T0)
        item = NewMemory("fact", "You live in Oslo.", "home", "Oslo", source_turn_ids=(turn.id,))
        await asyncio.gather(*(s.memories.add(user.id, item, T0) for s in (one, two) * 8))
        assert [m.text for m in await two.memories.browse(user.id, include_ended=True)] == ["You live in Oslo."]
    finally:
        await one.close()
        await two.close()


# --- vectors -------------------------------------------------------------------------------------------------


async def test_vectors_come_back_as_the_same_float16_bytes_and_nearest_is_by_cosine(pg_server: PgServer):
    store = await open_store(pg_server.fresh_database())
    rng = np.random.default_rng(7)
    try:
        alice, _ = await _conversation(store, "alice")
        bob, _ = await _conversation(store, "bob")
        items = [await store.memories.add(alice.id, NewMemory("fact", f"Fact number {i}."), T0) for i in range(5)]
        theirs = await store.memories.add(bob.id, NewMemory("fact", "Bob's fact."), T0)
        vecs = rng.standard_normal((5, 384)).astype("<f2")
        rows = [(m.id, 0, v.tobytes()) for m, v in zip(items, vecs, strict=True)]
        assert await store.vectors.put(alice.id, "memory", rows, "m1") == 5
        assert await store.vectors.put(alice.id, "memory", [(theirs.id, 0, vecs[0].tobytes())], "m1") == 0
        await store.vectors.put(bob.id, "memory", [(theirs.id, 0, vecs[0].tobytes())], "m1")
        loaded = await store.vectors.load(alice.id, "m1", owner="memory")
        assert [(r.ref_id, r.vec) for r in loaded] == [(ref, vec) for ref, _, vec in rows]
        assert await store.vectors.missing_memories(alice.id, 10) == []
        query = (vecs[3] + 0.1 * rng.standard_normal(384)).astype("<f2")
        nearest = await store.vectors.nearest(alice.id, "m1", query.tobytes(), limit=5)
        sims = [float(np.dot(query, v) / np.linalg.norm(query) / np.linalg.norm(v)) for v in vecs.astype(np.float32)]
        expected = sorted(range(5), key=lambda i: -sims[i])
        assert [ref for ref, _, _ in nearest] == [items[i].id for i in expected]  # bob's twin of vecs[0] never
        assert [s for _, _, s in nearest] == pytest.approx([sims[i] for i in expected], abs=1e-2)
    finally:
        await store.close()


# --- ranking (both backends) ---------------------------------------------------------------------------------


async def test_memory_search_ranks_by_relevance_best_first_within_the_limit(store):
    user, _ = await _conversation(store)
    both = await store.memories.add(user.id, NewMemory("fact", "Your garden is full of roses."), T0)
    garden = await store.memories.add(user.id, NewMemory("fact", "You walked past a garden on a long holiday "
                                                         "trip with your cousins to the seaside last year."), T0)
    await store.memories.add(user.id, NewMemory("fact", "You have a cat called Miso."), T0)
    found = await store.memories.search(user.id, "roses in the garden", 5)
    assert [m.id for m, _ in found] == [both.id, garden.id]
    assert found[0][1] > found[1][1] > 0
    assert len(await store.memories.search(user.id, "roses garden", 1)) == 1


async def test_items_with_every_word_come_before_items_with_some(store):
    user, _ = await _conversation(store)
    every = [await store.memories.add(user.id, NewMemory("fact", f"Your garden roses bloom in {month}."), T0)
             for month in ("May", "June", "July")]  # fmt: skip
    for n in range(4):
        await store.memories.add(user.id, NewMemory("fact", f"The garden needs water, day {n}."), T0)
    found = await store.memories.search(user.id, "garden roses", 3)
    assert sorted(m.id for m, _ in found) == sorted(m.id for m in every if m)
    assert len(await store.memories.search(user.id, "garden roses", 10)) == 7  # any word, when more are asked


async def test_turn_search_ranks_the_turn_above_its_neighbours(store):
    user, conv = await _conversation(store)
    before = await store.turns.add(user.id, conv.id, "user", "I went out on Tuesday evening.", T0)
    said = await store.turns.add(user.id, conv.id, "user", "The support group met in the library.", T0)
    after = await store.turns.add(user.id, conv.id, "assistant", "How did that feel for you?", T0)
    await store.turns.reindex(user.id, [before.id, said.id, after.id])
    found = await store.turns.search(user.id, "support group", 5)
    assert [t.id for t, _ in found][:1] == [said.id]
    assert {t.id for t, _ in found} == {before.id, said.id, after.id}  # the neighbours carry its words, weaker
    scores = [s for _, s in found]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[1]


# --- SQL written for SQLite's runner ---------------------------------------------------------------------------


def test_qmarks_become_psycopg_placeholders_and_percent_signs_stay_literal():
    from os1.store.postgres_runner import qmarks

    sql = "SELECT * FROM t WHERE a = ? AND b LIKE 'x%?' AND c = 'it''s ?' AND d % 2 = ?"
    assert qmarks(sql) == "SELECT * FROM t WHERE a = %s AND b LIKE 'x%%?' AND c = 'it''s ?' AND d %% 2 = %s"


async def test_sqlite_style_sql_runs_on_postgres_with_rowcount_and_lastrowid(pg_server: PgServer):
    from os1.store.postgres_compat import QmarkRunner

    store = await open_store(pg_server.fresh_database())
    try:
        runner = QmarkRunner(store.runner)
        user = await store.users.ensure("local")
        cur = await runner.run("INSERT INTO care_events (user_id, kind, level, rule, created_at) VALUES (?,?,?,?,?)",
                               (user.id, "k%", "high", "r?", "2026"))
        assert cur.rowcount == 1 and cur.lastrowid is not None
        row = await runner.one("SELECT * FROM care_events WHERE id = ? AND kind LIKE 'k%'", (cur.lastrowid,))
        assert row is not None and row["rule"] == "r?" and row[0] == cur.lastrowid

        def both(db) -> int:
            first = db.execute("INSERT INTO care_events (user_id, kind, level, rule, created_at) "
                               "SELECT ?, 'x', 'low', 'y', '2026' FROM users WHERE id = ?", (user.id, user.id))
            none = db.execute("INSERT INTO care_events (user_id, kind, level, rule, created_at) "
                              "SELECT ?, 'x', 'low', 'y', '2026' FROM users WHERE id = ?", (user.id, -1))
            assert none.rowcount == 0 and none.lastrowid is None
            return int(first.lastrowid)

        new_id = await runner.transaction(both)
        assert new_id > cur.lastrowid
        assert len(await runner.all("SELECT id FROM care_events WHERE user_id = ?", (user.id,))) == 2
    finally:
        await store.close()


async def test_a_memory_search_reads_only_its_users_postings(pg_server: PgServer):
    from os1.store.postgres_memory import MEMORY_MATCH, owner_query, tsquery

    store = await open_store(pg_server.fresh_database())
    try:
        user = await store.users.ensure("local")
        q, words = tsquery("roses in the garden")

        def plan(db) -> str:  # this test's own database: only the GIN index is left to choose
            for index in ("memories_user", "memories_hash", "memories_user_kind", "memories_user_key"):
                db.execute(f"DROP INDEX {index}")
            db.execute("SET LOCAL enable_seqscan = off")
            sql = "EXPLAIN " + MEMORY_MATCH.format(q=q)
            params = (*words, user.id, owner_query(user.id), *words, 5)
            return "\n".join(r[0] for r in db.execute(sql, params).fetchall())

        text = await store.runner.transaction(plan)
        assert "memories_fts" in text
        assert "fts @@ '''~1'''::tsquery" in text.split("Index Cond:")[1]  # the GIN index reads one user's postings
    finally:
        await store.close()


async def test_nearest_on_the_hnsw_index_finds_limit_and_a_small_users_few(pg_server: PgServer):
    url = pg_server.fresh_database()
    store = await open_store(url)
    rng = np.random.default_rng(11)
    vecs = rng.standard_normal((305, 384)).astype("<f2")
    alice, _ = await _conversation(store, "alice")
    bob, _ = await _conversation(store, "bob")
    mine = [await store.memories.add(alice.id, NewMemory("fact", f"Alice fact {i}."), T0) for i in range(300)]
    theirs = [await store.memories.add(bob.id, NewMemory("fact", f"Bob fact {i}."), T0) for i in range(5)]
    await store.vectors.put(alice.id, "memory", [(m.id, 0, v.tobytes()) for m, v in zip(mine, vecs, strict=False)],
                            "m1")
    await store.vectors.put(bob.id, "memory", [(m.id, 0, v.tobytes()) for m, v in zip(theirs, vecs[300:],
                                                                                       strict=True)], "m1")
    await store.runner.call(lambda db: db.execute("DROP INDEX vectors_user"))
    await store.close()
    for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):  # this test's database: HNSW it is
        pg_server.admin(f"ALTER DATABASE {url.rsplit('/', 1)[1]} SET {setting} = off")
    store = await open_store(url)
    try:
        plan = await store.runner.call(lambda db: "\n".join(r[0] for r in db.execute(
            "EXPLAIN SELECT ref_id FROM vectors WHERE user_id = %s AND owner = 'memory' AND model = 'm1' AND "
            "vector_dims(vec) = 384 ORDER BY vec::vector(384) <=> %s LIMIT 60",
            (bob.id, "[" + ",".join(["0.1"] * 384) + "]")).fetchall()))
        assert "vectors_hnsw_384" in plan
        found = await store.vectors.nearest(alice.id, "m1", vecs[0].tobytes(), limit=60)
        assert len(found) == 60 and {ref for ref, _, _ in found} <= {m.id for m in mine}
        assert found[0][0] == mine[0].id and [s for _, _, s in found] == sorted((s for _, _, s in found), reverse=True)
        few = await store.vectors.nearest(bob.id, "m1", vecs[0].tobytes(), limit=10)
        assert sorted(ref for ref, _, _ in few) == sorted(m.id for m in theirs)  # not lost behind alice's 300
    finally:
        await store.close()


def _mail_item(raw: bytes) -> tuple[object, object]:
    from os1.mail.message import RawMessage
    from os1.mail.parse import parse

    return RawMessage("1", raw, "INBOX", ()), parse(raw)


GARDEN = (b"From: Dana <dana@example.com>\r\nTo: me@example.com\r\nSubject: The garden\r\n"
          b"Message-ID: <g@example.com>\r\n\r\nRoses in the garden.\r\n")


async def test_a_search_never_finds_another_users_rows(store):
    from os1.mail.store import mail_of

    me, other = await store.users.ensure("me"), await store.users.ensure("other")
    mail = mail_of(store)
    for user in (other, me, other):
        await store.memories.add(user.id, NewMemory("fact", f"The garden of {user.handle} has roses."), T0)
        await mail.upsert_many(user.id, "acct", [_mail_item(GARDEN)])
    found = await store.memories.search(me.id, "roses garden", 10)
    assert [m.text for m, _ in found] == ["The garden of me has roses."]
    mine = await mail.recent(me.id)
    assert [m.id for m in await mail.search(me.id, "roses from:dana", 10)] == [mine[0].id]
    assert [m.id for m in await mail.search(me.id, "from:DANA", 10)] == [mine[0].id]  # case-blind on both


async def test_stop_words_alone_find_nothing_on_postgres(pg_server: PgServer):
    """The owner's lexeme is a condition of its own, never AND-ed into the words' tsquery: a query whose words
    are all stop words (an empty tsquery) matches no row, not every row of the user."""
    from os1.mail.store import mail_of

    store = await open_store(pg_server.fresh_database())
    try:
        user, conversation = await _conversation(store)
        await store.memories.add(user.id, NewMemory("fact", "The garden has roses."), T0)
        turn = await store.turns.add(user.id, conversation.id, "user", "The roses in the garden.", T0)
        await store.turns.reindex(user.id, [turn.id])
        mail = mail_of(store)
        await mail.upsert_many(user.id, "acct", [_mail_item(GARDEN)])
        assert await store.memories.search(user.id, "the of", 10) == []
        assert await store.turns.search(user.id, "the of", 10) == []
        assert await mail.search(user.id, "the of", 10) == []
        assert len(await mail.search(user.id, "the roses", 10)) == 1
        assert len(await store.memories.search(user.id, "the roses", 10)) == 1
        assert len(await store.turns.search(user.id, "the roses", 10)) == 1
    finally:
        await store.close()
