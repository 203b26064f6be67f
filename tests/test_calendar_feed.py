"""Calendar feeds (``tpsdesk calendar export``, ``services.feeds``): the follow-up calendar's
due entries as RFC 5545 (E1, E3, E9, E12, E13, C6, C7, C9, C10, R1, X2), parsed back with icalendar."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cli_helpers import fails, invoke, run
from conftest import OWNER, START
from icalendar import Calendar
from sqlmodel import col, select
from test_calendar_service import refer, stop_payment_doc

from tpsdesk import demo
from tpsdesk.clock import FakeClock
from tpsdesk.models import Escalation, Event, Staff
from tpsdesk.policy import load_policy
from tpsdesk.services import escalations as esc_svc
from tpsdesk.services import feeds
from tpsdesk.services.desk import Desk
from tpsdesk.services.escalations import Filters
from tpsdesk.services.summaries import EXPORT_EVENT
from tpsdesk.store import Store

CRN = "123456789A"
SPACED = "123 456 789a"  # a form the CRN parser accepts, typed into free text (X2)
SEP25, OCT26 = date(2026, 9, 25), date(2026, 10, 26)
SYDNEY = ZoneInfo("Australia/Sydney")


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def events(cal: Calendar) -> dict[str, Any]:
    """UID -> VEVENT."""
    out = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert len(out) == len(cal.walk("VEVENT")), "two events share a UID"
    return out


def instant(event: Any) -> datetime:
    return event.decoded("DTSTART").astimezone(UTC)


def export(desk: Desk, logon: str, first: date = SEP25, last: date = OCT26, **kw: Any) -> Calendar:
    return parse(feeds.feed(desk, logon, first, last, **kw).data)


@pytest.fixture
def floor_db(desk: Desk, db_url: str, floor) -> str:
    return db_url


# ---------------------------------------------------------------- a seeded floor
@pytest.fixture(scope="module")
def demo_desk(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Iterator[Desk]:
    path = tmp_path_factory.mktemp("feed") / "demo.db"
    shutil.copy(template_db, path)
    store = Store(f"sqlite:///{path}")
    desk = Desk(store, policy=load_policy(use_override=False), clock=FakeClock(START))
    demo.generate(desk, who=OWNER, size=600, seed=7, bulk=True)
    yield desk
    store.dispose()


def expected_from_database(desk: Desk, logon: str, first: date, last: date) -> dict[str, datetime]:
    """UID -> instant of every due entry, read straight from the table (E12, E13): the open
    items of the viewer's Centre (an SP sees the whole Centre, R3) with a deadline, a follow-up
    or a progress check on the viewer's local days ``first`` to ``last`` (Sydney)."""
    start = datetime.combine(first, time(0), SYDNEY).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), SYDNEY).astimezone(UTC)
    out: dict[str, datetime] = {}
    with desk.store.read() as session:
        viewer = session.exec(select(Staff).where(Staff.logon == logon)).one()
        rows = session.exec(
            select(Escalation).where(Escalation.centre_id == viewer.centre_id, Escalation.closed == False)  # noqa: E712
        ).all()
        for e in rows:
            if e.due_at is not None and start <= e.due_at < end:
                out[f"esc-{e.id}-due@tpsdesk"] = e.due_at
            nxt = e.next_follow_up_at if e.next_follow_up_at is not None else None
            if nxt is None and e.next_action_kind in ("progress-check", "record-update"):
                nxt = e.next_action_at
            if nxt is not None and nxt != e.due_at and start <= nxt < end:
                out[f"esc-{e.id}-next@tpsdesk"] = nxt
    return out


def test_e12_one_event_per_due_item_matching_the_database_on_a_seeded_floor(demo_desk: Desk) -> None:
    cal = export(demo_desk, "sp1")
    got = {uid: instant(e) for uid, e in events(cal).items()}
    want = expected_from_database(demo_desk, "sp1", SEP25, OCT26)
    assert len(want) > 50  # the floor has plenty due in the window: the test proves something
    assert got == want


def test_e12_uids_are_stable_across_exports_and_distinct_per_item(demo_desk: Desk) -> None:
    first = feeds.feed(demo_desk, "sp1", SEP25, OCT26).data
    again = feeds.feed(demo_desk, "sp1", SEP25, OCT26).data
    assert first == again  # same floor, same clock: the same file, byte for byte
    uids = list(events(parse(first)))
    assert len(uids) == len(set(uids))
    assert all(u.startswith("esc-") and u.endswith(("-due@tpsdesk", "-next@tpsdesk")) for u in uids)


