"""The follow-up calendar: what falls due on each local day (E3, E4, E9, E10, E12, C1, C9).

Days are the viewer's: the local dates of the actor's site. An open item
appears on the day of its deadline (``due_at``) and of its next follow-up or
review (``next_follow_up_at``) when they differ, and on its EPED (E10). The
month is read with one range scan on the indexed ``next_action_at`` (E12)
plus one on the EPED categories, never a walk over every row.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import BindParameter, and_, bindparam, case, func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from tpsdesk.businesstime import SiteCalendar
from tpsdesk.deadlines import COB_KINDS, date_deadline
from tpsdesk.domain.facts import Actor
from tpsdesk.domain.queue import Filters
from tpsdesk.domain.schedule import RANK_URGENT
from tpsdesk.domain.vocab import NextAction
from tpsdesk.errors import NotFound, ValidationError
from tpsdesk.models import Escalation, Event, Site, Staff
from tpsdesk.policy import Policy
from tpsdesk.services.actors import actor_for
from tpsdesk.services.boundary import typed_input
from tpsdesk.services.desk import Desk
from tpsdesk.services.escalations import Owner, _visible, narrowed

# Urgency of one due entry, most pressing first. S3 puts stop-payment at the top
# of every calendar; the day's count takes the first bucket that applies.
URGENCIES = ("overdue", "urgent", "today", "normal")
# E13, D4: how a progress check reads in the agenda.
PROGRESS_KINDS: dict[str, tuple[str, str, str]] = {
    NextAction.PROGRESS_CHECK: ("progress check", "E13", "progress check: no deadline or follow-up of its own"),
    NextAction.RECORD_UPDATE: ("record update", "D4", "update the customer's record (D4)"),
}


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """One thing due on one day for one escalation."""

    escalation_id: int
    category: str
    category_label: str
    crn: str
    what: str  # deadline | follow-up | review | EPED | EPED follow-up | progress check | record update
    rule: str  # E1, E3, E4, E9, E10 ...
    label: str
    at: datetime  # the instant (UTC)
    local: datetime  # the instant in the viewer's zone
    day: date  # the calendar day it is shown on
    overdue: bool
    urgent: bool
    owner: str | None
    site: str
    status: str
    summary: str
    eped: date | None = None
    cob: bool = False  # a deadline due at close of business (C6, C7): the feed alarms before it
    site_zone: str = ""  # the raising site's zone (C9: its deadlines are in that site's calendar)

    @property
    def counts(self) -> bool:
        """An EPED marker only marks the day; everything else is a due entry."""
        return self.what != "EPED"

    def urgency(self, today: date) -> str:
        if self.overdue:
            return "overdue"
        if self.urgent:
            return "urgent"
        if self.day == today:
            return "today"
        return "normal"


@dataclass(slots=True)
class DayCounts:
    """How many due entries fall on a day, split by urgency, and its EPEDs."""

    overdue: int = 0
    urgent: int = 0
    today: int = 0
    normal: int = 0
    eped: int = 0

    @property
    def total(self) -> int:
        return self.overdue + self.urgent + self.today + self.normal

    def add(self, item: AgendaItem, today: date) -> None:
        if item.what.startswith("EPED") and item.day == item.eped:
            self.eped += 1
        if item.counts:
            bucket = item.urgency(today)
            setattr(self, bucket, getattr(self, bucket) + 1)


@dataclass(slots=True)
class MonthData:
    """Everything the month grid shows, in the viewer's local time."""

    year: int
    month: int
    zone: str
    site: str
    state: str
    now: datetime
    today: date
    days: dict[date, DayCounts] = field(default_factory=dict)
    items: dict[date, list[AgendaItem]] = field(default_factory=dict)
    holidays: dict[date, str] = field(default_factory=dict)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return _next_month(self.first) - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Revision:
    """How often an escalation has changed and when it last did, from its history (D3).

    Events are append-only, so ``changes`` only grows: a calendar feed uses it as the
    events' SEQUENCE and ``last_changed`` as their LAST-MODIFIED."""

    changes: int
    last_changed: datetime


