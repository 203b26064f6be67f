"""Working an escalation to its end: referrals (E1, E5, E6, F1), finalisation (F1, F2),
documentation (D1, D2, D4, E3), reopen and withdraw (F3, E12), claims (E11)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from conftest import OWNER

from tpsdesk.errors import Conflict, NotFound, PermissionDenied, ValidationError
from tpsdesk.models import Escalation, StopPaymentDoc
from tpsdesk.services import escalations as esc_svc
from tpsdesk.services import setup
from tpsdesk.services import workflow as wf
from tpsdesk.services.actors import actor_for
from tpsdesk.services.escalations import create_escalation

CRN = "123456789A"
ALL_CHECKS = [
    "eReference",
    "Operational Blueprint Messaging",
    "Network News Update (NNU)",
    "ICT Service Desk - Ask Kristy",
    "ICT Service Desk - Current Known Issues",
    "Customer First Known Issues",
]
D1 = dict(
    action_taken="coded the death", resources_used="eReference 1.2", so_action="none", why_not_day_one="waiting on ICT"
)


def _raise(desk, logon, category="review", **kw):
    return esc_svc.raise_escalation(desk, logon, category=category, crn=kw.pop("crn", CRN), **kw).id


def _arrears(desk, logon):
    """An E1 escalation with its stop-payment DOC (S1), inside one transaction."""
    with desk.store.write() as s:
        actor = actor_for(s, logon)
        doc = StopPaymentDoc(
            centre_id=actor.centre_id,
            site_id=actor.site_id,
            crn=CRN,
            payment_type="Age Pension",
            amount_cents=12345,
            period_from=date(2026, 9, 1),
            period_to=date(2026, 9, 14),
            reason="income reported twice for the same fortnight",
            ar_checked=True,
            text="STOP PAYMENT REQUEST",
            created_by_id=actor.id,
            created_at=desk.now(),
        )
        s.add(doc)
        s.flush()
        esc = create_escalation(desk, s, actor, category="arrears", crn=CRN, doc_id=doc.id)
        doc.escalation_id = esc.id
        return esc.id, doc.id


def _doc(desk, doc_id):
    with desk.store.read() as s:
        return s.get(StopPaymentDoc, doc_id)


def _events(desk, logon, eid, kind):
    return [e for e in esc_svc.show(desk, logon, eid).events if e.kind == kind]


# ---------------------------------------------------------------- E5a
def test_e5a_system_referral_needs_all_six_checks_and_names_the_missing(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "system")
    with pytest.raises(ValidationError) as err:
        wf.refer(desk, floor.sp, eid, target="ict")
    assert err.value.field == "checks"
    for name in ALL_CHECKS:
        assert name in str(err.value)
    with pytest.raises(ValidationError, match="Customer First Known Issues") as err:
        wf.refer(desk, floor.sp, eid, target="ict", checks=ALL_CHECKS[:5])
    assert "eReference" not in str(err.value)
    assert esc_svc.show(desk, floor.sp, eid).escalation.status == "new"  # nothing changed


def test_e5a_unknown_check_is_rejected_with_the_valid_names(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "system")
    with pytest.raises(ValidationError, match="not one of the E5a checks"):
        wf.refer(desk, floor.sp, eid, target="ict", checks=[*ALL_CHECKS, "Google"])


def test_e5a_form_goes_from_the_sp_positional_mailbox(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "system")
    checks = [c.upper() for c in ALL_CHECKS]  # matched case-insensitively
    result = wf.refer(desk, floor.sp, eid, target="ict", checks=checks, service_first="40012345")
    v = result.escalation
    assert (v.status, v.referral_target, v.owner, v.service_first) == ("referred", "ict", floor.sp, "40012345")
    assert result.finalise_prompt is None
    [event] = _events(desk, floor.sp, eid, "referred")
    assert event.detail["mailbox"] == "sp.pcc@example.gov.au"
    assert event.detail["checks"] == ALL_CHECKS
    notes = [n for n in esc_svc.show(desk, floor.sp, eid).notes if n.kind == "referral"]
    assert "sp.pcc@example.gov.au" in notes[0].text and "sp1" not in notes[0].text


def test_e5a_refuses_when_the_centre_has_no_mailbox(desk, floor) -> None:
    setup.add_centre(desk, OWNER, "NMC", "No Mailbox Centre", "smart-centre")
    setup.add_site(desk, OWNER, "NMS", "Nowhere", "NMC", "Australia/Sydney", "NSW")
    setup.add_staff(desk, OWNER, "spx", "Sal Nomail", "SP", "NMS")
    eid = _raise(desk, "spx", "system")
    with pytest.raises(ValidationError, match="no SP positional mailbox: set it") as err:
        wf.refer(desk, "spx", eid, target="ict", checks=ALL_CHECKS)
    assert err.value.field == "sp_mailbox"


# ---------------------------------------------------------------- E5b
def test_e5b_tps_direct_referral_needs_nnu_and_service_first(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "system")
    with pytest.raises(ValidationError, match="NNU") as err:
        wf.refer(desk, floor.tps, eid, target="ict", service_first="40012345")
    assert err.value.field == "nnu_ref"
    with pytest.raises(ValidationError, match="Service First") as err:
        wf.refer(desk, floor.tps, eid, target="ict", nnu_ref="NNU 2026/123")
    assert err.value.field == "service_first"
    with pytest.raises(ValidationError) as err:
        wf.refer(desk, floor.tps, eid, target="ict", nnu_ref="NNU 2026/123", service_first="#1")
    assert err.value.field == "service_first"
    v = wf.refer(desk, floor.tps, eid, target="ict", nnu_ref="NNU 2026/123", service_first="40012345").escalation
    # still escalated to the SP, with the number: unclaimed, in the SP's queue
    assert (v.status, v.owner, v.service_first, v.nnu_ref) == ("referred", None, "40012345", "NNU 2026/123")
    queue = esc_svc.list_page(desk, floor.sp)
    assert [q.service_first for q in queue if q.id == eid] == ["40012345"]


def test_e5b_tps_refers_directly_only_system_issues_to_ict(desk, floor) -> None:
    review = _raise(desk, floor.tps, "review")
    with pytest.raises(PermissionDenied, match="E5b"):
        wf.refer(desk, floor.tps, review, target="ict", nnu_ref="NNU 1", service_first="40012345")
    policy = _raise(desk, floor.tps, "policy", crn="")
    with pytest.raises(PermissionDenied, match="W5"):
        wf.refer(desk, floor.tps, policy, target="policy-advisor", form_ref="PA-1")


def test_r6_so_cannot_refer(desk, floor) -> None:
    eid, _ = _arrears(desk, floor.so)
    with pytest.raises(PermissionDenied, match="SO may neither"):  # neither work nor E5b (R6)
        wf.refer(desk, floor.so, eid, target="ict")


# ---------------------------------------------------------------- E1
def test_e1_referral_to_ict_marks_the_doc_and_finalise_needs_service_first(desk, floor, clock) -> None:
    # Second edition: the request is recorded with its Service First number; without it nothing is met.
    eid, doc_id = _arrears(desk, floor.tps)
    wf.refer(desk, floor.sp, eid, target="ict")
    assert _doc(desk, doc_id).ict_requested_at is None
    with pytest.raises(ValidationError, match="Service First") as err:
        wf.finalise(desk, floor.sp, eid, "ict-stop-requested")
    assert err.value.field == "service_first"
    clock.advance(minutes=5)
    wf.set_service_first(desk, floor.sp, eid, "40055555")
    assert _doc(desk, doc_id).ict_requested_at == desk.now()
    done = wf.finalise(desk, floor.sp, eid, "ict-stop-requested")
    assert (done.escalation.status, done.escalation.final_reason) == ("finalised", "ict-stop-requested")
    assert done.escalation.next_action_at is None


def test_e1_finalising_ict_stop_records_the_request_on_the_doc(desk, floor) -> None:
    eid, doc_id = _arrears(desk, floor.tps)
    wf.finalise(desk, floor.sso, eid, "ict-stop-requested", service_first="40055555")
    doc = _doc(desk, doc_id)
    assert doc.ict_requested_at == desk.now()
    assert esc_svc.show(desk, floor.sp, eid).escalation.service_first == "40055555"


def test_e1_ict_stop_reason_fits_only_arrears(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "review")
    with pytest.raises(ValidationError, match="only to arrears"):
        wf.finalise(desk, floor.sp, eid, "ict-stop-requested", service_first="40055555")


# ---------------------------------------------------------------- E6
def test_e6_smart_centre_sp_refers_through_policy_advisor_form(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "policy", crn="")
    with pytest.raises(ValidationError) as err:
        wf.refer(desk, floor.sp, eid, target="policy-advisor")
    assert err.value.field == "form_ref"
    with pytest.raises(ValidationError, match="policy-advisor") as err:
        wf.refer(desk, floor.sp, eid, target="helpdesk", form_ref="X")
    assert err.value.field == "target"
    v = wf.refer(desk, floor.sp, eid, target="policy-advisor", form_ref="PA-2026-77").escalation
    assert (v.status, v.referral_target, v.referral_ref) == ("referred", "policy-advisor", "PA-2026-77")


def test_e6_smart_centre_tl_cannot_refer(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "policy", crn="")
    with pytest.raises(PermissionDenied, match="TL may not"):
        wf.refer(desk, floor.tl, eid, target="policy-advisor", form_ref="PA-1")


def test_e6_comp_recovery_tl_refers_to_the_helpdesk(desk, floor) -> None:
    eid = _raise(desk, floor.cr_tps, "policy", crn="")
    with pytest.raises(ValidationError, match="not a referral target in comp-recovery"):
        wf.refer(desk, floor.cr_tl, eid, target="policy-advisor", form_ref="PA-1")
    with pytest.raises(PermissionDenied):
        wf.refer(desk, floor.cr_tl, eid, target="ict")
    v = wf.refer(desk, floor.cr_tl, eid, target="helpdesk", form_ref="CHD-991").escalation
    # a TL cannot work it, so it stays unclaimed for the helpdesk SSO
    assert (v.status, v.referral_target, v.referral_ref, v.owner) == ("referred", "helpdesk", "CHD-991", None)


def test_e6_comp_recovery_sso_refers_to_the_helpdesk_and_so_cannot(desk, floor) -> None:
    eid = _raise(desk, floor.cr_tps, "policy", crn="")
    with pytest.raises(PermissionDenied):
        wf.refer(desk, floor.cr_so, eid, target="helpdesk", form_ref="CHD-1")
    assert wf.refer(desk, floor.cr_sso, eid, target="helpdesk", form_ref="CHD-1").escalation.owner == floor.cr_sso


def test_referral_options_follow_channel_and_role(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "system")
    sp = wf.referral_options(desk, floor.sp, eid)
    assert [t["key"] for t in sp["targets"]] == ["ict", "policy-advisor", "actdoc"]
    assert sp["checks_required"] and sp["system_checks"] == ALL_CHECKS
    assert sp["sp_mailbox"] == "sp.pcc@example.gov.au"
    assert "Processing Centre" in sp["actdoc_where"]
    tps = {t["key"]: t for t in wf.referral_options(desk, floor.tps, eid)["targets"]}
    assert tps["ict"]["allowed"] and tps["ict"]["needs"] == ["nnu_ref", "service_first"]
    assert not tps["actdoc"]["allowed"] and "W5" in tps["actdoc"]["reason"]
    cr = _raise(desk, floor.cr_tps, "policy", crn="")
    tl = {t["key"]: t for t in wf.referral_options(desk, floor.cr_tl, cr)["targets"]}
    assert tl["helpdesk"]["allowed"] and not tl["ict"]["allowed"]


# ---------------------------------------------------------------- F1
def test_f1_actdoc_handoff_prompts_to_finalise(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "review")
    with pytest.raises(ValidationError, match="Processing Centre") as err:
        wf.refer(desk, floor.sp, eid, target="actdoc", where="the moon")
    assert err.value.field == "where"
    result = wf.refer(desk, floor.sp, eid, target="actdoc", where="dm")
    assert result.finalise_prompt == "actdoc-sent"
    assert result.escalation.referral_ref == "Decision maker (DM)"
    done = wf.finalise(desk, floor.sp, eid, result.finalise_prompt)
    assert done.escalation.final_reason == "actdoc-sent"


def test_f1_actdoc_sent_needs_the_handoff_recorded(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "review")
    with pytest.raises(ValidationError, match="ACTDOC hand-off") as err:
        wf.finalise(desk, floor.sp, eid, "actdoc-sent")
    assert err.value.field == "where"


def test_f1_nnu_no_workaround_needs_the_nnu(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "system")
    with pytest.raises(ValidationError, match="NNU") as err:
        wf.finalise(desk, floor.sp, eid, "nnu-no-workaround")
    assert err.value.field == "nnu_ref"
    done = wf.finalise(desk, floor.sp, eid, "nnu-no-workaround", nnu_ref="NNU 2026/88")
    assert done.escalation.nnu_ref == "NNU 2026/88"


def test_f1_unknown_reason_lists_the_valid_ones(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "review")
    with pytest.raises(ValidationError) as err:
        wf.finalise(desk, floor.sp, eid, "done-and-dusted")
    assert err.value.field == "reason"
    for key in ("actdoc-sent", "nnu-no-workaround", "resolved", "review-decided"):
        assert key in str(err.value)
    with pytest.raises(ValidationError, match="withdraw"):
        wf.finalise(desk, floor.sp, eid, "withdrawn")


# ---------------------------------------------------------------- F2, D1, D2, D4, E3
def test_f2_d1_day_one_finalise_needs_no_d1(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "review")
    assert wf.finalise_requirements(desk, floor.sp, eid) == {}
    assert wf.finalise(desk, floor.sp, eid, "review-decided").escalation.status == "finalised"


def test_f2_d1_past_day_one_requires_each_field_and_the_file_note(desk, floor, clock) -> None:
    eid = _raise(desk, floor.tps, "review")
    esc_svc.claim(desk, floor.sp, eid)
    clock.advance(days=1)
    with pytest.raises(ValidationError) as err:
        wf.finalise(desk, floor.sp, eid, "review-decided")
    for name in ("action_taken", "resources_used", "so_action", "why_not_day_one", "file_note_done"):
        assert name in str(err.value)
    assert esc_svc.show(desk, floor.sp, eid).escalation.status == "in-progress"
    assert set(wf.finalise_requirements(desk, floor.sp, eid)) == {*D1, "file_note_done"}
    wf.document(desk, floor.sp, eid, **D1)
    assert set(wf.finalise_requirements(desk, floor.sp, eid)) == {"file_note_done"}
    wf.document(desk, floor.sp, eid, file_note_done=True)
    done = wf.finalise(desk, floor.sp, eid, "review-decided")
    assert done.escalation.status == "finalised"
    notes = [n.text for n in esc_svc.show(desk, floor.sp, eid).notes if n.kind == "documentation"]
    assert any("coded the death" in t and "waiting on ICT" in t for t in notes)  # D1: in the notes too


def test_c9_f2_day_one_is_the_raising_sites_local_date(desk, floor, clock) -> None:
    per = _raise(desk, floor.tps, "review", site="PER")  # Fri 08:00 AWST
    syd = _raise(desk, floor.tps, "review")  # Fri 10:00 AEST
    clock.set(datetime(2026, 9, 25, 14, 30, tzinfo=UTC))  # Fri 22:30 Perth, Sat 00:30 Sydney
    assert wf.finalise_requirements(desk, floor.sp, per) == {}
    assert "why_not_day_one" in wf.finalise_requirements(desk, floor.sp, syd)
    wf.finalise(desk, floor.sp, per, "resolved")
    with pytest.raises(ValidationError, match="why_not_day_one"):
        wf.finalise(desk, floor.sp, syd, "resolved")


def test_d2_information_not_processed_needs_doc_and_record_check(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "review")
    wf.document(desk, floor.sp, eid, d2_doc_required=True)
    with pytest.raises(ValidationError) as err:
        wf.finalise(desk, floor.sp, eid, "resolved")
    assert "d2_doc_done" in str(err.value) and "d2_record_checked" in str(err.value)
    wf.document(desk, floor.sp, eid, d2_doc_done=True)
    assert set(wf.finalise_requirements(desk, floor.sp, eid)) == {"d2_record_checked"}
    wf.document(desk, floor.sp, eid, d2_record_checked=True)
    assert wf.finalise(desk, floor.sp, eid, "resolved").escalation.status == "finalised"


def test_d4_comp_recovery_needs_the_file_note_even_on_day_one(desk, floor) -> None:
    eid = _raise(desk, floor.cr_tps, "review")
    with pytest.raises(ValidationError, match="D4") as err:
        wf.finalise(desk, floor.cr_sso, eid, "resolved")
    assert err.value.field == "file_note_done"
    wf.document(desk, floor.cr_sso, eid, file_note_done=True)
    assert wf.finalise(desk, floor.cr_sso, eid, "resolved").escalation.status == "finalised"


def test_e3_death_needs_the_sp_file_note_to_finalise(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "death")
    assert "E3" in wf.finalise_requirements(desk, floor.sp, eid)["file_note_done"]
    wf.document(desk, floor.sp, eid, file_note_done=True)
    assert wf.finalise(desk, floor.sp, eid, "resolved").escalation.status == "finalised"


def test_document_rejects_empty_input(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "review")
    with pytest.raises(ValidationError) as err:
        wf.document(desk, floor.sp, eid)
    assert err.value.field == "fields"
    with pytest.raises(ValidationError) as err:
        wf.document(desk, floor.sp, eid, action_taken="  ")
    assert err.value.field == "action_taken"


# ---------------------------------------------------------------- W1 to W4
def test_w1_day_one_within_so_scope_the_so_completes(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "review")
    wf.document(desk, floor.sp, eid, within_so_scope=True)
    work = wf.finalise(desk, floor.sp, eid, "resolved").completes_work
    assert (work.who, work.rule) == ("SO", "W1")
    assert wf.who_completes(desk, floor.sp, eid) == work


def test_w1_day_one_outside_so_scope_the_sp_completes(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "review")
    work = wf.finalise(desk, floor.sp, eid, "resolved").completes_work
    assert (work.who, work.rule) == ("SP", "W1")


def test_w2_not_finalised_on_day_one_the_sp_completes(desk, floor, clock) -> None:
    eid = _raise(desk, floor.tps, "review")
    wf.document(desk, floor.sp, eid, within_so_scope=True, file_note_done=True, **D1)
    clock.advance(days=1)
    work = wf.finalise(desk, floor.sp, eid, "resolved").completes_work
    assert (work.who, work.rule) == ("SP", "W2")


def test_w3_callback_is_the_sos_job_and_the_notes_say_so(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "review")
    wf.document(desk, floor.sp, eid, callback_required=True)
    notes = [n for n in esc_svc.show(desk, floor.sp, eid).notes if n.kind == "callback"]
    assert len(notes) == 1 and "SO" in notes[0].text and "call" in notes[0].text.lower()
    assert wf.who_completes(desk, floor.sp, eid).rule == "W3"
    work = wf.finalise(desk, floor.sp, eid, "resolved").completes_work
    assert (work.who, work.rule) == ("SO", "W3")
    assert len([n for n in esc_svc.show(desk, floor.sp, eid).notes if n.kind == "callback"]) == 1


def test_w4_nonstandard_work_is_done_by_the_sp(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "review")
    wf.document(desk, floor.sp, eid, within_so_scope=True, nonstandard_work=True)
    work = wf.finalise(desk, floor.sp, eid, "resolved").completes_work
    assert (work.who, work.rule) == ("SP", "W4")


def test_w_comp_recovery_names_the_sso(desk, floor) -> None:
    eid = _raise(desk, floor.cr_tps, "review")
    assert "SSO" in wf.who_completes(desk, floor.cr_sso, eid).text


# ---------------------------------------------------------------- F3, E12
def test_f3_finalised_is_read_only_except_a_new_note(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "review")
    wf.finalise(desk, floor.sp, eid, "resolved")
    for attempt in (
        lambda: wf.refer(desk, floor.sp, eid, target="actdoc", where="dm"),
        lambda: wf.document(desk, floor.sp, eid, action_taken="x"),
        lambda: wf.finalise(desk, floor.sp, eid, "resolved"),
        lambda: wf.withdraw(desk, floor.sp, eid, "mistake"),
        lambda: wf.set_service_first(desk, floor.sp, eid, "40012345"),
        lambda: esc_svc.record_follow_up(desk, floor.sp, eid, "checked"),
    ):
        with pytest.raises(ValidationError, match="F3"):
            attempt()
    assert esc_svc.add_note(desk, floor.sp, eid, "customer rang back, told").text == "customer rang back, told"


def test_f3_reopen_needs_a_reason_and_is_an_event(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "review")
    with pytest.raises(ValidationError, match="nothing to reopen"):
        wf.reopen(desk, floor.sp, eid, "why not")
    wf.finalise(desk, floor.sp, eid, "resolved")
    with pytest.raises(ValidationError) as err:
        wf.reopen(desk, floor.sso, eid, "  ")
    assert err.value.field == "reason"
    with pytest.raises(PermissionDenied):
        wf.reopen(desk, floor.tl, eid, "customer called again")
    v = wf.reopen(desk, floor.sso, eid, "customer called again")
    assert (v.status, v.owner, v.final_reason, v.finalised_at) == ("in-progress", floor.sso, "", None)
    [event] = _events(desk, floor.sp, eid, "reopened")
    assert event.detail["reason"] == "customer called again" and event.actor == floor.sso


def test_e12_withdraw_needs_a_reason_and_finalises_as_withdrawn(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "review")
    with pytest.raises(ValidationError):
        wf.withdraw(desk, floor.tps, eid, "")
    v = wf.withdraw(desk, floor.tps, eid, "raised on the wrong CRN")  # the raiser's own mistake
    assert (v.status, v.final_reason) == ("finalised", "withdrawn")
    [event] = _events(desk, floor.sp, eid, "withdrawn")
    assert event.detail["reason"] == "raised on the wrong CRN"


def test_e12_withdraw_by_others_needs_the_work_permission(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "review")
    with pytest.raises(PermissionDenied):
        wf.withdraw(desk, floor.tl, eid, "duplicate")
    esc_svc.claim(desk, floor.sp, eid)
    with pytest.raises(PermissionDenied, match="held by another"):
        wf.withdraw(desk, floor.tps, eid, "duplicate")
    assert wf.withdraw(desk, floor.sp, eid, "duplicate of another").final_reason == "withdrawn"


def test_e12_referral_is_the_first_action_and_sets_next_action(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "death")
    v = wf.refer(desk, floor.sp, eid, target="ict", checks=ALL_CHECKS)  # E5a: every ICT referral but E1's
    assert v.escalation.due_at is None  # E3's 24-hour action met by the referral
    assert v.escalation.next_action_at == v.escalation.next_follow_up_at is not None
    with desk.store.read() as s:
        assert s.get(Escalation, eid).actioned_at == desk.now()  # E3 "actioned": the first recorded action


# ---------------------------------------------------------------- E11, D3
def test_e11_cannot_work_another_officers_claim(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "review")
    esc_svc.claim(desk, floor.sp, eid)
    with pytest.raises(PermissionDenied, match="Sue Senior"):
        wf.finalise(desk, floor.sso, eid, "resolved")
    with pytest.raises(PermissionDenied, match="Sue Senior"):
        wf.document(desk, floor.sso, eid, action_taken="x")


def test_e11_stale_version_is_a_conflict_naming_who(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "review")
    seen = esc_svc.show(desk, floor.sp, eid).escalation.version
    wf.document(desk, floor.sp, eid, action_taken="checked the decision")
    with pytest.raises(Conflict, match="Sue Senior"):
        wf.finalise(desk, floor.sp, eid, "resolved", expected_version=seen)
    assert esc_svc.show(desk, floor.sp, eid).escalation.status == "in-progress"


def test_d3_each_change_is_a_note_and_an_event(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "review")
    wf.refer(desk, floor.sp, eid, target="actdoc", where="Service Centre", note="sent ACTDOC 1234")
    wf.set_service_first(desk, floor.sp, eid, "40012345")
    wf.finalise(desk, floor.sp, eid, "actdoc-sent", note="all done")
    detail = esc_svc.show(desk, floor.sp, eid)
    kinds = [e.kind for e in detail.events]
    assert {"referred", "service-first", "finalised"} <= set(kinds)
    texts = "\n".join(n.text for n in detail.notes)
    assert "sent ACTDOC 1234" in texts and "Service First number: 40012345" in texts and "all done" in texts


def test_unknown_escalation_and_user(desk, floor) -> None:
    with pytest.raises(NotFound):
        wf.refer(desk, floor.sp, 999, target="ict")
    eid = _raise(desk, floor.tps, "review")
    with pytest.raises(NotFound):
        wf.finalise(desk, "nobody", eid, "resolved")


def test_other_centre_cannot_work_it(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "review")
    # R5: another Centre's item is not theirs to see, and the refusal names nothing of it.
    with pytest.raises(PermissionDenied, match="not yours to see") as err:
        wf.finalise(desk, floor.cr_sso, eid, "resolved")
    assert "review" not in str(err.value) and floor.tps not in str(err.value)


def test_eped_recorded_on_referral(desk, floor) -> None:
    eid = _raise(desk, floor.tps, "system")
    v = wf.refer(desk, floor.sp, eid, target="ict", checks=ALL_CHECKS, eped=date(2026, 9, 29)).escalation
    assert v.eped == date(2026, 9, 29)
