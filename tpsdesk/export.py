"""Shift summary renderers (X1): plain text, Markdown, CSV, JSON, HTML and XLSX.

HTML (``tpsdesk.export_html``) is one self-contained printable page; XLSX
(``tpsdesk.export_xlsx``) is a workbook, binary, so it is written to a file only
(``render_bytes``; ``render`` refuses it with the one message).

X2: customer identifiers are masked by default (``******789A``), also a CRN typed
into free text; ``full_identifiers=True`` shows them, and the caller records
that export in the history (``summaries.record_full_export``, or ``export``
here which does both). ``write_file`` writes an export to a file through
``tpsdesk.safefile`` (whole or not at all, 0600, never over the database or a
file that is not an export); ``is_export`` recognises a file it wrote by the
signature each format begins with.

CSV layout
----------
One table, one header row (``CSV_COLUMNS``), every row the same 17 columns; the first
column, ``section``, says what a row is, and the rows come in blocks, one per section, in
this order (a column a section does not use is empty):

- ``window`` (one row): ``site``; ``time`` = the window's start and ``due`` = its end (ISO
  8601 with the site's offset); ``state`` = ``masked`` or ``full`` (X2).
- ``contacts``: ``tps`` (logon), ``reason``, ``outcome``, ``count`` (a contact with two
  outcomes counts under each).
- ``escalations``: ``category``, ``raised``, ``finalised``, ``referred``.
- ``stop-payment``: ``id`` (the escalation, if any), ``crn``, ``time`` = when ICT was asked,
  ``due`` = COB, ``state`` = ``before-cob``, ``after-cob``, ``not-sent`` or ``pending``.
- ``overdue`` and ``handover``: ``id``, ``category``, ``status``, ``crn``, ``owner``,
  ``time`` = the next action, ``due`` = the due time.

CSV carries no free text (summaries); a cell that a spreadsheet would run as a formula
starts with an apostrophe. The file begins with the header and the window row exactly,
which is how ``is_export`` knows it.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from tpsdesk.businesstime import fmt_local, zone
from tpsdesk.errors import ValidationError
from tpsdesk.services.summaries import ItemLine, ShiftSummary
from tpsdesk.text import mask_crn, mask_crns_in_text

FORMATS = ("text", "md", "csv", "json", "html", "xlsx")
BINARY_FORMATS = ("xlsx",)
TEXT_FORMATS = tuple(f for f in FORMATS if f not in BINARY_FORMATS)
EXTENSIONS = {"text": "txt", "md": "md", "csv": "csv", "json": "json", "html": "html", "xlsx": "xlsx"}
# The JSON schema's name and version (docs/shift-summary.schema.json): a reader checks it.
JSON_SCHEMA = "tpsdesk.shift-summary/1"
JSON_SCHEMA_VERSION = 1
# A CRN written in free text: nine digits (spaces allowed between the threes) and a letter.
_CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def crn(summary: ShiftSummary, value: str, full: bool) -> str:
    return value if full else mask_crn(value, summary.mask_keep)


def free_text(summary: ShiftSummary, value: str, full: bool) -> str:
    """One line of user text; CRNs in it masked unless asked for (X2)."""
    line = " ".join((value or "").split())
    if full:
        return line
    return mask_crns_in_text(line, summary.mask_keep)


def when(summary: ShiftSummary, value: datetime | None) -> str:
    return fmt_local(value, zone(summary.zone)) if value is not None else "-"


def iso(summary: ShiftSummary, value: datetime | None) -> str | None:
    """ISO 8601 with the site's offset (C1: stored UTC, shown local)."""
    return value.astimezone(zone(summary.zone)).isoformat() if value is not None else None


