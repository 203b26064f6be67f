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

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from tpsdesk.businesstime import zone
from tpsdesk.domain.lifecycle import LABELS
from tpsdesk.domain.vocab import Action, Status
from tpsdesk.policy import Policy

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


# ---------------------------------------------------------------- history in words (D3)
def _instant(value: object) -> datetime | None:
    """A stored history time (UTC text, or a datetime) as an aware instant; None if it is not one."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-":
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else None
    return None


def _words(key: str) -> str:
    return key.replace("_", " ").replace("-", " ")


def _clip(value: object, limit: int = 80) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class EventWords:
    """One escalation history event as a sentence for people (D3, C9).

    The words come from the policy's vocabulary (category, outcome, referral target,
    final reason and documentation labels, the lifecycle's action labels); every time
    in the event's data goes through ``when``, the caller's C9 form (the viewer's zone).
    ``people`` names staff by id (an event stores a previous owner by id).
    The one formatter of the queue detail and ``escalation show``; ``--json`` keeps the raw data.
    """

    def __init__(
        self, policy: Policy, when: Callable[[datetime], str], people: Mapping[int, str] | None = None
    ) -> None:
        self.policy = policy
        self.when = when
        self.people = dict(people or {})

    def sentence(self, kind: str, data: Mapping[str, Any], actor: str | None) -> str:
        who = actor or "the system"
        method = getattr(self, "_" + kind.replace("-", "_"), None)
        text = method(who, data) if callable(method) else self._other(who, kind, data)
        if actor is None and text:  # a logon is spelt as it is; the system's sentence starts with a capital
            text = text[0].upper() + text[1:]
        return text

    # ---- helpers
    def _at(self, value: object) -> str:
        instant = _instant(value)
        return self.when(instant) if instant is not None else str(value)

    def _person(self, value: object) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            return self.people.get(value, f"staff #{value}")
        return str(value)

    def _category(self, key: object) -> str:
        cat = self.policy.categories.get(str(key))
        return f"{cat.label} ({cat.rule})" if cat else str(key)

    def _reason(self, key: object) -> str:
        return self.policy.finalise.reasons.get(str(key), str(key))

    def _target(self, key: object) -> str:
        return self.policy.referral.label(str(key))

    # ---- one per recorded kind (grep record_event / uow.record in tpsdesk/services)
    def _raised(self, who: str, d: Mapping[str, Any]) -> str:
        due = f"; due {self._at(d['due'])}" if d.get("due") else ""
        return f"{who} raised it as {self._category(d.get('category', ''))}{due}."

    def _follow_up_due(self, who: str, d: Mapping[str, Any]) -> str:
        due = f" ({self._at(d['due'])})" if d.get("due") else ""
        return f"the follow-up fell due{due}: now {_words(Status.AWAITING_FOLLOW_UP)} (E12)."

    def _claimed(self, who: str, d: Mapping[str, Any]) -> str:
        if d.get("by") == "action":
            return f"{who} took it on by acting on it (claimed)."
        return f"{who} claimed it."

    def _released(self, who: str, d: Mapping[str, Any]) -> str:
        prev = d.get("previous_owner")
        held = f" (held by {self._person(prev)})" if prev is not None and prev != "" else ""
        return f"{who} released it{held}: unclaimed."

    def _assigned(self, who: str, d: Mapping[str, Any]) -> str:
        prev = d.get("previous_owner")
        was = f"; it was held by {self._person(prev)}" if prev is not None and prev != "" else "; it was unclaimed"
        return f"{who} assigned it to {self._person(d.get('to', '?'))}{was}."

    def _note(self, who: str, d: Mapping[str, Any]) -> str:
        kind = _words(str(d.get("note_kind") or "note"))
        ref = f" (note #{d['note_id']})" if d.get("note_id") else ""
        return f"{who} added {'an' if kind[:1] in 'aeiou' else 'a'} {kind}{ref}."

    def _review(self, who: str, d: Mapping[str, Any]) -> str:
        nxt = f"; next review {self._at(d['next'])}" if d.get("next") else ""
        return f"{who} recorded a review{nxt}."

    def _follow_up(self, who: str, d: Mapping[str, Any]) -> str:
        nxt = f"; next follow-up {self._at(d['next'])}" if d.get("next") else ""
        return f"{who} recorded a follow-up{nxt}."

    def _referred(self, who: str, d: Mapping[str, Any]) -> str:
        how = " directly (E5b)" if d.get("direct") or d.get("mode") == "direct" else ""
        bits = [
            f"{label} {d[key]}"
            for key, label in (("ref", "reference"), ("service_first", "Service First"), ("nnu_ref", "NNU"))
            if d.get(key) and not (key == "ref" and d.get(key) == d.get("service_first"))
        ]
        if d.get("eped"):
            bits.append(f"EPED {d['eped']}")
        text = f"{who} referred it{how} to {self._target(d.get('target', ''))}"
        text += f" ({', '.join(bits)})" if bits else ""
        if d.get("next_follow_up"):
            text += f"; next follow-up {self._at(d['next_follow_up'])}"
        return text + "."

    def _service_first(self, who: str, d: Mapping[str, Any]) -> str:
        was = f" (was {d['previous']})" if d.get("previous") else ""
        return f"{who} recorded the ICT Service First number {d.get('number', '')}{was}."

    def _documented(self, who: str, d: Mapping[str, Any]) -> str:
        docs = self.policy.documentation
        parts = [
            f"{docs.label(k)}: {('yes' if v else 'no') if isinstance(v, bool) else _clip(v, 60)}" for k, v in d.items()
        ]
        return f"{who} documented it ({'; '.join(parts)})." if parts else f"{who} documented it."

    def _finalised(self, who: str, d: Mapping[str, Any]) -> str:
        text = f"{who} finalised it: {self._reason(d.get('reason', ''))}"
        if d.get("completes"):
            rule = f" ({d['rule']})" if d.get("rule") else ""
            text += f"; the work is completed by the {d['completes']}{rule}"
        return text + "."

    def _reopened(self, who: str, d: Mapping[str, Any]) -> str:
        was = f" (it was finalised: {self._reason(d['previous_reason'])})" if d.get("previous_reason") else ""
        return f"{who} reopened it: {_clip(d.get('reason', ''))}{was}."

    def _withdrawn(self, who: str, d: Mapping[str, Any]) -> str:
        return f"{who} withdrew it as raised by mistake: {_clip(d.get('reason', ''))}."

    def _contact_outcome(self, who: str, d: Mapping[str, Any]) -> str:
        outs = d.get("outcomes") or []
        names = [self.policy.outcomes.get(str(o), str(o)) for o in (outs if isinstance(outs, list) else [outs])]
        contact = f" of contact {d['contact_id']}" if d.get("contact_id") else ""
        return f"{who} recorded the outcome{contact}: {', '.join(names) or '-'}."

    def _contact_escalated(self, who: str, d: Mapping[str, Any]) -> str:
        to = str(d.get("to", ""))
        labels = {str(ch.escalate_to): ch.escalate_to_label for ch in self.policy.channels.values()}
        contact = f"contact {d['contact_id']}" if d.get("contact_id") else "the contact"
        return f"{who} escalated {contact} to {labels.get(to, to)}."

    def _stop_payment_doc(self, who: str, d: Mapping[str, Any]) -> str:
        route = d.get("route") or []
        via = f", routed to {' then '.join(map(str, route))}" if isinstance(route, list) and route else ""
        again = f", replacing DOC {d['replaces']}" if d.get("replaces") else ""
        return f"{who} built stop-payment DOC {d.get('doc_id', '')}{again}{via} (S1)."

    def _doc_verified(self, who: str, d: Mapping[str, Any]) -> str:
        note = f": {_clip(d['note'])}" if d.get("note") else ""
        return f"{who} verified stop-payment DOC {d.get('doc_id', '')} (S4){note}."

    def _doc_returned(self, who: str, d: Mapping[str, Any]) -> str:
        missing = d.get("missing")
        what = ", ".join(map(str, missing)) if isinstance(missing, list) else str(missing or "")
        return f"{who} returned stop-payment DOC {d.get('doc_id', '')} to the SO (S4)" + (
            f": {_clip(what)}." if what else "."
        )

    def _concern_raised(self, who: str, d: Mapping[str, Any]) -> str:
        to = f", sent to {d['to']}" if d.get("to") else ""
        return f"{who} raised a concern about the information {d.get('about', '?')} gave (E7){to}."

    def _conduct(self, who: str, d: Mapping[str, Any]) -> str:
        to = f" with {d['to']}" if d.get("to") else ""
        return f"{who} raised a conduct concern about {d.get('about', '?')}{to} (I10)."

    def _concern_unfounded(self, who: str, d: Mapping[str, Any]) -> str:
        return f"{who} found {d.get('about', '?')} gave no incorrect information (E7): {_clip(d.get('finding', ''))}."

    def _feedback(self, who: str, d: Mapping[str, Any]) -> str:
        return (
            f"{who} confirmed {d.get('about', '?')} gave incorrect information; feedback to {d.get('to', '?')} (E7): "
            f"{_clip(d.get('finding', ''))}."
        )

    def _other(self, who: str, kind: str, d: Mapping[str, Any]) -> str:
        try:
            action = LABELS[Action(kind.replace("-", "_"))].lower()
        except ValueError:
            action = _words(kind)
        parts = [
            f"{_words(k)} {self._at(v) if _instant(v) else _clip(v, 40)}"
            for k, v in d.items()
            if v not in (None, "", [], {})
        ]
        return f"{who}: {action}" + (f" ({'; '.join(parts)})" if parts else "") + "."
