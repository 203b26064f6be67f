"""The app shell: who am I, home screen by role (R1-R4), F-keys from anywhere, help."""

from __future__ import annotations

import pytest
from textual.widgets import Input


async def test_sp_starts_on_queue_and_header_shows_who(make_app) -> None:
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.current_mode == "queue"
        assert app.session.logon == "sp1" and app.session.role == "SP"
        # 2026-09-25 00:00 UTC is Fri 10:00 in Sydney (fake clock).
        assert app.header_text().endswith("SYD │ Fri 25 Sep 10:00 AEST")


async def test_f_keys_switch_screens(make_app) -> None:
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for key, mode in [
            ("f2", "intake"),
            ("f4", "stop_payment"),
            ("f5", "calendar"),
            ("f6", "dashboard"),
            ("f8", "contacts"),
            ("f3", "queue"),
        ]:
            await pilot.press(key)
            await pilot.pause()
            assert app.current_mode == mode


def test_every_screen_module_imports_its_screen() -> None:
    """A screen that cannot import is a failure here, never a placeholder at run time."""
    import importlib

    from screens import app as app_module
    from screens.base import DeskScreen

    for name, spec in app_module.SCREENS.items():
        cls = getattr(importlib.import_module(spec.module), spec.cls)
        assert issubclass(cls, DeskScreen), name


async def test_f_keys_work_while_text_field_focused(make_app) -> None:
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("f7")
        await pilot.pause()
        assert isinstance(app.focused, Input)
        await pilot.press("o")  # types into the filter, does not reopen
        assert app.focused.value == "o"
        await pilot.press("f3")
        await pilot.pause()
        assert app.current_mode == "queue" and len(app.screen_stack) == 1


async def test_f7_opens_overdue_while_text_field_focused(make_app) -> None:
    from screens.overdue import OverdueScreen

    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.screen.mount(Input(id="probe"))
        await pilot.pause()
        app.screen.query_one("#probe", Input).focus()
        await pilot.press("o")
        assert not isinstance(app.screen, OverdueScreen)
        await pilot.press("f7")
        await pilot.pause()
        assert isinstance(app.screen, OverdueScreen)


async def test_palette_finds_escalation_by_crn_and_opens_it(desk, make_app) -> None:
    from textual.command import CommandPalette

    from screens.queue.detail import EscalationDetailView
    from tpsdesk.services import escalations
    from tui.helpers import settle

    escalations.raise_escalation(desk, "tps1", category="review", crn="111222333B", summary="other")
    target = escalations.raise_escalation(desk, "tps1", category="review", crn="987654321C", summary="wanted").id
    app = make_app("tl1")  # a Team Leader starts on the dashboard
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.current_mode == "dashboard"
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"987 654")
        await settle(pilot, rounds=8)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.current_mode == "queue"
        body = app.screen.query_one(EscalationDetailView).body_text
        assert body.startswith(f"#{target} ") and "987654321C" in body


async def test_palette_reaches_every_screen(make_app) -> None:
    from screens.app import SCREENS
    from screens.palette import DeskCommands

    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        provider = DeskCommands(app.screen)
        labels = [hit.text async for hit in provider.discover()]
        for spec in SCREENS.values():
            assert f"Go to {spec.title}" in labels
        assert "Quick overdue lookup" in labels


async def test_help_lists_every_key_of_the_queue(make_app) -> None:
    from textual.widgets import DataTable

    from screens.queue.actions import REGISTRY

    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert app.current_mode == "help"
        table = app.screen.query_one("#help-keys", DataTable)
        shown = {table.get_row_at(i)[1].plain for i in range(table.row_count)}
        for entry in REGISTRY:  # the registry generates the bindings the help screen lists
            assert entry.binding().tooltip in shown
        assert "Quick overdue lookup" in shown
        assert "Open contacts: record an outcome (I8)" in shown  # F8, issue 9 item 9
        await pilot.press("escape")
        await pilot.pause()
        assert app.current_mode == "queue"


def test_every_binding_has_id_and_tooltip() -> None:
    from screens.app import TpsApp
    from screens.contacts import ContactsScreen, OutcomeDialog
    from screens.first_run import FirstRunScreen
    from screens.help import HelpScreen
    from screens.identity import UserPicker
    from screens.overdue import OverdueScreen
    from screens.queue import QueueScreen
    from screens.widgets.action_dialogs import FormDialog
    from screens.widgets.virtual_table import VirtualTable

    owners = (TpsApp, QueueScreen, OverdueScreen, HelpScreen, FirstRunScreen, UserPicker, FormDialog, VirtualTable)
    from screens.export_dialog import ExportDialog

    for owner in (*owners, ContactsScreen, OutcomeDialog, ExportDialog):
        for binding in owner.BINDINGS:
            assert binding.id and binding.tooltip, (owner.__name__, binding.key)


