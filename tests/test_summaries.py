"""Shift summary (X1) and its exports (X2): contents of a shift at a site, masked
customer identifiers by default, a recorded full-identifier export, and who may
have one (R4, R6)."""

from __future__ import annotations

import csv
import io
import json
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from cli_helpers import fails, ok_json, run
from sqlmodel import select

from tpsdesk import export
from tpsdesk.errors import PermissionDenied, ValidationError
from tpsdesk.models import Contact, Escalation, Event, Site, Staff, StopPaymentDoc
from tpsdesk.services import escalations
from tpsdesk.services.desk import Desk
from tpsdesk.services.summaries import EXPORT_EVENT, OPEN_CONTACT, shift_summary
from tpsdesk.services.uow import apply_schedule

# Fri 25 Sep 2026 in Sydney (AEST, UTC+10): the shift opens 08:00 = Thu 22:00 UTC.
OPEN = datetime(2026, 9, 24, 22, 0, tzinfo=UTC)
NOW = datetime(2026, 9, 25, 0, 0, tzinfo=UTC)  # 10:00 local
CRN_LATE, CRN_REVIEW, CRN_SYSTEM, CRN_ARREARS, CRN_IN_TEXT = (
    "111111789A",
    "222222789B",
    "333333789C",
    "444444789D",
    "987654321Z",
)


def _ids(desk: Desk) -> dict[str, int]:
    with desk.store.read() as session:
        staff = {s.logon: s.id for s in session.exec(select(Staff)).all()}
        sites = {s.code: s.id for s in session.exec(select(Site)).all()}
    return {**staff, **sites}


def _contacts(desk: Desk, ids: dict[str, int], rows: list[tuple[str, str, str, list[str], datetime]]) -> None:
    """Contacts (site, tps, reason, outcomes, opened) in one transaction."""
    with desk.store.write() as session:
        for site, tps, reason, outcomes, at in rows:
            centre = session.get(Site, ids[site]).centre_id  # type: ignore[union-attr]
            session.add(
                Contact(
                    centre_id=centre, site_id=ids[site], channel="smart-centre", requester_name="Sam Officer",
                    requester_logon="so1", requester_id=ids["so1"], recorded_by_id=ids[tps], tps_id=ids[tps],
                    reason=reason, help_required="help", opened_at=at, outcomes=json.dumps(outcomes),
                    status="complete" if outcomes else "open",
                )
            )  # fmt: skip


def _doc(desk: Desk, ids: dict[str, int], crn: str, at: datetime) -> int:
    with desk.store.write() as session:
        doc = StopPaymentDoc(
            centre_id=1, site_id=ids["SYD"], crn=crn, payment_type="Age Pension", amount_cents=12345,
            period_from=date(2026, 9, 1), period_to=date(2026, 9, 14), ar_checked=True, text="DOC",
            reason="Employment income from 3 March was not coded", created_by_id=ids["sso1"], created_at=at,
        )  # fmt: skip
        session.add(doc)
        session.flush()
        return doc.id or 0


def _change(desk: Desk, esc_id: int, **values: object) -> None:
    with desk.store.write() as session:
        esc = session.get(Escalation, esc_id)
        assert esc is not None
        for key, value in values.items():
            setattr(esc, key, value)
        apply_schedule(desk, session, esc)


