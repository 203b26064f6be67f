"""E1, E3, E4, E10, E13, D4, S3: the schedule of an item from its plain facts.

Hand-built ``Item``s, the shipped policy and the built-in Sydney calendar
(``cal("SYD")``: NSW holidays, 08:00 to 17:00, daylight saving from Sun 4 Oct 2026).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from tpsdesk.domain import schedule
from tpsdesk.domain.facts import Item
from tpsdesk.domain.schedule import RANK_CLOSED, RANK_URGENT
from tpsdesk.domain.vocab import OPEN_STATUSES, Category, Channel, NextAction, Status, Target

T = datetime(2026, 9, 25, 0, 0, tzinfo=UTC)  # Fri 25 Sep 2026 10:00 AEST
SC, CR = Channel.SMART_CENTRE, Channel.COMP_RECOVERY


@pytest.fixture
def syd(cal):
    return cal("SYD")


def item(category: str, *, status: Status = Status.NEW, channel: Channel = SC, **kw: object) -> Item:
    return Item(
        id=7,
        category=category,
        centre_id=1,
        channel=channel,
        status=status,
        raised_by_id=2,
        raised_at=kw.pop("raised_at", T),  # type: ignore[arg-type]
        closed=status is Status.FINALISED,
        **kw,  # type: ignore[arg-type]
    )


def local_days_later(syd, start: datetime, days: int) -> datetime:
    """C5 in the test's own words: the same local clock time ``days`` local dates on."""
    here = syd.local(start)
    return syd.at(here.date() + timedelta(days=days), here.time().replace(tzinfo=None))


# ---------------------------------------------------------------- E3
def test_e3_death_claimed_with_a_note_is_reviewed_14_local_days_after_the_action(policy, syd) -> None:
    acted = T + timedelta(hours=1)  # the claim's note, Fri 11:00 AEST; the review falls in AEDT (C5)
    it = item(Category.DEATH, status=Status.IN_PROGRESS, owner_id=5, actioned_at=acted, last_action_at=acted)
    plan = schedule.plan(policy, syd, it)
    want = local_days_later(syd, acted, 14)
    assert syd.local(plan.next_action_at).date() == date(2026, 10, 9)
    assert syd.local(plan.next_action_at).time() == time(11, 0)
    assert (plan.next_action_at, plan.next_action, plan.rule) == (want, NextAction.REVIEW, "E3")
    assert plan.due is None  # the 24-hour action deadline is met by the note (E12)


def test_e3_unactioned_death_is_due_within_24_real_hours(policy, syd) -> None:
    plan = schedule.plan(policy, syd, item(Category.DEATH))
    assert (plan.due, plan.next_action_at, plan.next_action) == (
        T + timedelta(hours=24),
        T + timedelta(hours=24),
        NextAction.DUE,
    )


def test_e3_a_recorded_review_sets_the_next_14_days_on(policy, syd) -> None:
    reviewed = T + timedelta(days=14)
    it = item(Category.DEATH, status=Status.REFERRED, owner_id=5, actioned_at=T, last_action_at=reviewed,
              referred_at=T, referral_target=Target.ICT, last_follow_up_at=reviewed)  # fmt: skip
    plan = schedule.plan(policy, syd, it)
    assert (plan.next_action_at, plan.next_action) == (local_days_later(syd, reviewed, 14), NextAction.REVIEW)


# ---------------------------------------------------------------- E13, D4
E13_CATEGORIES = [Category.SYSTEM, Category.POLICY, Category.Q999, Category.QOL, Category.FEEDBACK]


@pytest.mark.parametrize("category", E13_CATEGORIES, ids=str)
def test_e13_claimed_not_referred_item_has_a_progress_check_7_days_after_its_last_action(policy, syd, category) -> None:
    last = T + timedelta(days=2, hours=3)
    it = item(category, status=Status.IN_PROGRESS, owner_id=5, actioned_at=T, last_action_at=last)
    plan = schedule.plan(policy, syd, it)
    assert (plan.next_action_at, plan.next_action, plan.rule) == (
        local_days_later(syd, last, 7),
        NextAction.PROGRESS_CHECK,
        "E13",
    )


@pytest.mark.parametrize("category", E13_CATEGORIES, ids=str)
def test_d4_comp_recovery_check_is_a_record_update_counted_from_the_last_update(policy, cal, category) -> None:
    bne = cal("BNE")
    updated = T + timedelta(days=1)
    later_note = T + timedelta(days=3)  # a note that does not update the record does not move D4's check
    it = item(category, status=Status.IN_PROGRESS, channel=CR, owner_id=5, actioned_at=T,
              last_action_at=later_note, record_updated_at=updated)  # fmt: skip
    plan = schedule.plan(policy, bne, it)
    assert (plan.next_action_at, plan.next_action, plan.rule) == (
        bne.add_days(updated, 7),
        NextAction.RECORD_UPDATE,
        "D4",
    )
    assert plan.next_action_at == updated + timedelta(days=7)  # Brisbane keeps no daylight saving


