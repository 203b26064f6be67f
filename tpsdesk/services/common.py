"""What every service shares: the Desk context, actors, permissions (R5, R6),
history events and notes (D3), and the deadline refresh of an escalation (E12).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, select

from tpsdesk.businesstime import SiteCalendar
from tpsdesk.clock import Clock, system_clock
from tpsdesk.deadlines import DueResult, compute
from tpsdesk.errors import Conflict, NotFound, PermissionDenied, ValidationError
from tpsdesk.models import (
    FAR_FUTURE,
    RANK_AFTER_HOURS,
    RANK_CLOSED,
    RANK_NORMAL,
    RANK_URGENT,
    Centre,
    Contact,
    Escalation,
    Event,
    Note,
    Site,
    Staff,
)
from tpsdesk.policy import Policy, default_policy
from tpsdesk.store import Store
from tpsdesk.text import clean


@dataclass
class Desk:
    """The context every service call takes: where the data is, the rules, the time."""

    store: Store
    policy: Policy = field(default_factory=default_policy)
    clock: Clock = system_clock
    _calendars: dict[tuple[int, int], SiteCalendar] = field(default_factory=dict, repr=False)

    def now(self) -> datetime:
        return self.clock()

    def calendar(self, site: Site) -> SiteCalendar:
        """The site's business calendar (C2, C3), cached per site version."""
        key = (site.id or 0, site.version or 0)
        cal = self._calendars.get(key)
        if cal is None:
            cal = site_calendar(site, self.policy)
            self._calendars[key] = cal
        return cal


def _dates(text: str) -> frozenset[date]:
    return frozenset(date.fromisoformat(p.strip()) for p in text.split(",") if p.strip())


def site_calendar(site: Site, policy: Policy) -> SiteCalendar:
    from datetime import time

    extra, removed = policy.holiday_overrides(site.state)
    hh, mm = site.open_time.split(":")
    ch, cm = site.cob_time.split(":")
    return SiteCalendar(
        code=site.code,
        zone_name=site.zone,
        state=site.state,
        open_time=time(int(hh), int(mm)),
        cob_time=time(int(ch), int(cm)),
        extra=_dates(site.extra_holidays) | frozenset(date.fromisoformat(d) for d in extra),
        removed=_dates(site.removed_holidays) | frozenset(date.fromisoformat(d) for d in removed),
    )


# ---------------------------------------------------------------- actors
@dataclass(frozen=True)
class Actor:
    """The signed-in officer, with the channel of their Centre."""

    id: int
    logon: str
    name: str
    role: str
    centre_id: int
    site_id: int
    channel: str
    w5_group: str  # W5: '' or the group that may process the Centre's escalations

    @property
    def sp_pool(self) -> bool:
        return bool(self.w5_group)


def actor_for(session: Session, logon: str | None) -> Actor:
    if not logon:
        raise NotFound("no user given: pass --user LOGON or set TPSDESK_USER")
    row = session.exec(
        select(Staff, Centre).join(Centre, Centre.id == Staff.centre_id).where(Staff.logon == logon)
    ).first()
    if row is None:
        raise NotFound(f"user {logon!r} is not a staff member here: check the logon ID (tpsdesk staff list)")
    staff, centre = row
    if not staff.active:
        raise PermissionDenied(f"user {logon!r} is inactive")
    assert staff.id is not None and centre.id is not None
    return Actor(staff.id, staff.logon, staff.name, staff.role, centre.id, staff.site_id, centre.channel, staff.w5_group)


def staff_by_logon(session: Session, logon: str, *, field_name: str = "to") -> Staff:
    staff = session.exec(select(Staff).where(Staff.logon == logon)).first()
    if staff is None:
        raise NotFound(f"{field_name}: no staff member with logon {logon!r}")
    return staff


# ---------------------------------------------------------------- permissions
def allowed(
    policy: Policy, actor: Actor, action: str, *, category: str | None = None, centre_id: int | None = None
) -> str | None:
    """None when allowed, else the reason (R5, R6, W5, S4)."""
    value = policy.permission(actor.channel, actor.role, action)
    label = policy.permission_label(action)
    if value == "yes":
        return None
    if value == "pool":
        if actor.sp_pool:
            return None
        return f"a {actor.role} may {label} only when in the SP development pool (W5); ask a Senior Practitioner to assign it"
    if value == "arrears":
        if category in (None, "arrears"):
            return None
        return f"a {actor.role} may {label} only for incorrect arrears (S4); other escalations go through TPS"
    if value == "own-centre":
        if centre_id is None or centre_id == actor.centre_id:
            return None
        return f"a {actor.role} may {label} only within their own Centre"
    return f"a {actor.role} may not {label} (R6)"