def _renderers() -> dict[str, Any]:
    from tpsdesk import export_html, export_xlsx

    return {
        "text": to_text,
        "md": to_markdown,
        "csv": to_csv,
        "json": to_json,
        "html": export_html.to_html,
        "xlsx": export_xlsx.to_xlsx,
    }


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValidationError("format", f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")


def binary_refusal(fmt: str) -> str:
    return f"{fmt} is a binary file: give --out FILE"


def render(summary: ShiftSummary, fmt: str, *, full_identifiers: bool = False) -> str:
    """A text format, for the terminal or a file; a binary format (xlsx) is refused."""
    _check_format(fmt)
    if fmt in BINARY_FORMATS:
        raise ValidationError("out", binary_refusal(fmt))
    text: str = _renderers()[fmt](summary, full_identifiers=full_identifiers)
    return text


def render_bytes(summary: ShiftSummary, fmt: str, *, full_identifiers: bool = False) -> bytes:
    """Any format as the bytes of its file (text formats as UTF-8)."""
    _check_format(fmt)
    if fmt in BINARY_FORMATS:
        data: bytes = _renderers()[fmt](summary, full_identifiers=full_identifiers)
        return data
    return render(summary, fmt, full_identifiers=full_identifiers).encode("utf-8")


def file_name(site: str, zone_name: str, start: datetime, fmt: str) -> str:
    """``shift-<SITE>-<YYYY-MM-DD>.<ext>``: the site and the local date the window starts."""
    _check_format(fmt)
    day = start.astimezone(zone(zone_name)).date()
    return f"shift-{site}-{day.isoformat()}.{EXTENSIONS[fmt]}"


def default_name(summary: ShiftSummary, fmt: str) -> str:
    return file_name(summary.site, summary.zone, summary.start, fmt)


def _record(desk: Any, logon: str, summary: ShiftSummary, fmt: str, full: bool, out: str | None) -> None:
    if full:
        from tpsdesk.services.summaries import record_full_export

        record_full_export(desk, logon, summary, fmt, out=out)


def export(
    desk: Any, logon: str, summary: ShiftSummary, fmt: str, *, full_identifiers: bool = False, out: str | None = None
) -> str:
    """Render; a full-identifier export is first recorded in the history (X2)."""
    text = render(summary, fmt, full_identifiers=full_identifiers)
    _record(desk, logon, summary, fmt, full_identifiers, out)
    return text


def write_file(
    desk: Any,
    logon: str,
    summary: ShiftSummary,
    fmt: str,
    out: str | os.PathLike[str],
    *,
    full_identifiers: bool = False,
    field: str = "--out",
) -> str:
    """Write the export to ``out`` whole or not at all (X2); returns the path written.

    The target is checked before anything happens (a refusal records nothing); a
    full-identifier export is recorded in the history before its file is written, so no
    such file exists without its record. Binary formats (xlsx) are rendered to bytes in
    memory and go through the same ``safefile`` path.
    """
    from tpsdesk import safefile

    _check_format(fmt)
    protect = desk.store.files()
    target = safefile.check_target(out, is_export=is_export, protect=protect, field=field)
    data = render_bytes(summary, fmt, full_identifiers=full_identifiers)
    _record(desk, logon, summary, fmt, full_identifiers, str(target.real))
    written = safefile.write_export(target, data, is_export=is_export, protect=protect, field=field)
    return str(written)


# ---------------------------------------------------------------- sections as typed tables
@dataclass(frozen=True)
class Table:
    """One section of the summary (X1) as typed cells, for the HTML page and the workbook.

    Cells are ``str``, ``int``, ``bool``, ``None`` or a ``datetime`` in the site's zone; CRNs
    and free text are already masked unless full identifiers were asked for (X2). ``total``
    is the section's full count when only the first rows are listed (``limit``).
    """

    key: str  # a short name: the sheet name, the HTML id
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    total: int | None = None
    widths: tuple[int, ...] = ()  # sensible spreadsheet column widths, in characters


def local(summary: ShiftSummary, value: datetime | None) -> datetime | None:
    return value.astimezone(zone(summary.zone)) if value is not None else None


def _item_table(summary: ShiftSummary, key: str, title: str, items: list[ItemLine], total: int, full: bool) -> Table:
    return Table(
        key,
        title,
        ("Id", "Category", "Status", "CRN", "Owner", "Next action", "Due", "Summary"),
        [
            (
                i.id,
                i.category,
                i.status,
                crn(summary, i.crn, full),
                i.owner or "unclaimed",
                local(summary, i.next_action_at),
                local(summary, i.due_at),
                free_text(summary, i.summary, full),
            )
            for i in items
        ],
        total,
        (9, 11, 20, 13, 12, 18, 18, 60),
    )


def tables(summary: ShiftSummary, full: bool) -> list[Table]:
    """Every section of X1, in order, plus the contacts over time that the charts draw (T1)."""
    when_word = "Hour" if summary.time_bucket == "hour" else "Day"
    return [
        Table(
            "Contacts",
            f"Contacts ({summary.contacts_total}) by TPS officer, reason and outcome",
            ("TPS", "Name", "Reason", "Outcome", "Contacts"),
            [(c.tps or "-", c.tps_name, c.reason, c.outcome, c.count) for c in summary.contacts],
            None,
            (12, 24, 22, 20, 10),
        ),
        Table(
            "Contacts per " + when_word.lower(),
            f"Contacts per {when_word.lower()}",
            (when_word, "Contacts"),
            [(local(summary, t), n) for t, n in summary.contacts_over_time],
            None,
            (18, 10),
        ),
        Table(
            "Escalations",
            "Escalations raised, finalised and referred, by category",
            ("Category", "Name", "Raised", "Finalised", "Referred"),
            [(e.category, e.label, e.raised, e.finalised, e.referred) for e in summary.escalations],
            None,
            (12, 28, 10, 10, 10),
        ),
        Table(
            "Stop payments",
            f"Stop-payment requests ({len(summary.stop_payments)}) and whether ICT was asked before COB",
            ("DOC", "Escalation", "CRN", "Created", "COB", "ICT asked", "Reached ICT", "Before COB"),
            [
                (
                    s.doc_id,
                    s.escalation_id,
                    crn(summary, s.crn, full),
                    local(summary, s.created_at),
                    local(summary, s.cob),
                    local(summary, s.ict_requested_at),
                    STATE_WORDS[s.state],
                    s.reached_before_cob,
                )
                for s in summary.stop_payments
            ],
            None,
            (8, 11, 13, 18, 18, 18, 20, 11),
        ),
        _item_table(
            summary, "Overdue", "Overdue at the end of the shift", summary.overdue, summary.overdue_total, full
        ),
        _item_table(
            summary, "Handover", "Handed over to the next shift", summary.handover, summary.handover_total, full
        ),
    ]


def masking_words(full: bool) -> str:
    return "IN FULL (this export is recorded, X2)" if full else "masked (X2)"


# ---------------------------------------------------------------- recognising an export
# The first key of the JSON export: it says what the file is, and lets ``is_export`` know it.
JSON_MARK = "tpsdesk shift summary"


def is_export(head: bytes) -> bool:
    """Whether a file beginning with ``head`` is a shift summary tpsdesk wrote, in any format.

    Each format begins in its own way: text with its title and the identifiers line, Markdown
    with the same as a heading, CSV with its exact header then the window row, JSON with its
    marker key, HTML with its exact first lines and generator mark. An xlsx file is a zip
    (``safefile`` hands over the whole file for one): it is one only when its workbook holds
    the custom document property tpsdesk sets (``export_xlsx.is_xlsx_export``); any other zip
    or workbook is not. A file that begins differently is not replaced.
    """
    from tpsdesk import export_html, export_xlsx

    csv_head = (",".join(CSV_COLUMNS) + "\nwindow,").encode()
    json_head = b'{\n  "export": ' + json.dumps(JSON_MARK).encode()
    identifiers = b"; customer identifiers "
    return (
        head.startswith(csv_head)
        or head.startswith(json_head)
        or (head.startswith(b"Shift summary: site ") and identifiers in head)
        or (head.startswith(b"# Shift summary: site ") and identifiers in head)
        or head.startswith(export_html.HEAD.encode())
        or export_xlsx.is_xlsx_export(head)
    )


# ---------------------------------------------------------------- JSON
def _item(summary: ShiftSummary, item: ItemLine, full: bool) -> dict[str, Any]:
    return {
        "id": item.id,
        "category": item.category,
        "status": item.status,
        "crn": crn(summary, item.crn, full),
        "owner": item.owner,
        "next_action_at": iso(summary, item.next_action_at),
        "due_at": iso(summary, item.due_at),
        "summary": free_text(summary, item.summary, full),
    }


def to_dict(summary: ShiftSummary, *, full_identifiers: bool = False) -> dict[str, Any]:
    full = full_identifiers
    return {
        "export": JSON_MARK,
        "schema": JSON_SCHEMA,
        "schema_version": JSON_SCHEMA_VERSION,
        "centre": summary.centre,
        "site": summary.site,
        "site_name": summary.site_name,
        "zone": summary.zone,
        "from": iso(summary, summary.start),
        "to": iso(summary, summary.end),
        "generated_at": iso(summary, summary.generated_at),
        "generated_by": summary.generated_by,
        "identifiers": "full" if full else "masked",
        "contacts": {
            "total": summary.contacts_total,
            "by_reason": summary.by_reason,
            "by_outcome": summary.by_outcome,
            "per_tps": [asdict(c) for c in summary.contacts],
        },
        "contacts_over_time": {
            "bucket": summary.time_bucket,
            "counts": [{"start": iso(summary, t), "count": n} for t, n in summary.contacts_over_time],
        },
        "escalations": [asdict(c) for c in summary.escalations],
        "stop_payments": [
            {
                "doc_id": s.doc_id,
                "escalation_id": s.escalation_id,
                "crn": crn(summary, s.crn, full),
                "created_at": iso(summary, s.created_at),
                "cob": iso(summary, s.cob),
                "ict_requested_at": iso(summary, s.ict_requested_at),
                "state": s.state,
                "reached_before_cob": s.reached_before_cob,
            }
            for s in summary.stop_payments
        ],
        "overdue": {"total": summary.overdue_total, "items": [_item(summary, i, full) for i in summary.overdue]},
        "handover": {"total": summary.handover_total, "items": [_item(summary, i, full) for i in summary.handover]},
    }


def to_json(summary: ShiftSummary, *, full_identifiers: bool = False) -> str:
    return json.dumps(to_dict(summary, full_identifiers=full_identifiers), indent=2, ensure_ascii=False)


# ---------------------------------------------------------------- text
STATE_WORDS = {
    "before-cob": "before COB",
    "after-cob": "AFTER COB",
    "not-sent": "NOT SENT, past COB",
    "pending": "not yet, COB ahead",
}


def _head(summary: ShiftSummary, full: bool) -> list[str]:
    return [
        f"Shift summary: site {summary.site} ({summary.site_name}), Centre {summary.centre}",
        f"From {when(summary, summary.start)} to {when(summary, summary.end)}",
        f"Generated {when(summary, summary.generated_at)} by {summary.generated_by}; customer identifiers "
        + ("IN FULL (this export is recorded, X2)" if full else "masked (X2)"),
    ]


def _counts(values: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))) or "none"


