"""Due times and follow-ups of an escalation, each with its working (C4 to C9, E1 to E12).

The numbers come from policy data (``Category``); this module only knows the
four kinds of deadline and the follow-up schedules. ``explain=False`` skips
all text so that bulk recomputation stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tpsdesk.businesstime import SiteCalendar, fmt_day, resolve_local
from tpsdesk.policy import Category, Deadline


@dataclass(slots=True)
class DeadlineAt:
    rule: str
    kind: str
    id: str
    label: str
    at: datetime
    met: bool = False


@dataclass(slots=True)
class DueResult:
    category: str
    due: datetime | None
    after_hours: bool
    deadlines: list[DeadlineAt]
    follow_ups: list[datetime]
    follow_up_rule: str | None
    explain: list[str] = field(default_factory=list)

    @property
    def next_action_at(self) -> datetime | None:
        """Earliest of the unmet due time and the next follow-up (E12)."""
        first = self.follow_ups[0] if self.follow_ups else None
        if self.due is None:
            return first
        if first is None:
            return self.due
        return min(self.due, first)


def add_calendar_days(cal: SiteCalendar, instant: datetime, days: int) -> datetime:
    """Same local clock time ``days`` local days on (C5); never moved (C9)."""
    local = instant.astimezone(cal.tz)
    naive = local.replace(tzinfo=None) + timedelta(days=days)
    return resolve_local(naive, cal.tz)


def cob_deadline(cal: SiteCalendar, instant: datetime, ex: list[str] | None) -> tuple[datetime, bool]:
    """Before COB (C6): same day if a business day before COB, else next business day."""
    local = instant.astimezone(cal.tz)
    day = local.date()
    if cal.is_business_day(day) and local.time() < cal.cob_time:
        if ex is not None:
            ex.append(f"{local:%H:%M} is before COB {cal.cob_time:%H:%M} on a business day: due the same day (C6)")
        return cal.cob_on(day), False
    if ex is not None:
        if cal.is_business_day(day):
            ex.append(
                f"{local:%H:%M} is at or after COB {cal.cob_time:%H:%M}: next business day, flagged after hours (C6)"
            )
        else:
            ex.append(f"{cal.why_not_business(day)}: next business day, flagged after hours (C6)")
    nxt = cal.next_business_day(day + timedelta(days=1), ex)
    return cal.cob_on(nxt), True


def date_deadline(cal: SiteCalendar, d: date, ex: list[str] | None) -> datetime:
    """A date without a time is due at its COB, moved to a business day (C7)."""
    nxt = cal.next_business_day(d, ex)
    return cal.cob_on(nxt)


def _deadline(cal: SiteCalendar, dl: Deadline, anchor: datetime, ex: list[str] | None) -> tuple[datetime, bool]:
    if dl.kind == "cob":
        return cob_deadline(cal, anchor, ex)
    if dl.kind == "elapsed":
        at = anchor + timedelta(hours=dl.hours)
        if ex is not None:
            ex.append(f"within {dl.hours} hours is elapsed time: {dl.hours} real hours on (C4)")
        return at, False
    if dl.kind == "calendar":
        if ex is not None:
            ex.append(f"within {dl.days} days: {dl.days} local calendar days at the same clock time (C5)")
        return add_calendar_days(cal, anchor, dl.days), False
    # "date": day one is the local date of the anchor (C9)
    first = anchor.astimezone(cal.tz).date()
    target = first + timedelta(days=dl.day - 1)
    if ex is not None:
        ex.append(f"day one is {fmt_day(first)}; day {dl.day} is {fmt_day(target)}, due at COB (C7)")
    return date_deadline(cal, target, ex), False


def follow_up_schedule(
    cal: SiteCalendar,
    base: datetime,
    days: int,
    count: int,
    eped_due: datetime | None = None,
) -> list[datetime]:
    """The next ``count`` follow-ups every ``days`` from ``base``; an EPED joins (E10)."""
    out = [add_calendar_days(cal, base, days * k) for k in range(1, count + 1)]
    if eped_due is not None and eped_due > base:
        out.append(eped_due)
        out = sorted(set(out))[:count]
    return out


def compute(
    category: Category,
    raised_at: datetime,
    cal: SiteCalendar,
    *,
    referred_at: datetime | None = None,
    eped: date | None = None,
    actioned_at: datetime | None = None,
    last_follow_up_at: datetime | None = None,
    finalised: bool = False,
    open_follow_ups: bool | None = None,
    count: int = 4,
    explain: bool = False,
) -> DueResult:
    """Every deadline of ``category`` for an item raised at ``raised_at``.

    A referral counts as the first action (E12). ``open_follow_ups`` says
    whether the item is in a state where follow-ups run; by default they run
    when the schedule's anchor is known.
    """
    ex: list[str] | None = [] if explain else None
    if ex is not None:
        ex.append(
            f"raised {cal.fmt(raised_at)} at {cal.code} ({cal.state}, {cal.zone_name}); "
            f"{category.label} ({category.rule})"
        )
    acted = actioned_at is not None or referred_at is not None or finalised
    deadlines: list[DeadlineAt] = []
    after_hours = False
    due: datetime | None = None
    for dl in category.deadlines:
        anchor = raised_at if dl.anchor == "raised" else referred_at
        if anchor is None:
            continue
        at, late_flag = _deadline(cal, dl, anchor, ex)
        after_hours = after_hours or late_flag
        met = finalised or (dl.met_by == "action" and acted)
        deadlines.append(DeadlineAt(dl.rule, dl.kind, dl.id, dl.label, at, met))
        if ex is not None:
            state = "met" if met else "due"
            ex.append(f"{dl.label or dl.id} ({dl.rule}): {state} {cal.fmt(at)}")
        if not met and (due is None or at < due):
            due = at

    fu = category.followup
    follow_ups: list[datetime] = []
    rule: str | None = None
    if fu.kind != "none" and not finalised:
        anchor = raised_at if fu.anchor == "raised" else referred_at
        runs = anchor is not None if open_follow_ups is None else open_follow_ups and anchor is not None
        if runs and anchor is not None:
            rule = fu.rule
            base = last_follow_up_at if last_follow_up_at and last_follow_up_at > anchor else anchor
            eped_due = date_deadline(cal, eped, None) if (fu.eped and eped) else None
            follow_ups = follow_up_schedule(cal, base, fu.days, count, eped_due)
            if ex is not None:
                word = "review" if fu.kind == "review" else "follow-up"
                ex.append(f"{word} every {fu.days} days from {cal.fmt(base)}, same local clock time (C5, {fu.rule})")
                if eped_due is not None:
                    ex.append(
                        f"EPED {fmt_day(eped)}: follow up by {cal.fmt(eped_due)}, whichever comes first ({fu.rule}, C7)"
                    )
                if follow_ups:
                    ex.append(f"next {word}: {cal.fmt(follow_ups[0])}")
    if ex is not None:
        if due is not None:
            ex.append(f"due {cal.fmt(due)}" + (" (after hours: act at once)" if after_hours else ""))
        elif not deadlines or all(d.met for d in deadlines):
            ex.append("no unmet deadline" + ("" if follow_ups else " and no follow-up scheduled"))
    return DueResult(category.key, due, after_hours, deadlines, follow_ups, rule, ex or [])