@dataclass(slots=True)
class DueWindow:
    """The due entries of open, visible escalations on the viewer's local days ``first`` to
    ``last`` (the calendar's own reads, narrowed by the queue's filters), with their revisions."""

    first: date
    last: date
    zone: str
    site: str
    now: datetime
    items: list[AgendaItem]
    revisions: dict[int, Revision]


# A feed covers at most this many days: a year and a day, so any month or quarter fits.
MAX_WINDOW_DAYS = 366
_REVISION_CHUNK = 500  # ids per IN list: well under SQLite's and PostgreSQL's parameter limits


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _viewer(session: Session, desk: Desk, actor: Actor) -> tuple[Site, SiteCalendar]:
    site = session.get(Site, actor.site_id)
    assert site is not None
    return site, desk.calendar(site)


def _rows(
    session: Session,
    desk: Desk,
    actor: Actor,
    start: datetime,
    end: datetime,
    first: date,
    last: date,
    narrow: Filters | None = None,
    limit: int | None = None,
) -> list[Any]:
    """Open, visible items with a deadline, follow-up or EPED in the window; with ``limit``,
    only the rows that can hold the window's first ``limit`` entries (``_first_rows``)."""
    # sqlmodel's ``select`` is typed for at most four entities; for more it builds this
    # same ``Select``, so build it directly, naming the row's types as select() would
    # (the owner's logon is None on an unclaimed item: outer join).
    base = (
        Select[
            int | None,
            str,
            str,
            str,
            str,
            int,
            datetime | None,
            datetime | None,
            datetime | None,
            date | None,
            int,
            str,
            str | None,
            str,
        ](
            col(Escalation.id),
            col(Escalation.category),
            col(Escalation.crn),
            col(Escalation.summary),
            col(Escalation.status),
            col(Escalation.site_id),
            col(Escalation.due_at),
            col(Escalation.next_follow_up_at),
            col(Escalation.next_action_at),
            col(Escalation.eped),
            col(Escalation.rank),
            col(Escalation.next_action_kind),
            col(Owner.logon),
            col(Site.code),
        )
        .join(Site, col(Site.id) == Escalation.site_id)
        .outerjoin(Owner, col(Owner.id) == Escalation.owner_id)
    )
    base = _visible(base, desk, actor).where(Escalation.closed == False)  # noqa: E712
    if narrow is not None:  # mine / owner / site: the queue's own filters, inside what R1 allows
        base = narrowed(base, actor, narrow)
    if limit is not None:
        return _first_rows(session, desk, base, start, end, first, last, limit)

    def within(column: Any) -> Any:
        return and_(column >= start, column < end)

    # next_action_at is the earlier of due and follow-up (E12), so anything due in
    # the window has next_action_at < end: one range scan on ix_escalation_open_next.
    by_action = base.where(
        col(Escalation.next_action_at) < end,
        or_(
            col(Escalation.next_action_at) >= start,
            within(Escalation.due_at),
            within(Escalation.next_follow_up_at),
        ),
    )
    rows = {r[0]: r for r in session.exec(by_action).all()}
    eped_cats = [k for k, c in desk.policy.categories.items() if c.followup.eped]
    if eped_cats:
        by_eped = base.where(col(Escalation.category).in_(eped_cats), col(Escalation.eped).between(first, last))
        for r in session.exec(by_eped).all():
            rows.setdefault(r[0], r)
    return list(rows.values())


