"""What the queue's detail pane says, rendered straight from the service's detail."""

from __future__ import annotations

from screens.queue.detail import offers, render_detail
from screens.widgets.formatting import local
from tpsdesk.services import escalations


def test_e3_a_met_deadline_shows_when_it_was_met_in_site_time(desk, floor, clock) -> None:
    """E3: once actioned, the deadline line says when it was met (site-local, C9), not only when it fell due."""
    eid = escalations.raise_escalation(desk, "tps1", category="death", crn="987654321C", summary="s").id
    escalations.claim(desk, "sp1", eid)
    clock.advance(hours=2)
    actioned = clock()
    escalations.add_note(desk, "sp1", eid, "called the customer")
    detail = escalations.show(desk, "sp1", eid, viewer_zone="Australia/Sydney")
    text = render_detail(detail, clock(), "Australia/Sydney", offers(detail), desk.policy).plain
    line = next(row for row in text.splitlines() if "E3" in row and "✓ met" in row)
    assert f"met {local(actioned, 'Australia/Sydney')}" in line and "(due " in line
