"""How times and urgency read to people, for the CLI and the TUI alike (C1, C9).

One formatter, no Textual: the screens (screens/widgets/formatting.py) and the
CLI (tpsdesk/commands/escalation_text.py) both print through it.

C9: deadlines use the raising site's calendar, but a time is shown in the
VIEWER's zone, with the offset when that zone differs from the raising site's.

- ``when_text``: the full form, ``Tue 29 Sep 2026 19:00 AEST (UTC+10:00)``
  (``businesstime.fmt_local`` and the C8 working use it); with ``note_site``
  it also notes the raising site's zone and offset, as the CLI prints it:
  ``Fri 25 Sep 2026 15:00 AWST (UTC+08:00; site AEST UTC+10:00)``.
- ``local_for``: the narrow form of a table column, ``Tue 29 Sep 19:00 +10``.
- ``relative`` ("in 3h", "overdue 2d"), ``urgency`` (a word with a symbol, so
  never colour alone) and the CLI's ``flags``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from tpsdesk.businesstime import zone

SOON_SECONDS = 4 * 3600  # "due soon" highlighting window; display only, not a rule

Zone = ZoneInfo | str


class Urgent(Protocol):
    """What the urgency words read of an escalation (an EscalationView)."""

    @property
    def closed(self) -> bool: ...
    @property
    def rank(self) -> int: ...
    @property
    def after_hours(self) -> bool: ...
    @property
    def next_action_at(self) -> datetime | None: ...

    def is_overdue(self, now: datetime) -> bool: ...


def _tz(value: Zone) -> ZoneInfo:
    return value if isinstance(value, ZoneInfo) else zone(value)


def _key(value: Zone | None) -> str:
    if value is None:
        return ""
    return value.key if isinstance(value, ZoneInfo) else value


def utc_offset(when: datetime, tz: Zone) -> str:
    """``UTC+10:00`` / ``UTC+09:30``: the offset of ``tz`` at ``when``."""
    raw = when.astimezone(_tz(tz)).strftime("%z")
    return f"UTC{raw[:3]}:{raw[3:]}"


def short_offset(when: datetime, tz: Zone) -> str:
    """``+10`` / ``+9:30``: the narrow offset of ``tz`` at ``when``."""
    raw = when.astimezone(_tz(tz)).strftime("%z")
    return f"{raw[0]}{int(raw[1:3])}" + (f":{raw[3:]}" if raw[3:] != "00" else "")


def when_text(when: datetime, site_zone: Zone, viewer_zone: Zone | None = None, *, note_site: bool = False) -> str:
    """The full C9 time: in the viewer's zone (else the site's), with its offset when the zones differ.

    ``note_site`` adds the raising site's own zone name and offset, so a Perth
    reader of a Sydney item sees both (the CLI's escalation output).
    """
    site_tz = _tz(site_zone)
    shown_tz = _tz(viewer_zone) if viewer_zone is not None else site_tz
    shown = when.astimezone(shown_tz)
    text = f"{shown:%a} {shown.day} {shown:%b %Y %H:%M} {shown.tzname()}"
    if shown_tz.key != site_tz.key:
        note = utc_offset(when, shown_tz)
        if note_site:
            note += f"; site {when.astimezone(site_tz).tzname()} {utc_offset(when, site_tz)}"
        text += f" ({note})"
    return text


def local(when: datetime | None, zone_name: Zone, *, with_zone: bool = False) -> str:
    """The narrow local time ``Tue 29 Sep 19:00`` (``AEST`` added with ``with_zone``); "" for None."""
    if when is None:
        return ""
    at = when.astimezone(_tz(zone_name))
    return f"{at:%a %d %b %H:%M}" + (f" {at:%Z}" if with_zone else "")


def local_for(when: datetime, viewer_zone: Zone, site_zone: Zone | None) -> str:
    """The viewer's narrow local time, with its offset when the item's site keeps another zone (C9)."""
    text = local(when, viewer_zone)
    if _key(site_zone) and _key(site_zone) != _key(viewer_zone):
        text += f" {short_offset(when, viewer_zone)}"
    return text


# ---------------------------------------------------------------- relative words
def span(seconds: float) -> str:
    """``45m``, ``3h`` (under two days), ``4d``."""
    seconds = abs(seconds)
    if seconds < 3600:
        return f"{max(1, int(seconds // 60))}m"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 86400)}d"


def relative(when: datetime, now: datetime) -> str:
    """``in 3h`` or ``overdue 2d``."""
    delta = (when - now).total_seconds()
    return f"overdue {span(delta)}" if delta < 0 else f"in {span(delta)}"


def overdue_minutes(v: Urgent, now: datetime) -> int:
    """Whole minutes past the next action (0 if not overdue)."""
    if not v.is_overdue(now) or v.next_action_at is None:
        return 0
    return int((now - v.next_action_at).total_seconds() // 60)


def age(minutes: int) -> str:
    """``2d 3h`` or ``4h 05m``."""
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    return f"{days}d {hours}h" if days else f"{hours}h {mins:02d}m"


# E12, E13: what an item's next action is for (vocab.NextAction values), in words.
NEXT_WORDS = {
    "due": "deadline",
    "finalise-on": "finalise on",
    "follow-up": "follow-up",
    "review": "review",
    "progress-check": "progress check",
    "record-update": "record update",
}


# ---------------------------------------------------------------- urgency words
def urgency(v: Urgent, now: datetime) -> tuple[str, str]:
    """(word with symbol, Rich style name) for an escalation at ``now``; the word stands alone in plain text."""
    if v.closed:
        return "✓ done", "dim"
    if v.is_overdue(now):
        return "‼ OVERDUE", "bold red"
    if v.rank == 0:
        return "▲ URGENT", "bold magenta"  # S3: stop-payment first
    if v.after_hours:
        return "☾ AFTER-HRS", "bold yellow"
    if v.next_action_at is not None and (v.next_action_at - now).total_seconds() < SOON_SECONDS:
        return "! soon", "yellow"
    return "· ok", "green"


def flags(v: Urgent, now: datetime, urgent: bool) -> str:
    """Every flag that applies, for a CLI column: ``URGENT AFTER-HOURS OVERDUE``."""
    out = []
    if urgent and not v.closed:
        out.append("URGENT")
    if v.after_hours and not v.closed:
        out.append("AFTER-HOURS")
    if v.is_overdue(now):
        out.append("OVERDUE")
    return " ".join(out)
