"""Closing an escalation (E12): document it (D1, D2, W1 to W4), finalise it
(F1, F2, D4, E1, E3), reopen it (F3) or withdraw it (a mistake), and say who
completes the work (W1 to W4). The rules are ``tpsdesk.domain.finalise``; this
module loads, asks and writes. Re-exported by ``tpsdesk.services.workflow``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from tpsdesk.domain import finalise as rules
from tpsdesk.domain.access import may_do
from tpsdesk.domain.finalise import WorkAssignment
from tpsdesk.domain.referral import is_stop_request
from tpsdesk.domain.vocab import Action, FinalReason, NoteKind, Permission
from tpsdesk.errors import ValidationError
from tpsdesk.models import Escalation, Note, StopPaymentDoc
from tpsdesk.services.actors import actor_for
from tpsdesk.services.boundary import typed_input
from tpsdesk.services.desk import Desk
from tpsdesk.services.escalations import view_of
from tpsdesk.services.retry import transaction
from tpsdesk.services.uow import UnitOfWork, calendar_of, visible_escalation
from tpsdesk.services.views import EscalationView
from tpsdesk.text import clean, single_line

__all__ = [
    "FinaliseResult",
    "WorkAssignment",
    "document",
    "finalise",
    "finalise_requirements",
    "reopen",
    "who_completes",
    "withdraw",
]

TEXT_FIELDS = ("action_taken", "resources_used", "so_action", "why_not_day_one")
# D1's text keeps its line breaks; a refused length names the field.
D1_LINES = {name: f"the {name.replace('_', ' ')}" for name in TEXT_FIELDS}
FLAG_FIELDS = (
    "file_note_done",
    "d2_doc_required",
    "d2_doc_done",
    "d2_record_checked",
    "callback_required",
    "nonstandard_work",
    "within_so_scope",
)


@dataclass(frozen=True)
class FinaliseResult:
    escalation: EscalationView
    completes_work: WorkAssignment

    def to_json(self) -> dict[str, Any]:
        return {**self.escalation.to_json(), "completes_work": self.completes_work.to_json()}


def _reason_text(field: str, reason: str) -> str:
    text = clean(reason).strip()
    if not text:
        raise ValidationError(field, "give the reason: it is kept in the history (F3)")
    return text


def _sp_label(desk: Desk, channel: str) -> str:
    return str(desk.policy.channels[channel].escalate_to)


# ---------------------------------------------------------------- documentation
@typed_input(lines=D1_LINES)
@transaction
def document(
    desk: Desk,
    logon: str,
    escalation_id: int,
    *,
    action_taken: str | None = None,
    resources_used: str | None = None,
    so_action: str | None = None,
    why_not_day_one: str | None = None,
    file_note_done: bool | None = None,
    d2_doc_required: bool | None = None,
    d2_doc_done: bool | None = None,
    d2_record_checked: bool | None = None,
    callback_required: bool | None = None,
    nonstandard_work: bool | None = None,
    within_so_scope: bool | None = None,
    expected_version: int | None = None,
) -> EscalationView:
    """Record D1's four fields, the file-note tick, D2's items and the W1/W3/W4 facts.
    Only the values given change; the text goes into the escalation notes too (D1).
    Ticking the file note is D4's record update."""
    given = dict(
        action_taken=action_taken,
        resources_used=resources_used,
        so_action=so_action,
        why_not_day_one=why_not_day_one,
        file_note_done=file_note_done,
        d2_doc_required=d2_doc_required,
        d2_doc_done=d2_doc_done,
        d2_record_checked=d2_record_checked,
        callback_required=callback_required,
        nonstandard_work=nonstandard_work,
        within_so_scope=within_so_scope,
    )
    # Text or flags by field; ``Any`` because they also go to the event's detail (D3) as keywords.
    changes: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    if not changes:
        raise ValidationError("fields", f"nothing to record: give at least one of {', '.join(given)}")
    doc = desk.policy.documentation
    for name in TEXT_FIELDS:
        if name in changes:
            changes[name] = clean(str(changes[name])).strip()
            if not changes[name]:
                raise ValidationError(name, f"{doc.label(name)} is empty: type it, or leave it out")
    with UnitOfWork.begin(desk, logon) as uow:
        esc = uow.load(escalation_id, expected_version)
        uow.check(esc, Action.DOCUMENT)
        uow.take(esc)
        callback_now = bool(changes.get("callback_required")) and not esc.callback_required
        lines = []
        for name, value in changes.items():
            setattr(esc, name, value)
            shown = value if name in TEXT_FIELDS else ("yes" if value else "no")
            lines.append(f"{doc.label(name)}: {shown}")
        uow.stamp(esc, record_update=bool(changes.get("file_note_done")))
        uow.save(esc)
        uow.note(esc, "\n".join(lines), kind=NoteKind.DOCUMENTATION)
        if callback_now:  # W3: the notes say clearly that the SO calls back
            uow.note(esc, doc.callback_note, kind=NoteKind.CALLBACK)
        uow.record("documented", escalation_id=esc.id, **changes)
        return view_of(uow.session, escalation_id)


