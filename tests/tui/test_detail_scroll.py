"""The queue detail is one scrollable column (issue 9 item 10, D3): its notes and history are
reached by scrolling the pane Enter focused, with no second Tab, at a desk's 80x24 (DESIGN)."""

from __future__ import annotations

from snapshot_text import rows_of

from screens.queue.detail import EscalationDetailView
from tpsdesk.services import escalations
from tui.helpers import raise_some, settle


def _screen_text(app) -> str:
    return "\n".join(rows_of(app.export_screenshot())).replace("\xa0", " ")


def _busy_item(desk) -> int:
    [eid] = raise_some(desk, 1, category="death")
    escalations.claim(desk, "sp1", eid, note="looking at it")
    for i in range(4):
        escalations.add_note(desk, "sp1", eid, f"rang the customer, attempt {i}")
    return eid


async def test_d3_enter_focuses_the_detail_and_scrolling_brings_notes_and_history_into_view(desk, make_app) -> None:
    _busy_item(desk)
    app = make_app("sp1")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        pane = app.screen.query_one(EscalationDetailView)
        assert app.focused is pane  # the one column has the keys at once
        assert "History (" not in _screen_text(app)  # at 80x24 it starts below the fold
        await pilot.press("end")
        await pilot.pause()
        assert "sp1 added a note (note #6)." in _screen_text(app)  # the last of the history
        assert pane.scroll_y == pane.max_scroll_y > 0
        await pilot.press("home")
        await pilot.pause()
        seen: set[str] = set()
        for _ in range(40):  # page by page, every part of the column comes into view
            await pilot.press("pagedown")
            await pilot.pause()
            shown = _screen_text(app)
            seen |= {h for h in ("Notes (6)", "History (6)", "rang the customer, attempt 3") if h in shown}
            if pane.scroll_y == pane.max_scroll_y:
                break
        assert seen == {"Notes (6)", "History (6)", "rang the customer, attempt 3"}


async def test_d3_focusing_the_detail_once_from_the_list_scrolls_it(desk, make_app) -> None:
    _busy_item(desk)
    app = make_app("sp1")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        pane = app.screen.query_one(EscalationDetailView)
        pane.screen.query_one("#queue-table").focus()
        await pilot.pause()
        await pilot.press("tab")  # once
        await pilot.pause()
        assert app.focused is pane
        await pilot.press("end")
        await pilot.pause()
        assert "History (6)" in _screen_text(app) and "sp1 added a note (note #6)." in _screen_text(app)
