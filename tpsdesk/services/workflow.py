"""Working an escalation to its end (E12): refer (E1, E5, E6, F1), record the
Service First number, and (re-exported from ``finalisation``) document, finalise,
reopen, withdraw and who completes the work (W1 to W4).

The domain decides (lifecycle, referral); every change is one unit of work with
the row, a note and a history event (D3); ``expected_version`` guards against
lost updates (E11).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from tpsdesk.domain import lifecycle, referral
from tpsdesk.domain.access import Refusal
from tpsdesk.domain.vocab import Action, NoteKind, ReferMode, Target
from tpsdesk.errors import ValidationError
from tpsdesk.models import Centre, Escalation
from tpsdesk.services.actors import actor_for
from tpsdesk.services.boundary import typed_input
from tpsdesk.services.desk import Desk
from tpsdesk.services.escalations import view_of
from tpsdesk.services.finalisation import (
    FinaliseResult,
    WorkAssignment,
    document,
    finalise,
    finalise_requirements,
    ict_asked,
    reopen,
    who_completes,
    withdraw,
)
from tpsdesk.services.retry import transaction
from tpsdesk.services.uow import UnitOfWork, visible_escalation
from tpsdesk.services.views import EscalationView
from tpsdesk.text import clean, single_line

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


def _input(error: referral.ReferralInputError) -> ValidationError:
    return ValidationError(error.field, error.message)


@typed_input()
def service_first_number(desk: Desk, value: str) -> str:
    """An ICT incident number by the policy's pattern (E1, E5b)."""
    try:
        return referral.service_first(desk.policy, single_line(value))
    except referral.ReferralInputError as exc:
        raise _input(exc) from None


