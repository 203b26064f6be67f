"""Environment faults as one clear line: the one place a database or operating-system error
becomes a typed error (``EnvironmentFault``, exit 1, unless the fault is input or a conflict).

``translate`` reads the driver's own error under SQLAlchemy's wrapper (sqlite3's error
name, psycopg's SQLSTATE or, for a connection that never opened, its message) and says
what happened to which database and what to do: a damaged or foreign file, a lock held
past the busy timeout, a read-only file or folder, a full disk, an unreachable PostgreSQL
server or a refused login. The CLI calls it for every error that is not already a
``TpsError``; the screens may call it the same way. An error it does not know stays
unexpected (``None``): the CLI logs it.
"""

from __future__ import annotations

import errno
import os
import re

from tpsdesk.errors import ConfigError, Conflict, EnvironmentFault, PermissionDenied, TpsError

_DB_ENV = "--db (or TPSDESK_DB)"


def translate(exc: BaseException) -> TpsError | None:
    """The typed error for ``exc``, or ``None`` when it is not a known environment fault."""
    if isinstance(exc, TpsError):
        return exc
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:  # the fault may be the cause of a wrapper
        seen.add(id(current))
        found = _one(current)
        if found is not None:
            return found
        current = current.__cause__
    return None


def _one(exc: BaseException) -> TpsError | None:
    where = getattr(exc, "tpsdesk_database", None) or "the database"
    orig = _dbapi_error(exc)
    if orig is not None:
        module = type(orig).__module__
        if module.startswith("sqlite3"):
            return _sqlite(orig, where)
        if module.startswith("psycopg"):
            return _postgres(orig, where)
    if isinstance(exc, OSError) and not isinstance(exc, (ConnectionError, TimeoutError)):
        return _os(exc)
    return None


def _dbapi_error(exc: BaseException) -> BaseException | None:
    """The driver's own error: under SQLAlchemy's wrapper, or the driver's error itself."""
    try:
        from sqlalchemy.exc import DBAPIError
    except ImportError:  # pragma: no cover (SQLAlchemy is a dependency)
        return None
    if isinstance(exc, DBAPIError):
        orig = exc.orig
        return orig if isinstance(orig, BaseException) else None
    module = type(exc).__module__
    if module.startswith(("sqlite3", "psycopg")):
        return exc
    return None


# ---------------------------------------------------------------- SQLite
def _sqlite(err: BaseException, where: str) -> TpsError | None:
    name = str(getattr(err, "sqlite_errorname", "") or "")
    text = str(err).lower()
    if name == "SQLITE_NOTADB" or "file is not a database" in text:
        return EnvironmentFault(
            f"{where} is not a SQLite database, or its first page is damaged (file is not a database): "
            f"check {_DB_ENV}, or restore the file from a backup"
        )
    if name.startswith("SQLITE_CORRUPT") or "malformed" in text:
        return EnvironmentFault(
            f"database {where} is damaged (database disk image is malformed): restore it from a backup "
            "(sqlite3's .recover may save its rows)"
        )
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in text or "is locked" in text:
        from tpsdesk.store import BUSY_TIMEOUT_ENV, busy_timeout_ms

        try:
            waited = f"{busy_timeout_ms()} ms"
        except TpsError:
            waited = "the busy timeout"
        return EnvironmentFault(
            f"database {where} stayed locked by another process past the busy timeout ({waited}): nothing was "
            f"saved; try again when the other tpsdesk has finished (or raise {BUSY_TIMEOUT_ENV})"
        )
    if name.startswith("SQLITE_READONLY") or "readonly database" in text or "read-only" in text:
        return EnvironmentFault(
            f"database {where} is read-only: make the file and its folder writable by you, or work on a writable copy"
        )
    if name == "SQLITE_FULL" or "database or disk is full" in text:
        return EnvironmentFault(
            f"the disk holding database {where} is full: nothing was saved; free some space, then try again"
        )
    if name.startswith("SQLITE_CANTOPEN") or "unable to open database" in text:
        return EnvironmentFault(
            f"cannot open database {where}: check that its folder exists and that you may write the file and the folder"
        )
    if name.startswith("SQLITE_IOERR") or "disk i/o error" in text:
        return EnvironmentFault(
            f"disk error on database {where} ({name or 'disk I/O error'}): check the disk (full, removed or "
            "read-only?), then try again"
        )
    if name in ("SQLITE_PERM", "SQLITE_AUTH"):
        return EnvironmentFault(f"access to database {where} was refused ({name}): check the file's permissions")
    if "no such table" in text:
        return ConfigError(f"the database {where} has no tpsdesk schema: run 'tpsdesk db upgrade'")
    return None


