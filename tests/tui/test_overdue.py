"""Quick overdue lookup (F7 / 'o'): most overdue first, filterable, Enter opens the item."""

from __future__ import annotations

from textual.widgets import DataTable

from screens.overdue import OverdueScreen
from screens.queue.detail import EscalationDetailView
from tpsdesk.services import escalations
from tui.helpers import raise_some, settle


async def test_overdue_lookup_most_overdue_first_and_enter_opens(desk, clock, make_app) -> None:
    [older] = raise_some(desk, 1, category="death", summary="older death")  # E3: actioned within 24 hours
    clock.advance(hours=5)
    [newer] = raise_some(desk, 1, category="death", summary="newer death")
    raise_some(desk, 1, category="review")  # not overdue: follow-up a week away
    clock.advance(days=3)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("o")  # the table has focus, so 'o' opens the lookup
        await settle(pilot)
        assert isinstance(app.screen, OverdueScreen)
        table = app.screen.query_one(DataTable)
        assert [table.get_row_at(i)[0].plain for i in range(table.row_count)] == [str(older), str(newer)]
        await pilot.press(*"newer")
        await settle(pilot)
        assert table.row_count == 1
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "queue" and not isinstance(app.screen, OverdueScreen)
        body = app.screen.query_one(EscalationDetailView).body_text
        assert body.startswith(f"#{newer} ")
        assert escalations.show(desk, "sp1", newer).escalation.is_overdue(clock())


async def test_f7_from_another_screen_and_escape_closes(desk, clock, make_app) -> None:
    raise_some(desk, 1, category="death")
    clock.advance(days=2)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f5")
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, OverdueScreen)
        assert app.screen.query_one(DataTable).row_count == 1
        await pilot.press("escape")
        await pilot.pause()
        assert app.current_mode == "calendar" and not isinstance(app.screen, OverdueScreen)


async def test_e12_a_long_list_paints_its_first_rows_then_holds_every_row_in_order(desk, clock, make_app) -> None:
    """The first frame shows the first rows; the rest follow, in the service's order (E12)."""
    from screens.overdue import FIRST_ROWS

    raise_some(desk, FIRST_ROWS + 25, category="death")
    clock.advance(days=2)
    expected = [str(v.id) for v in escalations.overdue(desk, "sp1", limit=500)]
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert [table.get_row_at(i)[0].plain for i in range(table.row_count)] == expected
        assert len(expected) == FIRST_ROWS + 25
