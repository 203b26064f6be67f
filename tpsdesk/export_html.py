"""The shift summary as one self-contained, printable HTML page (X1), masked by default (X2).

Everything is in the page: inline CSS (with ``@media print`` and ``@page`` rules for a clean
A4 print), the charts as inline SVG, no ``<script>``, no fonts, images, style sheets or links
fetched from anywhere, so it opens the same offline, in a mail attachment or a locked-down
browser. Every piece of text is HTML-escaped (``html.escape``), user text included (a name
or a summary holding ``<b>`` shows those characters). CRNs are masked in the tables and in
free text unless full identifiers were asked for.

Charts (T1): contacts per hour (per day for a long window) across the window, and
escalations raised and finalised by category. Each bar carries its number as text, so
nothing is told by colour alone; the same figures are in the tables below each chart.

The page begins with ``HEAD`` exactly: ``export.is_export`` recognises a page tpsdesk wrote
by it.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from tpsdesk import export
from tpsdesk.services.summaries import ShiftSummary

HEAD = '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="generator" content="tpsdesk shift summary">\n'

CSS = """
:root { --ink: #1a1a1a; --muted: #555; --rule: #bbb; --bar: #2f5f8a; --bar2: #c77b1f; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: var(--ink);
       margin: 1.5rem auto; max-width: 70rem; padding: 0 1rem; line-height: 1.35; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; border-bottom: 2px solid var(--rule); padding-bottom: .2rem; margin-top: 1.8rem; }
