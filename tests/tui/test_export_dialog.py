"""The export dialog (X1, X2, R4): ctrl+e on the dashboard and the queue and the palette's
entry open it for staff allowed the summary; a format picked, the file written in a thread
worker and a notification naming it; a refusal of the target shown as the service's one
message, nothing written; other roles read the refusal; usable at 80x24."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from textual.geometry import Region
from textual.widgets import Button, Input, ProgressBar

from screens import app as app_module
from screens import export_dialog
from screens.export_dialog import ExportDialog
from screens.palette import DeskCommands
from tests.test_summaries import CRN_LATE
from tests.test_summaries import shift as shift  # the Friday-morning fixture, shared
from tui.helpers import notices, settle


@pytest.fixture(autouse=True)
def documents(monkeypatch, tmp_path: Path) -> Path:
    """The dialog's default folder is the test's own."""
    folder = tmp_path / "Documents"
    folder.mkdir()
    monkeypatch.setattr(export_dialog, "default_folder", lambda: folder)
    return folder


async def _open(app, pilot, home: str) -> ExportDialog:
    await settle(pilot)
    await pilot.press(home)
    await settle(pilot)
    await pilot.press("ctrl+e")
    await settle(pilot)
    assert isinstance(app.screen, ExportDialog)
    return app.screen


async def test_x1_dialog_from_the_dashboard_writes_the_picked_format_and_notifies(
    make_app, shift, documents: Path
) -> None:
    app = make_app("tl1", live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await _open(app, pilot, "f6")
        path = dialog.query_one("#export-path", Input)
        assert path.value == str(documents / "shift-SYD-2026-09-25.html")  # from the service's window
        assert "08:00" in str(dialog.query_one("#export-intro").render())
        await pilot.click("#format-xlsx")
        await pilot.pause()
        assert path.value == str(documents / "shift-SYD-2026-09-25.xlsx")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ExportDialog)
        written = documents / "shift-SYD-2026-09-25.xlsx"
        book = openpyxl.load_workbook(written)
        assert book.sheetnames[0] == "Summary" and written.stat().st_mode & 0o777 == 0o600
        text = "\n".join(str(c) for ws in book.worksheets for r in ws.iter_rows(values_only=True) for c in r)
        assert CRN_LATE not in text and "******789A" in text  # masked by default (X2)
        assert f"Shift summary written to {written}" in notices(app)


async def test_x2_a_target_that_is_not_an_export_is_refused_in_the_dialog(make_app, shift, documents: Path) -> None:
    mine = documents / "notes.csv"
    mine.write_text("my own notes\n")
    app = make_app("tl1", live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await _open(app, pilot, "f3")  # from the queue
        await pilot.click("#format-csv")
        dialog.query_one("#export-path", Input).value = str(mine)
        await pilot.click("#export-full")  # full identifiers: a refusal records nothing either
        await pilot.click("#export")
        await settle(pilot)
        assert app.screen is dialog  # still open: choose another name
        status = str(dialog.query_one("#export-status").render())
        assert "is not an export tpsdesk wrote" in status and "file:" in status
        assert not dialog.query_one("#export-progress", ProgressBar).display
        assert not dialog.query_one("#export", Button).disabled
    assert mine.read_text() == "my own notes\n"


async def test_r4_roles_without_the_summary_read_the_refusal(make_app, shift) -> None:
    app = make_app("tps1", live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert not isinstance(app.screen, ExportDialog)
        assert any("shift summaries are for" in n and "R4, R6" in n for n in notices(app))


async def test_x1_palette_opens_the_export_dialog(make_app, shift) -> None:
    app = make_app("sp1", live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        entries = {label: name for label, name, _ in DeskCommands(app.screen)._entries()}
        assert entries["Export the shift summary"] == "export"
        DeskCommands(app.screen)._go("export")
        await settle(pilot)
        assert isinstance(app.screen, ExportDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ExportDialog)


async def test_x1_export_dialog_fits_80x24(make_app, shift, monkeypatch) -> None:
    for role in list(app_module.HOME_BY_ROLE):
        monkeypatch.setitem(app_module.HOME_BY_ROLE, role, "dashboard")
    app = make_app("tl1", live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await _open(app, pilot, "f6")
        box = dialog.query_one(".export-dialog").region
        assert Region(0, 0, 80, 24).contains_region(box)
        for selector in (
            "#site-SYD",
            "#format-html",
            "#format-text",
            "#export-path",
            "#export-full",
            "#export",
            "#cancel",
        ):
            region = dialog.query_one(selector).region
            assert region and box.contains_region(region), selector  # whole, inside the dialog
        await pilot.click("#export")
        await settle(pilot)
        assert not isinstance(app.screen, ExportDialog)  # written and closed at this size too


async def test_x1_another_site_of_the_centre_is_offered_and_exported(make_app, shift, documents: Path) -> None:
    app = make_app("tl1", live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await _open(app, pilot, "f6")
        await pilot.click("#site-PER")
        await settle(pilot)
        await pilot.click("#format-json")
        await settle(pilot)
        path = dialog.query_one("#export-path", Input)
        # Fri 08:00 in Perth (AWST) is 00:00 UTC, the clock's now: that is Perth's current shift.
        assert path.value == str(documents / "shift-PER-2026-09-25.json")
        await pilot.press("ctrl+s")
        await settle(pilot)
    data = json.loads((documents / "shift-PER-2026-09-25.json").read_text())
    assert data["site"] == "PER" and data["identifiers"] == "masked"
