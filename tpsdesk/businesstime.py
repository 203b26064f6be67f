"""Business calendar of a site: zone, state holidays, hours and COB (C1 to C10).

Pure and fast: no database, no Textual. Holiday years are built once per
(state, year) and cached, since building one costs 0.15 to 0.3 s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tpsdesk.bounds import check_year
from tpsdesk.errors import ValidationError

if TYPE_CHECKING:
    from tpsdesk.policy import Policy

STATES = ("NSW", "VIC", "QLD", "SA", "WA", "TAS", "ACT", "NT")
ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=256)
def state_holidays(state: str, year: int) -> dict[date, str]:
    """National and state public holidays of one year (C3), cached in memory and on disk
    (``tpsdesk.holidaycache``: computing a year costs 0.15 to 0.3 s)."""
    from tpsdesk.holidaycache import load

    return load(state, year)


_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_clock(value: str, field: str) -> time:
    """A clock time typed or stored as "HH:MM" (C2: opening and COB times), the one parser
    of the core; ``ValidationError`` naming ``field`` otherwise."""
    match = _HHMM.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValidationError(field, f"{value!r} is not a time like 17:00")
    return time(int(match.group(1)), int(match.group(2)))


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """An IANA zone, or a ValidationError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError("zone", f"unknown time zone {name!r}; use an IANA name such as Australia/Perth") from exc


def to_utc(value: datetime) -> datetime:
    """Normalise an aware instant to UTC (C1); naive values are refused."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given where an instant is needed")
    return value.astimezone(UTC)


def attach_utc(value: datetime | None) -> datetime | None:
    """SQLite drops the zone: values read back are UTC (C1)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def resolve_local(naive: datetime, tz: ZoneInfo) -> datetime:
    """Attach ``tz`` to a wall-clock time (C10).

    A time skipped by daylight saving moves forward to the first valid instant
    (the end of the gap); a repeated time takes its first occurrence (fold=0).
    """
    first = naive.replace(tzinfo=tz, fold=0)
    before = first.utcoffset()
    after = naive.replace(fold=1, tzinfo=tz).utcoffset()
    # fold=0 reads the offset in force before a transition, fold=1 after it:
    # equal offsets mean an ordinary time; a larger fold=0 offset means the
    # clocks went back (repeated hour: the first occurrence is fold=0).
    if before is None or after is None or before >= after:
        return first
    return _gap_end(naive, tz)


def _gap_end(naive: datetime, tz: ZoneInfo) -> datetime:
    """The first valid instant after a skipped wall-clock time (C10): the transition itself."""
    lo = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)  # read with the later offset: before the change
    hi = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)  # read with the earlier offset: after the change
    if lo > hi:
        lo, hi = hi, lo
    after = hi.astimezone(tz).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0).astimezone(tz)


# Per (zone, local date): the UTC offset in force all day, or None when the
# offset changes that day. Lets local-day arithmetic stay in UTC (C5) and only
# take the slow path on the two transition days a year.
_PLAIN_OFFSET: dict[tuple[ZoneInfo, date], timedelta | None] = {}
_DAY_END = time(23, 59, 59)


def plain_offset(tz: ZoneInfo, d: date) -> timedelta | None:
    """The offset of ``tz`` on local date ``d`` if constant all day, else None (cached)."""
    key = (tz, d)
    try:
        return _PLAIN_OFFSET[key]
    except KeyError:
        pass
    start, end = datetime.combine(d, time(0)), datetime.combine(d, _DAY_END)
    offsets = {moment.replace(tzinfo=tz, fold=fold).utcoffset() for moment in (start, end) for fold in (0, 1)}
    value = offsets.pop() if len(offsets) == 1 else None
    _PLAIN_OFFSET[key] = value
    return value


