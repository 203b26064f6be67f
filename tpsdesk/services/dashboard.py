"""The Team Leader's floor dashboard (T1, R4): call volumes, workloads, overdue items.

Figures are for the actor's Centre and come from aggregate SQL (GROUP BY over
index ranges), never from walking every row in Python. Only staff whose role
may use the ``dashboard`` (R6: TL, SP, SSO by default) get them; others are refused
with the reason (R5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from tpsdesk.domain.facts import Actor
from tpsdesk.domain.schedule import FAR_PAST, OPEN_RANKS, RANK_AFTER_HOURS, RANK_URGENT
from tpsdesk.domain.vocab import Grant, Permission, Role
from tpsdesk.errors import PermissionDenied, ValidationError
from tpsdesk.models import Centre, Contact, Escalation, Event, Site, Staff
from tpsdesk.services.actors import actor_for, allowed, can_work
from tpsdesk.services.boundary import typed_input
from tpsdesk.services.desk import Desk
from tpsdesk.text import a_or_an

ROLE_WORDS = {
    "SO": "Service Officers",
    "TPS": "TPS officers",
    "SP": "Senior Practitioners",
    "SSO": "SSOs",
    "TL": "Team Leaders",
}
HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class HourCount:
    start: datetime  # local (the viewer's site zone)
    count: int

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}"


@dataclass(frozen=True, slots=True)
class PersonCount:
    logon: str | None  # None: contacts not yet taken by a TPS officer
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class OwnerLoad:
    logon: str | None  # None: unclaimed
    name: str
    open: int
    overdue: int


@dataclass(frozen=True, slots=True)
class CategoryCount:
    category: str
    label: str
    count: int


@dataclass
class Dashboard:
    centre: str
    centre_name: str
    channel: str
    zone: str
    now: datetime  # local
    window_start: datetime  # local
    window_end: datetime  # local
    hours: list[HourCount] = field(default_factory=list)
    per_tps: list[PersonCount] = field(default_factory=list)
    owners: list[OwnerLoad] = field(default_factory=list)
    overdue_by_category: list[CategoryCount] = field(default_factory=list)
    raised_today: int = 0
    finalised_today: int = 0
    after_hours_open: int = 0
    stop_payment_open: int = 0

    @property
    def contacts_total(self) -> int:
        return sum(h.count for h in self.hours)

    @property
    def open_total(self) -> int:
        return sum(o.open for o in self.owners)

    @property
    def overdue_total(self) -> int:
        return sum(o.overdue for o in self.owners)

    @property
    def unclaimed(self) -> int:
        return sum(o.open for o in self.owners if o.logon is None)


def refusal(desk: Desk, actor: Actor) -> str | None:
    """None when the actor may see the dashboard, else why not (R4, R6)."""
    if allowed(desk.policy, actor, Permission.DASHBOARD) is None:
        return None
    roles = [r for r in Role if desk.policy.permissions.grant(actor.channel, r, Permission.DASHBOARD) == Grant.YES]
    who = (
        ", ".join(ROLE_WORDS.get(r, r) for r in roles[:-1])
        + (" and " if len(roles) > 1 else "")
        + ROLE_WORDS.get(roles[-1], roles[-1])
        if roles
        else "nobody"
    )
    return f"refused: only {who} see the floor dashboard (R4, R6); {a_or_an(actor.role)} sees their own items in the queue and calendar"


def _window(now_local: datetime, open_t: time, cob_t: time, window_hours: int | None) -> tuple[datetime, datetime]:
    """The current shift, open to COB (extended to now if later), or the last N hours."""
    tz = now_local.tzinfo
    top = now_local.replace(minute=0, second=0, microsecond=0)
    end_now = top + HOUR
    if window_hours is not None:
        if not 1 <= window_hours <= 48:
            raise ValidationError("window_hours", "the window is 1 to 48 hours")
        return end_now - window_hours * HOUR, end_now
    day = now_local.date()
    start = datetime.combine(day, open_t, tzinfo=tz)
    end = datetime.combine(day, cob_t, tzinfo=tz)
    if cob_t.minute:
        end = end.replace(minute=0) + HOUR
    return start.replace(minute=0), max(end, end_now)


def _hours(session: Session, centre_id: int, start: datetime, end: datetime) -> list[HourCount]:
    """Contacts per local hour: one GROUP BY over a portable CASE of hour buckets, read from
    the Centre's contacts-by-time index alone."""
    edges: list[datetime] = []
    t = start
    while t < end:
        edges.append(t)
        t = t + HOUR
    if not edges:
        return []
    bucket = case(*[(col(Contact.opened_at) < e + HOUR, i) for i, e in enumerate(edges)], else_=-1)
    stmt = (
        select(bucket, func.count())
        .select_from(Contact)
        .where(Contact.centre_id == centre_id, Contact.opened_at >= start, Contact.opened_at < end)
        .group_by(bucket)
    )
    counts = {int(b): int(n) for b, n in session.exec(stmt).all()}
    return [HourCount(e, counts.get(i, 0)) for i, e in enumerate(edges)]


