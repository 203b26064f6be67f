"""Every screen usable at 80x24, a desk terminal (issue 9 items 8 and 10; DESIGN "The
screens"): the key widgets are inside the screen, or reached by keys (focus scrolls them
into view); the stop-payment builder's DOC preview is reached with ctrl+t (S5)."""

from __future__ import annotations

from typing import Any

from textual.geometry import Region
from textual.widget import Widget

from screens.stop_payment import StopPaymentScreen
from screens.widgets.doc_preview import DocPreview
from screens.widgets.field_row import FieldRow
from tpsdesk.services import stop_payment as sp
from tui.helpers import settle
from tui.test_stop_payment import VALID, docs, fill, open_builder

SIZE = (80, 24)


def on_screen(app: Any, widget: Widget) -> bool:
    """The widget is painted whole inside the 80x24 screen (not cut off, not scrolled away)."""
    region = widget.region
    return bool(region) and Region(0, 0, *SIZE).contains_region(region)


def fully_visible(widget: Widget) -> bool:
    """Inside the screen and inside every scrolling container it sits in."""
    region = widget.region
    if not region:
        return False
    for ancestor in widget.ancestors:
        if isinstance(ancestor, Widget) and ancestor.region and not ancestor.region.contains_region(region):
            return False
    return Region(0, 0, *SIZE).contains_region(region)


