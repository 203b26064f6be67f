"""Feedback routing per channel (E7) and conduct concerns (I10)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tpsdesk.errors import NotFound, PermissionDenied, ValidationError
from tpsdesk.models import Event, Feedback, Outbox
from tpsdesk.services import escalations as esc_svc
from tpsdesk.services import setup
from tpsdesk.services.feedback import give_feedback


def _rows(desk, model):
    with desk.store.read() as s:
        return list(s.exec(select(model)).all())


def test_e7_smart_centre_feedback_goes_to_the_tps_team_leader(desk, floor) -> None:
    fb = give_feedback(desk, floor.sp, about=floor.tps, text="told the SO to code a CCR incorrectly", confirmed=True)
    assert (fb.kind, fb.to, fb.about) == ("feedback", floor.tl, floor.tps)
    assert fb.route == desk.policy.channel("smart-centre")["feedback_route_text"]
    [row] = _rows(desk, Feedback)
    assert row.text == "told the SO to code a CCR incorrectly" and row.channel == "smart-centre"
    [event] = [e for e in _rows(desk, Event) if e.kind == "feedback"]
    assert event.actor_id == row.raised_by_id
    [mail] = _rows(desk, Outbox)
    assert mail.recipient == floor.tl and "Terry Peer" in mail.subject


def test_e7_feedback_must_be_confirmed_first(desk, floor) -> None:
    with pytest.raises(ValidationError, match="confirmed") as err:
        give_feedback(desk, floor.sp, about=floor.tps, text="may have been wrong")
    assert err.value.field == "confirmed"
    assert _rows(desk, Feedback) == []


def test_e7_r6_an_so_may_record_confirmed_feedback(desk, floor) -> None:
    assert give_feedback(desk, floor.so, about=floor.tps, text="wrong rate given", confirmed=True).to == floor.tl


def test_e7_tps_without_a_team_leader_is_refused_clearly(desk, floor) -> None:
    setup.add_staff(desk, "tps9", "Tao Noteam", "TPS", "SYD")
    with pytest.raises(ValidationError, match="no Team Leader recorded") as err:
        give_feedback(desk, floor.sp, about="tps9", text="wrong answer", confirmed=True)
    assert err.value.field == "team_leader"
    assert _rows(desk, Feedback) == []


def test_e7_comp_recovery_sso_gives_feedback_to_the_tps_officer(desk, floor) -> None:
    fb = give_feedback(desk, floor.cr_sso, about=floor.cr_tps, text="CPP calculation explained wrongly", confirmed=True)
    assert fb.to == floor.cr_tps
    assert "Staff Feedback Tool" in fb.route


@pytest.mark.parametrize("who", ["crso1", "crtl1", "crtps1"])
def test_e7_comp_recovery_only_the_sso_records_feedback(desk, floor, who) -> None:
    about = floor.cr_tps if who != floor.cr_tps else "crtps2"
    if who == floor.cr_tps:
        setup.add_staff(desk, "crtps2", "Cy Peer", "TPS", "BNE", team_leader="crtl1")
    with pytest.raises(PermissionDenied, match="SSO"):
        give_feedback(desk, who, about=about, text="wrong", confirmed=True)


def test_e7_feedback_is_about_a_tps_officer_not_oneself(desk, floor) -> None:
    with pytest.raises(ValidationError, match="TPS officer") as err:
        give_feedback(desk, floor.so, about=floor.sp, text="wrong", confirmed=True)
    assert err.value.field == "about"
    with pytest.raises(ValidationError, match="yourself"):
        give_feedback(desk, floor.tps, about=floor.tps, text="wrong", confirmed=True)
    with pytest.raises(NotFound, match="about"):
        give_feedback(desk, floor.so, about="ghost", text="wrong", confirmed=True)
    with pytest.raises(ValidationError) as err:
        give_feedback(desk, floor.so, about=floor.tps, text="  ", confirmed=True)
    assert err.value.field == "text"


def test_i10_conduct_concern_goes_to_the_raisers_own_team_leader(desk, floor) -> None:
    fb = give_feedback(desk, floor.so, about=floor.sp, text="spoke rudely on the floor", kind="conduct")
    assert (fb.kind, fb.to, fb.about) == ("conduct", floor.tl, floor.sp)  # no confirmation needed
    cr = give_feedback(desk, floor.cr_so, about=floor.cr_sso, text="rude", kind="conduct")
    assert cr.to == floor.cr_tl  # in comp-recovery too, and not only the SSO may raise it


def test_i10_conduct_concern_without_own_team_leader_is_refused(desk, floor) -> None:
    with pytest.raises(ValidationError, match=r"you .*no Team Leader"):
        give_feedback(desk, floor.sp, about=floor.so, text="rude", kind="conduct")


def test_e7_feedback_linked_to_an_escalation_is_in_its_history(desk, floor) -> None:
    eid = esc_svc.raise_escalation(desk, floor.tps, category="review", crn="123456789A").id
    give_feedback(desk, floor.sp, about=floor.tps, text="wrong", confirmed=True, escalation_id=eid)
    assert "feedback" in [e.kind for e in esc_svc.show(desk, floor.sp, eid).events]
    with pytest.raises(ValidationError, match="kind"):
        give_feedback(desk, floor.sp, about=floor.tps, text="x", kind="praise")


def test_e7_r4_team_leader_sees_the_feedback_sent_to_them(desk, floor) -> None:
    from tpsdesk.services.feedback import list_feedback

    give_feedback(desk, floor.sp, about=floor.tps, text="wrong rate", confirmed=True)
    give_feedback(desk, floor.so, about=floor.sp, text="rude", kind="conduct")
    assert [(f.kind, f.about) for f in list_feedback(desk, floor.tl)] == [
        ("conduct", floor.sp),
        ("feedback", floor.tps),
    ]
    assert [f.to for f in list_feedback(desk, floor.sp)] == [floor.tl]  # what the SP raised
    assert list_feedback(desk, floor.tps) == []  # the TPS hears it from their TL, not the tool
