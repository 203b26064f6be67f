"""Escalation services: raise, claim (E11), permissions (R5, R6, W5), notes (D3), overdue (E12)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tpsdesk.errors import Conflict, PermissionDenied, ValidationError
from tpsdesk.services import escalations as esc_svc


def test_e11_claim_is_exclusive_and_names_holder(desk, floor) -> None:
    v = esc_svc.raise_escalation(desk, floor.tps, category="death", crn="123456789A", summary="partner death")
    esc_svc.claim(desk, floor.sp, v.id)
    with pytest.raises(Conflict, match="Sue Senior"):
        esc_svc.claim(desk, floor.sso, v.id)
    assert esc_svc.show(desk, floor.sp, v.id).escalation.owner == floor.sp


def test_r6_tl_cannot_claim_and_so_raises_only_arrears(desk, floor) -> None:
    v = esc_svc.raise_escalation(desk, floor.tps, category="review", crn="123456789A")
    with pytest.raises(PermissionDenied, match="TL may not"):
        esc_svc.claim(desk, floor.tl, v.id)
    with pytest.raises(PermissionDenied, match="S4"):
        esc_svc.raise_escalation(desk, floor.so, category="review", crn="123456789A")


def test_w5_plain_tps_cannot_claim_but_pool_tps_can(desk, floor) -> None:
    v = esc_svc.raise_escalation(desk, floor.tps, category="review", crn="123456789A")
    with pytest.raises(PermissionDenied, match="W5"):
        esc_svc.claim(desk, floor.tps, v.id)
    assert esc_svc.claim(desk, floor.pool, v.id).owner == floor.pool


def test_e1_arrears_needs_stop_payment_doc(desk, floor) -> None:
    with pytest.raises(ValidationError, match="stop-payment DOC"):
        esc_svc.raise_escalation(desk, floor.tps, category="arrears", crn="123456789A")


def test_e3_death_due_24_hours_and_overdue_after(desk, floor, clock) -> None:
    v = esc_svc.raise_escalation(desk, floor.tps, category="death", crn="123456789A")
    assert v.due_at == datetime(2026, 9, 26, 0, 0, tzinfo=UTC)
    assert esc_svc.overdue(desk, floor.sp) == []
    clock.advance(hours=25)
    assert [o.id for o in esc_svc.overdue(desk, floor.sp)] == [v.id]
    esc_svc.claim(desk, floor.sp, v.id, note="coding checked, referring")
    assert esc_svc.overdue(desk, floor.sp) == []


def test_d3_notes_are_append_only_and_keep_text(desk, floor) -> None:
    v = esc_svc.raise_escalation(desk, floor.tps, category="review", crn="123456789A")
    hostile = "[/] [bold]x [0] trailing\\"
    n = esc_svc.add_note(desk, floor.tps, v.id, hostile)
    fix = esc_svc.add_note(desk, floor.tps, v.id, "corrected", kind="correction", refers_to=n.id)
    detail = esc_svc.show(desk, floor.sp, v.id)
    texts = [x.text for x in detail.notes]
    assert hostile in texts and "corrected" in texts
    assert fix.refers_to == n.id
    assert [e.kind for e in detail.events][:1] == ["raised"]


def test_e4_fcso_15th_day_counts_from_the_original_contact(desk, floor, clock) -> None:
    from tpsdesk.services import intake

    contact = intake.open_contact(
        desk,
        floor.tps,
        reason="status-rate",
        help_required="Rate does not match the income on the record",
        references=["eReference"],
        confirmed_no_answer=True,
        requester_logon=floor.so,
        crn="123456789A",
    )
    clock.advance(days=3)  # escalated on Monday; day one is still Friday 25 Sep (Sydney)
    done = intake.record_outcome(
        desk, floor.tps, contact.id, ["escalated"], category="fcso", summary="FCSO/SAC referral"
    )
    from tpsdesk.services import workflow

    assert esc_svc.show(desk, floor.sp, done.escalation_id).escalation.due_at is None  # E4: not referred to ICT
    checks = list(desk.policy.referral.system_checks)  # E5a: every ICT referral but E1's
    workflow.refer(desk, floor.sp, done.escalation_id, target="ict", checks=checks)
    view = esc_svc.show(desk, floor.sp, done.escalation_id).escalation
    # Day 15 = Fri 9 Oct 2026, a NSW business day: due at COB 17:00 AEDT (06:00 UTC).
    assert view.due_at == datetime(2026, 10, 9, 6, 0, tzinfo=UTC)


def test_key_at_matches_keyset_order_for_far_jumps(desk, floor, clock) -> None:
    for i in range(6):
        esc_svc.raise_escalation(desk, floor.tps, category="death" if i % 2 else "review", crn="123456789A")
        clock.advance(minutes=7)
    done = esc_svc.raise_escalation(desk, floor.tps, category="review", crn="123456789A")
    esc_svc.claim(desk, floor.sp, done.id)
    from tpsdesk.services import workflow

    workflow.withdraw(desk, floor.sp, done.id, "raised twice by mistake")
    rows = esc_svc.list_page(desk, floor.sp, limit=50)
    assert done.id not in [r.id for r in rows]  # finalised items leave the open queue
    assert [esc_svc.key_at(desk, floor.sp, None, i) for i in range(len(rows))] == [r.key for r in rows]
    assert esc_svc.key_at(desk, floor.sp, None, len(rows)) is None
    deaths = esc_svc.list_page(desk, floor.sp, esc_svc.Filters(category="death"))
    assert esc_svc.key_at(desk, floor.sp, esc_svc.Filters(category="death"), 1) == deaths[1].key


def test_c9_working_is_shown_in_the_viewers_zone_with_offset(desk, floor) -> None:
    # Raised at Perth (site PER), read by a Sydney SP: deadlines use Perth's calendar, the
    # working shows Sydney time with the offset because the zones differ.
    v = esc_svc.raise_escalation(desk, floor.per_sp, category="death", crn="123456789A")
    perth = esc_svc.show(desk, floor.per_sp, v.id).explain
    sydney = esc_svc.show(desk, floor.sp, v.id, viewer_zone="Australia/Sydney").explain
    assert any("AWST" in line for line in perth)
    assert any("AEST" in line and "UTC+10:00" in line for line in sydney)
