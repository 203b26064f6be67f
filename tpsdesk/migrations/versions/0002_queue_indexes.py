"""Indexes for 1M-row floors: Centre/raiser/site ranges over open items (measured with bench/bench_queue.py).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 15:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_escalation_owner_queue", table_name="escalation")
    op.create_index("ix_escalation_owner_queue", "escalation", ["owner_id", "closed", "rank", "sort_at", "id"])
    op.create_index("ix_escalation_centre_open_next", "escalation", ["centre_id", "closed", "next_action_at"])
    op.create_index("ix_escalation_raiser_queue", "escalation", ["raised_by_id", "closed", "rank", "sort_at", "id"])
    op.create_index("ix_escalation_site_open_next", "escalation", ["site_id", "closed", "next_action_at"])
    op.create_index("ix_escalation_site_raised", "escalation", ["site_id", "raised_at"])
    op.create_index("ix_contact_site_opened", "contact", ["site_id", "opened_at"])


def downgrade() -> None:
    op.drop_index("ix_contact_site_opened", table_name="contact")
    op.drop_index("ix_escalation_site_raised", table_name="escalation")
    op.drop_index("ix_escalation_site_open_next", table_name="escalation")
    op.drop_index("ix_escalation_raiser_queue", table_name="escalation")
    op.drop_index("ix_escalation_centre_open_next", table_name="escalation")
    op.drop_index("ix_escalation_owner_queue", table_name="escalation")
    op.create_index("ix_escalation_owner_queue", "escalation", ["owner_id", "rank", "sort_at", "id"])
