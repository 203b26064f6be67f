"""The Team Leader dashboard's figures from indexes alone (T1).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 11:45:00

Contacts per hour and per TPS officer read the Centre's contacts by time with their
officer; raised and finalised today read the day's events of those kinds with their
escalation.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_contact_centre_opened", "contact", ["centre_id", "opened_at", "tps_id"])
    op.create_index("ix_event_kind_at", "event", ["kind", "at", "escalation_id"])


def downgrade() -> None:
    op.drop_index("ix_event_kind_at", table_name="event")
    op.drop_index("ix_contact_centre_opened", table_name="contact")
