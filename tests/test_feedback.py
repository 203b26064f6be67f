"""Concerns about a TPS officer's information and their feedback per channel (E7, R6),
and conduct concerns (I10): who is told what, through the service and the CLI."""

from __future__ import annotations

import json

import pytest
from cli_helpers import fails, invoke, ok_json, run
from conftest import OWNER
from sqlmodel import select

from tpsdesk.errors import Conflict, NotFound, PermissionDenied, ValidationError
from tpsdesk.models import Event, Feedback, Outbox
from tpsdesk.services import escalations as esc_svc
from tpsdesk.services import setup
from tpsdesk.services.feedback import (
    OWN_CONCERN,
    FeedbackKind,
    confirm_concern,
    give_feedback,
    list_feedback,
    raise_concern,
)


def _rows(desk, model):
    with desk.store.read() as s:
        return list(s.exec(select(model)).all())


def _mail_to(desk) -> list[str]:
    return [m.recipient for m in _rows(desk, Outbox)]


# ---------------------------------------------------------------- smart-centre
def test_e7_so_raises_a_concern_with_a_tl_and_no_feedback_goes_yet(desk, floor) -> None:
    concern = raise_concern(desk, floor.so, about=floor.tps, text="told me to code a CCR wrongly", raised_with=floor.sp)
    assert (concern.kind, concern.to, concern.raised_by) == (FeedbackKind.CONCERN, floor.sp, floor.so)
    [mail] = _rows(desk, Outbox)  # the SP is told, so they can find out; the TPS's TL is not
    assert mail.recipient == floor.sp and f"feedback confirm {concern.id}" in mail.body
    assert floor.tl not in _mail_to(desk)
    [event] = [e for e in _rows(desk, Event) if e.kind == "concern-raised"]
    assert json.loads(event.detail)["about"] == floor.tps


def test_e7_smart_centre_confirmed_feedback_goes_to_the_tps_team_leader(desk, floor) -> None:
    concern = raise_concern(desk, floor.so, about=floor.tps, text="wrong rate given", raised_with=floor.sp)
    fb = confirm_concern(desk, floor.sp, concern.id, finding="rate was quoted from the old table")
    assert (fb.kind, fb.to, fb.about, fb.raised_by) == (FeedbackKind.FEEDBACK, floor.tl, floor.tps, floor.so)
    assert fb.route == desk.policy.channels["smart-centre"].feedback_route_text
    assert _mail_to(desk) == [floor.sp, floor.tl]
    mail = _rows(desk, Outbox)[-1]
    assert "Terry Peer" in mail.subject and "old table" in mail.body
    assert "Sam Officer (so1)" in mail.body and "confirmed by Sue Senior (sp1)" in mail.body
    [event] = [e for e in _rows(desk, Event) if e.kind == "feedback"]
    assert event.actor_id != _rows(desk, Feedback)[0].raised_by_id  # confirmed by another officer


@pytest.mark.parametrize("confirmer", ["sp1", "tl1"])
def test_e7_r6_smart_centre_sp_and_tl_may_confirm(desk, floor, confirmer) -> None:
    concern = raise_concern(desk, floor.so, about=floor.tps, text="wrong")
    assert confirm_concern(desk, confirmer, concern.id, finding="checked the call").to == floor.tl


@pytest.mark.parametrize("who", ["so_per", "tps2", "sso1"])
def test_e7_r6_others_may_not_confirm(desk, floor, who) -> None:
    concern = raise_concern(desk, floor.so, about=floor.tps, text="wrong")
    with pytest.raises(PermissionDenied, match="record that incorrect information was given"):
        confirm_concern(desk, who, concern.id, finding="x")
    assert _rows(desk, Feedback)[0].kind == FeedbackKind.CONCERN
    assert _mail_to(desk) == []


@pytest.mark.parametrize(("raiser", "about"), [("so1", "tps1"), ("tl1", "tps1"), ("crsso1", "crtps1")])
def test_e7_the_raiser_never_confirms_their_own_concern(desk, floor, raiser, about) -> None:
    concern = raise_concern(desk, raiser, about=about, text="wrong")
    with pytest.raises(PermissionDenied) as err:
        confirm_concern(desk, raiser, concern.id, finding="it was wrong")
    assert str(err.value) == OWN_CONCERN
    with pytest.raises(PermissionDenied) as err:  # nor in one step
        give_feedback(desk, raiser, about=about, text="wrong", confirmed=True)
    assert str(err.value) == OWN_CONCERN
    assert [r.kind for r in _rows(desk, Feedback)] == [FeedbackKind.CONCERN]
    assert not [e for e in _rows(desk, Event) if e.kind == "feedback"]


def test_e7_found_not_incorrect_sends_no_feedback(desk, floor) -> None:
    concern = raise_concern(desk, floor.so, about=floor.tps, text="wrong rate")
    fb = confirm_concern(desk, floor.tl, concern.id, finding="the rate was right", incorrect=False)
    assert fb.kind == FeedbackKind.UNFOUNDED
    assert _mail_to(desk) == []
    with pytest.raises(Conflict, match="already found out"):
        confirm_concern(desk, floor.sp, concern.id, finding="wrong after all")


