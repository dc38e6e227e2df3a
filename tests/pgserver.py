"""A throwaway PostgreSQL server for the tests: ``initdb`` into a temporary directory, ``postgres`` on a free
loopback port, one migrated template database, and a fresh copy of it per test. Stopped and deleted at the end.

The binaries come from the PyPI package ``pgserver`` (a dev dependency: PostgreSQL 16 with pgvector 0.6,
``pgserver/pginstall``); nothing is built or fetched. As root (initdb refuses to run as root) the server runs as
the ``postgres`` user (or ``nobody``) through ``runuser``: from where pip put the binaries when that user can run
them there, else from a copy in the server's temporary directory."""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

TEMPLATE = "os1_template"
SHARED = "os1_shared"


def pginstall() -> Path | None:
    """The PostgreSQL install bundled in the ``pgserver`` package, or None when it is not installed."""
    import importlib.util

    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations))) / "pginstall"
    return root if (root / "bin" / "postgres").exists() else None


def _run_as() -> str | None:
    """The user the server runs as when the tests run as root (initdb refuses root)."""
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    return None


def missing() -> str | None:
    """Why a PostgreSQL test server cannot run here, or None when it can."""
    root = pginstall()
    if root is None:
        return "the pgserver package (PostgreSQL with pgvector) is not installed: pip install -e '.[dev]'"
    if not (root / "share" / "postgresql" / "extension" / "vector.control").exists():
        return f"pgvector is missing from {root}: pip install --force-reinstall pgserver"
    try:
        import pgvector  # noqa: F401
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError as exc:
        return f"the postgres extra is not installed ({exc}): pip install -e '.[dev]'"
    if os.geteuid() == 0 and _run_as() is None:
        return "running as root and there is no `postgres` or `nobody` user to run the server as"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    root: Path
    port: int
    proc: subprocess.Popen[bytes]
    as_user: list[str]
    bin: Path
    _names: itertools.count[int] = field(default_factory=itertools.count)
    _reset_sql: str | None = None

    def url(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as db:
            db.execute(sql.encode())

    def fresh_database(self) -> str:
        """A new database copied from the migrated template (a file copy: fast with fsync off)."""
        name = f"t{os.getpid()}_{next(self._names)}"
        self.admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY")
        return self.url(name)

    def reset_database(self) -> str:
        """The shared test database, emptied (rows deleted, ids restarted): faster than a copy per test. Tests
        run one at a time; a test that needs its own database uses ``fresh_database``."""
        import psycopg

        if self._reset_sql is None:
            self.admin(f"CREATE DATABASE {SHARED} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY")
            with psycopg.connect(self.url(SHARED), autocommit=True) as db:
                tables = [r[0] for r in db.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename != 'schema_migrations'"
                )]  # fmt: skip
                sql = "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
                sequences = [r[0] for r in db.execute(sql)]
            self._reset_sql = "SET session_replication_role = replica; " + "".join(
                f"DELETE FROM {t}; " for t in tables
            ) + "".join(f"ALTER SEQUENCE {q} RESTART; " for q in sequences)
        else:
            with psycopg.connect(self.url(SHARED), autocommit=True) as db:
                db.execute(self._reset_sql.encode())
        return self.url(SHARED)

    def empty_database(self) -> str:
        """A new database with no tables (for migration tests)."""
        name = f"e{os.getpid()}_{next(self._names)}"
        self.admin(f"CREATE DATABASE {name} STRATEGY FILE_COPY")
        return self.url(name)

    def stop(self) -> None:
        subprocess.run([*self.as_user, str(self.bin / "pg_ctl"), "stop", "-D", str(self.root / "data"), "-m",
                        "immediate", "-s"], check=False, capture_output=True, timeout=60)  # fmt: skip
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


