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

from sqlalchemy import and_, func, or_, text
from sqlmodel import col

from tpsdesk.models import Escalation
from tpsdesk.text import clean

FTS_TABLE = "escalation_fts"
PG_INDEX = "ix_escalation_summary_trgm"
MIN_CHARS = 3  # a trigram index answers substrings of three characters or more

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


def _summary_has(dialect: str, typed: str) -> Any:
    if len(typed) < MIN_CHARS:
        return func.lower(Escalation.summary).contains(typed.lower(), autoescape=True)
    if dialect == "sqlite":
        phrase = '"' + typed.replace('"', '""') + '"'  # one phrase: the text as typed, quotes kept
        hits = text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :phrase").bindparams(phrase=phrase)
        return col(Escalation.id).in_(hits)
    return func.lower(Escalation.summary).contains(typed.lower(), autoescape=True)


def matching(dialect: str, raw: str) -> Any:
    """The condition for escalations that match the typed text: the summary contains it,
    or the CRN starts with it (typed in any X2 form), or it is the id."""
    typed = clean(raw, multiline=False).strip()
    conds = [_summary_has(dialect, typed)]
    compact = "".join(ch for ch in typed if ch not in " .-").upper()  # a CRN as typed (X2 forms)
    if compact and compact[:9].isdigit():
        # A range, not LIKE: the CRN index answers it on every backend and collation.
        conds.append(and_(col(Escalation.crn) >= compact, col(Escalation.crn) < compact + "\uffff"))
    if typed.isascii() and typed.isdigit() and len(typed) < 10:  # "²" is a digit int() refuses
        conds.append(col(Escalation.id) == int(typed))
    return or_(*conds)
