"""The shift summary (X1): what happened at a site in a window, and what the next
shift inherits. Only staff who may use the ``dashboard`` (R4, R6: TL, SP, SSO by default)
get it; an export with full customer identifiers is recorded in the history (X2).

Figures come from GROUP BY queries over the window; the lists of overdue and
handed-over items are capped (``limit``) and carry their totals.

The window is the current shift by default, ``start``/``end`` as given, or one business day's
hours at the site (``day``: opening time to COB, site-local, C3). A day that is not a
business day (a weekend, a public holiday of the site) is summarised whole, midnight to
midnight site-local: whatever was done that day (after-hours contacts, C6) is what a Team
Leader asking about it expects to see, and an empty summary says there was nothing.

Contacts over time (T1, for the charts) are one grouped count over local hour buckets, or
local day buckets when the window is longer than ``HOURLY_MAX`` (a month stays a few dozen
bars): the bucket edges are computed here in the site's zone (DST-safe) and the database
counts rows per edge with a portable CASE, as the dashboard does, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from tpsdesk.bounds import check_year
from tpsdesk.businesstime import SiteCalendar
from tpsdesk.deadlines import compute
from tpsdesk.domain import schedule
from tpsdesk.domain.facts import Actor
from tpsdesk.domain.vocab import Grant, Permission, Role
from tpsdesk.errors import NotFound, PermissionDenied, ValidationError
from tpsdesk.models import Centre, Contact, Escalation, Site, Staff, StopPaymentDoc
from tpsdesk.services.actors import actor_for, allowed
from tpsdesk.services.boundary import typed_input
from tpsdesk.services.desk import Desk
from tpsdesk.services.history import record_event
from tpsdesk.services.retry import transaction
from tpsdesk.services.uow import calendar_of, items_of
from tpsdesk.text import a_or_an

EXPORT_EVENT = "export-full-identifiers"  # X2
OPEN_CONTACT = "(no outcome yet)"
HOURLY_MAX = timedelta(hours=48)  # longer windows count contacts per local day


@dataclass(frozen=True)
class ContactLine:
    """Contacts of one TPS officer for one reason and one outcome (I2, I8)."""

    tps: str | None
    tps_name: str
    reason: str
    outcome: str
    count: int


@dataclass(frozen=True)
class CategoryLine:
    category: str
    label: str
    raised: int
    finalised: int
    referred: int


@dataclass(frozen=True)
class StopPaymentLine:
    """A stop-payment request and whether ICT was asked before COB (S3, E1)."""

    doc_id: int
    escalation_id: int | None
    crn: str
    created_at: datetime
    cob: datetime
    ict_requested_at: datetime | None
    state: str  # before-cob | after-cob | not-sent | pending

    @property
    def reached_before_cob(self) -> bool | None:
        return {"before-cob": True, "after-cob": False, "not-sent": False}.get(self.state)


@dataclass(frozen=True)
class ItemLine:
    id: int
    category: str
    status: str
    crn: str
    owner: str | None
    next_action_at: datetime | None
    due_at: datetime | None
    summary: str


@dataclass
class ShiftSummary:
    centre: str
    site: str
    site_name: str
    zone: str
    start: datetime
    end: datetime
    generated_at: datetime
    generated_by: str
    mask_keep: int  # X: CRN digits kept when masked ([summary].mask_keep)
    contacts: list[ContactLine] = field(default_factory=list)
    contacts_total: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    by_outcome: dict[str, int] = field(default_factory=dict)
    escalations: list[CategoryLine] = field(default_factory=list)
    stop_payments: list[StopPaymentLine] = field(default_factory=list)
    overdue: list[ItemLine] = field(default_factory=list)
    overdue_total: int = 0
    handover: list[ItemLine] = field(default_factory=list)
    handover_total: int = 0
    # T1: contacts per bucket (start instant, count), every bucket of the window listed, 0s too.
    contacts_over_time: list[tuple[datetime, int]] = field(default_factory=list)
    time_bucket: str = "hour"  # "hour", or "day" for a window longer than HOURLY_MAX


# ---------------------------------------------------------------- permission and window
def refusal(desk: Desk, actor: Actor) -> str | None:
    """None when the actor may have shift summaries, else why not (R4, R5, R6)."""
    if allowed(desk.policy, actor, Permission.DASHBOARD) is None:
        return None
    roles = [r for r in Role if desk.policy.permissions.grant(actor.channel, r, Permission.DASHBOARD) == Grant.YES]
    return (
        f"refused: shift summaries are for {', '.join(roles) or 'nobody'} (R4, R6); "
        f"{a_or_an(actor.role)} sees their own items in the queue; ask your Team Leader for the summary"
    )


def default_window(desk: Desk, cal: SiteCalendar, now: datetime) -> tuple[datetime, datetime]:
    """The current shift: today's opening time at the site up to now. Before opening, or on a
    day that is not a business day, the last shift: the previous business day's hours (C3)."""
    local = cal.local(now)
    day = local.date()
    if cal.is_business_day(day) and local.time() >= cal.open_time:
        return cal.at(day, cal.open_time), now
    prev = day - timedelta(days=1)
    while not cal.is_business_day(prev):
        prev -= timedelta(days=1)
    return cal.at(prev, cal.open_time), cal.cob_on(prev)


