"""SQLModel tables. Instants are stored in UTC (C1); SQLite drops the zone,
so ``UTCDateTime`` normalises on write and attaches UTC on read.

Every mutable row carries a version counter (E11): SQLAlchemy's
``version_id_col`` raises on a stale write, which the services turn into
``Conflict``. Notes and events are append-only (D3).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index, Integer, Table, Text, TypeDecorator
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text as sa_text
from sqlmodel import Field, SQLModel

from tpsdesk.domain.schedule import FAR_FUTURE, RANK_AFTER_HOURS, RANK_CLOSED, RANK_NORMAL, RANK_URGENT
from tpsdesk.domain.vocab import OPEN_STATUSES as VOCAB_OPEN
from tpsdesk.domain.vocab import Status

STATUSES: tuple[str, ...] = tuple(s.value for s in Status)
OPEN_STATUSES: tuple[str, ...] = tuple(s.value for s in VOCAB_OPEN)
__all__ = ["FAR_FUTURE", "RANK_AFTER_HOURS", "RANK_CLOSED", "RANK_NORMAL", "RANK_URGENT"]


def table_of(model: type[SQLModel]) -> Table:
    """The Core ``Table`` of a table model, for bulk Core statements (demo, bulk load).

    SQLModel's metaclass sets ``__table__`` without declaring it, so type checkers cannot
    see it; the model's mapper holds the very same table object.
    """
    table = sa_inspect(model).local_table
    assert isinstance(table, Table), model
    return table


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on both SQLite and PostgreSQL (C1)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime written to the database; store aware UTC instants")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utc_col(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def version_column() -> Column[int]:
    # A module-level Column, not a class attribute: pydantic would deep-copy a
    # class attribute on every instance (about 70 ms each).
    return Column("version", Integer, nullable=False, server_default="1")


_centre_version = version_column()


class Centre(SQLModel, table=True):
    __tablename__ = "centre"
    __mapper_args__ = {"version_id_col": _centre_version}

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=20)
    name: str
    channel: str = Field(max_length=20)  # smart-centre | comp-recovery
    sp_mailbox: str = ""  # E5a: the SP positional mailbox
    version: int = Field(default=1, sa_column=_centre_version)


_site_version = version_column()


class Site(SQLModel, table=True):
    __tablename__ = "site"
    __mapper_args__ = {"version_id_col": _site_version}

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=20)
    name: str
    centre_id: int = Field(foreign_key="centre.id", index=True)
    zone: str = "Australia/Sydney"
    state: str = "NSW"
    open_time: str = "08:00"
    cob_time: str = "17:00"
    extra_holidays: str = ""  # comma-separated ISO dates (C3)
    removed_holidays: str = ""
    version: int = Field(default=1, sa_column=_site_version)


_staff_version = version_column()


class Staff(SQLModel, table=True):
    __tablename__ = "staff"
    __mapper_args__ = {"version_id_col": _staff_version}

    id: int | None = Field(default=None, primary_key=True)
    logon: str = Field(unique=True, max_length=40)
    name: str
    role: str = Field(max_length=8)  # SO | TPS | SP | SSO | TL
    centre_id: int = Field(foreign_key="centre.id", index=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    team_leader_id: int | None = Field(default=None, foreign_key="staff.id")
    w5_group: str = Field(default="", max_length=20)  # W5: "", high-performing, sp-pool
    email: str = ""
    active: bool = True
    admin: bool = False  # R7: may set up the floor (Centres, sites, staff, demo reset)
    version: int = Field(default=1, sa_column=_staff_version)


_escalation_version = version_column()


class Escalation(SQLModel, table=True):
    __tablename__ = "escalation"
    __mapper_args__ = {"version_id_col": _escalation_version}
    __table_args__ = (
        Index("ix_escalation_queue", "rank", "sort_at", "id"),
        Index("ix_escalation_centre_queue", "centre_id", "rank", "sort_at", "id"),
        Index("ix_escalation_owner_queue", "owner_id", "closed", "rank", "sort_at", "id"),
        Index("ix_escalation_open_next", "closed", "next_action_at"),
        # 0002: counts and views per Centre, raiser and site stay index ranges at 1M rows.
        Index("ix_escalation_centre_open_next", "centre_id", "closed", "next_action_at"),
        Index("ix_escalation_raiser_queue", "raised_by_id", "closed", "rank", "sort_at", "id"),
        Index("ix_escalation_site_open_next", "site_id", "closed", "next_action_at", "raised_at"),
        # 0010: the shift summary's escalations raised, finalised and referred by category (X1),
        # and the dashboard's open and overdue items per owner and category (T1), from indexes alone.
        Index("ix_escalation_site_raised", "site_id", "raised_at", "category"),
        Index(
            "ix_escalation_site_finalised",
            "site_id",
            "finalised_at",
            "category",
            sqlite_where=sa_text("finalised_at IS NOT NULL"),
            postgresql_where=sa_text("finalised_at IS NOT NULL"),
        ),
        Index(
            "ix_escalation_site_referred",
            "site_id",
            "referred_at",
            "category",
            sqlite_where=sa_text("referred_at IS NOT NULL"),
            postgresql_where=sa_text("referred_at IS NOT NULL"),
        ),
        Index("ix_escalation_centre_open_owner", "centre_id", "closed", "owner_id"),
        Index("ix_escalation_centre_overdue", "centre_id", "sort_at", "owner_id", "category"),
        Index("ix_escalation_centre_after_hours", "centre_id", "after_hours", "rank"),
        # 0005: a category filter in one Centre is an index range in queue order.
        Index("ix_escalation_centre_category_queue", "centre_id", "category", "rank", "sort_at", "id"),
        # 0006: status, owner and site filters in queue order; the calendar's day counts covered.
        Index("ix_escalation_centre_status_queue", "centre_id", "status", "rank", "sort_at", "id", "next_follow_up_at"),
        Index("ix_escalation_centre_owner_queue", "centre_id", "owner_id", "rank", "sort_at", "id"),
        Index("ix_escalation_site_queue", "site_id", "centre_id", "rank", "sort_at", "id"),
        Index("ix_escalation_centre_open_due", "centre_id", "closed", "due_at", "rank"),
        Index("ix_escalation_centre_open_follow_up", "centre_id", "closed", "next_follow_up_at", "due_at", "rank"),
        Index(
            "ix_escalation_centre_open_progress",
            "centre_id",
            "closed",
            "next_action_kind",
            "next_action_at",
            "due_at",
            "next_follow_up_at",
            "rank",
        ),
        Index("ix_escalation_centre_open_eped", "centre_id", "closed", "eped", "category"),
        # 0009: finalised today, for the dashboard (T1).
        Index("ix_escalation_centre_finalised", "centre_id", "finalised_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    category: str = Field(max_length=12, index=True)
    centre_id: int = Field(foreign_key="centre.id")
    site_id: int = Field(foreign_key="site.id")
    crn: str = Field(default="", max_length=10, index=True)
    summary: str = ""
    raised_by_id: int = Field(foreign_key="staff.id")
    raised_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    owner_id: int | None = Field(default=None, foreign_key="staff.id")
    status: str = Field(default="new", max_length=20)
    closed: bool = False  # finalised; kept as a flag so open items are an index range
    # Deadlines (E12): due_at is the earliest unmet deadline, next_follow_up_at the
    # next follow-up; next_action_at the earlier of the two, indexed for "overdue".
    due_at: datetime | None = utc_col()
    after_hours: bool = False
    next_follow_up_at: datetime | None = utc_col()
    next_action_at: datetime | None = utc_col()
    rank: int = Field(default=RANK_NORMAL)
    sort_at: datetime = Field(default=FAR_FUTURE, sa_type=UTCDateTime, nullable=False)
    actioned_at: datetime | None = utc_col()
    # E1: when the arrears were reported (the contact, else the DOC's saving) and
    # when ICT was asked to stop them (the deadline is met then, not at finalising).
    reported_at: datetime | None = utc_col()
    ict_requested_at: datetime | None = utc_col()
    # E13: the last recorded action moves the progress check on; D4 (comp-recovery)
    # counts only a recorded update of the customer's record.
    last_action_at: datetime | None = utc_col()
    record_updated_at: datetime | None = utc_col()
    next_action_kind: str = Field(default="", max_length=20)  # vocab.NextAction
    referred_at: datetime | None = utc_col()
    last_follow_up_at: datetime | None = utc_col()
    referral_target: str = ""  # ict | policy-advisor | helpdesk | actdoc
    referral_ref: str = ""  # form reference or ACTDOC "where"
    service_first: str = ""  # ICT incident number (E1, E5b)
    nnu_ref: str = ""
    eped: date | None = None  # E10
    enq1: str = ""  # E4: FCSO/SAC
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    doc_id: int | None = Field(default=None, foreign_key="stop_payment_doc.id")
    about_staff_id: int | None = Field(default=None, foreign_key="staff.id")  # E7
    # D1 (past day one) and D2 (information received, not processed)
    action_taken: str = ""
    resources_used: str = ""
    so_action: str = ""
    why_not_day_one: str = ""
    file_note_done: bool = False
    d2_doc_required: bool = False
    d2_doc_done: bool = False
    d2_record_checked: bool = False
    callback_required: bool = False  # W3
    nonstandard_work: bool = False  # W4
    within_so_scope: bool = False  # W1
    finalised_at: datetime | None = utc_col()
    final_reason: str = ""
    updated_at: datetime | None = utc_col()
    updated_by_id: int | None = Field(default=None, foreign_key="staff.id")
    version: int = Field(default=1, sa_column=_escalation_version)


class Note(SQLModel, table=True):
    """Append-only (D3): a correction is a new note that refers to the old."""

    __tablename__ = "note"
    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    author_id: int = Field(foreign_key="staff.id")
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    kind: str = Field(default="note", max_length=20)  # note | review | follow-up | file-note | correction
    text: str = Field(sa_type=Text)
    refers_to_id: int | None = Field(default=None, foreign_key="note.id")


class Event(SQLModel, table=True):
    """History (D3): who, when, what. Append-only."""

    __tablename__ = "event"
    # 0007: a day's events of some kinds, with their escalation, from the index alone (T1).
    __table_args__ = (Index("ix_event_kind_at", "kind", "at", "escalation_id"),)
    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int | None = Field(default=None, foreign_key="escalation.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="staff.id")
    at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    kind: str = Field(max_length=30)
    detail: str = Field(default="", sa_type=Text)  # JSON
    login: str = Field(default="", max_length=63)  # R7: the database or OS login that acted


_contact_version = version_column()


class Contact(SQLModel, table=True):
    """A request for TPS help (I1 to I8)."""

    __tablename__ = "contact"
    __table_args__ = (
        # 0010: the shift summary's contacts by officer, reason and outcome (X1), from the index alone.
        Index("ix_contact_site_opened_lines", "site_id", "opened_at", "tps_id", "recorded_by_id", "reason", "outcomes"),
        # 0007: the dashboard's contacts per hour and per TPS officer, from the index alone.
        Index("ix_contact_centre_opened", "centre_id", "opened_at", "tps_id"),
        # 0008: the open contacts of a site, oldest first, and an SO's own (R1, I7).
        Index("ix_contact_site_open", "site_id", "status", "opened_at", "id"),
        Index("ix_contact_requester_open", "requester_id", "status", "opened_at", "id"),
        Index("ix_contact_recorder_open", "recorded_by_id", "status", "opened_at", "id"),
    )
    __mapper_args__ = {"version_id_col": _contact_version}

    id: int | None = Field(default=None, primary_key=True)
    centre_id: int = Field(foreign_key="centre.id", index=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    channel: str = Field(max_length=20)
    requester_kind: str = Field(default="so", max_length=24)
    requester_id: int | None = Field(default=None, foreign_key="staff.id")
    requester_name: str
    requester_logon: str = ""
    recorded_by_id: int = Field(foreign_key="staff.id")
    reason: str = Field(max_length=30)
    references: str = Field(default="[]", sa_type=Text)  # JSON list (I1)
    reference_other: str = ""
    confirmed_no_answer: bool = False
    help_required: str = Field(sa_type=Text)
    crn: str = Field(default="", max_length=10)
    branch_detail: str = Field(default="", sa_type=Text)  # I5/I6 answers, JSON
    opened_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    outcomes: str = Field(default="[]", sa_type=Text)  # JSON list (I8)
    outcome_at: datetime | None = utc_col()
    tps_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    nnu_ref: str = ""
    service_first: str = ""
    escalation_id: int | None = Field(default=None)
    status: str = Field(default="open", max_length=12)  # open | complete
    version: int = Field(default=1, sa_column=_contact_version)


class StopPaymentDoc(SQLModel, table=True):
    """A stop-payment DOC (S1, S5)."""

    __tablename__ = "stop_payment_doc"
    # 0010: the shift summary's stop-payment requests of a site and window (X1).
    __table_args__ = (Index("ix_stop_payment_doc_site_created", "site_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    centre_id: int = Field(foreign_key="centre.id")
    site_id: int = Field(foreign_key="site.id")
    crn: str = Field(max_length=10, index=True)
    payment_type: str
    amount_cents: int
    period_from: date
    period_to: date
    reason: str = Field(sa_type=Text)
    ar_checked: bool = False
    text: str = Field(sa_type=Text)
    created_by_id: int = Field(foreign_key="staff.id")
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    escalation_id: int | None = Field(default=None)
    ict_requested_at: datetime | None = utc_col()
    # S4: the receiving officer verifies the DOC, or returns it to the SO with what is
    # missing; the SO's corrected DOC names the one it replaces.
    verified_at: datetime | None = utc_col()
    verified_by_id: int | None = Field(default=None, foreign_key="staff.id")
    returned_at: datetime | None = utc_col()
    returned_by_id: int | None = Field(default=None, foreign_key="staff.id")
    return_reason: str = Field(default="", sa_type=Text)
    replaces_id: int | None = Field(default=None, foreign_key="stop_payment_doc.id")


class Outbox(SQLModel, table=True):
    """Messages to send (I7); delivery is a later job."""

    __tablename__ = "outbox"
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    kind: str = Field(max_length=30)
    recipient: str
    subject: str
    body: str = Field(sa_type=Text)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    sent_at: datetime | None = utc_col()


class Feedback(SQLModel, table=True):
    """Feedback on technical correctness, or a conduct concern (E7, I10)."""

    __tablename__ = "feedback"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=12)  # feedback | conduct
    channel: str = Field(max_length=20)
    raised_by_id: int = Field(foreign_key="staff.id")
    about_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    to_staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    route: str = ""
    text: str = Field(sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    escalation_id: int | None = Field(default=None)
