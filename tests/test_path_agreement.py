"""E5b, E12, R5: every path asks the one lifecycle, so every path refuses alike.

A direct referral to ICT (E5b) is a system-issue escalation only, "by whatever path
it is made (the intake outcome included)". The same TPS, the same death issue: the
intake outcome (CLI and service) and ``escalation refer`` (CLI and service) refuse
with one message and exit 3, and nothing is recorded.
"""

from __future__ import annotations

from typing import Any

import pytest
from cli_helpers import fails, invoke, run
from sqlmodel import func, select

from tpsdesk.errors import PermissionDenied
from tpsdesk.models import Contact, Escalation, Event, Outbox
from tpsdesk.services import escalations as esc_svc
from tpsdesk.services import intake
from tpsdesk.services import workflow as wf

CRN = "123456789A"
NNU = "NNU 2026/123"
SF = "40012345"


def _contact(desk, logon: str) -> int:
    return intake.open_contact(
        desk, logon, reason="coding-error", help_required="Death of partner will not code: error 4410",
        references=["Ask Kristy"], confirmed_no_answer=True, crn=CRN,
    ).id  # fmt: skip


def _counts(desk) -> dict[str, int]:
    with desk.store.read() as s:
        return {m.__name__: int(s.exec(select(func.count()).select_from(m)).one()) for m in (Escalation, Event, Outbox)}


def _contact_row(desk, cid: int) -> dict[str, Any]:
    with desk.store.read() as s:
        c = s.get(Contact, cid)
        return {"status": c.status, "escalation_id": c.escalation_id, "outcomes": c.outcomes,
                "service_first": c.service_first, "nnu_ref": c.nnu_ref}  # fmt: skip


def _message(stderr: str) -> str:
    return stderr.strip().removeprefix("error: ")


@pytest.mark.parametrize("category", ["death", "review", "arrears"])
def test_e5b_direct_referral_of_a_non_system_issue_is_refused_alike_on_every_path(
    desk, floor, db_url, category
) -> None:
    cid = _contact(desk, floor.so)
    contact_before = _contact_row(desk, cid)
    before = _counts(desk)

    outcome = run("contact", "outcome", str(cid), "--outcome", "referred-ict", "--category", category,
                  "--nnu", NNU, "--service-first", SF, db=db_url, user=floor.tps)  # fmt: skip
    by_outcome = _message(fails(outcome, 3, "E5b"))
    with pytest.raises(PermissionDenied) as svc_outcome:
        intake.record_outcome(desk, floor.tps, cid, ["referred-ict"], category=category, nnu_ref=NNU,
                              service_first=SF)  # fmt: skip

    # Nothing was recorded by either: the contact stays open, no escalation, no event, no email (I7).
    assert _contact_row(desk, cid) == contact_before and contact_before["status"] == "open"
    assert _counts(desk) == before

    # The same TPS on an escalation of that category (arrears cannot be raised without its DOC,
    # so its item is raised by the service the way the intake would, with a DOC).
    if category == "arrears":
        from test_rules_second_edition import _arrears

        eid = _arrears(desk, floor.tps)
    else:
        eid = esc_svc.raise_escalation(desk, floor.tps, category=category, crn=CRN).id
    item_before = esc_svc.show(desk, floor.sp, eid).to_json()
    refer = run("escalation", "refer", str(eid), "--target", "ict", "--nnu", NNU, "--service-first", SF,
                db=db_url, user=floor.tps)  # fmt: skip
    by_refer = _message(fails(refer, 3, "E5b"))
    with pytest.raises(PermissionDenied) as svc_refer:
        wf.refer(desk, floor.tps, eid, target="ict", nnu_ref=NNU, service_first=SF)

    assert by_outcome == by_refer == str(svc_outcome.value) == str(svc_refer.value)
    assert category in by_outcome  # it says why: this category goes to the SP
    after = esc_svc.show(desk, floor.sp, eid).to_json()
    assert (after["status"], after["referral_target"], after["service_first"], after["history"]) == (
        item_before["status"],
        "",
        "",
        item_before["history"],
    )


def test_e5b_the_system_issue_goes_through_on_both_paths(desk, floor, db_url) -> None:
    cid = _contact(desk, floor.so)
    out = run("contact", "outcome", str(cid), "--outcome", "referred-ict", "--category", "system",
              "--nnu", NNU, "--service-first", SF, "--json", db=db_url, user=floor.tps)  # fmt: skip
    assert out.returncode == 0, out.stderr
    by_outcome = esc_svc.show(desk, floor.sp, _contact_row(desk, cid)["escalation_id"]).escalation
    eid = esc_svc.raise_escalation(desk, floor.tps, category="system", crn=CRN).id
    by_refer = wf.refer(desk, floor.tps, eid, target="ict", nnu_ref=NNU, service_first=SF).escalation
    # One lifecycle: the same status, target, holder and follow-up on both paths (E5b, E10).
    for v in (by_outcome, by_refer):
        assert (v.status, v.referral_target, v.owner, v.service_first, v.nnu_ref) == ("referred", "ict", None, SF, NNU)
        assert v.next_action_at == v.next_follow_up_at and v.next_action_kind == "follow-up"
    assert by_outcome.next_follow_up_at == by_refer.next_follow_up_at


def _tl_refusals(desk, floor, db_url) -> tuple[str, str, int]:
    cid = _contact(desk, floor.so)
    outcome = fails(invoke("contact", "outcome", str(cid), "--outcome", "referred-ict", "--category", "system",
                           "--nnu", NNU, "--service-first", SF, db=db_url, user=floor.tl), 3)  # fmt: skip
    eid = esc_svc.raise_escalation(desk, floor.tps, category="system", crn=CRN).id
    refer = fails(invoke("escalation", "refer", str(eid), "--target", "ict", "--nnu", NNU, "--service-first", SF,
                         db=db_url, user=floor.tl), 3)  # fmt: skip
    return _message(outcome), _message(refer), cid


def test_e5b_a_tl_is_refused_the_direct_referral_on_both_paths(desk, floor, db_url) -> None:
    """R6: refer directly to ICT is TPS, SP, SSO; a TL (who may record an outcome) may not."""
    outcome, refer, cid = _tl_refusals(desk, floor, db_url)
    assert outcome.startswith("refused: a TL may neither") and refer == outcome
    assert _contact_row(desk, cid)["status"] == "open"
    assert _counts(desk)["Escalation"] == 1  # only the one raised for the refer path


def test_e5b_a_tl_is_refused_with_one_message_on_both_paths(desk, floor, db_url) -> None:
    outcome, refer, _cid = _tl_refusals(desk, floor, db_url)
    assert outcome == refer
