"""Closing an escalation (E12): document it (D1, D2, W1 to W4), finalise it
(F1, F2, D4, E1, E3), reopen it (F3) or withdraw it (a mistake), and say who
completes the work (W1 to W4). Re-exported by ``tpsdesk.services.workflow``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from tpsdesk.businesstime import SiteCalendar
from tpsdesk.errors import PermissionDenied, ValidationError
from tpsdesk.models import Escalation, Note, Site, StopPaymentDoc
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
from tpsdesk.services.completion import WorkAssignment, missing_to_finalise, who_completes_work
from tpsdesk.services.escalations import view_of
from tpsdesk.services.views import EscalationView
from tpsdesk.text import clean

TEXT_FIELDS = ("action_taken", "resources_used", "so_action", "why_not_day_one")
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


def _calendar(desk: Desk, session: Session, esc: Escalation) -> SiteCalendar:
    site = session.get(Site, esc.site_id)
    assert site is not None
    return desk.calendar(site)


def _labels(desk: Desk) -> dict[str, str]:
    doc = desk.policy.section("documentation")
    return {**doc.get("d1_labels", {}), **doc.get("labels", {})}


def _reason_text(field: str, reason: str) -> str:
    text = clean(reason).strip()
    if not text:
        raise ValidationError(field, "give the reason: it is kept in the history (F3)")
    return text


def _open_work(
    desk: Desk, session: Session, logon: str, escalation_id: int, expected_version: int | None
) -> tuple[Actor, Escalation]:
    actor = actor_for(session, logon)
    esc = load_escalation(session, escalation_id, expected_version)
    require_work(desk, actor, esc)
    require_open(esc)
    return actor, esc


# ---------------------------------------------------------------- documentation
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
    Only the values given change; the text goes into the escalation notes too (D1)."""
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
    changes = {k: v for k, v in given.items() if v is not None}
    if not changes:
        raise ValidationError("fields", f"nothing to record: give at least one of {', '.join(given)}")
    labels = _labels(desk)
    for name in TEXT_FIELDS:
        if name in changes:
            changes[name] = clean(str(changes[name])).strip()
            if not changes[name]:
                raise ValidationError(name, f"{labels.get(name, name)} is empty: type it, or leave it out")
    with desk.store.write() as session:
        actor, esc = _open_work(desk, session, logon, escalation_id, expected_version)
        now = desk.now()
        take_for_work(session, actor, esc, now)
        callback_now = bool(changes.get("callback_required")) and not esc.callback_required
        lines = []
        for name, value in changes.items():
            setattr(esc, name, value)
            shown = value if name in TEXT_FIELDS else ("yes" if value else "no")
            lines.append(f"{labels.get(name, name)}: {shown}")
        _mark_actioned(esc, now)
        refresh_deadlines(desk, session, esc)
        touch(esc, actor, now)
        flush_or_conflict(session, esc)
        add_note_row(session, esc, actor.id, now, "\n".join(lines), kind="documentation")
        if callback_now:  # W3: the notes say clearly that the SO calls back (decided: added automatically)
            add_note_row(session, esc, actor.id, now, _callback_note(desk), kind="callback")
        record_event(session, now, actor.id, "documented", escalation_id=esc.id, **changes)
        return view_of(session, escalation_id)


def _callback_note(desk: Desk) -> str:
    return str(
        desk.policy.section("documentation").get(
            "callback_note", "Customer call-back required: the SO calls back (W3)."
        )
    )


def _mark_actioned(esc: Escalation, at: datetime) -> None:
    if esc.actioned_at is None:  # E3/E12: the first recorded action
        esc.actioned_at = at


def _has_callback_note(session: Session, esc: Escalation) -> bool:
    kinds = session.exec(select(Note.kind).where(Note.escalation_id == esc.id, col(Note.kind) == "callback")).first()
    return kinds is not None


# ---------------------------------------------------------------- finalisation
def _reasons(desk: Desk) -> dict[str, str]:
    return dict(desk.policy.section("finalise").get("reasons", {}))


def _check_reason(desk: Desk, esc: Escalation, reason: str) -> str:
    key = one_line(reason).lower()
    reasons = _reasons(desk)
    valid = [k for k in reasons if k != "withdrawn"]
    if key == "withdrawn":
        raise ValidationError("reason", "a mistaken escalation is withdrawn, with its reason: use withdraw (F3)")
    if key not in reasons:
        raise ValidationError("reason", f"{reason!r} is not a finalisation reason (F1): use one of {', '.join(valid)}")
    fits = desk.policy.section("finalise").get("reason_categories", {}).get(key)
    if fits and esc.category not in fits:
        raise ValidationError(
            "reason", f"{key} applies only to {', '.join(fits)} escalations: use one of {', '.join(valid)}"
        )
    return key


