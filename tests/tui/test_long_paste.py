"""A pasted megabyte in the note editor and in the intake's help text (issue 8, item 7):
the screen keeps answering keys, shows the length against the policy's maximum instead of
checking the text per key, and the save is refused with the length; nothing is written
and the text stays. No timing is asserted: each step must simply complete."""

from __future__ import annotations

from textual import events
from textual.widgets import Static

from screens.widgets.action_dialogs import FormDialog
from screens.widgets.long_text import LongText
from tpsdesk.services import escalations
from tui.helpers import notices, raise_some, settle
from tui.test_intake import contacts, error_of, fill_technical, open_intake

MEGABYTE = "word " * 210_000  # 1,050,000 characters on one line: the editor's worst case


async def _note_dialog(app, pilot) -> FormDialog:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    dialog = app.screen
    assert isinstance(dialog, FormDialog)
    return dialog


async def test_a_pasted_megabyte_note_is_refused_with_its_length_and_the_dialog_answers_keys(desk, make_app) -> None:
    [eid] = raise_some(desk, 1, category="review")
    escalations.claim(desk, "sp1", eid)
    before = len(escalations.show(desk, "sp1", eid).notes)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await _note_dialog(app, pilot)
        area = dialog.query_one("#field-text", LongText)
        counter = dialog.query_one("#count-text", Static)
        assert not counter.display  # nothing shown for a short note

        app.post_message(events.Paste(MEGABYTE))  # as a terminal delivers a paste
        await pilot.pause()
        await pilot.press("x")  # the editor still answers a key
        await pilot.pause()
        assert area.length == len(MEGABYTE) + 1 and area.text.endswith("x")
        assert not area.soft_wrap  # a page past the maximum is not wrapped
        assert counter.display
        assert "the note is 1,050,001 characters; the most is 20,000" in str(counter.render())

        await pilot.press("ctrl+s")
        await settle(pilot)
        refusal = "text: the note is 1,050,001 characters; the most is 20,000: shorten it or split it into notes"
        assert app.screen is dialog and refusal in notices(app)  # still open, the text kept
        assert area.length == len(MEGABYTE) + 1
        assert len(escalations.show(desk, "sp1", eid).notes) == before

        area.clear()
        await pilot.press("o", "k")
        await pilot.pause()
        assert area.soft_wrap and not counter.display  # wraps again once it fits
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert escalations.show(desk, "sp1", eid).notes[-1].text == "ok"


async def test_a_long_note_near_the_maximum_shows_how_near(desk, make_app) -> None:
    [eid] = raise_some(desk, 1, category="review")
    escalations.claim(desk, "sp1", eid)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await _note_dialog(app, pilot)
        dialog.query_one("#field-text", LongText).insert("z" * 19_000)
        await pilot.pause()
        counter = dialog.query_one("#count-text", Static)
        assert counter.display and str(counter.render()) == "19,000 of at most 20,000 characters"


async def test_a_pasted_megabyte_help_text_is_refused_with_its_length_at_intake(desk, make_app) -> None:
    app = make_app("so1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        await fill_technical(screen, pilot, help_text="")
        area = screen.query_one("#help_required", LongText)
        area.focus()
        await pilot.pause()
        app.post_message(events.Paste(MEGABYTE))
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        assert area.text.endswith("x") and not area.soft_wrap
        cap = desk.policy.intake.max_help_chars
        message = f"the help text is 1,050,001 characters; the most is {cap:,}: shorten it"
        assert error_of(screen, "help_required") == message  # beside the field, as it is typed

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert f"Not saved: {message}" in notices(app)
        assert contacts(desk) == []
        assert area.length == len(MEGABYTE) + 1  # everything typed stays
