"""Quick overdue lookup (F7, or "o" where no text field has focus): urgent arrears first (S3), then most overdue.

Type to filter (id, CRN or words of the summary); Enter opens the item in the queue.
Another user's change re-reads the list (the app's change feed), the cursor kept on its item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label

from screens.base import FloorAware, desk_app
from screens.messages import OpenEscalation
from screens.widgets.formatting import relative, urgency
from tpsdesk.changes import Changes
from tpsdesk.errors import TpsError
from tpsdesk.services.views import EscalationView

LIMIT = 200
FIRST_ROWS = 40  # painted in the first frame; the rest are added after it


@dataclass
class OverdueLoaded(Message):
    generation: int
    rows: list[EscalationView] = field(default_factory=list)
    now: datetime | None = None
    error: str = ""


class OverdueScreen(FloorAware, ModalScreen[None]):
    """A filterable list of overdue escalations (escalations.overdue, an index range scan)."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="overdue.close", tooltip="Close the overdue lookup"),
        Binding("enter", "open", "Open", id="overdue.open", tooltip="Open the highlighted item in the queue"),
        Binding("down", "cursor(1)", "Down", show=False, id="overdue.down", tooltip="Next item"),
        Binding("up", "cursor(-1)", "Up", show=False, id="overdue.up", tooltip="Previous item"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._generation = 0  # of the latest filter request; an answer to an older one is dropped

    def compose(self) -> ComposeResult:
        with Vertical(id="overdue", classes="dialog"):
            yield Label(
                "Overdue: urgent arrears first (S3), then most overdue",
                markup=False,
                classes="dialog-title",
                id="overdue-title",
            )
            yield Input(placeholder="Filter: id, CRN or words (Enter opens)", id="overdue-filter")
            yield DataTable(id="overdue-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Id", "Urgency", "Category", "CRN", "Owner", "Overdue by", "Summary")
        self.query_one(Input).focus()
        self.load("")

    @on(Input.Changed, "#overdue-filter")
    def _filter(self, event: Input.Changed) -> None:
        self.load(event.value)

    def floor_changed(self, _: Changes) -> None:
        """The change feed heard a commit: re-read with the filter as typed."""
        for box in self.query("#overdue-filter").results(Input):
            self.load(box.value)

    def load(self, text: str) -> None:
        """Read the list for this filter in a worker. Each request carries a generation: a slow
        answer to an older filter (typing fast) never replaces the list for the last one."""
        self._generation += 1
        self._read(text, self._generation)

    @work(thread=True, exit_on_error=False, exclusive=True, group="overdue")
    def _read(self, text: str, generation: int) -> None:
        from tpsdesk.services import escalations

        app = desk_app(self.app).session
        try:
            rows = escalations.overdue(app.desk, app.logon, limit=LIMIT, text=text.strip() or None)
        except TpsError as exc:
            self.post_message(OverdueLoaded(generation, error=str(exc)))
            return
        self.post_message(OverdueLoaded(generation, rows, app.desk.now()))

    def on_overdue_loaded(self, message: OverdueLoaded) -> None:
        if message.generation != self._generation:
            return  # an answer to an older filter: the newer one is on its way
        if message.error:
            self.app.notify(message.error, severity="error", markup=False)
            return
        table = self.query_one(DataTable)
        kept = self._cursor_key(table)
        table.clear()
        now = message.now or datetime.now().astimezone()
        # The rows a screen shows first, then the rest after that frame is painted: adding a
        # DataTable row costs about half a millisecond, so 200 at once would hold the first frame.
        self._add_rows(table, message.rows[:FIRST_ROWS], now, kept)
        if len(message.rows) > FIRST_ROWS:
            rest = message.rows[FIRST_ROWS:]
            self.call_after_refresh(self._add_later, message.generation, rest, now, kept)
        more = "+" if len(message.rows) >= LIMIT else ""
        self.query_one("#overdue-title", Label).update(
            f"Overdue: urgent arrears first (S3), then most overdue: {len(message.rows)}{more} (Enter opens, Esc closes)"
        )

    def _add_later(self, generation: int, rows: list[EscalationView], now: datetime, kept: str | None) -> None:
        if generation == self._generation:  # not replaced by a newer list meanwhile
            self._add_rows(self.query_one(DataTable), rows, now, kept)

    def _add_rows(self, table: DataTable[Any], rows: list[EscalationView], now: datetime, kept: str | None) -> None:
        for v in rows:
            word, style = urgency(v, now)
            due = v.next_action_at
            table.add_row(
                Text(str(v.id)),
                Text(word, style=style),
                Text(v.category),
                Text(v.crn),
                Text(v.owner or "-"),
                Text(relative(due, now) if due else "", style=style),
                Text(v.summary.splitlines()[0][:60] if v.summary else ""),
                key=str(v.id),
            )
        if kept is not None and kept in table.rows and kept in {str(v.id) for v in rows}:
            table.move_cursor(row=table.get_row_index(kept), animate=False)

    @staticmethod
    def _cursor_key(table: DataTable[Any]) -> str | None:
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    @on(Input.Submitted, "#overdue-filter")
    def _submitted(self, _: Input.Submitted) -> None:
        self.action_open()

    @on(DataTable.RowSelected)
    def _selected(self, _: DataTable.RowSelected) -> None:
        self.action_open()

    def action_cursor(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=max(0, table.cursor_row + step))

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            self.app.notify("nothing overdue matches", markup=False)
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        self.dismiss(None)
        if key:
            desk_app(self.app).post_message(OpenEscalation(int(key)))

    def action_close(self) -> None:
        self.dismiss(None)
