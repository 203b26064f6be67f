"""Queue actions that work an escalation to its end (E5, F1, F3, W), checked in the database."""

from __future__ import annotations

from textual.widgets import Checkbox, Input, Select, TextArea

from screens.queue.detail import EscalationDetailView
from screens.widgets.action_dialogs import FormDialog
from tpsdesk.services import escalations
from tui.helpers import notices, raise_some, settle


async def _detail(app, pilot) -> None:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def test_f1_hand_off_by_actdoc_offers_to_finalise_and_finalises(desk, make_app) -> None:
    [eid] = raise_some(desk, 1, category="review")
    escalations.claim(desk, "sp1", eid)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await _detail(app, pilot)
        await pilot.press("h")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        assert dialog.query_one("#field-target", Select).value == "actdoc"
        where = dialog.query_one("#field-where", Select)
        where.value = next(value for _, value in where._options if value is not Select.NULL)
        await pilot.press("ctrl+s")
        await settle(pilot)
        offer = app.screen  # F1: the screen offers to finalise after the hand-off
        assert isinstance(offer, FormDialog) and offer is not dialog
        assert offer.query_one("#field-reason", Select).value == "actdoc-sent"
        assert escalations.show(desk, "sp1", eid).escalation.status == "referred"
        await pilot.press("ctrl+s")
        await settle(pilot)
        after = escalations.show(desk, "sp1", eid).escalation
        assert after.status == "finalised" and after.final_reason
        assert "completes the work" in app.screen.query_one(EscalationDetailView).body_text


async def test_e5a_system_referral_records_the_six_checks(desk, make_app) -> None:
    [eid] = raise_some(desk, 1, category="system")
    escalations.claim(desk, "sp1", eid)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await _detail(app, pilot)
        await pilot.press("r")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        dialog.query_one("#field-target", Select).value = "ict"
        boxes = list(dialog.query(Checkbox))
        assert len(boxes) == 6
        boxes[0].value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog  # five checks missing: refused, text kept
        assert "E5" in str(dialog.query_one("#dialog-error").content)
        assert escalations.show(desk, "sp1", eid).escalation.status != "referred"
        for box in boxes:
            box.value = True
        dialog.query_one("#field-service_first", Input).value = "SF1234567"
        await pilot.press("ctrl+s")
        await settle(pilot)
        after = escalations.show(desk, "sp1", eid)
        assert after.escalation.status == "referred" and after.escalation.referral_target == "ict"
        assert after.escalation.service_first == "SF1234567"


async def test_f3_reopen_and_e12_withdraw_with_reason(desk, make_app) -> None:
    a, b = raise_some(desk, 2)
    escalations.claim(desk, "sp1", a)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await _detail(app, pilot)
        await pilot.press("w")
        await pilot.pause()
        app.screen.query_one(TextArea).insert("raised twice by mistake")
        await pilot.press("ctrl+s")
        await settle(pilot)
        first = escalations.show(desk, "sp1", a).escalation
        assert first.status == "finalised"
        await pilot.press("R")
        await pilot.pause()
        app.screen.query_one(TextArea).insert("it was not a duplicate after all")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert escalations.show(desk, "sp1", a).escalation.status == "in-progress"
    assert escalations.show(desk, "sp1", b).escalation.status == "new"


async def test_w5_assign_to_pool_member_and_who_completes(desk, make_app) -> None:
    [eid] = raise_some(desk, 1)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await _detail(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one("#field-to", Select).value = "tps2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert escalations.show(desk, "sp1", eid).escalation.owner == "tps2"
        await pilot.press("W")
        await settle(pilot)
        assert any("completes the work" in n for n in notices(app))


async def test_e9_follow_up_recorded_on_referral(desk, make_app) -> None:
    from tpsdesk.services import workflow

    [eid] = raise_some(desk, 1, category="policy")
    escalations.claim(desk, "sp1", eid)
    workflow.refer(desk, "sp1", eid, target="policy-advisor", form_ref="PA-77")
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await _detail(app, pilot)
        await pilot.press("f")
        await pilot.pause()
        app.screen.query_one(TextArea).insert("advisor still investigating")
        await pilot.press("ctrl+s")
        await settle(pilot)
    detail = escalations.show(desk, "sp1", eid)
    assert detail.notes[-1].text == "advisor still investigating" and detail.notes[-1].kind == "follow-up"


async def test_e5_service_first_number_saved_with_enter(desk, make_app) -> None:
    [eid] = raise_some(desk, 1, category="system")
    escalations.claim(desk, "sp1", eid)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await _detail(app, pilot)
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)
        await pilot.press(*"SF7654321", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, FormDialog)
    assert escalations.show(desk, "sp1", eid).escalation.service_first == "SF7654321"
