"""``tpsdesk outbox``: the mail the desk sends (I7 confirmations, E7 and I10 messages).

``tpsdesk outbox list [--pending|--sent|--failed] [--json]``: what would be, is being or
was sent, with attempts and the last error; a TL, SP or SSO sees the
Centre's messages, everyone else the messages addressed to them. CRNs are masked (X2).

``tpsdesk outbox send [--once]``: deliver what is due through ``[mail] smtp_host``;
``--once`` delivers what is due now and exits, without it the sender runs until stopped
(Ctrl-C), every ``[mail] send_every_seconds``. Without an SMTP host it says so and sends
nothing (exit 2, as any missing configuration).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import click

from tpsdesk.cli import Context, emit, table
from tpsdesk.errors import ValidationError

if TYPE_CHECKING:
    from tpsdesk.services.mail import OutboxView


@click.group()
def outbox() -> None:
    """The mail the desk sends (I7, E7): list it, or deliver what is due."""


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if hasattr(value, "strftime") else "-"


def _row(m: OutboxView) -> list[str]:
    when = _when(m.sent_at or m.failed_at or m.next_attempt_at)
    return [str(m.id), str(m.status), str(m.attempts), m.recipient, m.subject, when, m.last_error or "-"]


@outbox.command("list")
@click.option("--pending", "status", flag_value="pending", help="Only messages still to send (or being sent).")
@click.option("--sent", "status", flag_value="sent", help="Only messages sent.")
@click.option("--failed", "status", flag_value="failed", help="Only messages given up after their attempts.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (subjects and bodies included, CRNs masked).")
@click.pass_obj
def list_(obj: Context, status: str | None, as_json: bool) -> None:
    """The outbox, newest first: status, attempts, the last error."""
    from tpsdesk.services.mail import list_outbox

    listing = list_outbox(obj.desk(), obj.user, status=status)
    if as_json:
        emit(
            {"note": listing.note, "configured": listing.configured, "whole_centre": listing.whole_centre,
             "messages": [m.to_json() for m in listing.messages]},
            True,
        )  # fmt: skip
        return
    rows = [_row(m) for m in listing.messages]
    click.echo(listing.note)
    click.echo(table(["id", "status", "attempts", "to", "subject", "when", "last error"], rows))


@outbox.command("send")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit (for cron and scripts).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with --once).")
@click.pass_obj
def send(obj: Context, once: bool, as_json: bool) -> None:
    """Deliver the due messages through the configured SMTP server."""
    from tpsdesk.services.mail import require_configured, send_due, sender_name

    if as_json and not once:
        raise ValidationError("--json", "give --json with --once (the sender without --once runs until stopped)")
    desk = obj.desk()
    require_configured(desk)
    name = sender_name()  # one sender for this process: its claims are its own
    while True:
        done = send_due(desk, obj.user, sender=name)
        line = (
            f"sent {len(done.sent)}, to try again {len(done.retry)}, given up {len(done.failed)}"
            + (f", taken by another sender {len(done.skipped)}" if done.skipped else "")
            + (" (tpsdesk outbox list shows why)" if done.retry or done.failed else "")
        )
        if once:
            emit(done.to_json(), as_json, line)
            return
        if done.claimed:
            click.echo(line)
        time.sleep(desk.policy.mail.send_every_seconds)  # the pause between runs; stamps come from desk.now()
