"""The app shell: who am I, home screen by role (R1-R4), F-keys from anywhere, help."""

from __future__ import annotations

from textual.widgets import Input

from screens.app import PlaceholderScreen


async def test_sp_starts_on_queue_and_header_shows_who(make_app) -> None:
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.current_mode == "queue"
        assert app.user == "sp1" and app.actor is not None and app.actor.role == "SP"
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
            ("f3", "queue"),
        ]:
            await pilot.press(key)
            await pilot.pause()
            assert app.current_mode == mode


async def test_missing_screen_module_shows_placeholder(make_app, monkeypatch) -> None:
    from screens import app as app_module

    monkeypatch.setitem(
        app_module.SCREENS, "calendar", app_module.ScreenSpec("screens.no_such_module", "X", "Calendar", "f5")
    )
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, PlaceholderScreen)


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
