"""Open contacts (F8): the contacts an SO recorded that wait for TPS, oldest first (I7, I8, R1).

Those who record outcomes (R6: TPS, SP, SSO, TL) see the open contacts of their site;
Enter (or ``o``) on a row opens the outcome dialog, which records the outcome exactly as
the intake does (``intake.record_outcome`` with the row's version): on success the row
goes and the screen says the requester's confirmation was queued (I7). A contact that
someone else completed meanwhile is one clear message, and the list reloads. An SO sees
their own contacts with their status and is told why they cannot record an outcome
(R1). The list re-reads on the change feed (``floor_changed``) and on ``r``; every read
is a ``self.call`` thread worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Label, Static

from screens.base import DeskScreen, desk_app
from screens.messages import Acted, ActFailed, OpenStopPayment
from screens.widgets.field_row import FieldRow
from screens.widgets.intake_form import IntakeForm
from screens.widgets.outcome_picker import OutcomeDraft, OutcomePicker
from tpsdesk.changes import Changes
from tpsdesk.errors import Conflict, TpsError, ValidationError
from tpsdesk.present import age
from tpsdesk.services import intake as svc
from tpsdesk.services.setup import parse_date
from tpsdesk.text import mask_crn

LOAD_ACT = "contacts.load"
LIMIT = 200


def gone_meanwhile(error: TpsError) -> bool:
    """The contact was completed or changed by someone else since the list was read."""
    return isinstance(error, Conflict) or (isinstance(error, ValidationError) and error.field == "status")


@dataclass(frozen=True)
class OutcomeResult:
    """What the outcome dialog answers: the completed contact, or why it is gone."""

    contact: svc.ContactView | None = None
    gone: str = ""


class OutcomeSaved(Message):
    def __init__(self, contact: svc.ContactView | None = None, error: TpsError | None = None) -> None:
        super().__init__()
        self.contact, self.error = contact, error


class OutcomeDialog(ModalScreen[OutcomeResult | None]):
    """I8: the outcome of one open contact, with the intake's outcome fields."""

    DEFAULT_CSS = """
    OutcomeDialog #outcome-contact {
        height: auto;
        margin-bottom: 1;
    }
    OutcomeDialog #outcome-error {
        height: auto;
    }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="outcome.save", tooltip="Record the outcome (I8)"),
        Binding("escape", "cancel", "Cancel", id="outcome.cancel", tooltip="Close without recording"),
    ]

    def __init__(self, contact: svc.ContactView, form: IntakeForm) -> None:
        super().__init__(id="dialog-outcome")
        self.contact = contact
        self.form = form
        self.busy = False

    def compose(self) -> ComposeResult:
        c, form = self.contact, self.form
        with VerticalScroll(classes="dialog action-dialog"):
            yield Label(f"Outcome of contact #{c.id}", markup=False, classes="dialog-title")
            yield Static(Text(describe(form, c)), id="outcome-contact", markup=False)
            yield OutcomePicker(
                form.outcomes_for(form.actor), form.category_labels(), form.guide.escalate_to_label, id="outcome"
            )
            yield Static("", markup=False, id="outcome-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Save (Ctrl+S)", id="save", variant="primary")
                yield Button("Cancel (Esc)", id="cancel")

    def on_mount(self) -> None:
        picker = self.query_one(OutcomePicker)
        for key in self.contact.suggested_outcomes:  # I5 review -> escalated, I6 -> TL / took over
            picker.choose(key, category="review" if key == "escalated" and self.contact.review_requested else None)
        picker.query_one("#outcomes").focus()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        if self.busy:
            return
        picker = self.query_one(OutcomePicker)
        draft = picker.draft()
        problems = picker.problems()
        if not draft.outcomes:
            problems = {"outcomes": "choose at least one outcome (I8)", **problems}
        for row in self.query(FieldRow):
            row.set_error(None)
        if problems:
            for field, message in problems.items():
                self._row_error(field, message)
            self.show_error(f"Not saved: {next(iter(problems.values()))}")
            return
        self.busy = True
        self.show_error("Saving...")
        self._save(draft)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)

    @work(thread=True, exit_on_error=False, group="outcome-save")
    def _save(self, draft: OutcomeDraft) -> None:
        """Never touches a widget: the answer is a message (a write: never exclusive)."""
        session = desk_app(self.app).session
        try:
            done = svc.record_outcome(
                session.desk,
                session.logon,
                self.contact.id,
                list(draft.outcomes),
                category=draft.category,
                summary=draft.summary,
                nnu_ref=draft.nnu_ref,
                service_first=draft.service_first,
                eped=parse_date("eped", draft.eped),
                expected_version=self.contact.version,
            )
        except TpsError as exc:
            self.post_message(OutcomeSaved(error=exc))
            return
        self.post_message(OutcomeSaved(contact=done))

    def on_outcome_saved(self, message: OutcomeSaved) -> None:
        self.busy = False
        error = message.error
        if error is None:
            self.dismiss(OutcomeResult(contact=message.contact))
        elif gone_meanwhile(error):
            self.dismiss(OutcomeResult(gone=gone_text(self.contact.id)))
        else:
            if isinstance(error, ValidationError):
                self._row_error(error.field, error.message)
            self.show_error(str(error))

    def _row_error(self, field: str, message: str) -> None:
        for row in self.query(f"#row-{field}").results(FieldRow):
            row.set_error(message)

    def show_error(self, text: str) -> None:
        self.query_one("#outcome-error", Static).update(Text(text))


def gone_text(contact_id: int) -> str:
    return f"Contact #{contact_id} was completed or changed by someone else meanwhile: nothing was recorded. The list is reloaded."


def reason_label(form: IntakeForm, key: str) -> str:
    option = form.reason(key)
    return option.label if option else key


def describe(form: IntakeForm, c: svc.ContactView) -> str:
    """The contact in a few lines, for the outcome dialog (user text stays plain text)."""
    who = c.requester_name + (f" ({c.requester_logon})" if c.requester_logon else "")
    lines = [f"Requester: {who}", f"Reason: {reason_label(form, c.reason)}"]
    if c.crn:
        lines.append(f"CRN: {c.crn}")
    help_first = c.help_required.splitlines()[0] if c.help_required else ""
    if help_first:
        lines.append(f"Help needed: {help_first[:200]}")
    return "\n".join(lines)


def minutes_since(then: datetime, now: datetime) -> int:
    return max(0, int((now - then).total_seconds() // 60))


class ContactsScreen(DeskScreen):
    """I7, I8: the open contacts of the site, oldest first; an SO's own with their status (R1)."""

    TITLE = "Open contacts"
    CSS_PATH = "contacts.tcss"
    BINDINGS = [
        Binding("o", "outcome", "Outcome", id="contacts.outcome", tooltip="Record the outcome of the contact (I8)"),
        Binding(
            "o",
            "outcome_refused",
            "Outcome",
            show=False,
            id="contacts.outcome_refused",
            tooltip="Why you cannot record an outcome here (R1, R6)",
        ),
        Binding("r", "reload", "Refresh", id="contacts.reload", tooltip="Read the open contacts again"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.found: svc.OpenContacts | None = None
        self.loaded_at: datetime | None = None
        self.said = ""  # the last outcome recorded here, kept across reloads

    def compose_body(self) -> ComposeResult:
        self.form = IntakeForm(self.session.desk.policy, self.session.actor)
        yield Static("Loading the open contacts...", id="contacts-title", markup=False)
        yield DataTable(id="contacts-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="contacts-said", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # The reason comes last: its long labels then end at the screen's edge, never hiding a column.
        table.add_columns("Id", "Age", "Status", "Requester", "CRN", "Channel", "Reason")
        table.focus()
        self.load()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if self.found is not None:
            self.load()

    def floor_changed(self, _: Changes) -> None:
        """The change feed heard a commit: re-read the list (the cursor stays on its contact)."""
        if self.is_current and self.query("#contacts-table"):
            self.load()

    # ------------------------------------------------------------ reading
    def load(self) -> None:
        session = self.session
        self.call(
            LOAD_ACT,
            lambda: svc.open_contacts(session.desk, session.logon, site=session.site, limit=LIMIT),
            exclusive=True,
        )

    def on_acted(self, message: Acted[Any]) -> None:
        if message.act != LOAD_ACT or not isinstance(message.result, svc.OpenContacts):
            return
        message.stop()
        self.found = message.result
        self.loaded_at = self.session.now()
        self._show(message.result)

    def on_act_failed(self, message: ActFailed) -> None:
        message.stop()
        if message.act == LOAD_ACT:
            self.query_one("#contacts-title", Static).update(Text(f"Open contacts could not be read: {message.error}"))
        self.show_error(message.error)

    def _show(self, found: svc.OpenContacts) -> None:
        table = self.query_one(DataTable)
        kept = self.cursor_key()
        table.clear()
        now = self.loaded_at or self.session.now()
        keep = self.session.desk.policy.summary.mask_keep
        for v in found.rows:
            table.add_row(
                Text(str(v.id)),
                Text(age(minutes_since(v.opened_at, now))),
                Text(v.status, style="bold" if v.status == "open" else "dim"),
                Text(v.requester_name + (f" ({v.requester_logon})" if v.requester_logon else "")),
                Text(mask_crn(v.crn, keep) or "-"),  # X2: a customer identifier, masked in a list
                Text(v.channel),
                Text(reason_label(self.form, v.reason)),
                key=str(v.id),
            )
        if kept is not None and kept in table.rows:
            table.move_cursor(row=table.get_row_index(kept), animate=False)
        n = f"{len(found.rows)}{'+' if found.more else ''}"
        if found.records_outcomes:
            title = f"Open contacts at {found.site}: {n}, oldest first (Enter or o: record the outcome, I8)"
        else:
            title = f"Your contacts: {n}, open and recently completed (R1: TPS records the outcome)"
        self.query_one("#contacts-title", Static).update(Text(title))
        self.refresh_bindings()

    def cursor_key(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def highlighted(self) -> svc.ContactView | None:
        key = self.cursor_key()
        if key is None or self.found is None:
            return None
        return next((v for v in self.found.rows if str(v.id) == key), None)

    # ------------------------------------------------------------ acting
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """R1, R6: the footer offers the outcome key only to those who may record one; an SO
        pressing it is told why (the hidden binding), never sent to another screen."""
        if action == "outcome":
            return self.found is None or self.found.records_outcomes
        if action == "outcome_refused":
            return self.found is not None and not self.found.records_outcomes
        return True

    def action_outcome_refused(self) -> None:
        self.action_outcome()

    def action_reload(self) -> None:
        self.load()

    @on(DataTable.RowSelected, "#contacts-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_outcome()

    def action_outcome(self) -> None:
        if self.found is None:
            self.notify("The open contacts are still loading.", markup=False)
            return
        if not self.found.records_outcomes:
            self.notify(self.found.refusal or "refused: TPS records the outcome (R1)", severity="warning", markup=False)
            return
        contact = self.highlighted()
        if contact is None:
            self.notify("No open contact to record an outcome for.", markup=False)
            return
        if self.form.is_stop_payment(contact.reason):  # I2.7, S4: arrears go with their DOC, from the builder
            self.notify(
                f"Contact #{contact.id} is about incorrect arrears: its DOC is built and escalated from the "
                "stop-payment DOC builder (I2.7, S4).",
                markup=False,
            )
            self.post_message(OpenStopPayment(contact.crn, contact.id))
            return
        self.app.push_screen(OutcomeDialog(contact, self.form), self._after_outcome)

    def _after_outcome(self, result: OutcomeResult | None) -> None:
        if result is None:
            return
        if result.gone:
            self.notify(result.gone, severity="warning", markup=False)
        elif result.contact is not None:
            self._recorded(result.contact)
        self.load()

    def _recorded(self, c: svc.ContactView) -> None:
        """I7: the contact is complete; its requester's confirmation is in the outbox."""
        table = self.query_one(DataTable)
        if str(c.id) in table.rows:
            table.remove_row(str(c.id))
        labels = self.form.guide.outcomes
        said = f"Contact #{c.id} complete: {', '.join(labels.get(o, o) for o in c.outcomes)}."
        if c.escalation_id is not None:
            said += f" Escalation #{c.escalation_id} raised."
        said += f" Confirmation queued for the requester {c.requester_logon or c.requester_name} (I7"
        said += f", outbox #{c.outbox_id})." if c.outbox_id is not None else ")."
        self.said = said
        self.query_one("#contacts-said", Static).update(Text(said))
        self.notify(said, markup=False)
