"""Every filter and sort the screens offer is served by an index (issue: flat at a million).

Each service read runs against a demo floor with planner statistics (ANALYZE), its SQL is
captured as executed, and SQLite's EXPLAIN QUERY PLAN must not scan the escalation or event
table. A scan is what grows with the floor: an index range stays flat.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import OWNER, START
from sqlalchemy import event

from tpsdesk import demo, textsearch
from tpsdesk.clock import FakeClock
from tpsdesk.domain.schedule import FAR_FUTURE
from tpsdesk.policy import load_policy
from tpsdesk.services import escalations as esc
from tpsdesk.services.desk import Desk
from tpsdesk.store import Store

SCAN = re.compile(r"\bSCAN (escalation|event)\b(?!_fts)")
WHOLE_CENTRE = re.compile(r"SEARCH escalation USING (COVERING )?INDEX \w+ \(centre_id=\?\)$", re.MULTILINE)
END_KEY = (10**6, FAR_FUTURE, 2**62)  # after every row: the queue's End key


@pytest.fixture(scope="module")
def floor_desk(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Iterator[Desk]:
    path = tmp_path_factory.mktemp("plans") / "plans.db"
    shutil.copy(template_db, path)
    store = Store(f"sqlite:///{path}")
    desk = Desk(store, policy=load_policy(use_override=False), clock=FakeClock(START))
    demo.generate(desk, who=OWNER, size=3000, seed=5, bulk=True)  # bulk: ANALYZE at the end
    yield desk
    store.dispose()


def captured(desk: Desk, run: Callable[[], Any], tables: str = "escalation|event") -> list[tuple[str, Any]]:
    """The statements ``run`` sent that read ``tables`` (escalations or events), with their parameters."""
    seen: list[tuple[str, Any]] = []

    def listen(_conn: Any, _cursor: Any, statement: str, params: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and re.search(rf"\b({tables})\b", statement):
            seen.append((statement, params))

    event.listen(desk.store.engine, "before_cursor_execute", listen)
    try:
        run()
    finally:
        event.remove(desk.store.engine, "before_cursor_execute", listen)
    assert seen, "the call read no escalations: the test would prove nothing"
    return seen


def plans(desk: Desk, run: Callable[[], Any], tables: str = "escalation|event") -> list[str]:
    """EXPLAIN QUERY PLAN of each statement ``run`` sent, one text per statement."""
    out = []
    with desk.store.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        for statement, params in captured(desk, run, tables):
            rows = raw.execute("EXPLAIN QUERY PLAN " + statement, params).fetchall()
            out.append("\n".join(str(r[-1]) for r in rows))
    return out


def no_scan(desk: Desk, run: Callable[[], Any]) -> list[str]:
    found = plans(desk, run)
    for plan in found:
        assert not SCAN.search(plan), f"a full scan grows with the floor:\n{plan}"
    return found


LOGONS = ("sp1", "tps1", "tl1", "so1")
FILTERS = {
    "open": esc.Filters(),
    "all": esc.Filters(status="all"),
    "new": esc.Filters(status="new"),
    "awaiting-follow-up": esc.Filters(status="awaiting-follow-up"),
    "category": esc.Filters(category="death"),
    "unclaimed": esc.Filters(owner="none"),
    "mine": esc.Filters(mine=True),
    "overdue": esc.Filters(overdue=True),
    "site": esc.Filters(site="ADL"),
    "owner": esc.Filters(owner="sp2"),
}


def _known(desk: Desk, logon: str) -> bool:
    try:
        esc.count(desk, logon)
    except Exception:
        return False
    return True


@pytest.mark.parametrize("name", list(FILTERS))
@pytest.mark.parametrize("logon", LOGONS)
def test_q_every_queue_filter_is_an_index_range_first_page_end_and_count(floor_desk, logon, name) -> None:
    if not _known(floor_desk, logon):
        pytest.skip(f"the demo floor has no {logon}")
    f = FILTERS[name]
    first = no_scan(floor_desk, lambda: esc.list_page(floor_desk, logon, f, limit=60))
    end = no_scan(floor_desk, lambda: esc.page_before(floor_desk, logon, f, END_KEY, limit=60))
    counted = no_scan(floor_desk, lambda: esc.count(floor_desk, logon, f))
    if name != "all":
        # A filter is a range of its own index: never the whole Centre's rows tested one by one.
        # Awaiting follow-up spans several statuses: on this small floor the planner walks the
        # queue for its page (at a million it takes the status index), but never for its count.
        read = (*first, *end, *counted) if name != "awaiting-follow-up" else counted
        for plan in read:
            assert not WHOLE_CENTRE.search(plan), f"{name} reads every row of the Centre:\n{plan}"
    if name in ("open", "category", "unclaimed", "site", "overdue") and logon == "sp1":
        # End starts at the last open row: the open ranks only, not a walk back through closed items.
        assert any("rank=?" in p for p in end), end


def test_q_category_count_is_a_range_of_the_centre_category_index(floor_desk) -> None:
    [plan] = plans(floor_desk, lambda: esc.count(floor_desk, "sp1", FILTERS["category"]))
    assert "ix_escalation_centre_category_queue (centre_id=? AND category=?" in plan, plan


@pytest.mark.parametrize("typed", ["payment", "Pay", "zz-no-such-words", "123456", "42"])
@pytest.mark.parametrize("logon", ("sp1", "tps1"))
def test_q_text_search_rows_and_count_use_the_search_index(floor_desk, logon, typed) -> None:
    f = esc.Filters(status="all", text=typed)
    rows = no_scan(floor_desk, lambda: esc.list_page(floor_desk, logon, f, limit=60))
    counted = no_scan(floor_desk, lambda: esc.count(floor_desk, logon, f))
    if len(typed) >= textsearch.MIN_CHARS:  # shorter text is a substring test within the other filters
        for plan in (*rows, *counted):
            assert f"{textsearch.FTS_TABLE} VIRTUAL TABLE" in plan, plan


def test_q_overdue_lookup_and_calendar_range_use_indexes(floor_desk) -> None:
    start = datetime(2026, 9, 1, tzinfo=UTC)
    end = start + timedelta(days=31)
    for logon in ("sp1", "tps1"):
        no_scan(floor_desk, lambda logon=logon: esc.overdue(floor_desk, logon, limit=100))
        no_scan(floor_desk, lambda logon=logon: esc.between(floor_desk, logon, start, end))


@pytest.mark.parametrize("name", ["none", "mine", "site", "owner", "unclaimed"])
@pytest.mark.parametrize("logon", ("sp1", "tps1"))
def test_q_calendar_feed_window_and_revisions_use_indexes(floor_desk, logon, name) -> None:
    """The feed's read (``calendar.window``: the calendar's rows narrowed by the queue's
    filters, and each item's revision from ``event`` by escalation id) scans no table."""
    from datetime import date

    from tpsdesk.services import calendar as cal_svc

    f = None if name == "none" else FILTERS[name]
    found = no_scan(floor_desk, lambda: cal_svc.window(floor_desk, logon, date(2026, 9, 25), date(2026, 10, 26), f))
    if logon == "sp1" and name == "none":
        assert any("ix_event_escalation_id" in p for p in found), found


