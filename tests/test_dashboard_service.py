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


def test_t1_last_week_hours_are_the_same_local_hours_a_week_before(desk, floor, known_floor) -> None:
    """T1: contacts per hour on the same weekday last week, hour by hour beside today's; other
    days and other Centres do not count."""
    week = timedelta(days=7)
    for hh, mm in [(8, 10), (8, 20), (11, 5), (16, 59)]:
        contact(desk, floor.so, "tps1", local(hh, mm) - week)
    contact(desk, floor.so, "tps1", local(7, 59) - week)  # before the shift
    contact(desk, floor.so, "tps1", local(9) - week - timedelta(days=1))  # Thursday a week ago
    contact(desk, floor.cr_so, "crtps1", local(9) - week)  # another Centre
    d = dash_svc.floor_dashboard(desk, floor.tl)
    assert [h.label for h in d.hours_last_week] == [h.label for h in d.hours]
    assert [h.count for h in d.hours_last_week] == [2, 0, 0, 1, 0, 0, 0, 0, 1]
    assert d.hours_last_week[0].start.date() == date(2026, 9, 18)
    assert (d.contacts_last_week, d.contacts_total) == (4, 6)


def test_t1_last_week_hours_keep_local_clock_hours_across_dst(desk, floor, clock) -> None:
    """Sydney moves to AEDT on Sun 4 Oct 2026: on Fri 9 Oct the 08:00 hour of last Friday is
    08:00 AEST, not 168 hours back (07:00 AEST), so a contact at 07:30 AEST is outside the
    shift and one at 08:30 AEST is in its first hour (C10, T1)."""
    aest, aedt = timedelta(hours=10), timedelta(hours=11)
    clock.set(datetime(2026, 10, 9, 10, 30, tzinfo=UTC) - aedt)
    contact(desk, floor.so, "tps1", datetime(2026, 10, 2, 7, 30, tzinfo=UTC) - aest)
    contact(desk, floor.so, "tps1", datetime(2026, 10, 2, 8, 30, tzinfo=UTC) - aest)
    contact(desk, floor.so, "tps1", datetime(2026, 10, 2, 16, 30, tzinfo=UTC) - aest)
    contact(desk, floor.so, "tps1", datetime(2026, 10, 9, 8, 30, tzinfo=UTC) - aedt)  # today
    d = dash_svc.floor_dashboard(desk, floor.tl)
    assert d.hours_last_week[0].start.utcoffset() == aest and d.hours[0].start.utcoffset() == aedt
    assert [h.label for h in d.hours_last_week] == [h.label for h in d.hours] == [f"{h:02d}:00" for h in range(8, 17)]
    assert [h.count for h in d.hours_last_week] == [1, 0, 0, 0, 0, 0, 0, 0, 1]
    assert [h.count for h in d.hours] == [1, 0, 0, 0, 0, 0, 0, 0, 0]


def test_t1_s3_stop_payment_requests_before_cob_and_the_earliest_cob(desk, floor, known_floor, clock) -> None:
    """The open stop-payment request raised this morning waits on its ICT request until 17:00 today
    (E1, S3); after COB it still waits, and the time shown is before now (past COB)."""
    d = dash_svc.floor_dashboard(desk, floor.tl)
    assert d.stop_payment_waiting == 1
    assert d.stop_payment_next_cob == datetime(2026, 9, 25, 17, 0, tzinfo=d.now.tzinfo)
    assert d.stop_payment_next_cob is not None and d.stop_payment_next_cob > d.now
    clock.set(local(17, 30))
    late = dash_svc.floor_dashboard(desk, floor.tl)
    assert late.stop_payment_waiting == 1 and late.stop_payment_next_cob is not None
    assert late.stop_payment_next_cob < late.now


def test_t1_no_stop_payment_waiting_and_no_unclaimed_on_an_empty_floor(desk, floor) -> None:
    d = dash_svc.floor_dashboard(desk, floor.tl)
    assert (d.stop_payment_waiting, d.stop_payment_next_cob, d.oldest_unclaimed) == (0, None, None)
    assert d.contacts_last_week == 0 and len(d.hours_last_week) == len(d.hours)


def test_t1_oldest_unclaimed_item_with_its_category_and_age(desk, floor, known_floor) -> None:
    """The oldest open item nobody holds (T1): raised first; a claimed or finalised one is not it."""
    d = dash_svc.floor_dashboard(desk, floor.tl)
    assert d.oldest_unclaimed is not None
    assert (d.oldest_unclaimed.id, d.oldest_unclaimed.category) == (known_floor["death"], "death")
    assert d.oldest_unclaimed.label == "Death (E3)"
    older = esc_svc.raise_escalation(desk, floor.tps, category="review", crn=CRN, raised_at=NOW - timedelta(days=2))
    d = dash_svc.floor_dashboard(desk, floor.tl)
    assert d.oldest_unclaimed is not None and d.oldest_unclaimed.id == older.id
    assert d.oldest_unclaimed.age == timedelta(days=2)
    assert d.oldest_unclaimed.raised_at == datetime(2026, 9, 23, 10, 30, tzinfo=d.now.tzinfo)
    esc_svc.claim(desk, floor.sp, older.id)
    d = dash_svc.floor_dashboard(desk, floor.tl)
    assert d.oldest_unclaimed is not None and d.oldest_unclaimed.id == known_floor["death"]
