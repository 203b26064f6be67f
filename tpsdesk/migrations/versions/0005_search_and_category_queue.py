"""Text search through an index (SQLite FTS5 trigram, PostgreSQL pg_trgm) and the
queue of one category in one Centre as an index range.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 11:10:00

The search objects are raw SQL (tpsdesk/textsearch.py says what each backend gets);
SQLite drops the escalation table's triggers when a batch migration recreates it, so
a later migration that recreates escalation must run ``textsearch.SQLITE_CREATE`` and
``SQLITE_REBUILD`` again.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from tpsdesk import textsearch

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A category filter in one Centre, in queue order (the index of the category across
    # every Centre made it a scan of the others' rows).
    op.create_index(
        "ix_escalation_centre_category_queue", "escalation", ["centre_id", "category", "rank", "sort_at", "id"]
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in (*textsearch.SQLITE_CREATE, textsearch.SQLITE_REBUILD):
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in textsearch.PG_CREATE:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in textsearch.SQLITE_DROP:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in textsearch.PG_DROP:
            op.execute(statement)
    op.drop_index("ix_escalation_centre_category_queue", table_name="escalation")
