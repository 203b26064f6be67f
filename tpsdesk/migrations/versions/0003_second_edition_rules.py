"""Second-edition rules: E1 report and ICT-request times, E13/D4 progress-check
anchors, the kind of an item's next action, W5 groups, the S4 verify/return step.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 01:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("escalation") as batch:
        batch.add_column(sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("ict_requested_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_action_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("record_updated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("next_action_kind", sa.String(length=20), nullable=False, server_default=""))
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("w5_group", sa.String(length=20), nullable=False, server_default=""))
    op.execute("UPDATE staff SET w5_group = 'sp-pool' WHERE sp_pool")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("sp_pool")
    with op.batch_alter_table("stop_payment_doc") as batch:
        batch.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("verified_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("returned_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("return_reason", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("replaces_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_doc_verified_by", "staff", ["verified_by_id"], ["id"])
        batch.create_foreign_key("fk_doc_returned_by", "staff", ["returned_by_id"], ["id"])
        batch.create_foreign_key("fk_doc_replaces", "stop_payment_doc", ["replaces_id"], ["id"])
    # Existing rows: E1 counts from the raise, E13 from the first action, when nothing better is known.
    op.execute("UPDATE escalation SET reported_at = raised_at WHERE category = 'arrears'")
    op.execute("UPDATE escalation SET last_action_at = COALESCE(actioned_at, raised_at)")
    op.execute(
        "UPDATE escalation SET ict_requested_at = (SELECT d.ict_requested_at FROM stop_payment_doc d"
        " WHERE d.id = escalation.doc_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("stop_payment_doc") as batch:
        batch.drop_constraint("fk_doc_replaces", type_="foreignkey")
        batch.drop_constraint("fk_doc_returned_by", type_="foreignkey")
        batch.drop_constraint("fk_doc_verified_by", type_="foreignkey")
        for name in ("replaces_id", "return_reason", "returned_by_id", "returned_at", "verified_by_id", "verified_at"):
            batch.drop_column(name)
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("sp_pool", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE staff SET sp_pool = (w5_group = 'sp-pool')")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("w5_group")
    with op.batch_alter_table("escalation") as batch:
        for name in ("next_action_kind", "record_updated_at", "last_action_at", "ict_requested_at", "reported_at"):
            batch.drop_column(name)
