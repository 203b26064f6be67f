"""Working an escalation to its end (E12): refer (E1, E5, E6, F1), record the
Service First number, document (D1, D2, W3), finalise (F1, F2, D4), reopen and
withdraw (F3), and who completes the work (W1 to W4).

Every change is one transaction with the row, a note and a history event (D3);
``expected_version`` guards against lost updates (E11).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from tpsdesk.errors import PermissionDenied, ValidationError
from tpsdesk.models import Centre, Escalation, StopPaymentDoc
from tpsdesk.services.common import (
    Actor,
    Desk,
    actor_for,
    add_note_row,
    allowed,
    check_centre,
    flush_or_conflict,
    load_escalation,
    one_line,
    record_event,
    refresh_deadlines,
    require_open,
    require_visible,
    require_work,
    take_for_work,
    touch,
    valid_service_first,
)
from tpsdesk.services.completion import WorkAssignment
from tpsdesk.services.escalations import view_of
from tpsdesk.services.finalisation import (
    FinaliseResult,
    document,
    finalise,
    finalise_requirements,
    reopen,
    who_completes,
    withdraw,
)
from tpsdesk.services.views import EscalationView
from tpsdesk.text import clean

__all__ = [
    "FinaliseResult",
    "ReferResult",
    "WorkAssignment",
    "document",
    "finalise",
    "finalise_requirements",
    "refer",
    "referral_options",
    "reopen",
    "set_service_first",
    "who_completes",
    "withdraw",
]


@dataclass(frozen=True)
class ReferResult:
    escalation: EscalationView
    finalise_prompt: str | None  # F1: the reason to offer, e.g. "actdoc-sent"

    def to_json(self) -> dict[str, Any]:
        return {**self.escalation.to_json(), "finalise_prompt": self.finalise_prompt}


def _ref(desk: Desk) -> dict[str, Any]:
    return desk.policy.section("referral")


def _mark_actioned(esc: Escalation, now: datetime) -> None:
    if esc.actioned_at is None:  # E3/E12: the first recorded action
        esc.actioned_at = now


# ---------------------------------------------------------------- referral
def _targets(desk: Desk, channel: str) -> list[str]:
    ref = _ref(desk)
    return list(ref.get("channel_targets", {}).get(channel, ref.get("targets", [])))


def _target_label(desk: Desk, target: str) -> str:
    return str(_ref(desk).get("target_labels", {}).get(target, target))


def _refer_mode(desk: Desk, actor: Actor, esc: Escalation, target: str) -> str:
    """work (SP, SSO, pool), direct (E5b, a TPS to ICT) or extra (E6, a comp-recovery TL to the helpdesk)."""
    no_work = allowed(desk.policy, actor, "work", category=esc.category)
    if no_work is None:
        return "work"
    if target == "ict" and allowed(desk.policy, actor, "refer_direct") is None:
        return "direct"
    if actor.role in _ref(desk).get("extra_roles", {}).get(target, []):
        return "extra"
    raise PermissionDenied(f"refused: {no_work}")


def _where(desk: Desk, value: str) -> str:
    """ACTDOC "where" (F1): a policy option, matched loosely ("dm", "service centre")."""
    wanted = one_line(value).lower()
    options = [str(o) for o in _ref(desk).get("actdoc_where", [])]
    for option in options:
        short = option.split(" (")[0].lower()
        inner = option[option.find("(") + 1 : option.find(")")].lower() if "(" in option else short
        if wanted in (option.lower(), short, inner):
            return option
    raise ValidationError("where", f"say where the ACTDOC went: one of {', '.join(options)} (F1)")


def _checks(desk: Desk, given: Any) -> tuple[list[str], list[str]]:
    """E5a: (recorded, missing), matching the policy's check names case-insensitively."""
    names = [str(c) for c in _ref(desk).get("system_checks", [])]
    by_lower = {n.lower(): n for n in names}
    recorded: list[str] = []
    for raw in given or ():
        key = one_line(str(raw)).lower()
        if key not in by_lower:
            raise ValidationError("checks", f"{raw!r} is not one of the E5a checks: {'; '.join(names)}")
        recorded.append(by_lower[key])
    return recorded, [n for n in names if n not in recorded]


