"""A floor that nobody can break: the staff record's admin flag and the login behind
each history event (R7); triggers that refuse rewriting notes, events and sent mail
(D3); on PostgreSQL, a notification on every change so open screens refresh.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 04:30:00

SQLite drops a table's triggers when a batch migration recreates the table: a later
migration that recreates note, event or outbox must create its triggers again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# D3: notes and events are append-only; a message is history once sent.
APPEND_ONLY = ("note", "event")
MESSAGE = "{table} rows are append-only (D3): add a new {table} instead"
SENT_MESSAGE = "a sent message is history (D3): it cannot be changed or deleted"

# Channel and payloads the change feed listens for (tpsdesk/changes.py).
NOTIFY_CHANNEL = "tpsdesk_changes"


def _sqlite_upgrade() -> None:
    for table in APPEND_ONLY:
        message = MESSAGE.format(table=table)
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER outbox_sent_no_{verb.lower()} BEFORE {verb} ON outbox "
            f"WHEN OLD.sent_at IS NOT NULL BEGIN SELECT RAISE(ABORT, '{SENT_MESSAGE}'); END"
        )


def _pg_upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION tpsdesk_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% rows are append-only (D3): add a new % instead', TG_TABLE_NAME, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION tpsdesk_sent_is_history() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.sent_at IS NOT NULL THEN
                RAISE EXCEPTION '{SENT_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END $$
        """
    )
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION tpsdesk_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION tpsdesk_append_only()"
        )
    op.execute(
        "CREATE TRIGGER outbox_sent_is_history BEFORE UPDATE OR DELETE ON outbox "
        "FOR EACH ROW EXECUTE FUNCTION tpsdesk_sent_is_history()"
    )
    # The live floor: one notification per changed item ('escalation:<id>', 'contact:<id>');
    # PostgreSQL folds repeats within a transaction into one.
    op.execute(
        f"""
        CREATE FUNCTION tpsdesk_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_TABLE_NAME = 'escalation' OR TG_TABLE_NAME = 'contact' THEN
                PERFORM pg_notify('{NOTIFY_CHANNEL}', TG_TABLE_NAME || ':' || NEW.id);
            ELSIF NEW.escalation_id IS NOT NULL THEN
                PERFORM pg_notify('{NOTIFY_CHANNEL}', 'escalation:' || NEW.escalation_id);
            END IF;
            RETURN NULL;
        END $$
        """
    )
    for table, verbs in (("escalation", "INSERT OR UPDATE"), ("contact", "INSERT OR UPDATE"), ("note", "INSERT")):
        op.execute(
            f"CREATE TRIGGER {table}_notify AFTER {verbs} ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION tpsdesk_notify_change()"
        )


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("admin", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("login", sa.String(length=63), nullable=False, server_default=""))
    if op.get_bind().dialect.name == "postgresql":
        _pg_upgrade()
    else:
        _sqlite_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("escalation", "contact", "note"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_notify ON {table}")
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP TRIGGER IF EXISTS outbox_sent_is_history ON outbox")
        for function in ("tpsdesk_notify_change", "tpsdesk_append_only", "tpsdesk_sent_is_history"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    else:
        for table in APPEND_ONLY:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS outbox_sent_no_{verb}")
    with op.batch_alter_table("event") as batch:
        batch.drop_column("login")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("admin")
