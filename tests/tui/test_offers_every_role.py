"""E12, R5, R6: for every role on a seeded floor, and every item they may see in several
statuses, the queue's detail and footer show exactly the domain's offered actions
(``lifecycle.offered``, through ``escalations.offered``): the enabled keys are the domain's
allowed set, and each dimmed one carries the domain's reason, in the pane and when pressed.

Seeded in the database through the services; the screens decide none of it.
"""

from __future__ import annotations

import pytest
from role_matrix_world import DOC
from textual.widgets._footer import FooterKey

from screens.queue.actions import BY_ACTION, REGISTRY
from screens.queue.detail import EscalationDetailView
from screens.queue.screen import QueueScreen
from tpsdesk.errors import PermissionDenied
from tpsdesk.services import escalations, stop_payment, workflow
from tpsdesk.services.desk import Desk
from tui.helpers import notices, settle

CRN = "123456789A"


def _seed(desk: Desk) -> dict[str, int]:
    """Items in several statuses, in both channels (raised by others than most actors)."""
    items = {}
    items["new"] = escalations.raise_escalation(desk, "tps1", category="review", crn=CRN).id
    view = stop_payment.save(desk, "so1", DOC, escalate=True).escalation
    assert view is not None
    items["arrears-new"] = view.id  # S4: the SO's own
    items["held-by-sp1"] = escalations.raise_escalation(desk, "tps1", category="death", crn=CRN).id
    escalations.claim(desk, "sp1", items["held-by-sp1"])
    items["held-by-pool"] = escalations.raise_escalation(desk, "tps1", category="system", crn=CRN).id
    escalations.assign(desk, "sp1", items["held-by-pool"], "tps2")
    items["referred"] = escalations.raise_escalation(desk, "tps1", category="policy", crn=CRN).id
    escalations.claim(desk, "sp1", items["referred"])
    workflow.refer(desk, "sp1", items["referred"], target="policy-advisor", form_ref="PA-1")
    items["finalised"] = escalations.raise_escalation(desk, "tps1", category="q999", crn=CRN).id
    escalations.claim(desk, "sp1", items["finalised"])
    workflow.finalise(desk, "sp1", items["finalised"], "resolved")
    items["cr-new"] = escalations.raise_escalation(desk, "crtps1", category="system", crn=CRN).id
    cr_view = stop_payment.save(desk, "crso1", DOC, escalate=True).escalation
    assert cr_view is not None
    items["cr-arrears-new"] = cr_view.id
    return items


# Every role the policy has, in each channel, and a TPS in the W5 pool.
ROLES = ["so1", "tps1", "tps2", "sp1", "sso1", "tl1", "crso1", "crtps1", "crsso1", "crtl1"]


def _footer(screen: QueueScreen) -> dict[str, bool]:
    """Footer action name -> enabled, for the lifecycle keys it shows."""
    out = {}
    for key in screen.query(FooterKey):
        if key.action.startswith("act("):
            out[key.action.removeprefix("act('").removesuffix("')")] = not key.has_class("-disabled")
    return out


@pytest.mark.parametrize("logon", ROLES)
async def test_e12_r5_detail_and_footer_offer_the_domains_actions_for_every_role(desk, make_app, logon) -> None:
    items = _seed(desk)
    seen = 0
    app = make_app(logon, live=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        for name, eid in items.items():
            try:
                domain = escalations.offered(desk, logon, eid)
            except PermissionDenied:
                continue  # R5: not theirs to see; the queue offers nothing of it
            seen += 1
            app.open_escalation(eid)
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, QueueScreen), name
            allowed = {o.action.value for o in domain if o.allowed}
            refused = {o.action.value: o.reason for o in domain if not o.allowed}

            # Keys: enabled exactly where the domain allows (check_action dims the rest).
            enabled = {e.name for e in REGISTRY if screen.check_action("act", (e.name,)) is True}
            assert enabled == allowed, (logon, name)
            assert {e.name for e in REGISTRY if screen.check_action("act", (e.name,)) is None} == set(refused)

            # Footer: the lifecycle keys it shows are dimmed exactly where the domain refuses.
            footer = _footer(screen)
            assert footer and all(footer[a] is (a in allowed) for a in footer), (logon, name, footer)

            # Detail pane: every action, in the domain's order; a refused one with the domain's reason.
            body = screen.query_one(EscalationDetailView).body_text
            lines = body.split("\nActions\n", 1)[1].split("\n\n", 1)[0].splitlines()
            expected = [
                f"  [{BY_ACTION[o.action].key}] {o.label}" + ("" if o.allowed else f": {o.reason}") for o in domain
            ]
            assert lines == expected, (logon, name)

            # A dimmed key pressed says the domain's reason (R5) and changes nothing.
            before = escalations.show(desk, logon, eid).escalation.version
            for offer in (o for o in domain if not o.allowed):
                await pilot.press(BY_ACTION[offer.action].key)
                await pilot.pause()
                assert notices(app)[-1] == f"{offer.label}: {offer.reason}", (logon, name, offer.action)
            assert escalations.show(desk, logon, eid).escalation.version == before
    assert seen, logon  # every role sees at least one item of the floor
