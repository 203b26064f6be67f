"""Intake contacts through the services (I1 to I10, R1, R6)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import OWNER
from sqlalchemy import func
from sqlmodel import select

from tpsdesk.errors import Conflict, PermissionDenied, ValidationError
from tpsdesk.models import Contact, Escalation, Event, Outbox, StopPaymentDoc
from tpsdesk.services import escalations as esc_svc
from tpsdesk.services import intake
from tpsdesk.services import stop_payment as sp

CRN = "123456789A"
TECHNICAL = ["arrears-unsure", "status-rate", "cannot-finalise", "coding-error"]
# I1 (second edition): reasons 5 to 7 record the explicit "none: not a reference question"
# entry instead of an empty checklist; tests of those reasons that used references=[]
# now pass this (an empty checklist is never saved).
NONE_REF = [intake.NONE]
NOT_REFERENCE_QUESTIONS = ["unfavourable-decision", "supervisor", "incorrect-arrears"]
COMP_RECOVERY_ONLY = ["social-worker", "access-support", "qol-work"]


def counts(desk) -> dict[str, int]:
    with desk.store.read() as s:
        return {
            m.__name__: int(s.exec(select(func.count()).select_from(m)).one())
            for m in (Contact, Event, Escalation, Outbox, StopPaymentDoc)
        }


def ask(desk, logon: str, **kw: Any) -> intake.ContactView:
    """A complete technical contact; keywords override."""
    args: dict[str, Any] = dict(
        reason="status-rate",
        help_required="Rate shows single but record says partnered",
        references=["Ask Kristy"],
        confirmed_no_answer=True,
    )
    args.update(kw)
    return intake.open_contact(desk, logon, **args)


def events(desk, contact_id: int) -> list[str]:
    with desk.store.read() as s:
        return [e.kind for e in s.exec(select(Event).where(Event.contact_id == contact_id).order_by(Event.id)).all()]


# ---------------------------------------------------------------- I1 references
def test_i1_checklist_per_channel(policy) -> None:
    sc = intake.intake_guide(policy, "smart-centre").references
    cr = intake.intake_guide(policy, "comp-recovery").references
    assert sc == ["eReference", "Operational Blueprint", "Network News Update (NNU)", "Office Locator", "Ask Kristy"]
    assert "mySupport" in cr and "Roxy Digital Assistant response" in cr and "Ask Kristy" not in cr
    with pytest.raises(ValidationError, match="channel"):
        intake.intake_guide(policy, "nowhere")


@pytest.mark.parametrize("reason", TECHNICAL)
def test_i1_technical_reasons_need_a_reference_and_record_nothing(desk, floor, reason) -> None:
    before = counts(desk)
    with pytest.raises(ValidationError) as err:
        ask(desk, floor.so, reason=reason, references=[])
    assert err.value.field == "references" and "Ask Kristy" in err.value.message
    assert counts(desk) == before


def test_i1_other_reference_by_name_counts_and_is_stored(desk, floor) -> None:
    v = ask(desk, floor.so, references=["other"], reference_other="Payment rate calculator")
    assert v.references == [] and v.reference_other == "Payment rate calculator"
    with pytest.raises(ValidationError, match="name the other reference") as err:
        ask(desk, floor.so, references=["Other"], reference_other="  ")
    assert err.value.field == "reference_other"


def test_i1_references_matched_to_channel_spelling_and_unknown_refused(desk, floor) -> None:
    v = ask(desk, floor.so, references=["ask kristy", "EREFERENCE", "Ask Kristy"])
    assert v.references == ["Ask Kristy", "eReference"]
    with pytest.raises(ValidationError, match="not on the Smart Centre Call checklist") as err:
        ask(desk, floor.so, references=["mySupport"])  # a comp-recovery reference
    assert err.value.field == "references"
    cr = ask(desk, floor.cr_so, references=["mysupport"])
    assert cr.references == ["mySupport"]


def test_i1_none_entry_recorded_for_reasons_5_to_7_and_real_references_kept(desk, floor) -> None:
    # Second edition: this test used to accept an empty checklist for I2.6; now the
    # explicit none entry is recorded instead, and real references are kept as before.
    v = ask(
        desk,
        floor.so,
        reason="supervisor",
        supervisor_reason="complaint",
        help_required="unhappy with service",
        references=["None: not a reference question"],  # by its label, as the TUI shows it
        confirmed_no_answer=False,
    )
    assert v.references == [intake.NONE]
    with desk.store.read() as s:
        assert json.loads(s.get(Contact, v.id).references) == ["none"]  # told apart from a forgotten list
    w = ask(
        desk,
        floor.so,
        reason="incorrect-arrears",
        help_required="arrears on finalised claim",
        references=["Office Locator"],
        confirmed_no_answer=False,
    )
    assert w.references == ["Office Locator"]


# ---------------------------------------------------------------- I2 reasons and requesters
def test_i2_reasons_per_channel(policy, desk, floor) -> None:
    sc = [r.key for r in intake.intake_guide(policy, "smart-centre").reasons]
    cr = [r.key for r in intake.intake_guide(policy, "comp-recovery").reasons]
    extras = {"social-worker", "access-support", "qol-work"}
    assert extras <= set(cr) and not extras & set(sc)
    assert [r.n for r in intake.intake_guide(policy, "smart-centre").reasons] == [1, 2, 3, 4, 5, 6, 7]
    with pytest.raises(ValidationError, match="not a reason TPS takes in Smart Centre Call"):
        ask(desk, floor.so, reason="social-worker")
    with pytest.raises(ValidationError, match="reason"):
        ask(desk, floor.so, reason="")


@pytest.mark.parametrize("reason", ["status-rate", "cannot-finalise", "coding-error"])
def test_i2_2_to_4_confirm_reference_had_no_answer(desk, floor, reason) -> None:
    before = counts(desk)
    with pytest.raises(ValidationError) as err:
        ask(desk, floor.so, reason=reason, confirmed_no_answer=False)
    assert err.value.field == "confirmed_no_answer"
    assert counts(desk) == before
    assert ask(desk, floor.so, reason=reason).confirmed_no_answer is True


def test_i2_1_arrears_unsure_needs_no_confirmation(desk, floor) -> None:
    assert ask(desk, floor.so, reason="arrears-unsure", confirmed_no_answer=False).reason == "arrears-unsure"


def test_i2_comp_recovery_named_non_staff_requester(desk, floor) -> None:
    # Second edition (I1, I4): a social worker gives a logon ID too, and the
    # comp-recovery-only reasons need a real reference (they used to take none).
    v = ask(
        desk,
        floor.cr_tps,
        reason="social-worker",
        requester_kind="social-worker",
        requester_logon="wworker",
        requester_name="Wendy Worker",
        references=["mySupport"],
        help_required="coding of a compensation payment",
    )
    assert (v.requester_kind, v.requester_name, v.requester_logon) == ("social-worker", "Wendy Worker", "wworker")
    with pytest.raises(ValidationError) as err:
        ask(desk, floor.cr_tps, reason="access-support", requester_kind="zone-staff", requester_logon="zone.k",
            references=["mySupport"])  # fmt: skip
    assert err.value.field == "requester_name"
    with pytest.raises(ValidationError, match="cannot ask TPS in Smart Centre Call"):
        ask(desk, floor.tps, requester_kind="social-worker", requester_name="Wendy Worker")


# ---------------------------------------------------------------- I3 refusals
@pytest.mark.parametrize("channel_so", ["so", "cr_so"])
@pytest.mark.parametrize("reason", ["confirm-reference", "confirm-before-submit"])
def test_i3_refused_reasons_show_guidance_and_record_nothing(desk, floor, policy, reason, channel_so) -> None:
    before = counts(desk)
    with pytest.raises(intake.Refused) as err:
        ask(desk, getattr(floor, channel_so), reason=reason)
    assert err.value.guidance == policy.refused[reason].guidance
    assert counts(desk) == before


def test_i3_check_reason_and_channel_wording(policy) -> None:
    with pytest.raises(intake.Refused, match="does not confirm"):
        intake.check_reason(policy, "smart-centre", "confirm-reference")
    cr = {r.key: r.label for r in intake.intake_guide(policy, "comp-recovery").refused}
    sc = {r.key: r.label for r in intake.intake_guide(policy, "smart-centre").refused}
    assert "complete" in cr["confirm-before-submit"] and "submit" in sc["confirm-before-submit"]
    assert intake.check_reason(policy, "smart-centre", "coding-error") is None


# ---------------------------------------------------------------- I4 required information
def test_i4_missing_fields_as_you_type(policy) -> None:
    # Second edition (I4): the requester's logon is now part of the live check.
    empty = intake.missing_fields(policy, "smart-centre", reason="coding-error")
    assert set(empty) == {"requester_logon", "help_required", "references", "confirmed_no_answer"}
    assert (
        intake.missing_fields(
            policy,
            "smart-centre",
            reason="coding-error",
            requester_logon="so1",
            help_required="error 123 on coding",
            references=["NNU", "Network News Update (NNU)"][1:],
            confirmed_no_answer=True,
        )
        == {}
    )
    assert "reason" in intake.missing_fields(policy, "smart-centre")
    refused = intake.missing_fields(policy, "smart-centre", reason="confirm-reference")
    assert list(refused) == ["reason"] and "does not confirm" in refused["reason"]


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00\x07\x1b"])
def test_i4_help_required_cannot_be_blank(desk, floor, text) -> None:
    before = counts(desk)
    with pytest.raises(ValidationError) as err:
        ask(desk, floor.so, help_required=text)
    assert err.value.field == "help_required"
    assert counts(desk) == before


def test_i4_requester_name_and_logon_recorded(desk, floor) -> None:
    own = ask(desk, floor.so)
    assert (own.requester_name, own.requester_logon, own.recorded_by) == ("Sam Officer", "so1", "so1")
    for_so = ask(desk, floor.tps, requester_logon=floor.so)
    assert (for_so.requester_name, for_so.requester_logon, for_so.recorded_by) == ("Sam Officer", "so1", "tps1")
    # Second edition (I4): an SO requester's logon must be a staff member of the floor;
    # a logon not on it is refused on the logon (it used to be taken with a typed name).
    before = counts(desk)
    with pytest.raises(ValidationError) as err:
        ask(desk, floor.tps, requester_logon="visitor9", requester_name="Vic Visitor")
    assert err.value.field == "requester_logon" and "not the logon of a staff member" in err.value.message
    with pytest.raises(ValidationError, match="not a logon"):
        ask(desk, floor.tps, requester_logon="bad logon!", requester_name="X")
    assert counts(desk) == before


def test_i4_hostile_text_stored_plain_and_capped(desk, floor, policy) -> None:
    v = ask(desk, floor.so, help_required="[bold]rate[/bold] wrong\x1b[31m [/]")
    assert v.help_required == "[bold]rate[/bold] wrong[31m [/]"
    cap = policy.intake.max_help_chars
    with pytest.raises(ValidationError, match=f"the help text is {cap + 1:,} characters; the most is {cap:,}"):
        ask(desk, floor.so, help_required="x" * (cap + 1))


def test_r1_so_records_only_their_own_contacts(desk, floor) -> None:
    with pytest.raises(PermissionDenied, match="R1"):
        ask(desk, floor.so, requester_logon=floor.per_so)


# ---------------------------------------------------------------- I5 unfavourable decision
@pytest.mark.parametrize("maker", ["service-centre", "processing-team"])
def test_i5_decision_outside_smart_centre_is_redirected(desk, floor, policy, maker) -> None:
    before = counts(desk)
    with pytest.raises(intake.Refused) as err:
        ask(
            desk,
            floor.so,
            reason="unfavourable-decision",
            decision_by=maker,
            references=NONE_REF,
            confirmed_no_answer=False,
        )
    assert "Initial contact for review request" in err.value.guidance
    assert err.value.guidance == policy.decision.redirect_text
    assert counts(desk) == before


def test_i5_decision_maker_required_and_known(desk, floor) -> None:
    with pytest.raises(ValidationError) as err:
        ask(desk, floor.so, reason="unfavourable-decision", references=NONE_REF)
    assert err.value.field == "decision_by"
    with pytest.raises(ValidationError, match="unknown decision maker"):
        ask(desk, floor.so, reason="unfavourable-decision", decision_by="the-moon", references=NONE_REF)


def test_i5_review_request_becomes_e2_review_escalation(desk, floor) -> None:
    with pytest.raises(ValidationError) as err:
        ask(
            desk,
            floor.so,
            reason="unfavourable-decision",
            decision_by="smart-centre-so",
            review_requested=True,
            references=NONE_REF,
        )
    assert err.value.field == "crn"  # E2 needs the customer
    with pytest.raises(ValidationError) as err:
        ask(desk, floor.so, review_requested=True, crn=CRN)
    assert err.value.field == "review_requested"
    c = ask(
        desk,
        floor.so,
        reason="unfavourable-decision",
        decision_by="smart-centre-so",
        review_requested=True,
        crn=CRN,
        references=NONE_REF,
        help_required="wants a review of the rate decision",
    )
    assert c.suggested_outcomes == ["escalated"]
    done = intake.record_outcome(desk, floor.tps, c.id, ["resolved"])
    assert done.outcomes == ["resolved", "escalated"] and done.escalation_id is not None
    e = esc_svc.show(desk, floor.sp, done.escalation_id).escalation
    assert (e.category, e.crn) == ("review", CRN)
    with desk.store.read() as s:
        assert s.get(Escalation, done.escalation_id).contact_id == c.id


def test_i5_explanation_only_needs_no_escalation(desk, floor) -> None:
    c = ask(
        desk,
        floor.so,
        reason="unfavourable-decision",
        decision_by="smart-centre-so",
        references=NONE_REF,
        help_required="explain the rate decision",
    )
    assert intake.record_outcome(desk, floor.tps, c.id, ["resolved"]).escalation_id is None


# ---------------------------------------------------------------- I6 supervisor
def test_i6_complaint_is_transferred_to_tl(desk, floor) -> None:
    c = ask(
        desk,
        floor.so,
        reason="supervisor",
        supervisor_reason="complaint",
        references=NONE_REF,
        help_required="unhappy with wait time",
    )
    assert c.suggested_outcomes == ["transferred-tl"]
    with pytest.raises(ValidationError, match=r"transferred-tl.*Team Leader"):
        intake.record_outcome(desk, floor.tl, c.id, ["resolved"])
    assert intake.record_outcome(desk, floor.tl, c.id, ["transferred-tl"]).outcomes == ["transferred-tl"]


def test_i6_technical_needs_full_details_and_tps_takes_over(desk, floor) -> None:
    with pytest.raises(ValidationError, match="full details") as err:
        ask(
            desk,
            floor.so,
            reason="supervisor",
            supervisor_reason="technical",
            references=NONE_REF,
            help_required="rate query",
        )
    assert err.value.field == "help_required"
    c = ask(
        desk,
        floor.so,
        reason="supervisor",
        supervisor_reason="technical",
        references=NONE_REF,
        help_required="Customer disputes how the partner income test reduced the rate since July",
    )
    with pytest.raises(ValidationError, match="took-over"):
        intake.record_outcome(desk, floor.tps, c.id, ["transferred-tl"])
    assert intake.record_outcome(desk, floor.tps, c.id, ["took-over", "resolved"]).outcomes == ["resolved", "took-over"]


def test_i6_supervisor_reason_required_and_only_there(desk, floor) -> None:
    with pytest.raises(ValidationError) as err:
        ask(desk, floor.so, reason="supervisor", references=NONE_REF)
    assert err.value.field == "supervisor_reason"
    with pytest.raises(ValidationError, match="unknown supervisor reason"):
        ask(desk, floor.so, reason="supervisor", supervisor_reason="angry", references=NONE_REF)
    with pytest.raises(ValidationError) as err2:
        ask(desk, floor.so, supervisor_reason="complaint")
    assert err2.value.field == "supervisor_reason"


# ---------------------------------------------------------------- I7 confirmation message
def test_i7_outcome_queues_confirmation_in_same_transaction(desk, floor) -> None:
    c = ask(desk, floor.so)
    assert c.outbox_id is None
    done = intake.record_outcome(desk, floor.tps, c.id, ["resolved"])
    with desk.store.read() as s:
        msgs = s.exec(select(Outbox).where(Outbox.contact_id == c.id)).all()
    assert len(msgs) == 1 and msgs[0].id == done.outbox_id
    assert msgs[0].recipient == "so1" and f"contact {c.id}" in msgs[0].body and "Resolved by TPS" in msgs[0].body
    assert msgs[0].sent_at is None


def test_i7_message_goes_to_the_requesters_staff_email(desk, floor) -> None:
    from tpsdesk.services import setup

    setup.add_staff(desk, OWNER, "so9", "Eve Mail", "SO", "SYD", email="eve.mail@example.gov.au")
    c = ask(desk, floor.tps, requester_logon="so9")
    done = intake.record_outcome(desk, floor.tps, c.id, ["resolved"])
    with desk.store.read() as s:
        assert s.get(Outbox, done.outbox_id).recipient == "eve.mail@example.gov.au"


def test_i7_failed_outcome_leaves_no_message_and_contact_open(desk, floor) -> None:
    c = ask(desk, floor.so)
    before = counts(desk)
    with pytest.raises(ValidationError, match="category"):
        intake.record_outcome(desk, floor.tps, c.id, ["resolved", "escalated"])  # no category given
    assert counts(desk) == before
    assert intake.get_contact(desk, floor.so, c.id).status == "open"


def test_i7_non_staff_requester_addressed_by_logon(desk, floor) -> None:
    # Second edition (I4, I7): a non-staff requester now always has a logon ID, and the
    # confirmation is addressed to it (it used to go to the typed name).
    c = ask(
        desk,
        floor.cr_tps,
        reason="social-worker",
        requester_kind="social-worker",
        requester_logon="wworker",
        requester_name="Wendy Worker",
        references=["mySupport"],
    )
    done = intake.record_outcome(desk, floor.cr_tps, c.id, ["resolved"])
    with desk.store.read() as s:
        assert s.get(Outbox, done.outbox_id).recipient == "wworker"


# ---------------------------------------------------------------- I8 outcomes
def test_i8_so_cannot_record_outcome(desk, floor) -> None:
    c = ask(desk, floor.so)
    with pytest.raises(PermissionDenied, match="outcome"):
        intake.record_outcome(desk, floor.so, c.id, ["resolved"])


def test_i8_several_outcomes_in_policy_order_and_known_only(desk, floor) -> None:
    c = ask(desk, floor.so)
    with pytest.raises(ValidationError, match="unknown outcome"):
        intake.record_outcome(desk, floor.tps, c.id, ["fixed"])
    with pytest.raises(ValidationError, match="at least one"):
        intake.record_outcome(desk, floor.tps, c.id, [])
    done = intake.record_outcome(desk, floor.tps, c.id, ["took-over", "resolved", "resolved"])
    assert done.outcomes == ["resolved", "took-over"] and done.status == "complete" and done.outcome_by == "tps1"
    with pytest.raises(ValidationError, match="already"):
        intake.record_outcome(desk, floor.tps, c.id, ["resolved"])


def test_i8_stale_version_is_a_conflict(desk, floor) -> None:
    c = ask(desk, floor.so)
    with pytest.raises(Conflict):
        intake.record_outcome(desk, floor.tps, c.id, ["resolved"], expected_version=c.version + 1)


def test_i8_escalated_smart_centre_goes_to_the_centre_sp_queue(desk, floor) -> None:
    c = ask(desk, floor.so, crn=CRN)
    done = intake.record_outcome(
        desk, floor.tps, c.id, ["escalated"], category="death", summary="partner died, coding error"
    )
    e = esc_svc.show(desk, floor.sp, done.escalation_id)
    assert (e.escalation.category, e.escalation.centre, e.escalation.crn) == ("death", "PCC", CRN)
    with desk.store.read() as s:
        ev = s.exec(select(Event).where(Event.kind == "contact-escalated")).one()
    assert '"to": "SP"' in ev.detail and ev.contact_id == c.id


def test_i8_escalated_comp_recovery_goes_to_helpdesk_sso(desk, floor, policy) -> None:
    assert "Compensation Helpdesk" in intake.intake_guide(policy, "comp-recovery").escalate_to_label
    c = ask(desk, floor.cr_so, references=["mySupport"], crn=CRN)
    done = intake.record_outcome(desk, floor.cr_tps, c.id, ["escalated"], category="system")
    e = esc_svc.show(desk, floor.cr_sso, done.escalation_id).escalation
    assert e.centre == "CRC"
    with desk.store.read() as s:
        assert '"to": "SSO"' in s.exec(select(Event).where(Event.kind == "contact-escalated")).one().detail


def test_i8_e5b_direct_ict_referral_needs_nnu_and_service_first(desk, floor) -> None:
    c = ask(desk, floor.so, crn=CRN)
    before = counts(desk)
    with pytest.raises(ValidationError) as err:
        intake.record_outcome(desk, floor.tps, c.id, ["referred-ict"], service_first="SF-12345")
    assert err.value.field == "nnu_ref"
    with pytest.raises(ValidationError) as err:
        intake.record_outcome(desk, floor.tps, c.id, ["referred-ict"], nnu_ref="NNU 2026/123")
    assert err.value.field == "service_first"
    with pytest.raises(ValidationError, match="not a Service First"):
        intake.record_outcome(desk, floor.tps, c.id, ["referred-ict"], nnu_ref="NNU 2026/123", service_first="!!")
    assert counts(desk) == before
    done = intake.record_outcome(
        desk, floor.tps, c.id, ["referred-ict"], nnu_ref="NNU 2026/123", service_first="SF-12345"
    )
    assert (done.service_first, done.nnu_ref) == ("SF-12345", "NNU 2026/123")
    e = esc_svc.show(desk, floor.sp, done.escalation_id).escalation
    assert (e.category, e.status, e.referral_target, e.service_first, e.nnu_ref) == (
        "system",
        "referred",
        "ict",
        "SF-12345",
        "NNU 2026/123",
    )
    assert e.next_follow_up_at is not None and (e.next_follow_up_at - e.raised_at).days == 7  # E10 weekly


def test_i8_e5b_needs_refer_direct_permission(desk, floor) -> None:
    c = ask(desk, floor.so, crn=CRN)
    with pytest.raises(PermissionDenied, match="E5b"):
        intake.record_outcome(desk, floor.tl, c.id, ["referred-ict"], nnu_ref="NNU 1", service_first="SF-12345")


def test_i8_category_only_with_escalation(desk, floor) -> None:
    c = ask(desk, floor.so)
    with pytest.raises(ValidationError, match="only when"):
        intake.record_outcome(desk, floor.tps, c.id, ["resolved"], category="system")


def test_i2_7_incorrect_arrears_escalated_through_stop_payment_doc(desk, floor) -> None:
    c = ask(
        desk,
        floor.sso,
        requester_logon=floor.so,
        reason="incorrect-arrears",
        references=NONE_REF,
        confirmed_no_answer=False,
        help_required="finalised activity made arrears",
    )
    with pytest.raises(ValidationError, match="stop-payment DOC"):
        intake.record_outcome(desk, floor.sso, c.id, ["escalated"])
    data = sp.StopPaymentInput(
        CRN,
        "Age Pension",
        "812.40",
        "2026-08-01",
        "2026-08-28",
        "Customer left Australia on 1 August and is outside portability",
        True,
    )
    result = sp.save(desk, floor.sso, data, escalate=True, contact_id=c.id)
    before = counts(desk)["Escalation"]
    done = intake.record_outcome(desk, floor.sso, c.id, ["escalated"])
    assert done.escalation_id == result.escalation.id and done.crn == CRN
    assert counts(desk)["Escalation"] == before


# ---------------------------------------------------------------- I9, I10, history, visibility
def test_i9_i10_guidance_for_display(policy) -> None:
    sc = intake.intake_guide(policy, "smart-centre")
    cr = intake.intake_guide(policy, "comp-recovery")
    assert "Canberra policy units" in sc.guidance_other_units and "processing team" in sc.guidance_other_units
    assert "Smart Centre" in cr.guidance_other_units
    assert "Code of Conduct" in sc.code_of_conduct and "Team Leader" in sc.code_of_conduct
    assert sc.to_json()["channel"] == "smart-centre"


def test_d3_every_change_is_a_history_event(desk, floor) -> None:
    c = ask(desk, floor.so, crn=CRN)
    assert events(desk, c.id) == ["contact-opened"]
    intake.record_outcome(desk, floor.tps, c.id, ["escalated"], category="system")
    assert events(desk, c.id) == ["contact-opened", "contact-escalated", "contact-outcome"]


def test_r1_contacts_visible_to_requester_and_centre_staff_only(desk, floor) -> None:
    mine = ask(desk, floor.so)
    other = ask(desk, floor.per_so)
    assert [v.id for v in intake.list_contacts(desk, floor.so)] == [mine.id]
    assert {v.id for v in intake.list_contacts(desk, floor.tps)} == {mine.id, other.id}
    assert intake.list_contacts(desk, floor.tps, status="complete") == []
    with pytest.raises(PermissionDenied):
        intake.get_contact(desk, floor.per_so, mine.id)
    with pytest.raises(PermissionDenied):
        intake.get_contact(desk, floor.cr_tps, mine.id)
    with pytest.raises(PermissionDenied, match="another Centre"):
        intake.record_outcome(desk, floor.cr_tps, mine.id, ["resolved"])
    assert intake.get_contact(desk, floor.sp, mine.id).to_json()["id"] == mine.id


# ---------------------------------------------------------------- second edition: I1 references on every contact
def _branch(reason: str) -> dict[str, Any]:
    """What reasons 5 to 7 need besides references (I5 decision maker, I6 supervisor reason)."""
    return {
        "unfavourable-decision": {"decision_by": "smart-centre-so"},
        "supervisor": {"supervisor_reason": "complaint"},
    }.get(reason, {})


def test_i1_policy_offers_none_only_on_reasons_5_to_7(policy) -> None:
    for channel in ("smart-centre", "comp-recovery"):
        guide = intake.intake_guide(policy, channel)
        assert sorted(r.key for r in guide.reasons if r.none_allowed) == sorted(NOT_REFERENCE_QUESTIONS)
        assert all(r.references_required for r in guide.reasons)  # every contact records them
        assert guide.none_reference_label == policy.intake.none_reference_label


@pytest.mark.parametrize("reason", NOT_REFERENCE_QUESTIONS)
def test_i1_none_entry_recorded_for_a_reason_that_is_not_a_reference_question(desk, floor, reason) -> None:
    v = ask(desk, floor.so, reason=reason, references=NONE_REF, confirmed_no_answer=False, **_branch(reason))
    assert v.references == [intake.NONE] and v.reference_other == ""
    assert intake.get_contact(desk, floor.so, v.id).references == ["none"]


@pytest.mark.parametrize(
    ("so", "reason"),
    [("so", r) for r in TECHNICAL] + [("cr_tps", r) for r in COMP_RECOVERY_ONLY],
)
def test_i1_none_entry_refused_for_a_reference_question_saying_why(desk, floor, so, reason) -> None:
    before = counts(desk)
    with pytest.raises(ValidationError) as err:
        ask(desk, getattr(floor, so), reason=reason, references=NONE_REF, requester_logon=floor.so
            if so == "so" else "crso1")  # fmt: skip
    assert err.value.field == "references"
    assert "reference question" in err.value.message and "unfavourable-decision" in err.value.message
    assert counts(desk) == before


@pytest.mark.parametrize(
    ("who", "reason"),
    [("so", r) for r in TECHNICAL + NOT_REFERENCE_QUESTIONS] + [("cr_so", r) for r in COMP_RECOVERY_ONLY],
)
def test_i1_empty_checklist_is_never_saved_for_any_reason(desk, floor, who, reason) -> None:
    before = counts(desk)
    with pytest.raises(ValidationError) as err:
        ask(desk, getattr(floor, who), reason=reason, references=[], reference_other="", **_branch(reason))
    assert err.value.field == "references" and "tick" in err.value.message
    if reason in NOT_REFERENCE_QUESTIONS:  # the message offers the none entry only where it is allowed
        assert "not a reference question" in err.value.message
    assert counts(desk) == before


def test_i1_none_entry_beside_a_real_reference_is_refused(desk, floor) -> None:
    with pytest.raises(ValidationError, match="untick one") as err:
        ask(desk, floor.so, reason="supervisor", supervisor_reason="complaint", references=["none", "eReference"])
    assert err.value.field == "references"
    with pytest.raises(ValidationError, match="untick one"):
        ask(desk, floor.so, reason="supervisor", supervisor_reason="complaint", references=["none", "other"],
            reference_other="Team wiki")  # fmt: skip


def test_i1_other_reference_by_name_counts_for_every_reason(desk, floor) -> None:
    v = ask(desk, floor.cr_so, reason="qol-work", references=["other"], reference_other="QOL checklist")
    assert (v.references, v.reference_other) == ([], "QOL checklist")


# ---------------------------------------------------------------- second edition: I4 the requester's logon
def test_i4_name_alone_is_refused(desk, floor) -> None:
    before = counts(desk)
    with pytest.raises(ValidationError) as err:
        ask(desk, floor.tps, requester_name="Sam Officer")
    assert err.value.field == "requester_logon" and "a name alone" in err.value.message
    assert counts(desk) == before


def test_i4_recorder_is_never_substituted_for_the_requester(desk, floor) -> None:
    before = counts(desk)
    with pytest.raises(ValidationError) as err:
        ask(desk, floor.tps)  # a TPS recording for an SO gives the SO's logon
    assert err.value.field == "requester_logon" and "not the one recording" in err.value.message
    assert counts(desk) == before
    for_so = ask(desk, floor.tps, requester_logon=floor.so)
    assert (for_so.requester_logon, for_so.requester_name, for_so.recorded_by) == ("so1", "Sam Officer", "tps1")
    own = ask(desk, floor.tps, requester_logon=floor.tps)  # a TPS asking for themselves says so
    assert (own.requester_logon, own.recorded_by) == ("tps1", "tps1")


def test_i4_r1_so_recording_their_own_request_is_the_requester(desk, floor) -> None:
    v = ask(desk, floor.so)  # no logon typed: an SO only records their own requests (R1)
    assert (v.requester_logon, v.requester_name, v.recorded_by) == ("so1", "Sam Officer", "so1")
    assert ask(desk, floor.so, requester_logon=floor.so).requester_logon == "so1"


def test_i4_staff_requester_name_from_record_and_a_wrong_name_refused(desk, floor) -> None:
    assert ask(desk, floor.tps, requester_logon=floor.so, requester_name="sam  OFFICER").requester_name == "Sam Officer"
    with pytest.raises(ValidationError) as err:
        ask(desk, floor.tps, requester_logon=floor.so, requester_name="Pia Perth")
    assert err.value.field == "requester_name" and "check the logon ID" in err.value.message


@pytest.mark.parametrize("logon", ["a", "x" * 41, "bad logon", "-lead", "ab/c", "zo\u00e9"])
def test_i4_non_staff_logon_validated_by_form(desk, floor, logon) -> None:
    before = counts(desk)
    with pytest.raises(ValidationError) as err:
        ask(desk, floor.cr_tps, reason="social-worker", requester_kind="social-worker", requester_logon=logon,
            requester_name="Wendy Worker", references=["mySupport"])  # fmt: skip
    assert err.value.field == "requester_logon" and "not a logon ID" in err.value.message
    assert counts(desk) == before


def test_i4_non_staff_requester_needs_a_name_and_is_not_looked_up(desk, floor) -> None:
    with pytest.raises(ValidationError) as err:
        ask(desk, floor.cr_tps, reason="access-support", requester_kind="zone-staff", requester_logon="zone.k_2",
            references=["mySupport"])  # fmt: skip
    assert err.value.field == "requester_name" and "not staff of this floor" in err.value.message
    v = ask(desk, floor.cr_tps, reason="access-support", requester_kind="zone-staff", requester_logon="zone.k_2",
            requester_name="Kim Zone", references=["mySupport"])  # fmt: skip
    assert (v.requester_logon, v.requester_name) == ("zone.k_2", "Kim Zone")


def test_i4_i7_confirmation_goes_to_the_requester_not_the_recorder(desk, floor) -> None:
    c = ask(desk, floor.tps, requester_logon=floor.so)
    done = intake.record_outcome(desk, floor.tps, c.id, ["resolved"])
    with desk.store.read() as s:
        assert s.get(Outbox, done.outbox_id).recipient == "so1"  # so1 has no email on this floor: the logon


def test_i4_check_requester_is_pure_and_names_the_field(policy) -> None:
    guide = intake.intake_guide(policy, "comp-recovery")
    assert intake.check_requester(guide, "so", "crso1", "") == {}
    assert set(intake.check_requester(guide, "social-worker", "", "Wendy")) == {"requester_logon"}
    assert set(intake.check_requester(guide, "social-worker", "wworker", "")) == {"requester_name"}
    assert intake.requester_logon_for("", "so1", records_for_others=False) == "so1"  # R1: themselves
    assert intake.requester_logon_for("", "tps1", records_for_others=True) is None  # never the recorder


# ---------------------------------------------------------------- E2 (second edition)
def test_e2_review_of_another_smart_centre_officers_decision_becomes_a_review(desk, floor, policy) -> None:
    # E2: the SP reviews a decision made by any officer working in Smart Centre Call, not only an SO's.
    c = ask(
        desk,
        floor.so,
        reason="unfavourable-decision",
        decision_by="smart-centre-officer",
        review_requested=True,
        crn=CRN,
        references=NONE_REF,
        help_required="wants a review of the decision a TPS officer made",
    )
    done = intake.record_outcome(desk, floor.tps, c.id, ["resolved"])
    assert esc_svc.show(desk, floor.sp, done.escalation_id).escalation.category == "review"


def test_e2_i5_another_officers_decision_without_a_review_request_is_not_transferred(desk, floor, policy) -> None:
    # I5: only an SO's decision comes to TPS for a further explanation; another officer explains their own.
    before = counts(desk)
    with pytest.raises(intake.Refused) as err:
        ask(desk, floor.so, reason="unfavourable-decision", decision_by="smart-centre-officer", references=NONE_REF)
    assert err.value.guidance == policy.decision.review_only_text and "E2" in err.value.guidance
    assert counts(desk) == before


def test_e2_a_service_centre_decision_is_redirected_even_with_a_review_request(desk, floor, policy) -> None:
    with pytest.raises(intake.Refused) as err:
        ask(
            desk, floor.so, reason="unfavourable-decision", decision_by="service-centre", review_requested=True,
            crn=CRN, references=NONE_REF,
        )  # fmt: skip
    assert err.value.guidance == policy.decision.redirect_text


# ---------------------------------------------------------------- one transaction per act
def test_i8_contact_with_its_outcome_in_one_call_writes_everything_together(desk, floor) -> None:
    """The intake's save: the contact, its escalation, the I7 confirmation and both events at once."""
    before = counts(desk)
    chosen = intake.OutcomeInput(["escalated"], category="system", summary="Rate wrong after the update")
    view = ask(desk, "tps1", requester_logon="so1", crn=CRN, outcome=chosen)
    after = counts(desk)
    assert view.status == "complete" and view.escalation_id is not None and view.outbox_id is not None
    assert (after["Contact"], after["Escalation"], after["Outbox"]) == (
        before["Contact"] + 1,
        before["Escalation"] + 1,
        before["Outbox"] + 1,
    )
    kinds = events(desk, view.id)
    assert kinds[0] == "contact-opened" and kinds[-1] == "contact-outcome"


def test_i8_a_refused_outcome_leaves_no_half_saved_contact(desk, floor) -> None:
    """A bad Service First number (E5b) refuses the outcome, and with it the contact: nothing is written."""
    before = counts(desk)
    chosen = intake.OutcomeInput(["referred-ict"], nnu_ref="NNU 2026/114", service_first="SF 1!")
    with pytest.raises(ValidationError) as refused:
        ask(desk, "tps1", requester_logon="so1", crn=CRN, outcome=chosen)
    assert refused.value.field == "service_first"
    assert counts(desk) == before


def test_r6_an_so_saving_a_contact_with_an_outcome_is_refused_before_anything_is_written(desk, floor) -> None:
    before = counts(desk)
    with pytest.raises(PermissionDenied):
        ask(desk, "so1", outcome=intake.OutcomeInput(["resolved"]))
    assert counts(desk) == before
