"""Business calendar of a site (C1 to C3, C5, C9, C10).

Expected values come from the rules and the published Australian public
holidays for 2026 and 2027, not from the code's output.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from tpsdesk.businesstime import (
    SiteCalendar,
    as_utc,
    policy_calendar,
    resolve_local,
    site_calendar_from_policy,
    state_holidays,
    zone,
)
from tpsdesk.errors import ValidationError
from tpsdesk.policy import Policy, merge

SYD = zone("Australia/Sydney")
PER = zone("Australia/Perth")
ADL = zone("Australia/Adelaide")
BNE = zone("Australia/Brisbane")
SITES = ("SYD", "MEL", "BNE", "ADL", "PER", "HBA", "CBR", "DRW")


@pytest.fixture
def cals(policy) -> dict[str, SiteCalendar]:
    return {code: site_calendar_from_policy(policy, code) for code in SITES}


def iso(cal: SiteCalendar, instant: datetime) -> str:
    return instant.astimezone(cal.tz).isoformat(timespec="minutes")


def business(cals: dict[str, SiteCalendar], d: date) -> set[str]:
    return {code for code, cal in cals.items() if cal.is_business_day(d)}


# ---------------------------------------------------------------- C10
def test_c10_sydney_skipped_0230_moves_to_0300_aedt() -> None:
    got = resolve_local(datetime(2026, 10, 4, 2, 30), SYD)
    assert got.isoformat() == "2026-10-04T03:00:00+11:00"
    assert got.astimezone(UTC) == datetime(2026, 10, 3, 16, 0, tzinfo=UTC)


def test_c10_every_second_of_the_gap_moves_to_the_transition() -> None:
    for minute in (0, 1, 59):
        got = resolve_local(datetime(2026, 10, 4, 2, minute, 17), SYD)
        assert got.astimezone(UTC) == datetime(2026, 10, 3, 16, 0, tzinfo=UTC)


def test_c10_sydney_repeated_0230_takes_first_occurrence_aedt() -> None:
    got = resolve_local(datetime(2026, 4, 5, 2, 30), SYD)
    assert got.utcoffset().total_seconds() == 11 * 3600
    assert got.astimezone(UTC) == datetime(2026, 4, 4, 15, 30, tzinfo=UTC)


def test_c10_adelaide_gap_moves_to_0300_acdt() -> None:
    got = resolve_local(datetime(2026, 10, 4, 2, 30), ADL)
    assert got.isoformat() == "2026-10-04T03:00:00+10:30"


def test_c10_brisbane_has_no_gap() -> None:
    assert resolve_local(datetime(2026, 10, 4, 2, 30), BNE).isoformat() == "2026-10-04T02:30:00+10:00"


def test_c10_ordinary_time_is_unchanged() -> None:
    assert resolve_local(datetime(2026, 7, 1, 9, 15), SYD).isoformat() == "2026-07-01T09:15:00+10:00"


def test_c10_naive_parse_is_site_local_and_resolved(cals) -> None:
    syd = cals["SYD"]
    assert syd.parse("2026-10-04T02:30") == datetime(2026, 10, 3, 16, 0, tzinfo=UTC)
    assert syd.parse("2026-04-05T02:30") == datetime(2026, 4, 4, 15, 30, tzinfo=UTC)
    assert syd.parse("2026-09-25T17:40+08:00") == datetime(2026, 9, 25, 9, 40, tzinfo=UTC)


def test_c10_parse_refuses_text_that_is_not_a_time(cals) -> None:
    with pytest.raises(ValidationError) as err:
        cals["SYD"].parse("next tuesday")
    assert err.value.field == "at"


# ---------------------------------------------------------------- C1, C2
def test_c1_as_utc_normalises_and_takes_naive_as_utc() -> None:
    local = datetime(2026, 10, 3, 10, 0, tzinfo=SYD)
    assert as_utc(local) == datetime(2026, 10, 3, 0, 0, tzinfo=UTC)
    assert as_utc(local).tzinfo is UTC
    assert as_utc(datetime(2026, 1, 1, 3)) == datetime(2026, 1, 1, 3, tzinfo=UTC)


def test_c2_unknown_state_or_zone_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        SiteCalendar("X", "Australia/Sydney", "NZ")
    assert err.value.field == "state"
    with pytest.raises(ValidationError) as err:
        SiteCalendar("X", "Australia/Atlantis", "NSW")
    assert err.value.field == "zone"
    with pytest.raises(ValidationError):
        SiteCalendar("X", "Australia/Sydney", "NSW", open_time=time(17), cob_time=time(9))


def test_c2_builtin_sites_carry_zone_state_and_default_hours(cals) -> None:
    assert (cals["PER"].zone_name, cals["PER"].state) == ("Australia/Perth", "WA")
    assert (cals["CBR"].zone_name, cals["CBR"].state) == ("Australia/Sydney", "ACT")
    assert cals["DRW"].cob_time == time(17, 0)
    assert cals["DRW"].open_time == time(8, 0)


# ---------------------------------------------------------------- C3: state holidays
def test_c3_weekends_are_not_business_days(cals) -> None:
    assert business(cals, date(2026, 9, 26)) == set()  # Saturday
    assert business(cals, date(2026, 9, 27)) == set()  # Sunday
    assert business(cals, date(2026, 9, 29)) == set(SITES)  # an ordinary Tuesday


def test_c3_wa_day_is_wa_only() -> None:
    assert state_holidays("WA", 2026)[date(2026, 6, 1)] == "Western Australia Day"


def test_c3_wa_day_1_june_2026_perth_only(cals) -> None:
    # ACT's Reconciliation Day falls on the same Monday in 2026.
    assert business(cals, date(2026, 6, 1)) == set(SITES) - {"PER", "CBR"}


def test_c3_kings_birthday_june_most_states(cals) -> None:
    assert business(cals, date(2026, 6, 8)) == {"PER", "BNE"}


def test_c3_kings_birthday_wa_28_september(cals) -> None:
    assert business(cals, date(2026, 9, 28)) == set(SITES) - {"PER"}
    assert "King's Birthday" in (cals["PER"].holiday_name(date(2026, 9, 28)) or "")


def test_c3_first_monday_of_october_kings_birthday_qld_labour_day_nsw_act_sa(cals) -> None:
    assert cals["BNE"].holiday_name(date(2026, 10, 5)) == "King's Birthday"
    assert business(cals, date(2026, 10, 5)) == {"MEL", "PER", "HBA", "DRW"}


def test_c3_second_monday_of_march_labour_day_vic_canberra_day_adelaide_cup_eight_hours_day(cals) -> None:
    assert business(cals, date(2026, 3, 9)) == {"SYD", "BNE", "PER", "DRW"}
    assert cals["CBR"].holiday_name(date(2026, 3, 9)) == "Canberra Day"


def test_c3_wa_labour_day_first_monday_of_march(cals) -> None:
    assert business(cals, date(2026, 3, 2)) == set(SITES) - {"PER"}


def test_c3_qld_labour_day_and_nt_may_day(cals) -> None:
    assert business(cals, date(2026, 5, 4)) == set(SITES) - {"BNE", "DRW"}


def test_c3_melbourne_cup_vic_only(cals) -> None:
    assert business(cals, date(2026, 11, 3)) == set(SITES) - {"MEL"}


def test_c3_easter_good_friday_and_monday_everywhere(cals) -> None:
    assert business(cals, date(2026, 4, 3)) == set()
    assert business(cals, date(2026, 4, 6)) == set()
    assert business(cals, date(2026, 4, 7)) == set(SITES)
    assert cals["SYD"].holiday_name(date(2026, 4, 4)) == "Easter Saturday"


def test_c3_christmas_2026_boxing_day_saturday_observed_monday_28(cals) -> None:
    assert business(cals, date(2026, 12, 25)) == set()
    assert business(cals, date(2026, 12, 28)) == set()
    assert business(cals, date(2026, 12, 29)) == set(SITES)


def test_c3_christmas_2027_weekend_observed_monday_27_and_tuesday_28(cals) -> None:
    assert business(cals, date(2027, 12, 24)) == set(SITES)
    assert business(cals, date(2027, 12, 27)) == set()
    assert business(cals, date(2027, 12, 28)) == set()
    assert business(cals, date(2027, 12, 29)) == set(SITES)


def test_c3_site_may_add_a_proclaimed_day_and_remove_a_holiday() -> None:
    cal = SiteCalendar(
        "PERX",
        "Australia/Perth",
        "WA",
        extra=frozenset({date(2026, 12, 24)}),
        removed=frozenset({date(2026, 6, 1), date(2026, 12, 26)}),
    )
    assert not cal.is_business_day(date(2026, 12, 24))
    assert cal.holiday_name(date(2026, 12, 24)) == "proclaimed holiday"
    assert cal.is_business_day(date(2026, 6, 1))
    assert cal.holiday_name(date(2026, 6, 1)) is None
    assert not cal.is_business_day(date(2026, 12, 26))  # removing a holiday never makes a Saturday a business day


def test_c3_policy_state_overrides_reach_the_calendar(policy) -> None:
    # A Centre's policy: the merged data read again (the typed sections are frozen).
    over = {"extra_holidays": {"NSW": ["2026-12-24"]}, "removed_holidays": {"WA": [date(2026, 6, 1)]}}  # a TOML date
    policy = Policy(merge(policy.raw, {"business": over}))
    syd = site_calendar_from_policy(policy, "SYD")
    per = policy_calendar(policy, state="WA", zone_name="Australia/Perth")
    assert not syd.is_business_day(date(2026, 12, 24))
    assert per.is_business_day(date(2026, 6, 1))
    assert site_calendar_from_policy(policy, "MEL").is_business_day(date(2026, 12, 24))


def test_c3_unknown_builtin_site_names_the_field(policy) -> None:
    with pytest.raises(ValidationError) as err:
        site_calendar_from_policy(policy, "NOPE")
    assert err.value.field == "site"


def test_c8_skipped_days_are_listed_with_their_reason(cals) -> None:
    steps: list[str] = []
    got = cals["PER"].next_business_day(date(2026, 9, 26), steps)
    assert got == date(2026, 9, 29)
    assert steps == [
        "Sat 26 Sep 2026: weekend",
        "Sun 27 Sep 2026: weekend",
        "Mon 28 Sep 2026: King's Birthday (WA), not a business day",
    ]


# ---------------------------------------------------------------- C5, C9
def test_c5_14_local_days_keep_the_clock_time_across_dst_start(cals) -> None:
    syd = cals["SYD"]
    start = syd.parse("2026-09-28T10:00")
    got = syd.add_days(start, 14)
    assert iso(syd, got) == "2026-10-12T10:00+11:00"
    assert (got - start).total_seconds() == 14 * 86400 - 3600  # one real hour short


def test_c5_7_local_days_across_dst_end_hobart(cals) -> None:
    hba = cals["HBA"]
    got = hba.add_days(hba.parse("2026-04-01T09:00"), 7)
    assert iso(hba, got) == "2026-04-08T09:00+10:00"


def test_c5_into_the_skipped_hour_moves_forward_c10(cals) -> None:
    syd = cals["SYD"]
    assert iso(syd, syd.add_days(syd.parse("2026-09-27T02:30"), 7)) == "2026-10-04T03:00+11:00"


def test_c5_into_the_repeated_hour_takes_first_occurrence_c10(cals) -> None:
    syd = cals["SYD"]
    got = syd.add_days(syd.parse("2026-03-29T02:30"), 7)
    assert got == datetime(2026, 4, 4, 15, 30, tzinfo=UTC)


def test_c9_calendar_days_are_not_moved_off_holidays(cals) -> None:
    syd = cals["SYD"]
    assert iso(syd, syd.add_days(syd.parse("2026-12-11T14:00"), 14)) == "2026-12-25T14:00+11:00"


def test_c9_day_one_is_the_local_date_at_the_raising_site(cals) -> None:
    instant = datetime(2026, 9, 13, 15, 30, tzinfo=UTC)  # 01:30 Mon in Sydney, 23:30 Sun in Perth
    assert cals["SYD"].day_one(instant) == date(2026, 9, 14)
    assert cals["PER"].day_one(instant) == date(2026, 9, 13)


def test_c9_shown_in_the_viewer_zone_with_offset_when_it_differs(cals) -> None:
    per = cals["PER"]
    instant = per.parse("2026-09-29T17:00")
    assert per.fmt(instant) == "Tue 29 Sep 2026 17:00 AWST"
    assert per.fmt(instant, PER) == "Tue 29 Sep 2026 17:00 AWST"
    assert per.fmt(instant, SYD) == "Tue 29 Sep 2026 19:00 AEST (UTC+10:00)"
    assert per.fmt(per.parse("2026-10-06T17:00"), ADL) == "Tue 6 Oct 2026 19:30 ACDT (UTC+10:30)"


def test_c2_is_open_within_hours_on_business_days(cals) -> None:
    syd = cals["SYD"]
    assert syd.is_open(syd.parse("2026-09-29T08:00"))
    assert not syd.is_open(syd.parse("2026-09-29T17:00"))
    assert not syd.is_open(syd.parse("2026-09-29T07:59"))
    assert not syd.is_open(syd.parse("2026-09-26T10:00"))
