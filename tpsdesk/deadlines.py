"""Due times and follow-ups of an escalation, each with its working (C4 to C9, E1 to E12).

The numbers come from policy data (``Category``); this module only knows the
four kinds of deadline and the follow-up schedules. ``explain=False`` skips
all text so that bulk recomputation stays cheap.

Every instant returned is aware UTC (C1); show it with ``cal.fmt`` or
``.astimezone(cal.tz)`` for the site's offset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tpsdesk.businesstime import ONE_DAY, SiteCalendar, as_utc, fmt_day, plain_offset, resolve_local
from tpsdesk.policy import Category, Deadline

# The deadline kinds that fall due at close of business: "before COB" (C6) and a rule that
# names a date without a time (C7). The follow-up calendar's feed alarms before these.
COB_KINDS = frozenset({"cob", "date"})


@dataclass(slots=True)
class DeadlineAt:
    rule: str
    kind: str
    id: str
    label: str
    at: datetime
    met: bool = False
    met_at: datetime | None = None  # when it was met (E1: the ICT request; E3: the first action)


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
    return cal.add_days(instant, days)


def cob_deadline(cal: SiteCalendar, instant: datetime, ex: list[str] | None) -> tuple[datetime, bool]:
    """Before COB (C6): same day if raised on a business day before COB, else the
    next business day's COB, flagged after hours. Exactly COB is not before COB."""
    local = instant.astimezone(cal.tz)
    day = local.date()
    if cal.is_business_day(day) and local.time() < cal.cob_time:
        if ex is not None:
            ex.append(f"{local:%H:%M} is before COB {cal.cob_time:%H:%M} on a business day: due the same day (C6)")
        return cal.cob_from(day), False
    if ex is not None:
        if cal.is_business_day(day):
            ex.append(
                f"{local:%H:%M} is at or after COB {cal.cob_time:%H:%M}: next business day, flagged after hours (C6)"
            )
        else:
            ex.append(f"{cal.why_not_business(day)}: next business day, flagged after hours (C6)")
        cal.next_business_day(day + ONE_DAY, ex)  # C8: each skipped day with its reason
    return cal.cob_from(day + ONE_DAY), True


def date_deadline(cal: SiteCalendar, d: date, ex: list[str] | None) -> datetime:
    """A date without a time is due at its COB, moved to the next business day (C7)."""
    if ex is not None:
        cal.next_business_day(d, ex)
    return cal.cob_from(d)


def _deadline(cal: SiteCalendar, dl: Deadline, anchor: datetime, ex: list[str] | None) -> tuple[datetime, bool]:
    kind = dl.kind
    if kind == "cob":
        return cob_deadline(cal, anchor, ex)
    if kind == "elapsed":
        # C4: real hours, so UTC arithmetic (an aware local value would add wall-clock hours).
        at = anchor + timedelta(hours=dl.hours)
        if ex is not None:
            ex.append(f"within {dl.hours} hours is elapsed time: {dl.hours} real hours on (C4)")
        return at, False
    if kind == "calendar":
        if ex is not None:
            ex.append(
                f"within {dl.days} days: {dl.days} local calendar days at the same clock time, not moved (C5, C9)"
            )
        return cal.add_days(anchor, dl.days), False
    # "date": day one is the local date of the anchor at the raising site (C9)
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
    """The next ``count`` follow-ups every ``days`` local days from ``base`` (C5, E2, E3, E9),
    each counted from ``base`` so the clock time never drifts; an EPED joins (E10)."""
    base = as_utc(base)
    tz = cal.tz
    local = base.astimezone(tz)
    start_offset = local.utcoffset()
    start_day = local.date()
    out = []
    every = timedelta(days=days)
    step = every
    for _ in range(count):
        offset = plain_offset(tz, start_day + step)
        if offset == start_offset:  # the usual case: same offset, same clock time
            out.append(base + step)
        elif offset is None or start_offset is None:  # a transition day: C10
            out.append(resolve_local(local.replace(tzinfo=None) + step, tz).astimezone(UTC))
        else:
            out.append(base + step + (start_offset - offset))
        step += every
    if eped_due is not None and eped_due > base:
        out.append(eped_due)
        out = sorted(set(out))[:count]
    return out


def _anchor(
    dl_anchor: str, raised: datetime, referred: datetime | None, contact: datetime | None, reported: datetime | None
) -> datetime | None:
    if dl_anchor == "raised":
        return raised
    if dl_anchor == "referred":
        return referred
    if dl_anchor == "reported":  # E1: when the arrears were reported, else the raise
        return reported or contact or raised
    return contact or raised  # "contact": the original contact (E4), else the raise


