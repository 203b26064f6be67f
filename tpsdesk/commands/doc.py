"""``tpsdesk doc stop-payment``: build, check and (with ``--escalate``) store a stop-payment
DOC and raise its E1 escalation (S0 to S5). Without ``--escalate`` (or ``--replaces``)
nothing is stored.

``tpsdesk doc verify`` / ``doc return``: the receiving officer's check (S4);
``tpsdesk doc show``: the DOC and its verification state.

Every problem of the input is listed at once, each naming its option; exit 2.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from tpsdesk.cli import Context, emit
from tpsdesk.commands.params import CONTACT_ID, DOC_ID
from tpsdesk.errors import ValidationError

if TYPE_CHECKING:  # the services load lazily, when a command runs
    from tpsdesk.services.desk import Desk

OPTION = {
    "crn": "--crn",
    "payment_type": "--payment",
    "amount": "--amount",
    "period_from": "--from",
    "period_to": "--to",
    "reason": "--reason",
    "ar_checked": "--ar-checked",
    "contact": "--contact",
    "replaces": "--replaces",
    "missing": "--missing",
    "note": "--note",
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
@click.option("--contact", "contact_id", type=CONTACT_ID, metavar="ID", help="The contact this DOC belongs to (I2.7).")
@click.option("--replaces", type=DOC_ID, metavar="ID",
              help="Store this DOC as the correction of DOC ID, returned to you; it takes over its escalation (S4).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def stop_payment(obj: Context, crn: str, payment_type: str, amount: str, period_from: str, period_to: str, reason: str,
                 ar_checked: bool, escalate: bool, contact_id: int | None, replaces: int | None,
                 as_json: bool) -> None:  # fmt: skip
    """Print the stop-payment DOC; with --escalate, store it and escalate (S4 routing);
    with --replaces, store it as the correction of a returned DOC."""
    from tpsdesk.services import stop_payment as sp

    desk = obj.desk()
    data = sp.StopPaymentInput(crn, payment_type, amount, period_from, period_to, reason, ar_checked)
    errors = sp.field_errors(desk.policy, data, today=desk.now().date())
    if errors:  # every problem at once, then exit 2 with nothing stored
        for name, message in errors.items():
            click.echo(f"error: {OPTION.get(name, name)}: {message}", err=True)
        sys.exit(ValidationError.exit_code)
    try:
        if not escalate and replaces is None:
            text = sp.render(desk, obj.user, data)
            emit({"stored": False, "text": text}, as_json, text)
            return
        result = sp.save(desk, obj.user, data, escalate=escalate, contact_id=contact_id, replaces=replaces)
    except ValidationError as exc:
        raise _bad_option(exc) from None
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
        "replaces": result.replaces_id,
    }
    lines = [result.text, "", f"stored as DOC {result.doc_id}"]
    if result.replaces_id is not None:
        lines[-1] += f", the correction of DOC {result.replaces_id} (S4)"
    if esc is not None:
        from tpsdesk.businesstime import fmt_local, zone

        tz = zone(_zone_of(desk, esc.site))
        due = fmt_local(result.due_at, tz) if result.due_at else "-"
        flag = "  AFTER HOURS: act at once" if result.after_hours else ""
        taken = " (taken over from the returned DOC)" if result.replaces_id is not None else ""
        lines.append(f"escalation {esc.id} (incorrect arrears, urgent){taken} due before COB {due}{flag}")
        lines.append(f"route ({' or '.join(result.route)}): {result.route_text}")
    emit(payload, as_json, "\n".join(lines))


def _bad_option(exc: ValidationError) -> ValidationError:
    return ValidationError(OPTION.get(exc.field, exc.field), exc.message)


def _doc_lines(view: object) -> str:
    """S4: the verification state under the DOC text."""
    from tpsdesk.services.stop_payment import DocState, DocView

    assert isinstance(view, DocView)
    state = {
        DocState.AWAITING: "awaiting verification by the receiving officer (S4)",
        DocState.VERIFIED: f"verified by {view.verified_by} at {view.verified_at:%Y-%m-%d %H:%M} UTC"
        if view.verified_at
        else "verified",
        DocState.RETURNED: f"returned to {view.author} by {view.returned_by}; missing: {view.return_reason}",
        DocState.REPLACED: f"returned by {view.returned_by} ({view.return_reason}); replaced by DOC {view.replaced_by_id}",
    }[DocState(view.state)]
    lines = [view.text, "", f"DOC {view.id} by {view.author}: {state}"]
    if view.replaces_id is not None:
        lines.append(f"corrects DOC {view.replaces_id}")
    if view.escalation_id is not None:
        lines.append(f"escalation {view.escalation_id}")
    return "\n".join(lines)


@doc.command("show")
@click.argument("doc_id", type=DOC_ID, metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def show(obj: Context, doc_id: int, as_json: bool) -> None:
    """Show a stored DOC and whether it was verified or returned (S4)."""
    from tpsdesk.services import stop_payment as sp

    view = sp.show_doc(obj.desk(), obj.user, doc_id)
    emit(view.to_json(), as_json, _doc_lines(view))


@doc.command("verify")
@click.argument("doc_id", type=DOC_ID, metavar="ID")
@click.option("--note", default="", help="What was checked (optional).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def verify(obj: Context, doc_id: int, note: str, as_json: bool) -> None:
    """Record that the DOC holds the amount and exactly why the customer is not entitled (S4)."""
    from tpsdesk.services import stop_payment as sp

    try:
        view = sp.verify_doc(obj.desk(), obj.user, doc_id, note)
    except ValidationError as exc:
        raise _bad_option(exc) from None
    emit(view.to_json(), as_json, f"DOC {view.id} verified by {view.verified_by}")


@doc.command("return")
@click.argument("doc_id", type=DOC_ID, metavar="ID")
@click.option("--missing", default="", metavar="TEXT", help="What is missing or wrong, for the SO to correct.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def return_(obj: Context, doc_id: int, missing: str, as_json: bool) -> None:
    """Return the DOC to the SO with what is missing; they correct it with --replaces (S4)."""
    from tpsdesk.services import stop_payment as sp

    try:
        view = sp.return_doc(obj.desk(), obj.user, doc_id, missing)
    except ValidationError as exc:
        raise _bad_option(exc) from None
    emit(
        view.to_json(),
        as_json,
        f"DOC {view.id} returned to {view.author}: {view.return_reason}\n"
        f"the SO corrects it with: tpsdesk doc stop-payment ... --replaces {view.id}",
    )


def _zone_of(desk: Desk, site_code: str) -> str:
    from tpsdesk.services import setup

    for s in setup.list_sites(desk):
        if s.code == site_code:
            return s.zone
    return "Australia/Sydney"
