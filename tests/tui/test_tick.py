"""A check box's state shows by symbol, never colour alone (DESIGN.md): ✓ when chosen, blank when not."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from screens.widgets.tick import TICKED, UNTICKED, Tick, TickList


class Boxes(App[None]):
    def compose(self) -> ComposeResult:
        yield Tick(Text("escalate"), value=True, id="on")
        yield Tick(Text("no answer"), id="off")
        yield TickList(("resolved", "resolved"), ("escalated", "escalated"), id="list")


def _line(widget, y: int) -> str:
    return "".join(segment.text for segment in widget.render_line(y))


async def test_tick_and_ticklist_draw_their_state_as_a_symbol() -> None:
    app = Boxes()
    async with app.run_test(size=(60, 12)) as pilot:
        on, off, choices = app.query_one("#on", Tick), app.query_one("#off", Tick), app.query_one(TickList)
        assert TICKED in str(on.render()) and TICKED not in str(off.render())
        choices.select("escalated")
        await pilot.pause()
        assert _line(choices, 0).startswith(f"▐{UNTICKED}▌") and _line(choices, 1).startswith(f"▐{TICKED}▌")
        off.value = True
        choices.deselect("escalated")
        await pilot.pause()
        assert TICKED in str(off.render()) and TICKED not in _line(choices, 1)