def start() -> PgServer:
    """initdb, start the server on a free loopback port, wait until it answers, make the template database."""
    install = pginstall()
    if install is None:
        raise RuntimeError(missing() or "pgserver is not installed")
    root = Path(tempfile.mkdtemp(prefix="os1-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        install, as_user = _as_other_user(root, install)
    pg_bin = install / "bin"
    data = root / "data"
    try:
        subprocess.run([*as_user, str(pg_bin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                        "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], check=True, capture_output=True,
                       timeout=120)  # fmt: skip
    except (subprocess.SubprocessError, OSError):
        shutil.rmtree(root, ignore_errors=True)
        raise
    for attempt in range(3):  # the free port may be taken between choosing it and binding it
        server = _serve(root, as_user, pg_bin)
        try:
            _wait_ready(server)
            break
        except RuntimeError:
            if attempt == 2:
                shutil.rmtree(root, ignore_errors=True)
                raise
    try:
        _make_template(server)
    except Exception:
        server.stop()
        raise
    return server


def _as_other_user(root: Path, install: Path) -> tuple[Path, list[str]]:
    """As root: the temporary directory belongs to the server's user; the binaries are run where pip put them
    when that user can run them there, else from a copy (with the bundled libraries beside it, where the
    binaries' RPATH ``$ORIGIN/../../../pgserver.libs`` looks for them)."""
    name = _run_as()
    if name is None:
        raise RuntimeError("running as root and there is no `postgres` or `nobody` user to run the server as")
    entry = pwd.getpwnam(name)
    os.chown(root, entry.pw_uid, entry.pw_gid)
    as_user = ["runuser", "-u", name, "--"]
    check = subprocess.run([*as_user, str(install / "bin" / "postgres"), "--version"], capture_output=True,
                           timeout=60, check=False)  # fmt: skip
    if check.returncode == 0:
        return install, as_user
    copy = root / "pkg"
    for part in (install.parent, install.parent.parent / "pgserver.libs"):
        if part.exists():
            shutil.copytree(part, copy / part.name, symlinks=True)
    os.chmod(copy, 0o755)
    for path in (copy, *copy.rglob("*")):
        os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
    return copy / install.parent.name / install.name, as_user


def _serve(root: Path, as_user: list[str], pg_bin: Path) -> PgServer:
    port = _free_port()
    with open(root / "server.log", "ab") as log:  # the server keeps its own descriptor
        proc = subprocess.Popen(
            [*as_user, str(pg_bin / "postgres"), "-D", str(root / "data"), "-k", str(root), "-p", str(port),
             "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off", "-c", "max_connections=200"],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    return PgServer(root, port, proc, as_user, pg_bin)


def _wait_ready(server: PgServer, timeout_s: float = 60.0) -> None:
    import psycopg

    deadline = time.monotonic() + timeout_s
    while True:
        if server.proc.poll() is not None:
            log = (server.root / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"postgres exited with {server.proc.returncode}:\n{log}")
        try:
            with psycopg.connect(server.url("postgres"), connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                server.stop()
                raise
            time.sleep(0.1)


def _make_template(server: PgServer) -> None:
    import psycopg

    from os1.store.postgres_runner import migrate

    server.admin(f"CREATE DATABASE {TEMPLATE}")
    with psycopg.connect(server.url(TEMPLATE), autocommit=True) as db:
        migrate(db)


def raw_rows(store: object, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Rows of ``sql`` (SQLite ``?`` placeholders) read over a new connection to the store's database, whichever
    the backend: what another process would see."""
    runner = getattr(store, "runner")  # noqa: B009
    if getattr(runner, "dialect", "sqlite") == "postgres":
        import psycopg

        from os1.store.postgres_runner import qmarks

        with psycopg.connect(runner.url) as db:
            return [tuple(r) for r in db.execute(qmarks(sql), params).fetchall()]
    import sqlite3

    db = sqlite3.connect(runner.path)
    try:
        return [tuple(r) for r in db.execute(sql, params).fetchall()]
    finally:
        db.close()


def raw_columns(store: object, table: str) -> list[str]:
    """The column names of ``table`` in the store's database."""
    runner = getattr(store, "runner")  # noqa: B009
    if getattr(runner, "dialect", "sqlite") == "postgres":
        sql = "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position"
        return [str(r[0]) for r in raw_rows(store, sql, (table,))]
    return [str(r[1]) for r in raw_rows(store, f"PRAGMA table_info({table})")]


def end_leases(store: object) -> None:
    """Time passes for the job queue: on PostgreSQL the leases of claimed jobs end (as when the worker that
    claimed them died long enough ago); SQLite's queue has no leases."""
    runner = getattr(store, "runner")  # noqa: B009
    if getattr(runner, "dialect", "sqlite") == "postgres":
        import psycopg

        with psycopg.connect(runner.url, autocommit=True) as db:
            db.execute("UPDATE jobs SET leased_until = now() - interval '1 second' WHERE leased_until IS NOT NULL")