def _per_tps(session: Session, actor: Actor, start: datetime, end: datetime) -> list[PersonCount]:
    """Contacts per TPS officer in the window; every active TPS officer is listed, idle ones with 0."""
    stmt = (
        select(Contact.tps_id, func.count())
        .select_from(Contact)
        .where(Contact.centre_id == actor.centre_id, Contact.opened_at >= start, Contact.opened_at < end)
        .group_by(col(Contact.tps_id))
    )
    counts: dict[int | None, int] = {tps_id: int(n) for tps_id, n in session.exec(stmt).all()}
    staff_ids = {i for i in counts if i is not None}
    tps_rows = session.exec(
        select(Staff).where(Staff.centre_id == actor.centre_id, Staff.active == True, Staff.role == "TPS")  # noqa: E712
    ).all()
    people = {s.id: s for s in tps_rows}
    if staff_ids - set(people):
        people.update(
            {s.id: s for s in session.exec(select(Staff).where(col(Staff.id).in_(staff_ids - set(people)))).all()}
        )
    out = [PersonCount(s.logon, s.name, counts.get(sid, 0)) for sid, s in people.items()]
    out.sort(key=lambda p: (-p.count, p.logon or ""))
    if counts.get(None):
        out.append(PersonCount(None, "not yet taken by TPS", counts[None]))
    return out


def _open(centre_id: int) -> list[Any]:
    """The Centre's open items, as the queue indexes hold them: an open item has an open rank
    and sorts at its next action (schedule.plan), so "overdue" is sort_at before now."""
    return [Escalation.centre_id == centre_id, col(Escalation.rank).in_(OPEN_RANKS)]


def _open_items(
    session: Session, desk: Desk, actor: Actor, now: datetime
) -> tuple[list[OwnerLoad], list[CategoryCount], int, int]:
    """Open escalations per owner, overdue items per owner and per category (E12), plus
    after-hours and stop-payment (S3). Each is a grouped count over one index that holds every
    column it reads, walked in its own order: open items per owner are (centre, closed, owner);
    overdue ones a range of (centre, sort_at), since an open item sorts at its next action and
    a closed one at the far future (schedule.plan)."""
    per_owner = (
        select(col(Escalation.owner_id), func.count())
        .select_from(Escalation)
        .where(Escalation.centre_id == actor.centre_id, col(Escalation.closed).is_(False))
        .group_by(col(Escalation.owner_id))
    )
    open_by_owner: dict[int | None, int] = {owner: int(n) for owner, n in session.exec(per_owner).all()}
    late = (
        select(col(Escalation.owner_id), col(Escalation.category), func.count())
        .select_from(Escalation)
        .where(
            Escalation.centre_id == actor.centre_id, col(Escalation.sort_at) >= FAR_PAST, col(Escalation.sort_at) < now
        )
        .group_by(col(Escalation.owner_id), col(Escalation.category))
    )
    late_by_owner: dict[int | None, int] = {}
    late_by_category: dict[str, int] = {}
    for owner, category, n in session.exec(late).all():
        late_by_owner[owner] = late_by_owner.get(owner, 0) + int(n)
        late_by_category[category] = late_by_category.get(category, 0) + int(n)
    urgent = [k for k, c in desk.policy.categories.items() if c.urgent]
    stop_payment = 0
    if urgent:
        stmt = select(func.count()).select_from(Escalation).where(*_open(actor.centre_id))
        stop_payment = int(session.exec(stmt.where(col(Escalation.category).in_(urgent))).one())
    # After-hours items still waiting on their deadline (C6): they rank after-hours, or urgent
    # (S3 ranks an urgent item first even when it was raised after hours).
    after_hours = int(
        session.exec(
            select(func.count())
            .select_from(Escalation)
            .where(
                Escalation.centre_id == actor.centre_id,
                col(Escalation.rank).in_((RANK_URGENT, RANK_AFTER_HOURS)),
                col(Escalation.after_hours).is_(True),
            )
        ).one()
    )
    workers = session.exec(select(Staff).where(Staff.centre_id == actor.centre_id, Staff.active == True)).all()  # noqa: E712
    names = {s.id: s for s in workers}
    missing = {o for o in (*open_by_owner, *late_by_owner) if o is not None and o not in names}
    if missing:
        names.update({s.id: s for s in session.exec(select(Staff).where(col(Staff.id).in_(missing))).all()})
    loads: dict[int | None, OwnerLoad] = {}
    for owner_id, n in open_by_owner.items():
        s = names.get(owner_id)
        name = s.name if s else "unclaimed"
        loads[owner_id] = OwnerLoad(s.logon if s else None, name, n, late_by_owner.get(owner_id, 0))
    for s in workers:  # everyone who may work escalations shows, idle or not (W5)
        if s.id not in loads and can_work(desk.policy, s, actor.channel):
            loads[s.id] = OwnerLoad(s.logon, s.name, 0, 0)
    unclaimed = loads.pop(None, OwnerLoad(None, "unclaimed", 0, 0))
    out = sorted(loads.values(), key=lambda o: (-o.overdue, -o.open, o.logon or ""))
    out.append(unclaimed)
    return out, _by_category(desk, late_by_category), after_hours, stop_payment


