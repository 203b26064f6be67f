"""Stop-payment DOC builder (F4): S0 check, S1 fields, S2 exact reason, S5 DOC text,
then save and escalate as E1 with the COB deadline (C6) and the channel's route (S4).

Validation is the core's (``field_errors``) and runs as you type; the DOC text is
the core's (``render``) and is shown as plain text. Saving runs in a thread
worker that never touches widgets: it posts a message the screen handles.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Select, Static

from screens.base import FormScreen
from screens.widgets.doc_preview import DocPreview
from screens.widgets.field_row import FieldRow
from screens.widgets.pane import Pane
from screens.widgets.stop_payment_fields import OTHER, stop_payment_fields
from tpsdesk.errors import TpsError, ValidationError
from tpsdesk.services import stop_payment as sp
from tpsdesk.services.desk import Desk
from tpsdesk.services.setup import site_calendar_for

# The form's fields, in Tab order, as named by StopPaymentInput and field_errors.
FIELDS = ("ar_checked", "crn", "payment_type", "amount", "period_from", "period_to", "reason")


@dataclass(frozen=True)
class SavedDoc:
    """What the save worker hands back to the screen."""

    result: sp.StopPaymentResult
    due_text: str


class StopPaymentScreen(FormScreen):
    """S0-S5: build, check, copy and save a stop-payment DOC; escalate as E1."""

    TITLE = "Stop-payment DOC builder"
    CSS_PATH = "stop_payment.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding(
            "ctrl+s",
            "save",
            "Save DOC",
            priority=True,
            id="sp.save",
            tooltip="Save the DOC; escalate as E1 when ticked",
        ),
        Binding(
            "ctrl+o",
            "copy",
            "Copy DOC",
            priority=True,
            id="sp.copy",
            tooltip="Copy the DOC text to the clipboard (OSC 52)",
        ),
        Binding("ctrl+n", "new", "New DOC", priority=True, id="sp.new", tooltip="Clear the form and start a new DOC"),
        Binding(
            "ctrl+t",
            "toggle_preview",
            "Preview",
            priority=True,
            id="sp.preview",
            tooltip="Go to the DOC preview (below the form at 80 columns), and back to the field you were in",
        ),
    ]

    class Preview(Message):
        def __init__(self, seq: int, text: str, problem: str) -> None:
            super().__init__()
            self.seq, self.text, self.problem = seq, text, problem

    class Saved(Message):
        def __init__(self, saved: SavedDoc) -> None:
            super().__init__()
            self.saved = saved

    class Failed(Message):
        def __init__(self, error: str, field: str | None) -> None:
            super().__init__()
            self.error, self.field = error, field

    def __init__(self) -> None:
        super().__init__()
        self._touched: set[str] = set()
        self._rows: dict[str, FieldRow] | None = None
        self._attempted = False
        self._seq = 0
        self._saving = False
        self._saved: SavedDoc | None = None
        self._pending_crn: str | None = None
        self.contact_id: int | None = None
        self._pending_contact: int | None = None
        self._back_to: str | None = None  # the field ctrl+t returns to from the preview

    # ------------------------------------------------------------ layout
    def compose_body(self) -> ComposeResult:
        policy = self.session.desk.policy
        types = list(policy.stop_payment.payment_types)
        with Pane(id="sp-body"):
            with Pane(id="sp-form"):
                yield from stop_payment_fields([*types, OTHER] if OTHER not in types else types)
                with Horizontal(id="sp-buttons"):
                    yield Button(
                        "Save  ctrl+s", variant="primary", id="save", tooltip="Save the DOC (S1) and escalate (E1)"
                    )
                    yield Button("Copy  ctrl+o", id="copy", tooltip="Copy the DOC text to the clipboard")
                    yield Button("New  ctrl+n", id="new", tooltip="Clear the form")
            with Pane(id="sp-side"):
                yield DocPreview("The DOC text appears here as you fill in the fields.", id="preview")
                yield Static("", markup=False, id="sp-result")
                yield Static(Text(self._route_text()), markup=False, id="sp-route")

    def _route_text(self) -> str:
        actor = self.session.actor
        text = self.session.desk.policy.channels[actor.channel].arrears_route_text if actor else ""
        return f"Routing (S4): {text}" if text else ""

    def on_mount(self) -> None:
        self.query_one("#row-payment_other").display = False
        if self._pending_crn is not None:
            self._apply_crn(self._pending_crn)
            self.contact_id = self._pending_contact
            self._pending_crn = None
        self.query_one("#ar_checked").focus()
        self._revalidate()

    # ------------------------------------------------------------ public
    def prefill(self, crn: str, contact_id: int | None = None) -> None:
        """Start a new DOC for this CRN, linked to the contact that asked for it (I2.7 jumps
        here from intake)."""
        if not self.is_mounted:
            self._pending_crn = crn
            self._pending_contact = contact_id
            return
        self.action_new()
        self._apply_crn(crn)
        self.contact_id = contact_id

    def _apply_crn(self, crn: str) -> None:
        self.query_one("#crn", Input).value = crn
        self._touched.add("crn")
        self.query_one("#ar_checked").focus()

    # ------------------------------------------------------------ reading the form
    def data(self) -> sp.StopPaymentInput:
        select = self.query_one("#payment_type", Select)
        chosen = "" if select.value is Select.NULL else str(select.value)
        if chosen == OTHER:
            chosen = self.query_one("#payment_other", Input).value
        return sp.StopPaymentInput(
            crn=self.query_one("#crn", Input).value,
            payment_type=chosen,
            amount=self.query_one("#amount", Input).value,
            period_from=self.query_one("#period_from", Input).value,
            period_to=self.query_one("#period_to", Input).value,
            reason=self.query_one("#reason", Input).value,
            ar_checked=self.query_one("#ar_checked", Checkbox).value,
        )

    def errors(self) -> dict[str, str]:
        desk = self.session.desk
        return sp.field_errors(desk.policy, self.data(), today=desk.now().date())

    def _row_for(self, field: str) -> FieldRow | None:
        if field == "payment_type" and self._other_chosen():
            field = "payment_other"
        if self._rows is None:  # looked up once: a DOM query per keystroke is slow
            self._rows = {row.id[4:]: row for row in self.query(FieldRow) if row.id and row.id.startswith("row-")}
        return self._rows.get(field)

    def _other_chosen(self) -> bool:
        return self.query_one("#payment_type", Select).value == OTHER

    def _revalidate(self, *, show_all: bool = False) -> dict[str, str]:
        """Live validation: each touched field shows its message beside it."""
        errors = self.errors()
        for field in FIELDS:
            row = self._row_for(field)
            if row is not None:
                shown = show_all or self._attempted or field in self._touched
                message = errors.get(field) if shown else None
                row.set_error(_named(row, message) if message else None)
        if self._saved is None:
            self._seq += 1
            self._preview(self._seq, self.data())
        return errors

    # ------------------------------------------------------------ events
    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        if event.input.id:
            self._touched.add("payment_type" if event.input.id == "payment_other" else event.input.id)
        self._revalidate()

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        # Enter moves on through the form; on the last field it saves.
        if event.input.id == "reason":
            self.action_save()
        else:
            self.focus_next()

    @on(Select.Changed, "#payment_type")
    def _type_changed(self, event: Select.Changed) -> None:
        self._touched.add("payment_type")
        self.query_one("#row-payment_other").display = event.value == OTHER
        self.query_one("#row-payment_type", FieldRow).set_error(None)
        self._revalidate()

    @on(Checkbox.Changed, "#ar_checked")
    def _ar_changed(self, event: Checkbox.Changed) -> None:
        self._touched.add("ar_checked")
        self._revalidate()

    # ------------------------------------------------------------ actions
    def action_save(self) -> None:
        if self._saving:
            return
        if self._saved is not None:
            self.notify(
                f"This DOC is already saved as #{self._saved.result.doc_id}: ctrl+n starts a new one.", markup=False
            )
            return
        self._attempted = True  # after a save attempt every message stays live
        errors = self._revalidate(show_all=True)
        if errors:
            first = next((f for f in FIELDS if f in errors), next(iter(errors)))
            row = self._row_for(first)
            text = _named(row, errors[first]) if row is not None else f"{first}: {errors[first]}"
            self.notify(f"Not saved: {text}", severity="error", markup=False)
            if row is not None:
                row.field.focus()
            return
        self._saving = True
        self.query_one("#save", Button).disabled = True
        escalate = self.query_one("#escalate", Checkbox).value
        self._save(self.data(), escalate, self.contact_id, self.session.site)

    def action_copy(self) -> None:
        text = self._saved.result.text if self._saved else self.query_one("#preview", DocPreview).text
        if not text:
            self.notify(
                "Nothing to copy yet: fill in the fields so the DOC text appears.", severity="warning", markup=False
            )
            return
        self.app.copy_to_clipboard(text)
        self.notify("DOC text copied to the clipboard: paste it into the customer's record.", markup=False)

    def action_toggle_preview(self) -> None:
        """The DOC preview by keys: at 80 columns it is stacked under the form, so focusing it
        scrolls it into view; pressed again, back to the field you were in."""
        preview = self.query_one("#preview", DocPreview)
        focused = self.focused
        if focused is preview:
            back = self.query_one(f"#{self._back_to}") if self._back_to else self.query_one("#ar_checked")
            back.focus()
            return
        self._back_to = focused.id if focused is not None and focused.id else None
        # The preview's top at the top of the view, at once: one place whatever was scrolled
        # before (the focus's own minimal scroll then has nothing left to do).
        preview.scroll_visible(top=True, animate=False, immediate=True)
        preview.focus(scroll_visible=False)

    def action_new(self) -> None:
        self._saved = None
        self._touched.clear()
        self._attempted = False
        self.contact_id = None
        # Clearing is not typing: no change events, so no field counts as touched.
        with self.prevent(Input.Changed, Select.Changed, Checkbox.Changed):
            for field in ("crn", "payment_other", "amount", "period_from", "period_to", "reason"):
                self.query_one(f"#{field}", Input).value = ""
            self.query_one("#payment_type", Select).clear()
            self.query_one("#ar_checked", Checkbox).value = False
            self.query_one("#escalate", Checkbox).value = True
        self.query_one("#row-payment_other").display = False
        self.query_one("#sp-result", Static).update("")
        self.query_one("#save", Button).disabled = False
        self._touched.clear()
        self._revalidate()
        self.query_one("#ar_checked").focus()

    # ------------------------------------------------------------ workers (no widgets in here)
    @work(thread=True, exclusive=True, group="sp-preview", exit_on_error=False)
    def _preview(self, seq: int, data: sp.StopPaymentInput) -> None:
        try:
            text, problem = sp.render(self.session.desk, self.session.logon, data, self.contact_id), ""
        except TpsError as exc:
            text, problem = "", str(exc)
        self.post_message(self.Preview(seq, text, problem))

    @work(thread=True, group="sp-save", exit_on_error=False)
    def _save(self, data: sp.StopPaymentInput, escalate: bool, contact_id: int | None, home_site: str) -> None:
        desk = self.session.desk
        try:
            result = sp.save(desk, self.session.logon, data, escalate=escalate, contact_id=contact_id)
            self.post_message(self.Saved(SavedDoc(result, _due_text(desk, result, home_site))))
        except ValidationError as exc:
            self.post_message(self.Failed(exc.message, exc.field))
        except TpsError as exc:
            self.post_message(self.Failed(str(exc), None))
        except Exception as exc:  # one clear message, never a traceback on screen
            self.post_message(self.Failed(f"the DOC was not saved ({type(exc).__name__}: {exc})", None))

    # ------------------------------------------------------------ worker results
    def on_stop_payment_screen_preview(self, message: Preview) -> None:
        if message.seq != self._seq or self._saved is not None:
            return  # a newer keystroke's preview is on its way
        preview = self.query_one("#preview", DocPreview)
        preview.placeholder = message.problem or "The DOC text appears here as you fill in the fields."
        preview.show_text(message.text)

    def on_stop_payment_screen_saved(self, message: Saved) -> None:
        self._saving = False
        self._saved = message.saved
        result = message.saved.result
        self.query_one("#preview", DocPreview).show_text(result.text)
        self.query_one("#sp-result", Static).update(Text(_result_text(message.saved)))
        if result.route_text:
            self.query_one("#sp-route", Static).update(Text(f"Routing (S4): {result.route_text}"))
        self.query_one("#sp-result").scroll_visible()
        self.notify(
            f"DOC #{result.doc_id} saved."
            + (f" Escalation #{result.escalation.id} raised." if result.escalation else ""),
            markup=False,
        )

    def on_stop_payment_screen_failed(self, message: Failed) -> None:
        self._saving = False
        self.query_one("#save", Button).disabled = False
        row = self._row_for(message.field) if message.field else None
        if row is not None:
            row.set_error(_named(row, message.error))
        if row is not None:
            text = _named(row, message.error)
        else:
            text = f"{message.field}: {message.error}" if message.field else message.error
        self.notify(f"Not saved: {text}", severity="error", markup=False)


def _named(row: FieldRow, message: str) -> str:
    """A field's message names the field by its label, as the form shows it."""
    return f"{row.label}: {message}"


def _due_text(desk: Desk, result: sp.StopPaymentResult, home_site: str) -> str:
    """The COB deadline in the raising site's local time (C6, C9)."""
    if result.due_at is None:
        return ""
    site = result.escalation.site if result.escalation else home_site
    try:
        return site_calendar_for(desk, site).fmt(result.due_at)
    except TpsError:
        return f"{result.due_at:%Y-%m-%d %H:%M} UTC"


def _result_text(saved: SavedDoc) -> str:
    result = saved.result
    lines = [f"Saved: DOC #{result.doc_id}."]
    if result.escalation is not None:
        lines.append(f"Escalated: #{result.escalation.id} (E1 arrears), due before COB {saved.due_text}.")
        if result.after_hours:
            lines.append("AFTER HOURS: act at once (C6).")
    else:
        lines.append(f"Not escalated: escalate it as E1 before COB {saved.due_text} (S3).")
    lines.append("ctrl+o copies the DOC text; ctrl+n starts a new DOC.")
    return "\n".join(lines)
