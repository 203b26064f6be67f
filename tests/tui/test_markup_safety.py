"""User text never becomes markup: what a person typed shows as typed and is stored
byte for byte, in every place these screens show it."""

from __future__ import annotations

import pytest
from conftest import OWNER
from textual.widgets import DataTable, OptionList, TextArea

from screens.overdue import OverdueScreen
from screens.queue.detail import EscalationDetailView
from screens.widgets.action_dialogs import FormDialog
from screens.widgets.virtual_table import VirtualTable
from tpsdesk.services import escalations, setup
from tui.helpers import settle

NASTY = ["[/]", "[bold", "[0]", "ends with a backslash \\", "[red]not red[/red] [link=x]y"]


def _raise(desk, text: str) -> int:
    return escalations.raise_escalation(desk, "tps1", category="death", crn="123456789A", summary=text).id


@pytest.mark.parametrize("text", NASTY)
async def test_summary_shows_as_typed_in_queue_row_and_detail(desk, make_app, text) -> None:
    eid = _raise(desk, text)
    app = make_app("sp1")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(VirtualTable)
        assert text in table.render_line(1).text  # row 0 sits under the header line
        await pilot.press("enter")
        await settle(pilot)
        assert f"\n{text}\n" in app.screen.query_one(EscalationDetailView).body_text
    assert escalations.show(desk, "sp1", eid).escalation.summary == text


@pytest.mark.parametrize("text", NASTY)
async def test_note_typed_in_dialog_is_stored_and_shown_as_typed(desk, make_app, text) -> None:
    eid = _raise(desk, "plain")
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)
        app.screen.query_one(TextArea).insert(text)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert f"    {text}\n" in app.screen.query_one(EscalationDetailView).body_text
    assert escalations.show(desk, "sp1", eid).notes[-1].text == text


async def test_overdue_list_shows_summary_as_typed(desk, clock, make_app) -> None:
    _raise(desk, "[bold] overdue [/] \\")
    clock.advance(days=2)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, OverdueScreen)
        row = app.screen.query_one(DataTable).get_row_at(0)
        assert row[-1].plain == "[bold] overdue [/] \\"


async def test_staff_name_in_header_and_picker_shows_as_typed(desk, make_app) -> None:
    setup.add_staff(desk, OWNER, "odd1", "Ann [bold]Odd[/] \\", "SP", "SYD")
    app = make_app("odd1")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "Ann [bold]Odd[/] \\ (odd1)" in app.header_text()
        assert "Ann [bold]Odd[/] \\" in str(app.screen.query_one("#desk-header").content)
    app = make_app("nobody")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("Ann [bold]Odd[/] \\" in p for p in prompts)


async def test_palette_hit_shows_summary_as_typed(desk, make_app) -> None:
    from screens.palette import DeskCommands

    _raise(desk, "[/] palette [bold")
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        hits = [hit async for hit in DeskCommands(app.screen).search("123456789")]
        assert any("[/] palette [bold" in (hit.text or "") for hit in hits)