def _entry_columns() -> list[tuple[Any, list[Any]]]:
    """Each kind of dated entry as (its column, what makes a row have one): the deadline; a
    follow-up or review that is not the deadline itself; a progress check (E13) that is
    neither. The day counts and the day's first entries ask the same conditions."""
    due, nfu, nxt = col(Escalation.due_at), col(Escalation.next_follow_up_at), col(Escalation.next_action_at)
    return [
        (due, []),
        (nfu, [or_(due == None, nfu != due)]),  # noqa: E711
        (nxt, [col(Escalation.next_action_kind).in_(list(PROGRESS_KINDS)), or_(due == None, nxt != due),  # noqa: E711
               or_(nfu == None, nxt != nfu)]),  # noqa: E711
    ]  # fmt: skip


def _first_rows(
    session: Session, desk: Desk, base: Any, start: datetime, end: datetime, first: date, last: date, limit: int
) -> list[Any]:
    """The rows holding the first ``limit`` entries of the window in agenda order (``sort_key``:
    stop-payment, then overdue, then by time). For each kind of entry, each of its four groups
    (urgent or not, before or after now) is read in its column's index order up to ``limit``
    rows; every entry of the overall first ``limit`` is among those of its own group."""
    now = desk.now()
    rows: dict[int, Any] = {}
    for column, where in _entry_columns():
        for lo, hi in ((start, min(now, end)), (max(start, now), end)):
            if lo >= hi:
                continue
            for urgent in (col(Escalation.rank) == RANK_URGENT, col(Escalation.rank) != RANK_URGENT):
                stmt = base.where(column >= lo, column < hi, urgent, *where)
                stmt = stmt.order_by(column, col(Escalation.id)).limit(limit)
                for r in session.exec(stmt).all():
                    rows.setdefault(r[0], r)
    eped_cats = [k for k, c in desk.policy.categories.items() if c.followup.eped]
    if eped_cats:  # E10: an EPED marks its own date; a day holds few of them
        by_eped = base.where(col(Escalation.category).in_(eped_cats), col(Escalation.eped).between(first, last))
        for r in session.exec(by_eped).all():
            rows.setdefault(r[0], r)
    return list(rows.values())


def _items_of(
    row: Any, policy: Policy, viewer: SiteCalendar, cals: dict[int, SiteCalendar], now: datetime
) -> list[AgendaItem]:
    """The entries of one escalation: deadline, follow-up/review, EPED (E1..E10)."""
    esc_id, category, crn, summary, status, site_id, due_at, nfu, next_at, eped, rank, kind, owner, site_code = row
    cat = policy.categories[category]
    tz = viewer.tz
    common = dict(
        escalation_id=esc_id, category=category, category_label=cat.short, crn=crn, owner=owner,
        site=site_code, status=status, summary=summary, urgent=rank == RANK_URGENT, eped=eped,
        site_zone=cals[site_id].zone_name,
    )  # fmt: skip
    out: list[AgendaItem] = []
    if due_at is not None:
        dl = cat.deadlines[0] if len(cat.deadlines) == 1 else None
        rule = dl.rule if dl else cat.rule
        label = dl.label if dl and dl.label else "deadline"
        local = due_at.astimezone(tz)
        out.append(
            AgendaItem(
                what="deadline",
                cob=bool(cat.deadlines) and all(d.kind in COB_KINDS for d in cat.deadlines),
                rule=rule,
                label=label,
                at=due_at,
                local=local,
                day=local.date(),
                overdue=due_at < now,
                **common,
            )
        )
    eped_due = date_deadline(cals[site_id], eped, None) if (eped and cat.followup.eped) else None
    if nfu is not None and nfu != due_at:
        fu = cat.followup
        what = "review" if fu.kind == "review" else "follow-up"
        rule = fu.rule
        label = f"{what} every {fu.days} days"
        if eped_due is not None and nfu == eped_due:
            what, rule, label = "EPED follow-up", "E10", f"follow up by the customer's EPED {eped:%d %b %Y}"
        local = nfu.astimezone(tz)
        out.append(
            AgendaItem(
                what=what, rule=rule, label=label, at=nfu, local=local, day=local.date(), overdue=nfu < now, **common
            )
        )
    if next_at is not None and next_at not in (due_at, nfu) and kind in PROGRESS_KINDS:
        # E13: an item with no deadline or follow-up of its own has its progress check
        # (D4's record update in comp-recovery) on its day, like any other due entry.
        what, rule, label = PROGRESS_KINDS[kind]
        local = next_at.astimezone(tz)
        out.append(
            AgendaItem(
                what=what,
                rule=rule,
                label=label,
                at=next_at,
                local=local,
                day=local.date(),
                overdue=next_at < now,
                **common,
            )
        )
    if eped is not None and cat.followup.eped and not any(i.day == eped and i.what.startswith("EPED") for i in out):
        # The EPED itself marks its own date, even on a weekend (E10); its follow-up is due at COB (C7).
        at = eped_due or cals[site_id].cob_on(eped)
        label = f"customer's EPED (follow up by {at.astimezone(tz):%a %d %b %H:%M})"
        out.append(
            AgendaItem(
                what="EPED", rule="E10", label=label, at=at, local=at.astimezone(tz), day=eped, overdue=False, **common
            )
        )
    return out