async def test_s5_builder_every_field_and_button_reached_by_tab_at_80x24(make_app) -> None:
    app = make_app("so1", live=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_builder(app, pilot)
        await settle(pilot)
        wanted = [f"#{f}" for f in ("ar_checked", "crn", "payment_type", "amount", "period_from", "period_to")]
        wanted += ["#reason", "#escalate", "#save", "#copy", "#new", "#preview"]
        seen: list[str] = []
        for _ in range(len(wanted) + 2):
            focused = app.focused
            assert focused is not None
            await pilot.pause()
            if focused.id and f"#{focused.id}" in wanted and f"#{focused.id}" not in seen:
                assert fully_visible(focused), f"#{focused.id} is focused but not on screen: {focused.region}"
                seen.append(f"#{focused.id}")
            await pilot.press("tab")
            await settle(pilot)
        assert seen == wanted
        assert isinstance(screen, StopPaymentScreen)


async def test_s5_ctrl_t_shows_the_doc_preview_at_80x24_and_goes_back(make_app) -> None:
    app = make_app("so1", live=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_builder(app, pilot)
        await fill(screen, pilot, VALID)
        screen.query_one("#crn").focus()
        await settle(pilot)
        preview = screen.query_one("#preview", DocPreview)
        assert "STOP PAYMENT REQUEST" in preview.text
        assert not fully_visible(preview)  # stacked under the form at 80 columns
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert app.focused is preview and fully_visible(preview)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert app.focused is screen.query_one("#crn") and fully_visible(screen.query_one("#crn"))


async def test_s1_s2_each_builder_message_is_beside_its_field_and_names_it(desk, make_app) -> None:
    app = make_app("so1", live=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_builder(app, pilot)
        await pilot.press("ctrl+s")  # nothing filled in: every field's message, and nothing saved
        await settle(pilot)
        assert docs(desk) == []
        for field in sp.FIELDS:
            row = screen.query_one(f"#row-{field}", FieldRow)
            assert row.error.startswith(f"{row.label}: "), (field, row.error)
            message = row.query_one(".field-error")
            # beside its field: right under it, in the same row, and the row's field is focused first
            assert message.region.y > row.field.region.y or message.region.x > row.field.region.x
        assert app.focused is screen.query_one("#ar_checked")
        assert any(n.message.startswith("Not saved: AR checked (S0): ") for n in app._notifications)


# ---------------------------------------------------------------- every screen
async def tab_through(app: Any, pilot: Any) -> list[str]:
    """Tab once round the screen's focus chain: each widget Tab reaches is shown whole
    (focusing scrolls it into view). Returns what was reached, by id or class name."""
    chain = list(app.screen.focus_chain)
    assert chain, "nothing on this screen takes the keyboard"
    reached: list[str] = []
    for _ in range(len(chain)):
        await pilot.press("tab")
        await settle(pilot)
        focused = app.focused
        assert focused is not None
        name = focused.id or type(focused).__name__
        assert fully_visible(focused), f"{name} has focus but is not on screen at 80x24: {focused.region}"
        reached.append(name)
    return reached


def header_line(app: Any) -> str:
    return str(app.screen.query_one("#desk-header").render())


async def test_every_screen_title_is_whole_in_the_header_at_80x24(make_app) -> None:
    from screens.app import SCREENS

    app = make_app("tl1", live=False)  # a TL may open every screen (R4)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for name in SCREENS:
            if name == "help":
                continue
            app.show_screen(name)
            await settle(pilot)
            title = type(app.screen).TITLE
            line = header_line(app)
            assert line.endswith(title) and len(line) <= SIZE[0] - 2, (name, line)
            assert "SYD │ Fri 25 Sep 10:00 AEST" in line  # where and when stay


async def test_header_keeps_the_whole_line_when_it_fits(make_app) -> None:
    app = make_app("sp1", live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert header_line(app) == "tpsdesk │ Sue Senior (sp1) SP │ SYD │ Fri 25 Sep 10:00 AEST  Escalation queue (F3)"


async def test_queue_and_its_detail_reached_by_keys_at_80x24(desk, make_app) -> None:
    from screens.queue.detail import EscalationDetailView
    from tui.helpers import raise_some

    raise_some(desk, 30, category="review")
    app = make_app("sp1", live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await tab_through(app, pilot)
        await pilot.press("end", "enter")
        await settle(pilot)
        detail = app.screen.query_one(EscalationDetailView)
        assert detail.body_text and on_screen(app, detail)
        await tab_through(app, pilot)


async def test_i1_intake_every_field_reached_by_tab_at_80x24(make_app) -> None:
    from textual.widgets import Select

    app = make_app("tps1", live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.show_screen("intake")
        await settle(pilot)
        reached = await tab_through(app, pilot)
        assert {"reason", "crn", "save"} <= set(reached)
        app.screen.query_one("#reason", Select).value = "cannot-finalise"  # I2.3: more fields
        await settle(pilot)
        reached = await tab_through(app, pilot)
        assert {"help_required", "save", "in-body"} <= set(reached)
        app.screen.query_one("#in-body").focus()  # the stacked body scrolls: End shows the notes
        await pilot.press("end")
        await pilot.wait_for_scheduled_animations()
        await settle(pilot)
        notes = app.screen.query_one("#in-notes")
        assert notes.region and notes.region.bottom <= SIZE[1] - 1


async def test_s4_builder_routing_text_reached_by_scrolling_the_body_at_80x24(make_app) -> None:
    app = make_app("so1", live=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_builder(app, pilot)
        await settle(pilot)
        body = screen.query_one("#sp-body")
        assert body in screen.focus_chain  # stacked at 80 columns, the body scrolls by keys
        assert screen.query_one("#sp-form") not in screen.focus_chain  # panes that do not scroll are no Tab stop
        body.focus()
        await pilot.press("end")
        await pilot.wait_for_scheduled_animations()
        await settle(pilot)
        route = screen.query_one("#sp-route")
        assert "Routing (S4)" in str(route.render())
        assert route.region and route.region.bottom <= SIZE[1] - 1


async def test_c1_calendar_grid_status_and_legend_on_screen_at_80x24(make_app) -> None:
    app = make_app("sp1", live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        for part in ("#cal-title", "#cal-grid", "#cal-day", "#cal-legend"):
            assert on_screen(app, app.screen.query_one(part)), part
        assert list(app.screen.focus_chain) == []  # every key is the screen's: nothing to Tab to


async def test_r4_dashboard_every_part_reached_by_keys_at_80x24(make_app) -> None:
    app = make_app("tl1", live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.show_screen("dashboard")
        await settle(pilot)
        reached = await tab_through(app, pilot)
        assert "dash-body" in reached and "dash-owners" in reached
        app.screen.query_one("#dash-body").focus()
        await pilot.press("end")  # the scrolling body: the last part comes into view
        await pilot.wait_for_scheduled_animations()
        await settle(pilot)
        assert fully_visible(app.screen.query_one("#dash-categories"))


async def test_help_every_key_row_reached_at_80x24(make_app) -> None:
    from textual.widgets import DataTable

    app = make_app("sp1", live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        table = app.screen.query_one("#help-keys", DataTable)
        assert app.focused is table and on_screen(app, table)
        assert table.row_count > SIZE[1]  # more keys than rows: the table scrolls
        await pilot.press("ctrl+end")  # the last key comes into view
        await pilot.wait_for_scheduled_animations()
        await settle(pilot)
        assert table.cursor_row == table.row_count - 1
        assert table.scroll_y == table.max_scroll_y > 0


async def test_overdue_lookup_filter_and_list_on_screen_at_80x24(desk, clock, make_app) -> None:
    from tui.helpers import raise_some

    raise_some(desk, 3, category="death")
    clock.advance(days=3)
    app = make_app("sp1", live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        for part in ("#overdue-title", "#overdue-filter", "#overdue-table"):
            assert on_screen(app, app.screen.query_one(part)), part
        assert await tab_through(app, pilot) == ["overdue-table", "overdue-filter"]


async def test_r7_first_run_every_field_and_button_reached_at_80x24(make_empty_app, monkeypatch) -> None:
    monkeypatch.setenv("TPSDESK_USER", "newsp")
    app = make_empty_app(live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        reached = await tab_through(app, pilot)
        assert {"demo", "centre-code", "role", "create", "quit"} <= set(reached)


async def test_r7_identity_picker_list_on_screen_at_80x24(make_app) -> None:
    from screens.identity import UserPicker

    app = make_app(None, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        if not isinstance(app.screen, UserPicker):
            app.push_screen(UserPicker())
            await settle(pilot)
        for part in ("#picker-title", "#picker-filter", "#picker-status", "#picker-list"):
            assert on_screen(app, app.screen.query_one(part)), part
        await tab_through(app, pilot)


async def test_i8_open_contacts_reached_by_keys_at_80x24(make_app) -> None:
    app = make_app("tps1", live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.show_screen("contacts")
        await settle(pilot)
        assert header_line(app).endswith(type(app.screen).TITLE)
        await tab_through(app, pilot)
