"""Where the database is and who opened it, without loading a database library.

``resolve_url`` turns ``--db`` / ``TPSDESK_DB`` / the default into a URL; the store and
the read commands' direct path (``tpsdesk.quickread``) both start from it.
"""

from __future__ import annotations

import os
from pathlib import Path

SQLITE_PREFIX = "sqlite:///"


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
