"""SVG snapshots of the follow-up calendar (F5) and the Team Leader dashboard (F6) with a
fixed clock and floor. Regenerate with ``pytest tests/tui/test_snapshots_calendar.py --snapshot-update``
and look at the SVGs before committing them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from screens import app as app_module
from screens import calendar as calendar_screen
from screens import dashboard as dashboard_screen
from tests.test_calendar_service import refer, set_eped, stop_payment_doc
from tests.test_dashboard_service import known_floor  # noqa: F401  (fixture)
from tpsdesk.services import escalations as esc_svc

CRN = "123456789A"


def home(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    """Start on ``mode``; no timed refresh lands in the middle of a screenshot on a busy machine."""
    for role in list(app_module.HOME_BY_ROLE):
        monkeypatch.setitem(app_module.HOME_BY_ROLE, role, mode)
    monkeypatch.setattr(dashboard_screen, "POLL_SECONDS", 3600.0)
    monkeypatch.setattr(calendar_screen, "RELOAD_SECONDS", 3600)


@pytest.fixture
def calendar_floor(desk, floor) -> None:
    """Overdue, urgent, due today and later, a weekly follow-up and an EPED (E1, E3, E4, E9, E10)."""
    old = datetime(2026, 9, 1, 0, 0, tzinfo=UTC)
    late = esc_svc.raise_escalation(desk, "tps1", category="fcso", crn=CRN, raised_at=old, summary="FCSO overdue [bold")
    esc_svc.raise_escalation(desk, "tps1", category="arrears", crn=CRN, doc_id=stop_payment_doc(desk, "tps1"))
    today = esc_svc.raise_escalation(
        desk, "tps1", category="fcso", crn=CRN, raised_at=datetime(2026, 9, 11, 1, tzinfo=UTC)
    )
    for fcso in (late, today):  # E4: the 15th day applies to FCSO items referred to ICT
        refer(desk, "sp1", fcso.id)
    esc_svc.raise_escalation(desk, "tps1", category="death", crn=CRN, summary="partner death")
    esc_svc.raise_escalation(desk, "tps1", category="review", crn=CRN)
    policy = esc_svc.raise_escalation(desk, "tps1", category="policy", summary="NNU conflicts with eReference")
    esc_svc.claim(desk, "sp1", policy.id)
    refer(desk, "sp1", policy.id)
    system = esc_svc.raise_escalation(desk, "tps1", category="system", crn=CRN)
    esc_svc.claim(desk, "sp1", system.id)
    refer(desk, "sp1", system.id)
    set_eped(desk, system.id, date(2026, 10, 17))


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_snapshot_calendar_month_120x40(snap_compare, make_app, calendar_floor, monkeypatch) -> None:
    home(monkeypatch, "calendar")
    assert snap_compare(make_app("sp1"), terminal_size=(120, 40), run_before=settle)


def test_snapshot_calendar_next_month_80x24(snap_compare, make_app, calendar_floor, monkeypatch) -> None:
    home(monkeypatch, "calendar")

    async def next_month(pilot) -> None:
        await settle(pilot)
        await pilot.press("pagedown", "k", "k", "l", "l", "l")  # Wed 14 Oct, in the week of the EPED (Sat 17)
        await settle(pilot)

    assert snap_compare(make_app("sp1"), terminal_size=(80, 24), run_before=next_month)


def test_snapshot_calendar_agenda_120x40(snap_compare, make_app, calendar_floor, monkeypatch) -> None:
    home(monkeypatch, "calendar")

    async def agenda(pilot) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(make_app("sp1"), terminal_size=(120, 40), run_before=agenda)


def test_snapshot_dashboard_tl_120x40(snap_compare, make_app, known_floor, monkeypatch) -> None:  # noqa: F811
    home(monkeypatch, "dashboard")
    assert snap_compare(make_app("tl1"), terminal_size=(120, 40), run_before=settle)


def test_snapshot_dashboard_refused_so_120x40(snap_compare, make_app, floor, monkeypatch) -> None:
    home(monkeypatch, "dashboard")
    assert snap_compare(make_app("so1"), terminal_size=(120, 40), run_before=settle)
