"""A day's agenda: what falls due, stop-payment and overdue first (S3, E12).

``AgendaScreen`` is the list Enter opens from the calendar; Enter on a row
dismisses it with the escalation id. ``agenda_text`` is the same list as
plain text for the calendar's side panel. User text (CRN, summary) is
always ``Text``, never markup.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from tpsdesk.businesstime import fmt_day
from tpsdesk.services.calendar import AgendaItem

# symbol + word + style of an entry (never colour alone)
EPED_MARK = ("◆ EPED", "bold cyan")


def mark(item: AgendaItem, today: date) -> tuple[str, str]:
    if item.what == "EPED":
        return EPED_MARK
    return {
        "overdue": ("‼ OVERDUE", "bold red"),
        "urgent": ("▲ URGENT", "bold magenta"),
        "today": ("● today", "bold yellow"),
        "normal": ("· due", "green"),
    }[item.urgency(today)]


def what(item: AgendaItem) -> str:
    return f"{item.what} ({item.rule})"


def first_line(text: str, limit: int = 60) -> str:
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def agenda_text(day: date, items: list[AgendaItem], today: date, holiday: str | None = None) -> Text:
    """The day's items as lines for the side panel (long lines end in an ellipsis)."""
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(fmt_day(day), style="bold")
    if holiday:
        out.append(f"  {holiday}", style="italic")
    out.append("\n")
    if not items:
        out.append("Nothing due.", style="dim")
        return out
    for item in items:
        word, style = mark(item, today)
        time = "" if item.what == "EPED" else f"{item.local:%H:%M} "
        out.append(f"{time}", style="bold")
        out.append(word, style=style)
        out.append(f" #{item.escalation_id} {item.category_label}\n")
        out.append(f"  {what(item)} · {item.owner or 'unclaimed'}\n", style="dim")
        out.append(Text(f"  {item.crn or '-'} {first_line(item.summary, 40)}".rstrip() + "\n"))
    out.rstrip()
    return out


class AgendaScreen(ModalScreen[int | None]):
    """The agenda of one day; Enter opens the highlighted escalation."""

    DEFAULT_CSS = """
    AgendaScreen #agenda {
        height: 80%;
    }
    AgendaScreen #agenda-table {
        height: 1fr;
    }
    """

    BINDINGS = [
        Binding("escape", "close", "Close", id="agenda.close", tooltip="Back to the month"),
        Binding("enter", "open", "Open", id="agenda.open", tooltip="Open the highlighted escalation in the queue"),
    ]

    def __init__(self, day: date, items: list[AgendaItem], today: date, holiday: str | None = None) -> None:
        super().__init__()
        self.day = day
        self.items = items
        self.today = today
        self.holiday = holiday

    def compose(self) -> ComposeResult:
        title = f"Agenda for {fmt_day(self.day)}" + (f" · {self.holiday}" if self.holiday else "")
        title += f": {len(self.items)} item{'s' if len(self.items) != 1 else ''} (Enter opens, Esc closes)"
        with Vertical(id="agenda", classes="dialog"):
            yield Label(title, markup=False, classes="dialog-title", id="agenda-title")
            yield DataTable(id="agenda-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Time", "Urgency", "Id", "Category", "What (rule)", "CRN", "Owner", "Summary")
        for item in self.items:
            word, style = mark(item, self.today)
            table.add_row(
                Text("all day" if item.what == "EPED" else f"{item.local:%H:%M}"),
                Text(word, style=style),
                Text(str(item.escalation_id)),
                Text(item.category_label),
                Text(what(item)),
                Text(item.crn or "-"),
                Text(item.owner or "unclaimed"),
                Text(first_line(item.summary, 40)),
            )
        table.focus()

    def selected(self) -> int | None:
        table = self.query_one(DataTable)
        if not self.items or table.cursor_row < 0:
            return None
        return self.items[min(table.cursor_row, len(self.items) - 1)].escalation_id

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        chosen = self.selected()
        if chosen is None:
            self.app.notify("nothing is due on this day", markup=False)
            return
        self.dismiss(chosen)

    def action_close(self) -> None:
        self.dismiss(None)