def referral_options(desk: Desk, logon: str, escalation_id: int) -> dict[str, Any]:
    """What the refer dialog offers for this escalation and user: targets with whether
    each is allowed (and why not), the E5a checks, the ACTDOC places, the mailbox."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        esc = load_escalation(session, escalation_id)
        require_visible(desk.policy, actor, esc)
        centre = session.get(Centre, esc.centre_id)
        assert centre is not None
        ref = _ref(desk)
        targets = []
        for key in _targets(desk, centre.channel):
            reason = None
            mode = None
            try:
                mode = _refer_mode(desk, actor, esc, key)
            except PermissionDenied as exc:
                reason = str(exc)
            if mode == "direct" and esc.category not in ref.get("direct_categories", []):
                reason, mode = (
                    f"refused: a TPS refers directly to ICT only a {', '.join(ref.get('direct_categories', []))} issue an NNU covers (E5b)",
                    None,
                )
            needs = _needs(desk, esc, key, mode)
            targets.append(
                {
                    "key": key,
                    "label": _target_label(desk, key),
                    "allowed": reason is None,
                    "reason": reason,
                    "mode": mode,
                    "needs": needs,
                }
            )
        return {
            "escalation_id": esc.id,
            "category": esc.category,
            "closed": esc.closed,
            "channel": centre.channel,
            "role": actor.role,
            "targets": targets,
            "system_checks": list(ref.get("system_checks", [])),
            "checks_required": esc.category in ref.get("system_check_categories", []),
            "actdoc_where": list(ref.get("actdoc_where", [])),
            "sp_mailbox": centre.sp_mailbox,
            "ict_form": ref.get("ict_form", ""),
            "service_first_pattern": ref.get("service_first_pattern", ""),
            "finalise_prompt": dict(desk.policy.section("finalise").get("prompt_on", {})),
        }


def _needs(desk: Desk, esc: Escalation, target: str, mode: str | None) -> list[str]:
    if target == "ict":
        if mode == "direct":
            return ["nnu_ref", "service_first"]
        return ["checks"] if esc.category in _ref(desk).get("system_check_categories", []) else []
    if target in ("policy-advisor", "helpdesk"):
        return ["form_ref"]
    return ["where"] if target == "actdoc" else []


def refer(
    desk: Desk,
    logon: str,
    escalation_id: int,
    *,
    target: str,
    checks: Any = (),
    service_first: str = "",
    nnu_ref: str = "",
    form_ref: str = "",
    where: str = "",
    note: str = "",
    eped: date | None = None,
    expected_version: int | None = None,
) -> ReferResult:
    """Refer to ICT (E1, E5a, E5b), the policy advisor or helpdesk (E6), or by ACTDOC (F1)."""
    target = one_line(target).lower()
    with desk.store.write() as session:
        actor = actor_for(session, logon)
        esc = load_escalation(session, escalation_id, expected_version)
        check_centre(actor, esc, desk.policy)
        require_open(esc)
        centre = session.get(Centre, esc.centre_id)
        assert centre is not None
        offered = _targets(desk, centre.channel)
        if target not in offered:
            raise ValidationError(
                "target", f"{target!r} is not a referral target in {centre.channel}: use one of {', '.join(offered)}"
            )
        mode = _refer_mode(desk, actor, esc, target)
        now = desk.now()
        if mode == "work":
            take_for_work(session, actor, esc, now)  # refused first if another officer holds it (E11)
        number = valid_service_first(desk.policy, service_first) if one_line(service_first) else ""
        nnu = one_line(nnu_ref)
        lines = [f"Referred to {_target_label(desk, target)}."]
        detail: dict[str, Any] = {"target": target, "mode": mode}
        ref_text = ""
        if target == "ict":
            ref_text = _refer_ict(desk, session, actor, esc, centre, mode, checks, number, nnu, now, lines, detail)
        elif target in ("policy-advisor", "helpdesk"):
            ref_text = one_line(form_ref)
            if not ref_text:
                raise ValidationError(
                    "form_ref", f"record the reference of the {_target_label(desk, target)} submission (E6)"
                )
            lines.append(f"Form reference: {ref_text}.")
        elif target == "actdoc":
            ref_text = _where(desk, where)
            lines.append(f"ACTDOC sent to: {ref_text} (F1).")
        detail["ref"] = ref_text
        if number:
            esc.service_first = number
        if nnu:
            esc.nnu_ref = nnu
        if eped is not None:
            esc.eped = eped  # E10: follow up weekly or at the EPED
            detail["eped"] = eped
        esc.referral_target, esc.referral_ref = target, ref_text
        esc.status, esc.referred_at = "referred", now
        _mark_actioned(esc, now)  # a referral is the first action (E3, E12)
        refresh_deadlines(desk, session, esc)
        touch(esc, actor, now)
        flush_or_conflict(session, esc)
        if clean(note).strip():
            lines.append(clean(note).strip())
        add_note_row(session, esc, actor.id, now, "\n".join(lines), kind="referral")
        detail["next_follow_up"] = esc.next_follow_up_at
        record_event(session, now, actor.id, "referred", escalation_id=esc.id, **detail)
        prompt = desk.policy.section("finalise").get("prompt_on", {}).get(target)
        return ReferResult(view_of(session, escalation_id), prompt)


def _refer_ict(
    desk: Desk,
    session: Session,
    actor: Actor,
    esc: Escalation,
    centre: Centre,
    mode: str,
    checks: Any,
    number: str,
    nnu: str,
    now: datetime,
    lines: list[str],
    detail: dict[str, Any],
) -> str:
    ref = _ref(desk)
    form = str(ref.get("ict_form", "ICT incident form"))
    if mode == "direct":  # E5b: a TPS, for an issue an NNU covers; still escalated to the SP
        if esc.category not in ref.get("direct_categories", []):
            raise PermissionDenied(
                f"refused: a {actor.role} refers directly to ICT only a system issue an NNU covers (E5b); escalate it to an SP"
            )
        if not nnu:
            raise ValidationError("nnu_ref", "name the NNU whose instruction covers this system issue (E5b)")
        if not number:
            raise ValidationError(
                "service_first",
                "put the Service First number in the escalation so the SP knows it was already sent to ICT (E5b)",
            )
        lines.append(
            f"Sent directly to ICT by {actor.logon} under NNU {nnu} (E5b); Service First {number}. Escalated to the SP."
        )
        detail.update(nnu_ref=nnu, service_first=number, mailbox=centre.sp_mailbox or None)
        return number
    if esc.category in ref.get("system_check_categories", []):  # E5a
        recorded, missing = _checks(desk, checks)
        if missing:
            raise ValidationError(
                "checks", f"before referring a system problem to ICT record as checked (E5a): {'; '.join(missing)}"
            )
        lines.append(f"Checked before referral (E5a): {'; '.join(recorded)}.")
        detail["checks"] = recorded
    if not centre.sp_mailbox:  # E5a: the positional mailbox at all times, never a personal one
        raise ValidationError(
            "sp_mailbox", f"Centre {centre.code} has no SP positional mailbox: set it before referring to ICT (E5a)"
        )
    lines.append(f"{form} sent from the SP positional mailbox {centre.sp_mailbox}.")
    detail["mailbox"] = centre.sp_mailbox
    if number:
        lines.append(f"Service First {number}.")
    if esc.doc_id is not None:  # E1: ICT asked to stop the arrears
        _ict_requested(session, esc, now)
    return number


def _ict_requested(session: Session, esc: Escalation, now: datetime) -> None:
    doc = session.get(StopPaymentDoc, esc.doc_id)
    if doc is not None and doc.ict_requested_at is None:
        doc.ict_requested_at = now
        session.add(doc)


def set_service_first(
    desk: Desk, logon: str, escalation_id: int, number: str, *, expected_version: int | None = None
) -> EscalationView:
    """Record the ICT incident number (E1, E5b) once ICT gives it."""
    value = valid_service_first(desk.policy, number)
    with desk.store.write() as session:
        actor = actor_for(session, logon)
        esc = load_escalation(session, escalation_id, expected_version)
        check_centre(actor, esc, desk.policy)
        require_open(esc)
        may_work = allowed(desk.policy, actor, "work", category=esc.category) is None
        if not may_work and allowed(desk.policy, actor, "refer_direct") is not None:
            require_work(desk, actor, esc)  # raises the work refusal
        now = desk.now()
        previous = esc.service_first
        esc.service_first = value
        touch(esc, actor, now)
        flush_or_conflict(session, esc)
        add_note_row(
            session, esc, actor.id, now, f"Service First number: {value}" + (f" (was {previous})" if previous else "")
        )
        record_event(
            session, now, actor.id, "service-first", escalation_id=esc.id, number=value, previous=previous or None
        )
        return view_of(session, escalation_id)
