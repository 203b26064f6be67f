"""The follow-up calendar's core: what falls due on each local day (E1, E3, E4, E9, E10, E12, C9, R1)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tpsdesk.models import Escalation, StopPaymentDoc
from tpsdesk.services import calendar as cal_svc
from tpsdesk.services import escalations as esc_svc
from tpsdesk.services.actors import actor_for
from tpsdesk.services.desk import Desk
from tpsdesk.services.uow import apply_schedule

CRN = "123456789A"


def refer(desk: Desk, logon: str, escalation_id: int) -> None:
    """Refer an item now (sets what the workflow service's refer sets: E12)."""
    with desk.store.write() as session:
        actor = actor_for(session, logon)
        esc = session.get(Escalation, escalation_id)
        assert esc is not None
        esc.status = "referred"
        esc.referred_at = desk.now()
        esc.referral_target = "ict"
        esc.owner_id = esc.owner_id or actor.id
        apply_schedule(desk, session, esc)


def set_eped(desk: Desk, escalation_id: int, eped: date) -> None:
    with desk.store.write() as session:
        esc = session.get(Escalation, escalation_id)
        assert esc is not None
        esc.eped = eped
        apply_schedule(desk, session, esc)


def stop_payment_doc(desk: Desk, logon: str) -> int:
    with desk.store.write() as session:
        actor = actor_for(session, logon)
        doc = StopPaymentDoc(
            centre_id=actor.centre_id,
            site_id=actor.site_id,
            crn=CRN,
            payment_type="Family Tax Benefit",
            amount_cents=12345,
            period_from=date(2026, 9, 1),
            period_to=date(2026, 9, 14),
            reason="income estimate was coded twice in error",
            ar_checked=True,
            text="DOC",
            created_by_id=actor.id,
            created_at=desk.now(),
        )
        session.add(doc)
        session.flush()
        return doc.id or 0


def test_e3_death_deadline_lands_on_next_local_day(desk, floor) -> None:
    v = esc_svc.raise_escalation(desk, floor.tps, category="death", crn=CRN, summary="partner death")
    counts = cal_svc.month_counts(desk, floor.sp, 2026, 9)
    assert set(counts) == {date(2026, 9, 26)}
    assert counts[date(2026, 9, 26)].normal == 1
    [item] = cal_svc.day_agenda(desk, floor.sp, date(2026, 9, 26))
    assert (item.escalation_id, item.what, item.rule, item.crn) == (v.id, "deadline", "E3", CRN)
    assert item.local.hour == 10 and not item.overdue


def test_e9_weekly_follow_up_chain_lands_seven_days_on(desk, floor, clock) -> None:
    v = esc_svc.raise_escalation(desk, floor.tps, category="policy", summary="reference conflict")
    esc_svc.claim(desk, floor.sp, v.id)
    refer(desk, floor.sp, v.id)
    october = cal_svc.month_counts(desk, floor.sp, 2026, 10)
    assert set(october) == {date(2026, 10, 2)}
    [item] = cal_svc.day_agenda(desk, floor.sp, date(2026, 10, 2))
    assert (item.what, item.rule, item.owner) == ("follow-up", "E9", floor.sp)
    # Follow-up recorded an hour after it fell due: the next is 7 local days on,
    # at the same local clock time across the DST change of 4 Oct (C5).
    clock.set(datetime(2026, 10, 2, 1, 0, tzinfo=UTC))
    esc_svc.record_follow_up(desk, floor.sp, v.id, "ICT still investigating")
    october = cal_svc.month_counts(desk, floor.sp, 2026, 10)
    assert set(october) == {date(2026, 10, 9)}
    [item] = cal_svc.day_agenda(desk, floor.sp, date(2026, 10, 9))
    assert (item.local.hour, item.rule) == (11, "E9")


def test_e10_eped_marks_its_day_and_weekly_follow_up_continues(desk, floor) -> None:
    v = esc_svc.raise_escalation(desk, floor.tps, category="system", crn=CRN, summary="rate wrong")
    esc_svc.claim(desk, floor.sp, v.id)
    refer(desk, floor.sp, v.id)
    set_eped(desk, v.id, date(2026, 10, 10))  # a Saturday
    october = cal_svc.month_counts(desk, floor.sp, 2026, 10)
    assert october[date(2026, 10, 2)].total == 1  # weekly follow-up first (E10)
    assert (october[date(2026, 10, 10)].eped, october[date(2026, 10, 10)].total) == (1, 0)
    [marker] = cal_svc.day_agenda(desk, floor.sp, date(2026, 10, 10))
    assert (marker.what, marker.rule, marker.escalation_id) == ("EPED", "E10", v.id)


def test_e10_eped_before_the_weekly_follow_up_is_the_next_follow_up(desk, floor) -> None:
    v = esc_svc.raise_escalation(desk, floor.tps, category="system", crn=CRN)
    esc_svc.claim(desk, floor.sp, v.id)
    refer(desk, floor.sp, v.id)
    set_eped(desk, v.id, date(2026, 9, 29))  # Tuesday, before the weekly follow-up of 2 Oct
    day = cal_svc.month_counts(desk, floor.sp, 2026, 9)[date(2026, 9, 29)]
    assert (day.eped, day.normal) == (1, 1)
    [item] = cal_svc.day_agenda(desk, floor.sp, date(2026, 9, 29))
    assert (item.what, item.rule, item.local.hour) == ("EPED follow-up", "E10", 17)
    assert date(2026, 10, 2) not in cal_svc.month_counts(desk, floor.sp, 2026, 10)


def test_e4_fcso_on_the_15th_day(desk, floor) -> None:
    fcso = esc_svc.raise_escalation(desk, floor.tps, category="fcso", crn=CRN)
    refer(desk, floor.sp, fcso.id)  # E4: the 15th day applies once referred to ICT
    [item] = cal_svc.day_agenda(desk, floor.sp, date(2026, 10, 9))
    assert (item.rule, item.what, item.local.hour) == ("E4", "deadline", 17)


def test_e12_overdue_day_counts_as_overdue(desk, floor, clock) -> None:
    esc_svc.raise_escalation(desk, floor.tps, category="death", crn=CRN)
    clock.advance(hours=48)
    counts = cal_svc.month_counts(desk, floor.sp, 2026, 9)
    assert counts[date(2026, 9, 26)].overdue == 1
    assert counts[date(2026, 9, 26)].normal == 0
    [item] = cal_svc.day_agenda(desk, floor.sp, date(2026, 9, 26))
    assert item.overdue


def test_s3_arrears_due_today_is_urgent_and_listed_first(desk, floor) -> None:
    esc_svc.raise_escalation(desk, floor.tps, category="review", crn=CRN)  # follow-up 2 Oct
    death = esc_svc.raise_escalation(desk, floor.tps, category="death", crn=CRN)  # due 26 Sep
    arrears = esc_svc.raise_escalation(
        desk, floor.tps, category="arrears", crn=CRN, doc_id=stop_payment_doc(desk, floor.tps)
    )
    counts = cal_svc.month_counts(desk, floor.sp, 2026, 9)
    assert counts[date(2026, 9, 25)].urgent == 1  # before COB today (E1, C6)
    assert counts[date(2026, 9, 26)].normal == 1
    assert cal_svc.month_counts(desk, floor.sp, 2026, 10)[date(2026, 10, 2)].normal == 1
    assert [i.escalation_id for i in cal_svc.day_agenda(desk, floor.sp, date(2026, 9, 25))] == [arrears.id]
    assert cal_svc.day_agenda(desk, floor.sp, date(2026, 9, 26))[0].escalation_id == death.id


def test_e9_referred_arrears_shows_due_and_follow_up_on_both_days(desk, floor) -> None:
    v = esc_svc.raise_escalation(desk, floor.tps, category="arrears", crn=CRN, doc_id=stop_payment_doc(desk, floor.tps))
    esc_svc.claim(desk, floor.sp, v.id)
    refer(desk, floor.sp, v.id)
    assert [i.what for i in cal_svc.day_agenda(desk, floor.sp, date(2026, 9, 25))] == ["deadline"]
    assert [(i.what, i.rule) for i in cal_svc.day_agenda(desk, floor.sp, date(2026, 10, 2))] == [("follow-up", "E9")]


def test_today_entry_is_counted_as_due_today(desk, floor) -> None:
    fcso = esc_svc.raise_escalation(
        desk, floor.tps, category="fcso", crn=CRN, raised_at=datetime(2026, 9, 11, 0, 0, tzinfo=UTC)
    )
    refer(desk, floor.sp, fcso.id)  # E4: the 15th day applies once referred to ICT
    day = cal_svc.month_counts(desk, floor.sp, 2026, 9)[date(2026, 9, 25)]
    assert (day.today, day.overdue) == (1, 0)


def test_r1_so_sees_only_their_own_items(desk, floor) -> None:
    esc_svc.raise_escalation(desk, floor.tps, category="death", crn=CRN)
    mine = esc_svc.raise_escalation(
        desk, floor.so, category="arrears", crn=CRN, doc_id=stop_payment_doc(desk, floor.so)
    )
    so_view = cal_svc.month_counts(desk, floor.so, 2026, 9)
    assert set(so_view) == {date(2026, 9, 25)}
    assert [i.escalation_id for i in cal_svc.day_agenda(desk, floor.so, date(2026, 9, 25))] == [mine.id]
    assert sum(c.total for c in cal_svc.month_counts(desk, floor.sp, 2026, 9).values()) == 2
    assert cal_svc.month_counts(desk, floor.cr_sso, 2026, 9) == {}  # another Centre


def test_c9_days_are_the_viewers_local_days(desk, floor, clock) -> None:
    clock.set(datetime(2026, 9, 25, 15, 0, tzinfo=UTC))  # Sat 01:00 Sydney, Fri 23:00 Perth
    esc_svc.raise_escalation(desk, floor.tps, category="death", crn=CRN)  # due Sun 01:00 Sydney
    assert set(cal_svc.month_counts(desk, floor.sp, 2026, 9)) == {date(2026, 9, 27)}
    assert set(cal_svc.month_counts(desk, floor.per_sp, 2026, 9)) == {date(2026, 9, 26)}


def test_c3_month_lists_site_public_holidays(desk, floor) -> None:
    data = cal_svc.month(desk, floor.sp, 2026, 10)
    assert data.holidays == {date(2026, 10, 5): "Labor Day"}
    assert data.today == date(2026, 9, 25)
    assert cal_svc.month(desk, floor.per_sp, 2026, 9).holidays.get(date(2026, 9, 28), "").startswith("King")


def test_finalised_items_leave_the_calendar(desk, floor) -> None:
    v = esc_svc.raise_escalation(desk, floor.tps, category="death", crn=CRN)
    with desk.store.write() as session:
        esc = session.get(Escalation, v.id)
        assert esc is not None
        esc.closed, esc.status = True, "finalised"
        apply_schedule(desk, session, esc)
    assert cal_svc.month_counts(desk, floor.sp, 2026, 9) == {}


def test_e9_e12_chain_through_the_workflow_refer_and_sweep(desk, floor, clock) -> None:
    from tpsdesk.services import workflow

    v = esc_svc.raise_escalation(desk, floor.tps, category="policy", summary="NNU conflicts with eReference")
    workflow.refer(desk, floor.sp, v.id, target="policy-advisor", form_ref="PA-123")
    assert [(i.escalation_id, i.rule) for i in cal_svc.day_agenda(desk, floor.sp, date(2026, 10, 2))] == [(v.id, "E9")]
    clock.set(datetime(2026, 10, 2, 3, 0, tzinfo=UTC))  # the follow-up fell due an hour ago
    assert esc_svc.sweep(desk) == 1  # awaiting-follow-up (E12)
    assert cal_svc.month_counts(desk, floor.sp, 2026, 10)[date(2026, 10, 2)].overdue == 1
    esc_svc.record_follow_up(desk, floor.sp, v.id, "advisor still investigating")
    october = cal_svc.month_counts(desk, floor.sp, 2026, 10)
    assert set(october) == {date(2026, 10, 9)} and october[date(2026, 10, 9)].normal == 1


def test_e3_review_14_days_after_referral_is_a_review_entry(desk, floor) -> None:
    v = esc_svc.raise_escalation(desk, floor.tps, category="death", crn=CRN)
    esc_svc.claim(desk, floor.sp, v.id)
    refer(desk, floor.sp, v.id)  # referral is the first action: the 24-hour deadline is met (E12)
    assert cal_svc.month_counts(desk, floor.sp, 2026, 9) == {}
    [item] = cal_svc.day_agenda(desk, floor.sp, date(2026, 10, 9))
    assert (item.what, item.rule, item.local.hour) == ("review", "E3", 10)


def test_c9_month_grid_counted_by_the_database_equals_the_agenda_entries(desk) -> None:
    """The grid's counts (one grouped query per kind of entry) are exactly what the day agendas
    hold, for every role and site's viewer across months on either side of a DST change."""
    from conftest import OWNER
    from sqlmodel import select

    from tpsdesk import demo
    from tpsdesk.models import Site, Staff

    demo.generate(desk, who=OWNER, size=400, seed=11)
    with desk.store.read() as session:
        staff = session.exec(select(Staff.logon, Staff.role, Site.code).join(Site, Site.id == Staff.site_id)).all()
    viewers = {(role, site): logon for logon, role, site in sorted(staff)}
    assert len(viewers) >= 6
    with desk.store.write() as session:  # a follow-up that falls on the deadline itself is one entry
        open_items = session.exec(select(Escalation).where(Escalation.closed == False, Escalation.due_at != None))  # noqa: E711, E712
        for esc in list(open_items)[:25]:
            esc.next_follow_up_at = esc.due_at
    checked = 0
    for logon in viewers.values():
        for year, month_no in ((2026, 8), (2026, 9), (2026, 10), (2026, 11), (2026, 12)):
            objects = cal_svc.month(desk, logon, year, month_no)
            grid = cal_svc.month_grid(desk, logon, year, month_no)
            assert grid.days == objects.days, (logon, year, month_no)
            assert grid.holidays == objects.holidays and grid.today == objects.today and not grid.items
            checked += sum(c.total + c.eped for c in grid.days.values())
    assert checked > 500  # the floor has entries of every kind to compare


def test_s3_e12_day_first_entries_are_the_head_of_the_whole_day(desk, clock) -> None:
    """The side panel's first entries of a day (``limit``) are exactly the first entries of the
    whole agenda in its order (stop-payment, then overdue, then by time; S3, E12), for every
    viewer, on busy days and quiet ones, before and after now, whatever the limit."""
    from datetime import timedelta

    from conftest import OWNER
    from sqlmodel import select

    from tpsdesk import demo
    from tpsdesk.models import Staff

    demo.generate(desk, who=OWNER, size=500, seed=12)
    with desk.store.read() as session:
        logons = sorted(session.exec(select(Staff.logon)).all())
    today = desk.now().date()
    compared = 0
    for logon in logons[::2]:
        for offset in (-9, -3, -1, 0, 1, 2, 5, 14):
            day = today + timedelta(days=offset)
            whole = cal_svc.day_agenda(desk, logon, day)
            for limit in (1, 3, 10, 30):
                first = cal_svc.day_agenda(desk, logon, day, limit=limit)
                assert [(i.escalation_id, i.what, i.at) for i in first] == [
                    (i.escalation_id, i.what, i.at) for i in whole[:limit]
                ], (logon, day, limit)
            compared += len(whole) > 10
    assert compared >= 5  # busy days, where the limit cuts the list
