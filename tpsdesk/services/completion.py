"""The rules that decide whether an escalation may be finalised (F1, F2, D1, D2,
D4, E3) and who completes the work (W1 to W4). Pure functions over a row, so
the screens can show them before anyone presses "finalise".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from tpsdesk.businesstime import SiteCalendar
from tpsdesk.models import Escalation
from tpsdesk.policy import Policy


@dataclass(frozen=True)
class WorkAssignment:
    """Who completes the work on the customer's record (W1 to W4)."""

    who: str  # "SO" | "SP" (the SSO in comp-recovery)
    rule: str  # "W1" .. "W4"
    text: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def past_day_one(cal: SiteCalendar, esc: Escalation, at: datetime) -> bool:
    """F2: ``at`` falls on a later local date than day one at the raising site (C9)."""
    return cal.day_one(at) > cal.day_one(esc.raised_at)


def _labels(policy: Policy) -> dict[str, str]:
    doc = policy.section("documentation")
    return {**doc.get("d1_labels", {}), **doc.get("labels", {})}


def missing_to_finalise(
    policy: Policy,
    esc: Escalation,
    cal: SiteCalendar,
    at: datetime,
    *,
    channel: str,
    reason: str | None = None,
    nnu_ref: str = "",
    service_first: str = "",
) -> dict[str, str]:
    """Field -> what is still missing to finalise at ``at``; {} when it can be finalised."""
    if esc.closed:
        return {"status": f"escalation {esc.id} is already finalised (F3)"}
    labels = _labels(policy)
    out: dict[str, str] = {}
    past = past_day_one(cal, esc, at)
    if past:  # F2 + D1: the four fields, in the notes and the file note
        for name in policy.section("documentation").get("d1_fields", []):
            if not str(getattr(esc, name, "") or "").strip():
                out[name] = f"{labels.get(name, name)} (D1: not finalised on day one)"
    why: list[str] = []
    if past:
        why.append("D1: past day one")
    if policy.channel(channel).get("escalation_doc_on_record"):
        why.append("D4: escalation DOCs are always on the customer's record")
    if policy.section("categories").get(esc.category, {}).get("file_note_template"):
        why.append("E3: document the action with the SP escalation file-note template")
    if why and not esc.file_note_done:
        out["file_note_done"] = f"{labels.get('file_note_done', 'escalation file note')} ({'; '.join(why)})"
    if esc.d2_doc_required:  # D2: both stay open requirements until marked done
        if not esc.d2_doc_done:
            out["d2_doc_done"] = labels.get("d2_doc_done", "D2 DOC")
        if not esc.d2_record_checked:
            out["d2_record_checked"] = labels.get("d2_record_checked", "D2 record check")
    if reason == "ict-stop-requested" and not (service_first or esc.service_first):
        out["service_first"] = "the Service First number of the ICT stop-payment request (E1)"
    if reason == "nnu-no-workaround" and not (nnu_ref or esc.nnu_ref):
        out["nnu_ref"] = "the NNU that confirms there is no current workaround (F1)"
    if reason == "actdoc-sent" and esc.referral_target != "actdoc":
        out["where"] = "record the ACTDOC hand-off first (refer with target actdoc and where it went, F1)"
    return out


def who_completes_work(esc: Escalation, cal: SiteCalendar, at: datetime, *, sp_label: str = "SP") -> WorkAssignment:
    """W1 to W4 for an escalation finalised (or to be finalised) at ``at``."""
    day_one = not past_day_one(cal, esc, at)
    callback = " The SO calls the customer back (W3)." if esc.callback_required else ""
    if esc.nonstandard_work:  # W4 outranks the rest: non-standard coding stays with the SP
        return WorkAssignment(
            "SP", "W4", f"The {sp_label} completes the non-standard coding or workaround (W4).{callback}"
        )
    if esc.callback_required:
        rest = (
            "" if day_one and esc.within_so_scope else f" The {sp_label} completes the work on the customer's record."
        )
        return WorkAssignment("SO", "W3", f"The customer must be called back: that is the SO's job (W3).{rest}")
    if not day_one:
        return WorkAssignment(
            "SP", "W2", f"Not finalised on day one: the {sp_label} completes all work on the customer's record (W2)."
        )
    if esc.within_so_scope:
        return WorkAssignment(
            "SO", "W1", "Finalised on day one, within the SO's technical scope: the SO completes the work (W1)."
        )
    return WorkAssignment(
        "SP",
        "W1",
        f"Finalised on day one but outside the SO's technical scope: the {sp_label} completes the work (W1).",
    )