# ---------------------------------------------------------------- PostgreSQL
# SQLSTATE -> what it means for a person (the classes are PostgreSQL's, appendix A).
_PG_STATES: dict[str, str] = {
    "53100": "the PostgreSQL server's disk is full: nothing was saved; ask its administrator to free space",
    "53200": "the PostgreSQL server is out of memory: try again, or ask its administrator",
    "53300": "the PostgreSQL server has too many connections: try again in a moment",
    "57P01": "the PostgreSQL server is shutting down: try again when it is back",
    "57P02": "the PostgreSQL server is restarting: try again in a moment",
    "57P03": "the PostgreSQL server is not accepting connections yet: try again in a moment",
    "55P03": "a row or table stayed locked by another session past the lock timeout: try again",
    "57014": "the statement ran past the server's statement timeout: try again, or ask its administrator",
    "25006": "the PostgreSQL session is read-only (a standby server?): connect to the primary in " + _DB_ENV,
    "08006": "the connection to PostgreSQL was lost: try again",
    "08003": "the connection to PostgreSQL was lost: try again",
}


def _postgres(err: BaseException, where: str) -> TpsError | None:
    state = str(getattr(err, "sqlstate", "") or "")
    message = str(err)
    if state in ("40001", "40P01"):
        return Conflict("another change to the same records happened at the same moment: nothing was saved; try again")
    if state == "42501":
        return PermissionDenied(
            f"PostgreSQL refused this login on {where} ({_first_line(message)}): ask the floor's administrator "
            "to grant your login the tpsdesk_staff role"
        )
    if state in ("28P01", "28000"):
        return _pg_login(where, message)
    if state == "3D000":
        return _pg_no_database(where)
    if state == "42P01":
        return ConfigError(f"the database {where} has no tpsdesk schema: run 'tpsdesk db upgrade'")
    if state in _PG_STATES:
        return EnvironmentFault(f"{where}: {_PG_STATES[state]}")
    if state:
        return None  # a statement error the code should have prevented: unexpected, logged
    text = message.lower()
    refused_login = ("authentication failed", "no password supplied", "pg_hba.conf")
    if any(words in text for words in refused_login) or re.search(r'role "[^"]*" does not exist', text):
        return _pg_login(where, message)
    if "database" in text and "does not exist" in text:
        return _pg_no_database(where)
    if "failed to resolve host" in text or "could not translate host name" in text or "name or service" in text:
        return EnvironmentFault(f"cannot find the PostgreSQL host of {where}: check the host name in {_DB_ENV}")
    if "connection refused" in text or "could not connect" in text or "no such file or directory" in text:
        return EnvironmentFault(
            f"cannot reach the PostgreSQL server of {where}: check that it is running and that the host and "
            f"port in {_DB_ENV} are right"
        )
    if "timeout" in text or "timed out" in text:
        return EnvironmentFault(
            f"the PostgreSQL server of {where} did not answer in time: check the network and the server, then try again"
        )
    if "server closed the connection" in text or "terminating connection" in text or "connection is lost" in text:
        return EnvironmentFault(f"the PostgreSQL server of {where} closed the connection: nothing was saved; try again")
    if "connection failed" in text:
        return EnvironmentFault(f"cannot connect to PostgreSQL {where}: {_first_line(message)}; check {_DB_ENV}")
    return None


def _pg_login(where: str, message: str) -> EnvironmentFault:
    return EnvironmentFault(
        f"PostgreSQL refused the login of {where} ({_fatal(message)}): check the user name and password in "
        f"{_DB_ENV}, or ask the floor's administrator for a login"
    )


def _pg_no_database(where: str) -> EnvironmentFault:
    return EnvironmentFault(
        f"the PostgreSQL database of {where} does not exist: check its name in {_DB_ENV}, "
        "or ask the server's administrator to create it"
    )


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "no detail"


def _fatal(message: str) -> str:
    """The server's own reason from a libpq connection message (``FATAL:  ...``)."""
    match = re.search(r"FATAL:\s+([^\n]+)", message)
    return match.group(1).strip() if match else _first_line(message)


# ---------------------------------------------------------------- files
def _os(exc: OSError) -> TpsError | None:
    name = exc.filename if isinstance(exc.filename, str) else os.fsdecode(exc.filename) if exc.filename else None
    what = name or "a file"
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        return EnvironmentFault(f"cannot write {what}: the disk is full (or over quota); free some space")
    if code == errno.EROFS:
        return EnvironmentFault(f"cannot write {what}: the file system is read-only; use a writable folder")
    if code in (errno.EACCES, errno.EPERM) and name:
        return EnvironmentFault(f"cannot use {what}: permission denied; check the file's and its folder's permissions")
    return None


def log_unexpected(exc: BaseException) -> str:
    """Append the traceback of an unexpected failure to the log and return the log's path
    (0600 in a 0700 folder: it may quote customer data). The CLI and the TUI both call it."""
    import traceback
    from datetime import UTC, datetime
    from pathlib import Path

    from platformdirs import user_log_dir

    from tpsdesk import __version__

    folder = Path(user_log_dir("tpsdesk"))
    path = folder / "tpsdesk.log"
    try:
        folder.mkdir(parents=True, mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            info = os.fstat(fh.fileno())
            if info.st_uid == os.geteuid() and info.st_mode & 0o077:
                os.fchmod(fh.fileno(), 0o600)  # the opened file itself (never a link's target)
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            fh.write(f"{stamp} tpsdesk {__version__}: unexpected failure\n")
            fh.write("".join(traceback.format_exception(exc)))
        return str(path)
    except OSError:
        return "(log unavailable)"
