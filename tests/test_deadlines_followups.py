"""Follow-up schedules of every category (C5, C9, C10, E2, E3 reviews, E9, E10, E12).

Each expected value is worked out from the rulebook by hand (the comment says
how); results are compared in the site's local time with its offset.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.deadline_helpers import iso, isos, run
from tpsdesk.businesstime import zone
from tpsdesk.policy import CATEGORIES

SYD = zone("Australia/Sydney")


# ---------------------------------------------------------------- C5 / E3 review within 14 days
def test_e3_death_review_14_days_from_referral_across_dst(policy, cal) -> None:
    syd = cal("SYD")
    r = run(policy, "death", syd, "2026-09-28T09:00", referred_at="2026-09-28T10:00")
    assert r.follow_up_rule == "E3"
    assert isos(syd, r.follow_ups[:2]) == ["2026-10-12T10:00+11:00", "2026-10-26T10:00+11:00"]
    assert r.next_action_at == r.follow_ups[0]


def test_e3_each_review_sets_the_next_14_days_on(policy, cal) -> None:
    syd = cal("SYD")
    first = run(policy, "death", syd, "2026-09-28T09:00", referred_at="2026-09-28T10:00", count=1)
    second = run(
        policy,
        "death",
        syd,
        "2026-09-28T09:00",
        referred_at="2026-09-28T10:00",
        last_follow_up_at="2026-10-12T09:00",
        count=1,
    )
    third = run(
        policy,
        "death",
        syd,
        "2026-09-28T09:00",
        referred_at="2026-09-28T10:00",
        last_follow_up_at="2026-10-26T15:30",
        count=1,
    )
    assert isos(syd, first.follow_ups + second.follow_ups + third.follow_ups) == [
        "2026-10-12T10:00+11:00",
        "2026-10-26T09:00+11:00",
        "2026-11-09T15:30+11:00",
    ]


def test_e3_review_across_dst_end_hobart_keeps_clock_time(policy, cal) -> None:
    hba = cal("HBA")
    r = run(policy, "death", hba, "2026-03-30T09:00", referred_at="2026-03-30T10:00")
    assert iso(hba, r.follow_ups[0]) == "2026-04-13T10:00+10:00"


def test_c9_e3_review_on_christmas_day_is_not_moved(policy, cal) -> None:
    syd = cal("SYD")
    r = run(policy, "death", syd, "2026-12-11T09:00", referred_at="2026-12-11T14:00")
    assert iso(syd, r.follow_ups[0]) == "2026-12-25T14:00+11:00"


def test_e3_finalised_has_no_review(policy, cal) -> None:
    r = run(policy, "death", cal("SYD"), "2026-09-28T09:00", referred_at="2026-09-28T10:00", finalised=True)
    assert r.follow_ups == [] and r.due is None and r.next_action_at is None


# ---------------------------------------------------------------- E2 review of a decision
def test_e2_review_follow_up_every_7_days_from_raised_while_open(policy, cal) -> None:
    syd = cal("SYD")
    r = run(policy, "review", syd, "2026-09-29T11:00")
    assert r.due is None and r.deadlines == []
    assert r.follow_up_rule == "E2"
    assert isos(syd, r.follow_ups) == [
        "2026-10-06T11:00+11:00",
        "2026-10-13T11:00+11:00",
        "2026-10-20T11:00+11:00",
        "2026-10-27T11:00+11:00",
    ]


def test_e2_recorded_follow_up_sets_the_next_7_days_on(policy, cal) -> None:
    syd = cal("SYD")
    r = run(policy, "review", syd, "2026-09-29T11:00", last_follow_up_at="2026-10-06T14:00", count=2)
    assert isos(syd, r.follow_ups) == ["2026-10-13T14:00+11:00", "2026-10-20T14:00+11:00"]


def test_e2_finalised_or_closed_has_no_follow_up(policy, cal) -> None:
    assert run(policy, "review", cal("SYD"), "2026-09-29T11:00", finalised=True).follow_ups == []
    assert run(policy, "review", cal("SYD"), "2026-09-29T11:00", open_follow_ups=False).follow_ups == []


# ---------------------------------------------------------------- E9 referral follow-up
@pytest.mark.parametrize("category", ["policy", "feedback", "q999", "qol", "arrears"])
def test_e9_referral_followed_up_every_7_days_while_referred(policy, cal, category) -> None:
    syd = cal("SYD")
    before = run(policy, category, syd, "2026-12-22T10:00")
    assert before.follow_ups == []
    r = run(policy, category, syd, "2026-12-22T10:00", referred_at="2026-12-24T16:00", count=2)
    assert r.follow_up_rule == "E9"
    # Not moved off New Year's Eve or New Year's week (C9): same clock time.
    assert isos(syd, r.follow_ups) == ["2026-12-31T16:00+11:00", "2027-01-07T16:00+11:00"]


def test_e9_across_dst_end_melbourne_same_clock_time(policy, cal) -> None:
    mel = cal("MEL")
    r = run(policy, "policy", mel, "2026-03-31T10:00", referred_at="2026-04-01T09:00", count=2)
    assert isos(mel, r.follow_ups) == ["2026-04-08T09:00+10:00", "2026-04-15T09:00+10:00"]


def test_e9_chain_over_several_cycles(policy, cal) -> None:
    syd = cal("SYD")
    got = []
    last = None
    for recorded in (None, "2026-10-08T09:30", "2026-10-15T12:00", "2026-10-23T08:15"):
        last = recorded or last
        r = run(
            policy, "q999", syd, "2026-09-30T10:00", referred_at="2026-10-01T11:00", last_follow_up_at=last, count=1
        )
        got.append(iso(syd, r.follow_ups[0]))
    assert got == [
        "2026-10-08T11:00+11:00",
        "2026-10-15T09:30+11:00",
        "2026-10-22T12:00+11:00",
        "2026-10-30T08:15+11:00",
    ]


def test_e9_stops_when_not_in_a_referred_state(policy, cal) -> None:
    r = run(policy, "policy", cal("SYD"), "2026-09-30T10:00", referred_at="2026-10-01T11:00", open_follow_ups=False)
    assert r.follow_ups == [] and r.next_action_at is None


def test_c10_e9_follow_up_in_the_skipped_hour_moves_forward_without_drift(policy, cal) -> None:
    syd = cal("SYD")
    r = run(policy, "feedback", syd, "2026-09-26T10:00", referred_at="2026-09-27T02:30", count=2)
    assert isos(syd, r.follow_ups) == ["2026-10-04T03:00+11:00", "2026-10-11T02:30+11:00"]


def test_c10_e9_follow_up_in_the_repeated_hour_takes_the_first(policy, cal) -> None:
    syd = cal("SYD")
    r = run(policy, "feedback", syd, "2026-03-28T10:00", referred_at="2026-03-29T02:30", count=2)
    assert r.follow_ups[0] == datetime(2026, 4, 4, 15, 30, tzinfo=UTC)  # 02:30 AEDT, first occurrence
    assert iso(syd, r.follow_ups[1]) == "2026-04-12T02:30+10:00"


# ---------------------------------------------------------------- E10 system issue: weekly or EPED
def test_e10_weekly_from_referral_not_moved_off_holidays(policy, cal) -> None:
    per = cal("PER")
    r = run(policy, "system", per, "2026-09-14T09:00", referred_at="2026-09-14T10:00")
    assert r.follow_up_rule == "E10"
    assert isos(per, r.follow_ups) == [
        "2026-09-21T10:00+08:00",
        "2026-09-28T10:00+08:00",  # King's Birthday (WA): calendar days are not moved (C9)
        "2026-10-05T10:00+08:00",
        "2026-10-12T10:00+08:00",
    ]


def test_e10_eped_before_the_weekly_comes_first_at_cob(policy, cal) -> None:
    per = cal("PER")
    r = run(policy, "system", per, "2026-09-14T09:00", referred_at="2026-09-14T10:00", eped=date(2026, 9, 17), count=3)
    assert isos(per, r.follow_ups) == ["2026-09-17T17:00+08:00", "2026-09-21T10:00+08:00", "2026-09-28T10:00+08:00"]
    assert r.next_action_at == r.follow_ups[0]


def test_e10_eped_after_two_weekly_follow_ups_slots_in(policy, cal) -> None:
    per = cal("PER")
    r = run(policy, "system", per, "2026-09-14T09:00", referred_at="2026-09-14T10:00", eped=date(2026, 10, 1))
    assert isos(per, r.follow_ups) == [
        "2026-09-21T10:00+08:00",
        "2026-09-28T10:00+08:00",
        "2026-10-01T17:00+08:00",
        "2026-10-05T10:00+08:00",
    ]


def test_e10_eped_on_a_weekend_is_followed_up_on_the_business_day_before(policy, cal) -> None:
    # Second edition: a weekend EPED moves back (Sat 26 -> Fri 25), while the period is open.
    per = cal("PER")
    r = run(policy, "system", per, "2026-09-14T09:00", referred_at="2026-09-14T10:00", eped=date(2026, 9, 26))
    assert "2026-09-25T17:00+08:00" in isos(per, r.follow_ups)
    assert "Sat 26 Sep 2026: weekend: follow up on the business day before (E10)" in r.explain


def test_e10_eped_on_a_holiday_after_a_weekend_moves_back_past_both(policy, cal) -> None:
    # Mon 28 Sep is King's Birthday (WA): back past Sun and Sat to Fri 25 Sep.
    per = cal("PER")
    r = run(policy, "system", per, "2026-09-14T09:00", referred_at="2026-09-14T10:00", eped=date(2026, 9, 28))
    assert "2026-09-25T17:00+08:00" in isos(per, r.follow_ups)
    assert "Mon 28 Sep 2026: King's Birthday (WA), not a business day: follow up on the business day before (E10)" in r.explain


def test_e10_follow_up_on_the_moved_day_meets_the_eped(policy, cal) -> None:
    per = cal("PER")
    kw = {"referred_at": "2026-09-14T10:00", "eped": date(2026, 9, 26), "count": 2}
    done = run(policy, "system", per, "2026-09-14T09:00", last_follow_up_at="2026-09-25T11:00", **kw)
    assert "2026-09-25T17:00+08:00" not in isos(per, done.follow_ups)


def test_e10_chain_eped_stays_until_followed_up_on_or_after_it(policy, cal) -> None:
    per = cal("PER")
    kw = {"referred_at": "2026-09-14T10:00", "eped": date(2026, 9, 29), "count": 2}
    before = run(policy, "system", per, "2026-09-14T09:00", last_follow_up_at="2026-09-21T11:00", **kw)
    assert isos(per, before.follow_ups) == ["2026-09-28T11:00+08:00", "2026-09-29T17:00+08:00"]
    on_eped = run(policy, "system", per, "2026-09-14T09:00", last_follow_up_at="2026-09-29T09:00", **kw)
    assert isos(per, on_eped.follow_ups) == ["2026-10-06T09:00+08:00", "2026-10-13T09:00+08:00"]


def test_e10_eped_before_the_referral_is_ignored(policy, cal) -> None:
    per = cal("PER")
    r = run(policy, "system", per, "2026-09-14T09:00", referred_at="2026-09-14T10:00", eped=date(2026, 9, 10), count=1)
    assert isos(per, r.follow_ups) == ["2026-09-21T10:00+08:00"]


def test_e10_no_follow_up_before_referral(policy, cal) -> None:
    r = run(policy, "system", cal("PER"), "2026-09-14T09:00", eped=date(2026, 9, 17))
    assert r.follow_ups == [] and r.due is None


def test_c8_e10_working_says_follow_ups_start_once_referred(policy, cal) -> None:
    r = run(policy, "system", cal("PER"), "2026-09-14T09:00", eped=date(2026, 9, 17))
    assert "follow-ups every 7 days run once it is referred (E10); none scheduled now" in r.explain


def test_e10_eped_ignored_by_categories_without_eped(policy, cal) -> None:
    syd = cal("SYD")
    r = run(policy, "policy", syd, "2026-09-14T09:00", referred_at="2026-09-14T10:00", eped=date(2026, 9, 15), count=1)
    assert isos(syd, r.follow_ups) == ["2026-09-21T10:00+10:00"]


# ---------------------------------------------------------------- every category, one raise
EVERY = {
    # raised Tue 29 Sep 10:00 AEST, referred Wed 30 Sep 09:00 AEST, EPED Fri 2 Oct; DST starts Sun 4 Oct.
    "arrears": ("2026-09-29T17:00+10:00", "2026-10-07T09:00+11:00"),
    "review": (None, "2026-10-06T10:00+11:00"),
    "death": (None, "2026-10-14T09:00+11:00"),
    "fcso": ("2026-10-13T17:00+11:00", None),
    "system": (None, "2026-10-02T17:00+10:00"),
    "policy": (None, "2026-10-07T09:00+11:00"),
    "feedback": (None, "2026-10-07T09:00+11:00"),
    "q999": (None, "2026-10-07T09:00+11:00"),
    "qol": (None, "2026-10-07T09:00+11:00"),
}


def test_every_category_has_an_expected_case() -> None:
    assert set(EVERY) == set(CATEGORIES)


@pytest.mark.parametrize("category", list(EVERY))
def test_e1_to_e10_every_category_due_and_first_follow_up(policy, cal, category) -> None:
    syd = cal("SYD")
    r = run(
        policy, category, syd, "2026-09-29T10:00", referred_at="2026-09-30T09:00", referral_target="ict",
        eped=date(2026, 10, 2),
    )  # fmt: skip
    due, first = EVERY[category]
    assert iso(syd, r.due) == due
    assert iso(syd, r.follow_ups[0] if r.follow_ups else None) == first
    assert r.next_action_at == min(x for x in (r.due, r.follow_ups[0] if r.follow_ups else None) if x)
