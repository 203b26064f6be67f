"""Intake checklist (F2): every path from first question to outcome, checked in the
database afterwards (I1 to I9, E5b, I2.7 -> S)."""

from __future__ import annotations

import json

from sqlmodel import func, select
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select, Static, TextArea

from screens.intake import IntakeScreen
from screens.stop_payment import StopPaymentScreen
from screens.widgets.field_row import FieldRow
from screens.widgets.outcome_picker import OutcomePicker
from tpsdesk.models import Contact, Outbox
from tpsdesk.services import escalations, intake

HELP = "Rate shows single but the record says partnered since July"
MARKUP = "[/] [bold]x [0] [link=x] \\"


async def open_intake(app, pilot: Pilot) -> IntakeScreen:
    await pilot.pause()
    app.show_screen("intake")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, IntakeScreen)
    return screen


async def settle(pilot: Pilot) -> None:
    """Let pending change events start their workers, wait for them, then handle their messages."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def pick(screen: IntakeScreen, select_id: str, value: str) -> None:
    screen.query_one(f"#{select_id}", Select).value = value


def tick(screen: IntakeScreen, box_id: str) -> None:
    screen.query_one(f"#{box_id}", Checkbox).value = True


def contacts(desk) -> list[Contact]:
    with desk.store.read() as session:
        return list(session.exec(select(Contact).order_by(Contact.id)).all())


def outbox_count(desk) -> int:
    with desk.store.read() as session:
        return session.exec(select(func.count()).select_from(Outbox)).one()


def error_of(screen: IntakeScreen, field: str) -> str:
    return screen.query_one(f"#row-{field}", FieldRow).error


def text_of(screen: IntakeScreen, widget_id: str) -> str:
    return str(screen.query_one(f"#{widget_id}", Static).render())


async def fill_technical(screen: IntakeScreen, pilot: Pilot, *, help_text: str = HELP) -> None:
    """Reason I2.2 with a reference ticked (I1), the no-answer confirmation and the help needed (I4)."""
    pick(screen, "reason", "status-rate")
    tick(screen, "ref-0")
    tick(screen, "confirmed_no_answer")
    screen.query_one("#help_required", TextArea).insert(help_text)
    await pilot.pause()


async def test_i2_technical_reason_with_references_is_saved_open_for_an_so(desk, make_app) -> None:
    app = make_app("so1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        logon = screen.query_one("#requester_logon", Input)
        assert logon.value == "so1" and logon.disabled  # an SO asks as themselves (I4, R1)
        assert not screen.query("#outcome")  # an SO does not record outcomes (R6)
        await fill_technical(screen, pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        [row] = contacts(desk)
        assert (row.reason, row.status, row.requester_logon) == ("status-rate", "open", "so1")
        assert json.loads(row.references) == ["eReference"] and row.confirmed_no_answer
        assert row.help_required == HELP
        assert f"Recorded: contact #{row.id}" in text_of(screen, "in-result")


async def test_i3_refused_reason_shows_guidance_and_saves_nothing(desk, make_app, policy) -> None:
    app = make_app("so1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        pick(screen, "reason", "confirm-reference")
        screen.query_one("#help_required", TextArea).insert(HELP)
        await pilot.pause()
        guidance = policy.refused["confirm-reference"].guidance
        assert guidance in text_of(screen, "in-guidance")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert contacts(desk) == []
        assert "Not recorded" in text_of(screen, "in-result")


async def test_i4_missing_help_blocks_save_with_message_beside_field(desk, make_app) -> None:
    app = make_app("so1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        pick(screen, "reason", "coding-error")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert contacts(desk) == []
        assert "what help is required" in error_of(screen, "help_required")
        assert "tick at least one reference" in error_of(screen, "references")  # I1 for reasons 1-4
        assert "did not give the answer" in error_of(screen, "confirmed_no_answer")  # I2.2-4
        # Typing clears the message as you go (live I4 check).
        screen.query_one("#help_required", TextArea).insert(HELP)
        await pilot.pause()
        assert error_of(screen, "help_required") == ""


async def test_i5_decision_by_a_service_centre_redirects_and_saves_nothing(desk, make_app, policy) -> None:
    app = make_app("tps1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        screen.query_one("#requester_logon", Input).value = "so1"
        pick(screen, "reason", "unfavourable-decision")
        await pilot.pause()
        assert screen.query_one("#row-decision_by").display
        pick(screen, "decision_by", "service-centre")
        screen.query_one("#help_required", TextArea).insert(HELP)
        await pilot.pause()
        assert policy.decision.redirect_text in text_of(screen, "in-guidance")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert contacts(desk) == []


async def test_i5_review_request_becomes_e2_review_escalation(desk, make_app) -> None:
    app = make_app("tps1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        screen.query_one("#requester_logon", Input).value = "so1"
        pick(screen, "reason", "unfavourable-decision")
        await pilot.pause()
        pick(screen, "decision_by", "smart-centre-so")
        await pilot.pause()
        tick(screen, "review_requested")
        tick(screen, "ref-none")  # I1 second edition: reasons 5-7 record "none", not an empty checklist
        screen.query_one("#crn", Input).value = "123456789A"
        screen.query_one("#help_required", TextArea).insert(HELP)
        await pilot.pause()
        assert screen.query_one(OutcomePicker).chosen() == ["escalated"]
        await pilot.press("ctrl+s")
        await settle(pilot)
        [row] = contacts(desk)
        assert row.escalation_id is not None and json.loads(row.outcomes) == ["escalated"]
        assert escalations.show(desk, "sp1", row.escalation_id).escalation.category == "review"


async def test_i6_supervisor_complaint_is_transferred_to_tl(desk, make_app) -> None:
    app = make_app("tps1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        screen.query_one("#requester_logon", Input).value = "so1"
        pick(screen, "reason", "supervisor")
        await pilot.pause()
        pick(screen, "supervisor_reason", "complaint")
        tick(screen, "ref-none")  # I1 second edition: reasons 5-7 record "none", not an empty checklist
        screen.query_one("#help_required", TextArea).insert("Customer unhappy with the wait time on the phone")
        await pilot.pause()
        assert "warm-transfer" in text_of(screen, "in-guidance")
        await pilot.press("ctrl+s")
        await settle(pilot)
        [row] = contacts(desk)
        assert json.loads(row.outcomes) == ["transferred-tl"] and row.status == "complete"


async def test_i8_outcome_escalate_raises_escalation_and_queues_so_confirmation(desk, make_app) -> None:
    app = make_app("tps1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        screen.query_one("#requester_logon", Input).value = "so1"
        screen.query_one("#crn", Input).value = "123 456 789a"
        await fill_technical(screen, pilot)
        screen.query_one("#outcomes").select("escalated")
        await pilot.pause()
        assert screen.query_one("#row-category").display
        pick(screen, "category", "system")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        [row] = contacts(desk)
        assert row.escalation_id is not None and row.crn == "123456789A"
        detail = escalations.show(desk, "sp1", row.escalation_id)
        assert detail.escalation.category == "system" and detail.escalation.status == "new"
        assert outbox_count(desk) == 1  # I7: the SO's confirmation is queued
        result = text_of(screen, "in-result")
        # I7 second edition: the confirmation is the requester's (who may not be an SO).
        assert (
            f"Escalation #{row.escalation_id} raised" in result
            and "Confirmation queued for the requester so1" in result
        )


async def test_e5b_refer_to_ict_needs_nnu_and_service_first(desk, make_app) -> None:
    app = make_app("tps1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        screen.query_one("#requester_logon", Input).value = "so1"
        screen.query_one("#crn", Input).value = "123456789A"
        await fill_technical(screen, pilot)
        screen.query_one("#outcomes").select("referred-ict")
        pick(screen, "category", "system")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert contacts(desk) == []
        assert "NNU" in error_of(screen, "nnu_ref") and "Service First" in error_of(screen, "service_first")
        screen.query_one("#nnu_ref", Input).value = "NNU 2026/114"
        screen.query_one("#service_first", Input).value = "SF-123456"
        await pilot.press("ctrl+s")
        await settle(pilot)
        [row] = contacts(desk)
        assert (row.nnu_ref, row.service_first) == ("NNU 2026/114", "SF-123456")
        esc = escalations.show(desk, "sp1", row.escalation_id).escalation
        assert esc.service_first == "SF-123456" and esc.status == "referred"


async def test_i27_arrears_jumps_to_builder_with_crn(desk, make_app) -> None:
    app = make_app("so1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        pick(screen, "reason", "incorrect-arrears")
        screen.query_one("#crn", Input).value = "987654321B"
        await pilot.pause()
        assert screen.query_one("#build_doc").display
        await pilot.press("ctrl+b")
        await pilot.pause()
        builder = app.screen
        assert isinstance(builder, StopPaymentScreen)
        assert builder.query_one("#crn", Input).value == "987654321B"
        assert contacts(desk) == []  # jumping alone records nothing


async def test_i27_saving_arrears_contact_opens_builder_linked_to_it(desk, make_app) -> None:
    app = make_app("so1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        pick(screen, "reason", "incorrect-arrears")
        screen.query_one("#crn", Input).value = "987654321B"
        screen.query_one("#help_required", TextArea).insert("Arrears of $812 after the income update")
        await pilot.pause()
        tick(screen, "ref-none")  # I1 second edition: reasons 5-7 record "none", not an empty checklist
        await pilot.press("ctrl+s")
        await settle(pilot)
        [row] = contacts(desk)
        builder = app.screen
        assert isinstance(builder, StopPaymentScreen)
        assert builder.query_one("#crn", Input).value == "987654321B" and builder.contact_id == row.id


async def test_markup_in_help_name_and_reference_is_shown_and_stored_as_typed(desk, make_app) -> None:
    # I4 second edition: a requester who types a name is not staff of this floor (a staff
    # SO's name comes from the record), so this runs in comp-recovery with a social worker.
    app = make_app("crtps1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        pick(screen, "requester_kind", "social-worker")
        screen.query_one("#requester_logon", Input).value = "visitor1"
        screen.query_one("#requester_name", Input).value = "Jo " + MARKUP
        pick(screen, "reason", "status-rate")
        tick(screen, "ref-other")
        await pilot.pause()
        screen.query_one("#reference_other", Input).value = "Wiki " + MARKUP
        tick(screen, "confirmed_no_answer")
        screen.query_one("#help_required", TextArea).insert("Help " + MARKUP)
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        [row] = contacts(desk)
        assert row.help_required == "Help " + MARKUP
        assert row.requester_name == "Jo " + MARKUP and row.reference_other == "Wiki " + MARKUP
        assert "Requester: Jo " + MARKUP in text_of(screen, "in-result")
        view = intake.get_contact(desk, "crtps1", row.id)
        assert view.help_required == "Help " + MARKUP


async def test_keyboard_only_contact_from_f2_to_saved(desk, make_app) -> None:
    """Tab order and keys alone: reason, reference, confirmation, help, ctrl+s."""
    app = make_app("so1")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, IntakeScreen) and app.focused is screen.query_one("#reason")
        await pilot.press("enter", "down", "down", "enter")  # 2. payment status or rate
        await pilot.pause()
        assert screen.query_one("#reason", Select).value == "status-rate"
        await pilot.press("tab")
        assert app.focused is screen.query_one("#confirmed_no_answer")
        await pilot.press("space", "tab", "space")  # confirm; tick eReference
        await pilot.pause()
        assert screen.query_one("#ref-0", Checkbox).value
        for _ in range(len(screen.guide.references)):
            await pilot.press("tab")
        await pilot.press("tab")  # past "Other"
        assert app.focused is screen.query_one("#help_required")
        await pilot.press(*"Cannot finalise update")
        await pilot.press("tab", *"123456789A", "enter")  # Enter in the last field saves
        await settle(pilot)
        [row] = contacts(desk)
        assert row.reason == "status-rate" and row.help_required == "Cannot finalise update"
        assert row.crn == "123456789A"


async def test_service_error_shows_beside_field_and_keeps_typed_text(desk, make_app) -> None:
    """An SO's logon must be on the floor (I4, second edition: it used to take a typed name
    instead): the core's message beside the logon, nothing saved, text kept."""
    app = make_app("tps1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        screen.query_one("#requester_logon", Input).value = "nobody9"
        await fill_technical(screen, pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert contacts(desk) == []
        assert "not the logon of a staff member" in error_of(screen, "requester_logon")
        assert screen.query_one("#help_required", TextArea).text == HELP


async def test_i8_refused_outcome_saves_nothing_and_the_fix_saves_both_once(desk, make_app) -> None:
    """One transaction per act: a refused outcome leaves no half-saved contact; fixing the
    field and saving again records one contact, complete, with its escalation (I8, E5b)."""
    app = make_app("tps1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        screen.query_one("#requester_logon", Input).value = "so1"
        screen.query_one("#crn", Input).value = "123456789A"
        await fill_technical(screen, pilot)
        screen.query_one("#outcomes").select("referred-ict")
        screen.query_one("#nnu_ref", Input).value = "NNU 2026/114"
        screen.query_one("#service_first", Input).value = "SF 1!"  # not a Service First number
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert contacts(desk) == []
        assert "Service First" in error_of(screen, "service_first")
        assert text_of(screen, "in-result").startswith("Not saved.")
        assert "is saved" not in text_of(screen, "in-result")
        screen.query_one("#service_first", Input).value = "SF-778899"
        await pilot.press("ctrl+s")
        await settle(pilot)
        [row] = contacts(desk)
        assert row.status == "complete" and row.service_first == "SF-778899" and row.escalation_id is not None


async def test_i2_comp_recovery_social_worker_requester_and_checklist(desk, make_app, policy) -> None:
    app = make_app("crtps1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        assert screen.query_one("#row-requester_kind").display  # CR takes several kinds of requester
        assert screen.guide.references == list(policy.channels["comp-recovery"].references)
        pick(screen, "requester_kind", "social-worker")
        pick(screen, "reason", "social-worker")
        # I1, I4 second edition: the social worker's logon and a checked reference are required.
        screen.query_one("#requester_logon", Input).value = "wworker"
        tick(screen, "ref-1")
        screen.query_one("#help_required", TextArea).insert("Coding advice on a compensation preclusion period")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert contacts(desk) == [] and "name" in error_of(screen, "requester_name")
        screen.query_one("#requester_name", Input).value = "Wendy Worker"
        await pilot.press("ctrl+s")
        await settle(pilot)
        [row] = contacts(desk)
        assert (row.requester_kind, row.requester_name, row.channel) == (
            "social-worker",
            "Wendy Worker",
            "comp-recovery",
        )


async def test_new_contact_clears_form_without_messages_and_saves_again(desk, make_app) -> None:
    app = make_app("so1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        await fill_technical(screen, pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("ctrl+s")  # the same contact is not saved twice
        await settle(pilot)
        assert len(contacts(desk)) == 1
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.query_one("#help_required", TextArea).text == ""
        assert screen.query_one("#reason", Select).value is Select.NULL
        assert all(error_of(screen, f) == "" for f in ("help_required", "references", "reason"))
        assert screen.query_one("#requester_logon", Input).value == "so1"
        await fill_technical(screen, pilot, help_text="Second question about a rate")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [c.help_required for c in contacts(desk)] == [HELP, "Second question about a rate"]


async def test_i6_supervisor_technical_tps_takes_over_with_full_details(desk, make_app) -> None:
    app = make_app("tps1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        screen.query_one("#requester_logon", Input).value = "so1"
        pick(screen, "reason", "supervisor")
        await pilot.pause()
        pick(screen, "supervisor_reason", "technical")
        tick(screen, "ref-none")  # I1 second edition: reasons 5-7 record "none", not an empty checklist
        screen.query_one("#help_required", TextArea).insert("Rate query")
        await pilot.pause()
        assert screen.query_one(OutcomePicker).chosen() == ["took-over"]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert contacts(desk) == [] and "full details" in error_of(screen, "help_required")  # I6
        screen.query_one("#help_required", TextArea).insert(" after the partner's income changed in July and August")
        await pilot.press("ctrl+s")
        await settle(pilot)
        [row] = contacts(desk)
        assert json.loads(row.outcomes) == ["took-over"]


async def test_r6_tl_is_not_offered_direct_ict_referral(desk, make_app) -> None:
    app = make_app("tl1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        offered = screen.query_one(OutcomePicker).outcomes
        assert "referred-ict" not in offered and "transferred-tl" in offered  # E5b is TPS/SP/SSO only


# ---------------------------------------------------------------- second edition: I1, I4 in the intake
async def test_i1_none_entry_shown_only_for_reasons_5_to_7(desk, make_app, policy) -> None:
    app = make_app("so1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        none_box = screen.query_one("#ref-none", Checkbox)
        assert not none_box.display  # no reason yet
        for reason in ("unfavourable-decision", "supervisor", "incorrect-arrears"):
            pick(screen, "reason", reason)
            await pilot.pause()
            assert none_box.display, reason
            assert policy.intake.none_reference_label in str(none_box.label)
        none_box.value = True
        await pilot.pause()
        for reason in ("arrears-unsure", "status-rate", "cannot-finalise", "coding-error"):
            pick(screen, "reason", reason)
            await pilot.pause()
            assert not none_box.display and not none_box.value, reason  # hidden means not ticked


async def test_i4_requester_logon_required_and_reported_beside_the_field(desk, make_app) -> None:
    app = make_app("tps1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        assert screen.query_one("#row-requester_logon", FieldRow).required
        await fill_technical(screen, pilot)  # everything but the requester
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert contacts(desk) == []  # never recorded as the TPS's own request
        assert "requester's logon ID" in error_of(screen, "requester_logon")
        assert app.focused is screen.query_one("#requester_logon")
        screen.query_one("#requester_name", Input).value = "Sam Officer"  # a name alone
        await pilot.pause()
        assert "a name alone" in error_of(screen, "requester_logon")
        screen.query_one("#requester_logon", Input).value = "so1"
        await pilot.pause()
        assert error_of(screen, "requester_logon") == ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        [row] = contacts(desk)
        assert (row.requester_logon, row.requester_name) == ("so1", "Sam Officer")


async def test_i1_keyboard_only_none_entry_for_incorrect_arrears(desk, make_app) -> None:
    """Keys alone: reason 7, the none entry, help, CRN, Enter saves (and opens the builder)."""
    app = make_app("so1")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, IntakeScreen) and app.focused is screen.query_one("#reason")
        await pilot.press("enter", *["down"] * 7, "enter")  # 7. incorrect arrears
        await pilot.pause()
        assert screen.query_one("#reason", Select).value == "incorrect-arrears"
        for _ in range(len(screen.guide.references) + 2):  # the checklist, "Other", then "None"
            await pilot.press("tab")
        assert app.focused is screen.query_one("#ref-none")
        await pilot.press("space", "tab", *"Arrears after finalising", "tab", *"987654321B", "enter")
        await settle(pilot)
        [row] = contacts(desk)
        assert json.loads(row.references) == ["none"] and row.requester_logon == "so1"
        assert isinstance(app.screen, StopPaymentScreen)


async def test_ctrl_n_on_unsaved_text_asks_and_keep_leaves_the_form_as_typed(desk, make_app) -> None:
    from screens.widgets.confirm import ConfirmDiscard

    app = make_app("so1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        await pilot.press("ctrl+n")  # a blank form: nothing to lose, nothing asked
        await settle(pilot)
        assert app.screen is screen
        await fill_technical(screen, pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDiscard)
        await pilot.press("escape")  # keep editing
        await settle(pilot)
        assert app.screen is screen and screen.query_one("#help_required", TextArea).text == HELP
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press("y")  # discard
        await settle(pilot)
        assert app.screen is screen and screen.query_one("#help_required", TextArea).text == ""
        assert contacts(desk) == []


async def test_ctrl_q_with_an_unsaved_intake_in_another_mode_asks_before_leaving(desk, make_app) -> None:
    from screens.widgets.confirm import ConfirmDiscard

    app = make_app("so1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        await fill_technical(screen, pilot)
        app.show_screen("queue")
        await settle(pilot)
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDiscard) and app.is_running
        assert "contact you are recording" in str(app.screen.query_one("#confirm-text", Static).render())
        await pilot.press("n")
        await settle(pilot)
        assert app.is_running and not isinstance(app.screen, ConfirmDiscard)
        await pilot.press("ctrl+q")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.return_code is not None or not app.is_running


async def test_ctrl_q_after_saving_leaves_without_asking(desk, make_app) -> None:
    app = make_app("so1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        await fill_technical(screen, pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert len(contacts(desk)) == 1
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert not app.is_running or app.return_code is not None