def test_e13_unclaimed_new_policy_item_is_checked_7_days_after_the_raise(policy, syd) -> None:
    plan = schedule.plan(policy, syd, item(Category.POLICY))
    assert (plan.next_action_at, plan.next_action) == (local_days_later(syd, T, 7), NextAction.PROGRESS_CHECK)


def _open_variants(category: str, status: Status, channel: Channel) -> list[Item]:
    """Plausible facts for an open item in ``status``: claimed or not, actioned or not,
    referred to each target when referred, arrears met or not, with or without an EPED."""
    out = []
    referred = status in (Status.REFERRED, Status.AWAITING_FOLLOW_UP)
    owners = [None, 5] if status is not Status.IN_PROGRESS else [5]
    targets = [Target.ICT, Target.POLICY_ADVISOR, Target.HELPDESK, Target.ACTDOC] if referred else [""]
    for owner in owners:
        for target in targets:
            for acted in [None, T + timedelta(hours=2)] if not referred else [T + timedelta(hours=2)]:
                for extra in ({}, {"eped": date(2026, 10, 3)}, {"ict_requested_at": T + timedelta(hours=1)}):
                    out.append(
                        item(category, status=status, channel=channel, owner_id=owner, actioned_at=acted,
                             last_action_at=acted, referred_at=acted if referred else None, referral_target=target,
                             contact_at=T, reported_at=T, service_first="40012345" if referred else "", **extra)
                    )  # fmt: skip
    return out


@pytest.mark.parametrize("channel", [SC, CR], ids=str)
@pytest.mark.parametrize("status", OPEN_STATUSES, ids=str)
@pytest.mark.parametrize("category", list(Category), ids=str)
def test_e13_no_open_item_without_a_date(policy, cal, category, status, channel) -> None:
    c = cal("SYD" if channel is SC else "BNE")
    for it in _open_variants(category, status, channel):
        plan = schedule.plan(policy, c, it)
        assert plan.next_action_at is not None, it
        assert plan.next_action is not NextAction.NONE, it
        assert plan.rank != RANK_CLOSED and plan.rule
        assert plan.next_action_at > it.raised_at  # a next action, not a date in the item's past
        for t in (it.last_action_at, it.referred_at):
            if t is not None and plan.next_action is not NextAction.DUE:
                assert plan.next_action_at > t, it  # a recorded action moves it on


@pytest.mark.parametrize("category", list(Category), ids=str)
def test_e12_finalised_items_have_no_next_action_and_rank_closed(policy, syd, category) -> None:
    it = item(category, status=Status.FINALISED, owner_id=5, actioned_at=T, last_action_at=T, finalised_at=T,
              referred_at=T, referral_target=Target.ICT, reported_at=T, contact_at=T)  # fmt: skip
    plan = schedule.plan(policy, syd, it)
    assert (plan.next_action_at, plan.next_action, plan.rank, plan.next_follow_up) == (
        None,
        NextAction.NONE,
        RANK_CLOSED,
        None,
    )


# ---------------------------------------------------------------- E1, S3
def test_e1_cob_deadline_counts_from_the_report_not_the_raise(policy, syd) -> None:
    reported = datetime(2026, 9, 24, 5, 0, tzinfo=UTC)  # Thu 24 Sep 15:00 AEST: the contact
    plan = schedule.plan(policy, syd, item(Category.ARREARS, reported_at=reported))
    assert plan.due == syd.cob_on(date(2026, 9, 24))  # Thu's COB, though raised on Fri (E1, C6)
    assert (plan.next_action, plan.rank, plan.rule) == (NextAction.DUE, RANK_URGENT, "E1")


def test_e1_c6_reported_after_cob_is_due_next_business_days_cob_after_hours(policy, syd) -> None:
    reported = datetime(2026, 9, 25, 8, 30, tzinfo=UTC)  # Fri 18:30 AEST
    plan = schedule.plan(policy, syd, item(Category.ARREARS, raised_at=reported, reported_at=reported))
    assert plan.due == syd.cob_on(date(2026, 9, 28)) and plan.after_hours and plan.urgent


def _met(policy, syd, asked: datetime) -> schedule.Schedule:
    it = item(Category.ARREARS, status=Status.REFERRED, owner_id=5, reported_at=T, actioned_at=asked,
              last_action_at=asked, referred_at=asked, referral_target=Target.ICT, ict_requested_at=asked,
              service_first="40012345")  # fmt: skip
    return schedule.plan(policy, syd, it)