def local_to_utc(naive: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time in ``tz`` (C10 on transition days)."""
    offset = plain_offset(tz, naive.date())
    if offset is None:
        return resolve_local(naive, tz).astimezone(UTC)
    return (naive - offset).replace(tzinfo=UTC)


def as_utc(value: datetime) -> datetime:
    """An instant in UTC (C1); a naive value is taken as UTC, as the database stores it."""
    tz = value.tzinfo
    if tz is UTC:
        return value
    if tz is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def fmt_day(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


def fmt_local(value: datetime, tz: ZoneInfo, viewer: ZoneInfo | None = None) -> str:
    """A local time for people; in the viewer's zone with offset if different (C9).

    The text comes from the shared formatter, ``tpsdesk.present.when_text``.
    """
    from tpsdesk.present import when_text  # it imports this module

    return when_text(value, tz, viewer)


@dataclass(frozen=True, slots=True)
class SiteCalendar:
    """Where an item was raised decides its calendar (C2, C9)."""

    code: str
    zone_name: str
    state: str
    open_time: time = time(8, 0)
    cob_time: time = time(17, 0)
    extra: frozenset[date] = field(default_factory=frozenset)
    removed: frozenset[date] = field(default_factory=frozenset)
    tz: ZoneInfo = field(init=False, repr=False, compare=False)
    # Per-date answers, filled on first use: business day?, and the UTC COB of
    # the first business day on or after a date (C6, C7). Dates never change.
    _business: dict[date, bool] = field(init=False, repr=False, compare=False)
    _cob_from: dict[date, datetime] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise ValidationError("state", f"unknown state {self.state!r}; use one of {', '.join(STATES)}")
        object.__setattr__(self, "tz", zone(self.zone_name))
        if self.cob_time <= self.open_time:
            raise ValidationError("cob", "COB must be later than the opening time")
        object.__setattr__(self, "_business", {})
        object.__setattr__(self, "_cob_from", {})

    # -- days
    def holiday_name(self, d: date) -> str | None:
        if d in self.removed:
            return None
        if d in self.extra:
            return "proclaimed holiday"
        return state_holidays(self.state, d.year).get(d)

    def is_business_day(self, d: date) -> bool:
        """A weekday that is not a public holiday of the site (C3)."""
        known = self._business.get(d)
        if known is None:
            if d.weekday() >= 5:
                known = False
            elif d in self.removed:  # C3: a site may remove a holiday
                known = True
            else:
                known = d not in self.extra and d not in state_holidays(self.state, d.year)
            self._business[d] = known
        return known

    def why_not_business(self, d: date) -> str:
        """Why ``d`` is skipped, for the working (C8)."""
        name = self.holiday_name(d)
        if name:
            return f"{fmt_day(d)}: {name} ({self.state}), not a business day"
        return f"{fmt_day(d)}: weekend"

    def next_business_day(self, d: date, steps: list[str] | None = None) -> date:
        """The first business day on or after ``d``; records each skipped day."""
        while not self.is_business_day(d):
            if steps is not None:
                steps.append(self.why_not_business(d))
            d += ONE_DAY
        return d

    def cob_from(self, d: date) -> datetime:
        """UTC COB of the first business day on or after ``d`` (C6, C7), cached."""
        found = self._cob_from.get(d)
        if found is None:
            found = local_to_utc(datetime.combine(self.next_business_day(d), self.cob_time), self.tz)
            self._cob_from[d] = found
        return found

    # -- instants
    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.tz)

    def at(self, d: date, t: time) -> datetime:
        """The instant of local clock time ``t`` on date ``d`` (C10)."""
        return resolve_local(datetime.combine(d, t), self.tz)

    def cob_on(self, d: date) -> datetime:
        return self.at(d, self.cob_time)

    def add_days(self, instant: datetime, days: int) -> datetime:
        """``days`` local calendar days on at the same local clock time (C5), as UTC.

        Never moved off a non-business day (C9); a clock time that the new day
        skips or repeats resolves by C10.
        """
        instant = as_utc(instant)
        local = instant.astimezone(self.tz)
        step = timedelta(days=days)
        target = plain_offset(self.tz, local.date() + step)
        if target is None:
            return resolve_local(local.replace(tzinfo=None) + step, self.tz).astimezone(UTC)
        offset = local.utcoffset()
        assert offset is not None  # ``local`` is aware: astimezone of a ZoneInfo
        return instant + step + (offset - target)

    def day_one(self, instant: datetime) -> date:
        """Day one is the local date at the raising site (C9)."""
        return instant.astimezone(self.tz).date()

    def is_open(self, instant: datetime) -> bool:
        local = instant.astimezone(self.tz)
        return self.is_business_day(local.date()) and self.open_time <= local.time() < self.cob_time

    def parse(self, text: str) -> datetime:
        """ISO 8601 text; a naive value is site-local (C10). Returns UTC."""
        try:
            value = datetime.fromisoformat(text.strip())
        except ValueError as exc:
            raise ValidationError("at", f"{text!r} is not an ISO date-time such as 2026-09-25T17:40") from exc
        check_year("at", value, shown=text.strip())  # before any offset or zone arithmetic can overflow
        if value.tzinfo is None:
            value = resolve_local(value, self.tz)
        return value.astimezone(UTC)

    def fmt(self, instant: datetime, viewer: ZoneInfo | None = None) -> str:
        return fmt_local(instant, self.tz, viewer)


def policy_calendar(
    policy: Policy, *, state: str, zone_name: str, code: str = "", site: dict[str, Any] | None = None
) -> SiteCalendar:
    """A calendar from policy data alone (C2, C3): a bare state and zone (``code`` only labels it),
    or, with ``site``, a built-in site of the policy. Built by ``tpsdesk.calendars``."""
    from tpsdesk.calendars import build_calendar  # the one builder; it imports this module

    return build_calendar(policy, code=code or state, zone_name=zone_name, state=state, policy_site=site is not None)


def site_calendar_from_policy(policy: Policy, code: str) -> SiteCalendar:
    """The calendar of a built-in site of the policy's ``[sites]`` table (C2, C3), by code:
    its hours, its own added/removed dates and its state's, through ``tpsdesk.calendars``."""
    from tpsdesk.calendars import build_calendar

    sites = policy.builtin_sites
    site = sites.get(code)
    if site is None:
        raise ValidationError("site", f"unknown site {code!r}; use one of {', '.join(sorted(sites))}")
    return build_calendar(policy, code=code, zone_name=site.zone, state=site.state)