@typed_input()
def referral_options(desk: Desk, logon: str, escalation_id: int) -> dict[str, Any]:
    """What the refer dialog offers for this escalation and user: targets with whether
    each is allowed (and why not), what each needs, the E5a checks, the ACTDOC places,
    the mailbox. The domain decides each target, as ``refer`` does."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        esc, item = visible_escalation(desk, session, actor, escalation_id)
        centre = session.get(Centre, esc.centre_id)
        assert centre is not None
        ref = desk.policy.referral
        targets = []
        for key in ref.targets_for(centre.channel):
            action = Action.HAND_OFF if key == Target.ACTDOC else Action.REFER
            refusal = lifecycle.decide(desk.policy, actor, item, action, target=key)
            got = lifecycle.refer_mode(desk.policy, actor, item, key)
            mode = None if isinstance(got, Refusal) or refusal is not None else got
            targets.append(
                {
                    "key": key,
                    "label": ref.label(key),
                    "allowed": refusal is None,
                    "reason": None if refusal is None else refusal.text,
                    "mode": mode.value if mode else None,
                    "needs": referral.needs(desk.policy, esc.category, key, mode),
                }
            )
        return {
            "escalation_id": esc.id,
            "category": esc.category,
            "closed": esc.closed,
            "channel": centre.channel,
            "role": actor.role,
            "targets": targets,
            "system_checks": list(ref.system_checks),
            "checks_required": referral.needs_checks(desk.policy, esc.category, Target.ICT, ReferMode.WORK),
            "actdoc_where": list(ref.actdoc_where),
            "sp_mailbox": centre.sp_mailbox,
            "ict_form": ref.ict_form,
            "service_first_pattern": ref.service_first_pattern,
            "finalise_prompt": dict(desk.policy.finalise.prompt_on),
        }


@typed_input(lines={"note": "the note"})
@transaction
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
    target = single_line(target).lower()
    with UnitOfWork.begin(desk, logon) as uow:
        esc = uow.load(escalation_id, expected_version)
        centre = uow.session.get(Centre, esc.centre_id)
        assert centre is not None
        action = Action.HAND_OFF if target == Target.ACTDOC else Action.REFER
        offered = desk.policy.referral.targets_for(centre.channel)
        if target not in offered:
            uow.check(esc, Action.NOTE)  # an item the actor may not see stays unseen (R5)
            raise ValidationError(
                "target", f"{target!r} is not a referral target in {centre.channel}: use one of {', '.join(offered)}"
            )
        item = uow.check(esc, action, target=target)
        mode = lifecycle.refer_mode(desk.policy, uow.actor, item, target)
        assert not isinstance(mode, Refusal)
        if mode is ReferMode.WORK:
            uow.take(esc)
        number = service_first_number(desk, service_first) if single_line(service_first) else ""
        nnu = single_line(nnu_ref)
        label = desk.policy.referral.label(target)
        lines = [f"Referred to {label}."]
        detail: dict[str, Any] = {"target": target, "mode": mode.value}
        try:
            if target == Target.ICT:
                ref_text = _refer_ict(uow, esc, centre, mode, list(checks or ()), number, nnu, lines, detail)
            elif target in (Target.POLICY_ADVISOR, Target.HELPDESK):
                ref_text = single_line(form_ref)
                if not ref_text:
                    raise ValidationError("form_ref", f"record the reference of the {label} submission (E6)")
                lines.append(f"Form reference: {ref_text}.")
            else:
                ref_text = referral.actdoc_where(desk.policy, where)
                lines.append(f"ACTDOC sent to: {ref_text} (F1).")
        except referral.ReferralInputError as exc:
            raise _input(exc) from None
        detail["ref"] = ref_text
        if number:
            esc.service_first = number
        if nnu:
            esc.nnu_ref = nnu
        if eped is not None:
            esc.eped = eped  # E10: follow up weekly or at the EPED
            detail["eped"] = eped
        esc.referral_target, esc.referral_ref = target, ref_text
        esc.referred_at = uow.now
        uow.move(esc, action)
        _stop_requested(uow, esc)
        uow.stamp(esc)  # a referral is a recorded action (E3, E12, E13)
        uow.save(esc)
        if clean(note).strip():
            lines.append(clean(note).strip())
        uow.note(esc, "\n".join(lines), kind=NoteKind.REFERRAL)
        detail["next_follow_up"] = esc.next_follow_up_at
        uow.record("referred", escalation_id=esc.id, **detail)
        prompt = desk.policy.finalise.prompt_on.get(target)
        return ReferResult(view_of(uow.session, escalation_id), prompt)


def _refer_ict(
    uow: UnitOfWork,
    esc: Escalation,
    centre: Centre,
    mode: ReferMode,
    checks: list[str],
    number: str,
    nnu: str,
    lines: list[str],
    detail: dict[str, Any],
) -> str:
    policy = uow.desk.policy
    if mode is ReferMode.DIRECT:  # E5b: a TPS, for an issue an NNU covers; still escalated to the SP
        if not nnu:
            raise ValidationError("nnu_ref", "name the NNU whose instruction covers this system issue (E5b)")
        if not number:
            raise ValidationError(
                "service_first",
                "put the Service First number in the escalation so the SP knows it was already sent to ICT (E5b)",
            )
        lines.append(
            f"Sent directly to ICT by {uow.actor.logon} under NNU {nnu} (E5b); Service First {number}. "
            "Escalated to the SP."
        )
        detail.update(nnu_ref=nnu, service_first=number, mailbox=centre.sp_mailbox or None)
        return number
    if referral.needs_checks(policy, esc.category, Target.ICT, mode):  # E5a, whatever the category
        recorded, missing = referral.checks_recorded(policy, [single_line(str(c)) for c in checks])
        if missing:
            raise ValidationError(
                "checks", f"before referring a problem to ICT record as checked (E5a): {'; '.join(missing)}"
            )
        lines.append(f"Checked before referral (E5a): {'; '.join(recorded)}.")
        detail["checks"] = recorded
    if not centre.sp_mailbox:  # E5a: the positional mailbox at all times, never a personal one
        raise ValidationError(
            "sp_mailbox", f"Centre {centre.code} has no SP positional mailbox: set it before referring to ICT (E5a)"
        )
    lines.append(f"{policy.referral.ict_form} sent from the SP positional mailbox {centre.sp_mailbox}.")
    detail["mailbox"] = centre.sp_mailbox
    if number:
        lines.append(f"Service First {number}.")
    return number


def _stop_requested(uow: UnitOfWork, esc: Escalation) -> None:
    """E1: the deadline is met once ICT has been asked to stop the arrears and the request's
    Service First number is recorded; the DOC shows when."""
    if not referral.is_stop_request(uow.desk.policy, esc.category) or esc.ict_requested_at is not None:
        return
    if esc.referral_target != Target.ICT or not esc.service_first:
        return
    ict_asked(uow, esc)


@typed_input()
@transaction
def set_service_first(
    desk: Desk, logon: str, escalation_id: int, number: str, *, expected_version: int | None = None
) -> EscalationView:
    """Record the ICT incident number (E1, E5b) once ICT gives it."""
    value = service_first_number(desk, number)
    with UnitOfWork.begin(desk, logon) as uow:
        esc = uow.load(escalation_id, expected_version)
        uow.check(esc, Action.SERVICE_FIRST)
        previous = esc.service_first
        esc.service_first = value
        _stop_requested(uow, esc)
        uow.stamp(esc)
        uow.save(esc)
        uow.note(esc, f"Service First number: {value}" + (f" (was {previous})" if previous else ""))
        uow.record("service-first", escalation_id=esc.id, number=value, previous=previous or None)
        return view_of(uow.session, escalation_id)
