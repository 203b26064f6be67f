"""The side effects of a contact's outcome (I5, I6, I8, E5b), inside the caller's transaction.

Kept apart from ``intake`` so each module stays small; only ``intake.record_outcome`` calls it.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from tpsdesk.domain import lifecycle, referral
from tpsdesk.domain.access import Refusal
from tpsdesk.domain.facts import Actor, Item
from tpsdesk.domain.vocab import Action, Category, Outcome, Status, Target
from tpsdesk.errors import PermissionDenied, ValidationError
from tpsdesk.models import Contact, Escalation
from tpsdesk.services.desk import Desk
from tpsdesk.services.escalations import create_escalation
from tpsdesk.services.history import record_event
from tpsdesk.services.uow import apply_schedule, item_of, refusal_error
from tpsdesk.services.workflow import service_first_number
from tpsdesk.text import clean, normalise_crn, single_line, too_long


def branch_of(contact: Contact) -> dict[str, Any]:
    try:
        value = json.loads(contact.branch_detail or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def clean_outcomes(desk: Desk, outcomes: list[str]) -> list[str]:
    """Known I8 outcomes, each once, in the policy's order; at least one."""
    known = list(desk.policy.outcomes)
    given = [single_line(o) for o in outcomes if single_line(o)]
    for o in given:
        if o not in known:
            raise ValidationError("outcomes", f"unknown outcome {o[:30]!r}: use {', '.join(known)} (I8)")
    if not given:
        raise ValidationError("outcomes", f"record at least one outcome: {', '.join(known)} (I8)")
    return [k for k in known if k in given]


def _service_first(desk: Desk, value: str) -> str:
    if not single_line(value):
        raise ValidationError("service_first", "a direct referral to ICT needs its Service First number (E5b)")
    return service_first_number(desk, value)


def apply_outcome(
    desk: Desk,
    session: Session,
    actor: Actor,
    contact: Contact,
    outcomes: list[str],
    *,
    category: str | None,
    summary: str,
    nnu_ref: str,
    service_first: str,
    eped: date | None,
    crn: str | None,
    now: datetime,
) -> list[str]:
    """Check the outcomes against the contact's branch and raise what they call for.
    Returns the outcomes to store; sets ``contact.escalation_id`` when one is raised or linked."""
    outs = clean_outcomes(desk, outcomes)
    branch = branch_of(contact)
    sup = branch.get("supervisor_reason")
    if sup:  # I6: complaint -> transferred to a TL; technical -> TPS took over the call
        table = desk.policy.supervisor
        reason = table.reasons.get(sup)
        need = str(reason.outcome) if reason is not None else ""
        if need and need not in outs:
            raise ValidationError("outcomes", f"this supervisor request calls for '{need}': {table.text_for(sup)} (I6)")
    if branch.get("review_requested"):  # I5 -> E2 review escalation
        if category not in (None, "review"):
            raise ValidationError("category", "a review request is escalated as a review of a decision (E2)")
        category = "review"
        if "escalated" not in outs:
            outs = clean_outcomes(desk, [*outs, "escalated"])
    text = clean(summary).strip() or contact.help_required
    cap = desk.policy.intake.max_summary_chars
    if len(text) > cap:
        raise ValidationError("summary", too_long("the summary", len(text), cap))
    contact.nnu_ref = single_line(nnu_ref)
    if crn:
        contact.crn = normalise_crn(crn)
    crn_value = contact.crn
    known_reason = desk.policy.reasons.get(contact.reason)
    stop_payment = known_reason is not None and known_reason.stop_payment

    if Outcome.REFERRED_ICT in outs:
        if contact.escalation_id is not None:
            raise ValidationError(
                "outcomes", f"contact {contact.id} already has escalation {contact.escalation_id}: refer that one"
            )
        # E5b, R5: the lifecycle decides as for `escalation refer` on the escalation to be raised,
        # and a direct referral is a system issue whoever makes it.
        prospective = Item(
            id=0, category=category or Category.SYSTEM, centre_id=actor.centre_id, channel=actor.channel,
            status=Status.NEW, raised_by_id=actor.id, raised_at=now,
        )  # fmt: skip
        mode = lifecycle.refer_mode(desk.policy, actor, prospective, Target.ICT)
        if isinstance(mode, Refusal):
            raise refusal_error(mode)
        refused = referral.direct_category_refusal(desk.policy, category)
        if refused is not None:
            raise PermissionDenied(f"refused: {refused}")
        if not contact.nnu_ref:
            raise ValidationError("nnu_ref", "a direct referral to ICT names the NNU instruction that covers it (E5b)")
        contact.service_first = _service_first(desk, service_first)
        category = category or Category.SYSTEM
        esc = create_escalation(
            desk, session, actor, category=category, crn=crn_value or "", summary=text, contact_id=contact.id,
            service_first=contact.service_first, nnu_ref=contact.nnu_ref, eped=eped,
        )  # fmt: skip
        _mark_referred(desk, session, actor, esc, now)
        contact.escalation_id = esc.id
    elif Outcome.ESCALATED in outs:
        if stop_payment or category == Category.ARREARS:
            # I2.7: incorrect arrears are escalated with their stop-payment DOC (S1, E1)
            if contact.escalation_id is None:
                raise ValidationError(
                    "outcomes",
                    f"incorrect arrears are escalated with the stop-payment DOC: build it first "
                    f"(tpsdesk doc stop-payment ... --escalate --contact {contact.id}) (S1, E1)",
                )
        elif contact.escalation_id is None:
            if not category:
                keys = [k for k in desk.policy.categories if k not in (Category.ARREARS, Category.FEEDBACK)]
                raise ValidationError("category", f"say what kind of escalation: {', '.join(keys)}")
            esc = create_escalation(
                desk, session, actor, category=category, crn=crn_value or "", summary=text, contact_id=contact.id,
                service_first=single_line(service_first), nnu_ref=contact.nnu_ref, eped=eped,
            )  # fmt: skip
            contact.escalation_id = esc.id
        to = desk.policy.channels[contact.channel].escalate_to
        record_event(
            session,
            now,
            actor.id,
            "contact-escalated",
            contact_id=contact.id,
            escalation_id=contact.escalation_id,
            to=to,
        )
    elif category:
        raise ValidationError(
            "category", "a category applies only when the contact is escalated or referred to ICT (I8)"
        )
    if service_first and not contact.service_first:
        contact.service_first = single_line(service_first)
    return outs


def _mark_referred(desk: Desk, session: Session, actor: Actor, esc: Escalation, now: datetime) -> None:
    """E5b: TPS already sent the ICT form; the SP sees it as referred with the Service First
    number. The lifecycle decides it exactly as for ``escalation refer`` (R5, E12)."""
    session.flush()
    item = item_of(session, esc, actor.channel)
    refusal = lifecycle.decide(desk.policy, actor, item, Action.REFER, target=Target.ICT)
    if refusal is not None:
        raise refusal_error(refusal)
    esc.status = lifecycle.leads_to(Action.REFER, Status(esc.status))
    esc.referral_target = Target.ICT
    esc.referred_at = now
    stamp = lifecycle.mark_actioned(item, now)  # E12: a referral is a recorded action
    esc.actioned_at, esc.last_action_at = stamp.actioned_at, stamp.last_action_at
    apply_schedule(desk, session, esc, actor.channel)
    session.flush()
    record_event(
        session, now, actor.id, "referred", escalation_id=esc.id, contact_id=esc.contact_id, target=Target.ICT,
        service_first=esc.service_first, nnu_ref=esc.nnu_ref, direct=True,
    )  # fmt: skip
