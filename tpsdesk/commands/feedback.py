"""``tpsdesk feedback --about LOGON --text ...``: feedback on technical correctness (E7)
or, with ``--conduct``, a conduct concern (I10), routed to the right person per channel."""

from __future__ import annotations

import click

from tpsdesk.cli import Context, emit


@click.command()
@click.option("--about", required=True, metavar="LOGON", help="The staff member it is about (E7: the TPS officer).")
@click.option("--text", required=True, metavar="TEXT", help="What happened.")
@click.option("--conduct", is_flag=True, help="A conduct concern (I10): goes to your own Team Leader.")
@click.option("--confirmed", is_flag=True, help="It was found that incorrect information was given (E7).")
@click.option("--escalation", "escalation_id", type=int, default=None, metavar="ID", help="Link it to an escalation.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def feedback(
    obj: Context, about: str, text: str, conduct: bool, confirmed: bool, escalation_id: int | None, as_json: bool
) -> None:
    """Record feedback (E7) or a conduct concern (I10) and send it to the right person."""
    from tpsdesk.services.feedback import give_feedback

    desk = obj.desk()
    view = give_feedback(
        desk,
        obj.user,
        about=about,
        text=text,
        kind="conduct" if conduct else "feedback",
        confirmed=confirmed,
        escalation_id=escalation_id,
    )
    what = "conduct concern" if conduct else "feedback"
    emit(
        view.to_json(),
        as_json,
        f"{what} {view.id} about {view.about} recorded for {view.to_name} ({view.to}). {view.route}",
    )
