"""Follow-up calendar (F5): keys move the day cursor, the agenda lists the day's items,
Enter opens the escalation (E3, E4, E9, E10, E12, C3, R1)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from textual.widgets import DataTable

from screens import app as app_module
from screens.calendar import CalendarScreen
from screens.widgets.agenda import AgendaScreen
from screens.widgets.month_grid import MonthGrid
from tests.test_calendar_service import refer, set_eped, stop_payment_doc
from tpsdesk.services import escalations as esc_svc

CRN = "123456789A"
HOSTILE = "[/] [bold]x [0] trailing\\"


@pytest.fixture(autouse=True)
def home_is_calendar(monkeypatch) -> None:
    """Start every role on the calendar, so these tests do not depend on other screens."""
    for role in list(app_module.HOME_BY_ROLE):
        monkeypatch.setitem(app_module.HOME_BY_ROLE, role, "calendar")


async def open_calendar(app, pilot) -> CalendarScreen:
    await pilot.pause()
    await pilot.press("f5")
    await settle(app, pilot)
    assert isinstance(app.screen, CalendarScreen)
    return app.screen


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_c1_calendar_opens_on_today_of_the_fake_clock(make_app) -> None:
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_calendar(app, pilot)
        assert screen.cursor == date(2026, 9, 25)
        assert screen.data is not None and screen.data.today == date(2026, 9, 25)


async def test_arrows_hjkl_pages_and_t_move_the_cursor(make_app) -> None:
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_calendar(app, pilot)
        steps = [
            ("right", date(2026, 9, 26)),
            ("l", date(2026, 9, 27)),
            ("down", date(2026, 10, 4)),
            ("j", date(2026, 10, 11)),
            ("up", date(2026, 10, 4)),
            ("k", date(2026, 9, 27)),
            ("left", date(2026, 9, 26)),
            ("h", date(2026, 9, 25)),
            ("pagedown", date(2026, 10, 25)),
            ("pagedown", date(2026, 11, 25)),
            ("pageup", date(2026, 10, 25)),
            ("t", date(2026, 9, 25)),
            ("pageup", date(2026, 8, 25)),
        ]
        for key, expected in steps:
            await pilot.press(key)
            assert screen.cursor == expected, key


async def test_t_follows_the_clock(make_app, clock) -> None:
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_calendar(app, pilot)
        clock.set(datetime(2026, 12, 31, 14, 0, tzinfo=UTC))  # 1 Jan 2027 01:00 in Sydney
        await pilot.press("t")
        assert screen.cursor == date(2027, 1, 1)


async def test_page_down_clamps_to_month_end_and_loads_that_month(make_app) -> None:
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_calendar(app, pilot)
        for _ in range(6):
            await pilot.press("right")  # 1 Oct
        await pilot.press("pageup", "pageup")  # 1 Aug
        await pilot.press("left")  # 31 Jul
        await pilot.press("pagedown")  # 31 Aug
        await pilot.press("pagedown")  # 30 Sep (clamped)
        assert screen.cursor == date(2026, 9, 30)
        await settle(app, pilot)
        assert screen.data is not None and (screen.data.year, screen.data.month) == (2026, 9)


async def test_e4_e9_e10_due_items_appear_on_their_days(make_app, desk, floor) -> None:
    fcso = esc_svc.raise_escalation(desk, "tps1", category="fcso", crn=CRN)  # day 15 = Fri 9 Oct
    refer(desk, "sp1", fcso.id)  # E4: the 15th day applies once referred to ICT
    system = esc_svc.raise_escalation(desk, "tps1", category="system", crn=CRN)
    esc_svc.claim(desk, "sp1", system.id)
    refer(desk, "sp1", system.id)  # weekly follow-up Fri 2 Oct (E10)
    set_eped(desk, system.id, date(2026, 10, 17))  # a Saturday
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_calendar(app, pilot)
        await pilot.press("pagedown")
        await settle(app, pilot)
        days = screen.grid.data.days if screen.grid.data else {}
        assert days[date(2026, 10, 9)].normal == 1
        assert days[date(2026, 10, 2)].normal == 1
        assert days[date(2026, 10, 17)].eped == 1
        # The month holds counts; a day's entries are read when the cursor is on it.
        assert not screen.data or not screen.data.items
        screen.go(date(2026, 10, 9))
        await settle(app, pilot)
        assert [i.escalation_id for i in screen.day_items[date(2026, 10, 9)]] == [fcso.id]
        screen.go(date(2026, 10, 2))
        await settle(app, pilot)
        assert [(i.escalation_id, i.rule) for i in screen.day_items[date(2026, 10, 2)]] == [(system.id, "E10")]
        assert f"#{system.id}" in str(screen.query_one("#cal-side").render())


async def test_enter_opens_the_days_agenda_and_enter_opens_the_escalation(make_app, desk, floor) -> None:
    death = esc_svc.raise_escalation(desk, "tps1", category="death", crn=CRN, summary=HOSTILE)  # due Sat 26 Sep
    arrears = esc_svc.raise_escalation(desk, "tps1", category="arrears", crn=CRN, doc_id=stop_payment_doc(desk, "tps1"))
    esc_svc.raise_escalation(desk, "tps1", category="review", crn=CRN)  # 2 Oct: another day
    app = make_app("sp1")
    opened: list[int] = []
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_escalation = opened.append  # type: ignore[method-assign]
        await open_calendar(app, pilot)
        await pilot.press("enter")  # today: the stop-payment item (S3)
        await pilot.pause()
        assert isinstance(app.screen, AgendaScreen)
        assert [i.escalation_id for i in app.screen.items] == [arrears.id]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CalendarScreen)
        await pilot.press("l", "enter")
        await pilot.pause()
        agenda = app.screen
        assert isinstance(agenda, AgendaScreen) and agenda.day == date(2026, 9, 26)
        table = agenda.query_one(DataTable)
        assert table.row_count == 1
        assert table.get_row_at(0)[-1].plain == HOSTILE  # user text shown as typed, not markup
        await pilot.press("enter")
        await pilot.pause()
        assert opened == [death.id]
        assert isinstance(app.screen, CalendarScreen)


async def test_enter_on_an_empty_day_says_nothing_is_due(make_app) -> None:
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_calendar(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CalendarScreen)


async def test_r1_so_calendar_shows_only_their_own(make_app, desk, floor) -> None:
    esc_svc.raise_escalation(desk, "tps1", category="death", crn=CRN)
    mine = esc_svc.raise_escalation(desk, "so1", category="arrears", crn=CRN, doc_id=stop_payment_doc(desk, "so1"))
    app = make_app("so1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_calendar(app, pilot)
        assert screen.data is not None and set(screen.data.days) == {date(2026, 9, 25)}
        await settle(app, pilot)
        assert [i.escalation_id for i in screen.day_items[date(2026, 9, 25)]] == [mine.id]


async def test_reload_shows_another_users_change(make_app, desk, floor) -> None:
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_calendar(app, pilot)
        assert screen.data is not None and screen.data.days == {}
        esc_svc.raise_escalation(desk, "tps1", category="death", crn=CRN)
        await pilot.press("r")
        await settle(app, pilot)
        assert screen.data is not None and screen.data.days[date(2026, 9, 26)].normal == 1


async def test_80x24_grid_fits_every_day_and_hides_side_panel(make_app) -> None:
    app = make_app("sp1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_calendar(app, pilot)
        grid = screen.query_one(MonthGrid)
        cells = grid._cells
        assert len(cells) == 30
        assert all(c.y + c.height <= grid.size.height and c.x + c.width <= grid.size.width + 1 for c in cells.values())
        assert not screen.query_one("#cal-side").display
        assert "-narrow" in screen.classes


async def test_c3_holiday_is_named_in_the_status_line(make_app) -> None:
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_calendar(app, pilot)
        await pilot.press("pagedown")
        await settle(app, pilot)
        for _ in range(20):
            await pilot.press("h")  # back to Mon 5 Oct
        assert screen.cursor == date(2026, 10, 5)
        status = str(screen.query_one("#cal-day").render())
        assert "public holiday: Labor Day (NSW)" in status


async def test_mouse_click_moves_cursor_and_second_click_opens_agenda(make_app, desk, floor) -> None:
    esc_svc.raise_escalation(desk, "tps1", category="death", crn=CRN)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_calendar(app, pilot)
        cell = screen.grid._cells[date(2026, 9, 26)]
        await pilot.click(MonthGrid, offset=(cell.x + 2, cell.y))
        assert screen.cursor == date(2026, 9, 26)
        await pilot.click(MonthGrid, offset=(cell.x + 2, cell.y))
        await pilot.pause()
        assert isinstance(app.screen, AgendaScreen)


async def test_help_lists_every_calendar_key_with_what_it_does(make_app) -> None:
    from screens.help import screen_keys

    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_calendar(app, pilot)
        keys = {what for _key, what, _where in screen_keys(screen)}
        for tip in ("One day back (vi key)", "The same day of the next month", "Jump to today (site local time)"):
            assert tip in keys
        assert all(b.id and b.tooltip for b in CalendarScreen.BINDINGS)


async def test_user_text_in_the_side_agenda_is_shown_as_typed(make_app, desk, floor) -> None:
    esc_svc.raise_escalation(desk, "tps1", category="death", crn=CRN, summary=HOSTILE)  # due Sat 26 Sep
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_calendar(app, pilot)
        await pilot.press("l")
        side = screen.query_one("#cal-side")
        assert HOSTILE in str(side.render())


async def test_e3_a_busy_day_lists_its_first_entries_and_enter_opens_all(make_app, desk, floor) -> None:
    """The side panel lists a day's first entries and says how many more; the agenda has all (E3)."""
    from screens.calendar import SIDE_ITEMS
    from tui.helpers import raise_some

    raise_some(desk, SIDE_ITEMS + 5, category="death")  # due within 24 hours: Sat 26 Sep
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_calendar(app, pilot)
        await pilot.press("l")
        await settle(app, pilot)
        assert len(screen.day_items[date(2026, 9, 26)]) == SIDE_ITEMS + 5
        assert "… and 5 more" in str(screen.query_one("#cal-side").render())
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AgendaScreen) and len(app.screen.items) == SIDE_ITEMS + 5