def test_e12_a_change_keeps_the_uid_and_raises_sequence_and_last_modified(desk: Desk, floor, clock) -> None:
    v = esc_svc.raise_escalation(desk, floor.tps, category="policy", summary="reference conflict")
    before = events(export(desk, floor.sp))[f"esc-{v.id}-next@tpsdesk"]
    clock.set(START + timedelta(hours=2))
    esc_svc.claim(desk, floor.sp, v.id)
    refer(desk, floor.sp, v.id)
    esc_svc.add_note(desk, floor.sp, v.id, "rang the policy advisor")
    after_all = events(export(desk, floor.sp))
    assert set(after_all) == {f"esc-{v.id}-next@tpsdesk"}  # moved, not duplicated
    after = after_all[f"esc-{v.id}-next@tpsdesk"]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("LAST-MODIFIED") > before.decoded("LAST-MODIFIED")
    with desk.store.read() as session:
        changes = len(session.exec(select(Event).where(Event.escalation_id == v.id)).all())
    assert int(after["SEQUENCE"]) == changes - 1  # D3: the history only grows
    assert after.decoded("DTSTAMP") == clock.now


# ---------------------------------------------------------------- time zones (C1, C9, C10)
def test_c9_vtimezone_for_each_zone_used_and_dtstart_carries_its_tzid(desk: Desk, floor) -> None:
    syd = esc_svc.raise_escalation(desk, floor.tps, category="death", crn=CRN)
    per = esc_svc.raise_escalation(desk, floor.per_sp, category="review", crn=CRN)
    cal = export(desk, floor.sp)
    zones = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    assert zones == {"Australia/Sydney", "Australia/Perth"}
    got = events(cal)
    death, review = got[f"esc-{syd.id}-due@tpsdesk"], got[f"esc-{per.id}-next@tpsdesk"]
    assert death["DTSTART"].params["TZID"] == "Australia/Sydney"
    assert review["DTSTART"].params["TZID"] == "Australia/Perth"  # the raising site's calendar (C9)
    assert b"DTSTART;TZID=Australia/Sydney:20260926T100000" in cal.to_ical()


def _via_vtimezone(cal: Calendar, event: Any) -> datetime:
    """The instant a calendar app computes from the file alone: DTSTART's wall time read
    through the file's own VTIMEZONE (not the system's zone database)."""
    tzid = str(event["DTSTART"].params["TZID"])
    [component] = [tz for tz in cal.walk("VTIMEZONE") if str(tz["TZID"]) == tzid]
    wall = event.decoded("DTSTART").replace(tzinfo=None)
    return wall.replace(tzinfo=component.to_tz()).astimezone(UTC)


@pytest.mark.parametrize(
    ("raised", "due", "wall"),
    [
        # Sat 3 Oct 10:00 AEST + 24 real hours (C4) across the start of daylight saving: 11:00 AEDT.
        (datetime(2026, 10, 3, 0, 0, tzinfo=UTC), datetime(2026, 10, 4, 0, 0, tzinfo=UTC), (11, 0)),
        # Sat 4 Apr 2027 10:00 AEDT + 24 hours across its end: Sun 09:00 AEST.
        (datetime(2027, 4, 2, 23, 0, tzinfo=UTC), datetime(2027, 4, 3, 23, 0, tzinfo=UTC), (9, 0)),
    ],
)
def test_c4_c10_a_deadline_across_a_dst_change_has_the_right_utc_instant(
    desk: Desk, floor, clock, raised: datetime, due: datetime, wall: tuple[int, int]
) -> None:
    clock.set(raised)
    v = esc_svc.raise_escalation(desk, floor.tps, category="death", crn=CRN)
    day = raised.astimezone(SYDNEY).date()
    cal = export(desk, floor.sp, day, day + timedelta(days=3))
    event = events(cal)[f"esc-{v.id}-due@tpsdesk"]
    assert instant(event) == due
    local = event.decoded("DTSTART")
    assert (local.hour, local.minute) == wall
    assert _via_vtimezone(cal, event) == due


@pytest.mark.parametrize("site", ["BNE"])
def test_c2_a_zone_without_daylight_saving_has_its_vtimezone(desk: Desk, floor, site: str) -> None:
    v = esc_svc.raise_escalation(desk, floor.cr_tps, category="death", crn=CRN)
    cal = export(desk, floor.cr_sso)
    event = events(cal)[f"esc-{v.id}-due@tpsdesk"]
    assert event["DTSTART"].params["TZID"] == "Australia/Brisbane"
    assert _via_vtimezone(cal, event) == instant(event) == START + timedelta(hours=24)


