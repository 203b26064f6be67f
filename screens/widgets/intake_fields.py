"""The intake's questions as form rows, in Tab order (I1 to I6, I4 marks).

Which rows show is decided by the screen as the reason and requester change.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Input, Select, Static

from screens.widgets.field_row import FieldRow
from screens.widgets.intake_form import IntakeForm
from screens.widgets.long_text import LongText
from screens.widgets.reference_checklist import ReferenceChecklist
from screens.widgets.tick import Tick


def intake_fields(form: IntakeForm) -> Iterator[Widget]:
    """Requester, reason and its guidance, the branch questions, references, help, CRN."""
    guide = form.guide
    kinds = [(Text(label), key) for key, label in guide.requester_kinds.items()]
    yield FieldRow(
        "Requester",
        Select(kinds, value=kinds[0][1], allow_blank=False, id="requester_kind", compact=True),
        id="row-requester_kind",
    )
    yield FieldRow(
        "Logon ID",
        Input(value=form.default_logon, placeholder="the requester's logon ID", id="requester_logon", compact=True),
        required=True,
        id="row-requester_logon",
    )
    yield FieldRow(
        "Name",
        Input(value=form.default_name, placeholder="the requester's name", id="requester_name", compact=True),
        required=True,
        id="row-requester_name",
    )
    yield FieldRow(
        "Reason (I2)",
        Select(form.reason_options(), prompt="Why do you need TPS?", id="reason", compact=True),
        required=True,
        stack=True,
        id="row-reason",
    )
    yield Static("", markup=False, id="in-guidance")
    yield FieldRow(
        "No answer (I2)",
        Tick(Text("The reference material did not give the answer"), id="confirmed_no_answer", compact=True),
        required=True,
        stack=True,
        id="row-confirmed_no_answer",
    )
    yield FieldRow(
        "Decision made by",
        Select(form.decision_options(), prompt="Who made the decision? (I5)", id="decision_by", compact=True),
        required=True,
        stack=True,
        id="row-decision_by",
    )
    yield FieldRow(
        "Review (E2)",
        Tick(Text("The customer asks for a review of the decision"), id="review_requested", compact=True),
        stack=True,
        id="row-review_requested",
    )
    yield FieldRow(
        "Why a supervisor",
        Select(form.supervisor_options(), prompt="Why? (I6)", id="supervisor_reason", compact=True),
        required=True,
        stack=True,
        id="row-supervisor_reason",
    )
    yield FieldRow(
        "References (I1)",
        ReferenceChecklist(
            guide.references,
            other_label=guide.other_reference_label,
            none_label=guide.none_reference_label,
            id="references",
        ),
        required=True,
        stack=True,
        id="row-references",
    )
    yield FieldRow(
        "Help required",
        LongText(
            id="help_required",
            compact=True,
            tab_behavior="focus",
            limit=form.policy.intake.max_help_chars,
            what="the help text",
        ),
        required=True,
        stack=True,
        id="row-help_required",
    )
    yield FieldRow("CRN", Input(placeholder="e.g. 123456789A", id="crn", compact=True), id="row-crn")
