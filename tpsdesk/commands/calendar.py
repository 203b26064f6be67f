"""``tpsdesk calendar export``: the follow-up calendar as a calendar file (E1 to E13, C9, X2).

The deadlines and next follow-ups of the open escalations you may see (the calendar's own
reads: R1, R4, W5), on your site's local days ``--from`` to ``--to`` (default: today and 31
days on), narrowed like the queue by ``--mine``, ``--owner`` or ``--site``. Printed, or
written with ``--out`` whole or not at all (mode 0600, only over a feed tpsdesk wrote).
CRNs are masked unless ``--full-identifiers`` (recorded in the history, X2). The feed is
built by ``tpsdesk.services.feeds``; this module only reads the options.
"""

from __future__ import annotations

from datetime import date, timedelta

import click

from tpsdesk.cli import Context
from tpsdesk.errors import ValidationError


def _day(text: str | None, option: str) -> date | None:
    from tpsdesk.commands.due import parse_day

    return parse_day(text, option)


@click.group()
def calendar() -> None:
    """The follow-up calendar: export its due items as an iCalendar (.ics) file."""


@calendar.command("export")
@click.option("--format", "fmt", type=click.Choice(["ics"]), default="ics", show_default=True, help="File format.")
@click.option("--mine", is_flag=True, help="Only items I own.")
@click.option("--owner", metavar="LOGON", help="Only items owned by LOGON ('none' for unclaimed).")
@click.option("--site", "site_code", metavar="CODE", help="Only items raised at this site.")
@click.option("--from", "from_", metavar="DATE", help="First local day, e.g. 2026-10-01 (default: today).")
@click.option("--to", "to", metavar="DATE", help="Last local day (default: 31 days after --from).")
@click.option(
    "--out", metavar="FILE", help="Write to FILE instead of printing (mode 0600; replaces only a feed tpsdesk wrote)."
)
@click.option("--full-identifiers", is_flag=True, help="Show CRNs in full (X2); the export is recorded in the history.")
@click.pass_obj
def export(
    obj: Context,
    fmt: str,
    mine: bool,
    owner: str | None,
    site_code: str | None,
    from_: str | None,
    to: str | None,
    out: str | None,
    full_identifiers: bool,
) -> None:
    """Deadlines and follow-ups of open escalations, one event each, in the site's time zone.

    Example: tpsdesk calendar export --mine --out ~/Documents/tps.ics
    """
    if mine and owner:
        raise ValidationError("--owner", "give --mine or --owner, not both")
    first, last = _day(from_, "--from"), _day(to, "--to")
    if first is not None and last is not None and last < first:
        raise ValidationError("--to", f"{last:%Y-%m-%d} is before --from {first:%Y-%m-%d}")
    from tpsdesk.domain.queue import Filters
    from tpsdesk.services import feeds

    desk = obj.desk()
    if first is None:
        first, _ = feeds.default_window(desk, obj.user)
    if last is None:
        last = first + timedelta(days=feeds.DEFAULT_DAYS)
    filters = Filters(mine=mine, owner=owner or None, site=site_code or None)
    made, written = feeds.export(desk, obj.user, first, last, filters, full_identifiers=full_identifiers, out=out)
    if written is None:
        click.echo(made.data.decode("utf-8"), nl=False)
        return
    shown = "in full (recorded)" if made.full_identifiers else "masked"
    click.echo(
        f"{made.events} due items of {first:%Y-%m-%d} to {last:%Y-%m-%d} written to {written} (CRNs {shown})",
        err=True,
    )