.meta { color: var(--muted); margin: 0; }
.mask { font-weight: bold; }
.mask.full { color: #a00000; }
.totals { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; padding: 0; list-style: none; }
.totals li strong { font-size: 1.3rem; display: block; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-size: .9rem; }
th, td { border: 1px solid var(--rule); padding: .2rem .4rem; text-align: left; vertical-align: top; }
th { background: #eee; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.more, .none { color: var(--muted); font-style: italic; }
svg { max-width: 100%; height: auto; }
svg text { font-family: inherit; font-size: 11px; fill: var(--ink); }
svg .bar { fill: var(--bar); }
svg .bar2 { fill: var(--bar2); }
svg .axis { stroke: var(--muted); stroke-width: 1; }
@page { size: A4; margin: 12mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 9.5pt; }
  h2 { break-after: avoid; }
  table, svg, figure { break-inside: avoid; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  svg .bar, svg .bar2 { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _fmt(summary: ShiftSummary, value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return export.when(summary, value)
    return str(value)


def _table(summary: ShiftSummary, t: export.Table) -> list[str]:
    if not t.rows:
        return ['<p class="none">none</p>']
    out = ["<table>", "<thead><tr>" + "".join(f'<th scope="col">{_e(c)}</th>' for c in t.columns) + "</tr></thead>"]
    out.append("<tbody>")
    for row in t.rows:
        cells = []
        for v in row:
            num = isinstance(v, int) and not isinstance(v, bool)
            cells.append(f'<td class="n">{v}</td>' if num else f"<td>{_e(_fmt(summary, v))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out += ["</tbody>", "</table>"]
    if t.total is not None and t.total > len(t.rows):
        out.append(f'<p class="more">... and {t.total - len(t.rows)} more (raise --limit to list them)</p>')
    return out


def contacts_chart(summary: ShiftSummary) -> str:
    """Vertical bars: contacts per hour (or day) of the window, each labelled with its count."""
    data = summary.contacts_over_time
    if not data:
        return '<p class="none">no contacts in the window</p>'
    top = max((n for _, n in data), default=0) or 1
    width, height, left, bottom, head = 720, 200, 36, 34, 16
    slot = (width - left - 6) / len(data)
    bar = max(slot * 0.7, 1.0)
    label_every = max(1, round(len(data) / 16))
    fmt = "%H:%M" if summary.time_bucket == "hour" else "%a %d"
    plot = height - bottom - head
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="c-title"><title id="c-title">Contacts per {summary.time_bucket}, '
        f"{summary.contacts_total} in all</title>",
        f'<line class="axis" x1="{left}" y1="{head + plot}" x2="{width - 4}" y2="{head + plot}"/>',
        f'<text x="2" y="{head + 4}">{top}</text><text x="2" y="{head + plot}">0</text>',
    ]
    for i, (t, n) in enumerate(data):
        x = left + i * slot + (slot - bar) / 2
        h = plot * n / top
        y = head + plot - h
        when = export.local(summary, t)
        assert when is not None
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}">'
            f"<title>{_e(when.strftime(fmt))}: {n}</title></rect>"
        )
        if n and len(data) <= 48:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle">{n}</text>')
        if i % label_every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 14}" text-anchor="middle">'
                f"{_e(when.strftime(fmt))}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def escalations_chart(summary: ShiftSummary) -> str:
    """Horizontal paired bars per category: raised (solid) and finalised (second colour),
    each with its number and its word, so the chart reads without colour."""
    lines = summary.escalations
    if not lines:
        return '<p class="none">no escalations raised or finalised in the window</p>'
    top = max(max(e.raised, e.finalised) for e in lines) or 1
    label_w, width, row, gap = 190, 720, 18, 10
    plot = width - label_w - 110
    height = len(lines) * (2 * row + gap) + 24
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="e-title"><title id="e-title">Escalations raised and finalised by category</title>',
        f'<rect class="bar" x="{label_w}" y="2" width="12" height="10"/><text x="{label_w + 16}" y="11">raised</text>',
        f'<rect class="bar2" x="{label_w + 80}" y="2" width="12" height="10"/>'
        f'<text x="{label_w + 96}" y="11">finalised</text>',
    ]
    y = 20
    for e in lines:
        parts.append(f'<text x="0" y="{y + row + 4}">{_e(e.label[:30])}</text>')
        for k, (word, n, cls) in enumerate((("raised", e.raised, "bar"), ("finalised", e.finalised, "bar2"))):
            w = plot * n / top
            yy = y + k * row
            parts.append(
                f'<rect class="{cls}" x="{label_w}" y="{yy}" width="{w:.1f}" height="{row - 3}">'
                f"<title>{_e(e.label)}: {n} {word}</title></rect>"
                f'<text x="{label_w + w + 4:.1f}" y="{yy + row - 6}">{n} {word}</text>'
            )
        y += 2 * row + gap
    parts.append("</svg>")
    return "".join(parts)


def to_html(summary: ShiftSummary, *, full_identifiers: bool = False) -> str:
    full = full_identifiers
    sections = {t.key: t for t in export.tables(summary, full)}
    title = f"Shift summary: site {summary.site} ({summary.site_name}), Centre {summary.centre}"
    raised = sum(e.raised for e in summary.escalations)
    finalised = sum(e.finalised for e in summary.escalations)
    referred = sum(e.referred for e in summary.escalations)
    totals = [
        ("Contacts", summary.contacts_total),
        ("Escalations raised", raised),
        ("Finalised", finalised),
        ("Referred", referred),
        ("Stop-payment requests", len(summary.stop_payments)),
        ("Overdue at end", summary.overdue_total),
        ("Handed over", summary.handover_total),
    ]
    per = "hour" if summary.time_bucket == "hour" else "day"
    out = [
        HEAD.rstrip("\n"),
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">From {_e(export.when(summary, summary.start))} to {_e(export.when(summary, summary.end))} '
        f"({_e(summary.zone)})</p>",
        f'<p class="meta">Generated {_e(export.when(summary, summary.generated_at))} by {_e(summary.generated_by)}; '
        f'customer identifiers <span class="mask{" full" if full else ""}">{_e(export.masking_words(full))}</span></p>',
        "</header>",
        '<ul class="totals">' + "".join(f"<li><strong>{n}</strong>{_e(label)}</li>" for label, n in totals) + "</ul>",
        f'<section id="contacts"><h2>Contacts ({summary.contacts_total})</h2>',
        f"<p>By reason: {_e(export._counts(summary.by_reason))}<br>By outcome: {_e(export._counts(summary.by_outcome))}</p>",
        f"<figure>{contacts_chart(summary)}<figcaption>Contacts per {per} across the window</figcaption></figure>",
        *_table(summary, sections["Contacts"]),
        "</section>",
        '<section id="escalations"><h2>Escalations by category</h2>',
        f"<figure>{escalations_chart(summary)}<figcaption>Raised and finalised in the window</figcaption></figure>",
        *_table(summary, sections["Escalations"]),
        "</section>",
        f'<section id="stop-payments"><h2>Stop-payment requests ({len(summary.stop_payments)})</h2>',
        *_table(summary, sections["Stop payments"]),
        "</section>",
        f'<section id="overdue"><h2>Overdue at the end of the shift ({summary.overdue_total})</h2>',
        *_table(summary, sections["Overdue"]),
        "</section>",
        f'<section id="handover"><h2>Handed over to the next shift ({summary.handover_total})</h2>',
        *_table(summary, sections["Handover"]),
        "</section>",
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"