@pytest.fixture
def shift(desk: Desk, floor, clock) -> dict[str, int]:
    """A Friday morning at SYD: contacts, escalations raised/referred/finalised, two stop payments."""
    ids = _ids(desk)
    clock.set(datetime(2026, 9, 23, 3, 0, tzinfo=UTC))  # Wed 13:00: E3 due Thu 13:00, overdue by Friday
    late = escalations.raise_escalation(desk, "tps1", category="death", crn=CRN_LATE, summary="partner died").id
    clock.set(datetime(2026, 9, 24, 2, 0, tzinfo=UTC))  # Thu: before the window
    review = escalations.raise_escalation(
        desk,
        "tps1",
        category="review",
        crn=CRN_REVIEW,
        summary=f"review for {CRN_IN_TEXT[:3]} {CRN_IN_TEXT[3:6]} {CRN_IN_TEXT[6:]}",
    ).id
    _doc(desk, ids, "555555789E", datetime(2026, 9, 24, 3, 0, tzinfo=UTC))  # yesterday's DOC: not this shift
    clock.set(datetime(2026, 9, 24, 22, 30, tzinfo=UTC))  # Fri 08:30, in the window
    system = escalations.raise_escalation(desk, "tps1", category="system", crn=CRN_SYSTEM).id
    done = escalations.raise_escalation(desk, "tps2", category="death", crn="666666789F").id
    doc_on_time = _doc(desk, ids, CRN_ARREARS, datetime(2026, 9, 24, 22, 40, tzinfo=UTC))
    arrears = escalations.raise_escalation(desk, "sso1", category="arrears", crn=CRN_ARREARS, doc_id=doc_on_time).id
    _doc(desk, ids, "777777789G", datetime(2026, 9, 24, 23, 30, tzinfo=UTC))  # no ICT request yet, COB ahead
    with desk.store.write() as session:
        doc = session.get(StopPaymentDoc, doc_on_time)
        assert doc is not None
        doc.escalation_id, doc.ict_requested_at = arrears, datetime(2026, 9, 24, 23, 0, tzinfo=UTC)
    _change(desk, system, status="referred", owner_id=ids["sp1"], referred_at=datetime(2026, 9, 24, 23, 10, tzinfo=UTC))
    _change(
        desk,
        done,
        status="finalised",
        closed=True,
        owner_id=ids["sp1"],
        finalised_at=datetime(2026, 9, 24, 23, 20, tzinfo=UTC),
    )
    _contacts(
        desk,
        ids,
        [
            ("SYD", "tps1", "status-rate", ["resolved"], datetime(2026, 9, 24, 3, 0, tzinfo=UTC)),  # yesterday
            ("SYD", "tps1", "status-rate", ["resolved"], datetime(2026, 9, 24, 22, 5, tzinfo=UTC)),
            ("SYD", "tps1", "status-rate", ["resolved"], datetime(2026, 9, 24, 22, 15, tzinfo=UTC)),
            ("SYD", "tps1", "coding-error", ["escalated", "referred-ict"], datetime(2026, 9, 24, 22, 25, tzinfo=UTC)),
            ("SYD", "tps2", "cannot-finalise", ["took-over"], datetime(2026, 9, 24, 22, 35, tzinfo=UTC)),
            ("SYD", "tps1", "supervisor", [], datetime(2026, 9, 24, 22, 45, tzinfo=UTC)),  # no outcome yet
            ("PER", "tps1", "status-rate", ["resolved"], datetime(2026, 9, 24, 22, 50, tzinfo=UTC)),  # other site
        ],
    )
    clock.set(NOW)
    return {"late": late, "review": review, "system": system, "done": done, "arrears": arrears}


def test_x1_default_window_is_the_current_shift_at_the_actors_site(desk: Desk, shift) -> None:
    s = shift_summary(desk, "tl1")
    assert (s.site, s.centre, s.start, s.end) == ("SYD", "PCC", OPEN, NOW)


def test_x1_before_opening_or_on_a_weekend_the_window_is_the_last_shift(desk: Desk, shift, clock) -> None:
    clock.set(datetime(2026, 9, 26, 1, 0, tzinfo=UTC))  # Sat 11:00 in Sydney
    s = shift_summary(desk, "tl1")
    assert (s.start, s.end) == (OPEN, datetime(2026, 9, 25, 7, 0, tzinfo=UTC))  # Fri 08:00 to COB 17:00
    clock.set(datetime(2026, 9, 24, 21, 0, tzinfo=UTC))  # Fri 07:00: Thursday's shift
    s = shift_summary(desk, "tl1")
    assert (s.start, s.end) == (datetime(2026, 9, 23, 22, 0, tzinfo=UTC), datetime(2026, 9, 24, 7, 0, tzinfo=UTC))