def _has_callback_note(uow: UnitOfWork, esc: Escalation) -> bool:
    found = uow.session.exec(
        select(Note.kind).where(Note.escalation_id == esc.id, col(Note.kind) == NoteKind.CALLBACK)
    ).first()
    return found is not None


# ---------------------------------------------------------------- finalisation
@typed_input()
def finalise_requirements(desk: Desk, logon: str, escalation_id: int, *, reason: str | None = None) -> dict[str, str]:
    """Field -> what is still missing to finalise now (F2, D1, D2, D4, E3, E1, F1); {} when it can be."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        esc, item = visible_escalation(desk, session, actor, escalation_id)
        return rules.missing_to_finalise(
            desk.policy,
            item,
            calendar_of(desk, session, esc),
            desk.now(),
            reason=reason and single_line(reason).lower(),
        )


@typed_input()
def reasons(desk: Desk, category: str) -> dict[str, str]:
    """F1, E1: the reasons an escalation of ``category`` may be finalised with (for dialogs)."""
    return rules.reasons_for(desk.policy, category)


def _missing_error(esc: Escalation, missing: dict[str, str]) -> ValidationError:
    items = "; ".join(f"{name} ({text})" for name, text in missing.items())
    return ValidationError(
        next(iter(missing)),
        f"escalation {esc.id} cannot be finalised yet (F2): missing {items}. "
        "Record them first (document the escalation, or give the reference) and finalise again",
    )


@typed_input(lines={"note": "the note"})
@transaction
def finalise(
    desk: Desk,
    logon: str,
    escalation_id: int,
    reason: str,
    *,
    note: str = "",
    nnu_ref: str = "",
    service_first: str = "",
    expected_version: int | None = None,
) -> FinaliseResult:
    """Finalise with an F1 reason the category allows (E1); past day one D1 and the file note (F2)."""
    from tpsdesk.services.workflow import service_first_number

    with UnitOfWork.begin(desk, logon) as uow:
        esc = uow.load(escalation_id, expected_version)
        item = uow.check(esc, Action.FINALISE)
        key = rules.check_reason(desk.policy, esc.category, single_line(reason))
        if isinstance(key, tuple):
            raise ValidationError(*key)
        number = service_first_number(desk, service_first) if single_line(service_first) else ""
        nnu = single_line(nnu_ref)
        cal = uow.calendar(esc)
        missing = rules.missing_to_finalise(
            desk.policy, item, cal, uow.now, reason=key, nnu_ref=nnu, service_first=number
        )
        if missing:
            raise _missing_error(esc, missing)
        uow.take(esc)
        if number:
            esc.service_first = number
        if nnu:
            esc.nnu_ref = nnu
        if key == FinalReason.ICT_STOP_REQUESTED and is_stop_request(desk.policy, esc.category):
            ict_asked(uow, esc)  # E1: ICT asked to stop the payment
        if esc.callback_required and not _has_callback_note(uow, esc):
            uow.note(esc, desk.policy.documentation.callback_note, kind=NoteKind.CALLBACK)  # W3
        work = rules.who_completes_work(uow.item(esc), cal, uow.now, sp_label=_sp_label(desk, uow.actor.channel))
        _close(uow, esc, key)
        uow.save(esc)
        lines = [f"Finalised: {desk.policy.finalise.reasons[key]} (F1)."]
        if clean(note).strip():
            lines.append(clean(note).strip())
        lines.append(work.text)
        uow.note(esc, "\n".join(lines), kind=NoteKind.FINALISED)
        uow.record("finalised", escalation_id=esc.id, reason=key, completes=work.who, rule=work.rule)
        return FinaliseResult(view_of(uow.session, escalation_id), work)


def ict_asked(uow: UnitOfWork, esc: Escalation) -> None:
    """E1: ICT has been asked to stop the arrears, now: the deadline is met, and the DOC shows when."""
    if esc.ict_requested_at is None:
        esc.ict_requested_at = uow.now
    if esc.doc_id is not None:
        doc = uow.session.get(StopPaymentDoc, esc.doc_id)
        if doc is not None and doc.ict_requested_at is None:
            doc.ict_requested_at = uow.now
            uow.session.add(doc)


def _close(uow: UnitOfWork, esc: Escalation, reason: str) -> None:
    uow.stamp(esc)
    uow.move(esc, Action.FINALISE)
    esc.finalised_at = uow.now
    esc.final_reason = reason


@typed_input(lines={"reason": "the reason"})
@transaction
def reopen(
    desk: Desk, logon: str, escalation_id: int, reason: str, *, expected_version: int | None = None
) -> EscalationView:
    """F3: back to in-progress, held by whoever reopens it, with the reason in the history."""
    text = _reason_text("reason", reason)
    with UnitOfWork.begin(desk, logon) as uow:
        esc = uow.load(escalation_id, expected_version)
        uow.check(esc, Action.REOPEN)
        previous = {"reason": esc.final_reason, "owner": esc.owner_id}
        uow.move(esc, Action.REOPEN)
        esc.finalised_at = None
        esc.final_reason = ""
        esc.owner_id = uow.actor.id
        uow.stamp(esc)
        uow.save(esc)
        uow.note(esc, f"Reopened (F3): {text}", kind=NoteKind.REOPENED)
        uow.record(
            "reopened",
            escalation_id=esc.id,
            reason=text,
            previous_reason=previous["reason"],
            previous_owner=previous["owner"],
        )
        return view_of(uow.session, escalation_id)


@typed_input(lines={"reason": "the reason"})
@transaction
def withdraw(
    desk: Desk, logon: str, escalation_id: int, reason: str, *, expected_version: int | None = None
) -> EscalationView:
    """E12: a mistaken escalation is finalised as withdrawn, with its reason. The raiser may
    withdraw their own while nobody else holds it; SP, SSO and W5 staff any they may hold."""
    text = _reason_text("reason", reason)
    with UnitOfWork.begin(desk, logon) as uow:
        esc = uow.load(escalation_id, expected_version)
        uow.check(esc, Action.WITHDRAW)
        if may_do(desk.policy, uow.actor, Permission.WORK, category=esc.category) is None:
            uow.take(esc)
        _close(uow, esc, FinalReason.WITHDRAWN)
        uow.save(esc)
        uow.note(esc, f"Withdrawn (raised by mistake): {text}", kind=NoteKind.WITHDRAWN)
        uow.record("withdrawn", escalation_id=esc.id, reason=text)
        return view_of(uow.session, escalation_id)


@typed_input()
def who_completes(desk: Desk, logon: str, escalation_id: int) -> WorkAssignment:
    """W1 to W4: for a finalised item as it was finalised; for an open one, if finalised now."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        esc, item = visible_escalation(desk, session, actor, escalation_id)
        at = esc.finalised_at or desk.now()
        return rules.who_completes_work(
            item, calendar_of(desk, session, esc), at, sp_label=_sp_label(desk, actor.channel)
        )
