"""Engine, sessions and migrations.

SQLite (one desk) lives in the user data dir, mode 0600, WAL, busy timeout,
synchronous FULL, and ``BEGIN IMMEDIATE`` for writes so that a read-then-write
waits for the lock instead of failing under contention. PostgreSQL serves a
floor. Schema changes go through Alembic (``tpsdesk db upgrade``), one process
at a time (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL).

The database path is never chmod-ed: tpsdesk creates a missing file 0600 (and a
missing folder 0700); an existing path must be a SQLite file (or empty), and a
folder, another kind of file or a read-only file is one clear error.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from tpsdesk.dburl import BUSY_TIMEOUT_ENV, BUSY_TIMEOUT_MS, busy_timeout_ms, default_db_path, os_login, resolve_url
from tpsdesk.errors import ConfigError, Conflict, EnvironmentFault

__all__ = [
    "BUSY_TIMEOUT_ENV",
    "BUSY_TIMEOUT_MS",
    "Store",
    "busy_timeout_ms",
    "default_db_path",
    "resolve_url",
]

WRITE_OPTION = "tpsdesk_write"
SQLITE_HEADER = b"SQLite format 3\x00"
SQLITE_SIDE_FILES = (("-wal", "write-ahead log"), ("-shm", "shared-memory file"), ("-journal", "rollback journal"))
# pg_advisory_xact_lock key held by a migration: the bytes of "tpsdeskm" (fits a signed bigint).
MIGRATION_LOCK_KEY = int.from_bytes(b"tpsdeskm", "big")


def _prepare_sqlite_file(path: str) -> None:
    """Check the file SQLite will open; create it 0600 (in a 0700 folder) only when it is missing.

    An existing path is never chmod-ed (a symbolic link's target included): it must be a
    SQLite file or an empty file, writable, in a folder SQLite can write its journal to.
    """
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    file = Path(path)
    try:
        info = os.stat(file)  # follows a symbolic link: the checks are about the file SQLite opens
    except FileNotFoundError:
        if os.path.lexists(file):
            raise ConfigError(
                f"database {file} is a symbolic link to {os.path.realpath(file)}, which does not exist: "
                "give --db the real file, or create it with 'tpsdesk db upgrade' at that path"
            ) from None
        if _create_private(file):
            created = os.stat(file)
            _OPENED_FILES.add((created.st_dev, created.st_ino))
            return
        info = os.stat(file)  # created meanwhile by another tpsdesk
    except NotADirectoryError:
        raise ConfigError(f"database {file}: a folder on its path is a file; give --db another path") from None
    except OSError as exc:
        raise EnvironmentFault(f"cannot open database {file}: {exc.strerror}; check its folder's permissions") from exc
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"database {file} is a folder, not a file: give --db a file path, e.g. {file / 'tpsdesk.db'}")
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"database {file} is not a regular file: give --db the path of a SQLite file")
    # Closing any descriptor of a file drops every POSIX lock this process holds on it, SQLite's
    # included: the header is read only before this process has a connection to the file.
    if info.st_size > 0 and (info.st_dev, info.st_ino) not in _OPENED_FILES:
        try:
            with open(file, "rb") as fh:
                header = fh.read(len(SQLITE_HEADER))
        except OSError as exc:
            raise EnvironmentFault(
                f"cannot read database {file}: {exc.strerror}; make it readable by you (it should be mode 0600)"
            ) from exc
        if header != SQLITE_HEADER:
            raise ConfigError(
                f"{file} is not a SQLite database (tpsdesk leaves it alone): check --db or TPSDESK_DB, "
                "or give a new file name to create a database"
            )
    if not os.access(file, os.W_OK):
        raise EnvironmentFault(
            f"database {file} is read-only: make it writable by you (chmod u+w), or work on a writable copy"
        )
    folder = Path(os.path.realpath(file)).parent
    if not os.access(folder, os.W_OK | os.X_OK):
        raise EnvironmentFault(
            f"database {file}: its folder {folder} is read-only and SQLite writes its journal there; "
            "make the folder writable, or move the database to a writable folder"
        )
    _OPENED_FILES.add((info.st_dev, info.st_ino))


# (st_dev, st_ino) of the SQLite files this process has checked and opened.
_OPENED_FILES: set[tuple[int, int]] = set()


def _create_private(file: Path) -> bool:
    """Create the missing database file 0600 (a missing folder 0700); False if another process just did."""
    try:
        if not file.parent.exists():
            file.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
        fd = os.open(file, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        return False
    except NotADirectoryError:
        raise ConfigError(f"database {file}: a folder on its path is a file; give --db another path") from None
    except OSError as exc:
        raise EnvironmentFault(
            f"cannot create database {file}: {exc.strerror}; choose a folder you may write to (--db or TPSDESK_DB)"
        ) from exc
    os.close(fd)
    return True


CACHE_KIB = 16 * 1024  # per connection


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take BEGIN into our hands so writes can say IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={busy_timeout_ms()}")  # before WAL: switching needs the lock
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        # Reads of a large floor touch index pages all over the file: keep more of them
        # than SQLite's 2 MB default, bounded so the app stays small.
        cur.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"database URL {url!r} is not valid: use a file path or an SQLAlchemy URL") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        _prepare_sqlite_file(parsed.database or "")
        timeout = busy_timeout_ms() / 1000
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": timeout})
        _sqlite_pragmas(engine)
        return engine
    if backend == "postgresql":
        try:
            import psycopg  # noqa: F401
        except ImportError as exc:
            raise ConfigError("PostgreSQL needs the psycopg driver: pip install 'tpsdesk[postgres]'") from exc
        return create_engine(url, pool_pre_ping=True)
    try:
        return create_engine(url)
    except Exception as exc:  # unknown dialect or missing driver
        raise ConfigError(f"cannot open database {parsed.render_as_string(hide_password=True)}: {exc}") from exc


def describe(url: str) -> str:
    """How a database is named to a person: a SQLite file's path, else the URL without its password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return parsed.render_as_string(hide_password=True)


class Store:
    """One database: engine plus read and write sessions."""

    def __init__(self, url: str | None = None) -> None:
        self.url = resolve_url(url)
        self.engine = make_engine(self.url)
        self.dialect = self.engine.dialect.name
        self._login: str | None = None
        self.where = describe(self.url)
        # A database error names this database when it is reported (tpsdesk.faults).
        event.listen(self.engine, "handle_error", self._name_the_database)

    def _name_the_database(self, context: Any) -> None:
        error = context.sqlalchemy_exception
        if error is not None:
            error.tpsdesk_database = self.where

    def files(self) -> list[Any]:
        """The SQLite database's files (the file, its WAL, shared memory and journal), as given
        and with links resolved, which no export may replace; none for a server database."""
        from tpsdesk.safefile import Protected

        database = make_url(self.url).database or ""
        if not self.is_sqlite or not database or database == ":memory:" or database.startswith("file:"):
            return []
        out: list[Protected] = []
        for base in dict.fromkeys((Path(database), Path(os.path.realpath(database)))):
            out.append(Protected(base, f"the database in use ({self.where})"))
            out += [Protected(Path(f"{base}{suffix}"), f"the database's {what}") for suffix, what in SQLITE_SIDE_FILES]
        return out

    @property
    def login(self) -> str:
        """Who is connected (R7): PostgreSQL's ``session_user``, else the OS user that opened
        the file. Recorded on every history event."""
        if self._login is None:
            if self.dialect == "postgresql":
                with self.engine.connect() as conn:
                    self._login = str(conn.execute(text("SELECT session_user")).scalar_one())
            else:
                self._login = os_login()
        return self._login

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: commits on success, rolls back on any error."""
        with Session(self.engine, expire_on_commit=False, info={"login": self.login}) as session:
            session.connection(execution_options={WRITE_OPTION: True})
            try:
                yield session
                session.commit()
            except StaleDataError:  # E11: a versioned row changed under this write
                session.rollback()
                raise Conflict(
                    "what you changed was changed by someone else meanwhile: reload it and try again"
                ) from None
            except BaseException:
                session.rollback()
                raise

    # -- migrations
    def alembic_config(self) -> Any:
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return cfg

    def upgrade(self, revision: str = "head") -> tuple[str | None, str | None]:
        """Migrate to ``revision``, one process at a time; returns the revisions before and after.

        The migration is one transaction under a lock (SQLite ``BEGIN IMMEDIATE``, PostgreSQL
        ``pg_advisory_xact_lock``): a concurrent upgrade waits for it, then finds the work
        done. A damaged SQLite file (``PRAGMA quick_check``) and a database that holds tables
        but no tpsdesk schema are refused before anything is written.
        """
        from alembic import command
        from alembic.runtime.migration import MigrationContext

        cfg = self.alembic_config()
        with self.engine.connect() as conn:
            if self.is_sqlite:
                conn.execution_options(**{WRITE_OPTION: True})  # the begin below is BEGIN IMMEDIATE
            with conn.begin():
                if self.dialect == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
                if self.is_sqlite:
                    self._quick_check(conn)
                before = MigrationContext.configure(conn).get_current_revision()
                if before is None:
                    self._refuse_foreign(conn)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
                after = MigrationContext.configure(conn).get_current_revision()
                if before is not None and after != before:
                    # New indexes have no planner statistics until ANALYZE: without them the
                    # planner may walk a Centre through the narrowest index (tests/test_query_plans.py).
                    conn.exec_driver_sql("ANALYZE")
        return before, after

    def readable_by_others(self) -> str | None:
        """What to do when the SQLite file, which holds customer data, is open to others (R7:
        only its owner may open it); ``None`` when it is private or not a file."""
        if not self.is_sqlite or not os.path.isfile(self.where):
            return None
        mode = stat.S_IMODE(os.stat(self.where).st_mode)
        if not mode & 0o077:
            return None
        return (
            f"database {self.where} is mode {mode:04o}, open to other users: make it private (chmod 600 {self.where})"
        )

    def _quick_check(self, conn: Any) -> None:
        rows = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA quick_check").fetchall()]
        if rows != ["ok"]:
            first = " ".join(rows[0].replace("*** in database main ***", "").split()) if rows else "no answer"
            raise EnvironmentFault(
                f"database {self.where} is damaged (quick_check: {first}): "
                "nothing was migrated; restore it from a backup (sqlite3's .recover may save its rows)"
            )

    def _refuse_foreign(self, conn: Any) -> None:
        from sqlalchemy import inspect

        if inspect(conn).get_table_names():
            raise ConfigError(
                f"database {self.where} holds tables but no tpsdesk schema: it is not a tpsdesk database; "
                "check --db or TPSDESK_DB (tpsdesk creates its schema only in an empty database)"
            )

    def current_revision(self) -> str | None:
        """The schema revision the database is at (alembic's version row), read with one query:
        every command and the app's start check it, and alembic itself loads slowly."""
        from sqlalchemy import inspect

        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
            return None if row is None else str(row[0])

    def head_revision(self) -> str:
        """This version's schema revision (``migrations.HEAD``; a test checks it is alembic's head)."""
        from tpsdesk.migrations import HEAD

        return HEAD

    def needs_upgrade(self) -> bool:
        return self.current_revision() != self.head_revision()

    def require_current(self, *, create_if_empty: bool = False) -> None:
        """No command migrates silently: an older schema is refused with what to run.

        ``create_if_empty`` (the demo, the app's first run) gives a database with no tables
        at all this version's schema; only ``tpsdesk db upgrade`` migrates one that holds data.
        """
        current = self.current_revision()
        if current is None and create_if_empty:
            self.upgrade()  # refuses a database that holds tables of something else
            return
        if current is None:
            raise ConfigError(f"the database {self.where} is empty: run 'tpsdesk db upgrade' (or 'tpsdesk demo') first")
        if current != self.head_revision():
            raise ConfigError(
                f"the database {self.where} has an older schema than this tpsdesk: run 'tpsdesk db upgrade'"
            )

    def dispose(self) -> None:
        self.engine.dispose()
