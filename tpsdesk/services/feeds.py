"""Calendar feeds: the follow-up calendar's due entries as an RFC 5545 file (E1 to E13, C1, C9, X2).

One VEVENT per due entry of an open escalation the viewer may see (the calendar's own
reads, ``calendar.window``: R1, R4, W5 decided there, not here): its deadline, and its
next follow-up, review or progress check. Each event's UID names the escalation and
which of the two it is (``esc-123-due@tpsdesk``, ``esc-123-next@tpsdesk``), so importing a
newer file moves an event instead of adding a second one; SEQUENCE is the escalation's
count of history events less one (D3: append-only, so it only grows) and LAST-MODIFIED
the last of them.

Times are in the raising site's zone (C9: its calendar set the deadline), each zone with
its VTIMEZONE, daylight saving included. A deadline due at close of business (C6, C7:
``deadlines.COB_KINDS``) carries a DISPLAY alarm ``ALARM_LEAD`` before it.

X2: the CRN is masked in every property, free text included; ``full_identifiers`` shows
it, and that export is recorded in the history before any byte leaves. A file is written
through ``tpsdesk.safefile`` (whole or not at all, 0600, never over a file that is not a
feed tpsdesk wrote: ``is_export``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tpsdesk.domain.queue import Filters
from tpsdesk.errors import ValidationError
from tpsdesk.policy import Policy
from tpsdesk.services.actors import actor_for
from tpsdesk.services.boundary import typed_input
from tpsdesk.services.calendar import AgendaItem, DueWindow, Revision, window
from tpsdesk.services.desk import Desk
from tpsdesk.services.history import record_event
from tpsdesk.services.retry import transaction
from tpsdesk.services.summaries import EXPORT_EVENT
from tpsdesk.text import mask_crn, mask_crns_in_text

FORMATS = ("ics",)
PRODID = "-//tpsdesk//follow-up calendar//EN"
UID_DOMAIN = "tpsdesk"
# How long before a COB deadline (C6, C7) the calendar app reminds; a design choice of the
# feed, not a procedure's number.
ALARM_LEAD = timedelta(minutes=60)
# The feed's default window: from the viewer's today this many days on (the CLI's default).
DEFAULT_DAYS = 31
# The VTIMEZONE components cover the window and this much either side (icalendar computes
# the transitions from zoneinfo; the whole 1970 to 2038 default is slow and not needed).
_ZONE_MARGIN = timedelta(days=366)
_PRODID_LINE = f"\r\nPRODID:{PRODID}\r\n".encode()


@dataclass(frozen=True, slots=True)
class Feed:
    """The bytes of one calendar file and what they hold."""

    data: bytes
    events: int
    first: date
    last: date
    site: str
    zones: tuple[str, ...]
    full_identifiers: bool
    crns: int  # distinct customers named in it (X2: recorded with a full-identifier export)


def uid(item: AgendaItem) -> str:
    """Stable per escalation and per entry: its deadline, or its next follow-up / review / check.

    An open item has at most one of the latter at a time (``schedule.plan``: a progress check
    only when nothing else is scheduled), so the two never collide."""
    which = "due" if item.what == "deadline" else "next"
    return f"esc-{item.escalation_id}-{which}@{UID_DOMAIN}"


def _text(value: str, full: bool, keep: int) -> str:
    """One line of text for a property; CRNs in it masked unless asked for (X2)."""
    line = " ".join((value or "").split())
    return line if full else mask_crns_in_text(line, keep)


def _event(item: AgendaItem, revision: Revision | None, now: datetime, full: bool, keep: int) -> Any:
    from icalendar import Alarm, Event

    crn = (item.crn if full else mask_crn(item.crn, keep)) or "-"
    title = _text(f"{item.category_label} #{item.escalation_id}: {item.label}", full, keep)
    lines = [
        f"Escalation {item.escalation_id}: {item.category_label}, {item.what} ({item.rule})",
        f"{item.label}",
        f"CRN: {crn}",
        f"Status: {item.status}; owner: {item.owner or 'unclaimed'}; raised at site {item.site}",
        f"Summary: {item.summary or '-'}",
    ]
    event = Event()
    event.add("uid", uid(item))
    event.add("dtstamp", now.astimezone(UTC))
    event.add("sequence", max(revision.changes - 1, 0) if revision else 0)
    if revision is not None:
        event.add("last-modified", revision.last_changed.astimezone(UTC))
    # C9: in the raising site's zone, whose calendar set it; an instant (no DTEND, RFC 5545 3.6.1).
    event.add("dtstart", item.at.astimezone(ZoneInfo(item.site_zone)))
    event.add("summary", title)
    event.add("description", "\n".join(_text(line, full, keep) for line in lines))
    event.add("categories", [item.category_label])
    event.add("transp", "TRANSPARENT")
    event.add("x-tpsdesk-escalation", str(item.escalation_id))
    event.add("x-tpsdesk-entry", item.what)
    event.add("x-tpsdesk-rule", item.rule)
    if item.what == "deadline" and item.cob:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -ALARM_LEAD)
        alarm.add("description", f"Due at COB: {title}")
        event.add_component(alarm)
    return event


def build(win: DueWindow, policy: Policy, *, full_identifiers: bool = False) -> Feed:
    """The RFC 5545 bytes of ``win``: no database, no clock (``win.now`` is DTSTAMP)."""
    from icalendar import Calendar

    keep = policy.summary.mask_keep
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"tpsdesk {win.site} follow-ups")
    cal.add("x-wr-timezone", win.zone)
    for item in win.items:
        cal.add_component(_event(item, win.revisions.get(item.escalation_id), win.now, full_identifiers, keep))
    cal.add_missing_timezones(first_date=win.first - _ZONE_MARGIN, last_date=win.last + _ZONE_MARGIN)
    zones = tuple(sorted({i.site_zone for i in win.items}))
    crns = len({i.crn for i in win.items if i.crn})
    return Feed(cal.to_ical(), len(win.items), win.first, win.last, win.site, zones, full_identifiers, crns)


def is_export(head: bytes) -> bool:
    """A file beginning with ``head`` is a calendar feed tpsdesk wrote: a VCALENDAR whose
    PRODID is ours (any other calendar file, e.g. one a calendar app exported, is not)."""
    return head.startswith(b"BEGIN:VCALENDAR\r\n") and _PRODID_LINE in head


def _file_name(site: str, year: int, month: int) -> str:
    """``tpsdesk-SYD-2026-10.ics``: the screen's file for a month."""
    return f"tpsdesk-{site}-{year:04d}-{month:02d}.ics"


