"""S4: the receiving officer verifies a stop-payment DOC or returns it to the SO, who
corrects and resubmits it; each step is an event in the history (D3)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlmodel import select

from tpsdesk.errors import Conflict, NotFound, PermissionDenied, ValidationError
from tpsdesk.models import Escalation, Event, Note, StopPaymentDoc
from tpsdesk.services import escalations as esc_svc
from tpsdesk.services import finalisation
from tpsdesk.services import stop_payment as sp

GOOD = sp.StopPaymentInput(
    crn="123456789A",
    payment_type="Age Pension",
    amount="1234.50",
    period_from="2026-08-01",
    period_to="2026-08-31",
    reason="Returned to full-time work on 3 August and income exceeds the cut-out",
    ar_checked=True,
)
MISSING = "the amount does not match the arrears on the AR screen"


def escalated(desk, logon: str = "so1") -> sp.StopPaymentResult:
    return sp.save(desk, logon, GOOD, escalate=True)


def doc_row(desk, doc_id: int) -> StopPaymentDoc:
    with desk.store.read() as s:
        row = s.get(StopPaymentDoc, doc_id)
        assert row is not None
        return row


def events(desk, kind: str) -> list[Event]:
    with desk.store.read() as s:
        return list(s.exec(select(Event).where(Event.kind == kind)).all())


def notes(desk, escalation_id: int) -> list[str]:
    with desk.store.read() as s:
        return [n.text for n in s.exec(select(Note).where(Note.escalation_id == escalation_id)).all()]


# ---------------------------------------------------------------- verify
@pytest.mark.parametrize("who", ["tps1", "sso1", "sp1", "tl1", "sp_per"])
def test_s4_receiving_officer_verifies_a_doc(desk, floor, who) -> None:
    saved = escalated(desk)
    assert sp.show_doc(desk, floor.so, saved.doc_id).state == sp.DocState.AWAITING
    view = sp.verify_doc(desk, who, saved.doc_id, note="amount checked against the AR screen")
    assert (view.state, view.verified_by, view.verified_at) == (sp.DocState.VERIFIED, who, desk.now())
    [event] = events(desk, "doc-verified")
    assert event.escalation_id == saved.escalation.id
    assert json.loads(event.detail) == {"doc_id": saved.doc_id, "note": "amount checked against the AR screen"}
    assert any("verified" in n and "AR screen" in n for n in notes(desk, saved.escalation.id))
    assert sp.show_doc(desk, floor.so, saved.doc_id).state == sp.DocState.VERIFIED  # the SO sees it


def test_s4_r6_an_so_may_not_verify_a_doc(desk, floor) -> None:
    saved = escalated(desk)
    with pytest.raises(PermissionDenied, match="may not verify a stop-payment DOC"):
        sp.verify_doc(desk, floor.per_so, saved.doc_id)
    with pytest.raises(PermissionDenied, match="may not verify"):
        sp.return_doc(desk, floor.per_so, saved.doc_id, MISSING)
    assert doc_row(desk, saved.doc_id).verified_at is None
    assert events(desk, "doc-verified") == events(desk, "doc-returned") == []


def test_s4_the_author_never_verifies_or_returns_their_own_doc(desk, floor) -> None:
    saved = escalated(desk, floor.tps)  # a TPS may verify, but not their own DOC
    for step in (
        lambda: sp.verify_doc(desk, floor.tps, saved.doc_id),
        lambda: sp.return_doc(desk, floor.tps, saved.doc_id, MISSING),
    ):
        with pytest.raises(PermissionDenied, match="not its author"):
            step()
    row = doc_row(desk, saved.doc_id)
    assert row.verified_at is None and row.returned_at is None


def test_s4_r5_another_centres_officer_is_refused_and_learns_nothing(desk, floor) -> None:
    saved = escalated(desk)
    for step in (sp.verify_doc, sp.show_doc):
        with pytest.raises(PermissionDenied) as err:
            step(desk, floor.cr_sso, saved.doc_id)
        assert (
            str(err.value)
            == f"refused: DOC {saved.doc_id} is not yours to see; ask your Senior Practitioner or Team Leader"
        )
    with pytest.raises(NotFound, match="DOC 999"):
        sp.verify_doc(desk, floor.sso, 999)
    assert doc_row(desk, saved.doc_id).verified_at is None


def test_s4_a_verified_doc_cannot_be_returned_or_verified_again(desk, floor) -> None:
    saved = escalated(desk)
    sp.verify_doc(desk, floor.sso, saved.doc_id)
    with pytest.raises(Conflict, match="already verified by Sid Support"):
        sp.return_doc(desk, floor.tl, saved.doc_id, MISSING)
    with pytest.raises(Conflict, match="already verified"):
        sp.verify_doc(desk, floor.tl, saved.doc_id)
    row = doc_row(desk, saved.doc_id)
    assert row.returned_at is None and row.return_reason == ""
    assert len(events(desk, "doc-verified")) == 1


# ---------------------------------------------------------------- return and resubmit
def test_s4_return_needs_what_is_missing(desk, floor) -> None:
    saved = escalated(desk)
    for blank in ("", "   ", "\x00\u200b"):
        with pytest.raises(ValidationError) as err:
            sp.return_doc(desk, floor.sso, saved.doc_id, blank)
        assert err.value.field == "missing"
    assert doc_row(desk, saved.doc_id).returned_at is None


def test_s4_returned_doc_is_not_verified_until_replaced(desk, floor) -> None:
    saved = escalated(desk)
    view = sp.return_doc(desk, floor.sso, saved.doc_id, MISSING)
    assert (view.state, view.returned_by, view.return_reason) == (sp.DocState.RETURNED, floor.sso, MISSING)
    [event] = events(desk, "doc-returned")
    assert event.escalation_id == saved.escalation.id and json.loads(event.detail)["missing"] == MISSING
    assert any(MISSING in n and "returned to Sam Officer" in n for n in notes(desk, saved.escalation.id))
    with pytest.raises(Conflict, match="returned to the SO"):
        sp.verify_doc(desk, floor.tl, saved.doc_id)
    with pytest.raises(Conflict, match="returned to the SO"):
        sp.return_doc(desk, floor.tl, saved.doc_id, "again")
    assert doc_row(desk, saved.doc_id).verified_at is None


def test_s4_corrected_doc_takes_over_the_escalation_and_its_deadline(desk, floor, clock) -> None:
    saved = escalated(desk)
    esc_id = saved.escalation.id
    due_before = saved.escalation.due_at
    sp.return_doc(desk, floor.sso, saved.doc_id, MISSING)
    clock.advance(hours=2)  # the correction comes later the same day
    fixed = sp.save(desk, floor.so, replace(GOOD, amount="1200.00"), escalate=True, replaces=saved.doc_id)
    assert fixed.replaces_id == saved.doc_id and fixed.escalation is not None
    assert fixed.escalation.id == esc_id and fixed.escalation.due_at == due_before  # E1 deadline unchanged
    with desk.store.read() as s:
        esc = s.get(Escalation, esc_id)
        assert esc.doc_id == fixed.doc_id
        assert len(s.exec(select(Escalation)).all()) == 1  # no second escalation raised
    assert doc_row(desk, fixed.doc_id).escalation_id == esc_id
    assert any(f"DOC {fixed.doc_id} replaces DOC {saved.doc_id}" in n for n in notes(desk, esc_id))
    old = sp.show_doc(desk, floor.so, saved.doc_id)
    assert (old.state, old.replaced_by_id) == (sp.DocState.REPLACED, fixed.doc_id)
    with pytest.raises(Conflict, match=f"replaced by DOC {fixed.doc_id}"):
        sp.verify_doc(desk, floor.sso, saved.doc_id)
    assert sp.verify_doc(desk, floor.sso, fixed.doc_id).state == sp.DocState.VERIFIED  # the replacement is verified
    assert "Amount to be stopped: $1,200.00" in sp.show_doc(desk, floor.sso, fixed.doc_id).text  # S5 layout


def test_s4_resubmission_refusals_leave_the_data_unchanged(desk, floor) -> None:
    saved = escalated(desk)
    with pytest.raises(ValidationError, match="has not been returned") as err:
        sp.save(desk, floor.so, GOOD, escalate=True, replaces=saved.doc_id)
    assert err.value.field == "replaces"
    sp.return_doc(desk, floor.sso, saved.doc_id, MISSING)
    with pytest.raises(PermissionDenied, match="only its author corrects it"):
        sp.save(desk, floor.per_so, GOOD, escalate=True, replaces=saved.doc_id)
    with pytest.raises(ValidationError, match="same customer") as err:
        sp.save(desk, floor.so, replace(GOOD, crn="987654321B"), escalate=True, replaces=saved.doc_id)
    assert err.value.field == "crn"
    with pytest.raises(NotFound):
        sp.save(desk, floor.so, GOOD, escalate=True, replaces=999)
    with desk.store.read() as s:
        assert len(s.exec(select(StopPaymentDoc)).all()) == 1
        assert s.get(Escalation, saved.escalation.id).doc_id == saved.doc_id
    fixed = sp.save(desk, floor.so, GOOD, escalate=True, replaces=saved.doc_id)
    with pytest.raises(Conflict, match=f"already replaced by DOC {fixed.doc_id}"):
        sp.save(desk, floor.so, GOOD, escalate=True, replaces=saved.doc_id)


def test_s4_correction_of_a_withdrawn_escalation_is_refused(desk, floor) -> None:
    saved = escalated(desk)
    sp.return_doc(desk, floor.sso, saved.doc_id, MISSING)
    finalisation.withdraw(desk, floor.so, saved.escalation.id, "raised by mistake: wrong customer")
    with pytest.raises(ValidationError, match="finalised"):
        sp.save(desk, floor.so, GOOD, escalate=True, replaces=saved.doc_id)


def test_s4_comp_recovery_tl_verifies_the_doc_they_assist_with(desk, floor) -> None:
    saved = escalated(desk, floor.cr_so)
    view = sp.verify_doc(desk, floor.cr_tl, saved.doc_id)
    assert view.state == sp.DocState.VERIFIED and view.verified_by == floor.cr_tl
    assert "doc-verified" in [e.kind for e in esc_svc.show(desk, floor.cr_tl, saved.escalation.id).events]


def test_s4_doc_without_escalation_is_verified_with_an_event_and_no_note(desk, floor) -> None:
    saved = sp.save(desk, floor.so, GOOD, escalate=False)
    sp.verify_doc(desk, floor.tl, saved.doc_id)
    [event] = events(desk, "doc-verified")
    assert event.escalation_id is None
    with desk.store.read() as s:
        assert s.exec(select(Note)).all() == []
