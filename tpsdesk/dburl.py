"""Where the database is, who opened it and how long to wait for it, without loading a
database library.

``resolve_url`` turns ``--db`` / ``TPSDESK_DB`` / the default into a URL; the store and
the read commands' direct path (``tpsdesk.quickread``) both start from it.
"""

from __future__ import annotations

import os
from pathlib import Path

SQLITE_PREFIX = "sqlite:///"
BUSY_TIMEOUT_MS = 10_000
BUSY_TIMEOUT_ENV = "TPSDESK_BUSY_TIMEOUT_MS"


def busy_timeout_ms() -> int:
    """How long a SQLite command waits for another's lock: ``TPSDESK_BUSY_TIMEOUT_MS`` or 10 s."""
    from tpsdesk.errors import ValidationError

    raw = os.environ.get(BUSY_TIMEOUT_ENV, "").strip()
    if not raw:
        return BUSY_TIMEOUT_MS
    if not raw.isdigit() or not 0 <= int(raw) <= 3_600_000:
        raise ValidationError(BUSY_TIMEOUT_ENV, f"{raw!r} is not a number of milliseconds from 0 to 3600000")
    return int(raw)


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("tpsdesk")) / "tpsdesk.db"


def resolve_url(url: str | None = None) -> str:
    """``--db``, else ``TPSDESK_DB``, else the SQLite file in the user data dir.

    A bare path means a SQLite file; ``postgresql://`` means psycopg 3.
    """
    raw = url or os.environ.get("TPSDESK_DB") or ""
    if not raw:
        return f"{SQLITE_PREFIX}{default_db_path()}"
    if "://" not in raw:
        return f"{SQLITE_PREFIX}{Path(raw).expanduser().resolve()}"
    if raw.startswith("postgresql://") or raw.startswith("postgres://"):
        raw = "postgresql+psycopg://" + raw.split("://", 1)[1]
    return raw


def sqlite_file(url: str) -> str | None:
    """The file of a plain ``sqlite:///path`` URL (no query, not in memory); else None."""
    if not url.startswith(SQLITE_PREFIX):
        return None
    path = url[len(SQLITE_PREFIX) :]
    if not path or path == ":memory:" or "?" in path or path.startswith("file:"):
        return None
    return path


def os_login() -> str:
    """The OS user (R7: who opened a SQLite file)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers)
        return str(os.getuid())