def sort_key(item: AgendaItem) -> tuple[int, int, datetime, int]:
    """Stop-payment first (S3), then overdue, then by time."""
    return (0 if item.urgent else 1, 0 if item.overdue else 1, item.at, item.escalation_id)


def _collect(
    desk: Desk,
    logon: str,
    first: date,
    last: date,
    narrow: Filters | None = None,
    revisions: dict[int, Revision] | None = None,
    limit: int | None = None,
) -> MonthData:
    if last < first:
        raise ValidationError("day", "the last day is before the first")
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        if narrow is not None:
            _check_narrow(session, narrow)
        site, viewer = _viewer(session, desk, actor)
        now = desk.now()
        start = viewer.at(first, time(0))
        end = viewer.at(last + timedelta(days=1), time(0))
        rows = _rows(session, desk, actor, start, end, first, last, narrow, limit)
        cals: dict[int, SiteCalendar] = {}
        for site_id in {r[5] for r in rows}:
            s = session.get(Site, site_id)
            assert s is not None
            cals[site_id] = desk.calendar(s)
        if revisions is not None:  # in the same read as the rows, so a revision matches what was read
            revisions.update(_revisions(session, [r[0] for r in rows]))
    data = MonthData(first.year, first.month, viewer.zone_name, site.code, viewer.state, now, viewer.local(now).date())
    by_day: dict[date, list[AgendaItem]] = defaultdict(list)
    for row in rows:
        for item in _items_of(row, desk.policy, viewer, cals, now):
            if first <= item.day <= last:
                by_day[item.day].append(item)
    for day, items in sorted(by_day.items()):
        items.sort(key=sort_key)
        data.items[day] = items if limit is None else items[:limit]
        counts = DayCounts()
        for item in items:
            counts.add(item, data.today)
        data.days[day] = counts
    data.holidays = _holidays(viewer, first, last)
    return data


def _revisions(session: Session, ids: list[int]) -> dict[int, Revision]:
    """Each escalation's count of history events and the last one's time: one grouped read per
    chunk of ids, each id a range of ``ix_event_escalation_id``."""
    out: dict[int, Revision] = {}
    for i in range(0, len(ids), _REVISION_CHUNK):
        chunk = ids[i : i + _REVISION_CHUNK]
        stmt = (
            select(col(Event.escalation_id), func.count(), func.max(col(Event.at)))
            .where(col(Event.escalation_id).in_(chunk))
            .group_by(col(Event.escalation_id))
        )
        for esc_id, n, last in session.exec(stmt).all():
            if esc_id is not None and last is not None:
                out[int(esc_id)] = Revision(int(n), last)
    return out