def require(
    policy: Policy, actor: Actor, action: str, *, category: str | None = None, centre_id: int | None = None
) -> None:
    reason = allowed(policy, actor, action, category=category, centre_id=centre_id)
    if reason is not None:
        raise PermissionDenied(f"refused: {reason}")


def can_see_all(policy: Policy, actor: Actor) -> bool:
    """The Centre's whole queue: SP, SSO, TL, and pool staff who may work it (R4, W5)."""
    return allowed(policy, actor, "see_all") is None or allowed(policy, actor, "work") is None


def can_work(policy: Policy, staff: Staff, channel: str) -> bool:
    value = policy.permission(channel, staff.role, "work")
    return value == "yes" or (value == "pool" and bool(staff.w5_group))


# ---------------------------------------------------------------- history
def record_event(
    session: Session,
    at: datetime,
    actor_id: int | None,
    kind: str,
    *,
    escalation_id: int | None = None,
    contact_id: int | None = None,
    **detail: Any,
) -> Event:
    event = Event(
        escalation_id=escalation_id,
        contact_id=contact_id,
        actor_id=actor_id,
        at=at,
        kind=kind,
        detail=json.dumps(detail, default=str, sort_keys=True) if detail else "",
    )
    session.add(event)
    return event


def add_note_row(
    session: Session,
    esc: Escalation,
    author_id: int,
    at: datetime,
    text: str,
    kind: str = "note",
    refers_to: int | None = None,
) -> Note:
    body = clean(text).strip()
    if not body:
        raise ValidationError("text", "the note is empty: type what was done or found")
    if refers_to is not None:
        old = session.get(Note, refers_to)
        if old is None or old.escalation_id != esc.id:
            raise NotFound(f"refers_to: note {refers_to} is not a note of escalation {esc.id}")
    note = Note(
        escalation_id=esc.id or 0, author_id=author_id, created_at=at, kind=kind, text=body, refers_to_id=refers_to
    )
    session.add(note)
    return note


# ---------------------------------------------------------------- escalations
def load_escalation(session: Session, escalation_id: int, expected_version: int | None = None) -> Escalation:
    esc = session.get(Escalation, escalation_id)
    if esc is None:
        raise NotFound(f"escalation {escalation_id} does not exist")
    if expected_version is not None and esc.version != expected_version:
        raise conflict_for(session, esc)
    return esc


def conflict_for(session: Session, esc: Escalation) -> Conflict:
    who = session.get(Staff, esc.updated_by_id) if esc.updated_by_id else None
    name = f"{who.name} ({who.logon})" if who else "someone else"
    return Conflict(f"escalation {esc.id} was changed by {name} meanwhile: reload it and try again", changed_by=name)


def flush_or_conflict(session: Session, esc: Escalation) -> None:
    """Write now so a stale version raises here, as Conflict naming who (E11)."""
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        fresh = session.get(Escalation, esc.id)
        if fresh is None:
            raise NotFound(f"escalation {esc.id} no longer exists") from None
        raise conflict_for(session, fresh) from None


def follow_ups_run(desk: Desk, esc: Escalation) -> bool:
    """E9/E10/E3 schedules run while referred; E2's while open."""
    if esc.closed:
        return False
    anchor = desk.policy.categories[esc.category].followup.anchor
    return anchor == "raised" or esc.status in ("referred", "awaiting-follow-up")


def due_for(
    desk: Desk,
    esc: Escalation,
    cal: SiteCalendar,
    *,
    explain: bool = False,
    contact_at: datetime | None = None,
    viewer: ZoneInfo | None = None,
) -> DueResult:
    return compute(
        desk.policy.categories[esc.category],
        esc.raised_at,
        cal,
        referred_at=esc.referred_at,
        eped=esc.eped,
        actioned_at=esc.actioned_at,
        last_follow_up_at=esc.last_follow_up_at,
        finalised=esc.closed,
        open_follow_ups=follow_ups_run(desk, esc),
        explain=explain,
        contact_at=contact_at,
        viewer=viewer,
    )


