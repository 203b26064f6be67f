"""Bulk loading (the demo floor): Core ``insert()`` executemany for any database, and
for large SQLite loads one all-or-nothing transaction with the indexes rebuilt once,
the foreign keys checked once and the text search index rebuilt once at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Table

from tpsdesk import textsearch
from tpsdesk.store import WRITE_OPTION, Store

# (table name, rows as dicts) in parent-first order
Batches = list[tuple[str, list[dict[str, Any]]]]


def insert_core(conn: Connection, tables: dict[str, Table], batches: Batches) -> None:
    """SQLAlchemy Core ``insert()`` executemany, any database."""
    for name, rows in batches:
        if rows:
            conn.execute(tables[name].insert(), rows)


class FastInsert:
    """The bulk path on SQLite: the statement is Core's compiled ``insert()`` and each value goes
    through the column type's own bind processor (values are stored exactly as Core stores
    them), but rows reach the driver's ``executemany`` as tuples, without Core's per-row
    parameter building. Processed values are memoised per column (COB times repeat)."""

    def __init__(self, conn: Connection, tables: dict[str, Table]) -> None:
        self.conn = conn
        self.tables = tables
        self.plans: dict[str, tuple[str, list[str], list[tuple[int, Any, dict[Any, Any]]]]] = {}

    def _plan(self, name: str) -> tuple[str, list[str], list[tuple[int, Any, dict[Any, Any]]]]:
        plan = self.plans.get(name)
        if plan is None:
            table, dialect = self.tables[name], self.conn.dialect
            compiled = table.insert().compile(dialect=dialect, column_keys=[c.key for c in table.c])
            keys = list(compiled.positiontup or [])
            procs: list[tuple[int, Any, dict[Any, Any]]] = [
                (i, table.c[k].type.dialect_impl(dialect).bind_processor(dialect), {}) for i, k in enumerate(keys)
            ]
            plan = self.plans[name] = (str(compiled), keys, [p for p in procs if p[1] is not None])
        return plan

    def __call__(self, batches: Batches) -> None:
        for name, rows in batches:
            if not rows:
                continue
            sql, keys, typed = self._plan(name)
            out = []
            for row in rows:
                values = [row[k] for k in keys]
                for i, proc, memo in typed:
                    v = values[i]
                    if v is not None:
                        got = memo.get(v)
                        if got is None:
                            got = memo[v] = proc(v)
                        values[i] = got
                out.append(tuple(values))
            self.conn.exec_driver_sql(sql, out)
        for plan in self.plans.values():
            for _i, _proc, memo in plan[2]:
                if len(memo) > 20_000:  # bounded memory
                    memo.clear()


def _has_table(conn: Connection, name: str) -> bool:
    found = conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).first()
    return found is not None


@contextmanager
def sqlite_bulk(store: Store, tables: list[str], cache_kib: int) -> Iterator[Connection]:
    """A large load on SQLite: one write transaction (all or nothing); the indexes of ``tables``
    dropped and rebuilt once at the end (sorted builds instead of a million random inserts);
    foreign keys checked once at the end instead of per row; then ANALYZE, so the query planner
    knows the new volumes. The schema is as before after it."""
    with store.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")  # only outside a transaction
        raw.execute(f"PRAGMA cache_size=-{cache_kib}")
        try:
            with conn.execution_options(**{WRITE_OPTION: True}).begin():
                names = ", ".join(f"'{t}'" for t in tables)
                indexes = conn.exec_driver_sql(
                    f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({names})"
                ).all()
                triggers = conn.exec_driver_sql(
                    f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({names})"
                ).all()
                for name, _sql in indexes:
                    conn.exec_driver_sql(f'DROP INDEX "{name}"')
                for name, _sql in triggers:  # the search index is rebuilt once instead (below)
                    conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
                yield conn
                for _name, sql in indexes:
                    conn.exec_driver_sql(sql)
                for _name, sql in triggers:
                    conn.exec_driver_sql(sql)
                if "escalation" in tables and _has_table(conn, textsearch.FTS_TABLE):
                    conn.exec_driver_sql(textsearch.SQLITE_REBUILD)
                for table in tables:
                    bad = conn.exec_driver_sql(f"PRAGMA foreign_key_check({table})").first()
                    if bad is not None:  # a generator bug: undo everything
                        raise RuntimeError(f"bulk rows break a foreign key: {tuple(bad)}")
                    # Planner statistics for the new volume (about 1 s per million rows).
                    conn.exec_driver_sql(f"ANALYZE {table}")
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
            raw.execute("PRAGMA cache_size=-2000")  # SQLite's default