def test_e7_confirm_needs_a_finding_and_an_existing_concern(desk, floor) -> None:
    concern = raise_concern(desk, floor.so, about=floor.tps, text="wrong")
    with pytest.raises(ValidationError) as err:
        confirm_concern(desk, floor.sp, concern.id, finding="  ")
    assert err.value.field == "finding"
    with pytest.raises(NotFound):
        confirm_concern(desk, floor.sp, 999, finding="x")
    with pytest.raises(PermissionDenied, match="not yours to see"):
        confirm_concern(desk, floor.cr_sso, concern.id, finding="x")  # another Centre
    assert _rows(desk, Feedback)[0].kind == FeedbackKind.CONCERN


def test_e7_concern_is_raised_with_one_who_may_confirm(desk, floor) -> None:
    for wrong in (floor.tps, floor.sso, floor.cr_sso, floor.so):
        with pytest.raises(ValidationError) as err:
            raise_concern(desk, floor.so, about=floor.tps, text="wrong", raised_with=wrong)
        assert err.value.field == "with"
    assert _rows(desk, Feedback) == []


def test_e7_tps_without_a_team_leader_is_refused_clearly(desk, floor) -> None:
    setup.add_staff(desk, OWNER, "tps9", "Tao Noteam", "TPS", "SYD")
    concern = raise_concern(desk, floor.so, about="tps9", text="wrong answer")
    with pytest.raises(ValidationError, match="no Team Leader recorded") as err:
        confirm_concern(desk, floor.sp, concern.id, finding="it was wrong")
    assert err.value.field == "team_leader"
    assert _rows(desk, Feedback)[0].kind == FeedbackKind.CONCERN


# ---------------------------------------------------------------- comp-recovery
@pytest.mark.parametrize("raiser", ["crso1", "crtl1", "crtps1"])
def test_e7_comp_recovery_anyone_raises_and_the_sso_gives_feedback_to_the_tps(desk, floor, raiser) -> None:
    about = floor.cr_tps
    if raiser == floor.cr_tps:
        setup.add_staff(desk, OWNER, "crtps2", "Cy Peer", "TPS", "BNE", team_leader="crtl1")
        about = "crtps2"
    concern = raise_concern(desk, raiser, about=about, text="CPP calculation explained wrongly")
    fb = confirm_concern(desk, floor.cr_sso, concern.id, finding="CPP period miscounted")
    assert fb.to == about and "Staff Feedback Tool" in fb.route
    assert _mail_to(desk) == [about]  # to the TPS officer, not a Team Leader


@pytest.mark.parametrize("who", ["crtl1", "crtps1"])
def test_e7_comp_recovery_only_the_sso_confirms(desk, floor, who) -> None:
    concern = raise_concern(desk, floor.cr_so, about=floor.cr_tps, text="wrong")
    with pytest.raises(PermissionDenied, match="record that incorrect information was given"):
        confirm_concern(desk, who, concern.id, finding="x")


# ---------------------------------------------------------------- input, I10, lists
def test_e7_feedback_is_about_a_tps_officer_not_oneself(desk, floor) -> None:
    with pytest.raises(ValidationError, match="TPS officer") as err:
        raise_concern(desk, floor.so, about=floor.sp, text="wrong")
    assert err.value.field == "about"
    with pytest.raises(ValidationError, match="yourself"):
        raise_concern(desk, floor.tps, about=floor.tps, text="wrong")
    with pytest.raises(NotFound, match="about"):
        raise_concern(desk, floor.so, about="ghost", text="wrong")
    with pytest.raises(ValidationError) as err:
        raise_concern(desk, floor.so, about=floor.tps, text="  ")
    assert err.value.field == "text"
    with pytest.raises(ValidationError, match="kind"):
        raise_concern(desk, floor.sp, about=floor.tps, text="x", kind="praise")


def test_i10_conduct_concern_goes_to_the_raisers_own_team_leader(desk, floor) -> None:
    fb = raise_concern(desk, floor.so, about=floor.sp, text="spoke rudely on the floor", kind="conduct")
    assert (fb.kind, fb.to, fb.about) == ("conduct", floor.tl, floor.sp)  # no confirmation needed
    cr = raise_concern(desk, floor.cr_so, about=floor.cr_sso, text="rude", kind="conduct")
    assert cr.to == floor.cr_tl  # in comp-recovery too
    assert _mail_to(desk) == [floor.tl, floor.cr_tl]


def test_i10_conduct_concern_without_own_team_leader_is_refused(desk, floor) -> None:
    with pytest.raises(ValidationError, match=r"you .*no Team Leader"):
        raise_concern(desk, floor.sp, about=floor.so, text="rude", kind="conduct")