# ---------------------------------------------------------------- alarms (C6, C7)
def test_c6_alarm_only_on_deadlines_due_at_cob(desk: Desk, floor) -> None:
    arrears = esc_svc.raise_escalation(
        desk, floor.tps, category="arrears", crn=CRN, doc_id=stop_payment_doc(desk, floor.tps)
    )
    esc_svc.claim(desk, floor.sp, arrears.id)
    refer(desk, floor.sp, arrears.id)  # a follow-up too: it has no alarm
    death = esc_svc.raise_escalation(desk, floor.tps, category="death", crn=CRN)
    got = events(export(desk, floor.sp))
    stop = got[f"esc-{arrears.id}-due@tpsdesk"]
    [alarm] = stop.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == -feeds.ALARM_LEAD
    assert instant(stop) == datetime(2026, 9, 25, 7, 0, tzinfo=UTC)  # 17:00 AEST, COB (C6)
    for uid in (f"esc-{arrears.id}-next@tpsdesk", f"esc-{death.id}-due@tpsdesk"):
        assert got[uid].walk("VALARM") == [], uid


def test_c7_a_date_deadline_due_at_cob_has_an_alarm(desk: Desk, floor) -> None:
    fcso = esc_svc.raise_escalation(
        desk, floor.tps, category="fcso", crn=CRN, raised_at=datetime(2026, 9, 11, 0, 0, tzinfo=UTC)
    )
    refer(desk, floor.sp, fcso.id)  # E4: the 15th day applies once referred to ICT
    event = events(export(desk, floor.sp))[f"esc-{fcso.id}-due@tpsdesk"]
    assert len(event.walk("VALARM")) == 1


# ---------------------------------------------------------------- X2
def _unfolded(data: bytes) -> str:
    return data.decode().replace("\r\n ", "")


def test_x2_crns_masked_in_every_property_and_free_text(desk: Desk, floor) -> None:
    v = esc_svc.raise_escalation(desk, floor.tps, category="death", crn=CRN, summary=f"partner {SPACED} and crn{CRN}")
    data = feeds.feed(desk, floor.sp, SEP25, OCT26).data
    text = _unfolded(data)
    for form in ("123456789", "123 456 789", "456789"):
        assert form not in text
    event = events(parse(data))[f"esc-{v.id}-due@tpsdesk"]
    for name, value in event.property_items():
        assert "456789" not in str(value), name
    assert "CRN: ******789A" in str(event["DESCRIPTION"])
    assert "partner ******789A and crn******789A" in str(event["DESCRIPTION"])


def test_x2_full_identifiers_show_the_crn_and_are_recorded_in_the_history(floor_db: str, desk: Desk, tmp_path) -> None:
    esc_svc.raise_escalation(desk, "tps1", category="death", crn=CRN, summary=f"partner {SPACED}")
    out = tmp_path / "full.ics"
    proc = invoke("calendar", "export", "--full-identifiers", "--out", str(out), db=floor_db, user="sp1")
    assert proc.returncode == 0, proc.stderr
    assert "CRN: 123456789A" in _unfolded(out.read_bytes())
    with desk.store.read() as session:
        [event] = session.exec(select(Event).where(Event.kind == EXPORT_EVENT)).all()
    assert '"format": "ics"' in event.detail and str(out.resolve()) in event.detail
    masked = invoke("calendar", "export", db=floor_db, user="sp1")
    assert masked.returncode == 0 and "123456789" not in masked.stdout
    with desk.store.read() as session:  # a masked export is not recorded
        assert len(session.exec(select(Event).where(Event.kind == EXPORT_EVENT)).all()) == 1


# ---------------------------------------------------------------- who sees what (R1, R3) and filters
def test_r1_an_so_exports_only_their_own_items(desk: Desk, floor) -> None:
    mine = esc_svc.raise_escalation(
        desk, floor.so, category="arrears", crn=CRN, doc_id=stop_payment_doc(desk, floor.so)
    )
    esc_svc.raise_escalation(desk, floor.tps, category="death", crn=CRN)
    assert {int(e["X-TPSDESK-ESCALATION"]) for e in export(desk, floor.so).walk("VEVENT")} == {mine.id}


