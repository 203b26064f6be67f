"""The dashboard's stop-payment requests before COB and oldest unclaimed item (T1, S3).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 15:00:00

An open stop-payment request whose ICT request is not yet recorded ranks urgent (S3,
``schedule.plan``), so (centre, rank, due_at) gives their count and the earliest COB as
the first row of one range. The oldest unclaimed open item is the first row of
(centre, owner_id, closed, raised_at, id), with its category beside it (id breaks a tie
in the same order on every database).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_escalation_centre_rank_due", "escalation", ["centre_id", "rank", "due_at"])
    op.create_index(
        "ix_escalation_centre_unclaimed",
        "escalation",
        ["centre_id", "owner_id", "closed", "raised_at", "id", "category"],
    )


def downgrade() -> None:
    op.drop_index("ix_escalation_centre_unclaimed", table_name="escalation")
    op.drop_index("ix_escalation_centre_rank_due", table_name="escalation")
