"""Intake checklist (F2): a contact from first question to outcome (I1 to I9).

Requester (I4), reason (I2; refused reasons I3 show their guidance and save
nothing; I9 guidance on this step), the reason's branch (I5 decision, I6
supervisor, I2.7 arrears -> the stop-payment builder), the reference
checklist (I1), what help is needed, then the outcome (I8) for staff who may
record it. Required fields are checked as you type with the core's
``missing_fields``; saving runs in a thread worker (open_contact, then
one ``open_contact`` call that saves the contact with its outcome or nothing) and
the screen shows what was recorded and that the requester's confirmation is
queued (I7). Unsaved text asks before ctrl+n or leaving discards it.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Select, SelectionList, Static, TextArea

from screens.base import FormScreen
from screens.messages import OpenStopPayment
from screens.widgets.confirm import ConfirmDiscard
from screens.widgets.field_row import FieldRow
from screens.widgets.intake_fields import intake_fields
from screens.widgets.intake_form import LIVE, Draft, IntakeForm, guidance_text, result_text
from screens.widgets.long_text import LongText
from screens.widgets.outcome_picker import OutcomeDraft, OutcomePicker
from screens.widgets.pane import Pane
from screens.widgets.reference_checklist import ReferenceChecklist
from tpsdesk.errors import TpsError, ValidationError
from tpsdesk.services import intake as svc
from tpsdesk.services.actors import allowed
from tpsdesk.services.setup import parse_date


class IntakeScreen(FormScreen):
    """I1-I9: record a request for TPS help, and (TPS, SP, SSO, TL) its outcome."""

    TITLE = "Intake checklist"
    CSS_PATH = "intake.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding(
            "ctrl+s",
            "save",
            "Save contact",
            priority=True,
            id="intake.save",
            tooltip="Check and save the contact (and its outcome)",
        ),
        Binding(
            "ctrl+b",
            "build_doc",
            "Stop-payment DOC",
            priority=True,
            id="intake.build_doc",
            tooltip="Open the stop-payment DOC builder with this CRN (I2.7)",
        ),
        Binding(
            "ctrl+n",
            "new",
            "New contact",
            priority=True,
            id="intake.new",
            tooltip="Clear the form for the next contact",
        ),
    ]

    class Saved(Message):
        def __init__(self, contact: svc.ContactView) -> None:
            super().__init__()
            self.contact = contact

    class Failed(Message):
        def __init__(self, error: str, field: str | None, guidance: str) -> None:
            super().__init__()
            self.error, self.field, self.guidance = error, field, guidance

    def __init__(self) -> None:
        super().__init__()
        self._touched: set[str] = set()
        self._rows: dict[str, FieldRow] | None = None
        self._attempted = False
        self._saving = False
        self._done = False
        self._blank: tuple[Draft, OutcomeDraft | None] | None = None  # the form as it starts

    # ------------------------------------------------------------ layout
    def compose_body(self) -> ComposeResult:
        actor, policy = self.session.actor, self.session.desk.policy
        self.form = form = IntakeForm(policy, actor)
        self.guide = guide = form.guide
        # R6: TPS, SP, SSO and TL record the outcome; an SO's contact stays open.
        self.may_outcome = allowed(policy, actor, "outcome") is None
        with Pane(id="in-body"):
            with Pane(id="in-form"):
                yield from intake_fields(form)
                if self.may_outcome:
                    yield OutcomePicker(
                        form.outcomes_for(actor), form.category_labels(), guide.escalate_to_label, id="outcome"
                    )
                with Horizontal(id="in-buttons"):
                    yield Button("Save  ctrl+s", variant="primary", id="save", tooltip="Save the contact")
                    yield Button(
                        "DOC builder  ctrl+b", id="build_doc", tooltip="Stop-payment DOC builder with this CRN"
                    )
                    yield Button("New  ctrl+n", id="new", tooltip="Clear the form")
            with Pane(id="in-side"):
                yield Static("", markup=False, id="in-result")
                yield Static(Text(form.side_text()), markup=False, id="in-notes")

    def on_mount(self) -> None:
        # R1: an SO records the contacts they raise themselves, so the requester is fixed.
        self._row("requester_kind").display = self.may_outcome and len(self.guide.requester_kinds) > 1
        for field in ("#requester_logon", "#requester_name"):
            self.query_one(field, Input).disabled = not self.may_outcome
        self._sync_branches()
        first = "#requester_logon" if not self.form.default_logon else "#reason"
        self.query_one(first).focus()
        self._blank = self._typed()

    def _typed(self) -> tuple[Draft, OutcomeDraft | None]:
        """Everything typed or chosen: compared with the blank form to tell unsaved text."""
        outcome = self.query_one("#outcome", OutcomePicker).draft() if self.may_outcome else None
        return self.draft(), outcome

    def unsaved(self) -> str | None:
        if self._done or self._saving or self._blank is None or self._typed() == self._blank:
            return None
        return "The contact you are recording"

    # ------------------------------------------------------------ reading the form
    def draft(self) -> Draft:
        refs: ReferenceChecklist = self.query_one("#references", ReferenceChecklist)
        pick = self._value
        return Draft(
            requester_kind=pick("requester_kind") or "so",
            requester_logon=self.query_one("#requester_logon", Input).value,
            requester_name=self.query_one("#requester_name", Input).value,
            reason=pick("reason"),
            references=refs.selected(),
            other_ticked=refs.other_ticked,
            none_ticked=refs.none_ticked,
            reference_other=refs.other,
            confirmed_no_answer=self.query_one("#confirmed_no_answer", Checkbox).value,
            decision_by=pick("decision_by"),
            review_requested=self.query_one("#review_requested", Checkbox).value,
            supervisor_reason=pick("supervisor_reason"),
            help_required=self.query_one("#help_required", TextArea).text,
            crn=self.query_one("#crn", Input).value,
        )

    def _value(self, select_id: str) -> str:
        value = self.query_one(f"#{select_id}", Select).value
        return "" if value is Select.NULL else str(value)

    def _find_row(self, field: str) -> FieldRow | None:
        """The row of a field, if the form has one (an error may name any field)."""
        if self._rows is None:  # looked up once: a DOM query per keystroke is slow
            self._rows = {row.id[4:]: row for row in self.query(FieldRow) if row.id and row.id.startswith("row-")}
        return self._rows.get(field)

    def _row(self, field: str) -> FieldRow:
        row = self._find_row(field)
        assert row is not None, field
        return row

    # ------------------------------------------------------------ live checks
    def _sync_branches(self) -> None:
        """Show only the steps the chosen reason and requester kind need."""
        draft = self.draft()
        reason = self.form.reason(draft.reason)
        branch = reason.branch if reason else ""
        self._row("confirmed_no_answer").display = bool(reason and reason.confirm_no_answer)
        self._row("decision_by").display = branch == "decision"
        self._row("review_requested").display = branch == "decision" and self.form.decision_transfers(draft.decision_by)
        self._row("supervisor_reason").display = branch == "supervisor"
        self.query_one("#build_doc").display = bool(reason and reason.stop_payment)
        if self.may_outcome:  # I2.7: arrears are escalated with their DOC, from the builder (S1, E1)
            self.query_one("#outcome").display = not (reason and reason.stop_payment)
        self.query_one("#in-guidance", Static).update(Text(guidance_text(self.form, draft)))
        # I1: the none entry only for the reasons that are not reference questions (I2.5-7).
        self.query_one("#references", ReferenceChecklist).offer_none(bool(reason and reason.none_allowed))
        # I4: every requester gives a logon; one who is not staff of this floor, a name too.
        self._row("requester_logon").set_required(True)
        self._row("requester_name").set_required(not self.form.is_staff_kind(draft.requester_kind))
        self._row("references").set_required(True)

    def _revalidate(self, *, show_all: bool = False) -> dict[str, str]:
        draft = self.draft()
        problems = self.form.missing(draft)
        if self.form.refusal(draft):
            problems.pop("reason", None)  # I3 / I5: the guidance under the reason says it already
            problems.pop("decision_by", None)
        for field in LIVE:
            row = self._find_row(field)
            if row is not None:
                row.set_error(problems.get(field) if (show_all or self._attempted or field in self._touched) else None)
        return problems

    def _changed(self, field: str | None) -> None:
        if field:
            self._touched.add(field)
        self._sync_branches()
        self._revalidate()

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        field = event.input.id
        if field in ("summary", "nnu_ref", "service_first", "eped"):
            self._row(field).set_error(None)
            return
        self._changed("references" if field == "reference_other" else field)

    @on(TextArea.Changed)
    def _text_changed(self, event: TextArea.Changed) -> None:
        area = event.text_area
        if isinstance(area, LongText) and area.id:
            n = area.length
            area.fit_wrap(n)
            if n > area.limit:  # its length alone: the core's live check runs again once it fits
                self._touched.add(area.id)
                self._row(area.id).set_error(area.length_note(n))
                return
        self._changed(area.id)

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        field = event.select.id
        if field == "category":
            self._row("category").set_error(None)
            return
        if field == "supervisor_reason" and self.may_outcome:
            implied = self.form.supervisor_outcome(str(event.value))
            if implied:  # I6: complaint -> transferred to a TL; technical -> TPS takes over
                self.query_one("#outcome", OutcomePicker).choose(implied)
        self._changed(field)

    def _review_changed(self, requested: bool) -> None:
        # I5 / E2: a review request becomes a review escalation.
        if requested and self.may_outcome:
            self.query_one("#outcome", OutcomePicker).choose("escalated", category="review")

    @on(Checkbox.Changed)
    def _checkbox_changed(self, event: Checkbox.Changed) -> None:
        field = event.checkbox.id or ""
        if field == "review_requested":
            self._review_changed(event.value)
        self._changed("references" if field.startswith("ref-") else field)

    @on(SelectionList.SelectedChanged)
    def _outcomes_changed(self) -> None:
        self._row("outcomes").set_error(None)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        # Enter moves on through the form; in the last text field shown it saves.
        inputs = [w for w in self.focus_chain if isinstance(w, Input)]
        if inputs and event.input is inputs[-1]:
            self.action_save()
        else:
            self.focus_next()

    # ------------------------------------------------------------ actions
    def action_save(self) -> None:
        if self._saving:
            return
        if self._done:
            self.notify("This contact is saved: ctrl+n starts the next one.", markup=False)
            return
        draft = self.draft()
        refusal = self.form.refusal(draft)
        if refusal:  # I3 / I5 redirect: show the guidance, record nothing
            self._show_result(f"Not recorded.\n{refusal}")
            self.notify(refusal, title="Nothing recorded", severity="warning", markup=False)
            return
        self._attempted = True  # after a save attempt every message stays live
        problems = self._revalidate(show_all=True)
        with_outcome = self.may_outcome and not self.form.is_stop_payment(draft.reason)
        outcome = self.query_one("#outcome", OutcomePicker).draft() if with_outcome else None
        if with_outcome:
            for field, message in self.query_one("#outcome", OutcomePicker).problems().items():
                problems[field] = message
                self._row(field).set_error(message)
        if problems:
            field = next(iter(problems))
            self.notify(f"Not saved: {problems[field]}", severity="error", markup=False)
            row = self._find_row(field)
            if row is not None and row.display:
                row.field.focus()
            return
        self._saving = True
        self.query_one("#save", Button).disabled = True
        self._save(draft, outcome)

    def action_build_doc(self) -> None:
        """I2.7: jump to the stop-payment DOC builder, carrying the CRN over."""
        self.post_message(OpenStopPayment(self.query_one("#crn", Input).value.strip()))

    def action_new(self) -> None:
        """ctrl+n: a blank form; asks first when the one shown has unsaved text."""
        what = self.unsaved()
        if what is None:
            self._clear()
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self._clear()

        self.app.push_screen(ConfirmDiscard(what, "start a new contact"), answered)

    def _clear(self) -> None:
        self._done = False
        self._touched.clear()
        self._attempted = False
        # Clearing is not typing: no change events, so no field counts as touched.
        with self.prevent(
            Input.Changed, Select.Changed, Checkbox.Changed, TextArea.Changed, SelectionList.SelectedChanged
        ):
            self.query_one("#requester_kind", Select).value = next(iter(self.guide.requester_kinds))
            self.query_one("#requester_logon", Input).value = self.form.default_logon
            self.query_one("#requester_name", Input).value = self.form.default_name
            for select in ("reason", "decision_by", "supervisor_reason"):
                self.query_one(f"#{select}", Select).clear()
            for box in ("confirmed_no_answer", "review_requested"):
                self.query_one(f"#{box}", Checkbox).value = False
            self.query_one("#references", ReferenceChecklist).clear()
            self.query_one("#help_required", TextArea).text = ""
            self.query_one("#crn", Input).value = ""
            if self.may_outcome:
                self.query_one("#outcome", OutcomePicker).clear()
        self.query_one("#in-result", Static).update("")
        self.query_one("#save", Button).disabled = False
        self._touched.clear()
        self._sync_branches()
        self._revalidate()
        self.query_one("#reason" if self.form.default_logon else "#requester_logon").focus()
        self._blank = self._typed()

    def _show_result(self, text: str) -> None:
        result = self.query_one("#in-result", Static)
        result.update(Text(text))
        result.scroll_visible()

    # ------------------------------------------------------------ worker (never touches widgets)
    @work(thread=True, group="intake-save", exit_on_error=False)
    def _save(self, draft: Draft, outcome: OutcomeDraft | None) -> None:
        desk, logon = self.session.desk, self.session.logon
        try:
            chosen = None
            if outcome is not None and outcome.outcomes:
                chosen = svc.OutcomeInput(
                    list(outcome.outcomes),
                    category=outcome.category,
                    summary=outcome.summary,
                    nnu_ref=outcome.nnu_ref,
                    service_first=outcome.service_first,
                    eped=parse_date("eped", outcome.eped),
                )
            saved = svc.open_contact(desk, logon, **draft.contact_kwargs(), outcome=chosen)
            self.post_message(self.Saved(saved))
        except svc.Refused as exc:
            self.post_message(self.Failed(str(exc), None, exc.guidance or str(exc)))
        except ValidationError as exc:
            self.post_message(self.Failed(exc.message, exc.field, ""))
        except TpsError as exc:
            self.post_message(self.Failed(str(exc), None, ""))
        except Exception as exc:  # one clear message, never a traceback on screen
            self.post_message(self.Failed(f"not saved ({type(exc).__name__}: {exc})", None, ""))

    # ------------------------------------------------------------ worker results
    def on_intake_screen_saved(self, message: Saved) -> None:
        self._saving = False
        self._done = True
        self.query_one("#save", Button).disabled = False
        final = message.contact
        self._show_result(result_text(self.form, final))
        self.notify(f"Contact #{final.id} recorded.", markup=False)
        if self.form.is_stop_payment(final.reason):
            self._jump_to_builder(final)

    def _jump_to_builder(self, contact: svc.ContactView) -> None:
        """I2.7: the builder opens with the CRN, linked to this contact."""
        self.post_message(OpenStopPayment(contact.crn or self.query_one("#crn", Input).value.strip(), contact.id))

    def on_intake_screen_failed(self, message: Failed) -> None:
        self._saving = False
        self.query_one("#save", Button).disabled = False
        row = self._find_row(message.field) if message.field else None
        if row is not None:
            row.set_error(message.error)
        # The message names its field by the label the person sees, never the service's key.
        named = f"{row.label if row is not None else message.field}: {message.error}" if message.field else ""
        text = message.guidance or named or message.error
        lead = "Not saved. "
        self._show_result(lead + text)
        self.notify(lead + text, severity="warning" if message.guidance else "error", markup=False)