def test_filters_mine_owner_site_narrow_the_feed(floor_db: str, desk: Desk) -> None:
    a = esc_svc.raise_escalation(desk, "tps1", category="death", crn=CRN)
    b = esc_svc.raise_escalation(desk, "tps1", category="death", crn=CRN)
    c = esc_svc.raise_escalation(desk, "sp_per", category="review", crn=CRN)
    esc_svc.claim(desk, "sp1", a.id)
    esc_svc.claim(desk, "sp_per", c.id)

    def ids(*args: str) -> set[int]:
        proc = invoke("calendar", "export", *args, db=floor_db, user="sp1")
        assert proc.returncode == 0, proc.stderr
        return {int(e["X-TPSDESK-ESCALATION"]) for e in parse(proc.stdout.encode()).walk("VEVENT")}

    assert ids() == {a.id, b.id, c.id}
    assert ids("--mine") == {a.id}
    assert ids("--owner", "sp_per") == {c.id}
    assert ids("--owner", "none") == {b.id}
    assert ids("--site", "per") == {c.id}
    assert ids("--site", "SYD", "--mine") == {a.id}
    assert ids("--from", "2026-10-01", "--to", "2026-10-31") == {c.id}  # review follows up on 2 Oct


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--from", "2026-02-30"), ("--from", "not a date")),
        (("--to", "tomorrow"), ("--to", "not a date")),
        (("--from", "2026-10-10", "--to", "2026-10-01"), ("--to", "before --from")),
        (("--to", "2026-09-01"), ("--to", "before --from")),  # --from defaults to today
        (("--from", "2026-01-01", "--to", "2027-06-01"), ("--to", "at most 366 days")),
        (("--site", "XXX"), ("--site", "no site")),
        (("--owner", "nobody"), ("--owner", "no staff member")),
        (("--mine", "--owner", "sp1"), ("--owner", "not both")),
        (("--format", "csv"), ("--format",)),
        (("--from", "0001-01-01"), ("--from", "1900")),
    ],
)
def test_validation_errors_are_one_line_and_nothing_is_written(
    floor_db: str, tmp_path, args: tuple[str, ...], words: tuple[str, ...]
) -> None:
    out = tmp_path / "never.ics"
    fails(invoke("calendar", "export", *args, "--out", str(out), db=floor_db, user="sp1"), 2, *words)
    assert not out.exists()


# ---------------------------------------------------------------- files (X2)
def test_x2_out_refuses_a_file_that_is_not_an_export_and_leaves_it_unchanged(floor_db: str, desk: Desk, tmp_path) -> None:
    esc_svc.raise_escalation(desk, "tps1", category="death", crn=CRN)
    theirs = tmp_path / "work.ics"
    other = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Someone//Their calendar//EN\r\nEND:VCALENDAR\r\n"
    theirs.write_bytes(other)
    fails(
        invoke("calendar", "export", "--out", str(theirs), "--full-identifiers", db=floor_db, user="sp1"),
        2,
        "not an export tpsdesk wrote",
    )
    assert theirs.read_bytes() == other
    with desk.store.read() as session:  # refused before anything was recorded
        assert session.exec(select(Event).where(Event.kind == EXPORT_EVENT)).all() == []
    db_path = floor_db.removeprefix("sqlite:///")
    fails(invoke("calendar", "export", "--out", db_path, db=floor_db, user="sp1"), 2, "database")


def test_x2_out_writes_0600_and_replaces_its_own_feed(floor_db: str, desk: Desk, tmp_path) -> None:
    esc_svc.raise_escalation(desk, "tps1", category="death", crn=CRN)
    out = tmp_path / "feed.ics"
    proc = run("calendar", "export", "--out", str(out), db=floor_db, user="sp1")  # end to end, a process
    assert proc.returncode == 0, proc.stderr
    assert "1 due items" in proc.stderr and str(out) in proc.stderr
    assert os.stat(out).st_mode & 0o777 == 0o600
    assert feeds.is_export(out.read_bytes()[:4096])
    esc_svc.raise_escalation(desk, "tps1", category="death", crn=CRN)
    assert invoke("calendar", "export", "--out", str(out), db=floor_db, user="sp1").returncode == 0
    assert len(parse(out.read_bytes()).walk("VEVENT")) == 2


def test_default_window_is_today_to_31_days_at_the_viewers_site(desk: Desk, floor, clock) -> None:
    clock.set(datetime(2026, 9, 30, 15, 0, tzinfo=UTC))  # already 1 Oct in Sydney, still 30 Sep in Perth
    assert feeds.default_window(desk, floor.sp) == (date(2026, 10, 1), date(2026, 11, 1))
    assert feeds.default_window(desk, floor.per_sp) == (date(2026, 9, 30), date(2026, 10, 31))


def test_export_month_writes_the_named_file(desk: Desk, floor, tmp_path) -> None:
    v = esc_svc.raise_escalation(desk, floor.tps, category="death", crn=CRN)
    made, written = feeds.export_month(desk, floor.sp, 2026, 9, tmp_path)
    assert Path(written) == tmp_path / "tpsdesk-SYD-2026-09.ics"
    assert made.events == 1 and made.first == date(2026, 9, 1) and made.last == date(2026, 9, 30)
    assert set(events(parse(Path(written).read_bytes()))) == {f"esc-{v.id}-due@tpsdesk"}


def test_filters_from_the_queue_only_narrow_what_r1_allows(desk: Desk, floor) -> None:
    """An SO asking for another's items gets none: the filter narrows the visible set (R1, R5)."""
    other = esc_svc.raise_escalation(desk, floor.tps, category="death", crn=CRN)
    esc_svc.claim(desk, floor.sp, other.id)
    assert export(desk, floor.so, filters=Filters(owner=floor.sp)).walk("VEVENT") == []
    with desk.store.read() as session:
        assert session.exec(select(col(Escalation.id))).all() == [other.id]
