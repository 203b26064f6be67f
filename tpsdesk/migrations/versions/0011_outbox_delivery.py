"""Mail that arrives (I7, E7): what the outbox sender needs on each message.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 14:40:00

The Message-ID every attempt of a message uses, the attempts and the last failure, when
it is next due, the lease of the sender that claimed it, and when it was given up. A
pending message has ``next_attempt_at`` (a sent or given-up one has none), so "what is
due" is one range of ``ix_outbox_due``. The Centre and the staff recipient of each
message scope who sees it (``tpsdesk outbox list``).

Existing unsent messages are filled in: due at once, their Centre and recipient from
their contact (I7) or from the staff member they were addressed to (E7). A sent message
is history (D3: 0004's triggers refuse changing it) and is left as it was.

SQLite drops a table's triggers when batch mode recreates it: the outbox's D3 triggers
are saved before and created again after every batch step here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


@contextmanager
def _keeping_sqlite_triggers() -> Iterator[None]:
    """SQLite: the outbox's triggers as they were before a batch step, afterwards too."""
    bind = op.get_bind()
    saved: list[tuple[str, str]] = []
    if bind.dialect.name == "sqlite":
        saved = [
            (str(name), str(sql))
            for name, sql in bind.execute(
                sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'outbox'")
            )
        ]
    yield
    if saved:
        present = {
            str(r)
            for r in bind.execute(
                sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'outbox'")
            ).scalars()
        }
        for name, sql in saved:
            if name not in present:
                op.execute(sql)


def upgrade() -> None:
    with _keeping_sqlite_triggers(), op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("centre_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("recipient_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("message_id", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key("fk_outbox_centre_id_centre", "centre", ["centre_id"], ["id"])
        batch.create_foreign_key("fk_outbox_recipient_id_staff", "staff", ["recipient_id"], ["id"])
    # Unsent messages (a sent one is history, D3): their Centre and staff recipient, due now.
    op.execute(
        "UPDATE outbox SET centre_id = (SELECT c.centre_id FROM contact c WHERE c.id = outbox.contact_id), "
        "recipient_id = (SELECT c.requester_id FROM contact c WHERE c.id = outbox.contact_id) "
        "WHERE sent_at IS NULL AND contact_id IS NOT NULL"
    )
    op.execute(
        "UPDATE outbox SET recipient_id = (SELECT MIN(s.id) FROM staff s "
        "WHERE s.email = outbox.recipient OR s.logon = outbox.recipient) "
        "WHERE sent_at IS NULL AND contact_id IS NULL"
    )
    op.execute(
        "UPDATE outbox SET centre_id = (SELECT s.centre_id FROM staff s WHERE s.id = outbox.recipient_id) "
        "WHERE sent_at IS NULL AND centre_id IS NULL AND recipient_id IS NOT NULL"
    )
    op.execute(
        "UPDATE outbox SET next_attempt_at = created_at, message_id = '<outbox-' || CAST(id AS VARCHAR(20)) || '.' "
        "|| COALESCE((SELECT LOWER(c.code) FROM centre c WHERE c.id = outbox.centre_id), 'floor') || '@tpsdesk>' "
        "WHERE sent_at IS NULL"
    )
    op.create_index("ix_outbox_due", "outbox", ["next_attempt_at", "id"])
    op.create_index("ix_outbox_centre", "outbox", ["centre_id", "id"])
    op.create_index("ix_outbox_recipient", "outbox", ["recipient_id", "id"])
    op.create_index("ix_outbox_message_id", "outbox", ["message_id"], unique=True)


def downgrade() -> None:
    for name in ("ix_outbox_message_id", "ix_outbox_recipient", "ix_outbox_centre", "ix_outbox_due"):
        op.drop_index(name, table_name="outbox")
    with _keeping_sqlite_triggers(), op.batch_alter_table("outbox") as batch:
        batch.drop_constraint("fk_outbox_recipient_id_staff", type_="foreignkey")
        batch.drop_constraint("fk_outbox_centre_id_centre", type_="foreignkey")
        for column in (
            "failed_at", "claimed_by", "claimed_at", "next_attempt_at", "last_error",
            "attempts", "message_id", "recipient_id", "centre_id",
        ):  # fmt: skip
            batch.drop_column(column)
