"""Due times and follow-ups of every category (C4 to C10, E1 to E12).

Each expected value is worked out from the rulebook by hand (the comment says
how); results are compared in the site's local time with its offset.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.deadline_helpers import iso, run
from tpsdesk.businesstime import SiteCalendar, zone
from tpsdesk.deadlines import compute

SYD = zone("Australia/Sydney")


# ---------------------------------------------------------------- C6 / E1 arrears: before COB
def test_c6_before_cob_on_a_business_day_is_due_the_same_day(policy, cal) -> None:
    syd = cal("SYD")
    r = run(policy, "arrears", syd, "2026-09-29T10:00")
    assert iso(syd, r.due) == "2026-09-29T17:00+10:00"
    assert r.after_hours is False


def test_c6_one_minute_before_cob_is_still_the_same_day(policy, cal) -> None:
    syd = cal("SYD")
    r = run(policy, "arrears", syd, "2026-09-29T16:59")
    assert iso(syd, r.due) == "2026-09-29T17:00+10:00"
    assert not r.after_hours


def test_c6_exactly_cob_is_not_before_cob(policy, cal) -> None:
    syd = cal("SYD")
    r = run(policy, "arrears", syd, "2026-09-29T17:00")
    assert iso(syd, r.due) == "2026-09-30T17:00+10:00"
    assert r.after_hours is True


def test_c6_before_opening_on_a_business_day_is_the_same_day(policy, cal) -> None:
    syd = cal("SYD")
    r = run(policy, "arrears", syd, "2026-09-29T06:30")
    assert iso(syd, r.due) == "2026-09-29T17:00+10:00"
    assert not r.after_hours


def test_c6_after_cob_perth_kings_birthday_moves_to_tuesday(policy, cal) -> None:
    # C8's own example: Fri 17:40 after COB -> Sat, Sun -> Mon 28 Sep King's Birthday (WA) -> Tue.
    per = cal("PER")
    r = run(policy, "arrears", per, "2026-09-25T17:40")
    assert iso(per, r.due) == "2026-09-29T17:00+08:00"
    assert r.after_hours is True


def test_c6_same_friday_evening_in_sydney_is_due_monday(policy, cal) -> None:
    syd = cal("SYD")
    r = run(policy, "arrears", syd, "2026-09-25T17:40")
    assert iso(syd, r.due) == "2026-09-28T17:00+10:00"
    assert r.after_hours


def test_c6_raised_on_a_weekend_is_next_business_day_after_hours(policy, cal) -> None:
    syd = cal("SYD")
    r = run(policy, "arrears", syd, "2026-09-26T09:00")
    assert iso(syd, r.due) == "2026-09-28T17:00+10:00"
    assert r.after_hours


def test_c6_raised_on_good_friday_skips_the_easter_weekend(policy, cal) -> None:
    # Good Friday, Easter Saturday, Easter Sunday, Easter Monday -> Tue 7 Apr (AEST again).
    syd = cal("SYD")
    r = run(policy, "arrears", syd, "2026-04-03T10:00")
    assert iso(syd, r.due) == "2026-04-07T17:00+10:00"
    assert r.after_hours
    text = "\n".join(r.explain)
    for name in ("Good Friday", "Easter Saturday", "Easter Sunday", "Easter Monday"):
        assert name in text


def test_c6_perth_good_friday_has_no_easter_saturday_holiday_but_still_tuesday(policy, cal) -> None:
    per = cal("PER")
    r = run(policy, "arrears", per, "2026-04-02T17:30")
    assert iso(per, r.due) == "2026-04-07T17:00+08:00"
    assert "Sat 4 Apr 2026: weekend" in r.explain


def test_c6_christmas_2026_boxing_day_observed_monday(policy, cal) -> None:
    # Thu 24 Dec after COB -> Fri 25 Christmas, Sat 26 Boxing Day, Sun 27, Mon 28 observed -> Tue 29.
    syd = cal("SYD")
    r = run(policy, "arrears", syd, "2026-12-24T17:30")
    assert iso(syd, r.due) == "2026-12-29T17:00+11:00"
    assert any("Boxing Day (observed)" in step for step in r.explain)


def test_c6_christmas_2027_both_days_observed_27_and_28(policy, cal) -> None:
    per = cal("PER")
    r = run(policy, "arrears", per, "2027-12-24T18:00")
    assert iso(per, r.due) == "2027-12-29T17:00+08:00"


def test_c6_wa_day_only_delays_perth(policy, cal) -> None:
    per, syd = cal("PER"), cal("SYD")
    assert iso(per, run(policy, "arrears", per, "2026-05-29T17:30").due) == "2026-06-02T17:00+08:00"
    assert iso(syd, run(policy, "arrears", syd, "2026-05-29T17:30").due) == "2026-06-01T17:00+10:00"


def test_c6_kings_birthday_june_delays_sydney_not_perth_or_brisbane(policy, cal) -> None:
    assert iso(cal("SYD"), run(policy, "arrears", cal("SYD"), "2026-06-05T17:30").due) == "2026-06-09T17:00+10:00"
    assert iso(cal("PER"), run(policy, "arrears", cal("PER"), "2026-06-05T17:30").due) == "2026-06-08T17:00+08:00"
    assert iso(cal("BNE"), run(policy, "arrears", cal("BNE"), "2026-06-05T17:30").due) == "2026-06-08T17:00+10:00"


def test_c6_first_monday_october_qld_kings_birthday_nsw_labour_day_vic_neither(policy, cal) -> None:
    # Fri 2 Oct after COB; DST starts Sun 4 Oct in NSW and VIC, not QLD.
    assert iso(cal("BNE"), run(policy, "arrears", cal("BNE"), "2026-10-02T17:30").due) == "2026-10-06T17:00+10:00"
    assert iso(cal("SYD"), run(policy, "arrears", cal("SYD"), "2026-10-02T17:30").due) == "2026-10-06T17:00+11:00"
    assert iso(cal("MEL"), run(policy, "arrears", cal("MEL"), "2026-10-02T17:30").due) == "2026-10-05T17:00+11:00"


def test_c6_labour_day_march_differs_by_state(policy, cal) -> None:
    # Mon 9 Mar 2026: Labour Day VIC, Canberra Day ACT, Adelaide Cup SA, Eight Hours Day TAS.
    for code, want in {
        "MEL": "2026-03-10T17:00+11:00",
        "CBR": "2026-03-10T17:00+11:00",
        "ADL": "2026-03-10T17:00+10:30",
        "HBA": "2026-03-10T17:00+11:00",
        "SYD": "2026-03-09T17:00+11:00",
        "DRW": "2026-03-09T17:00+09:30",
    }.items():
        assert iso(cal(code), run(policy, "arrears", cal(code), "2026-03-06T17:30").due) == want, code
    # WA Labour Day is Mon 2 Mar.
    assert iso(cal("PER"), run(policy, "arrears", cal("PER"), "2026-02-27T17:30").due) == "2026-03-03T17:00+08:00"


def test_c6_melbourne_cup_vic_only(policy, cal) -> None:
    assert iso(cal("MEL"), run(policy, "arrears", cal("MEL"), "2026-11-02T17:30").due) == "2026-11-04T17:00+11:00"
    assert iso(cal("SYD"), run(policy, "arrears", cal("SYD"), "2026-11-02T17:30").due) == "2026-11-03T17:00+11:00"


def test_c6_darwin_picnic_day(policy, cal) -> None:
    assert iso(cal("DRW"), run(policy, "arrears", cal("DRW"), "2026-07-31T17:30").due) == "2026-08-04T17:00+09:30"


def test_c6_site_cob_time_is_used() -> None:
    from datetime import time

    from tpsdesk.policy import load_policy

    policy = load_policy(use_override=False)
    early = SiteCalendar("SYD2", "Australia/Sydney", "NSW", cob_time=time(16, 30))
    r = compute(policy.categories["arrears"], early.parse("2026-09-29T16:45"), early)
    assert iso(early, r.due) == "2026-09-30T16:30+10:00"
    assert r.after_hours


def test_e1_arrears_met_only_by_finalisation(policy, cal) -> None:
    syd = cal("SYD")
    assert run(policy, "arrears", syd, "2026-09-29T10:00", actioned_at="2026-09-29T11:00").due is not None
    done = run(policy, "arrears", syd, "2026-09-29T10:00", finalised=True)
    assert done.due is None
    assert done.deadlines[0].met


# ---------------------------------------------------------------- C8 working
def test_c8_working_lists_each_skipped_day_and_the_final_due(policy, cal) -> None:
    r = run(policy, "arrears", cal("PER"), "2026-09-25T17:40")
    assert r.explain[0].startswith("raised Fri 25 Sep 2026 17:40 AWST at PER (WA, Australia/Perth)")
    assert "17:40 is at or after COB 17:00: next business day, flagged after hours (C6)" in r.explain
    skipped = [s for s in r.explain if s.startswith(("Sat 26 Sep", "Sun 27 Sep", "Mon 28 Sep"))]
    assert skipped == [
        "Sat 26 Sep 2026: weekend",
        "Sun 27 Sep 2026: weekend",
        "Mon 28 Sep 2026: King's Birthday (WA), not a business day",
    ]
    assert r.explain[-1] == "due Tue 29 Sep 2026 17:00 AWST (after hours: act at once)"


def test_c8_weekend_raise_names_the_raising_day(policy, cal) -> None:
    r = run(policy, "arrears", cal("SYD"), "2026-09-26T09:00")
    assert "Sat 26 Sep 2026: weekend: next business day, flagged after hours (C6)" in r.explain
    assert "Sun 27 Sep 2026: weekend" in r.explain


def test_c8_no_explain_gives_no_working(policy, cal) -> None:
    syd = cal("SYD")
    r = compute(policy.categories["arrears"], syd.parse("2026-09-25T17:40"), syd)
    assert r.explain == []


# ---------------------------------------------------------------- C9 zones
def test_c9_working_shown_in_viewer_zone_with_offset(policy, cal) -> None:
    per = cal("PER")
    r = compute(policy.categories["arrears"], per.parse("2026-09-25T17:40"), per, explain=True, viewer=SYD)
    assert r.explain[0].startswith("raised Fri 25 Sep 2026 19:40 AEST (UTC+10:00) at PER")
    assert r.explain[-1] == "due Tue 29 Sep 2026 19:00 AEST (UTC+10:00) (after hours: act at once)"
    # The deadline itself still follows Perth's calendar.
    assert r.due == datetime(2026, 9, 29, 9, 0, tzinfo=UTC)


def test_c9_the_raising_site_decides_the_calendar(policy, cal) -> None:
    instant = datetime(2026, 9, 25, 9, 40, tzinfo=UTC)  # 17:40 Perth, 19:40 Sydney
    per = compute(policy.categories["arrears"], instant, cal("PER"))
    syd = compute(policy.categories["arrears"], instant, cal("SYD"))
    assert per.due == datetime(2026, 9, 29, 9, 0, tzinfo=UTC)
    assert syd.due == datetime(2026, 9, 28, 7, 0, tzinfo=UTC)


def test_c1_results_are_utc_instants(policy, cal) -> None:
    r = run(policy, "death", cal("SYD"), "2026-10-03T10:00", referred_at="2026-10-03T12:00")
    assert r.deadlines[0].at.tzinfo is UTC
    assert all(f.tzinfo is UTC for f in r.follow_ups)


# ---------------------------------------------------------------- C4 / E3 action within 24 hours
def test_c4_e3_death_24_real_hours_across_dst_start_sydney(policy, cal) -> None:
    # Sat 3 Oct 10:00 AEST + 24 real hours = Sun 4 Oct 11:00 AEDT (clocks went forward).
    syd = cal("SYD")
    r = run(policy, "death", syd, "2026-10-03T10:00")
    assert iso(syd, r.due) == "2026-10-04T11:00+11:00"
    assert not r.after_hours


def test_c4_aware_local_input_still_adds_real_hours(policy, cal) -> None:
    syd = cal("SYD")
    raised = datetime(2026, 10, 3, 10, 0, tzinfo=SYD)  # aware in the site zone, not UTC
    r = compute(policy.categories["death"], raised, syd)
    assert iso(syd, r.due) == "2026-10-04T11:00+11:00"
    assert r.due - raised == timedelta(hours=24)


def test_c4_e3_death_24_real_hours_across_dst_end_hobart(policy, cal) -> None:
    # Sat 4 Apr 10:00 AEDT + 24 h = Sun 5 Apr 09:00 AEST (clocks went back).
    hba = cal("HBA")
    assert iso(hba, run(policy, "death", hba, "2026-04-04T10:00").due) == "2026-04-05T09:00+10:00"


def test_c4_adelaide_half_hour_zone_across_dst_start(policy, cal) -> None:
    adl = cal("ADL")
    assert iso(adl, run(policy, "death", adl, "2026-10-03T10:00").due) == "2026-10-04T11:00+10:30"


@pytest.mark.parametrize("code,offset", [("BNE", "+10:00"), ("PER", "+08:00"), ("DRW", "+09:30")])
def test_c4_no_dst_zones_keep_the_clock_time(policy, cal, code, offset) -> None:
    site = cal(code)
    assert iso(site, run(policy, "death", site, "2026-10-03T10:00").due) == f"2026-10-04T10:00{offset}"


def test_c9_e3_elapsed_due_on_a_holiday_is_not_moved(policy, cal) -> None:
    syd = cal("SYD")
    assert iso(syd, run(policy, "death", syd, "2026-12-24T15:00").due) == "2026-12-25T15:00+11:00"


def test_e3_action_met_by_first_action_referral_or_finalisation(policy, cal) -> None:
    syd = cal("SYD")
    assert run(policy, "death", syd, "2026-09-29T10:00", actioned_at="2026-09-29T11:00").due is None
    assert run(policy, "death", syd, "2026-09-29T10:00", referred_at="2026-09-29T11:00").due is None
    assert run(policy, "death", syd, "2026-09-29T10:00", finalised=True).due is None
    open_item = run(policy, "death", syd, "2026-09-29T10:00")
    assert open_item.follow_ups == []  # no review until referred
    assert open_item.next_action_at == open_item.due


# ---------------------------------------------------------------- C7 / E4 FCSO 15th day
# E4 (second edition): the 15th day applies only to an FCSO escalation referred to ICT,
# so these cases refer at the raise; ``test_e4_*_not_referred_*`` covers the rest.
def fcso(policy, site, at: str, **kw):
    kw.setdefault("referred_at", at)
    return run(policy, "fcso", site, at, referral_target="ict", **kw)


def test_e4_fcso_15th_day_is_contact_plus_14_at_cob(policy, cal) -> None:
    syd = cal("SYD")
    r = fcso(policy, syd, "2026-09-14T10:00")
    assert iso(syd, r.due) == "2026-09-28T17:00+10:00"
    assert not r.after_hours


def test_e4_fcso_15th_day_on_perth_kings_birthday_moves_to_tuesday(policy, cal) -> None:
    per = cal("PER")
    assert iso(per, fcso(policy, per, "2026-09-14T10:00").due) == "2026-09-29T17:00+08:00"


def test_c7_e4_15th_day_on_a_sunday_moves_past_nsw_labour_day(policy, cal) -> None:
    # Day one Sun 20 Sep -> day 15 Sun 4 Oct -> Mon 5 Oct Labour Day (NSW) -> Tue 6 Oct, AEDT.
    syd = cal("SYD")
    assert iso(syd, fcso(policy, syd, "2026-09-20T11:00").due) == "2026-10-06T17:00+11:00"


def test_c7_e4_15th_day_good_friday_moves_to_easter_tuesday(policy, cal) -> None:
    syd = cal("SYD")
    assert iso(syd, fcso(policy, syd, "2026-03-20T09:00").due) == "2026-04-07T17:00+10:00"


def test_c7_e4_after_cob_raise_does_not_change_day_one(policy, cal) -> None:
    syd = cal("SYD")
    r = fcso(policy, syd, "2026-09-14T18:30")
    assert iso(syd, r.due) == "2026-09-28T17:00+10:00"
    assert not r.after_hours


def test_c9_e4_day_one_is_the_local_date_at_the_raising_site(policy, cal) -> None:
    instant = datetime(2026, 9, 13, 15, 30, tzinfo=UTC)  # Mon 01:30 Sydney; Sun 23:30 Perth
    syd, per = cal("SYD"), cal("PER")
    ict = {"referred_at": instant, "referral_target": "ict"}
    assert iso(syd, compute(policy.categories["fcso"], instant, syd, **ict).due) == "2026-09-28T17:00+10:00"
    # Perth: day one Sun 13 -> day 15 Sun 27 -> Mon 28 King's Birthday -> Tue 29.
    assert iso(per, compute(policy.categories["fcso"], instant, per, **ict).due) == "2026-09-29T17:00+08:00"


def test_e4_counts_from_the_original_contact_when_known(policy, cal) -> None:
    syd = cal("SYD")
    r = fcso(policy, syd, "2026-09-16T10:00", contact_at="2026-09-14T15:00")
    assert iso(syd, r.due) == "2026-09-28T17:00+10:00"


def test_c8_e4_working_names_day_one_day_15_and_skipped_days(policy, cal) -> None:
    r = fcso(policy, cal("PER"), "2026-09-14T10:00")
    assert "day one is Mon 14 Sep 2026; day 15 is Mon 28 Sep 2026, due at COB (C7)" in r.explain
    assert "Mon 28 Sep 2026: King's Birthday (WA), not a business day" in r.explain
    assert r.explain[-1] == "due Tue 29 Sep 2026 17:00 AWST"


def test_e4_has_no_weekly_follow_up_even_when_referred(policy, cal) -> None:
    r = fcso(policy, cal("SYD"), "2026-09-14T10:00", referred_at="2026-09-14T11:00")
    assert r.follow_ups == [] and r.follow_up_rule is None
    assert r.due is not None  # referral does not meet "finalised on the 15th day"


def test_e4_fcso_not_referred_to_ict_has_no_15th_day(policy, cal) -> None:
    syd = cal("SYD")
    assert run(policy, "fcso", syd, "2026-09-14T10:00").due is None
    referred_elsewhere = run(
        policy, "fcso", syd, "2026-09-14T10:00", referred_at="2026-09-14T11:00", referral_target="actdoc"
    )
    assert referred_elsewhere.due is None
    assert any("applies once it is referred to ICT" in line for line in referred_elsewhere.explain)