def test_e7_concern_linked_to_an_escalation_keeps_both_steps_in_its_history(desk, floor) -> None:
    eid = esc_svc.raise_escalation(desk, floor.tps, category="review", crn="123456789A").id
    concern = raise_concern(desk, floor.tl, about=floor.tps, text="wrong", escalation_id=eid)
    confirm_concern(desk, floor.sp, concern.id, finding="wrong rate quoted")
    kinds = [e.kind for e in esc_svc.show(desk, floor.sp, eid).events]
    assert "concern-raised" in kinds and "feedback" in kinds
    with pytest.raises(PermissionDenied, match="not yours to see"):  # R5: an SO links only what they may see
        raise_concern(desk, floor.so, about=floor.tps, text="wrong", escalation_id=eid)


def test_e7_r4_lists_what_each_person_receives(desk, floor) -> None:
    concern = raise_concern(desk, floor.so, about=floor.tps, text="wrong rate")
    assert [c.id for c in list_feedback(desk, floor.sp, open_concerns=True)] == [concern.id]
    assert list_feedback(desk, floor.tl) == []  # nothing goes to the TPS's TL before it is confirmed
    confirm_concern(desk, floor.sp, concern.id, finding="confirmed")
    raise_concern(desk, floor.so, about=floor.sp, text="rude", kind="conduct")
    assert [(f.kind, f.about) for f in list_feedback(desk, floor.tl)] == [
        ("conduct", floor.sp),
        ("feedback", floor.tps),
    ]
    assert list_feedback(desk, floor.sp, open_concerns=True) == []
    assert list_feedback(desk, floor.tps) == []  # the TPS hears it from their TL, not the tool
    with pytest.raises(PermissionDenied):
        list_feedback(desk, floor.so, open_concerns=True)


# ---------------------------------------------------------------- CLI
def test_cli_e7_raise_confirm_end_to_end(desk, floor, db_url) -> None:
    raised = ok_json(run("feedback", "--about", floor.tps, "--text", "wrong rate", "--with", floor.tl, "--json",
                         db=db_url, user=floor.so))  # fmt: skip
    assert (raised["kind"], raised["to"]) == ("concern", floor.tl)
    out = ok_json(run("feedback", "confirm", str(raised["id"]), "--finding", "old table", "--json", db=db_url,
                      user=floor.sp))  # fmt: skip
    assert (out["kind"], out["to"], out["raised_by"]) == ("feedback", floor.tl, floor.so)
    fails(invoke("feedback", "confirm", str(raised["id"]), "--finding", "x", db=db_url, user=floor.tl), 4, "already")


def test_cli_e7_exit_codes_and_conduct(desk, floor, db_url) -> None:
    fails(invoke("feedback", "--text", "x", db=db_url, user=floor.so), 2, "--about")
    fails(
        invoke("feedback", "--about", floor.tps, "--text", "x", "--with", floor.tps, db=db_url, user=floor.so),
        2,
        "--with",
    )
    raised = ok_json(
        invoke("feedback", "--about", floor.cr_tps, "--text", "CPP", "--json", db=db_url, user=floor.cr_so)
    )
    fails(invoke("feedback", "confirm", str(raised["id"]), "--finding", "x", db=db_url, user=floor.cr_tl), 3, "(E7)")
    fails(invoke("feedback", "confirm", str(raised["id"]), db=db_url, user=floor.cr_sso), 2, "--finding")
    out = ok_json(invoke("feedback", "confirm", str(raised["id"]), "--finding", "miscounted", "--json", db=db_url,
                         user=floor.cr_sso))  # fmt: skip
    assert out["to"] == floor.cr_tps
    proc = invoke("feedback", "--about", floor.sp, "--text", "rude", "--conduct", db=db_url, user=floor.so)
    assert proc.returncode == 0 and f"({floor.tl})" in proc.stdout, proc.stderr
    fails(invoke("feedback", "--about", "ghost", "--text", "x", "--conduct", db=db_url, user=floor.so), 2, "ghost")
    listed = ok_json(invoke("feedback", "list", "--json", db=db_url, user=floor.tl))
    assert [f["kind"] for f in listed] == ["conduct"]


@pytest.mark.parametrize("raiser", ["so1", "tl1"])
def test_e7_path_agreement_raiser_confirming_is_refused_alike(desk, floor, db_url, raiser) -> None:
    concern = raise_concern(desk, raiser, about=floor.tps, text="wrong")
    with pytest.raises(PermissionDenied) as err:
        confirm_concern(desk, raiser, concern.id, finding="it was wrong")
    expected = f"error: {err.value}"
    assert (
        fails(invoke("feedback", "confirm", str(concern.id), "--finding", "it was wrong", db=db_url, user=raiser), 3)
        == expected
    )
    one_step = invoke("feedback", "--about", floor.tps, "--text", "wrong", "--confirmed", db=db_url, user=raiser)
    assert fails(one_step, 3) == expected
    assert [r.kind for r in _rows(desk, Feedback)] == [FeedbackKind.CONCERN]
