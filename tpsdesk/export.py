"""Shift summary renderers (X1): plain text, Markdown, CSV and JSON.

X2: customer identifiers are masked by default (``******789A``), also a CRN typed
into free text; ``full_identifiers=True`` shows them, and the caller records
that export in the history (``summaries.record_full_export``, or ``export``
here which does both). ``write_file`` writes an export to a file through
``tpsdesk.safefile`` (whole or not at all, 0600, never over the database or a
file that is not an export); ``is_export`` recognises a file it wrote by the
signature each format begins with.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import asdict
from datetime import datetime
from typing import Any

from tpsdesk.businesstime import fmt_local, zone
from tpsdesk.errors import ValidationError
from tpsdesk.services.summaries import ItemLine, ShiftSummary
from tpsdesk.text import mask_crn, mask_crns_in_text

FORMATS = ("text", "md", "csv", "json")
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


def render(summary: ShiftSummary, fmt: str, *, full_identifiers: bool = False) -> str:
    renderers = {"text": to_text, "md": to_markdown, "csv": to_csv, "json": to_json}
    if fmt not in renderers:
        raise ValidationError("format", f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    return renderers[fmt](summary, full_identifiers=full_identifiers)


def export(
    desk: Any, logon: str, summary: ShiftSummary, fmt: str, *, full_identifiers: bool = False, out: str | None = None
) -> str:
    """Render; a full-identifier export is first recorded in the history (X2)."""
    text = render(summary, fmt, full_identifiers=full_identifiers)
    if full_identifiers:
        from tpsdesk.services.summaries import record_full_export

        record_full_export(desk, logon, summary, fmt, out=out)
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
    such file exists without its record.
    """
    from tpsdesk import safefile

    protect = desk.store.files()
    target = safefile.check_target(out, is_export=is_export, protect=protect, field=field)
    text = export(desk, logon, summary, fmt, full_identifiers=full_identifiers, out=str(target.real))
    written = safefile.write_export(target, text.encode("utf-8"), is_export=is_export, protect=protect, field=field)
    return str(written)


# ---------------------------------------------------------------- recognising an export
# The first key of the JSON export: it says what the file is, and lets ``is_export`` know it.
JSON_MARK = "tpsdesk shift summary"


def is_export(head: bytes) -> bool:
    """Whether a file beginning with ``head`` is a shift summary tpsdesk wrote, in any format.

    Each format begins in its own way: text with its title and the identifiers line, Markdown
    with the same as a heading, CSV with its exact header then the window row, JSON with its
    marker key. A file that begins differently is not replaced.
    """
    csv_head = (",".join(CSV_COLUMNS) + "\nwindow,").encode()
    json_head = b'{\n  "export": ' + json.dumps(JSON_MARK).encode()
    identifiers = b"; customer identifiers "
    return (
        head.startswith(csv_head)
        or head.startswith(json_head)
        or (head.startswith(b"Shift summary: site ") and identifiers in head)
        or (head.startswith(b"# Shift summary: site ") and identifiers in head)
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