def _check_narrow(session: Session, f: Filters) -> None:
    """The filters name a real owner and site, and do not contradict each other (one message each)."""
    if f.mine and f.owner:
        raise ValidationError("--owner", "give --mine or --owner, not both")
    if f.owner and f.owner != "none" and session.exec(select(Staff.id).where(Staff.logon == f.owner)).first() is None:
        raise NotFound(f"--owner: no staff member with logon {f.owner!r} (tpsdesk staff list)")
    if f.site and session.exec(select(Site.id).where(Site.code == f.site)).first() is None:
        raise NotFound(f"--site: no site with code {f.site!r} (tpsdesk site list)")


@typed_input()
def window(desk: Desk, logon: str, first: date, last: date, filters: Filters | None = None) -> DueWindow:
    """What falls due on the viewer's local days ``first`` to ``last`` (C9), for a calendar feed:
    the same rows and entries as ``day_agenda`` (who sees what is ``_visible``, R1, R4, W5),
    narrowed by ``filters``' mine / owner / site, with each escalation's revision (D3).

    EPED markers (E10) only mark a day and are left out; the EPED follow-up is an entry."""
    if last < first:
        raise ValidationError("--to", f"{last:%Y-%m-%d} is before --from {first:%Y-%m-%d}")
    if (last - first).days + 1 > MAX_WINDOW_DAYS:
        raise ValidationError("--to", f"a feed covers at most {MAX_WINDOW_DAYS} days; choose a shorter window")
    narrow = Filters(mine=filters.mine, owner=filters.owner, site=filters.site) if filters else None
    if narrow is not None and narrow.site:
        narrow.site = narrow.site.strip().upper()
    revisions: dict[int, Revision] = {}
    data = _collect(desk, logon, first, last, narrow, revisions)
    items = sorted(
        (i for day in data.items.values() for i in day if i.counts), key=lambda i: (i.at, i.escalation_id, i.what)
    )
    return DueWindow(first, last, data.zone, data.site, data.now, items, revisions)


# ---------------------------------------------------------------- counts in SQL
def _counted(
    session: Session, desk: Desk, actor: Actor, column: Any, where: list[Any], midnights: list[datetime], now: datetime
) -> list[tuple[int, bool, bool, int]]:
    """(day index, overdue, urgent, how many) of the open, visible items whose ``column`` falls
    in the month. Each local day is its own range of an index, bounded by the UTC instants of
    the viewer's midnights (so daylight saving changes nothing): one statement, compiled once
    and run per day, several times faster than one pass that works out each row's day with a
    CASE of every midnight."""
    lo: BindParameter[datetime] = bindparam("day_start")
    hi: BindParameter[datetime] = bindparam("day_end")
    overdue = func.sum(case((column < now, 1), else_=0))
    urgent = func.sum(case((and_(column >= now, col(Escalation.rank) == RANK_URGENT), 1), else_=0))
    stmt = select(func.count(), overdue, urgent).select_from(Escalation)
    stmt = _visible(stmt, desk, actor).where(
        Escalation.closed == False,  # noqa: E712
        column >= lo,
        column < hi,
        *where,
    )
    out: list[tuple[int, bool, bool, int]] = []
    for day, (start, end) in enumerate(itertools.pairwise(midnights)):
        n, late, first = session.exec(stmt, params={"day_start": start, "day_end": end}).one()
        n, late, first = int(n), int(late or 0), int(first or 0)
        out += [(day, True, False, late), (day, False, True, first), (day, False, False, n - late - first)]
    return [entry for entry in out if entry[3]]


