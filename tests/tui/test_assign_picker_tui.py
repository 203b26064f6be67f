"""W5: the queue's assign dialog offers exactly the service's list (``assignable``, the rule
``assign`` asks), picked by type-ahead, and the assignment is accepted (in the database)."""

from __future__ import annotations

from textual.widgets import Select

from tpsdesk.services import escalations
from tpsdesk.services.desk import Desk
from tui.helpers import raise_some, settle


async def test_w5_queue_assign_dialog_offers_the_services_list_with_type_ahead(desk: Desk, make_app) -> None:
    [eid] = raise_some(desk, 1, category="death")
    expected = [s.logon for s in escalations.assignable(desk, "sp1", eid)]
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        select = app.screen.query_one("#field-to", Select)
        offered = [value for _, value in select._options if value is not Select.NULL]
        assert offered == expected and "so1" not in offered and "tl1" not in offered
        assert select._type_to_search  # the dialog's select takes type-ahead (Textual's own)
        select.focus()
        await pilot.press("enter")  # open the list, then type a logon's start
        await pilot.pause()
        await pilot.press("s", "s")
        await pilot.press("enter")
        await pilot.pause()
        assert select.value == "sso1"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert escalations.show(desk, "sp1", eid).escalation.owner == "sso1"
