"""``tpsdesk doc verify / return / show`` and ``doc stop-payment --replaces`` (S4), with the
CLI's exit codes: 2 bad input, 3 refused, 4 conflict. The CLI and the service refuse alike."""

from __future__ import annotations

import pytest
from cli_helpers import fails, invoke, ok_json, run
from sqlmodel import select

from tpsdesk.errors import Conflict, PermissionDenied
from tpsdesk.models import Escalation, StopPaymentDoc
from tpsdesk.services import stop_payment as sp

DOC = ["doc", "stop-payment", "--crn", "123456789A", "--payment", "Age Pension", "--amount", "1234.50",
       "--from", "2026-08-01", "--to", "2026-08-31", "--ar-checked",
       "--reason", "Returned to full-time work on 3 August and income exceeds the cut-out"]  # fmt: skip


def _escalated(db_url: str, user: str = "so1") -> dict:
    return ok_json(invoke(*DOC, "--escalate", "--json", db=db_url, user=user))


def test_cli_s4_verify_and_show_end_to_end(desk, floor, db_url) -> None:
    saved = _escalated(db_url)
    shown = ok_json(run("doc", "show", str(saved["doc_id"]), "--json", db=db_url, user=floor.so))
    assert shown["state"] == "awaiting-verification" and shown["escalation_id"] == saved["escalation"]["id"]
    out = ok_json(
        run("doc", "verify", str(saved["doc_id"]), "--note", "AR screen checked", "--json", db=db_url, user=floor.sso)
    )
    assert (out["state"], out["verified_by"]) == ("verified", floor.sso)
    text = invoke("doc", "show", str(saved["doc_id"]), db=db_url, user=floor.so).stdout
    assert "STOP PAYMENT REQUEST" in text and f"verified by {floor.sso}" in text


def test_cli_s4_return_and_resubmit_with_replaces(desk, floor, db_url) -> None:
    saved = _escalated(db_url)
    doc_id = str(saved["doc_id"])
    fails(invoke("doc", "return", doc_id, db=db_url, user=floor.tl), 2, "--missing")
    out = ok_json(invoke("doc", "return", doc_id, "--missing", "period is wrong", "--json", db=db_url, user=floor.tl))
    assert (out["state"], out["return_reason"]) == ("returned", "period is wrong")
    fails(invoke("doc", "verify", doc_id, db=db_url, user=floor.sso), 4, "returned to the SO")
    fixed = ok_json(invoke(*DOC, "--replaces", doc_id, "--json", db=db_url, user=floor.so))
    assert fixed["stored"] and fixed["replaces"] == saved["doc_id"]
    assert fixed["escalation"]["id"] == saved["escalation"]["id"]
    assert fixed["due_at"] == saved["due_at"]  # the escalation keeps its deadline
    with desk.store.read() as s:
        assert s.get(Escalation, saved["escalation"]["id"]).doc_id == fixed["doc_id"]
        assert len(s.exec(select(StopPaymentDoc)).all()) == 2
    fails(invoke("doc", "verify", doc_id, db=db_url, user=floor.sso), 4, f"replaced by DOC {fixed['doc_id']}")
    assert ok_json(invoke("doc", "show", doc_id, "--json", db=db_url, user=floor.so))["state"] == "replaced"
    fails(invoke(*DOC, "--replaces", doc_id, db=db_url, user=floor.so), 4, "already replaced")
    ok_json(invoke("doc", "verify", str(fixed["doc_id"]), "--json", db=db_url, user=floor.sso))


def test_cli_s4_exit_codes(desk, floor, db_url) -> None:
    saved = _escalated(db_url)
    doc_id = str(saved["doc_id"])
    fails(invoke("doc", "verify", doc_id, db=db_url, user=floor.per_so), 3, "may not verify")
    fails(invoke("doc", "verify", "999", db=db_url, user=floor.sso), 2, "DOC 999")
    proc = invoke("doc", "verify", "abc", db=db_url, user=floor.sso)  # click's usage error, as elsewhere
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    fails(invoke("doc", "show", doc_id, db=db_url, user=floor.cr_sso), 3, "not yours to see")
    fails(invoke(*DOC, "--replaces", doc_id, db=db_url, user=floor.so), 2, "--replaces", "has not been returned")
    ok_json(invoke("doc", "verify", doc_id, "--json", db=db_url, user=floor.sso))
    fails(invoke("doc", "return", doc_id, "--missing", "x", db=db_url, user=floor.tl), 4, "already verified")


@pytest.mark.parametrize(
    ("who", "step", "error"),
    [
        ("tps1", "verify", PermissionDenied),  # the author
        ("so_per", "verify", PermissionDenied),  # R6: an SO
        ("crsso1", "return", PermissionDenied),  # another Centre
    ],
)
def test_s4_path_agreement_service_and_cli_refuse_with_the_same_message(desk, floor, db_url, who, step, error) -> None:
    data = sp.StopPaymentInput("123456789A", "Age Pension", "1234.50", "2026-08-01", "2026-08-31", DOC[-1], True)
    saved = sp.save(desk, floor.tps, data, escalate=True)
    with pytest.raises(error) as err:
        if step == "verify":
            sp.verify_doc(desk, who, saved.doc_id)
        else:
            sp.return_doc(desk, who, saved.doc_id, "period is wrong")
    args = ["doc", step, str(saved.doc_id)] + (["--missing", "period is wrong"] if step == "return" else [])
    assert fails(invoke(*args, db=db_url, user=who), error.exit_code) == f"error: {err.value}"


def test_s4_path_agreement_verified_doc_conflict(desk, floor, db_url) -> None:
    saved = _escalated(db_url)
    sp.verify_doc(desk, floor.sso, saved["doc_id"])
    with pytest.raises(Conflict) as err:
        sp.return_doc(desk, floor.tl, saved["doc_id"], "x")
    proc = invoke("doc", "return", str(saved["doc_id"]), "--missing", "x", db=db_url, user=floor.tl)
    assert fails(proc, 4) == f"error: {err.value}"