def finalise_requirements(desk: Desk, logon: str, escalation_id: int, *, reason: str | None = None) -> dict[str, str]:
    """Field -> what is still missing to finalise now (F2, D1, D2, D4, E3, E1, F1); {} when it can be."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        esc = load_escalation(session, escalation_id)
        require_visible(desk.policy, actor, esc)
        return missing_to_finalise(
            desk.policy,
            esc,
            _calendar(desk, session, esc),
            desk.now(),
            channel=actor.channel,
            reason=reason and one_line(reason).lower(),
        )


def _missing_error(desk: Desk, esc: Escalation, missing: dict[str, str]) -> ValidationError:
    items = "; ".join(f"{name} ({text})" for name, text in missing.items())
    return ValidationError(
        next(iter(missing)),
        f"escalation {esc.id} cannot be finalised yet (F2): missing {items}. "
        "Record them first (document the escalation, or give the reference) and finalise again",
    )


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
    """Finalise with an F1 reason; past day one D1 and the file note are required (F2)."""
    with desk.store.write() as session:
        actor, esc = _open_work(desk, session, logon, escalation_id, expected_version)
        now = desk.now()
        take_for_work(session, actor, esc, now)  # refused first if another officer holds it (E11)
        key = _check_reason(desk, esc, reason)
        number = valid_service_first(desk.policy, service_first) if one_line(service_first) else ""
        nnu = one_line(nnu_ref)
        cal = _calendar(desk, session, esc)
        missing = missing_to_finalise(
            desk.policy, esc, cal, now, channel=actor.channel, reason=key, nnu_ref=nnu, service_first=number
        )
        if missing:
            raise _missing_error(desk, esc, missing)
        if number:
            esc.service_first = number
        if nnu:
            esc.nnu_ref = nnu
        if key == "ict-stop-requested" and esc.doc_id is not None:  # E1: ICT asked to stop the payment
            doc = session.get(StopPaymentDoc, esc.doc_id)
            if doc is not None and doc.ict_requested_at is None:
                doc.ict_requested_at = now
                session.add(doc)
        if esc.callback_required and not _has_callback_note(session, esc):
            add_note_row(session, esc, actor.id, now, _callback_note(desk), kind="callback")  # W3
        work = who_completes_work(
            esc, cal, now, sp_label=str(desk.policy.channel(actor.channel).get("escalate_to", "SP"))
        )
        _close(esc, key, now)
        refresh_deadlines(desk, session, esc)
        touch(esc, actor, now)
        flush_or_conflict(session, esc)
        lines = [f"Finalised: {_reasons(desk)[key]} (F1)."]
        if clean(note).strip():
            lines.append(clean(note).strip())
        lines.append(work.text)
        add_note_row(session, esc, actor.id, now, "\n".join(lines), kind="finalised")
        record_event(
            session, now, actor.id, "finalised", escalation_id=esc.id, reason=key, completes=work.who, rule=work.rule
        )
        return FinaliseResult(view_of(session, escalation_id), work)


def _close(esc: Escalation, reason: str, at: datetime) -> None:
    esc.closed = True
    esc.status = "finalised"
    esc.finalised_at = at
    esc.final_reason = reason
    _mark_actioned(esc, at)


def reopen(
    desk: Desk, logon: str, escalation_id: int, reason: str, *, expected_version: int | None = None
) -> EscalationView:
    """F3: back to in-progress, held by whoever reopens it, with the reason in the history."""
    text = _reason_text("reason", reason)
    with desk.store.write() as session:
        actor = actor_for(session, logon)
        esc = load_escalation(session, escalation_id, expected_version)
        require_work(desk, actor, esc)
        if not esc.closed:
            raise ValidationError("status", f"escalation {escalation_id} is not finalised: there is nothing to reopen")
        now = desk.now()
        previous = {"reason": esc.final_reason, "owner": esc.owner_id}
        esc.closed = False
        esc.status = "in-progress"
        esc.finalised_at = None
        esc.final_reason = ""
        esc.owner_id = actor.id
        refresh_deadlines(desk, session, esc)
        touch(esc, actor, now)
        flush_or_conflict(session, esc)
        add_note_row(session, esc, actor.id, now, f"Reopened (F3): {text}", kind="reopened")
        record_event(
            session,
            now,
            actor.id,
            "reopened",
            escalation_id=esc.id,
            reason=text,
            previous_reason=previous["reason"],
            previous_owner=previous["owner"],
        )
        return view_of(session, escalation_id)


def withdraw(
    desk: Desk, logon: str, escalation_id: int, reason: str, *, expected_version: int | None = None
) -> EscalationView:
    """E12: a mistaken escalation is finalised as withdrawn, with its reason. The raiser may
    withdraw their own while nobody else holds it; SP, SSO and pool staff any of their Centre's."""
    text = _reason_text("reason", reason)
    with desk.store.write() as session:
        actor = actor_for(session, logon)
        esc = load_escalation(session, escalation_id, expected_version)
        check_centre(actor, esc, desk.policy)
        require_open(esc)
        now = desk.now()
        if allowed(desk.policy, actor, "work", category=esc.category) is None:
            take_for_work(session, actor, esc, now)
        elif esc.raised_by_id != actor.id:
            require_work(desk, actor, esc)  # raises the refusal
        elif esc.owner_id not in (None, actor.id):
            raise PermissionDenied(
                f"refused: escalation {escalation_id} is already held by another officer: ask them or an SP to withdraw it"
            )
        _close(esc, "withdrawn", now)
        refresh_deadlines(desk, session, esc)
        touch(esc, actor, now)
        flush_or_conflict(session, esc)
        add_note_row(session, esc, actor.id, now, f"Withdrawn (raised by mistake): {text}", kind="withdrawn")
        record_event(session, now, actor.id, "withdrawn", escalation_id=esc.id, reason=text)
        return view_of(session, escalation_id)


def who_completes(desk: Desk, logon: str, escalation_id: int) -> WorkAssignment:
    """W1 to W4: for a finalised item as it was finalised; for an open one, if finalised now."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        esc = load_escalation(session, escalation_id)
        require_visible(desk.policy, actor, esc)
        at = esc.finalised_at or desk.now()
        return who_completes_work(
            esc,
            _calendar(desk, session, esc),
            at,
            sp_label=str(desk.policy.channel(actor.channel).get("escalate_to", "SP")),
        )
