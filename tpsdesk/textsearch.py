"""Searching escalations by what a person types: summary text, a CRN, an id.

One function, ``matching``, turns the typed text into a condition every read path
uses (the queue's rows and count, the overdue lookup, the palette). The summary is
searched through an index on each backend, so a search stays an index lookup at a
million escalations:

- SQLite: an FTS5 table with the trigram tokenizer over ``escalation.summary``
  (external content: the table stores only the index), kept in step by triggers.
  A phrase query over trigrams is a case-insensitive substring match.
- PostgreSQL: a ``pg_trgm`` GIN index on ``lower(summary)``, which serves
  ``lower(summary) LIKE '%...%'``.

A trigram index needs three characters; shorter text falls back to a plain
substring test, bounded by the other filters. The index objects live outside the
models (alembic cannot express them): migration 0005 creates them and
``include_name`` keeps alembic's model comparison from reporting them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, and_, func, or_, text
from sqlmodel import col

from tpsdesk.models import Escalation
from tpsdesk.text import clean

FTS_TABLE = "escalation_fts"
PG_INDEX = "ix_escalation_summary_trgm"
MIN_CHARS = 3  # a trigram index answers substrings of three characters or more
MANY = 2000  # this many summary matches or more: walk the queue's index and test each row

SQLITE_CREATE = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
    "summary, content='escalation', content_rowid='id', tokenize='trigram case_sensitive 0')",
    f"CREATE TRIGGER {FTS_TABLE}_ai AFTER INSERT ON escalation BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, summary) VALUES (new.id, new.summary); END",
    f"CREATE TRIGGER {FTS_TABLE}_ad AFTER DELETE ON escalation BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, summary) VALUES ('delete', old.id, old.summary); END",
    f"CREATE TRIGGER {FTS_TABLE}_au AFTER UPDATE OF summary ON escalation BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, summary) VALUES ('delete', old.id, old.summary); "
    f"INSERT INTO {FTS_TABLE}(rowid, summary) VALUES (new.id, new.summary); END",
)
SQLITE_REBUILD = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"
SQLITE_DROP = (
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_au",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ad",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ai",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
)
PG_CREATE = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON escalation USING gin (lower(summary) gin_trgm_ops)",
)
PG_DROP = (f"DROP INDEX IF EXISTS {PG_INDEX}",)


def include_name(name: str | None, type_: str, parent_names: Mapping[Any, Any]) -> bool:
    """Alembic's ``include_name``: leave the search index's own objects out of the model comparison."""
    if name is None:
        return True
    if type_ == "table" and name.startswith(FTS_TABLE):
        return False
    return not (type_ == "index" and name == PG_INDEX)


def _contains(typed: str) -> Any:
    return func.lower(Escalation.summary).contains(typed.lower(), autoescape=True)


def typed_text(raw: str) -> str:
    return clean(raw, multiline=False).strip()


def _phrase(typed: str) -> str:
    return '"' + typed.replace('"', '""') + '"'  # one phrase: the text as typed, quotes kept


def many_matches(conn: Connection, dialect: str, raw: str) -> bool:
    """Whether the summary matches of ``raw`` are at least MANY (SQLite: a capped count on
    the trigram index alone, a few milliseconds). ``matching`` then walks the filter's own
    index in queue order and tests each row against the matches, instead of reading every
    match and sorting them."""
    typed = typed_text(raw)
    if dialect != "sqlite" or len(typed) < MIN_CHARS:
        return False
    sql = f"SELECT count(*) FROM (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? LIMIT {MANY})"
    return int(conn.exec_driver_sql(sql, (_phrase(typed),)).scalar_one()) >= MANY


def matching(dialect: str, raw: str, *, many: bool = False, counting: bool = False) -> Any:
    """The condition for escalations that match the typed text: the summary contains it,
    or the CRN starts with it (typed in any X2 form), or it is the id.

    On SQLite the three are one list of ids (the trigram index's matches, the CRN index's
    range, the id), so the database reads only the matching rows. With ``many`` matches
    (``many_matches``) a page reads the filter's own index in queue order and tests each
    row's summary (a common word fills a page within a few hundred rows), and a count
    tests each entry of that index against the list without reading the table.
    On PostgreSQL the planner combines the trigram index with the others (a bitmap OR)."""
    typed = typed_text(raw)
    compact = "".join(ch for ch in typed if ch not in " .-").upper()  # a CRN as typed (X2 forms)
    crn_prefix = compact if compact and compact[:9].isdigit() else None
    the_id = int(typed) if typed.isascii() and typed.isdigit() and len(typed) < 10 else None  # "²" is a digit
    crn, ident = col(Escalation.crn), col(Escalation.id)
    if dialect == "sqlite" and len(typed) >= MIN_CHARS and (counting or not many):
        parts = [f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :phrase"]
        params: dict[str, Any] = {"phrase": _phrase(typed)}
        if crn_prefix is not None:  # a range, not LIKE: the CRN index answers it
            parts.append("SELECT id FROM escalation WHERE crn >= :crn_low AND crn < :crn_high")
            params |= {"crn_low": crn_prefix, "crn_high": crn_prefix + "\uffff"}
        if the_id is not None:
            parts.append("SELECT :the_id")
            params["the_id"] = the_id
        ids = text(" UNION ALL ".join(parts)).bindparams(**params)
        # "+ 0" keeps the id from choosing the plan: the filter's index drives, the list is probed.
        return (ident + 0).in_(ids) if many else ident.in_(ids)
    conds = [_contains(typed)]
    if crn_prefix is not None:
        conds.append(and_(crn >= crn_prefix, crn < crn_prefix + "\uffff"))
    if the_id is not None:
        conds.append(ident == the_id)
    return or_(*conds)
