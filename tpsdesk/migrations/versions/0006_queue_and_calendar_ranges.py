"""Every queue filter and the calendar's day counts as index ranges in one Centre.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 11:40:00

- status, owner (unclaimed, someone's) and site filters read in queue order
  (rank, sort_at, id) within their range, so a page, End and the count stay flat;
- the calendar counts deadlines, follow-ups, progress checks and EPEDs per day from
  covering indexes (no table row is read);
- the single-column status and site indexes are prefixes of these: dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW = {
    "ix_escalation_centre_status_queue": ["centre_id", "status", "rank", "sort_at", "id", "next_follow_up_at"],
    "ix_escalation_centre_owner_queue": ["centre_id", "owner_id", "rank", "sort_at", "id"],
    "ix_escalation_site_queue": ["site_id", "centre_id", "rank", "sort_at", "id"],
    "ix_escalation_centre_open_due": ["centre_id", "closed", "due_at", "rank"],
    "ix_escalation_centre_open_follow_up": ["centre_id", "closed", "next_follow_up_at", "due_at", "rank"],
    "ix_escalation_centre_open_progress": [
        "centre_id",
        "closed",
        "next_action_kind",
        "next_action_at",
        "due_at",
        "next_follow_up_at",
        "rank",
    ],
    "ix_escalation_centre_open_eped": ["centre_id", "closed", "eped", "category"],
}
DROPPED = {"ix_escalation_status": ["status"], "ix_escalation_site_id": ["site_id"]}


def upgrade() -> None:
    for name, columns in NEW.items():
        op.create_index(name, "escalation", columns)
    for name in DROPPED:
        op.drop_index(name, table_name="escalation")


def downgrade() -> None:
    for name, columns in DROPPED.items():
        op.create_index(name, "escalation", columns)
    for name in reversed(NEW):
        op.drop_index(name, table_name="escalation")
