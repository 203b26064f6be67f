"""``tpsdesk escalation refer|review|finalise|reopen|withdraw|document|service-first ID ...``:
working an escalation to its end (E12) from the command line.

The ``escalation`` group picks these commands up by name. Each one calls
``tpsdesk.services.workflow`` (or ``escalations.record_follow_up`` for a review)
and prints one line for people or the escalation as JSON; errors become exit
codes in ``cli.main`` (2 bad input naming the field, 3 refused, 4 conflict).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from click.decorators import FC

from tpsdesk.cli import Context, emit
from tpsdesk.commands.params import ESCALATION_ID, ESCALATION_VERSION

JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
ID = click.argument("escalation_id", type=ESCALATION_ID, metavar="ID")
VERSION = click.option(
    "--expected-version",
    type=ESCALATION_VERSION,
    metavar="N",
    help="Refuse (exit 4) if the escalation changed since you read version N.",
)


def _line(desk: Any, verb: str, view: Any) -> str:
    from tpsdesk.commands.escalation_text import Clockface, changed_text

    return changed_text(verb, view, Clockface(desk, click.get_current_context().obj.user))  # C9: the reader's zone


@click.command()
@ID
@click.option("--target", required=True, metavar="T", help="ict, policy-advisor, helpdesk or actdoc (per channel).")
@click.option("--check", "checks", multiple=True, metavar="NAME", help="An E5a source checked (repeat for each).")
@click.option("--checked-all", is_flag=True, help="All six E5a sources were checked (system issues to ICT).")
@click.option("--service-first", default="", metavar="NUMBER", help="The ICT incident number (E1, E5b).")
@click.option("--nnu", "nnu_ref", default="", metavar="REF", help="The NNU that covers the issue (E5b).")
@click.option("--form-ref", default="", metavar="REF", help="Policy advisor / helpdesk form reference (E6).")
@click.option(
    "--where", default="", metavar="PLACE", help="Where the ACTDOC went: Processing Centre, Service Centre or DM (F1)."
)
@click.option("--eped", default=None, metavar="DATE", help="The customer's EPED, YYYY-MM-DD (E10).")
@click.option("--note", default="", metavar="TEXT", help="A note for the history.")
@VERSION
@JSON
@click.pass_obj
def refer(
    obj: Context,
    escalation_id: int,
    target: str,
    checks: tuple[str, ...],
    checked_all: bool,
    service_first: str,
    nnu_ref: str,
    form_ref: str,
    where: str,
    eped: str | None,
    note: str,
    expected_version: int | None,
    as_json: bool,
) -> None:
    """Refer to ICT (E5), the policy advisor or helpdesk (E6), or hand off by ACTDOC (F1)."""
    from tpsdesk.services import workflow
    from tpsdesk.services.setup import parse_date

    desk = obj.desk()
    chosen = list(checks)
    if checked_all:
        chosen = list(desk.policy.referral.system_checks)
    result = workflow.refer(
        desk,
        obj.user,
        escalation_id,
        target=target,
        checks=chosen,
        service_first=service_first,
        nnu_ref=nnu_ref,
        form_ref=form_ref,
        where=where,
        note=note,
        eped=parse_date("eped", eped),
        expected_version=expected_version,
    )
    text = _line(desk, "referred", result.escalation)
    if result.finalise_prompt:
        text += (
            f"\nhand-off recorded (F1): finalise it now with "
            f"'tpsdesk escalation finalise {escalation_id} --reason {result.finalise_prompt}'"
        )
    emit(result.to_json(), as_json, text)


@click.command()
@ID
@click.argument("text", nargs=-1, required=True)
@VERSION
@JSON
@click.pass_obj
def review(
    obj: Context, escalation_id: int, text: tuple[str, ...], expected_version: int | None, as_json: bool
) -> None:
    """Record a review or follow-up (E3, E9, E10); it sets the next one and re-refers."""
    from tpsdesk.services import escalations

    desk = obj.desk()
    view = escalations.record_follow_up(
        desk, obj.user, escalation_id, " ".join(text), expected_version=expected_version
    )
    emit(view.to_json(), as_json, _line(desk, "followed up", view))


@click.command()
@ID
@click.option(
    "--reason", required=True, metavar="R", help="An F1 reason, e.g. resolved, actdoc-sent, ict-stop-requested."
)
@click.option("--note", default="", metavar="TEXT", help="A note for the history.")
@click.option(
    "--nnu", "nnu_ref", default="", metavar="REF", help="The NNU confirming no workaround (nnu-no-workaround)."
)
@click.option("--service-first", default="", metavar="NUMBER", help="The ICT incident number (ict-stop-requested).")
@VERSION
@JSON
@click.pass_obj
def finalise(
    obj: Context,
    escalation_id: int,
    reason: str,
    note: str,
    nnu_ref: str,
    service_first: str,
    expected_version: int | None,
    as_json: bool,
) -> None:
    """Finalise (F1); past day one D1 and the file note must be recorded first (F2)."""
    from tpsdesk.services import workflow

    desk = obj.desk()
    result = workflow.finalise(
        desk,
        obj.user,
        escalation_id,
        reason,
        note=note,
        nnu_ref=nnu_ref,
        service_first=service_first,
        expected_version=expected_version,
    )
    work = result.completes_work
    emit(
        result.to_json(),
        as_json,
        f"{_line(desk, 'finalised', result.escalation)}\n{work.who} ({work.rule}): {work.text}",
    )


@click.command()
@ID
@click.option("--reason", required=True, metavar="TEXT", help="Why it is reopened (kept in the history).")
@VERSION
@JSON
@click.pass_obj
def reopen(obj: Context, escalation_id: int, reason: str, expected_version: int | None, as_json: bool) -> None:
    """Reopen a finalised escalation, with a reason (F3)."""
    from tpsdesk.services import workflow

    desk = obj.desk()
    view = workflow.reopen(desk, obj.user, escalation_id, reason, expected_version=expected_version)
    emit(view.to_json(), as_json, _line(desk, "reopened", view))


@click.command()
@ID
@click.option("--reason", required=True, metavar="TEXT", help="Why it was raised by mistake.")
@VERSION
@JSON
@click.pass_obj
def withdraw(obj: Context, escalation_id: int, reason: str, expected_version: int | None, as_json: bool) -> None:
    """Withdraw a mistaken escalation, with a reason: it is finalised as withdrawn (E12)."""
    from tpsdesk.services import workflow

    desk = obj.desk()
    view = workflow.withdraw(desk, obj.user, escalation_id, reason, expected_version=expected_version)
    emit(view.to_json(), as_json, _line(desk, "withdrew", view))


def _flag(name: str, off: str, help_text: str) -> Callable[[FC], FC]:
    return click.option(f"--{name}/--{off}", default=None, help=help_text)


@click.command()
@ID
@click.option("--action-taken", default=None, metavar="TEXT", help="Action taken to resolve the issue (D1).")
@click.option("--resources-used", default=None, metavar="TEXT", help="Resources used (D1).")
@click.option(
    "--so-action", default=None, metavar="TEXT", help="Detailed information where the SO must act, or 'none' (D1)."
)
@click.option("--why-not-day-one", default=None, metavar="TEXT", help="Why it was not finalised on day one (D1).")
@_flag("file-note", "no-file-note", "The escalation file note is on the customer's record (D1, D4, E3).")
@_flag("d2-required", "no-d2-required", "Information was received and not processed on day one (D2).")
@_flag("d2-doc-done", "no-d2-doc-done", "The ODR-standard DOC is on the customer's record (D2).")
@_flag("d2-record-checked", "no-d2-record-checked", "The customer's record was checked and actioned (D2).")
@_flag("callback", "no-callback", "The customer must be called back by the SO (W3).")
@_flag("nonstandard", "standard", "The coding or workaround is not standard procedure (W4).")
@_flag("within-scope", "outside-scope", "The work is within the SO's technical scope (W1).")
@VERSION
@JSON
@click.pass_obj
def document(
    obj: Context,
    escalation_id: int,
    action_taken: str | None,
    resources_used: str | None,
    so_action: str | None,
    why_not_day_one: str | None,
    file_note: bool | None,
    d2_required: bool | None,
    d2_doc_done: bool | None,
    d2_record_checked: bool | None,
    callback: bool | None,
    nonstandard: bool | None,
    within_scope: bool | None,
    expected_version: int | None,
    as_json: bool,
) -> None:
    """Record D1's fields, the file-note tick, D2's items and the W1/W3/W4 facts."""
    from tpsdesk.services import workflow

    desk = obj.desk()
    view = workflow.document(
        desk,
        obj.user,
        escalation_id,
        action_taken=action_taken,
        resources_used=resources_used,
        so_action=so_action,
        why_not_day_one=why_not_day_one,
        file_note_done=file_note,
        d2_doc_required=d2_required,
        d2_doc_done=d2_doc_done,
        d2_record_checked=d2_record_checked,
        callback_required=callback,
        nonstandard_work=nonstandard,
        within_so_scope=within_scope,
        expected_version=expected_version,
    )
    missing = workflow.finalise_requirements(desk, obj.user, escalation_id)
    text = _line(desk, "documented", view)
    needs = "; ".join(f"{k} ({v})" for k, v in missing.items())
    text += f"\nstill needed to finalise: {needs}" if missing else "\nready to finalise"
    emit({**view.to_json(), "finalise_requirements": missing}, as_json, text)


@click.command("service-first")
@ID
@click.argument("number")
@VERSION
@JSON
@click.pass_obj
def service_first(obj: Context, escalation_id: int, number: str, expected_version: int | None, as_json: bool) -> None:
    """Record the Service First number ICT gave (E1, E5b)."""
    from tpsdesk.services import workflow

    desk = obj.desk()
    view = workflow.set_service_first(desk, obj.user, escalation_id, number, expected_version=expected_version)
    emit(view.to_json(), as_json, _line(desk, f"Service First {view.service_first} recorded on", view))