def _item_text(summary: ShiftSummary, i: ItemLine, full: bool) -> str:
    return (
        f"  #{i.id:<8} {i.category:<9} {i.status:<19} {crn(summary, i.crn, full) or '-':<11} {i.owner or 'unclaimed':<10} "
        f"next {when(summary, i.next_action_at)}  {free_text(summary, i.summary, full)[:60]}"
    )


def to_text(summary: ShiftSummary, *, full_identifiers: bool = False) -> str:
    full = full_identifiers
    lines = [*_head(summary, full), "", f"Contacts: {summary.contacts_total}"]
    lines += [f"  by reason:  {_counts(summary.by_reason)}", f"  by outcome: {_counts(summary.by_outcome)}"]
    for c in summary.contacts:
        lines.append(f"  {c.tps or '-':<10} {c.tps_name:<20} {c.reason:<22} {c.outcome:<16} {c.count}")
    lines += ["", "Escalations            raised  finalised  referred"]
    for e in summary.escalations:
        lines.append(f"  {e.label:<20} {e.raised:>6} {e.finalised:>10} {e.referred:>9}")
    if not summary.escalations:
        lines.append("  none")
    lines += ["", f"Stop-payment requests: {len(summary.stop_payments)}"]
    for s in summary.stop_payments:
        lines.append(
            f"  DOC {s.doc_id} (escalation {s.escalation_id or '-'}) CRN {crn(summary, s.crn, full)}: "
            f"COB {when(summary, s.cob)}, ICT asked {when(summary, s.ict_requested_at)}: {STATE_WORDS[s.state]}"
        )
    lines += ["", f"Overdue at the end of the shift: {summary.overdue_total}"]
    lines += [_item_text(summary, i, full) for i in summary.overdue]
    if summary.overdue_total > len(summary.overdue):
        lines.append(f"  ... and {summary.overdue_total - len(summary.overdue)} more")
    lines += ["", f"Handed over to the next shift: {summary.handover_total} open items"]
    lines += [_item_text(summary, i, full) for i in summary.handover]
    if summary.handover_total > len(summary.handover):
        lines.append(f"  ... and {summary.handover_total - len(summary.handover)} more")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- Markdown