def last_business_cob(cal: SiteCalendar, d: date, ex: list[str] | None) -> datetime:
    """E10: an EPED that is not a business day is followed up on the last business day
    before it, while the entitlement period is still open (the exception to C7)."""
    day = d
    while not cal.is_business_day(day):
        if ex is not None:
            ex.append(f"{cal.why_not_business(day)}: follow up on the business day before (E10)")
        day -= ONE_DAY
    return cal.cob_on(day).astimezone(UTC)


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
    viewer: ZoneInfo | None = None,
    contact_at: datetime | None = None,
    reported_at: datetime | None = None,
    ict_requested_at: datetime | None = None,
    referral_target: str = "",
) -> DueResult:
    """Every deadline of ``category`` for an item raised at ``raised_at`` at ``cal``'s site.

    A referral counts as the first action (E12). ``open_follow_ups`` says
    whether the item is in a state where follow-ups run; by default they run
    when the schedule's anchor is known. ``viewer`` shows the working in the
    viewer's zone (C9); ``contact_at`` is the original contact, day one of E4;
    ``reported_at`` when arrears were reported and ``ict_requested_at`` when ICT
    was asked to stop them (E1); ``referral_target`` decides E4's "referred-ict".
    Naive instants are taken as UTC (C1).
    """
    raised_at = as_utc(raised_at)
    if referred_at is not None:
        referred_at = as_utc(referred_at)
    if contact_at is not None:
        contact_at = as_utc(contact_at)
    if reported_at is not None:
        reported_at = as_utc(reported_at)
    if ict_requested_at is not None:
        ict_requested_at = as_utc(ict_requested_at)
    if actioned_at is not None:
        actioned_at = as_utc(actioned_at)
    ex: list[str] | None = [] if explain else None
    if ex is not None:
        ex.append(
            f"raised {cal.fmt(raised_at, viewer)} at {cal.code} ({cal.state}, {cal.zone_name}); "
            f"{category.label} ({category.rule})"
        )
    first_action = actioned_at or referred_at
    deadlines: list[DeadlineAt] = []
    after_hours = False
    due: datetime | None = None
    for dl in category.deadlines:
        if dl.when == "referred-ict" and not (referral_target == "ict" and referred_at is not None):
            if ex is not None:  # E4: only an item referred to ICT has the date
                ex.append(f"{dl.label or dl.id} ({dl.rule}) applies once it is referred to ICT; not referred")
            continue
        anchor = _anchor(dl.anchor, raised_at, referred_at, contact_at, reported_at)
        if anchor is None:
            continue
        at, late_flag = _deadline(cal, dl, anchor, ex)
        after_hours = after_hours or late_flag
        met_at: datetime | None = None
        if dl.met_by == "action":  # E3: the first recorded action (E12)
            met_at = first_action
        elif dl.met_by == "ict-request":  # E1: the ICT stop request, not the finalising
            met_at = ict_requested_at
        met = met_at is not None or finalised
        deadlines.append(DeadlineAt(dl.rule, dl.kind, dl.id, dl.label, at, met, met_at))
        if ex is not None:
            if met_at is not None:
                late = " (late)" if met_at > at else ""
                ex.append(
                    f"{dl.label or dl.id} ({dl.rule}): due {cal.fmt(at, viewer)}, met {cal.fmt(met_at, viewer)}{late}"
                )
            else:
                ex.append(f"{dl.label or dl.id} ({dl.rule}): {'met' if met else 'due'} {cal.fmt(at, viewer)}")
        if not met and (due is None or at < due):
            due = at

    fu = category.followup
    follow_ups: list[datetime] = []
    rule: str | None = None
    if fu.kind != "none" and not finalised:
        anchor = {"raised": raised_at, "referred": referred_at, "actioned": first_action}[fu.anchor]
        runs = anchor is not None and (open_follow_ups is None or open_follow_ups)
        if runs and anchor is not None:
            rule = fu.rule
            base = anchor
            if last_follow_up_at is not None:
                last = as_utc(last_follow_up_at)
                if last > anchor:  # each follow-up (E3 review) sets the next one on
                    base = last
            eped_due = None
            if fu.eped and eped is not None:
                # E10: the EPED is date-only (C7); a follow-up recorded on or after it meets it.
                eped_due = last_business_cob(cal, eped, None)
                if eped_due <= base or (base is not anchor and cal.day_one(base) >= cal.day_one(eped_due)):
                    eped_due = None
            follow_ups = follow_up_schedule(cal, base, fu.days, count, eped_due)
            if ex is not None:
                shown = eped if fu.eped else None
                _explain_follow_ups(ex, cal, fu.kind, fu.days, fu.rule, base, shown, eped_due, follow_ups, viewer)
        elif ex is not None:
            word = "reviews" if fu.kind == "review" else "follow-ups"
            when = {
                "raised": "while it is open",
                "referred": "once it is referred",
                "actioned": "after its first action",
            }[fu.anchor]
            if anchor is not None:
                when = "while it is open or referred"
            ex.append(f"{word} every {fu.days} days run {when} ({fu.rule}); none scheduled now")
    if ex is not None:
        if due is not None:
            ex.append(f"due {cal.fmt(due, viewer)}" + (" (after hours: act at once)" if after_hours else ""))
        elif not deadlines or all(d.met for d in deadlines):
            ex.append("no unmet deadline" + ("" if follow_ups else " and no follow-up scheduled"))
    return DueResult(category.key, due, after_hours, deadlines, follow_ups, rule, ex or [])


def _explain_follow_ups(
    ex: list[str],
    cal: SiteCalendar,
    kind: str,
    days: int,
    rule: str,
    base: datetime,
    eped: date | None,
    eped_due: datetime | None,
    follow_ups: list[datetime],
    viewer: ZoneInfo | None,
) -> None:
    word = "review" if kind == "review" else "follow-up"
    ex.append(f"{word} every {days} days from {cal.fmt(base, viewer)}, same local clock time (C5, {rule})")
    if eped is not None and eped_due is not None:
        ex.append(f"EPED {fmt_day(eped)} is date-only: follow-up due by {cal.fmt(eped_due, viewer)} (E10)")
        last_business_cob(cal, eped, ex)
        ex.append(f"weekly or on the EPED, whichever comes first ({rule})")
    elif eped is not None:
        ex.append(f"EPED {fmt_day(eped)} already followed up or passed ({rule})")
    if follow_ups:
        ex.append(f"next {word}: {cal.fmt(follow_ups[0], viewer)}")
