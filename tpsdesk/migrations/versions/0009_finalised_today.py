"""The dashboard's "finalised today" as one index range of the Centre (T1).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 12:40:00

Finalising and withdrawing set ``finalised_at`` and reopening clears it (F3), so the
items finalised today and still closed are a range of (centre_id, finalised_at).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_escalation_centre_finalised", "escalation", ["centre_id", "finalised_at"])


def downgrade() -> None:
    op.drop_index("ix_escalation_centre_finalised", table_name="escalation")