def _cell(value: Any) -> str:
    return str(value if value is not None else "-").replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return out if rows else ["_none_"]


def _item_rows(summary: ShiftSummary, items: list[ItemLine], full: bool) -> list[list[Any]]:
    return [
        [
            i.id,
            i.category,
            i.status,
            crn(summary, i.crn, full),
            i.owner or "unclaimed",
            when(summary, i.next_action_at),
            free_text(summary, i.summary, full),
        ]
        for i in items
    ]


def to_markdown(summary: ShiftSummary, *, full_identifiers: bool = False) -> str:
    full = full_identifiers
    head = _head(summary, full)
    lines = [
        f"# {_cell(head[0])}",
        "",
        f"{head[1]}  ",
        _cell(head[2]),
        "",
        f"## Contacts ({summary.contacts_total})",
        "",
    ]
    lines += [f"By reason: {_counts(summary.by_reason)}  ", f"By outcome: {_counts(summary.by_outcome)}", ""]
    lines += _table(
        ["TPS", "Name", "Reason", "Outcome", "Contacts"],
        [[c.tps, c.tps_name, c.reason, c.outcome, c.count] for c in summary.contacts],
    )
    lines += ["", "## Escalations", ""]
    lines += _table(
        ["Category", "Raised", "Finalised", "Referred"],
        [[e.label, e.raised, e.finalised, e.referred] for e in summary.escalations],
    )
    lines += ["", f"## Stop-payment requests ({len(summary.stop_payments)})", ""]
    rows = [
        [
            s.doc_id,
            s.escalation_id,
            crn(summary, s.crn, full),
            when(summary, s.cob),
            when(summary, s.ict_requested_at),
            STATE_WORDS[s.state],
        ]
        for s in summary.stop_payments
    ]
    lines += _table(["DOC", "Escalation", "CRN", "COB", "ICT asked", "Reached ICT"], rows)
    header = ["Id", "Category", "Status", "CRN", "Owner", "Next action", "Summary"]
    lines += ["", f"## Overdue at the end of the shift ({summary.overdue_total})", ""]
    lines += _table(header, _item_rows(summary, summary.overdue, full))
    lines += ["", f"## Handed over to the next shift ({summary.handover_total})", ""]
    lines += _table(header, _item_rows(summary, summary.handover, full))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- CSV