def test_e1_s3_met_by_the_ict_request_before_cob_and_leaves_urgent(policy, syd) -> None:
    asked = T + timedelta(hours=3)  # Fri 13:00, before COB
    plan = _met(policy, syd, asked)
    [stop] = [d for d in plan.result.deadlines if d.rule == "E1"]
    assert stop.met and stop.met_at == asked and stop.at == syd.cob_on(date(2026, 9, 25))
    assert stop.met_at <= stop.at  # on time
    assert plan.due is None and plan.rank != RANK_URGENT and not plan.urgent
    assert plan.next_action_at is not None  # still open: it is followed up until finalised (E13)


def test_e1_an_ict_request_after_cob_is_recorded_as_late(policy, syd) -> None:
    asked = T + timedelta(days=1)  # Sat 10:00: after Friday's COB
    plan = _met(policy, syd, asked)
    [stop] = [d for d in plan.result.deadlines if d.rule == "E1"]
    assert stop.met and stop.met_at == asked and stop.met_at > stop.at  # met, late: the shift summary shows it
    assert plan.rank != RANK_URGENT


def test_s3_unmet_arrears_stay_urgent_even_when_referred_without_a_number(policy, syd) -> None:
    it = item(Category.ARREARS, status=Status.REFERRED, owner_id=5, reported_at=T, actioned_at=T,
              last_action_at=T, referred_at=T, referral_target=Target.ICT)  # fmt: skip
    plan = schedule.plan(policy, syd, it)
    assert plan.rank == RANK_URGENT and plan.due == syd.cob_on(date(2026, 9, 25))


# ---------------------------------------------------------------- E4
def test_e4_fcso_not_referred_to_ict_has_no_date_of_its_own(policy, syd) -> None:
    for target, status in (("", Status.IN_PROGRESS), (Target.POLICY_ADVISOR, Status.REFERRED)):
        it = item(Category.FCSO, status=status, owner_id=5, contact_at=T, actioned_at=T, last_action_at=T,
                  referred_at=T if target else None, referral_target=target)  # fmt: skip
        plan = schedule.plan(policy, syd, it)
        assert plan.due is None
        assert plan.next_action is not NextAction.FINALISE_ON
        assert plan.next_action is NextAction.PROGRESS_CHECK  # E13


def test_e4_fcso_referred_to_ict_is_finalised_on_the_15th_day(policy, syd) -> None:
    referred = T + timedelta(days=3)
    it = item(Category.FCSO, status=Status.REFERRED, owner_id=5, contact_at=T, actioned_at=referred,
              last_action_at=referred, referred_at=referred, referral_target=Target.ICT)  # fmt: skip
    plan = schedule.plan(policy, syd, it)
    # Contact Fri 25 Sep is day one: the 15th day is Fri 9 Oct, due at COB (C7).
    assert (plan.next_action_at, plan.next_action) == (syd.cob_on(date(2026, 10, 9)), NextAction.FINALISE_ON)


def test_e4_c7_a_15th_day_on_a_weekend_moves_to_the_next_business_day(policy, syd) -> None:
    contact = datetime(2026, 9, 27, 0, 0, tzinfo=UTC)  # Sun 27 Sep: the 15th day is Sun 11 Oct
    it = item(Category.FCSO, status=Status.REFERRED, owner_id=5, raised_at=contact, contact_at=contact,
              actioned_at=contact, last_action_at=contact, referred_at=contact, referral_target=Target.ICT)  # fmt: skip
    plan = schedule.plan(policy, syd, it)
    assert (plan.next_action_at, plan.next_action) == (syd.cob_on(date(2026, 10, 12)), NextAction.FINALISE_ON)


# ---------------------------------------------------------------- E10
REFERRED_AT = datetime(2026, 9, 28, 0, 0, tzinfo=UTC)  # Mon 28 Sep 10:00 AEST


def _system(eped: date) -> Item:
    return item(Category.SYSTEM, status=Status.REFERRED, owner_id=5, actioned_at=REFERRED_AT,
                last_action_at=REFERRED_AT, referred_at=REFERRED_AT, referral_target=Target.ICT, eped=eped)  # fmt: skip


@pytest.mark.parametrize(
    "eped",
    [date(2026, 10, 3), date(2026, 10, 4), date(2026, 10, 5)],  # Sat, Sun, Mon Labour Day (NSW)
    ids=["saturday", "sunday", "labour-day"],
)
def test_e10_a_non_business_eped_is_followed_up_on_the_business_day_before(policy, syd, eped) -> None:
    plan = schedule.plan(policy, syd, _system(eped))
    # Fri 2 Oct, while the entitlement period is still open; before the weekly one (Mon 5 Oct).
    assert syd.local(plan.next_follow_up).date() == date(2026, 10, 2)
    assert plan.next_action_at == plan.next_follow_up and plan.next_action is NextAction.FOLLOW_UP
    assert plan.next_follow_up <= syd.cob_on(date(2026, 10, 2))


def test_e10_weekly_when_the_eped_is_later(policy, syd) -> None:
    plan = schedule.plan(policy, syd, _system(date(2026, 11, 30)))
    assert plan.next_follow_up == local_days_later(syd, REFERRED_AT, 7)
