"""Engine, sessions and migrations.

SQLite (one desk) lives in the user data dir, mode 0600, WAL, busy timeout,
synchronous FULL, and ``BEGIN IMMEDIATE`` for writes so that a read-then-write
waits for the lock instead of failing under contention. PostgreSQL serves a
floor. Schema changes go through Alembic (``tpsdesk db upgrade``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from tpsdesk.errors import ConfigError, Conflict

BUSY_TIMEOUT_MS = 10_000
WRITE_OPTION = "tpsdesk_write"


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("tpsdesk")) / "tpsdesk.db"


def resolve_url(url: str | None = None) -> str:
    """``--db``, else ``TPSDESK_DB``, else the SQLite file in the user data dir.

    A bare path means a SQLite file; ``postgresql://`` means psycopg 3.
    """
    raw = url or os.environ.get("TPSDESK_DB") or ""
    if not raw:
        return f"sqlite:///{default_db_path()}"
    if "://" not in raw:
        return f"sqlite:///{Path(raw).expanduser().resolve()}"
    if raw.startswith("postgresql://") or raw.startswith("postgres://"):
        raw = "postgresql+psycopg://" + raw.split("://", 1)[1]
    return raw


def _prepare_sqlite_file(path: str) -> None:
    """Create the file 0600 (customer identifiers live here) in a 0700 folder."""
    if not path or path == ":memory:":
        return
    file = Path(path)
    if not file.parent.exists():
        file.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    if not file.exists():
        fd = os.open(file, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    else:
        os.chmod(file, 0o600)


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take BEGIN into our hands so writes can say IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # before WAL: switching needs the lock
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
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
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000})
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


class Store:
    """One database: engine plus read and write sessions."""

    def __init__(self, url: str | None = None) -> None:
        self.url = resolve_url(url)
        self.engine = make_engine(self.url)
        self.dialect = self.engine.dialect.name
        self._login: str | None = None

    @property
    def login(self) -> str:
        """Who is connected (R7): PostgreSQL's ``session_user``, else the OS user that opened
        the file. Recorded on every history event."""
        if self._login is None:
            if self.dialect == "postgresql":
                with self.engine.connect() as conn:
                    self._login = str(conn.execute(text("SELECT session_user")).scalar_one())
            else:
                import getpass

                try:
                    self._login = getpass.getuser()
                except (KeyError, OSError):  # no name for this uid (containers)
                    self._login = str(os.getuid())
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
                raise Conflict("what you changed was changed by someone else meanwhile: reload it and try again") from None
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

    def upgrade(self, revision: str = "head") -> None:
        from alembic import command

        cfg = self.alembic_config()
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self.alembic_config()).get_current_head()

    def needs_upgrade(self) -> bool:
        return self.current_revision() != self.head_revision()

    def require_current(self) -> None:
        """Read-only commands never migrate; they say what to run instead."""
        current = self.current_revision()
        if current is None:
            raise ConfigError("the database is empty: run 'tpsdesk db upgrade' (or 'tpsdesk demo') first")
        if current != self.head_revision():
            raise ConfigError("the database schema is older than this tpsdesk: run 'tpsdesk db upgrade'")

    def dispose(self) -> None:
        self.engine.dispose()