def _by_category(desk: Desk, counts: dict[str, int]) -> list[CategoryCount]:
    out = []
    for category, n in counts.items():
        cat = desk.policy.categories.get(category)
        out.append(CategoryCount(category, f"{cat.short} ({cat.rule})" if cat else category, n))
    return sorted(out, key=lambda c: (-c.count, c.category))


def _raised_today(session: Session, actor: Actor, start: datetime, end: datetime) -> int:
    """Escalations of the Centre recorded today (their D3 "raised" event today, so a backdated
    item counts on the day it was entered): the day's raise events from the event index
    (kind, time, escalation), each joined to its escalation by primary key for the Centre."""
    stmt = (
        select(func.count(func.distinct(Event.escalation_id)))
        .select_from(Event)
        .join(Escalation, col(Escalation.id) == Event.escalation_id)
        .where(
            Event.kind == "raised",
            Event.at >= start,
            Event.at < end,
            # "+ 0": the Centre is checked on the joined row; as an index it would walk the Centre.
            (col(Escalation.centre_id) + 0) == actor.centre_id,
        )
    )
    return int(session.exec(stmt).one())


def _finalised_today(session: Session, actor: Actor, start: datetime, end: datetime) -> int:
    """Escalations of the Centre finalised or withdrawn today and still closed: finalising and
    withdrawing set ``finalised_at``, reopening clears it (F3), so it is one index range."""
    stmt = select(func.count()).select_from(Escalation)
    stmt = stmt.where(
        Escalation.centre_id == actor.centre_id,
        col(Escalation.finalised_at) >= start,
        col(Escalation.finalised_at) < end,
    )
    return int(session.exec(stmt).one())


@typed_input()
def floor_dashboard(desk: Desk, logon: str, *, window_hours: int | None = None) -> Dashboard:
    """The figures of the actor's Centre for the current shift (T1)."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        reason = refusal(desk, actor)
        if reason is not None:
            raise PermissionDenied(reason)
        centre = session.get(Centre, actor.centre_id)
        site = session.get(Site, actor.site_id)
        assert centre is not None and site is not None
        cal = desk.calendar(site)
        now = desk.now()
        now_local = cal.local(now)
        start, end = _window(now_local, cal.open_time, cal.cob_time, window_hours)
        day_start = cal.at(now_local.date(), time(0))
        day_end = cal.at(now_local.date() + timedelta(days=1), time(0))
        owners, late_by_category, after_hours, stop_payment = _open_items(session, desk, actor, now)
        raised = _raised_today(session, actor, day_start, day_end)
        finalised = _finalised_today(session, actor, day_start, day_end)
        return Dashboard(
            centre=centre.code,
            centre_name=centre.name,
            channel=centre.channel,
            zone=cal.zone_name,
            now=now_local,
            window_start=start,
            window_end=end,
            hours=_hours(session, actor.centre_id, start, end),
            per_tps=_per_tps(session, actor, start, end),
            owners=owners,
            overdue_by_category=late_by_category,
            raised_today=raised,
            finalised_today=finalised,
            after_hours_open=after_hours,
            stop_payment_open=stop_payment,
        )