def test_x1_contacts_by_reason_and_outcome_per_tps_officer(desk: Desk, shift) -> None:
    s = shift_summary(desk, "tl1")
    assert s.contacts_total == 5  # not yesterday's, not Perth's
    assert s.by_reason == {"status-rate": 2, "coding-error": 1, "cannot-finalise": 1, "supervisor": 1}
    assert s.by_outcome == {"resolved": 2, "escalated": 1, "referred-ict": 1, "took-over": 1, OPEN_CONTACT: 1}
    lines = {(c.tps, c.reason, c.outcome): c.count for c in s.contacts}
    assert lines == {
        ("tps1", "status-rate", "resolved"): 2,
        ("tps1", "coding-error", "escalated"): 1,
        ("tps1", "coding-error", "referred-ict"): 1,
        ("tps1", "supervisor", OPEN_CONTACT): 1,
        ("tps2", "cannot-finalise", "took-over"): 1,
    }


def test_x1_escalations_raised_finalised_referred_by_category(desk: Desk, shift) -> None:
    s = shift_summary(desk, "tl1")
    lines = {e.category: (e.raised, e.finalised, e.referred) for e in s.escalations}
    assert lines == {
        "arrears": (1, 0, 0),
        "death": (1, 1, 0),
        "system": (1, 0, 1),
    }  # Wed/Thu items are not this shift's


def test_x1_stop_payments_and_whether_ict_was_asked_before_cob(desk: Desk, shift, clock) -> None:
    s = shift_summary(desk, "tl1")
    cob = datetime(2026, 9, 25, 7, 0, tzinfo=UTC)  # Fri 17:00 AEST (C6)
    assert [(p.crn, p.cob, p.state, p.reached_before_cob) for p in s.stop_payments] == [
        (CRN_ARREARS, cob, "before-cob", True),
        ("777777789G", cob, "pending", None),
    ]
    clock.set(datetime(2026, 9, 25, 8, 0, tzinfo=UTC))  # after COB, same window
    late = shift_summary(desk, "tl1", start=OPEN, end=NOW)
    assert [p.state for p in late.stop_payments] == ["before-cob", "not-sent"]


def test_x1_overdue_at_end_and_handed_over_with_next_due(desk: Desk, shift) -> None:
    s = shift_summary(desk, "tl1")
    assert s.overdue_total == 1 and [i.id for i in s.overdue] == [shift["late"]]
    handed = {i.id: i.next_action_at for i in s.handover}
    assert set(handed) == {shift["late"], shift["review"], shift["system"], shift["arrears"]} and s.handover_total == 4
    assert handed[shift["arrears"]] == datetime(2026, 9, 25, 7, 0, tzinfo=UTC)  # E1: COB today
    assert [i.next_action_at for i in s.handover] == sorted(handed.values())  # soonest first


def test_x1_explicit_window_in_site_local_time(desk: Desk, shift) -> None:
    s = shift_summary(desk, "sp1", start="2026-09-25T08:00", end="2026-09-25T08:20")
    assert (s.start, s.end) == (OPEN, datetime(2026, 9, 24, 22, 20, tzinfo=UTC))
    assert s.contacts_total == 2
    with pytest.raises(ValidationError, match="from"):
        shift_summary(desk, "sp1", start="2026-09-25T10:00", end="2026-09-25T08:00")
    with pytest.raises(ValidationError, match="to"):
        shift_summary(desk, "sp1", end="yesterday")


def test_r6_shift_summary_refused_to_so_and_tps_with_the_reason(desk: Desk, shift) -> None:
    for logon in ("so1", "tps1"):
        with pytest.raises(PermissionDenied, match=r"R4, R6.*Team Leader"):
            shift_summary(desk, logon)
    for logon in ("tl1", "sp1", "sso1"):
        assert shift_summary(desk, logon).site == "SYD"
    with pytest.raises(PermissionDenied, match="another Centre"):
        shift_summary(desk, "tl1", site="BNE")
    assert shift_summary(desk, "crtl1", site="bne").site == "BNE"


