"""Shift summary exports read back with real readers (X1, X2, T1): csv, json against its
schema, html.parser for the page, openpyxl for the workbook; one business day (--date);
contacts over time; binary files through safefile, recognised only when tpsdesk wrote them."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl
import pytest
from cli_helpers import ROOT, fails, invoke, ok_json, run
from conftest import OWNER
from sqlalchemy import bindparam
from sqlalchemy import text as sql
from test_summaries import CRN_ARREARS, CRN_IN_TEXT, CRN_LATE, CRN_REVIEW, CRN_SYSTEM, NOW, OPEN
from test_summaries import shift as shift  # the Friday-morning fixture, shared

from tpsdesk import demo, export, export_xlsx
from tpsdesk.businesstime import zone
from tpsdesk.models import UTCDateTime
from tpsdesk.services import escalations
from tpsdesk.services.desk import Desk
from tpsdesk.services.summaries import ShiftSummary, bucket_edges, day_window, shift_summary

SCHEMA = json.loads((ROOT / "docs" / "shift-summary.schema.json").read_text())
CRNS = (CRN_LATE, CRN_REVIEW, CRN_SYSTEM, CRN_ARREARS)
USER_HTML = "<b>bold</b> & <script>alert(1)</script>"


@pytest.fixture
def marked_shift(desk: Desk, shift: dict[str, int], clock) -> dict[str, int]:
    """The Friday shift plus an item whose free text holds markup and a glued, lowercase CRN."""
    clock.set(datetime(2026, 9, 24, 23, 50, tzinfo=UTC))
    shift["markup"] = escalations.raise_escalation(
        desk, "tps1", category="review", crn="888888789H", summary=f"{USER_HTML} crn{CRN_IN_TEXT.lower()}"
    ).id
    clock.set(NOW)
    return shift


def _xlsx_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row)


def _all_formats(s: ShiftSummary, full: bool = False) -> dict[str, str]:
    out = {f: export.render(s, f, full_identifiers=full) for f in export.TEXT_FORMATS}
    out["xlsx"] = _xlsx_text(export.render_bytes(s, "xlsx", full_identifiers=full))
    return out


# ---------------------------------------------------------------- X2 masking in every format
def test_x2_every_format_masks_crns_by_default_free_text_included(desk: Desk, marked_shift) -> None:
    s = shift_summary(desk, "tl1")
    for fmt, body in _all_formats(s).items():
        for crn in CRNS:
            assert crn not in body and "******" + crn[-4:] in body, (fmt, crn)
        if fmt != "csv":  # CSV carries no free text
            assert CRN_IN_TEXT not in body and CRN_IN_TEXT.lower() not in body, fmt
            assert "******" + CRN_IN_TEXT[-4:] in body, fmt
    for fmt, body in _all_formats(s, full=True).items():
        assert all(crn in body for crn in CRNS), fmt


# ---------------------------------------------------------------- JSON and its schema
def test_x1_json_has_a_versioned_schema_and_validates_against_it(desk: Desk, marked_shift) -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    for full in (False, True):
        data = json.loads(export.to_json(shift_summary(desk, "tl1"), full_identifiers=full))
        assert data["schema"] == "tpsdesk.shift-summary/1" == SCHEMA["$id"] and data["schema_version"] == 1
        validator.validate(data)
    data["contacts"]["total"] = "5"
    assert not validator.is_valid(data)  # the schema does check types


def test_t1_contacts_over_time_per_local_hour(desk: Desk, shift) -> None:
    s = shift_summary(desk, "tl1")  # 08:00 to 10:00 Sydney; the contacts 08:05 to 08:45
    assert s.time_bucket == "hour"
    assert s.contacts_over_time == [(OPEN, 5), (OPEN + timedelta(hours=1), 0)]
    data = json.loads(export.to_json(s))["contacts_over_time"]
    assert data["bucket"] == "hour" and data["counts"][0] == {"start": "2026-09-25T08:00:00+10:00", "count": 5}
    late = shift_summary(desk, "tl1", start="2026-09-25T08:20", end="2026-09-25T08:40")
    assert late.contacts_over_time == [(OPEN, 2)]  # the bucket holds only the window's part


def test_t1_long_windows_count_per_local_day_across_dst(cal) -> None:
    syd = cal("SYD")  # DST starts Sun 4 Oct 2026 at 02:00 in Sydney
    start, end = syd.at(date(2026, 10, 2), datetime.min.time()), syd.at(date(2026, 10, 7), datetime.min.time())
    kind, edges = bucket_edges(syd, start, end)
    local = [e.astimezone(zone("Australia/Sydney")) for e in edges]
    assert kind == "day" and [d.day for d in local] == [2, 3, 4, 5, 6] and {d.hour for d in local} == {0}
    assert edges[3] - edges[2] == timedelta(hours=23)
    kind, hours = bucket_edges(
        syd, syd.at(date(2026, 10, 4), datetime.min.time()), syd.at(date(2026, 10, 4), datetime.max.time())
    )
    assert kind == "hour" and len(hours) == 23  # the local day has 23 hours


# ---------------------------------------------------------------- --date
def test_x1_date_is_that_business_days_hours_and_a_weekend_whole(desk: Desk, shift, cal) -> None:
    s = shift_summary(desk, "tl1", day="2026-09-25")
    assert (s.start, s.end) == (OPEN, datetime(2026, 9, 25, 7, 0, tzinfo=UTC))  # 08:00 to COB 17:00
    assert s.contacts_total == 5
    sat = shift_summary(desk, "tl1", day=date(2026, 9, 26))
    assert (sat.start, sat.end) == (datetime(2026, 9, 25, 14, 0, tzinfo=UTC), datetime(2026, 9, 26, 14, 0, tzinfo=UTC))
    assert day_window(cal("SYD"), "2026-12-25")[1] - day_window(cal("SYD"), "2026-12-25")[0] == timedelta(days=1)


def test_x1_cli_date_refused_with_from_and_a_bad_date(desk: Desk, shift, db_url: str) -> None:
    db = db_url.removeprefix("sqlite:///")
    data = ok_json(run("summary", "--json", "--date", "2026-09-24", db=db, user="tl1"))
    assert (data["from"], data["to"]) == ("2026-09-24T08:00:00+10:00", "2026-09-24T17:00:00+10:00")
    assert data["contacts"]["total"] == 1  # Thursday's contact
    fails(
        invoke("summary", "--date", "2026-09-24", "--from", "2026-09-24T09:00", db=db, user="tl1"),
        2,
        "--date",
        "not both",
    )
    fails(invoke("summary", "--date", "24/09/2026", db=db, user="tl1"), 2, "date", "2026-09-25")
    for far in ("0001-01-01", "9999-12-31"):  # refused before any zone arithmetic overflows
        fails(invoke("summary", "--date", far, db=db, user="tl1"), 2, "date")


# ---------------------------------------------------------------- HTML
class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style += data
        self.text.append(data)


def test_x1_html_is_one_self_contained_printable_page(desk: Desk, marked_shift) -> None:
    s = shift_summary(desk, "tl1")
    page = _Page()
    body = export.render(s, "html")
    page.feed(body)
    assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
    assert "iframe" not in page.tags and "object" not in page.tags
    for name, value in page.attrs:
        if name in ("src", "href", "xlink:href", "action"):
            raise AssertionError(f"{name}={value!r}: the page fetches nothing")
    assert "http://" not in body and "https://" not in body
    assert "@media print" in page.style and "@import" not in page.style and "url(" not in page.style
    assert page.tags.count("svg") == 2  # contacts per hour; escalations by category
    assert "b" not in page.tags  # the user's <b> is text, not markup
    words = "".join(page.text)
    assert USER_HTML in words and "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;" in body
    for figure in ("Contacts (5)", "Overdue at the end of the shift (1)", "Handed over to the next shift (5)"):
        assert figure in words
    assert "08:00: 5" in words  # the hour's bar, titled with its count
    assert "Death" in words or "death" in words
    assert export.is_export(body.encode()[:4096])


# ---------------------------------------------------------------- XLSX
def test_x1_xlsx_sheets_typed_frozen_filtered_and_masked(desk: Desk, marked_shift) -> None:
    s = shift_summary(desk, "tl1")
    book = openpyxl.load_workbook(io.BytesIO(export.render_bytes(s, "xlsx")))
    assert book.sheetnames == [
        "Summary",
        "Contacts",
        "Contacts per hour",
        "Escalations",
        "Stop payments",
        "Overdue",
        "Handover",
    ]
    for ws in book.worksheets[1:]:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        assert all(c.font.b for c in ws[1]), ws.title
        assert ws.column_dimensions["A"].width >= 8
    info = {r[0]: r[1] for r in book["Summary"].iter_rows(min_row=3, values_only=True) if r[0]}
    assert info["Site"] == "SYD (Parramatta)" and info["Customer identifiers"] == "masked (X2)"
    assert info["From"] == datetime(2026, 9, 25, 8, 0) and info["Generated by"] == "tl1"  # local wall clock
    assert info["Contacts"] == 5 and info["Handed over to the next shift"] == 5
    hours = list(book["Contacts per hour"].iter_rows(min_row=2, values_only=True))
    assert hours == [(datetime(2026, 9, 25, 8, 0), 5), (datetime(2026, 9, 25, 9, 0), 0)]
    esc = {r[0]: r[2:] for r in book["Escalations"].iter_rows(min_row=2, values_only=True)}
    assert esc == {"arrears": (1, 0, 0), "death": (1, 1, 0), "system": (1, 0, 1), "review": (1, 0, 0)}
    assert all(isinstance(n, int) for row in esc.values() for n in row)
    over = list(book["Overdue"].iter_rows(min_row=2, values_only=True))
    assert over[0][0] == marked_shift["late"] and over[0][3] == "******789A"
    assert isinstance(over[0][5], datetime)
    handover = [r[7] for r in book["Handover"].iter_rows(min_row=2, values_only=True)]
    assert f"{USER_HTML} crn******321Z" in handover  # free text masked, kept as text (no formula)
    assert book.custom_doc_props["tpsdesk-export"].value == "tpsdesk shift summary"


def test_x1_xlsx_figures_match_the_database_for_a_demo_floor(desk: Desk) -> None:
    demo.generate(desk, who=OWNER, size=400, seed=3)
    s = shift_summary(desk, "tl1", day="2026-09-24", limit=100_000)
    book = openpyxl.load_workbook(io.BytesIO(export.render_bytes(s, "xlsx")))
    times = (bindparam("t_from", type_=UTCDateTime), bindparam("t_to", type_=UTCDateTime))

    def query(text: str) -> Any:
        return sql(text).bindparams(*(t for t in times if f":{t.key}" in text))

    with desk.store.read() as session:
        conn = session.connection()
        site = conn.execute(sql("SELECT id FROM site WHERE code = 'SYD'")).scalar_one()
        window = {"site": site, "t_from": s.start, "t_to": s.end}
        contacts = conn.execute(
            query("SELECT count(*) FROM contact WHERE site_id = :site AND opened_at >= :t_from AND opened_at < :t_to"),
            window,
        ).scalar_one()
        raised = dict(
            conn.execute(
                query(
                    "SELECT category, count(*) FROM escalation WHERE site_id = :site"
                    " AND raised_at >= :t_from AND raised_at < :t_to GROUP BY category"
                ),
                window,
            ).all()
        )
        open_items = conn.execute(
            query("SELECT count(*) FROM escalation WHERE site_id = :site AND NOT closed AND raised_at < :t_to"),
            {"site": site, "t_to": s.end},
        ).scalar_one()
    assert contacts > 0 and raised
    info = {r[0]: r[1] for r in book["Summary"].iter_rows(min_row=3, values_only=True) if r[0]}
    assert info["Contacts"] == contacts and info["Handed over to the next shift"] == open_items
    sheet_raised = {r[0]: r[2] for r in book["Escalations"].iter_rows(min_row=2, values_only=True) if r[2]}
    assert sheet_raised == raised
    per_hour = [r[1] for r in book["Contacts per hour"].iter_rows(min_row=2, values_only=True)]
    assert sum(per_hour) == contacts and len(per_hour) == 9  # 08:00 to 17:00
    assert book["Handover"].max_row - 1 == open_items
    crns = {r[3] for r in book["Handover"].iter_rows(min_row=2, values_only=True)}
    assert all(c.startswith("******") for c in crns if c)


# ---------------------------------------------------------------- files
def test_x2_xlsx_needs_out_and_is_written_0600_through_safefile(desk: Desk, shift, db_url: str, tmp_path: Path) -> None:
    db = db_url.removeprefix("sqlite:///")
    fails(invoke("summary", "--format", "xlsx", db=db, user="tl1"), 2, "xlsx is a binary file: give --out FILE")
    out = tmp_path / "shift.xlsx"
    done = run("summary", "--format", "xlsx", "--out", str(out), db=db, user="tl1")
    assert done.returncode == 0, done.stderr
    assert out.stat().st_mode & 0o777 == 0o600 and openpyxl.load_workbook(out).sheetnames[0] == "Summary"
    assert invoke("summary", "--format", "xlsx", "--out", str(out), db=db, user="tl1").returncode == 0  # ours: replaced


def _foreign_workbook(path: Path) -> None:
    book = openpyxl.Workbook()
    book.active["A1"] = "someone's budget"
    book.save(path)


@pytest.mark.parametrize("fmt", ["xlsx", "html", "csv"])
def test_x2_out_refuses_a_workbook_or_zip_tpsdesk_did_not_write(
    desk: Desk, shift, db_url: str, tmp_path: Path, fmt: str
) -> None:
    db = db_url.removeprefix("sqlite:///")
    other = tmp_path / "budget.xlsx"
    _foreign_workbook(other)
    plain_zip = tmp_path / "photos.zip"
    with zipfile.ZipFile(plain_zip, "w") as z:
        z.writestr("docProps/custom.xml", "<Properties/>")
    notes = tmp_path / "notes.html"
    notes.write_text('<!DOCTYPE html>\n<html lang="en"><p>my notes</p>')
    for target in (other, plain_zip, notes):
        before = target.read_bytes()
        fails(
            invoke("summary", "--format", fmt, "--out", str(target), db=db, user="tl1"),
            2,
            "is not an export tpsdesk wrote",
        )
        assert target.read_bytes() == before


def test_x2_is_export_knows_only_its_own_workbook(desk: Desk, shift, tmp_path: Path) -> None:
    ours = export.render_bytes(shift_summary(desk, "tl1"), "xlsx")
    assert ours.startswith(b"PK\x03\x04") and export.is_export(ours) and export_xlsx.is_xlsx_export(ours)
    assert not export.is_export(ours[:4096])  # a cut-off zip is not recognised
    _foreign_workbook(tmp_path / "b.xlsx")
    assert not export.is_export((tmp_path / "b.xlsx").read_bytes())
    tampered = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(ours)) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "docProps/custom.xml":
                data = data.replace(b"tpsdesk shift summary", b"someone else")
            dst.writestr(item, data)
    assert not export.is_export(tampered.getvalue())


def test_x1_default_file_name_names_the_site_and_local_day(desk: Desk, shift) -> None:
    s = shift_summary(desk, "tl1")
    assert export.default_name(s, "xlsx") == "shift-SYD-2026-09-25.xlsx"
    assert export.default_name(s, "text") == "shift-SYD-2026-09-25.txt"


def test_x1_csv_layout_one_header_and_a_section_column(desk: Desk, shift) -> None:
    rows = list(csv.reader(io.StringIO(export.to_csv(shift_summary(desk, "tl1")))))
    assert rows[0] == export.CSV_COLUMNS and all(len(r) == len(rows[0]) for r in rows)
    sections = [r[0] for r in rows[1:]]
    runs = [name for i, name in enumerate(sections) if i == 0 or sections[i - 1] != name]
    assert runs == ["window", "contacts", "escalations", "stop-payment", "overdue", "handover"]  # one block each


# ---------------------------------------------------------------- the grouped count, on both databases
def test_t1_contacts_over_time_is_one_grouped_read_of_the_site_time_index(desk: Desk, shift) -> None:
    from sqlalchemy import event

    seen: list[tuple[str, Any]] = []

    def listen(_conn: Any, _cursor: Any, statement: str, params: Any, _context: Any, _many: bool) -> None:
        if "CASE" in statement and "FROM contact" in statement:
            seen.append((statement, params))

    event.listen(desk.store.engine, "before_cursor_execute", listen)
    try:
        shift_summary(desk, "tl1")
    finally:
        event.remove(desk.store.engine, "before_cursor_execute", listen)
    assert len(seen) == 1 and "GROUP BY" in seen[0][0]  # one query for every bucket
    with desk.store.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        plan = " ".join(str(r[-1]) for r in raw.execute("EXPLAIN QUERY PLAN " + seen[0][0], seen[0][1]).fetchall())
    assert "COVERING INDEX ix_contact_site_opened" in plan, plan


@pytest.mark.postgres
def test_t1_pg_contacts_over_time_and_every_format(pg_desk: Desk, pg_floor) -> None:
    from test_summaries import _contacts, _ids

    ids = _ids(pg_desk)
    at = [OPEN + timedelta(minutes=m) for m in (5, 15, 70, 119)]
    _contacts(pg_desk, ids, [("SYD", "tps1", "status-rate", ["resolved"], t) for t in at])
    s = shift_summary(pg_desk, "tl1")  # the clock: Fri 10:00 Sydney
    assert s.contacts_over_time == [(OPEN, 2), (OPEN + timedelta(hours=1), 2)]
    week = shift_summary(pg_desk, "tl1", start="2026-09-21T00:00", end="2026-09-26T00:00")
    assert week.time_bucket == "day" and [n for _, n in week.contacts_over_time] == [0, 0, 0, 0, 4]
    for fmt in export.FORMATS:
        assert export.render_bytes(s, fmt)
