"""How the escalation commands print for people (C1, C9), flags, masked CRNs (X2).

C9: deadlines come from the raising site's calendar (the services); times are
shown in the VIEWER's zone, the zone of the ``--user``'s site, with the offsets
noted when the item's site keeps another zone. The words come from the shared
formatter ``tpsdesk.present`` (the TUI uses it too).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tpsdesk.cli import table
from tpsdesk.domain.schedule import RANK_URGENT
from tpsdesk.present import NEXT_WORDS, EventWords, age, flags, overdue_minutes, relative, when_text
from tpsdesk.text import mask_crn

DEFAULT_ZONE = "Australia/Sydney"


class Clockface:
    """Times for one viewer (C9): the zones of the database's sites and the viewer's, read once.

    ``viewer`` is the logon reading the output; their site's zone is the one
    shown. Without one (or for an unknown logon) each time is in its site's zone.
    """

    def __init__(self, desk: Any, viewer: str | None = None) -> None:
        from tpsdesk.services import setup

        self.zones = {s.code: s.zone for s in setup.list_sites(desk)}
        self.viewer_zone: str | None = setup.viewer_zone(desk, viewer)
        self.now: datetime = desk.now()

    @classmethod
    def of(cls, zones: dict[str, str], viewer_zone: str | None, now: datetime) -> Clockface:
        """The same face from zones already read (the direct read path, ``tpsdesk.quickread``)."""
        face = cls.__new__(cls)
        face.zones, face.viewer_zone, face.now = zones, viewer_zone, now
        return face

    def fmt(self, site: str, instant: datetime | None) -> str:
        if instant is None:
            return "-"
        return when_text(instant, self.zones.get(site, DEFAULT_ZONE), self.viewer_zone, note_site=True)


def list_json(views: list[Any], now: datetime) -> list[dict[str, Any]]:
    out = []
    for v in views:
        item = v.to_json()
        item.update(
            crn=mask_crn(v.crn),
            display_status=v.display_status(now),
            overdue=v.is_overdue(now),
            overdue_minutes=overdue_minutes(v, now),
        )
        out.append(item)
    return out


def list_text(views: list[Any], face: Clockface, desk: Any) -> str:
    cats = desk.policy.categories
    rows = [
        [
            str(v.id),
            cats[v.category].short,
            v.display_status(face.now),
            v.site,
            v.owner or "-",
            face.fmt(v.site, v.next_action_at),
            relative(v.next_action_at, face.now) if v.next_action_at and not v.closed else "",
            flags(v, face.now, v.rank == RANK_URGENT),
            mask_crn(v.crn),
            v.summary[:40],
        ]
        for v in views
    ]
    return table(["ID", "CATEGORY", "STATUS", "SITE", "OWNER", "NEXT ACTION", "WHEN", "FLAGS", "CRN", "SUMMARY"], rows)


def changed_text(verb: str, v: Any, face: Clockface) -> str:
    owner = f"owner {v.owner}" if v.owner else "unclaimed"
    nxt = f"; next action {face.fmt(v.site, v.next_action_at)}" if v.next_action_at and not v.closed else ""
    return f"{verb} escalation {v.id} ({v.category}): {v.display_status(face.now)}, {owner}{nxt}"


def _indent(text: str, pad: str = "      ") -> str:
    return text.replace("\n", "\n" + pad)


def show_text(detail: Any, desk: Any, now: datetime, viewer_zone: str | None = None) -> str:
    """One escalation for people; times in ``viewer_zone`` (C9), else the raising site's."""
    v = detail.escalation
    cat = desk.policy.categories[v.category]

    def t(instant: datetime | None) -> str:
        return when_text(instant, detail.zone, viewer_zone, note_site=True) if instant else "-"

    shown = flags(v, now, v.rank == RANK_URGENT)  # S3: until ICT is asked
    lines = [f"escalation {v.id}: {cat.label} ({cat.rule})" + (f"  [{shown}]" if shown else "")]
    fields = [
        ("status", v.display_status(now)),
        ("owner", f"{v.owner} ({v.owner_name})" if v.owner else "unclaimed"),
        ("centre/site", f"{v.centre} / {v.site} ({detail.zone})"),
        ("times in", _times_in(detail.zone, viewer_zone)),
        ("CRN", v.crn or "-"),
        ("raised", f"{t(v.raised_at)} by {v.raised_by}"),
        ("due", t(v.due_at) + (" (after hours: act at once)" if v.after_hours and not v.closed else "")),
        ("next action", t(v.next_action_at) + _next_kind(detail)),
        ("next follow-up", t(v.next_follow_up_at)),
        ("referral", " ".join(x for x in (v.referral_target, v.referral_ref) if x) or "-"),
        ("Service First", v.service_first or "-"),
        ("NNU", v.nnu_ref or "-"),
        ("EPED", v.eped.isoformat() if v.eped else "-"),
    ]
    if v.closed:
        fields.append(("finalised", f"{t(v.finalised_at)}: {v.final_reason or '-'}"))
    lines += [f"  {k:<15} {val}" for k, val in fields]
    if detail.procedure:  # E8: the item's own procedure, wherever it is shown
        lines.append(f"  {'procedure':<15} {detail.procedure}")
    if v.summary:
        lines.append(f"  {'summary':<15} {_indent(v.summary, ' ' * 18)}")
    lines.append("working (C8):")
    lines += [f"  {step}" for step in detail.explain]
    if detail.deadlines:
        lines.append("deadlines:")
        for d in detail.deadlines:
            met_at = d.get("met_at")
            state = (
                f"due {t(d['at'])}, met {t(met_at)}" if met_at else ("met" if d["met"] else "due") + f" {t(d['at'])}"
            )
            lines.append(f"  {d['rule']:<4} {d['kind']:<8} {state}  {d['label']}")
    if detail.follow_ups:
        lines.append("follow-ups: " + "; ".join(t(f) for f in detail.follow_ups))
    req = detail.requirements or {}
    d1 = [k for k, done in (req.get("d1") or {}).items() if not done]
    # D1 is owed once the item outlives day one; show what is still unrecorded.
    open_req = [f"D1 not yet recorded ({', '.join(d1)})"] if d1 else []
    if req.get("d2_doc_required") and not req.get("d2_doc_done"):
        open_req.append("D2 DOC on the record")
    if req.get("callback_required"):
        open_req.append("customer callback by the SO (W3)")
    if open_req and not v.closed:
        lines.append("open requirements: " + ", ".join(open_req))
    if detail.offered:  # E12, R5: what this user may do now, or why not
        lines.append("actions:")
        for o in detail.offered:
            lines.append(f"  {o.action.value:<14} " + ("yes" if o.allowed else f"no: {o.reason}"))
    lines.append(f"notes ({len(detail.notes)}):")
    for n in detail.notes:
        ref = f" (corrects note {n.refers_to})" if n.refers_to else ""
        lines.append(f"  #{n.id} {t(n.created_at)} {n.author} [{n.kind}]{ref}: {_indent(n.text)}")
    lines.append(f"history ({len(detail.events)}):")
    words = EventWords(desk.policy, t, detail.people)  # D3: the same sentences as the queue detail
    for e in detail.events:
        lines.append(f"  {t(e.at)}  {words.sentence(e.kind, e.detail, e.actor)}")
    return "\n".join(lines)


