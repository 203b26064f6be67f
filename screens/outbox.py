"""The outbox (F9): the mail the desk sends (I7 confirmations, E7 and I10 messages), with
each message's status, attempts and last error, newest first.

A TL, SP or SSO sees the Centre's messages, everyone else the messages addressed to them
(``services.mail.list_outbox`` decides). CRNs in subjects and bodies are masked (X2).
Without ``[mail] smtp_host`` a one-line note says that nothing is sent and that this is
what would be; with it, the app's sender (``screens/mail_sender.py``) delivers in the
background and this screen re-reads when a run answers.

Refreshing: one read at a time in a thread worker; the next read is armed only after the
answer, and only while the screen is shown (nothing polls while hidden; it re-reads on
resume). ``r`` reads now. Below the list: the highlighted message's Message-ID, last error
and body.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Static

from screens.base import DeskScreen
from screens.mail_sender import MailDelivered
from tpsdesk.changes import Changes
from tpsdesk.errors import TpsError
from tpsdesk.services import mail as svc

REFRESH_SECONDS = 15.0
STATUS_STYLE = {
    svc.MailStatus.PENDING: "",
    svc.MailStatus.SENDING: "bold",
    svc.MailStatus.SENT: "dim",
    svc.MailStatus.FAILED: "bold red",
}


class OutboxLoaded(Message):
    def __init__(self, listing: svc.OutboxList | None = None, error: str = "") -> None:
        super().__init__()
        self.listing, self.error = listing, error


def when(view: svc.OutboxView) -> datetime | None:
    """The time that matters for the message's status: sent, given up, or next tried."""
    return view.sent_at or view.failed_at or view.next_attempt_at


class OutboxScreen(DeskScreen):
    """I7, E7: the outbox as the signed-in officer may see it."""

    TITLE = "Outbox"
    CSS_PATH = "outbox.tcss"
    BINDINGS = [
        Binding("r", "reload", "Refresh", id="outbox.reload", tooltip="Read the outbox again"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.listing: svc.OutboxList | None = None
        self.reading = False  # a read is running: a refresh asked for now waits for it
        self.poll: Timer | None = None  # the next refresh, armed after the last one answered

    def compose_body(self) -> ComposeResult:
        yield Static("Loading the outbox...", id="outbox-title", markup=False)
        yield Static("", id="outbox-note", markup=False)
        yield DataTable(id="outbox-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="outbox-detail", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # The last error comes last: a long reply then ends at the screen's edge, hiding no column.
        table.add_columns("Id", "Status", "Tries", "To", "Subject", "When", "Last error")
        table.focus()
        self.load()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if self.listing is not None:
            self.load()

    def on_screen_suspend(self) -> None:
        self._disarm()  # nothing polls while the screen is hidden

    def floor_changed(self, _: Changes) -> None:
        if self.is_current and self.query("#outbox-table"):
            self.load()

    def delivered(self, _: MailDelivered) -> None:
        """The app's sender finished a run: what it changed shows now."""
        if self.is_current and self.query("#outbox-table"):
            self.load()

    def action_reload(self) -> None:
        self.load()

    # ------------------------------------------------------------ reading
    def load(self) -> None:
        """Read now, unless a read is running (its answer is as fresh)."""
        if self.reading:
            return
        self._disarm()
        self.reading = True
        self._read()

    def _disarm(self) -> None:
        if self.poll is not None:
            self.poll.stop()
            self.poll = None

    @work(thread=True, exit_on_error=False, group="outbox")
    def _read(self) -> None:
        s = self.session
        try:
            listing = svc.list_outbox(s.desk, s.logon)
        except TpsError as exc:
            self.post_message(OutboxLoaded(error=str(exc)))
            return
        except BaseException:
            self.post_message(OutboxLoaded(error="the outbox could not be read: see the log"))
            raise  # the app's worker handler logs it
        self.post_message(OutboxLoaded(listing))

    def on_outbox_loaded(self, message: OutboxLoaded) -> None:
        self.reading = False
        if self.app.screen is self:
            self.poll = self.set_timer(REFRESH_SECONDS, self.load, name="outbox-poll")
        if message.error:
            self.query_one("#outbox-title", Static).update(Text(f"The outbox could not be read: {message.error}"))
            self.notify(message.error, severity="error", markup=False)
            return
        if message.listing is not None:
            self.listing = message.listing
            self._show(message.listing)

    def _show(self, listing: svc.OutboxList) -> None:
        table = self.query_one(DataTable)
        kept = self._cursor_key()
        table.clear()
        zone = ZoneInfo(self.session.zone)
        for m in listing.messages:
            at = when(m)
            table.add_row(
                Text(str(m.id)),
                Text(str(m.status), style=STATUS_STYLE[m.status]),
                Text(str(m.attempts)),
                Text(m.recipient),
                Text(m.subject),
                Text(at.astimezone(zone).strftime("%d %b %H:%M") if at else "-"),
                Text(m.last_error or "-"),
                key=str(m.id),
            )
        if kept is not None and kept in table.rows:
            table.move_cursor(row=table.get_row_index(kept), animate=False)
        counts = {s: sum(1 for m in listing.messages if m.status is s) for s in svc.MailStatus}
        whose = "The Centre's outbox" if listing.whole_centre else "Your messages"
        title = f"{whose}: " + ", ".join(f"{n} {s}" for s, n in counts.items())
        self.query_one("#outbox-title", Static).update(Text(title, style="bold"))
        self.query_one("#outbox-note", Static).update(Text(listing.note))
        self._detail()

    def _cursor_key(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def highlighted(self) -> svc.OutboxView | None:
        key = self._cursor_key()
        if key is None or self.listing is None:
            return None
        return next((m for m in self.listing.messages if str(m.id) == key), None)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._detail()

    def _detail(self) -> None:
        """The highlighted message: its Message-ID, last error and the first lines of the body."""
        m = self.highlighted()
        box = self.query_one("#outbox-detail", Static)
        if m is None:
            box.update(Text("No messages." if self.listing is not None else ""))
            return
        lines = [f"{m.message_id}  {m.kind}  to {m.recipient}"]
        if m.last_error:
            lines.append(f"Last error: {m.last_error}")
        lines.append(" ".join(m.body.split())[:300])
        box.update(Text("\n".join(lines)))
