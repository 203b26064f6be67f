"""Business calendar of a site: zone, state holidays, hours and COB (C1 to C10).

Pure and fast: no database, no Textual. Holiday years are built once per
(state, year) and cached, since building one costs about 0.1 s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tpsdesk.errors import ValidationError

STATES = ("NSW", "VIC", "QLD", "SA", "WA", "TAS", "ACT", "NT")
ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=256)
def state_holidays(state: str, year: int) -> dict[date, str]:
    """National and state public holidays of one year (C3), cached."""
    import holidays  # deferred: 0.15 s import, only when a calendar is asked

    built = holidays.country_holidays("AU", subdiv=state, years=year)
    return dict(built.items())


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
    back = first.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) == naive:
        return first
    # In a gap: the transition instant lies between the two readings.
    lo = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    hi = first.astimezone(UTC)
    if lo > hi:
        lo, hi = hi, lo
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).utcoffset() == hi.astimezone(tz).utcoffset():
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0).astimezone(tz)


def fmt_day(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


def fmt_local(value: datetime, tz: ZoneInfo, viewer: ZoneInfo | None = None) -> str:
    """A local time for people; in the viewer's zone with offset if different (C9)."""
    shown = value.astimezone(viewer or tz)
    text = f"{shown:%a} {shown.day} {shown:%b %Y %H:%M} {shown.tzname()}"
    if viewer is not None and viewer.key != tz.key:
        offset = shown.strftime("%z")
        text += f" (UTC{offset[:3]}:{offset[3:]})"
    return text


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

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise ValidationError("state", f"unknown state {self.state!r}; use one of {', '.join(STATES)}")
        object.__setattr__(self, "tz", zone(self.zone_name))
        if self.cob_time <= self.open_time:
            raise ValidationError("cob", "COB must be later than the opening time")

    # -- days
    def holiday_name(self, d: date) -> str | None:
        if d in self.removed:
            return None
        if d in self.extra:
            return "proclaimed holiday"
        return state_holidays(self.state, d.year).get(d)

    def is_business_day(self, d: date) -> bool:
        """A weekday that is not a public holiday of the site (C3)."""
        if d.weekday() >= 5:
            return False
        if d in self.removed:
            return True
        return d not in self.extra and d not in state_holidays(self.state, d.year)

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

    # -- instants
    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.tz)

    def at(self, d: date, t: time) -> datetime:
        """The instant of local clock time ``t`` on date ``d`` (C10)."""
        return resolve_local(datetime.combine(d, t), self.tz)

    def cob_on(self, d: date) -> datetime:
        return self.at(d, self.cob_time)

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
        if value.tzinfo is None:
            value = resolve_local(value, self.tz)
        return value.astimezone(UTC)

    def fmt(self, instant: datetime, viewer: ZoneInfo | None = None) -> str:
        return fmt_local(instant, self.tz, viewer)
