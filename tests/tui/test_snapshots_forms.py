"""SVG snapshots of the intake checklist and the stop-payment DOC builder, at 120x40
(the room of a wide terminal) and 80x24 (a desk terminal), with the fake clock
(Fri 25 Sep 2026 10:00 Sydney) and the fixed test floor.

Regenerate after an intended change: ``pytest tests/tui/test_snapshots_forms.py --snapshot-update``.
"""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select, TextArea

from screens.intake import IntakeScreen
from screens.stop_payment import StopPaymentScreen

WIDE = (120, 40)
NARROW = (80, 24)


async def _settle(pilot: Pilot) -> None:
    """Let workers finish, and stop cursors blinking so every run paints the same frame."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.pause()


async def _intake(pilot: Pilot) -> IntakeScreen:
    pilot.app.show_screen("intake")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, IntakeScreen)
    return screen


async def _builder(pilot: Pilot) -> StopPaymentScreen:
    pilot.app.show_screen("stop_payment")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, StopPaymentScreen)
    return screen


async def _fill_doc(pilot: Pilot) -> StopPaymentScreen:
    screen = await _builder(pilot)
    screen.query_one("#ar_checked", Checkbox).value = True
    screen.query_one("#crn", Input).value = "123456789A"
    screen.query_one("#payment_type", Select).value = "JobSeeker Payment"
    screen.query_one("#amount", Input).value = "1234.50"
    screen.query_one("#period_from", Input).value = "2026-08-01"
    screen.query_one("#period_to", Input).value = "2026-08-28"
    screen.query_one("#reason", Input).value = "Income from new employment reported on 3 August cancels the rate"
    await _settle(pilot)
    return screen


def test_snapshot_intake_empty_for_so(snap_compare, make_app) -> None:
    async def run_before(pilot: Pilot) -> None:
        await _intake(pilot)
        await _settle(pilot)

    assert snap_compare(make_app("so1"), terminal_size=WIDE, run_before=run_before)


def test_snapshot_intake_tps_with_live_messages(snap_compare, make_app) -> None:
    """Reason I2.3, no references yet: the I1/I2/I4 messages beside their fields."""

    async def run_before(pilot: Pilot) -> None:
        screen = await _intake(pilot)
        screen.query_one("#reason", Select).value = "cannot-finalise"
        await pilot.pause()
        screen.query_one("#help_required", TextArea).insert("[bold] Update will not finalise [/]")
        await _settle(pilot)
        await pilot.press("ctrl+s")
        await _settle(pilot)

    assert snap_compare(make_app("tps1"), terminal_size=WIDE, run_before=run_before)


def test_snapshot_intake_refused_reason_guidance(snap_compare, make_app) -> None:
    async def run_before(pilot: Pilot) -> None:
        screen = await _intake(pilot)
        screen.query_one("#reason", Select).value = "confirm-before-submit"
        await _settle(pilot)

    assert snap_compare(make_app("so1"), terminal_size=NARROW, run_before=run_before)


def test_snapshot_builder_preview(snap_compare, make_app) -> None:
    async def run_before(pilot: Pilot) -> None:
        await _fill_doc(pilot)

    assert snap_compare(make_app("so1"), terminal_size=WIDE, run_before=run_before)


def test_snapshot_builder_saved_and_escalated(snap_compare, make_app) -> None:
    async def run_before(pilot: Pilot) -> None:
        await _fill_doc(pilot)
        await pilot.press("ctrl+s")
        await _settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(make_app("so1"), terminal_size=WIDE, run_before=run_before)


def test_snapshot_builder_errors_narrow(snap_compare, make_app) -> None:
    async def run_before(pilot: Pilot) -> None:
        screen = await _builder(pilot)
        screen.query_one("#crn", Input).value = "12345"
        screen.query_one("#amount", Input).value = "-5"
        screen.query_one("#reason", Input).value = "not entitled"
        await _settle(pilot)

    assert snap_compare(make_app("so1"), terminal_size=NARROW, run_before=run_before)


def test_snapshot_builder_preview_80x24(snap_compare, make_app) -> None:
    """S5 at a desk terminal: ctrl+t brings the DOC preview, stacked under the form, into view."""

    async def run_before(pilot: Pilot) -> None:
        await _fill_doc(pilot)
        await pilot.press("ctrl+t")
        await _settle(pilot)

    assert snap_compare(make_app("so1"), terminal_size=NARROW, run_before=run_before)