def _instant(cal: SiteCalendar, value: datetime | str | None, field_name: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return cal.parse(value)  # naive = site-local (C10)
        except ValidationError as exc:
            raise ValidationError(field_name, exc.message) from None
    if value.tzinfo is None:
        raise ValidationError(field_name, "give a time with its offset, or a site-local ISO text")
    return value


def _day(value: date | str) -> date:
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError("date", f"{value!r} is not a date such as 2026-09-25") from None
    check_year("date", day)  # before any zone arithmetic can overflow
    return day


def day_window(cal: SiteCalendar, value: date | str) -> tuple[datetime, datetime]:
    """One day at the site: a business day's hours, opening to COB; any other day whole,
    midnight to midnight site-local (see the module docstring)."""
    day = _day(value)
    if cal.is_business_day(day):
        return cal.at(day, cal.open_time), cal.cob_on(day)
    return cal.at(day, time(0)), cal.at(day + timedelta(days=1), time(0))


def _window(desk: Desk, cal: SiteCalendar, start: Any, end: Any, day: Any = None) -> tuple[datetime, datetime]:
    now = desk.now()
    s, e = _instant(cal, start, "from"), _instant(cal, end, "to")
    if day is not None and day != "":
        if s is not None or e is not None:
            raise ValidationError("date", "give either --date or --from/--to, not both")
        return day_window(cal, day)
    if s is None and e is None:
        return default_window(desk, cal, now)
    hours = desk.policy.summary.shift_hours
    e = e or now
    s = s or e - timedelta(hours=hours)
    if s >= e:
        raise ValidationError(
            "from", f"the window starts {cal.fmt(s)}, not before its end {cal.fmt(e)}: swap --from and --to"
        )
    return s, e


@dataclass(frozen=True)
class Window:
    """Where and when a summary would be: for a dialog to name its file before it runs."""

    site: str
    zone: str
    start: datetime
    end: datetime


@typed_input()
def shift_window(
    desk: Desk,
    logon: str,
    *,
    start: datetime | str | None = None,
    end: datetime | str | None = None,
    site: str | None = None,
    day: date | str | None = None,
) -> Window:
    """The site and window ``shift_summary`` would cover, refused as it would be (R4, R6)."""
    with desk.store.read() as session:
        _actor, where, _cal, (s, e) = _resolve(session, desk, logon, site, start, end, day)
        return Window(where.code, where.zone, s, e)


def _resolve(
    session: Session, desk: Desk, logon: str, site: str | None, start: Any, end: Any, day: Any
) -> tuple[Actor, Site, SiteCalendar, tuple[datetime, datetime]]:
    """Who asks (refused unless the role may have summaries: R4, R6), which site, its
    calendar and the window: what the window and the summary decide alike."""
    actor = actor_for(session, logon)
    reason = refusal(desk, actor)
    if reason is not None:
        raise PermissionDenied(reason)
    where = _site(session, actor, site)
    cal = desk.calendar(where)
    return actor, where, cal, _window(desk, cal, start, end, day)


# ---------------------------------------------------------------- the summary
@typed_input()
def shift_summary(
    desk: Desk,
    logon: str,
    *,
    start: datetime | str | None = None,
    end: datetime | str | None = None,
    site: str | None = None,
    day: date | str | None = None,
    limit: int = 500,
) -> ShiftSummary:
    """What happened at ``site`` (default: the actor's) from ``start`` to ``end`` (default: the
    current shift), or on ``day`` (its business hours; a non-business day whole)."""
    with desk.store.read() as session:
        actor, where, cal, (s, e) = _resolve(session, desk, logon, site, start, end, day)
        centre = session.get(Centre, where.centre_id)
        assert centre is not None and where.id is not None
        out = ShiftSummary(
            centre=centre.code,
            site=where.code,
            site_name=where.name,
            zone=where.zone,
            start=s,
            end=e,
            generated_at=desk.now(),
            generated_by=actor.logon,
            mask_keep=desk.policy.summary.mask_keep,
        )
        _contacts(session, out, where.id, s, e)
        out.time_bucket, out.contacts_over_time = _over_time(session, cal, where.id, s, e)
        out.escalations = _categories(session, desk, where.id, s, e)
        out.stop_payments = _stop_payments(session, desk, cal, where.id, s, e)
        open_items = (Escalation.site_id == where.id, col(Escalation.closed).is_(False), Escalation.raised_at < e)
        late = (*open_items, col(Escalation.next_action_at) < e)
        out.overdue_total, out.overdue = _items(session, late, limit)
        out.handover_total, out.handover = _items(session, open_items, limit)
        return out


def _site(session: Session, actor: Actor, code: str | None) -> Site:
    if not code:
        found = session.get(Site, actor.site_id)
    else:
        found = session.exec(select(Site).where(Site.code == code.strip().upper())).first()
        if found is None:
            raise NotFound(f"site: no site with code {code!r} (tpsdesk site list)")
        if found.centre_id != actor.centre_id:
            raise PermissionDenied(
                f"refused: site {found.code} belongs to another Centre; summarise your own Centre's sites"
            )
    assert found is not None
    return found


def _contacts(session: Session, out: ShiftSummary, site_id: int, start: datetime, end: datetime) -> None:
    """Contacts by TPS officer, reason and outcome (X1); a contact with two outcomes counts under each."""
    tps = func.coalesce(Contact.tps_id, Contact.recorded_by_id)
    stmt = (
        select(tps, Contact.reason, Contact.outcomes, func.count(col(Contact.id)))
        .where(Contact.site_id == site_id, Contact.opened_at >= start, Contact.opened_at < end)
        .group_by(tps, Contact.reason, Contact.outcomes)
    )
    rows = session.exec(stmt).all()
    names = {s.id: s for s in session.exec(select(Staff).where(col(Staff.id).in_({r[0] for r in rows}))).all()}
    lines: Counter[tuple[int, str, str]] = Counter()
    for staff_id, reason, outcomes, n in rows:
        out.contacts_total += int(n)
        out.by_reason[reason] = out.by_reason.get(reason, 0) + int(n)
        for outcome in _outcomes(outcomes):
            lines[(staff_id, reason, outcome)] += int(n)
            out.by_outcome[outcome] = out.by_outcome.get(outcome, 0) + int(n)
    for (staff_id, reason, outcome), n in lines.items():
        who = names.get(staff_id)
        out.contacts.append(ContactLine(who.logon if who else None, who.name if who else "?", reason, outcome, n))
    out.contacts.sort(key=lambda c: (c.tps or "", c.reason, c.outcome))


def bucket_edges(cal: SiteCalendar, start: datetime, end: datetime) -> tuple[str, list[datetime]]:
    """The starts (UTC) of the local hours, or local days for a long window, that meet
    ``start``..``end``: the first is the local hour (day) holding ``start``. Each edge is a
    local wall-clock boundary, so a DST change gives a 23- or 25-hour day, never a shifted hour."""
    if end - start <= HOURLY_MAX:
        first = cal.local(start).replace(minute=0, second=0, microsecond=0).astimezone(UTC)
        hours = []
        t = first
        while t < end:
            hours.append(t)
            t += timedelta(hours=1)  # UTC arithmetic: whole elapsed hours
        return "hour", hours
    days = []
    d = cal.local(start).date()
    while (edge := cal.at(d, time(0)).astimezone(UTC)) < end:
        days.append(edge)
        d += timedelta(days=1)
    return "day", days


def _over_time(
    session: Session, cal: SiteCalendar, site_id: int, start: datetime, end: datetime
) -> tuple[str, list[tuple[datetime, int]]]:
    """Contacts per bucket of the window (T1): one GROUP BY over a CASE of the bucket edges."""
    kind, edges = bucket_edges(cal, start, end)
    if not edges:
        return kind, []
    bounds = [*edges[1:], end]
    bucket = case(*[(col(Contact.opened_at) < b, i) for i, b in enumerate(bounds)], else_=len(edges) - 1)
    stmt = (
        select(bucket, func.count())
        .select_from(Contact)
        .where(Contact.site_id == site_id, Contact.opened_at >= start, Contact.opened_at < end)
        .group_by(bucket)
    )
    counts = {int(b): int(n) for b, n in session.exec(stmt).all()}
    return kind, [(e, counts.get(i, 0)) for i, e in enumerate(edges)]


def _get_site(session: Session, site_id: int) -> Site:
    found = session.get(Site, site_id)
    assert found is not None
    return found


def _outcomes(raw: str) -> list[str]:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return [raw]
    return [str(v) for v in value] if isinstance(value, list) and value else [OPEN_CONTACT]


def _categories(session: Session, desk: Desk, site_id: int, start: datetime, end: datetime) -> list[CategoryLine]:
    """Escalations raised, finalised and referred in the window, by category (X1): one grouped
    count per figure, each a range of the site's (time, category) index."""
    counts: dict[str, list[int]] = {}
    for i, column in enumerate((Escalation.raised_at, Escalation.finalised_at, Escalation.referred_at)):
        stmt = (
            select(col(Escalation.category), func.count())
            .select_from(Escalation)
            .where(Escalation.site_id == site_id, col(column) >= start, col(column) < end)
            .group_by(col(Escalation.category))
        )
        for category, n in session.exec(stmt).all():
            counts.setdefault(category, [0, 0, 0])[i] = int(n)
    out = []
    for key, cat in desk.policy.categories.items():
        if key in counts:
            out.append(CategoryLine(key, f"{cat.short} ({cat.rule})", *counts[key]))
    return out


def _stop_payments(
    session: Session, desk: Desk, cal: SiteCalendar, site_id: int, start: datetime, end: datetime
) -> list[StopPaymentLine]:
    """Each stop-payment DOC of the window, and whether ICT was asked before COB (S3, E1)."""
    doc = (
        col(StopPaymentDoc.id),
        col(StopPaymentDoc.escalation_id),
        col(StopPaymentDoc.crn),
        col(StopPaymentDoc.created_at),
        col(StopPaymentDoc.ict_requested_at),
    )
    stmt = (
        sa_select(*doc, Escalation)
        .outerjoin(Escalation, col(Escalation.id) == StopPaymentDoc.escalation_id)
        .where(
            col(StopPaymentDoc.site_id) == site_id,
            col(StopPaymentDoc.created_at) >= start,
            col(StopPaymentDoc.created_at) < end,
        )
        .order_by(col(StopPaymentDoc.created_at), col(StopPaymentDoc.id))
    )
    now = desk.now()
    arrears = next((c for c in desk.policy.categories.values() if c.urgent), None)
    rows = session.execute(stmt).all()
    raised = [row[-1] for row in rows if row[-1] is not None]
    plans = {
        item.id: schedule.plan(desk.policy, calendar_of(desk, session, esc), item).result  # the raising site's (C9)
        for esc, item in zip(raised, items_of(session, raised), strict=True)
    }
    out = []
    for doc_id, escalation_id, crn, created_at, asked, esc in rows:
        if esc is not None and esc.id is not None:
            result = plans[esc.id]
        elif arrears is not None:
            result = compute(arrears, created_at, cal)
        else:
            continue
        cob = min((d.at for d in result.deadlines), default=None)
        if cob is None:
            continue
        if asked is not None:
            state = "before-cob" if asked <= cob else "after-cob"
        else:
            state = "not-sent" if now >= cob else "pending"
        out.append(StopPaymentLine(doc_id or 0, escalation_id, crn, created_at, cob, asked, state))
    return out


def _items(session: Session, conditions: tuple[Any, ...], limit: int) -> tuple[int, list[ItemLine]]:
    """How many rows meet ``conditions``, and the first ``limit`` by next action (those with
    none last; ties the first raised first): two walks of the site's (closed, next_action_at,
    raised_at) index in its own order."""
    total = int(session.exec(select(func.count()).select_from(Escalation).where(*conditions)).one())
    columns = [
        col(c)
        for c in (
            Escalation.id,
            Escalation.category,
            Escalation.status,
            Escalation.crn,
            Staff.logon,
            Escalation.next_action_at,
            Escalation.due_at,
            Escalation.summary,
        )
    ]
    base = sa_select(*columns).outerjoin(Staff, col(Staff.id) == Escalation.owner_id).where(*conditions)
    timed = base.where(col(Escalation.next_action_at).is_not(None))
    order = (col(Escalation.next_action_at), col(Escalation.raised_at), col(Escalation.id))
    rows = list(session.execute(timed.order_by(*order).limit(max(0, limit))).all())
    if len(rows) < limit:
        untimed = base.where(col(Escalation.next_action_at).is_(None)).order_by(*order[1:])
        rows += session.execute(untimed.limit(limit - len(rows))).all()
    return total, [ItemLine(*row) for row in rows]


# ---------------------------------------------------------------- X2
@typed_input(raw=("out",))
@transaction
def record_full_export(desk: Desk, logon: str, summary: ShiftSummary, fmt: str, *, out: str | None = None) -> None:
    """An export with full customer identifiers is recorded in the history: who, when, which window (X2)."""
    with desk.store.write() as session:
        actor = actor_for(session, logon)
        reason = refusal(desk, actor)
        if reason is not None:
            raise PermissionDenied(reason)
        record_event(
            session,
            desk.now(),
            actor.id,
            EXPORT_EVENT,
            site=summary.site,
            start=summary.start.isoformat(),
            end=summary.end.isoformat(),
            format=fmt,
            out=out or "stdout",
            crns=len(
                {i.crn for i in (*summary.overdue, *summary.handover) if i.crn} | {s.crn for s in summary.stop_payments}
            ),
        )
