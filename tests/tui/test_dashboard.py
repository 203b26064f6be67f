"""Team Leader dashboard (F6): the figures of a known floor, polling and `r`, and the refusal (T1, R4, R6)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from textual.widgets import DataTable

from screens import app as app_module
from screens.dashboard import POLL_SECONDS, DashboardScreen, bar
from tests.test_dashboard_service import CRN, contact, known_floor  # noqa: F401  (fixture)
from tpsdesk.services import escalations as esc_svc


@pytest.fixture(autouse=True)
def home_is_dashboard(monkeypatch) -> None:
    """Start every role on the dashboard, so these tests do not depend on other screens."""
    for role in list(app_module.HOME_BY_ROLE):
        monkeypatch.setitem(app_module.HOME_BY_ROLE, role, "dashboard")


async def open_dashboard(app, pilot) -> DashboardScreen:
    await pilot.pause()
    await pilot.press("f6")
    await settle(app, pilot)
    assert isinstance(app.screen, DashboardScreen)
    return app.screen


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def numbers(line: str) -> list[int]:
    """The counts of a paired hours row (today, then last week), after its hh:mm label."""
    return [int(n) for n in re.findall(r"(?<![:\d])\d+(?![:\d])", line)]


def text_of(screen: DashboardScreen, selector: str) -> str:
    return str(screen.query_one(selector).render())


def test_bar_shows_any_non_zero_count() -> None:
    assert bar(0, 10, 20) == ""
    assert bar(1, 100, 20) == "█"
    assert bar(10, 10, 20) == "█" * 20


async def test_t1_tl_sees_the_floor_figures(make_app, known_floor) -> None:  # noqa: F811
    app = make_app("tl1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_dashboard(app, pilot)
        summary = text_of(screen, "#dash-summary")
        for part in [
            "Open 5",
            "‼ Overdue 2",
            "○ Unclaimed 2",
            "▲ Stop-payment 1",
            "Raised today 6",
            "Finalised today 1",
        ]:
            assert part in summary
        assert "Contacts this shift 6" in summary
        hours = text_of(screen, "#dash-hours").splitlines()
        assert hours[0].startswith("08:00 ")
        assert [numbers(line) for line in hours[:3]] == [[3, 0], [2, 0], [1, 0]]  # today, last week
        tps = text_of(screen, "#dash-tps").splitlines()
        assert [line.split()[0] for line in tps] == ["tps1", "tps2", "(not"]
        assert [line.split()[-1] for line in tps] == ["3", "2", "1"]
        table = screen.query_one("#dash-owners", DataTable)
        owners = [[cell.plain.strip() for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert owners[0][0] == "sso1" and owners[0][2].endswith(" 2") and owners[0][3] == "‼ 2 overdue"
        assert owners[-1][:2] == ["—", "unclaimed"] and owners[-1][2].endswith(" 2")
        assert "FCSO (E4)" in text_of(screen, "#dash-categories")


async def test_t1_r_refreshes_with_new_work(make_app, desk, known_floor, clock) -> None:  # noqa: F811
    app = make_app("tl1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_dashboard(app, pilot)
        assert screen.data is not None and screen.data.contacts_total == 6
        contact(desk, "so1", "tps1", datetime(2026, 9, 25, 0, 25, tzinfo=UTC))
        esc_svc.raise_escalation(desk, "tps1", category="review", crn=CRN)
        await pilot.press("r")
        await settle(app, pilot)
        assert screen.data.contacts_total == 7
        assert screen.data.open_total == 6
        assert "Contacts this shift 7" in text_of(screen, "#dash-summary")


async def test_t1_polls_on_a_timer(make_app, desk, known_floor) -> None:  # noqa: F811
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_dashboard(app, pilot)
        contact(desk, "so1", "tps2", datetime(2026, 9, 25, 0, 25, tzinfo=UTC))
        assert screen.poll is not None and screen.poll._interval == POLL_SECONDS and screen.poll._repeat == 0
        await screen.poll._tick(next_timer=0, count=1)  # the armed refresh fires, without waiting for it
        await settle(app, pilot)
        assert screen.data is not None and screen.data.contacts_total == 7
        assert screen.poll is not None  # the next one is armed only now, after that read answered


async def test_t1_one_read_at_a_time_and_no_poll_while_hidden(make_app, desk, known_floor, monkeypatch) -> None:  # noqa: F811
    """Refreshes asked for while a read runs do not start another (never two at once); a hidden
    dashboard has no refresh armed and reads again when shown."""
    import threading

    from tpsdesk.services import dashboard as dash_svc

    real = dash_svc.floor_dashboard
    gate = threading.Event()
    calls: list[int] = []
    running = [0]

    def slow(*args, **kwargs):
        running[0] += 1
        calls.append(running[0])
        gate.wait(10)
        try:
            return real(*args, **kwargs)
        finally:
            running[0] -= 1

    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_dashboard(app, pilot)  # its first read has answered
        monkeypatch.setattr(dash_svc, "floor_dashboard", slow)
        await pilot.press("r")
        for _ in range(50):  # until the read is held at the gate
            if calls:
                break
            await pilot.pause()
        assert calls == [1] and screen.reading and screen.poll is None
        for _ in range(3):
            await pilot.press("r")
        gate.set()
        await settle(app, pilot)
        assert calls == [1] and not screen.reading and screen.poll is not None
        app.show_screen("queue")
        await settle(app, pilot)
        assert screen.poll is None  # hidden: nothing armed
        app.show_screen("dashboard")
        await settle(app, pilot)
        assert len(calls) == 2 and screen.poll is not None


@pytest.mark.parametrize("who", ["so1", "tps1"])
async def test_r4_r6_so_and_tps_see_why_not_a_crash(make_app, floor, who) -> None:
    app = make_app(who)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_dashboard(app, pilot)
        assert screen.data is None
        assert not screen.query_one("#dash-body").display
        message = text_of(screen, "#dash-refused")
        assert "only Senior Practitioners, SSOs and Team Leaders see the floor dashboard" in message
        assert screen.poll is None  # no polling for a refused user


async def test_80x24_stacks_the_columns(make_app, known_floor) -> None:  # noqa: F811
    app = make_app("tl1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(app, pilot)
        assert "-narrow" in screen.classes
        left, right = screen.query_one("#dash-left"), screen.query_one("#dash-right")
        assert right.region.y > left.region.y


async def test_t1_enter_on_an_owner_opens_their_queue(make_app, known_floor) -> None:  # noqa: F811
    app = make_app("tl1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_dashboard(app, pilot)
        table = screen.query_one("#dash-owners", DataTable)
        table.focus()
        await pilot.press("enter")  # first row: sso1, the most overdue
        await settle(app, pilot)
        assert app.current_mode == "queue"
        assert app.screen.filters.owner == "sso1"


async def test_t1_poll_keeps_the_cursor_on_the_same_owner(make_app, desk, known_floor) -> None:  # noqa: F811
    app = make_app("tl1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_dashboard(app, pilot)
        table = screen.query_one("#dash-owners", DataTable)
        table.focus()
        await pilot.press("down")  # sp1
        for _ in range(2):  # tps2 now has more open items than sp1 and sorts above
            v = esc_svc.raise_escalation(desk, "tps1", category="review", crn=CRN)
            esc_svc.claim(desk, "tps2", v.id)
        await pilot.press("r")
        await settle(app, pilot)
        assert table.get_row_index("sp1") == 2
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == "sp1"


async def test_t1_charts_show_the_service_figures_today_against_last_week(make_app, desk, floor, known_floor) -> None:  # noqa: F811
    """The paired hours chart holds the service's counts for today and the same weekday last week,
    each with its number (never colour alone); the attention lines name the stop-payment request
    before COB and the oldest unclaimed item (T1, S3)."""
    from tests.test_dashboard_service import local
    from tpsdesk.services import dashboard as dash_svc

    for hh, mm in [(8, 10), (9, 20), (9, 30), (16, 5)]:
        contact(desk, "so1", "tps1", local(hh, mm) - timedelta(days=7))
    want = dash_svc.floor_dashboard(desk, "tl1")
    app = make_app("tl1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_dashboard(app, pilot)
        rows = text_of(screen, "#dash-hours").splitlines()
        assert [numbers(r) for r in rows] == [
            [a.count, b.count] for a, b in zip(want.hours, want.hours_last_week, strict=True)
        ]
        assert [numbers(r) for r in rows][:2] == [[3, 1], [2, 2]]
        title = text_of(screen, "#dash-hours-title")
        assert "today █ 6" in title and "Fri 18 Sep ░ 4" in title
        seen = text_of(screen, "#dash-attention")
        assert "Stop-payment requests waiting on ICT: 1" in seen and "earliest COB 17:00 Fri 25 Sep" in seen
        assert f"Oldest unclaimed: #{known_floor['death']} Death (E3)" in seen


async def test_r4_w5_tl_reassigns_from_the_dashboard(make_app, desk, known_floor) -> None:  # noqa: F811
    """a: the oldest unclaimed item is offered, Next shows the assign picker, Save assigns it
    (checked in the database) and the figures re-read."""
    from textual.widgets import Select

    from screens.widgets.action_dialogs import FormDialog

    app = make_app("tl1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_dashboard(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        assert isinstance(app.screen, FormDialog)
        await pilot.press("ctrl+s")  # Next, with the oldest unclaimed item's number
        await settle(app, pilot)
        picker = app.screen.query_one("#field-to", Select)
        assert "sp1" in [v for _, v in picker._options]
        picker.value = "sp1"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        assert esc_svc.show(desk, "tl1", known_floor["death"]).escalation.owner == "sp1"
        assert screen.data is not None and screen.data.unclaimed == 1


async def test_r5_refused_reassign_is_one_notice_and_changes_nothing(make_app, desk, known_floor) -> None:  # noqa: F811
    """A finalised item may not be reassigned (F3): the refusal's reason shows once, the dialog
    stays open, and the item's owner and version are unchanged."""
    from textual.widgets import Input, Select

    done = known_floor["done"]
    before = esc_svc.show(desk, "tl1", done).escalation
    app = make_app("tl1")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_dashboard(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        app.screen.query_one("#field-id", Input).value = str(done)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        picker = app.screen.query_one("#field-to", Select)
        picker.value = "sp1"
        app._notifications.clear()
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        notes = [n.message for n in app._notifications]
        assert notes == [f"status: escalation {done} is finalised: reopen it with a reason first (F3)"], notes
        after = esc_svc.show(desk, "tl1", done).escalation
        assert (after.owner, after.version) == (before.owner, before.version)


async def test_e7_tl_reads_feedback_as_plain_text(make_app, desk, floor) -> None:
    """f: the feedback items sent to the TL (E7), read-only, the text as typed (never markup)."""
    from screens.widgets.feedback_list import FeedbackList
    from tpsdesk.services import feedback

    feedback.give_feedback(desk, "so1", about="tps1", text="Told the customer [bold]wrong[/bold] rate", kind="conduct")
    want = feedback.list_feedback(desk, "tl1")
    assert want
    app = make_app("tl1")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_dashboard(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        assert isinstance(app.screen, FeedbackList)
        shown = str(app.screen.query_one("#feedback-items").render())
        assert "[bold]wrong[/bold]" in shown and f"#{want[0].id}" in shown
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, FeedbackList)
