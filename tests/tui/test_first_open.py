"""What a screen's first open costs the app: no CSS parsed twice, no whole-app restyle for a
screen that is already styled, a footer rebuilt only when its keys change, and the session's
long-lived objects kept out of the cyclic collector (issue 10: F3, F5, F6 first opens)."""

from __future__ import annotations

import gc
import importlib
import inspect
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from textual.css import stylesheet as textual_stylesheet
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from screens.app import SCREENS, TpsApp
from screens.stylesheet import DeskStylesheet

EVERY_SCREEN = ["intake", "queue", "stop_payment", "calendar", "dashboard", "contacts", "outbox"]


def _screen_css(name: str) -> list[Path]:
    spec = SCREENS[name]
    cls = getattr(importlib.import_module(spec.module), spec.cls)
    paths = cls.CSS_PATH if isinstance(cls.CSS_PATH, list) else [cls.CSS_PATH] if cls.CSS_PATH else []
    return [(Path(inspect.getfile(cls)).parent / p).resolve() for p in paths]


def test_every_screens_stylesheet_is_read_at_start(make_app: Any) -> None:
    """A screen file missing from the app's CSS_PATH would re-parse and restyle the app on its
    first open: each screen's own CSS file is one the app reads at start."""
    app: TpsApp = make_app("tl1")
    at_start = {Path(p).resolve() for p in app.css_path}
    for name in SCREENS:
        for path in _screen_css(name):
            assert path in at_start, f"{name}: {path.name} is not in TpsApp.CSS_PATH"


async def test_no_css_source_is_parsed_twice_across_every_screen(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Visiting every screen twice parses each CSS source (a file, a widget's DEFAULT_CSS)
    once: Textual's re-parses on a first open reuse what was parsed."""
    parsed: Counter[tuple[Any, ...]] = Counter()
    real = textual_stylesheet.parse

    def counting(scope: str, css: str, read_from: Any, *args: Any, **kwargs: Any) -> Any:
        parsed[(css, read_from, scope, kwargs.get("tie_breaker"))] += 1
        return real(scope, css, read_from, *args, **kwargs)

    monkeypatch.setattr(textual_stylesheet, "parse", counting)
    monkeypatch.setattr(DeskStylesheet, "_parsed", type(DeskStylesheet._parsed)(1024))  # cold, as a new process
    app: TpsApp = make_app("tl1")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert parsed
        rounds = []
        for _ in range(2):
            parsed.clear()
            for name in EVERY_SCREEN:
                app.show_screen(name)
                await pilot.pause()
                assert app.current_mode == name
            rounds.append(dict(parsed))
        sources = len(app.stylesheet.source)
    first, second = rounds
    # New widgets bring their DEFAULT_CSS, parsed on first use (and a base class's again when
    # a subclass moves its tie-breaker); never the whole stylesheet again, never twice.
    assert first and len(first) < sources, (len(first), sources)
    assert all(n == 1 for n in first.values()) and second == {}


async def test_a_new_screen_is_styled_without_restyling_the_app(make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first open of a mode runs no whole-app CSS refresh, and its widgets have their
    styles all the same (the calendar's side pane is sized by calendar.tcss)."""
    app: TpsApp = make_app("sp1")
    refreshes = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        original = type(app).refresh_css

        def counted(self: TpsApp, animate: bool = True) -> None:
            refreshes.append(self.current_mode)
            original(self, animate)

        monkeypatch.setattr(type(app), "refresh_css", counted)
        await pilot.press("f5")
        await pilot.pause()
        assert app.current_mode == "calendar" and refreshes == []
        side = app.screen.query_one("#cal-side")
        assert side.styles.width is not None and side.styles.width.value == 34
        assert side.outer_size.width == 34  # laid out with it (border-box: border and padding inside)


async def test_footer_rebuilds_only_when_its_keys_change(make_app: Any) -> None:
    app: TpsApp = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.pause()
        before = list(app.screen.query(FooterKey))
        assert before
        app.screen.refresh_bindings()  # same keys: the same footer widgets stay
        await pilot.pause()
        assert list(app.screen.query(FooterKey)) == before
        await pilot.press("slash")  # the search box has other keys: the footer follows
        await pilot.pause()
        assert isinstance(app.focused, Input)
        after = list(app.screen.query(FooterKey))
        assert after != before
        shown = {k.key for k in after}
        assert shown != {k.key for k in before}


async def test_signed_in_objects_are_frozen_and_released_on_exit(make_app: Any) -> None:
    """`tpsdesk tui` starts with the collector off; the first screen's first frame turns it on
    and freezes what is alive then; leaving the app gives it all back."""
    gc.unfreeze()
    gc.disable()
    try:
        app: TpsApp = make_app("sp1")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await pilot.pause()
            assert app.current_mode == "queue" and gc.get_freeze_count() > 0 and gc.isenabled()
        assert gc.get_freeze_count() == 0 and gc.isenabled()
    finally:
        gc.enable()


def test_tui_command_starts_with_the_collector_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import screens.app
    from tpsdesk import cli

    seen: list[bool] = []
    monkeypatch.setattr(screens.app, "run", lambda *a, **k: seen.append(gc.isenabled()))
    try:
        with pytest.raises(SystemExit) as done:
            cli.main(["--db", f"sqlite:///{tmp_path / 'new.db'}", "tui"])
        assert done.value.code == 0 and seen == [False]
    finally:
        gc.enable()
