"""How times and urgency look on screen: local time, "in 2h" / "overdue 3d", and an
urgency word with a symbol beside its colour (never colour alone: some staff are colour-blind).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tpsdesk.services.views import EscalationView

SOON_SECONDS = 4 * 3600  # "due soon" highlighting window; display only, not a rule


def span(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 3600:
        return f"{max(1, int(seconds // 60))}m"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 86400)}d"


def relative(when: datetime, now: datetime) -> str:
    delta = (when - now).total_seconds()
    return f"overdue {span(delta)}" if delta < 0 else f"in {span(delta)}"


def local(when: datetime | None, zone: str, *, with_zone: bool = False) -> str:
    if when is None:
        return ""
    at = when.astimezone(ZoneInfo(zone))
    return f"{at:%a %d %b %H:%M}" + (f" {at:%Z}" if with_zone else "")


def urgency(v: EscalationView, now: datetime) -> tuple[str, str]:
    """(word with symbol, Rich style) for an escalation at ``now``."""
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


def local_for(when: datetime, viewer_zone: str, site_zone: str) -> str:
    """The viewer's local time, with its UTC offset when the item's site keeps another zone (C9)."""
    text = local(when, viewer_zone)
    if site_zone and site_zone != viewer_zone:
        offset = when.astimezone(ZoneInfo(viewer_zone)).strftime("%z")
        text += f" {offset[0]}{int(offset[1:3])}" + (f":{offset[3:]}" if offset[3:] != "00" else "")
    return text