def _centre_summaries(desk: Desk, logon: str) -> dict[int, str]:
    with desk.store.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        sql = "SELECT id, summary FROM escalation WHERE centre_id = (SELECT centre_id FROM staff WHERE logon = ?)"
        return dict(raw.execute(sql, (logon,)).fetchall())


def test_q_search_finds_what_a_substring_test_finds_in_any_case(floor_desk) -> None:
    """The index answers exactly the rule it replaces: the summary contains the text, any case."""
    summaries = _centre_summaries(floor_desk, "sp1")
    words = sorted({w for s in summaries.values() for w in s.split() if len(w) >= 5})
    for word in (words[0], words[len(words) // 2], words[-1][1:4]):
        expected = {i for i, s in summaries.items() if word.lower() in s.lower()}
        f = esc.Filters(status="all", text=word.upper())
        assert esc.count(floor_desk, "sp1", f) == len(expected) > 0
        assert {v.id for v in esc.list_page(floor_desk, "sp1", f, limit=200)} <= expected


def test_q_search_follows_a_changed_summary(floor_desk) -> None:
    """The triggers keep the index in step with the table: an edited summary is found by its new text."""
    some = min(_centre_summaries(floor_desk, "sp1"))
    f = esc.Filters(status="all", text="quokkaflavoured")
    assert esc.count(floor_desk, "sp1", f) == 0
    with floor_desk.store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE escalation SET summary = 'Quokkaflavoured rate' WHERE id = ?", (some,))
    assert [v.id for v in esc.list_page(floor_desk, "sp1", f)] == [some]
    assert esc.count(floor_desk, "sp1", esc.Filters(status="all", text="rate quokka")) == 0


def test_t1_dashboard_reads_no_table_scan_and_counts_from_indexes(floor_desk) -> None:
    """Every dashboard figure is an index range (T1): no scan of escalation or event, and the
    grouped counts read a covering index, never the table rows of the Centre."""
    from tpsdesk.services import dashboard

    found = no_scan(floor_desk, lambda: dashboard.floor_dashboard(floor_desk, "tl1"))
    grouped = [p for p in found if "GROUP BY" in p or "COVERING" in p]
    assert grouped and all("COVERING INDEX" in p for p in grouped if "SEARCH escalation" in p), grouped


def test_x1_shift_summary_reads_index_ranges_and_counts_from_covering_indexes(floor_desk) -> None:
    """The shift summary (X1) of a window with contacts, raises, finalisations and referrals:
    no scan of escalation, event or contact, and every grouped count from a covering index,
    so the summary of one shift costs the same on a floor of any size."""
    from tpsdesk.services import summaries

    day = START.date()
    start, end = f"{day - timedelta(days=3)}T08:00", f"{day}T17:00"
    got = summaries.shift_summary(floor_desk, "tl1", start=start, end=end)
    assert got.contacts_total and got.escalations and got.handover_total  # the window holds data
    assert any(c.finalised for c in got.escalations) and any(c.referred for c in got.escalations)
    found = plans(
        floor_desk,
        lambda: summaries.shift_summary(floor_desk, "tl1", start=start, end=end),
        "escalation|event|contact|stop_payment_doc",
    )
    for plan in found:
        assert not re.search(r"\bSCAN (escalation|event|contact|stop_payment_doc)\b", plan), (
            f"a full scan grows with the floor:\n{plan}"
        )
    grouped = [p for p in found if "GROUP BY" in p]
    assert len(grouped) >= 4, found  # contacts, and raised / finalised / referred by category
    assert all("COVERING INDEX" in p for p in grouped), grouped
    listed = [p for p in found if "ORDER BY" in p or "next_action_at" in p]
    assert all("TEMP B-TREE FOR ORDER BY" not in p for p in listed), listed  # listed in index order


def test_x1_items_open_at_end_of_shift_are_listed_by_next_action_with_none_last(floor_desk) -> None:
    """The overdue and handover lists (X1) hold the first items by next action, those with no
    next action after every timed one, and the totals count them all."""
    from tpsdesk.services import summaries

    got = summaries.shift_summary(floor_desk, "tl1", limit=30)
    assert got.handover_total >= len(got.handover) and len(got.handover) == min(30, got.handover_total)
    times = [i.next_action_at for i in got.handover]
    timed = [t for t in times if t is not None]
    assert timed == sorted(timed) and times[: len(timed)] == timed  # None only after the timed ones
    every = summaries.shift_summary(floor_desk, "tl1", limit=100_000)
    assert [i.id for i in every.handover[:30]] == [i.id for i in got.handover]
    assert len(every.handover) == every.handover_total
    assert every.overdue_total == sum(1 for i in every.handover if i.next_action_at and i.next_action_at < every.end)


def test_e12_calendar_grid_and_day_first_entries_are_index_ranges(floor_desk) -> None:
    """The month's day counts are one index range per day and kind of entry, and a day's
    first entries walk each kind's index in order: nothing scans the escalation table."""
    from tpsdesk.services import calendar

    today = floor_desk.now().date()
    for logon in ("sp1", "tl1", "tps1"):
        grid = no_scan(floor_desk, lambda logon=logon: calendar.month_grid(floor_desk, logon, today.year, today.month))
        assert all("INDEX" in p for p in grid)
        no_scan(floor_desk, lambda logon=logon: calendar.day_agenda(floor_desk, logon, today, limit=30))