def contact_time(session: Session, esc: Escalation) -> datetime | None:
    """When the original contact was opened: day one of E4 (the 15th day counts from it)."""
    contact_id = getattr(esc, "contact_id", None)  # the demo's light row stand-in has none
    if contact_id is None:
        return None
    contact = session.get(Contact, contact_id)
    return contact.opened_at if isinstance(contact, Contact) else None


def refresh_deadlines(desk: Desk, session: Session, esc: Escalation) -> DueResult:
    """Recompute due, follow-up and the indexed ``next_action_at`` (E12) and the queue rank (S3)."""
    site = session.get(Site, esc.site_id)
    assert site is not None
    result = due_for(desk, esc, desk.calendar(site), contact_at=contact_time(session, esc))
    esc.due_at = result.due
    esc.after_hours = result.after_hours
    esc.next_follow_up_at = result.follow_ups[0] if result.follow_ups else None
    esc.next_action_at = None if esc.closed else result.next_action_at
    esc.rank = rank_of(desk.policy, esc)
    esc.sort_at = esc.next_action_at or FAR_FUTURE
    return result


def rank_of(policy: Policy, esc: Escalation) -> int:
    if esc.closed:
        return RANK_CLOSED
    if policy.categories[esc.category].urgent:
        return RANK_URGENT
    if esc.after_hours:
        return RANK_AFTER_HOURS
    return RANK_NORMAL


def touch(esc: Escalation, actor: Actor, at: datetime) -> None:
    esc.updated_at = at
    esc.updated_by_id = actor.id


def check_centre(actor: Actor, esc: Escalation, policy: Policy) -> None:
    """An SP coordinates the escalations of their own Centre (R3)."""
    if esc.centre_id != actor.centre_id:
        raise PermissionDenied(
            f"refused: escalation {esc.id} belongs to another Centre; {actor.role}s work their own Centre's escalations"
        )


def require_work(desk: Desk, actor: Actor, esc: Escalation) -> None:
    require(desk.policy, actor, "work", category=esc.category)
    check_centre(actor, esc, desk.policy)


def require_open(esc: Escalation) -> None:
    """F3: a finalised escalation is read-only except for a new note."""
    if esc.closed:
        raise ValidationError("status", f"escalation {esc.id} is finalised: reopen it with a reason first (F3)")


# ---------------------------------------------------------------- working helpers (E5, E11)
def one_line(value: str | None) -> str:
    """User text for a single-line field: control characters stripped, trimmed."""
    return clean(value or "", multiline=False).strip()


def require_visible(policy: Policy, actor: Actor, esc: Escalation) -> None:
    """R1, R4: the Centre's whole queue for SP, SSO, TL and pool staff; otherwise one's own."""
    if esc.centre_id == actor.centre_id and (
        can_see_all(policy, actor) or actor.id in (esc.raised_by_id, esc.owner_id)
    ):
        return
    raise PermissionDenied(
        f"refused: escalation {esc.id} is not yours to see; ask your Senior Practitioner or Team Leader"
    )


def take_for_work(session: Session, actor: Actor, esc: Escalation, at: datetime) -> None:
    """Work is done by the holder (E11): an unclaimed item becomes the worker's; another's is refused."""
    if esc.owner_id is None:
        esc.owner_id = actor.id
        if esc.status == "new":
            esc.status = "in-progress"
        record_event(session, at, actor.id, "claimed", escalation_id=esc.id, by="action")
    elif esc.owner_id != actor.id:
        holder = session.get(Staff, esc.owner_id)
        who = f"{holder.name} ({holder.logon})" if holder else "another officer"
        raise PermissionDenied(
            f"refused: escalation {esc.id} is claimed by {who}: ask them, or an SP or TL to reassign it (E11)"
        )


def valid_service_first(policy: Policy, value: str) -> str:
    """An ICT incident number (E1, E5b), checked against policy referral.service_first_pattern."""
    import re

    number = one_line(value)
    pattern = str(policy.section("referral").get("service_first_pattern", r".+"))
    if not re.fullmatch(pattern, number):
        raise ValidationError(
            "service_first", f"{number!r} is not a Service First number: give the ICT incident number, e.g. 40012345"
        )
    return number
