"""``tpsdesk summary``: the shift summary of a site (X1), masked by default (X2).

Formats: text, md, csv, json (the schema ``docs/shift-summary.schema.json``), html (one
self-contained printable page with charts) and xlsx (a workbook, binary: it needs ``--out``).
The window: the current shift by default, ``--from``/``--to``, or ``--date DAY`` (that
business day's hours at the site, opening to COB; a day that is not a business day whole).

``--full-identifiers`` shows CRNs in full and records that export in the
history (who, when, which window). ``--out FILE`` writes the file whole or not at
all, mode 0600, and never over the database or a file that is not an export
(``tpsdesk.safefile``).
"""

from __future__ import annotations

import click

from tpsdesk.cli import Context


@click.command()
@click.option(
    "--from", "start", metavar="ISO", help="Window start; a naive time is site-local (default: the current shift)."
)
@click.option("--to", "end", metavar="ISO", help="Window end; a naive time is site-local (default: now).")
@click.option(
    "--date",
    "day",
    metavar="YYYY-MM-DD",
    help="That business day's hours at the site, opening to COB (a non-business day: the whole day).",
)
@click.option("--site", "site", metavar="CODE", help="Site to summarise (default: --site, else your own site).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "md", "csv", "json", "html", "xlsx"]),
    default="text",
    show_default=True,
)
@click.option("--full-identifiers", is_flag=True, help="Show CRNs in full (X2); the export is recorded in the history.")
@click.option(
    "--out",
    metavar="FILE",
    help="Write to FILE instead of printing (mode 0600; replaces only an export tpsdesk wrote).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (same as --format json).")
@click.option(
    "--limit", default=500, show_default=True, type=click.IntRange(0, 100_000), help="Items listed per section."
)
@click.pass_obj
def summary(
    obj: Context,
    start: str | None,
    end: str | None,
    day: str | None,
    site: str | None,
    fmt: str,
    full_identifiers: bool,
    out: str | None,
    as_json: bool,
    limit: int,
) -> None:
    """Contacts, escalations, stop-payment requests, overdue and handed-over items of a shift (X1)."""
    from tpsdesk.errors import ValidationError
    from tpsdesk.export import BINARY_FORMATS, binary_refusal, export, write_file
    from tpsdesk.services.summaries import shift_summary

    if as_json:
        fmt = "json"
    if fmt in BINARY_FORMATS and out is None:
        raise ValidationError("--out", binary_refusal(fmt))
    if day is not None and (start is not None or end is not None):
        raise ValidationError("--date", "give either --date or --from/--to, not both")
    desk = obj.desk()
    result = shift_summary(desk, obj.user, start=start, end=end, day=day, site=site or obj.site, limit=limit)
    if out is None:
        click.echo(export(desk, obj.user, result, fmt, full_identifiers=full_identifiers), nl=False)
        return
    written = write_file(desk, obj.user, result, fmt, out, full_identifiers=full_identifiers)
    click.echo(f"shift summary of site {result.site} written to {written}", err=True)