async def test_r1_role_decides_home_screen(make_app) -> None:
    for logon, home in [("so1", "intake"), ("tps1", "intake"), ("sso1", "queue"), ("tl1", "dashboard")]:
        app = make_app(logon)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert app.current_mode == home, logon


async def test_unknown_user_gets_the_staff_picker(make_app) -> None:
    from textual.widgets import OptionList

    from screens.identity import UserPicker

    app = make_app("nobody-here")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, UserPicker)
        options = app.screen.query_one(OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert "sp1" in ids
        options.highlighted = ids.index("sp1")
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.logon == "sp1" and app.current_mode == "queue"


async def test_env_user_is_used_when_no_flag(make_app, monkeypatch) -> None:
    monkeypatch.setenv("TPSDESK_USER", "sso1")
    app = make_app(None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.session.logon == "sso1"


async def test_os_user_matched_to_staff_logon(make_app, monkeypatch) -> None:
    from screens import app as app_module

    monkeypatch.delenv("TPSDESK_USER", raising=False)
    monkeypatch.setattr(app_module, "os_user", lambda: "TL1")
    app = make_app(None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.session.logon == "tl1"


async def test_first_run_start_empty_creates_centre_site_and_staff(desk, make_empty_app, monkeypatch) -> None:
    from screens.first_run import FirstRunScreen
    from tpsdesk.services import setup
    from tui.helpers import settle

    monkeypatch.delenv("TPSDESK_USER", raising=False)
    app = make_empty_app(None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, FirstRunScreen)
        values = {
            "centre-code": "ABC",
            "centre-name": "Test Centre",
            "site-code": "MEL",
            "logon": "me1",
            "name": "Mo Eel",
        }
        for wid, value in values.items():
            app.screen.query_one(f"#{wid}", Input).value = value
        app.screen.query_one("#zone").value = "Australia/Melbourne"
        app.screen.query_one("#state").value = "VIC"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.session.logon == "me1" and app.session.role == "SP" and app.current_mode == "queue"
    staff = {s.logon: s for s in setup.list_staff(desk)}
    assert staff["me1"].site == "MEL" and staff["me1"].centre == "ABC"
    assert [s.zone for s in setup.list_sites(desk)] == ["Australia/Melbourne"]


async def test_first_run_mistake_is_shown_and_nothing_half_made_blocks_a_retry(desk, make_empty_app) -> None:
    from tpsdesk.services import setup
    from tui.helpers import settle

    app = make_empty_app(None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for wid, value in {"centre-code": "ABC", "site-code": "MEL", "logon": "me1", "name": ""}.items():
            app.screen.query_one(f"#{wid}", Input).value = value
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "name" in str(app.screen.query_one("#first-run-error").content)
        app.screen.query_one("#name", Input).value = "Mo Eel"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.session.logon == "me1"
    assert [c.code for c in setup.list_centres(desk)] == ["ABC"]


async def test_first_run_loads_demo_floor_then_asks_who(desk, make_empty_app, monkeypatch) -> None:
    from screens.identity import UserPicker
    from tpsdesk.services import setup
    from tui.helpers import settle

    monkeypatch.delenv("TPSDESK_USER", raising=False)
    monkeypatch.setattr("screens.app.os_user", lambda: "nobody-matches")
    app = make_empty_app(None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert isinstance(app.screen, UserPicker)
    assert not setup.is_empty(desk)


async def test_tpsdesk_now_pins_the_clock_of_the_app_tpsdesk_tui_starts(db_url, floor, monkeypatch) -> None:
    """``tpsdesk tui`` opens the desk through the CLI's one Context, whose clock TPSDESK_NOW
    pins (as for every command): the header shows that time, in the site's zone."""
    from screens.app import TpsApp
    from tpsdesk.cli import main

    started: list[TpsApp] = []
    monkeypatch.setattr(TpsApp, "run", lambda self, *a, **k: started.append(self))
    monkeypatch.setenv("TPSDESK_NOW", "2026-03-02T03:04:00+00:00")
    with pytest.raises(SystemExit) as ended:
        main(["--db", db_url, "--user", "sp1", "tui"])
    assert ended.value.code == 0
    (app,) = started
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.session.logon == "sp1"
        assert app.header_text().endswith("SYD │ Mon 02 Mar 14:04 AEDT")
        assert "Mon 02 Mar 14:04 AEDT" in str(app.screen.query_one("#desk-header").content)