@pytest.mark.parametrize("fmt", export.TEXT_FORMATS)
def test_x2_exports_mask_crns_by_default_even_in_free_text(desk: Desk, shift, fmt: str) -> None:
    s = shift_summary(desk, "tl1")
    masked = export.render(s, fmt)
    in_text = () if fmt == "csv" else (CRN_IN_TEXT,)  # CSV carries no free text
    for crn in (CRN_LATE, CRN_REVIEW, CRN_SYSTEM, CRN_ARREARS, *in_text):
        assert crn not in masked and "******" + crn[-4:] in masked
    assert "987 654 321Z" not in masked
    full = export.render(s, fmt, full_identifiers=True)
    assert all(crn in full for crn in (CRN_LATE, CRN_REVIEW, CRN_SYSTEM, CRN_ARREARS))


def test_x2_full_identifier_export_is_recorded_masked_is_not(desk: Desk, shift) -> None:
    s = shift_summary(desk, "tl1")
    export.export(desk, "tl1", s, "csv")
    with desk.store.read() as session:
        assert session.exec(select(Event).where(Event.kind == EXPORT_EVENT)).all() == []
    export.export(desk, "tl1", s, "md", full_identifiers=True)
    with desk.store.read() as session:
        events = session.exec(select(Event).where(Event.kind == EXPORT_EVENT)).all()
        tl = session.exec(select(Staff).where(Staff.logon == "tl1")).one()
    assert len(events) == 1 and events[0].actor_id == tl.id and events[0].at == NOW
    detail = json.loads(events[0].detail)
    assert detail["site"] == "SYD" and detail["format"] == "md"
    assert datetime.fromisoformat(detail["start"]) == OPEN and datetime.fromisoformat(detail["end"]) == NOW


def test_x1_renderers_hold_every_section(desk: Desk, shift) -> None:
    s = shift_summary(desk, "tl1")
    data = json.loads(export.to_json(s))
    assert data["identifiers"] == "masked" and data["contacts"]["total"] == 5 and data["overdue"]["total"] == 1
    assert data["from"] == "2026-09-25T08:00:00+10:00"  # shown in the site's zone
    rows = list(csv.DictReader(io.StringIO(export.to_csv(s))))
    assert {r["section"] for r in rows} == {"window", "contacts", "escalations", "stop-payment", "overdue", "handover"}
    text = export.to_text(s)
    for words in (
        "Contacts: 5",
        "Stop-payment requests: 2",
        "Overdue at the end of the shift: 1",
        "Handed over to the next shift: 4",
    ):
        assert words in text
    assert "## Handed over to the next shift (4)" in export.to_markdown(s)


def test_x2_csv_cells_never_run_as_formulas(desk: Desk, shift) -> None:
    with desk.store.write() as session:
        tps = session.exec(select(Staff).where(Staff.logon == "tps2")).one()
        tps.logon = "=HYPERLINK(1)"
    rows = list(csv.DictReader(io.StringIO(export.to_csv(shift_summary(desk, "tl1")))))
    assert "'=HYPERLINK(1)" in {r["tps"] for r in rows}


def test_x1_x2_summary_command_masked_json_and_recorded_full_file(
    desk: Desk, shift, db_url: str, tmp_path: Path
) -> None:
    db = db_url.removeprefix("sqlite:///")
    data = ok_json(run("summary", "--json", db=db, user="tl1"))
    assert data["site"] == "SYD" and data["contacts"]["total"] == 5 and CRN_LATE not in json.dumps(data)
    out = tmp_path / "shift.csv"
    done = run("summary", "--format", "csv", "--full-identifiers", "--out", str(out), db=db, user="tl1")
    assert done.returncode == 0, done.stderr
    assert CRN_LATE in out.read_text() and stat.S_IMODE(out.stat().st_mode) == 0o600
    with desk.store.read() as session:
        assert len(session.exec(select(Event).where(Event.kind == EXPORT_EVENT)).all()) == 1
    fails(run("summary", db=db, user="tps1"), 3, "Team Leader")
    fails(run("summary", "--from", "2026-09-25T10:00", "--to", "2026-09-25T09:00", db=db, user="tl1"), 2, "from")
