"""Follow-up chains over several cycles (E3, E9, E10, E12): refer, the follow-up falls due,
``sweep`` shows it awaiting follow-up, ``record_follow_up`` re-refers with the next one,
at the same local clock time across the daylight-saving change of 4 Oct 2026 (C5)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tpsdesk.errors import ValidationError
from tpsdesk.services import escalations as esc_svc
from tpsdesk.services import workflow as wf

SYDNEY = ZoneInfo("Australia/Sydney")
CRN = "123456789A"
CHECKS = [
    "eReference",
    "Operational Blueprint Messaging",
    "Network News Update (NNU)",
    "ICT Service Desk - Ask Kristy",
    "ICT Service Desk - Current Known Issues",
    "Customer First Known Issues",
]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _cycle(desk, clock, logon: str, eid: int, at: datetime) -> esc_svc.EscalationView:
    """One follow-up cycle at ``at``: swept to awaiting, then recorded (E12)."""
    clock.set(at)
    assert esc_svc.sweep(desk) == 1
    v = esc_svc.show(desk, logon, eid).escalation
    assert v.status == "awaiting-follow-up" and v.display_status(desk.now()) == "awaiting-follow-up"
    if v.next_action_at < desk.now():  # E12: overdue once the follow-up has passed
        assert eid in [o.id for o in esc_svc.overdue(desk, logon)]
    v = esc_svc.record_follow_up(desk, logon, eid, f"followed up at {at:%Y-%m-%d %H:%M}Z: still with ICT")
    assert v.status == "referred"
    assert v.next_action_at == v.next_follow_up_at
    return v


def test_e3_death_review_every_14_days_across_dst(desk, floor, clock) -> None:
    eid = esc_svc.raise_escalation(desk, floor.tps, category="death", crn=CRN).id
    checks = list(desk.policy.referral.system_checks)  # E5a: a death that will not code is a system problem
    v = wf.refer(
        desk, floor.sp, eid, target="ict", checks=checks, note="coding blocked, ICT incident raised"
    ).escalation
    # referred Fri 25 Sep 10:00 AEST; reviewed within 14 days: Fri 9 Oct 10:00 AEDT (C5, DST on 4 Oct)
    assert v.next_follow_up_at == utc(2026, 10, 8, 23, 0)
    assert v.next_follow_up_at.astimezone(SYDNEY).hour == 10
    clock.set(utc(2026, 10, 8, 22, 59))
    assert esc_svc.sweep(desk) == 0  # not yet due
    v = _cycle(desk, clock, floor.sp, eid, utc(2026, 10, 8, 23, 30))  # reviewed 10:30 AEDT
    assert v.next_follow_up_at == utc(2026, 10, 22, 23, 30)  # 14 days on, 10:30 AEDT
    v = _cycle(desk, clock, floor.sp, eid, utc(2026, 10, 23, 0, 0))  # 11:00 AEDT
    assert v.next_follow_up_at == utc(2026, 11, 6, 0, 0)
    v = _cycle(desk, clock, floor.sp, eid, utc(2026, 11, 6, 0, 30))
    assert v.next_follow_up_at == utc(2026, 11, 20, 0, 30)
    reviews = [n for n in esc_svc.show(desk, floor.sp, eid).notes if n.kind == "review"]
    assert len(reviews) == 3  # E3 "reviewed" is a recorded review note


def test_e9_referral_follow_up_every_7_days_at_the_same_local_time(desk, floor, clock) -> None:
    eid = esc_svc.raise_escalation(desk, floor.tps, category="policy").id
    v = wf.refer(desk, floor.sp, eid, target="policy-advisor", form_ref="PA-1").escalation
    assert v.next_follow_up_at == utc(2026, 10, 2, 0, 0)  # Fri 2 Oct 10:00 AEST
    v = _cycle(desk, clock, floor.sp, eid, utc(2026, 10, 2, 0, 0))
    assert v.next_follow_up_at == utc(2026, 10, 8, 23, 0)  # Fri 9 Oct 10:00 AEDT: same clock time
    v = _cycle(desk, clock, floor.sp, eid, utc(2026, 10, 8, 23, 0))
    assert v.next_follow_up_at == utc(2026, 10, 15, 23, 0)
    v = _cycle(desk, clock, floor.sp, eid, utc(2026, 10, 15, 23, 0))
    assert v.next_follow_up_at == utc(2026, 10, 22, 23, 0)
    locals_ = {x.astimezone(SYDNEY).strftime("%a %H:%M") for x in (v.next_follow_up_at, utc(2026, 10, 2, 0, 0))}
    assert locals_ == {"Fri 10:00"}


def test_e9_perth_has_no_dst_shift(desk, floor, clock) -> None:
    eid = esc_svc.raise_escalation(desk, floor.tps, category="q999", crn=CRN, site="PER").id
    v = wf.refer(desk, floor.sp, eid, target="actdoc", where="Processing Centre").escalation
    v = _cycle(desk, clock, floor.sp, eid, v.next_follow_up_at)
    assert v.next_follow_up_at == utc(2026, 10, 9, 0, 0)  # 08:00 AWST, a week on


def test_e10_system_follow_up_weekly_or_at_the_eped_whichever_first(desk, floor, clock) -> None:
    eid = esc_svc.raise_escalation(desk, floor.tps, category="system", crn=CRN).id
    eped = date(2026, 10, 6)  # Tue; due at its COB, 17:00 AEDT (C7)
    v = wf.refer(desk, floor.sp, eid, target="ict", checks=CHECKS, service_first="40012345", eped=eped).escalation
    assert v.next_follow_up_at == utc(2026, 10, 2, 0, 0)  # the week comes first
    v = _cycle(desk, clock, floor.sp, eid, utc(2026, 10, 2, 0, 0))
    assert v.next_follow_up_at == utc(2026, 10, 6, 6, 0)  # the EPED comes before 9 Oct
    v = _cycle(desk, clock, floor.sp, eid, utc(2026, 10, 6, 6, 0))
    assert v.next_follow_up_at == utc(2026, 10, 13, 6, 0)  # weekly again, 17:00 AEDT
    v = _cycle(desk, clock, floor.sp, eid, utc(2026, 10, 13, 6, 0))
    assert v.next_follow_up_at == utc(2026, 10, 20, 6, 0)


def test_e10_without_eped_is_weekly(desk, floor, clock) -> None:
    eid = esc_svc.raise_escalation(desk, floor.tps, category="system", crn=CRN).id
    v = wf.refer(desk, floor.sp, eid, target="ict", checks=CHECKS).escalation
    for _ in range(3):
        due = v.next_follow_up_at
        v = _cycle(desk, clock, floor.sp, eid, due)
        assert v.next_follow_up_at.astimezone(SYDNEY).date() - due.astimezone(SYDNEY).date() == timedelta(days=7)
        assert v.next_follow_up_at.astimezone(SYDNEY).strftime("%H:%M") == "10:00"


def test_e9_follow_up_applies_to_referrals_only(desk, floor) -> None:
    eid = esc_svc.raise_escalation(desk, floor.tps, category="policy").id
    esc_svc.claim(desk, floor.sp, eid)
    with pytest.raises(ValidationError, match="not referred"):
        esc_svc.record_follow_up(desk, floor.sp, eid, "chased")


def test_e12_finalising_stops_the_follow_ups(desk, floor, clock) -> None:
    eid = esc_svc.raise_escalation(desk, floor.tps, category="policy").id
    wf.refer(desk, floor.sp, eid, target="policy-advisor", form_ref="PA-1")
    v = wf.finalise(desk, floor.sp, eid, "resolved").escalation
    assert v.next_follow_up_at is None and v.next_action_at is None
    clock.advance(days=30)
    assert esc_svc.sweep(desk) == 0
    assert esc_svc.overdue(desk, floor.sp) == []
