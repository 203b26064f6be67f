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