CSV_COLUMNS = [
    "section",
    "site",
    "id",
    "tps",
    "reason",
    "outcome",
    "category",
    "status",
    "crn",
    "owner",
    "time",
    "due",
    "state",
    "count",
    "raised",
    "finalised",
    "referred",
]


def _safe(value: Any) -> Any:
    """A cell a spreadsheet would run as a formula is quoted with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_CSV_FORMULA):
        return "'" + value
    return "" if value is None else value


def to_csv(summary: ShiftSummary, *, full_identifiers: bool = False) -> str:
    full = full_identifiers
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()

    def row(**values: Any) -> None:
        writer.writerow({k: _safe(v) for k, v in values.items()})

    row(
        section="window",
        site=summary.site,
        time=iso(summary, summary.start),
        due=iso(summary, summary.end),
        state="full" if full else "masked",
    )
    for c in summary.contacts:
        row(section="contacts", site=summary.site, tps=c.tps, reason=c.reason, outcome=c.outcome, count=c.count)
    for e in summary.escalations:
        row(
            section="escalations",
            site=summary.site,
            category=e.category,
            raised=e.raised,
            finalised=e.finalised,
            referred=e.referred,
        )
    for s in summary.stop_payments:
        row(
            section="stop-payment",
            site=summary.site,
            id=s.escalation_id,
            crn=crn(summary, s.crn, full),
            time=iso(summary, s.ict_requested_at),
            due=iso(summary, s.cob),
            state=s.state,
        )
    for name, items in (("overdue", summary.overdue), ("handover", summary.handover)):
        for i in items:
            row(
                section=name,
                site=summary.site,
                id=i.id,
                category=i.category,
                status=i.status,
                crn=crn(summary, i.crn, full),
                owner=i.owner,
                time=iso(summary, i.next_action_at),
                due=iso(summary, i.due_at),
            )
    return buf.getvalue()