def _grid_counts(
    session: Session, desk: Desk, actor: Actor, viewer: SiteCalendar, first: date, last: date, now: datetime
) -> dict[date, DayCounts]:
    """The day counts ``_collect`` builds from agenda items, computed by the database: one
    grouped count per kind of entry (deadline, follow-up or review, progress check, EPED),
    each a range of an index, so a month costs the same at a million items as at a thousand."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    midnights = [viewer.at(d, time(0)) for d in [*days, last + timedelta(days=1)]]
    today = viewer.local(now).date()
    entries = [
        entry
        for column, where in _entry_columns()
        for entry in _counted(session, desk, actor, column, where, midnights, now)
    ]
    out: dict[date, DayCounts] = {}
    for index, overdue, urgent, n in entries:
        day = days[index]
        counts = out.setdefault(day, DayCounts())
        bucket = "overdue" if overdue else "urgent" if urgent else "today" if day == today else "normal"
        setattr(counts, bucket, getattr(counts, bucket) + n)
    eped_cats = [k for k, c in desk.policy.categories.items() if c.followup.eped]
    if eped_cats:  # E10: the customer's EPED marks its own date
        stmt = select(col(Escalation.eped), func.count()).select_from(Escalation)
        stmt = _visible(stmt, desk, actor).where(
            Escalation.closed == False,  # noqa: E712
            col(Escalation.category).in_(eped_cats),
            col(Escalation.eped).between(first, last),
        )
        for eped, n in session.exec(stmt.group_by(col(Escalation.eped))).all():
            if eped is not None:
                out.setdefault(eped, DayCounts()).eped += int(n)
    return out


def _holidays(viewer: SiteCalendar, first: date, last: date) -> dict[date, str]:
    out = {}
    d = first
    while d <= last:
        name = viewer.holiday_name(d)
        if name:
            out[d] = name
        d += timedelta(days=1)
    return out


@typed_input()
def month_grid(desk: Desk, logon: str, year: int, month_no: int) -> MonthData:
    """The month grid: counts per local day and public holidays, counted by the database
    (C9: the viewer's days). ``items`` is empty: a day's entries come from ``day_agenda``."""
    if not 1 <= month_no <= 12:
        raise ValidationError("month", f"month {month_no} is not 1 to 12")
    first = date(year, month_no, 1)
    last = _next_month(first) - timedelta(days=1)
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        site, viewer = _viewer(session, desk, actor)
        now = desk.now()
        days = _grid_counts(session, desk, actor, viewer, first, last, now)
    data = MonthData(year, month_no, viewer.zone_name, site.code, viewer.state, now, viewer.local(now).date())
    data.days = dict(sorted(days.items()))
    data.holidays = _holidays(viewer, first, last)
    return data


@typed_input()
def month(desk: Desk, logon: str, year: int, month_no: int) -> MonthData:
    """The month with every agenda item built (the day lists and the counts they make);
    the screen uses ``month_grid`` and ``day_agenda``, which stay flat as the floor grows."""
    if not 1 <= month_no <= 12:
        raise ValidationError("month", f"month {month_no} is not 1 to 12")
    first = date(year, month_no, 1)
    return _collect(desk, logon, first, _next_month(first) - timedelta(days=1))


@typed_input()
def month_counts(desk: Desk, logon: str, year: int, month_no: int) -> dict[date, DayCounts]:
    """Counts of due entries per local day of the month (days with nothing are absent)."""
    return month_grid(desk, logon, year, month_no).days


@typed_input()
def day_agenda(desk: Desk, logon: str, day: date, *, limit: int | None = None) -> list[AgendaItem]:
    """What is due on one local day, stop-payment and overdue first (S3); with ``limit``, only
    the first ``limit`` entries, read without building the rest (a busy day at a million items
    holds tens of thousands). The day's counts (``month_grid``) say how many there are."""
    if limit is not None and limit < 1:
        raise ValidationError("limit", "give at least 1 entry")
    return _collect(desk, logon, day, day, limit=limit).items.get(day, [])


@typed_input()
def today(desk: Desk, logon: str) -> date:
    """The viewer's local date now (for the calendar's `t`)."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        _site, viewer = _viewer(session, desk, actor)
    return viewer.local(desk.now()).date()


@typed_input()
def viewer_site(desk: Desk, logon: str) -> str:
    """The code of the viewer's site (a feed's file is named after it)."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        site, _viewer_cal = _viewer(session, desk, actor)
        return site.code