def documents_folder() -> Path:
    """The person's Documents folder (platformdirs), else the working folder."""
    from platformdirs import user_documents_dir

    folder = Path(user_documents_dir())
    return folder if folder.is_dir() else Path.cwd()


@typed_input()
def default_window(desk: Desk, logon: str) -> tuple[date, date]:
    """Today at the viewer's site (C9) to ``DEFAULT_DAYS`` days on."""
    from tpsdesk.services.calendar import today

    first = today(desk, logon)
    return first, first + timedelta(days=DEFAULT_DAYS)


@typed_input()
def feed(
    desk: Desk, logon: str, first: date, last: date, filters: Filters | None = None, *, full_identifiers: bool = False
) -> Feed:
    """The feed of ``first`` to ``last`` (the viewer's local days), not yet recorded or written."""
    return build(window(desk, logon, first, last, filters), desk.policy, full_identifiers=full_identifiers)


@typed_input(raw=("out",))
@transaction
def record_full_export(desk: Desk, logon: str, made: Feed, *, out: str | None = None) -> None:
    """A feed with full customer identifiers is recorded in the history: who, when, which window (X2)."""
    with desk.store.write() as session:
        actor = actor_for(session, logon)
        record_event(
            session,
            desk.now(),
            actor.id,
            EXPORT_EVENT,
            site=made.site,
            start=made.first.isoformat(),
            end=made.last.isoformat(),
            format="ics",
            out=out or "stdout",
            events=made.events,
            crns=made.crns,
        )


@typed_input(raw=("out", "field"))
def export(
    desk: Desk,
    logon: str,
    first: date,
    last: date,
    filters: Filters | None = None,
    *,
    full_identifiers: bool = False,
    out: str | os.PathLike[str] | None = None,
    field: str = "--out",
) -> tuple[Feed, str | None]:
    """Make the feed and, with ``out``, write it there whole or not at all; returns the feed and
    the path written (None: the caller prints ``feed.data``).

    The target is checked before anything is read (a refusal records and writes nothing); a
    full-identifier feed is recorded before it is written or returned (X2)."""
    from tpsdesk import safefile

    protect = desk.store.files()
    target = safefile.check_target(out, is_export=is_export, protect=protect, field=field) if out is not None else None
    made = feed(desk, logon, first, last, filters, full_identifiers=full_identifiers)
    if full_identifiers:
        record_full_export(desk, logon, made, out=str(target.real) if target else None)
    if target is None:
        return made, None
    written = safefile.write_export(target, made.data, is_export=is_export, protect=protect, field=field)
    return made, str(written)


@typed_input(raw=("folder",))
def export_month(desk: Desk, logon: str, year: int, month_no: int, folder: Path | None = None) -> tuple[Feed, str]:
    """The calendar screen's export: the month shown, masked (X2), to ``_file_name`` in
    ``folder`` (default: ``documents_folder``)."""
    if not 1 <= month_no <= 12:
        raise ValidationError("month", f"month {month_no} is not 1 to 12")
    first = date(year, month_no, 1)
    last = date(year + (month_no == 12), month_no % 12 + 1, 1) - timedelta(days=1)
    from tpsdesk.services.calendar import viewer_site

    site = viewer_site(desk, logon)
    path = (folder or documents_folder()) / _file_name(site, year, month_no)
    made, written = export(desk, logon, first, last, out=path, field="file")
    assert written is not None
    return made, written
