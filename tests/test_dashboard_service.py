"""The Team Leader's floor dashboard (T1, R4, R6): aggregates for a known floor, and the refusal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tpsdesk.errors import PermissionDenied, ValidationError
from tpsdesk.models import Contact, Escalation, StopPaymentDoc
from tpsdesk.services import dashboard as dash_svc
from tpsdesk.services import escalations as esc_svc
from tpsdesk.services.actors import actor_for
from tpsdesk.services.desk import Desk
from tpsdesk.services.history import record_event
from tpsdesk.services.uow import apply_schedule

CRN = "123456789A"
NOW = datetime(2026, 9, 25, 0, 30, tzinfo=UTC)  # Fri 10:30 Sydney


def contact(desk: Desk, recorder: str, tps: str | None, opened_at: datetime) -> None:
    with desk.store.write() as session:
        who = actor_for(session, recorder)
        tps_id = actor_for(session, tps).id if tps else None
        session.add(
            Contact(
                centre_id=who.centre_id,
                site_id=who.site_id,
                channel=who.channel,
                requester_name=who.name,
                requester_logon=who.logon,
                recorded_by_id=who.id,
                reason="status-rate",
                help_required="rate looks wrong",
                opened_at=opened_at,
                tps_id=tps_id,
            )
        )


def doc(desk: Desk, logon: str) -> int:
    with desk.store.write() as session:
        who = actor_for(session, logon)
        row = StopPaymentDoc(
            centre_id=who.centre_id, site_id=who.site_id, crn=CRN, payment_type="FTB", amount_cents=100,
            period_from=date(2026, 9, 1), period_to=date(2026, 9, 2), reason="coded twice in error today",
            text="DOC", created_by_id=who.id, created_at=desk.now(),
        )  # fmt: skip
        session.add(row)
        session.flush()
        return row.id or 0


def local(hour: int, minute: int = 0) -> datetime:
    """Fri 25 Sep 2026 at a Sydney (UTC+10) clock time."""
    return datetime(2026, 9, 25, hour, minute, tzinfo=UTC) - timedelta(hours=10)


@pytest.fixture
def known_floor(desk, floor, clock):
    """Six contacts this shift, two escalations overdue, one unclaimed, one stop-payment."""
    clock.set(NOW)
    for hh, mm, tps in [
        (8, 5, "tps1"),
        (8, 40, "tps1"),
        (8, 50, "tps2"),
        (9, 10, "tps1"),
        (9, 59, None),
        (10, 20, "tps2"),
    ]:
        contact(desk, floor.so, tps, local(hh, mm))
    contact(desk, floor.so, "tps1", local(10) - timedelta(days=1))  # yesterday: outside the shift
    contact(desk, floor.cr_so, "crtps1", local(9))  # another Centre
    ids = {}
    ids["death"] = esc_svc.raise_escalation(desk, floor.tps, category="death", crn=CRN).id  # unclaimed, due tomorrow
    ids["review"] = esc_svc.raise_escalation(desk, floor.tps, category="review", crn=CRN).id
    esc_svc.claim(desk, floor.sp, ids["review"])
    old = datetime(2026, 9, 1, 0, 0, tzinfo=UTC)
    ids["fcso"] = esc_svc.raise_escalation(desk, floor.tps, category="fcso", crn=CRN, raised_at=old).id  # day 15 passed
    esc_svc.claim(desk, floor.sso, ids["fcso"])
    ids["fcso2"] = esc_svc.raise_escalation(desk, floor.tps, category="fcso", crn=CRN, raised_at=old).id
    esc_svc.claim(desk, floor.sso, ids["fcso2"])
    ids["arrears"] = esc_svc.raise_escalation(
        desk, floor.so, category="arrears", crn=CRN, doc_id=doc(desk, floor.so)
    ).id
    ids["done"] = esc_svc.raise_escalation(desk, floor.tps, category="q999", crn=CRN).id
    with desk.store.write() as session:
        esc = session.get(Escalation, ids["done"])
        assert esc is not None
        esc.closed, esc.status, esc.finalised_at = True, "finalised", NOW
        apply_schedule(desk, session, esc)
        record_event(session, NOW, esc.owner_id, "finalised", escalation_id=esc.id, reason="resolved")
    esc_svc.raise_escalation(desk, floor.cr_tps, category="review", crn=CRN)  # another Centre
    return ids


def test_t1_contacts_per_local_hour_of_the_shift(desk, floor, known_floor) -> None:
    d = dash_svc.floor_dashboard(desk, floor.tl)
    assert [h.label for h in d.hours] == [f"{h:02d}:00" for h in range(8, 17)]
    assert [h.count for h in d.hours][:4] == [3, 2, 1, 0]
    assert d.contacts_total == 6


def test_t1_contacts_per_tps_officer_including_idle_and_untaken(desk, floor, known_floor) -> None:
    d = dash_svc.floor_dashboard(desk, floor.tl)
    assert [(p.logon, p.count) for p in d.per_tps] == [("tps1", 3), ("tps2", 2), (None, 1)]


def test_t1_open_and_overdue_per_owner_and_unclaimed(desk, floor, known_floor) -> None:
    d = dash_svc.floor_dashboard(desk, floor.tl)
    loads = {o.logon: (o.open, o.overdue) for o in d.owners}
    assert loads["sso1"] == (2, 2)
    assert loads["sp1"] == (1, 0)
    assert loads["tps2"] == (0, 0)  # pool staff may work escalations (W5): listed while idle
    assert loads[None] == (2, 0)  # death and arrears, unclaimed
    assert d.owners[0].logon == "sso1" and d.owners[-1].logon is None
    assert (d.open_total, d.overdue_total, d.unclaimed) == (5, 2, 2)


def test_t1_overdue_per_category_and_today_figures(desk, floor, known_floor) -> None:
    d = dash_svc.floor_dashboard(desk, floor.tl)
    assert [(c.category, c.count) for c in d.overdue_by_category] == [("fcso", 2)]
    assert d.overdue_by_category[0].label == "FCSO (E4)"
    assert (d.raised_today, d.finalised_today) == (6, 1)  # recorded today, the FCSO items backdated to 1 Sep too
    assert d.stop_payment_open == 1
    assert d.after_hours_open == 0


def test_t1_after_hours_items_are_counted(desk, floor, clock) -> None:
    clock.set(local(18))  # after COB: due next business day, flagged (C6)
    esc_svc.raise_escalation(desk, floor.so, category="arrears", crn=CRN, doc_id=doc(desk, floor.so))
    d = dash_svc.floor_dashboard(desk, floor.sp)
    assert (d.after_hours_open, d.stop_payment_open) == (1, 1)
    assert d.window_end.hour == 19  # the shift window stretches to now


def test_t1_window_hours_is_the_last_n_hours(desk, floor, known_floor) -> None:
    d = dash_svc.floor_dashboard(desk, floor.tl, window_hours=2)
    assert [(h.label, h.count) for h in d.hours] == [("09:00", 2), ("10:00", 1)]
    with pytest.raises(ValidationError, match="1 to 48"):
        dash_svc.floor_dashboard(desk, floor.tl, window_hours=0)


def test_t1_comp_recovery_tl_sees_only_their_centre(desk, floor, known_floor) -> None:
    d = dash_svc.floor_dashboard(desk, floor.cr_tl)
    assert (d.centre, d.contacts_total, d.open_total) == ("CRC", 1, 1)
    assert d.zone == "Australia/Brisbane"


@pytest.mark.parametrize("who", ["so", "tps", "pool", "cr_so"])
def test_r4_r6_dashboard_refused_for_so_and_tps_with_reason(desk, floor, who) -> None:
    with pytest.raises(
        PermissionDenied, match="only Senior Practitioners, SSOs and Team Leaders see the floor dashboard"
    ):
        dash_svc.floor_dashboard(desk, getattr(floor, who))


@pytest.mark.parametrize("who", ["sp", "sso", "tl", "cr_sso"])
def test_r4_r6_dashboard_allowed_for_sp_sso_tl(desk, floor, who) -> None:
    assert dash_svc.floor_dashboard(desk, getattr(floor, who)).centre in ("PCC", "CRC")


def test_t1_f3_finalised_today_counts_withdrawn_and_not_reopened(desk, floor, known_floor, clock) -> None:
    """Finalised today means finalised or withdrawn today and still closed: a reopened item
    leaves the figure (F3), a withdrawn one joins it (E12)."""
    from tpsdesk.services import finalisation

    before = dash_svc.floor_dashboard(desk, floor.tl).finalised_today
    mistaken = esc_svc.raise_escalation(desk, floor.tps, category="review", crn=CRN)
    finalisation.withdraw(desk, floor.tps, mistaken.id, "raised against the wrong customer")
    assert dash_svc.floor_dashboard(desk, floor.tl).finalised_today == before + 1
    finalisation.reopen(desk, floor.sp, known_floor["done"], "the customer called back: not resolved")
    assert dash_svc.floor_dashboard(desk, floor.tl).finalised_today == before
    clock.advance(days=1)
    assert dash_svc.floor_dashboard(desk, floor.tl).finalised_today == 0  # a new day
