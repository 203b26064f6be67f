"""F1, E1: the queue's finalise dialog offers the domain's reasons for the item's category
(``tpsdesk.domain.finalise.reasons_for``), with the policy's labels, and never filters them
itself; a reason it offers is one the service accepts (in the database)."""

from __future__ import annotations

import pytest
from textual.widgets import Select

from screens.widgets.action_dialogs import FormDialog
from tpsdesk.domain import finalise
from tpsdesk.services import escalations, finalisation
from tui.helpers import raise_some, settle


async def _finalise_dialog(app, pilot) -> Select:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("F")
    await settle(pilot)
    assert isinstance(app.screen, FormDialog)
    return app.screen.query_one("#field-reason", Select)


def _offered(select: Select) -> list[tuple[str, str]]:
    return [(str(label), value) for label, value in select._options if value is not Select.NULL]


@pytest.mark.parametrize("category", ["review", "death", "system", "q999"])
async def test_f1_finalise_offers_the_domains_reasons_for_the_category(desk, make_app, category) -> None:
    [eid] = raise_some(desk, 1, category=category)
    if category == "death":  # E3: the file-note template first (F2)
        finalisation.document(desk, "sp1", eid, file_note_done=True)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        select = await _finalise_dialog(app, pilot)
        expected = [(label, key) for key, label in finalise.reasons_for(desk.policy, category).items()]
        assert _offered(select) == expected
        assert "withdrawn" not in dict((k, v) for v, k in expected)  # F3: its own action
        assert ("review-decided" in [k for _, k in expected]) is (category == "review")  # reason_categories
        select.value = "resolved"  # one the dialog offers, and the service accepts
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, FormDialog), app.screen.query_one("#dialog-error").content
    after = escalations.show(desk, "sp1", eid).escalation
    assert after.status == "finalised" and after.final_reason == "resolved"


async def test_f1_the_dialog_shows_what_the_domain_answers_not_a_filter_of_its_own(desk, make_app, monkeypatch) -> None:
    [_eid] = raise_some(desk, 1, category="death")
    answered = {"resolved": "Resolved (as the domain says)"}
    real = finalise.reasons_for

    def domain(policy, category):
        assert category == "death"  # asked for the item's category
        real(policy, category)
        return answered

    monkeypatch.setattr(finalise, "reasons_for", domain)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        select = await _finalise_dialog(app, pilot)
        assert _offered(select) == [("Resolved (as the domain says)", "resolved")]
