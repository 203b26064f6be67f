"""E1, F1, W1 to W4: how an escalation may be closed and who completes the work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tpsdesk.domain import finalise
from tpsdesk.domain.facts import Item
from tpsdesk.domain.vocab import Category, Channel, FinalReason, Status
from tpsdesk.policy import load_policy

POLICY = load_policy(use_override=False)
T = datetime(2026, 9, 25, 0, 0, tzinfo=UTC)  # Fri 25 Sep 2026 10:00 AEST


def item(category: str = Category.REVIEW, **kw: object) -> Item:
    return Item(
        id=3, category=category, centre_id=1, channel=Channel.SMART_CENTRE, status=Status.IN_PROGRESS,
        raised_by_id=2, raised_at=T, owner_id=5, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


# ---------------------------------------------------------------- E1
def test_e1_arrears_is_finalised_only_as_ict_stop_requested() -> None:
    assert set(finalise.reasons_for(POLICY, Category.ARREARS)) == {FinalReason.ICT_STOP_REQUESTED}


@pytest.mark.parametrize("reason", ["resolved", "actdoc-sent", "nnu-no-workaround"])
def test_e1_other_reasons_are_refused_for_arrears_naming_e1_and_the_way_out(reason: str) -> None:
    got = finalise.check_reason(POLICY, Category.ARREARS, reason)
    assert isinstance(got, tuple)
    field, message = got
    assert field == "reason" and "E1" in message
    assert "ict-stop-requested" in message and "withdraw" in message  # what to do instead


def test_e1_withdrawn_is_its_own_action_for_every_category() -> None:
    for category in Category:
        assert FinalReason.WITHDRAWN not in finalise.reasons_for(POLICY, category)
        got = finalise.check_reason(POLICY, category, "withdrawn")
        assert isinstance(got, tuple) and "withdraw" in got[1]


@pytest.mark.parametrize("category", [c for c in Category if c is not Category.ARREARS], ids=str)
def test_e1_no_other_category_offers_ict_stop_requested(category: str) -> None:
    reasons = finalise.reasons_for(POLICY, category)
    assert FinalReason.ICT_STOP_REQUESTED not in reasons
    assert reasons  # something closes it (F1)
    got = finalise.check_reason(POLICY, category, "ict-stop-requested")
    assert isinstance(got, tuple) and got[0] == "reason"


def test_e1_ict_stop_requested_needs_the_service_first_number(cal) -> None:
    arrears = item(Category.ARREARS)
    missing = finalise.missing_to_finalise(POLICY, arrears, cal("SYD"), T, reason=FinalReason.ICT_STOP_REQUESTED)
    assert set(missing) == {"service_first"} and "E1" in missing["service_first"]
    assert not finalise.missing_to_finalise(
        POLICY, arrears, cal("SYD"), T, reason=FinalReason.ICT_STOP_REQUESTED, service_first="40012345"
    )
    asked = item(Category.ARREARS, ict_requested_at=T)
    assert not finalise.missing_to_finalise(POLICY, asked, cal("SYD"), T, reason=FinalReason.ICT_STOP_REQUESTED)


# ---------------------------------------------------------------- W1 to W4
DAY_ONE = T + timedelta(hours=5)  # Fri 15:00: still day one
NEXT_DAY = T + timedelta(days=3)  # Mon 28 Sep


def who(cal, at: datetime, **kw: object) -> finalise.WorkAssignment:
    return finalise.who_completes_work(item(**kw), cal("SYD"), at, sp_label="SP")


def test_w1_day_one_within_the_sos_scope_the_so_completes(cal) -> None:
    got = who(cal, DAY_ONE, within_so_scope=True)
    assert (got.who, got.rule) == ("SO", "W1")


def test_w1_day_one_outside_the_sos_scope_the_sp_completes(cal) -> None:
    got = who(cal, DAY_ONE)
    assert (got.who, got.rule) == ("SP", "W1")


def test_w2_not_finalised_on_day_one_the_sp_completes_even_within_scope(cal) -> None:
    got = who(cal, NEXT_DAY, within_so_scope=True)
    assert (got.who, got.rule) == ("SP", "W2")


def test_w2_day_one_is_the_raising_sites_local_date(cal) -> None:
    late_friday = datetime(2026, 9, 25, 13, 59, tzinfo=UTC)  # Fri 23:59 AEST: still day one in Sydney
    assert who(cal, late_friday, within_so_scope=True).rule == "W1"
    assert who(cal, late_friday + timedelta(minutes=2), within_so_scope=True).rule == "W2"


@pytest.mark.parametrize("at", [DAY_ONE, NEXT_DAY], ids=["day-one", "later"])
def test_w3_a_call_back_is_the_sos_job_and_is_said_clearly(cal, at: datetime) -> None:
    got = who(cal, at, callback_required=True)
    assert (got.who, got.rule) == ("SO", "W3")
    assert "called back" in got.text and "SO" in got.text
    if at is NEXT_DAY:  # W2 still holds for the record work
        assert "SP completes the work" in got.text


@pytest.mark.parametrize("at", [DAY_ONE, NEXT_DAY], ids=["day-one", "later"])
def test_w4_nonstandard_work_is_the_sps_whatever_else(cal, at: datetime) -> None:
    got = who(cal, at, nonstandard_work=True, within_so_scope=True, callback_required=True)
    assert (got.who, got.rule) == ("SP", "W4")
    assert "W3" in got.text  # the call-back still goes to the SO


def test_w_comp_recovery_names_the_sso(cal) -> None:
    got = finalise.who_completes_work(item(), cal("BNE"), NEXT_DAY, sp_label="SSO")
    assert got.who == "SP" and "SSO" in got.text
