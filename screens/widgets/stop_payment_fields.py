"""The stop-payment DOC's fields as form rows, in Tab order (S0, S1, S2).

The S0 question comes first: the builder will not save until it is answered.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Input, Select

from screens.widgets.field_row import FieldRow
from screens.widgets.tick import Tick

OTHER = "Other"  # the payment type named in free text (S1)


def stop_payment_fields(types: list[str]) -> Iterator[Widget]:
    """S0 check, CRN, payment type (list or "Other" named), amount, period, exact reason, escalate."""
    yield FieldRow(
        "AR checked (S0)",
        Tick(Text("Was the AR screen checked thoroughly?"), id="ar_checked", compact=True),
        required=True,
        stack=True,
        id="row-ar_checked",
    )
    yield FieldRow("CRN", Input(placeholder="e.g. 123456789A", id="crn", compact=True), required=True, id="row-crn")
    yield FieldRow(
        "Payment type",
        Select(
            [(Text(t), t) for t in types],
            prompt="Choose the payment or component",
            id="payment_type",
            compact=True,
        ),
        required=True,
        id="row-payment_type",
    )
    yield FieldRow(
        "Other type",
        Input(placeholder="name the payment or component", id="payment_other", compact=True),
        required=True,
        id="row-payment_other",
    )
    yield FieldRow(
        "Amount $",
        Input(placeholder="e.g. 1234.56", id="amount", compact=True),
        required=True,
        id="row-amount",
    )
    yield FieldRow(
        "Period from",
        Input(placeholder="YYYY-MM-DD", id="period_from", compact=True),
        required=True,
        id="row-period_from",
    )
    yield FieldRow(
        "Period to",
        Input(placeholder="YYYY-MM-DD", id="period_to", compact=True),
        required=True,
        id="row-period_to",
    )
    yield FieldRow(
        "Exact reason (S2)",
        Input(placeholder="exactly why the customer is not entitled", id="reason", compact=True),
        required=True,
        stack=True,
        id="row-reason",
    )
    yield FieldRow(
        "Escalate (E1)",
        Tick(Text("Escalate as E1 arrears when saved"), value=True, id="escalate", compact=True),
        stack=True,
        id="row-escalate",
    )
