"""SVG snapshots of the export dialog (X1, X2) over the Team Leader dashboard, at 120x40 and
80x24, with the fake clock and the fixed test floor. The default folder is pinned so the
file name shown is the same on every machine.

Regenerate after an intended change: ``pytest tests/tui/test_snapshots_export.py --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from screens import export_dialog
from screens.export_dialog import ExportDialog

WIDE = (120, 40)
NARROW = (80, 24)


@pytest.fixture(autouse=True)
def documents(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_dialog, "default_folder", lambda: Path("/home/tl1/Documents"))


async def _open(pilot: Pilot) -> None:
    await pilot.press("f6")
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.press("ctrl+e")
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    assert isinstance(pilot.app.screen, ExportDialog)
    for widget in pilot.app.screen.query("Input"):
        widget.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.pause()


@pytest.mark.parametrize("size", [WIDE, NARROW], ids=["120x40", "80x24"])
def test_snapshot_x1_export_dialog_over_the_dashboard(snap_compare, make_app, size) -> None:
    assert snap_compare(make_app("tl1", live=False), terminal_size=size, run_before=_open)
