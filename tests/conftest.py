from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from os1.store import SqliteStore, open_store
from tests import pgserver

# The tests of every package whose SQL runs on both databases (the store's own, and the capabilities' over
# postgres_compat) run on both backends when they use the ``store`` fixture; other tests use SQLite, its default.
BOTH_BACKENDS = ("tests/unit/store/", "tests/unit/memory/", "tests/unit/letters/", "tests/unit/companion/",
                 "tests/unit/mail/", "tests/unit/actions/", "tests/unit/calendar/", "tests/unit/contacts/",
                 "tests/unit/desk/", "tests/unit/server/test_accounts_store.py")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    path = metafunc.definition.path.as_posix()
    if "backend" in metafunc.fixturenames and any(part in path for part in BOTH_BACKENDS):
        metafunc.parametrize("backend", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgserver.PgServer]:
    """A real PostgreSQL (with pgvector) on loopback for the session. Skips when it is not installed, except in
    CI (CI=true), where a missing install fails so it is noticed."""
    reason = pgserver.missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    server = pgserver.start()
    yield server
    server.stop()


@pytest.fixture
async def store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[SqliteStore]:
    if backend == "postgres":
        server: pgserver.PgServer = request.getfixturevalue("pg_server")
        s = await open_store(server.reset_database())
    else:
        s = await open_store(tmp_path / "os1.db")
        assert isinstance(s, SqliteStore)
    yield s  # type: ignore[misc]  # a PgStore on the postgres backend: the same protocols
    await s.close()
