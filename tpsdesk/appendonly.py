"""D3 in the database: migration 0004's triggers refuse UPDATE and DELETE on notes and
events (and on a message once sent), on both backends, whoever connects.

The one sanctioned way round them is resetting a demo floor (R7: the admin's act, itself
recorded), which empties whole tables: ``suspended`` lifts the triggers for the length of
one transaction and puts them back before it commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

GUARDED_TABLES = ("note", "event", "outbox")


@contextmanager
def suspended(conn: Connection) -> Iterator[None]:
    """Inside the caller's transaction: the guard triggers are off, then on again.

    SQLite keeps a trigger's SQL in ``sqlite_master``; it is dropped and re-run (DDL is
    transactional there). PostgreSQL disables the user triggers of the guarded tables,
    which only their owner may do.
    """
    if conn.dialect.name == "postgresql":
        for table in GUARDED_TABLES:
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        yield
        for table in GUARDED_TABLES:
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        return
    names = ", ".join(f"'{t}'" for t in GUARDED_TABLES)
    saved = conn.execute(
        text(f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({names})")
    ).all()
    for name, _sql in saved:
        conn.execute(text(f'DROP TRIGGER "{name}"'))
    yield
    for _name, sql in saved:
        conn.execute(text(sql))


def installed(conn: Connection) -> set[str]:
    """The guard triggers present (for ``db status`` and the tests)."""
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            text(
                "SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND c.relname = ANY(:tables) AND t.tgenabled <> 'D'"
            ),
            {"tables": list(GUARDED_TABLES)},
        )
        return {str(r) for r in rows.scalars()}
    names = ", ".join(f"'{t}'" for t in GUARDED_TABLES)
    rows = conn.execute(text(f"SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({names})"))
    return {str(r) for r in rows.scalars()}
