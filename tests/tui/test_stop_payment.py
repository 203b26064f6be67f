"""Stop-payment DOC builder (F4): S0 check, live field messages (S1, S2), the
preview is the core's DOC text (S5), copy (OSC 52), save and escalate as E1 due
before COB (C6, S3, S4). Checked in the database afterwards."""

from __future__ import annotations

from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select, Static

from screens.stop_payment import StopPaymentScreen
from screens.widgets.doc_preview import DocPreview
from screens.widgets.field_row import FieldRow
from tpsdesk.models import StopPaymentDoc
from tpsdesk.services import escalations
from tpsdesk.services import stop_payment as sp

MARKUP = "[/] [bold]x [0] [link=x] \\"
VALID = sp.StopPaymentInput(
    crn="123456789A",
    payment_type="JobSeeker Payment",
    amount="1234.50",
    period_from="2026-08-01",
    period_to="2026-08-28",
    reason="Income from new employment was reported on 3 August and cancels the rate",
    ar_checked=True,
)


async def open_builder(app, pilot: Pilot) -> StopPaymentScreen:
    await pilot.pause()
    app.show_screen("stop_payment")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, StopPaymentScreen)
    return screen


async def settle(pilot: Pilot) -> None:
    """Let pending change events start their workers, wait for them, then handle their messages."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def fill(screen: StopPaymentScreen, pilot: Pilot, data: sp.StopPaymentInput) -> None:
    screen.query_one("#ar_checked", Checkbox).value = data.ar_checked
    for field in ("crn", "amount", "period_from", "period_to", "reason"):
        screen.query_one(f"#{field}", Input).value = getattr(data, field)
    types = screen.app.desk.policy.stop_payment.payment_types
    if data.payment_type in types:
        screen.query_one("#payment_type", Select).value = data.payment_type
    else:
        screen.query_one("#payment_type", Select).value = "Other"
        await pilot.pause()
        screen.query_one("#payment_other", Input).value = data.payment_type
    await settle(pilot)


def docs(desk) -> list[StopPaymentDoc]:
    with desk.store.read() as session:
        return list(session.exec(select(StopPaymentDoc).order_by(StopPaymentDoc.id)).all())


def error_of(screen: StopPaymentScreen, field: str) -> str:
    return screen.query_one(f"#row-{field}", FieldRow).error


async def test_s1_s2_invalid_amount_and_vague_reason_show_messages_and_save_nothing(desk, make_app) -> None:
    app = make_app("so1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_builder(app, pilot)
        bad = sp.StopPaymentInput(**{**VALID.__dict__, "amount": "-12.345", "reason": "customer not entitled"})
        await fill(screen, pilot, bad)
        assert "positive" in error_of(screen, "amount")
        assert "not acceptable" in error_of(screen, "reason")
        assert error_of(screen, "crn") == ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert docs(desk) == []
        assert screen.query_one("#preview", DocPreview).text == ""


async def test_s0_save_is_refused_until_ar_screen_checked(desk, make_app) -> None:
    app = make_app("so1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_builder(app, pilot)
        await fill(screen, pilot, sp.StopPaymentInput(**{**VALID.__dict__, "ar_checked": False}))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert docs(desk) == []
        assert "Activity Results" in error_of(screen, "ar_checked")
        assert app.focused is screen.query_one("#ar_checked")


async def test_s5_valid_input_preview_equals_render(desk, make_app) -> None:
    app = make_app("so1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_builder(app, pilot)
        await fill(screen, pilot, VALID)
        assert all(error_of(screen, f) == "" for f in sp.FIELDS)
        assert screen.query_one("#preview", DocPreview).text == sp.render(desk, "so1", VALID)


async def test_e1_save_and_escalate_records_doc_and_arrears_escalation_due_cob(desk, make_app) -> None:
    app = make_app("so1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_builder(app, pilot)
        await fill(screen, pilot, VALID)
        await pilot.press("ctrl+s")
        await settle(pilot)
        [doc] = docs(desk)
        assert (doc.crn, doc.amount_cents, doc.escalation_id is not None) == ("123456789A", 123450, True)
        esc = escalations.show(desk, "sp1", doc.escalation_id).escalation
        assert esc.category == "arrears" and esc.crn == "123456789A" and esc.status == "new"
        # Fri 25 Sep 10:00 AEST -> due COB the same day, 17:00 Sydney = 07:00 UTC (C6).
        assert esc.due_at is not None and esc.due_at.isoformat() == "2026-09-25T07:00:00+00:00"
        result = str(screen.query_one("#sp-result", Static).render())
        assert f"Escalated: #{esc.id}" in result and "Fri 25 Sep 2026 17:00 AEST" in result
        route = str(screen.query_one("#sp-route", Static).render())
        assert app.desk.policy.channels["smart-centre"].arrears_route_text[:30] in route  # S4
        assert "AFTER HOURS" not in result


async def test_c6_after_cob_save_is_flagged_after_hours(desk, make_app, clock) -> None:
    clock.advance(hours=8)  # Fri 18:00 Sydney, after COB
    app = make_app("so1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_builder(app, pilot)
        await fill(screen, pilot, VALID)
        await pilot.press("ctrl+s")
        await settle(pilot)
        [doc] = docs(desk)
        esc = escalations.show(desk, "sp1", doc.escalation_id).escalation
        assert esc.after_hours
        result = str(screen.query_one("#sp-result", Static).render())
        assert "AFTER HOURS: act at once" in result and "Mon 28 Sep 2026 17:00 AEST" in result


async def test_copy_puts_doc_text_on_clipboard(desk, make_app) -> None:
    app = make_app("so1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_builder(app, pilot)
        await pilot.press("ctrl+o")  # nothing to copy yet
        assert app.clipboard == ""
        await fill(screen, pilot, VALID)
        await pilot.press("ctrl+o")
        assert app.clipboard == sp.render(desk, "so1", VALID)


async def test_other_payment_type_and_markup_are_shown_and_stored_as_typed(desk, make_app) -> None:
    app = make_app("so1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_builder(app, pilot)
        data = sp.StopPaymentInput(
            **{**VALID.__dict__, "payment_type": "Bonus " + MARKUP, "reason": "Employer paid back pay " + MARKUP}
        )
        await fill(screen, pilot, data)
        preview = screen.query_one("#preview", DocPreview)
        assert "Bonus " + MARKUP in preview.text
        assert "Employer paid back pay " + MARKUP in str(preview.render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        [doc] = docs(desk)
        assert doc.payment_type == "Bonus " + MARKUP and doc.reason == "Employer paid back pay " + MARKUP
        assert doc.text == preview.text


async def test_crn_with_markup_shows_message_as_typed(desk, make_app) -> None:
    app = make_app("so1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_builder(app, pilot)
        screen.query_one("#crn", Input).value = "[bold 12\\"
        await settle(pilot)
        row = screen.query_one("#row-crn", FieldRow)
        assert "[bold 12" in row.error and "[bold 12" in str(row.query_one(".field-error").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert docs(desk) == []


async def test_prefill_from_intake_starts_new_doc_with_crn(desk, make_app) -> None:
    app = make_app("tps1")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.open_stop_payment("555666777C")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StopPaymentScreen)
        assert screen.query_one("#crn", Input).value == "555666777C"
        assert app.focused is screen.query_one("#ar_checked")


async def test_new_doc_clears_form_without_messages(desk, make_app) -> None:
    app = make_app("so1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_builder(app, pilot)
        await fill(screen, pilot, VALID)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("ctrl+s")  # already saved: not twice
        await settle(pilot)
        assert len(docs(desk)) == 1
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.query_one("#crn", Input).value == "" and not screen.query_one("#ar_checked", Checkbox).value
        assert all(error_of(screen, f) == "" for f in sp.FIELDS)
        assert screen.query_one("#preview", DocPreview).text == ""


async def test_keyboard_only_doc_from_f4_to_escalated(desk, make_app) -> None:
    """80x24, keys only: S0 answer, fields in Tab order, Enter in the last field saves and escalates."""
    app = make_app("so1")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f4")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StopPaymentScreen) and app.focused is screen.query_one("#ar_checked")
        await pilot.press("space", "tab", *"123456789A", "tab", "enter", *"Job", "enter")
        await pilot.pause()
        assert screen.query_one("#payment_type", Select).value == "JobSeeker Payment"
        await pilot.press("tab", *"812.40", "tab", *"2026-08-01", "tab", *"2026-08-28", "tab")
        await pilot.press(*"New employment income reported 3 August cancels the rate", "enter")
        await settle(pilot)
        [doc] = docs(desk)
        assert (doc.amount_cents, doc.payment_type, doc.escalation_id is not None) == (81240, "JobSeeker Payment", True)


async def test_s1_save_without_escalating_keeps_doc_and_says_escalate_before_cob(desk, make_app) -> None:
    app = make_app("tps1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_builder(app, pilot)
        await fill(screen, pilot, VALID)
        screen.query_one("#escalate", Checkbox).value = False
        await pilot.press("ctrl+s")
        await settle(pilot)
        [doc] = docs(desk)
        assert doc.escalation_id is None
        result = str(screen.query_one("#sp-result", Static).render())
        assert "Not escalated: escalate it as E1 before COB Fri 25 Sep 2026 17:00 AEST" in result


async def test_s5_save_button_saves_like_ctrl_s(desk, make_app) -> None:
    # The mouse works too: the Save button runs the same action as ctrl+s.
    app = make_app("so1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_builder(app, pilot)
        await fill(screen, pilot, VALID)
        screen.query_one("#save").press()
        await settle(pilot)
        assert [d.crn for d in docs(desk)] == ["123456789A"]
