"""Issue 9, item 2: every typed message path, and every kind of typed error shown by the
one base-screen handler, checked on the screen and in the database.

Navigation messages are posted by a screen and handled by the app (it switches mode and
calls the target screen's typed method); result messages carry the typed error, so a
conflict reads differently from a refusal or a field error.
"""

from __future__ import annotations

from textual.widgets import Input

from screens.base import DeskScreen
from screens.messages import ActFailed, OpenEscalation, OpenStopPayment, ShowQueue, ShowScreen
from screens.queue import QueueScreen
from screens.stop_payment import StopPaymentScreen
from screens.widgets.field_row import FieldRow
from tpsdesk.errors import Conflict, NotFound, PermissionDenied, ValidationError
from tpsdesk.services import escalations
from tpsdesk.services.escalations import Filters
from tui.helpers import notices, raise_some, settle


async def test_open_escalation_from_another_screen_shows_its_detail(desk, make_app) -> None:
    ids = raise_some(desk, 3)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.show_screen("calendar")
        await settle(pilot)
        app.screen.post_message(OpenEscalation(ids[1]))
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        assert queue.detail is not None and queue.detail.escalation.id == ids[1]


async def test_open_stop_payment_carries_the_crn(desk, make_app) -> None:
    app = make_app("tps1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.screen.post_message(OpenStopPayment("123456789A"))
        await settle(pilot)
        builder = app.screen
        assert isinstance(builder, StopPaymentScreen)
        assert builder.query_one("#crn", Input).value == "123456789A"


async def test_show_queue_applies_the_filters_it_carries(desk, make_app) -> None:
    review = raise_some(desk, 2, category="review")
    raise_some(desk, 2, category="system")
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.show_screen("dashboard")
        await settle(pilot)
        app.screen.post_message(ShowQueue(Filters(category="review")))
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        assert queue.filters.category == "review"
        shown = {queue.table.row_at(i).id for i in range(queue.table.total)}
        assert shown == set(review)


async def test_show_screen_switches_mode(desk, make_app) -> None:
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.screen.post_message(ShowScreen("calendar"))
        await settle(pilot)
        assert app.current_mode == "calendar"


async def test_conflict_says_who_changed_it_and_that_typed_text_is_kept(desk, make_app) -> None:
    [eid] = raise_some(desk, 1)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen) and queue.detail is not None
        escalations.claim(desk, "sp_per", eid)  # another window claims it first
        await pilot.press("c")
        await settle(pilot)
        said = " ".join(notices(app))
        assert "sp_per" in said and ". Your typed text is kept" in said  # who changed it
        after = escalations.show(desk, "sp1", eid).escalation
        assert after.owner == "sp_per"  # the second claim changed nothing


async def test_each_error_kind_is_shown_by_the_base_handler(desk, make_app) -> None:
    app = make_app("tps1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.show_screen("stop_payment")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DeskScreen)
        for error in (PermissionDenied("refused: not yours"), NotFound("escalation 9 does not exist")):
            screen.post_message(ActFailed("test", error))
            await settle(pilot)
        conflict = Conflict("escalation 9 was changed by sp2 at 10:02")
        screen.post_message(ActFailed("test", conflict))
        await settle(pilot)
        seen = {n.message: n.severity for n in app._notifications}
        assert seen["refused: not yours"] == "error"
        assert seen["escalation 9 does not exist"] == "error"
        [conflict_text] = [m for m in seen if "changed by sp2" in m]
        assert seen[conflict_text] == "warning" and "typed text is kept" in conflict_text
        screen.post_message(ActFailed("test", ValidationError("crn", "CRN: nine digits and a letter")))
        await settle(pilot)
        row = screen.query_one("#row-crn", FieldRow)
        assert "nine digits and a letter" in row.error
        assert app.focused is screen.query_one("#crn", Input)
