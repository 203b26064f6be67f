"""Team Leader dashboard (F6): call volumes, TPS workloads, open and overdue escalations (T1, R4).

Figures come from ``tpsdesk.services.dashboard`` in a thread worker, on ``r`` and
every few seconds while the screen is shown: one read at a time, the next one armed
only when the last has answered, none while the screen is hidden. Numbers are drawn as text bars with the number beside
them and urgency with a symbol (never colour alone). Staff whose role may not
see the whole Centre (R6) get the reason instead of figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Static

from screens.base import DeskScreen
from screens.messages import Acted, ShowQueue
from screens.widgets.pane import Pane
from tpsdesk.errors import PermissionDenied, TpsError
from tpsdesk.services.dashboard import Dashboard, HourCount, OwnerLoad

POLL_SECONDS = 5.0
BAR = "█"
LAST_WEEK = "░"  # last week's bars: another glyph, not only another colour


@dataclass
class DashboardLoaded(Message):
    data: Dashboard | None = None
    error: str = ""
    refused: bool = False


def bar(n: int, top: int, width: int) -> str:
    """A text bar scaled to ``top``; any non-zero count shows at least one block."""
    if n <= 0 or top <= 0:
        return ""
    return BAR * max(1, round(n / top * width))


def bars(rows: list[tuple[str, int]], width: int = 24, suffix: str = "") -> Text:
    """Label, bar, number: one line each."""
    out = Text(no_wrap=True, overflow="ellipsis")
    if not rows:
        out.append("none", style="dim")
        return out
    top = max(n for _, n in rows)
    label_w = max(len(label) for label, _ in rows)
    for label, n in rows:
        out.append(Text(f"{label:<{label_w}} "))
        out.append(f"{bar(n, top, width):<{width}}", style="bold cyan")
        out.append(f" {n}{suffix}\n")
    out.rstrip()
    return out


def paired_hours(today: list[HourCount], last_week: list[HourCount], width: int = 14) -> Text:
    """T1: each hour of today's window beside the same hour a week before, one scale for both,
    each bar with its number (today █, last week ░)."""
    out = Text(no_wrap=True, overflow="ellipsis")
    if not today:
        out.append("none", style="dim")
        return out
    week = {h.label: h.count for h in last_week}
    top = max([h.count for h in today] + list(week.values()))
    for h in today:
        before = week.get(h.label, 0)
        out.append(f"{h.label} ")
        out.append(f"{bar(h.count, top, width):<{width}}", style="bold cyan")
        out.append(f" {h.count:>3}  ")
        out.append(f"{LAST_WEEK * len(bar(before, top, width)):<{width}}", style="dim")
        out.append(f" {before:>3}\n")
    out.rstrip()
    return out


def age_words(age: timedelta) -> str:
    minutes = max(0, int(age.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    return f"{days}d {rest // 60}h" if days else f"{rest // 60}h {rest % 60:02d}m"


def attention(d: Dashboard) -> Text:
    """Stop-payment requests before COB (S3) and the oldest unclaimed item (T1), as words."""
    out = Text(no_wrap=False)
    out.append(f"▲ Stop-payment requests waiting on ICT: {d.stop_payment_waiting}", style="bold")
    cob = d.stop_payment_next_cob
    if cob is not None:
        if cob < d.now:
            out.append(f"  ‼ past COB since {cob:%H:%M %a %d %b}", style="bold red")
        else:
            out.append(f"  · earliest COB {cob:%H:%M %a %d %b} (in {age_words(cob - d.now)})")
    out.append("\n")
    u = d.oldest_unclaimed
    if u is None:
        out.append("○ Oldest unclaimed: none", style="dim")
    else:
        out.append(f"○ Oldest unclaimed: #{u.id} ", style="bold")
        out.append(Text(u.label))
        out.append(f", waiting {age_words(u.age)} (a: reassign)")
    return out


def summary(d: Dashboard) -> Text:
    out = Text(no_wrap=False)
    parts: list[tuple[str, str]] = [
        (f"Open {d.open_total}", "bold"),
        (f"‼ Overdue {d.overdue_total}", "bold red" if d.overdue_total else ""),
        (f"○ Unclaimed {d.unclaimed}", "bold yellow" if d.unclaimed else ""),
        (f"▲ Stop-payment {d.stop_payment_open}", "bold magenta" if d.stop_payment_open else ""),
        (f"☾ After-hours {d.after_hours_open}", "bold yellow" if d.after_hours_open else ""),
        (f"Raised today {d.raised_today}", ""),
        (f"Finalised today {d.finalised_today}", ""),
        (f"Contacts this shift {d.contacts_total}", ""),
    ]
    for i, (text, style) in enumerate(parts):
        if i:
            out.append("  ·  ", style="dim")
        out.append(text, style=style)
    return out


def owner_cells(o: OwnerLoad, top: int, width: int = 10) -> tuple[Text, Text, Text, Text]:
    """One row of the owners table: logon, name, a bar with the open count, overdue with a symbol."""
    open_cell = Text(f"{bar(o.open, top, width):<{width}}", style="bold cyan")
    open_cell.append(f" {o.open:>3}", style="")
    overdue = Text(f"‼ {o.overdue} overdue", style="bold red") if o.overdue else Text("· none", style="dim")
    return Text(o.logon or "—"), Text(o.name), open_cell, overdue


class DashboardScreen(DeskScreen):
    """The floor at a glance for TLs, SPs and SSOs of the Centre (T1, R4, R6)."""

    TITLE = "Team Leader dashboard"
    CSS_PATH = "dashboard.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("r", "reload", "Refresh", id="dashboard.reload", tooltip="Refresh the figures now"),
        Binding("a", "reassign", "Reassign", id="dashboard.reassign", tooltip="Reassign an escalation (R4, W5)"),
        Binding("f", "feedback", "Feedback", id="dashboard.feedback", tooltip="Feedback sent to you (E7)"),
        Binding("ctrl+e", "export", "Export", id="dashboard.export", tooltip="Export the shift summary (X1)"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.data: Dashboard | None = None
        self.refused: str = ""
        self.reading = False  # a read is running: a refresh asked for now waits for it
        self.poll: Timer | None = None  # the next refresh, armed after the last one answered

    def compose_body(self) -> ComposeResult:
        with Pane(id="dash-body"):
            yield Static("Loading the floor…", id="dash-title", markup=False)
            yield Static("", id="dash-summary", markup=False)
            with Horizontal(id="dash-columns"):
                with Vertical(id="dash-left", classes="dash-col"):
                    yield Static(
                        "Contacts per hour: today █ · same day last week ░",
                        classes="section",
                        markup=False,
                        id="dash-hours-title",
                    )
                    yield Static("", id="dash-hours", markup=False)
                    yield Static("Contacts per TPS officer", classes="section", markup=False)
                    yield Static("", id="dash-tps", markup=False)
                with Vertical(id="dash-right", classes="dash-col"):
                    yield Static("Open escalations per owner (Enter: their queue)", classes="section", markup=False)
                    yield DataTable(id="dash-owners", cursor_type="row", zebra_stripes=True)
                    yield Static("Overdue by category", classes="section", markup=False)
                    yield Static("", id="dash-categories", markup=False)
                    yield Static("Needs attention", classes="section", markup=False)
                    yield Static("", id="dash-attention", markup=False)
        yield Static("", id="dash-refused", markup=False)

    def on_mount(self) -> None:
        self.query_one("#dash-refused").display = False
        owners = self.query_one("#dash-owners", DataTable)
        # Fixed widths: the header never lags behind rows that widen a column between polls.
        for label, width in (("Owner", 8), ("Name", 12), ("Open", 15), ("Overdue", 11)):
            owners.add_column(label, width=width, key=label.lower())
        owners.focus()
        self.load()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.load()

    def on_screen_suspend(self) -> None:
        self._disarm()  # nothing polls while the screen is hidden

    def action_reload(self) -> None:
        self.load()

    def action_export(self) -> None:
        from screens.export_dialog import open_export_dialog

        open_export_dialog(self.app)

    def load(self) -> None:
        """Refresh now, unless a read is running (its answer is as fresh) or it was refused."""
        if self.reading or self.refused:
            return
        self._disarm()
        self.reading = True
        self._read()

    def _disarm(self) -> None:
        if self.poll is not None:
            self.poll.stop()
            self.poll = None

    @work(thread=True, exit_on_error=False, group="dashboard")
    def _read(self) -> None:
        from tpsdesk.services import dashboard as dash_svc

        app = self.session
        try:
            data = dash_svc.floor_dashboard(app.desk, app.logon)
        except PermissionDenied as exc:
            self.post_message(DashboardLoaded(error=str(exc), refused=True))
            return
        except TpsError as exc:
            self.post_message(DashboardLoaded(error=str(exc)))
            return
        except BaseException:
            self.post_message(DashboardLoaded(error="the dashboard could not be read: see the log"))
            raise  # the app's worker handler logs it
        self.post_message(DashboardLoaded(data))

    def on_dashboard_loaded(self, message: DashboardLoaded) -> None:
        self.reading = False
        if not message.refused and self.app.screen is self:
            self.poll = self.set_timer(POLL_SECONDS, self.load, name="dashboard-poll")
        if message.refused:
            self.refused = message.error
            self.query_one("#dash-body").display = False
            box = self.query_one("#dash-refused", Static)
            box.update(
                Text.assemble(
                    ("The floor dashboard is for Team Leaders, Senior Practitioners and SSOs.\n\n", "bold"),
                    (message.error, ""),
                    "\n\nYour own escalations are in the queue (F3) and the calendar (F5).",
                )
            )
            box.display = True
            return
        if message.error:
            self.notify(message.error, severity="error", markup=False)
            return
        if message.data is not None:
            self.data = message.data
            self._show(message.data)

    def _show(self, d: Dashboard) -> None:
        title = Text(f"{d.centre} {d.centre_name} ({d.channel})", style="bold")
        title.append(f"  ·  shift {d.window_start:%H:%M}–{d.window_end:%H:%M} {d.now:%Z}  ·  updated {d.now:%H:%M:%S}")
        self.query_one("#dash-title", Static).update(title)
        self.query_one("#dash-summary", Static).update(summary(d))
        if d.hours_last_week:
            self.query_one("#dash-hours-title", Static).update(
                f"Contacts per hour: today █ {d.contacts_total} · {d.hours_last_week[0].start:%a %d %b} ░ {d.contacts_last_week}"
            )
        self.query_one("#dash-hours", Static).update(paired_hours(d.hours, d.hours_last_week))
        self.query_one("#dash-tps", Static).update(bars([(p.logon or "(not taken)", p.count) for p in d.per_tps]))
        self._show_owners(d)
        self.query_one("#dash-categories", Static).update(
            bars([(c.label, c.count) for c in d.overdue_by_category], suffix=" overdue")
        )
        self.query_one("#dash-attention", Static).update(attention(d))

    def _show_owners(self, d: Dashboard) -> None:
        """Refill the owners table, keeping the cursor on the same owner across polls."""
        table = self.query_one("#dash-owners", DataTable)
        keep = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value if table.row_count else None
        table.clear()
        top = max((o.open for o in d.owners), default=0)
        for o in d.owners:
            table.add_row(*owner_cells(o, top), key=o.logon or "")
        if keep is not None and keep in {o.logon or "" for o in d.owners}:
            table.move_cursor(row=table.get_row_index(keep), animate=False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on an owner: the queue with that owner's items ('' is unclaimed)."""
        event.stop()
        logon = event.row_key.value or ""
        self.open_queue_for(logon)

    def open_queue_for(self, logon: str) -> None:
        from tpsdesk.services.escalations import Filters

        self.post_message(ShowQueue(Filters(owner=logon or "none")))

    # ------------------------------------------------------------ reassign (R4, R5, W5)
    def action_reassign(self) -> None:
        """Ask which escalation (the oldest unclaimed one offered), then the assign picker of
        the staff ``assignable`` offers; ``escalations.assign`` decides and refuses with its
        reason (R5), shown once by the dialog, with nothing changed."""
        if self.refused:
            self.notify(self.refused, severity="error", markup=False)
            return
        from screens.widgets.action_dialogs import Field, FormDialog
        from tpsdesk.errors import ValidationError
        from tpsdesk.services import escalations

        session = self.session
        first = self.data.oldest_unclaimed if self.data is not None else None

        def options(values: dict[str, Any]) -> tuple[int, list[Any]]:
            typed = str(values["id"]).strip().lstrip("#")
            if not typed.isdigit():
                raise ValidationError("id", "an escalation number is digits, e.g. 42")
            esc_id = int(typed)
            return esc_id, escalations.assignable(session.desk, session.logon, esc_id)

        def picked(answer: tuple[int, list[Any]] | None) -> None:
            if answer is not None:
                self._assign_picker(*answer)

        self.app.push_screen(
            FormDialog(
                "Reassign an escalation (R4, W5)",
                [Field("id", "Escalation number", value=str(first.id) if first else "", required=True)],
                options,
                intro="The oldest unclaimed item is offered; type another number to reassign that one.",
                save_label="Next",
                dialog_id="dash-reassign",
            ),
            picked,
        )

    def _assign_picker(self, esc_id: int, staff: list[Any]) -> None:
        from screens.widgets.action_dialogs import FormDialog, assign_field
        from tpsdesk.services import escalations

        if not staff:
            self.notify(f"#{esc_id}: nobody of the Centre may be assigned it (W5)", severity="warning", markup=False)
            return
        session = self.session

        def done(result: Any) -> None:
            if result is not None:
                self.notify(f"#{esc_id} assigned to {result.owner}", markup=False)
                self.load()

        self.app.push_screen(
            FormDialog(
                f"#{esc_id}: Assign (W5)",
                [assign_field(staff)],
                lambda v: escalations.assign(session.desk, session.logon, esc_id, v["to"]),
                dialog_id="assign",
            ),
            done,
        )

    # ------------------------------------------------------------ feedback (E7)
    def action_feedback(self) -> None:
        """The feedback sent to the signed-in TL (E7, R4), read in a worker, shown read-only."""
        from tpsdesk.services import feedback

        session = self.session
        self.call("dashboard.feedback", lambda: feedback.list_feedback(session.desk, session.logon))

    def on_acted(self, message: Acted[Any]) -> None:
        if message.act != "dashboard.feedback":
            return
        message.stop()
        from screens.widgets.feedback_list import FeedbackList

        self.app.push_screen(FeedbackList(message.result, self.session.logon, self.session.local))