def _next_kind(detail: Any) -> str:
    """What the next action is for, with its rule (E12, E13, E4 "finalise on")."""
    if not detail.next_action:
        return ""
    words = NEXT_WORDS.get(detail.next_action, detail.next_action)
    return f" ({words}, {detail.next_action_rule})" if detail.next_action_rule else f" ({words})"


def _times_in(site_zone: str, viewer_zone: str | None) -> str:
    """Which zone the times are in (C9): the reader's, noting the raising site's when it differs."""
    if not viewer_zone or viewer_zone == site_zone:
        return f"{site_zone} (the raising site's)"
    return f"{viewer_zone} (your site's); deadlines follow the raising site's calendar, {site_zone}"


def overdue_text(views: list[Any], face: Clockface, desk: Any) -> str:
    cats = desk.policy.categories
    rows = [
        [
            str(v.id),
            age(overdue_minutes(v, face.now)),
            cats[v.category].short,
            v.display_status(face.now),
            v.site,
            v.owner or "-",
            face.fmt(v.site, v.next_action_at),
            mask_crn(v.crn),
            v.summary[:40],
        ]
        for v in views
    ]
    return table(["ID", "OVERDUE BY", "CATEGORY", "STATUS", "SITE", "OWNER", "WAS DUE", "CRN", "SUMMARY"], rows)
