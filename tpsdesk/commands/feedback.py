"""``tpsdesk feedback``: concerns about a TPS officer's information (E7) and conduct concerns (I10).

``tpsdesk feedback --about LOGON --text ... [--with LOGON]`` raises a concern (E7) or,
with ``--conduct``, a conduct concern that goes to your own Team Leader (I10).
``tpsdesk feedback confirm ID --finding ...`` is the other officer's finding: only
then does feedback go to the TPS's Team Leader (smart-centre) or to the TPS officer
through the Staff Feedback Tool (comp-recovery). The raiser never confirms.
``tpsdesk feedback list [--open]``: what was sent to you or raised by you, or the
Centre's concerns still to find out.
"""

from __future__ import annotations

import click

from tpsdesk.cli import Context, emit, table
from tpsdesk.commands.params import CONCERN_ID, ESCALATION_ID
from tpsdesk.errors import ValidationError

OPTION = {"about": "--about", "text": "--text", "with": "--with", "finding": "--finding"}


def _bad_option(exc: ValidationError) -> ValidationError:
    return ValidationError(OPTION.get(exc.field, exc.field), exc.message)


@click.group(invoke_without_command=True)
@click.option("--about", default="", metavar="LOGON", help="The staff member it is about (E7: the TPS officer).")
@click.option("--text", default="", metavar="TEXT", help="What happened.")
@click.option("--with", "raised_with", default=None, metavar="LOGON",
              help="The TL or SP (comp-recovery: SSO) you raise the concern with; they are told (E7).")  # fmt: skip
@click.option("--conduct", is_flag=True, help="A conduct concern (I10): goes to your own Team Leader.")
@click.option(
    "--confirmed", is_flag=True, hidden=True, help="Refused: the raiser cannot confirm their own concern (E7)."
)
@click.option(
    "--escalation", "escalation_id", type=ESCALATION_ID, default=None, metavar="ID", help="Link it to an escalation."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def feedback(ctx: click.Context, about: str, text: str, raised_with: str | None, conduct: bool, confirmed: bool,
             escalation_id: int | None, as_json: bool) -> None:  # fmt: skip
    """Raise a concern about a TPS officer's information (E7) or a conduct concern (I10)."""
    if ctx.invoked_subcommand is not None:
        if about or text or raised_with or conduct or confirmed or escalation_id is not None:
            raise ValidationError(
                "--about", f"give these options after 'feedback {ctx.invoked_subcommand}', or raise alone"
            )
        return
    from tpsdesk.services.feedback import FeedbackKind, give_feedback

    obj: Context = ctx.obj
    if not about.strip():
        raise ValidationError("--about", "name the staff member (logon) the concern is about")
    if not text.strip():
        raise ValidationError("--text", "say what happened: the text is empty")
    try:
        view = give_feedback(
            obj.desk(),
            obj.user,
            about=about,
            text=text,
            kind=FeedbackKind.CONDUCT if conduct else FeedbackKind.FEEDBACK,
            confirmed=confirmed,
            raised_with=raised_with,
            escalation_id=escalation_id,
        )
    except ValidationError as exc:
        raise _bad_option(exc) from None
    if conduct:
        line = f"conduct concern {view.id} about {view.about} recorded for {view.to_name} ({view.to}). {view.route}"
    else:
        told = f" {view.to_name} ({view.to}) is told." if view.to else ""
        line = f"concern {view.id} about {view.about} raised.{told} {view.route}"
    emit(view.to_json(), as_json, line)


@feedback.command("confirm")
@click.argument("concern_id", type=CONCERN_ID, metavar="ID")
@click.option("--finding", default="", metavar="TEXT", help="What you found out.")
@click.option("--not-incorrect", is_flag=True, help="The information was not incorrect: no feedback is given.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def confirm(obj: Context, concern_id: int, finding: str, not_incorrect: bool, as_json: bool) -> None:
    """Record whether incorrect information was given (E7); only then does feedback go."""
    from tpsdesk.services.feedback import confirm_concern

    try:
        view = confirm_concern(obj.desk(), obj.user, concern_id, finding=finding, incorrect=not not_incorrect)
    except ValidationError as exc:
        raise _bad_option(exc) from None
    if not_incorrect:
        line = f"concern {view.id} about {view.about}: not incorrect; no feedback is given"
    else:
        line = f"feedback {view.id} about {view.about} sent to {view.to_name} ({view.to}). {view.route}"
    emit(view.to_json(), as_json, line)


@feedback.command("list")
@click.option("--open", "open_concerns", is_flag=True, help="The Centre's concerns still to find out (E7).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_(obj: Context, open_concerns: bool, as_json: bool) -> None:
    """Feedback and concerns sent to you or raised by you, newest first."""
    from tpsdesk.services.feedback import list_feedback

    views = list_feedback(obj.desk(), obj.user, open_concerns=open_concerns)
    rows = [[str(v.id), v.kind, v.about or "-", v.raised_by or "-", v.to or "-"] for v in views]
    emit([v.to_json() for v in views], as_json, table(["id", "kind", "about", "raised by", "with"], rows))
