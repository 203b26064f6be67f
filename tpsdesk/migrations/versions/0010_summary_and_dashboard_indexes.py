"""The shift summary and the dashboard read index ranges that hold every column they count.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 14:40:00

X1: contacts by officer, reason and outcome come from (site, opened_at, ...) alone; the
escalations raised, finalised and referred in the window are three ranges of (site, time,
category), the last two partial (most rows have no finalised or referred time); the items
open at the end of the shift are listed in (site, closed, next_action_at) order with the
raised time beside it, and the stop-payment requests are a range of (site, created_at). T1: open items per owner are (centre, closed, owner) in owner order,
and overdue items per owner and category one range of (centre, sort_at) (a closed item
sorts at the far future, so sort_at before now is an open, overdue one).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _partial(name: str, column: str) -> None:
    """(site, column, category) holding only the rows where ``column`` is set."""
    where = sa.text(f"{column} IS NOT NULL")
    op.create_index(name, "escalation", ["site_id", column, "category"], sqlite_where=where, postgresql_where=where)


def upgrade() -> None:
    op.drop_index("ix_contact_site_opened", table_name="contact")
    op.create_index(
        "ix_contact_site_opened_lines",
        "contact",
        ["site_id", "opened_at", "tps_id", "recorded_by_id", "reason", "outcomes"],
    )
    op.drop_index("ix_escalation_site_raised", table_name="escalation")
    op.create_index("ix_escalation_site_raised", "escalation", ["site_id", "raised_at", "category"])
    _partial("ix_escalation_site_finalised", "finalised_at")
    _partial("ix_escalation_site_referred", "referred_at")
    op.drop_index("ix_escalation_site_open_next", table_name="escalation")
    op.create_index("ix_escalation_site_open_next", "escalation", ["site_id", "closed", "next_action_at", "raised_at"])
    op.create_index("ix_escalation_centre_open_owner", "escalation", ["centre_id", "closed", "owner_id"])
    op.create_index("ix_escalation_centre_overdue", "escalation", ["centre_id", "sort_at", "owner_id", "category"])
    op.create_index("ix_escalation_centre_after_hours", "escalation", ["centre_id", "after_hours", "rank"])
    op.create_index("ix_stop_payment_doc_site_created", "stop_payment_doc", ["site_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_stop_payment_doc_site_created", table_name="stop_payment_doc")
    for name in (
        "ix_escalation_centre_after_hours",
        "ix_escalation_centre_overdue",
        "ix_escalation_centre_open_owner",
        "ix_escalation_site_open_next",
    ):
        op.drop_index(name, table_name="escalation")
    op.create_index("ix_escalation_site_open_next", "escalation", ["site_id", "closed", "next_action_at"])
    for name in ("ix_escalation_site_referred", "ix_escalation_site_finalised", "ix_escalation_site_raised"):
        op.drop_index(name, table_name="escalation")
    op.create_index("ix_escalation_site_raised", "escalation", ["site_id", "raised_at"])
    op.drop_index("ix_contact_site_opened_lines", table_name="contact")
    op.create_index("ix_contact_site_opened", "contact", ["site_id", "opened_at"])
