"""``tpsdesk doc stop-payment``: build, check and (with ``--escalate``) store a stop-payment
DOC and raise its E1 escalation (S0 to S5). Without ``--escalate`` nothing is stored.

Every problem of the input is listed at once, each naming its option; exit 2.
"""

from __future__ import annotations

import sys

import click

from tpsdesk.cli import Context, emit
from tpsdesk.errors import ValidationError

OPTION = {
    "crn": "--crn",
    "payment_type": "--payment",
    "amount": "--amount",
    "period_from": "--from",
    "period_to": "--to",
    "reason": "--reason",
    "ar_checked": "--ar-checked",
    "contact": "--contact",
}


@click.group()
def doc() -> None:
    """DOCs for the customer's record."""


@doc.command("stop-payment")
@click.option("--crn", default="", help="The customer's CRN: nine digits and a letter.")
@click.option("--payment", "payment_type", default="", help="The payment type or component (S1).")
@click.option("--amount", default="", help="The amount to be removed or stopped, in dollars and cents (S1).")
@click.option("--from", "period_from", metavar="YYYY-MM-DD", default="", help="First day of the period to stop (S1).")
@click.option("--to", "period_to", metavar="YYYY-MM-DD", default="", help="Last day of the period to stop (S1).")
@click.option("--reason", default="", help="Exactly why the customer is not entitled (S2).")
@click.option("--ar-checked", is_flag=True, help="The Activity Results screen was checked thoroughly (S0).")
@click.option("--escalate", is_flag=True, help="Store the DOC and raise the urgent arrears escalation (E1).")
@click.option("--contact", "contact_id", type=int, metavar="ID", help="The contact this DOC belongs to (I2.7).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def stop_payment(obj: Context, crn: str, payment_type: str, amount: str, period_from: str, period_to: str, reason: str,
                 ar_checked: bool, escalate: bool, contact_id: int | None, as_json: bool) -> None:  # fmt: skip
    """Print the stop-payment DOC; with --escalate, store it and escalate (S4 routing)."""
    from tpsdesk.services import stop_payment as sp

    desk = obj.desk()
    data = sp.StopPaymentInput(crn, payment_type, amount, period_from, period_to, reason, ar_checked)
    errors = sp.field_errors(desk.policy, data, today=desk.now().date())
    if errors:  # every problem at once, then exit 2 with nothing stored
        for name, message in errors.items():
            click.echo(f"error: {OPTION.get(name, name)}: {message}", err=True)
        sys.exit(ValidationError.exit_code)
    try:
        if not escalate:
            text = sp.render(desk, obj.user, data)
            emit({"stored": False, "text": text}, as_json, text)
            return
        result = sp.save(desk, obj.user, data, escalate=True, contact_id=contact_id)
    except ValidationError as exc:
        raise ValidationError(OPTION.get(exc.field, exc.field), exc.message) from None
    esc = result.escalation
    payload = {
        "stored": True,
        "doc_id": result.doc_id,
        "text": result.text,
        "escalation": esc.to_json() if esc else None,
        "route": result.route,
        "route_text": result.route_text,
        "due_at": result.due_at.isoformat() if result.due_at else None,
        "after_hours": result.after_hours,
    }
    lines = [result.text, "", f"stored as DOC {result.doc_id}"]
    if esc is not None:
        from tpsdesk.businesstime import fmt_local, zone

        tz = zone(_zone_of(desk, esc.site))
        due = fmt_local(result.due_at, tz) if result.due_at else "-"
        flag = "  AFTER HOURS: act at once" if result.after_hours else ""
        lines.append(f"escalation {esc.id} (incorrect arrears, urgent) due before COB {due}{flag}")
        lines.append(f"route ({' or '.join(result.route)}): {result.route_text}")
    emit(payload, as_json, "\n".join(lines))


def _zone_of(desk: object, site_code: str) -> str:
    from tpsdesk.services import setup

    for s in setup.list_sites(desk):  # type: ignore[arg-type]
        if s.code == site_code:
            return s.zone
    return "Australia/Sydney"
