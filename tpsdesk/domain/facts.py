"""The plain facts the rules decide over: who acts, and the escalation acted on.

Services build these from rows once per call; the domain never sees a row,
a session or a query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tpsdesk.domain.vocab import Channel, Role, Status, W5Group


@dataclass(frozen=True, slots=True)
class Actor:
    """The signed-in officer, with the channel of their Centre."""

    id: int
    logon: str
    name: str
    role: Role
    centre_id: int
    site_id: int
    channel: Channel
    w5_group: W5Group = W5Group.NONE

    @property
    def sp_pool(self) -> bool:
        """In a W5 group: may process the Centre's escalations (W5)."""
        return self.w5_group is not W5Group.NONE


@dataclass(frozen=True, slots=True)
class Item:
    """One escalation as the rules see it (E1 to E13, W, D, F)."""

    id: int
    category: str
    centre_id: int
    channel: Channel
    status: Status
    raised_by_id: int
    raised_at: datetime
    owner_id: int | None = None
    owner_label: str | None = None  # "Name (logon)" of the holder, for E11 refusals
    closed: bool = False
    # Times the schedule reads (E1, E3, E4, E9, E10, E13, D4).
    reported_at: datetime | None = None
    contact_at: datetime | None = None
    actioned_at: datetime | None = None
    referred_at: datetime | None = None
    referral_target: str = ""
    ict_requested_at: datetime | None = None
    eped: date | None = None
    last_follow_up_at: datetime | None = None
    last_action_at: datetime | None = None
    record_updated_at: datetime | None = None
    finalised_at: datetime | None = None
    # References recorded on the item (E1, E5b, F1).
    service_first: str = ""
    nnu_ref: str = ""
    doc_id: int | None = None
    # Documentation (D1, D2) and who completes the work (W1 to W4).
    action_taken: str = ""
    resources_used: str = ""
    so_action: str = ""
    why_not_day_one: str = ""
    file_note_done: bool = False
    d2_doc_required: bool = False
    d2_doc_done: bool = False
    d2_record_checked: bool = False
    callback_required: bool = False
    nonstandard_work: bool = False
    within_so_scope: bool = False

    def d1_value(self, name: str) -> str:
        """One of D1's text fields by its policy name (documentation.d1_fields)."""
        value = {
            "action_taken": self.action_taken,
            "resources_used": self.resources_used,
            "so_action": self.so_action,
            "why_not_day_one": self.why_not_day_one,
        }.get(name)
        if value is None:
            raise KeyError(name)
        return value
