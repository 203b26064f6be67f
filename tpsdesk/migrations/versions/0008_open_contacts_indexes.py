"""Indexes for the open contacts list (F8): a site's open contacts oldest first, and an
SO's own contacts by requester and by recorder (R1, I7, I8).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 11:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_contact_site_open", "contact", ["site_id", "status", "opened_at", "id"])
    op.create_index("ix_contact_requester_open", "contact", ["requester_id", "status", "opened_at", "id"])
    op.create_index("ix_contact_recorder_open", "contact", ["recorded_by_id", "status", "opened_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_contact_recorder_open", table_name="contact")
    op.drop_index("ix_contact_requester_open", table_name="contact")
    op.drop_index("ix_contact_site_open", table_name="contact")
