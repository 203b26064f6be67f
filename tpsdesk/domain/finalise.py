"""Closing an escalation: the reasons a category may be finalised with (F1, E1),
what finalising still needs (F2, D1, D2, D4, E3, E1), and who completes the work
on the customer's record (W1 to W4). Pure: the screens show these before anyone
presses "finalise", and the service refuses with the same words.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from tpsdesk.businesstime import SiteCalendar
from tpsdesk.domain.facts import Item
from tpsdesk.domain.vocab import FinalReason, Target
from tpsdesk.policy import Policy
from tpsdesk.text import a_or_an


@dataclass(frozen=True, slots=True)
class WorkAssignment:
    """Who completes the work on the customer's record (W1 to W4)."""

    who: str  # "SO" | "SP" (the SSO in comp-recovery)
    rule: str  # "W1" .. "W4"
    text: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def reasons_for(policy: Policy, category: str) -> dict[str, str]:
    """F1: key -> label of the reasons ``category`` may be finalised with (never
    "withdrawn": that is its own action). E1: arrears only by the ICT stop request."""
    only = policy.categories[category].final_reasons
    out: dict[str, str] = {}
    for key, label in policy.finalise.reasons.items():
        if key == FinalReason.WITHDRAWN:
            continue
        fits = policy.finalise.reason_categories.get(key)
        if fits and category not in fits:
            continue
        if only and key not in only:
            continue
        out[key] = label
    return out


def check_reason(policy: Policy, category: str, given: str) -> str | tuple[str, str]:
    """The reason key, or (field, message) saying why it does not fit."""
    key = given.strip().lower()
    valid = reasons_for(policy, category)
    if key == FinalReason.WITHDRAWN:
        return "reason", "a mistaken escalation is withdrawn, with its reason: use withdraw (F3)"
    if key not in policy.finalise.reasons:
        return "reason", f"{given!r} is not a finalisation reason (F1): use one of {', '.join(valid)}"
    fits = policy.finalise.reason_categories.get(key)
    if fits and category not in fits:
        return "reason", f"{key} applies only to {', '.join(fits)} escalations: use one of {', '.join(valid)}"
    if key not in valid:
        rule = "E1" if policy.categories[category].final_reasons else "F1"
        return "reason", (
            f"{a_or_an(policy.categories[category].short.lower())} escalation is not finalised as {key} ({rule}): "
            f"use {', '.join(valid)}" + (" or withdraw it if it was raised by mistake" if rule == "E1" else "")
        )
    return key


def past_day_one(cal: SiteCalendar, item: Item, at: datetime) -> bool:
    """F2: ``at`` falls on a later local date than day one at the raising site (C9)."""
    return cal.day_one(at) > cal.day_one(item.raised_at)


def missing_to_finalise(
    policy: Policy,
    item: Item,
    cal: SiteCalendar,
    at: datetime,
    *,
    reason: str | None = None,
    nnu_ref: str = "",
    service_first: str = "",
) -> dict[str, str]:
    """Field -> what is still missing to finalise at ``at``; {} when it can be finalised."""
    if item.closed:
        return {"status": f"escalation {item.id} is already finalised (F3)"}
    doc = policy.documentation
    out: dict[str, str] = {}
    past = past_day_one(cal, item, at)
    if past:  # F2 + D1: the four fields, in the notes and the file note
        for name in doc.d1_fields:
            if not item.d1_value(name).strip():
                out[name] = f"{doc.label(name)} (D1: not finalised on day one)"
    why: list[str] = []
    if past:
        why.append("D1: past day one")
    if policy.channels[item.channel].escalation_doc_on_record:
        why.append("D4: escalation DOCs are always on the customer's record")
    if policy.categories[item.category].file_note_template:
        why.append("E3: document the action with the SP escalation file-note template")
    if why and not item.file_note_done:
        out["file_note_done"] = f"{doc.label('file_note_done')} ({'; '.join(why)})"
    if item.d2_doc_required:  # D2: both stay open requirements until marked done
        if not item.d2_doc_done:
            out["d2_doc_done"] = doc.label("d2_doc_done")
        if not item.d2_record_checked:
            out["d2_record_checked"] = doc.label("d2_record_checked")
    if reason == FinalReason.ICT_STOP_REQUESTED and item.ict_requested_at is None and not service_first:
        out["service_first"] = "the Service First number of the ICT stop-payment request (E1)"
    if reason == FinalReason.NNU_NO_WORKAROUND and not (nnu_ref or item.nnu_ref):
        out["nnu_ref"] = "the NNU that confirms there is no current workaround (F1)"
    if reason == FinalReason.ACTDOC_SENT and item.referral_target != Target.ACTDOC:
        out["where"] = "record the ACTDOC hand-off first (refer with target actdoc and where it went, F1)"
    return out


def who_completes_work(item: Item, cal: SiteCalendar, at: datetime, *, sp_label: str) -> WorkAssignment:
    """W1 to W4 for an escalation finalised (or to be finalised) at ``at``."""
    day_one = not past_day_one(cal, item, at)
    callback = " The SO calls the customer back (W3)." if item.callback_required else ""
    if item.nonstandard_work:  # W4 outranks the rest: non-standard coding stays with the SP
        return WorkAssignment(
            "SP", "W4", f"The {sp_label} completes the non-standard coding or workaround (W4).{callback}"
        )
    if item.callback_required:
        rest = (
            "" if day_one and item.within_so_scope else f" The {sp_label} completes the work on the customer's record."
        )
        return WorkAssignment("SO", "W3", f"The customer must be called back: that is the SO's job (W3).{rest}")
    if not day_one:
        return WorkAssignment(
            "SP", "W2", f"Not finalised on day one: the {sp_label} completes all work on the customer's record (W2)."
        )
    if item.within_so_scope:
        return WorkAssignment(
            "SO", "W1", "Finalised on day one, within the SO's technical scope: the SO completes the work (W1)."
        )
    return WorkAssignment(
        "SP",
        "W1",
        f"Finalised on day one but outside the SO's technical scope: the {sp_label} completes the work (W1).",
    )