async def test_x2_ctrl_e_writes_the_month_as_ics_and_notifies_its_path(make_app, desk, floor, tmp_path, monkeypatch) -> None:
    """ctrl+e: the month shown (masked, X2) to tpsdesk-<SITE>-<YYYY-MM>.ics in Documents, in a worker."""
    from icalendar import Calendar

    from tests.tui.helpers import notices
    from tpsdesk.services import feeds

    monkeypatch.setattr(feeds, "documents_folder", lambda: tmp_path)
    death = esc_svc.raise_escalation(desk, "tps1", category="death", crn=CRN, summary=f"crn {CRN}")  # 26 Sep
    esc_svc.raise_escalation(desk, "tps1", category="review", crn=CRN)  # 2 Oct: another month
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_calendar(app, pilot)
        await pilot.press("ctrl+e")
        await settle(app, pilot)
        written = tmp_path / "tpsdesk-SYD-2026-09.ics"
        assert f"1 due items written to {written}" in notices(app)
        feed = Calendar.from_ical(written.read_bytes())
        assert [str(e["UID"]) for e in feed.walk("VEVENT")] == [f"esc-{death.id}-due@tpsdesk"]
        assert CRN not in written.read_text()
        # A file that is not a feed tpsdesk wrote is never replaced: the one clear message.
        october = tmp_path / "tpsdesk-SYD-2026-10.ics"
        october.write_text("my own notes\n")
        await pilot.press("pagedown", "ctrl+e")
        await settle(app, pilot)
        assert october.read_text() == "my own notes\n"
        assert any("is not an export tpsdesk wrote" in n for n in notices(app))
