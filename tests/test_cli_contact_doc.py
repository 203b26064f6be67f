"""``tpsdesk contact ...`` and ``tpsdesk doc stop-payment`` end to end, in a subprocess (I1-I8, S0-S5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import build_floor
from sqlalchemy import func
from sqlmodel import select

from tpsdesk.models import Contact, Escalation, Event, Outbox, StopPaymentDoc

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-09-25T00:00:00+00:00"  # Fri 10:00 in Sydney, as the fixtures' clock
REASON = "Customer returned to full-time work on 3 August 2026 and income exceeds the cut-out"


@pytest.fixture
def cli(desk, db_url):
    build_floor(desk)

    def run(user: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TPSDESK_")}
        env["TPSDESK_NOW"] = NOW
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        cmd = [sys.executable, "-m", "tpsdesk", "--db", db_url, "--user", user, *args]
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)

    return run


def counts(desk) -> dict[str, int]:
    with desk.store.read() as s:
        return {
            m.__name__: int(s.exec(select(func.count()).select_from(m)).one())
            for m in (Contact, Event, Escalation, Outbox, StopPaymentDoc)
        }


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr}"
    return proc.stdout


def failed(proc: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    assert proc.returncode == code, f"expected {code}, got {proc.returncode}: {proc.stdout} {proc.stderr}"
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    for word in words:
        assert word in proc.stderr, f"{word!r} not in {proc.stderr!r}"
    return proc.stderr


def test_cli_contact_add_show_list_outcome_i1_i7_i8(cli, desk) -> None:
    added = json.loads(ok(cli("tps1", "contact", "add", "--reason", "coding-error", "--help-text", "Error 0412 when coding income",
                              "--ref", "ask kristy", "--ref", "NETWORK NEWS UPDATE (NNU)", "--ref-other", "Payment calculator",
                              "--confirmed-no-answer", "--requester", "so1", "--crn", "123 456 789a", "--json")))  # fmt: skip
    assert (added["requester_name"], added["references"], added["reference_other"], added["crn"]) == (
        "Sam Officer",
        ["Ask Kristy", "Network News Update (NNU)"],
        "Payment calculator",
        "123456789A",
    )
    cid = str(added["id"])
    shown = ok(cli("so1", "contact", "show", cid))
    assert "coding-error" in shown and "Sam Officer (so1)" in shown and "Fri 25 Sep 2026 10:00 AEST" in shown
    listed = json.loads(ok(cli("tps1", "contact", "list", "--status", "open", "--json")))
    assert [c["id"] for c in listed] == [added["id"]]
    assert cid in ok(cli("so1", "contact", "list"))
    assert (
        json.loads(ok(cli("tps1", "contact", "list", "--since", "2026-09-25T10:01", "--json"))) == []
    )  # naive = Sydney time
    failed(cli("tps1", "contact", "list", "--since", "yesterday"), 2, "--since")
    done = json.loads(
        ok(
            cli(
                "tps1",
                "contact",
                "outcome",
                cid,
                "--outcome",
                "resolved",
                "--outcome",
                "escalated",
                "--category",
                "system",
                "--json",
            )
        )
    )
    assert done["status"] == "complete" and done["outcomes"] == ["resolved", "escalated"]
    assert done["escalation_id"] and done["outbox_id"]
    with desk.store.read() as s:
        assert s.get(Outbox, done["outbox_id"]).recipient == "so1"  # I7
        assert s.get(Escalation, done["escalation_id"]).contact_id == added["id"]
    failed(cli("tps1", "contact", "outcome", cid, "--outcome", "resolved"), 2, "already")


def test_cli_i3_refused_reason_exits_2_with_guidance_and_records_nothing(cli, desk) -> None:
    before = counts(desk)
    failed(
        cli("so1", "contact", "add", "--reason", "confirm-reference", "--help-text", "is this right?"),
        2,
        "does not confirm information",
    )
    failed(
        cli("crso1", "contact", "add", "--reason", "confirm-before-submit", "--help-text", "check"),
        2,
        "Activity Results",
    )
    failed(cli("so1", "contact", "add", "--reason", "unfavourable-decision", "--decision-by", "service-centre", "--help-text", "x"),
           2, "--decision-by", "Initial contact for review request")  # fmt: skip
    assert counts(desk) == before


def test_cli_contact_add_bad_input_names_the_option(cli, desk) -> None:
    before = counts(desk)
    failed(
        cli("so1", "contact", "add", "--reason", "status-rate", "--help-text", "rate", "--confirmed-no-answer"),
        2,
        "--ref",
        "I1",
    )
    failed(
        cli("so1", "contact", "add", "--reason", "status-rate", "--ref", "eReference", "--confirmed-no-answer"),
        2,
        "--help-text",
    )
    failed(
        cli("so1", "contact", "add", "--reason", "status-rate", "--help-text", "rate", "--ref", "eReference"),
        2,
        "--confirmed-no-answer",
    )
    failed(cli("so1", "contact", "add", "--reason", "supervisor", "--help-text", "x"), 2, "--supervisor-reason")
    failed(cli("so1", "contact", "add", "--reason", "nope", "--help-text", "x"), 2, "--reason")
    failed(
        cli(
            "so1",
            "contact",
            "add",
            "--reason",
            "arrears-unsure",
            "--help-text",
            "x",
            "--ref",
            "eReference",
            "--requester",
            "so_per",
        ),
        3,
        "R1",
    )
    failed(cli("ghost", "contact", "add", "--reason", "status-rate", "--help-text", "x"), 2, "ghost")
    assert counts(desk) == before


def test_cli_comp_recovery_named_requester_and_guide(cli) -> None:
    # Second edition (I1, I4): the social worker's logon and a checked reference are now required.
    added = json.loads(ok(cli("crtps1", "contact", "add", "--reason", "social-worker", "--help-text", "coding a compensation payment",
                              "--requester-kind", "social-worker", "--requester", "wworker", "--requester-name", "Wendy Worker",
                              "--ref", "mySupport", "--json")))  # fmt: skip
    assert (added["requester_kind"], added["requester_name"], added["requester_logon"], added["channel"]) == (
        "social-worker",
        "Wendy Worker",
        "wworker",
        "comp-recovery",
    )
    guide = ok(cli("crso1", "contact", "guide"))  # the user's own channel
    assert "Compensation Recovery" in guide and "mySupport" in guide and "Ask Kristy" not in guide
    assert "TPS does not confirm" in guide and "Code of Conduct" in guide and "Compensation Helpdesk" in guide
    data = json.loads(ok(cli("so1", "contact", "guide", "--channel", "smart-centre", "--json")))
    assert data["references"][-1] == "Ask Kristy" and {r["key"] for r in data["refused"]} == {
        "confirm-reference",
        "confirm-before-submit",
    }


def test_cli_contact_outcome_failures(cli, desk) -> None:
    cid = str(json.loads(ok(cli("so1", "contact", "add", "--reason", "arrears-unsure", "--help-text", "arrears of $300",
                                "--ref", "eReference", "--crn", "123456789A", "--json")))["id"])  # fmt: skip
    before = counts(desk)
    failed(cli("so1", "contact", "outcome", cid, "--outcome", "resolved"), 3, "outcome")  # R6: SOs cannot
    failed(cli("tps1", "contact", "outcome", "999", "--outcome", "resolved"), 2, "999")
    failed(cli("tps1", "contact", "outcome", cid, "--outcome", "fixed"), 2, "--outcome")
    failed(
        cli("tps1", "contact", "outcome", cid, "--outcome", "referred-ict", "--nnu", "NNU 2026/1"), 2, "--service-first"
    )
    failed(
        cli("tl1", "contact", "outcome", cid, "--outcome", "referred-ict", "--nnu", "N1", "--service-first", "SF-1234"),
        3,
        "E5b",
    )
    failed(cli("tps1", "contact", "show", cid, "--bogus"), 2)
    assert counts(desk) == before
    done = json.loads(
        ok(
            cli(
                "tps1",
                "contact",
                "outcome",
                cid,
                "--outcome",
                "referred-ict",
                "--nnu",
                "NNU 2026/1",
                "--service-first",
                "SF-1234",
                "--json",
            )
        )
    )
    assert done["service_first"] == "SF-1234" and done["escalation_id"]
    failed(cli("crtps1", "contact", "show", cid), 3)


def test_cli_doc_stop_payment_preview_escalate_and_failures(cli, desk) -> None:
    args = ["doc", "stop-payment", "--crn", "123 456 789a", "--payment", "Age Pension", "--amount", "$1,234.5",
            "--from", "2026-08-01", "--to", "2026-08-31", "--reason", REASON, "--ar-checked"]  # fmt: skip
    before = counts(desk)
    preview = ok(cli("so1", *args))
    assert "Amount to be stopped: $1,234.50" in preview and "Period: 01 Aug 2026 to 31 Aug 2026" in preview
    assert counts(desk) == before  # S5 preview stores nothing
    bad = ["doc", "stop-payment", "--crn", "12345", "--payment", "Age Pension", "--amount", "1e5", "--from", "2026-09-01",
           "--to", "2026-08-01", "--reason", "Customer NOT entitled!!!", "--escalate"]  # fmt: skip
    err = failed(cli("so1", *bad), 2, "--crn", "--amount", "--to", "--reason", "--ar-checked", "S2", "S0")
    assert "--payment" not in err and "--from" not in err
    assert counts(desk) == before
    saved = json.loads(ok(cli("so1", *args, "--escalate", "--json")))
    assert saved["stored"] and saved["text"] == preview.rstrip("\n")
    assert saved["escalation"]["category"] == "arrears" and saved["escalation"]["rank"] == 0
    assert (
        saved["route"] == ["SSO", "TL"] and saved["due_at"] == "2026-09-25T07:00:00+00:00" and not saved["after_hours"]
    )
    text = ok(cli("crso1", *args, "--escalate"))
    assert "Team Leader assists" in text and "due before COB" in text
    with desk.store.read() as s:
        assert s.get(StopPaymentDoc, saved["doc_id"]).escalation_id == saved["escalation"]["id"]


# ---------------------------------------------------------------- second edition: I1, I4 on the CLI
def test_cli_i4_path_agreement_name_alone_refused_with_the_services_message(cli, desk) -> None:
    """The same bad contact (a name alone, no logon) is refused by the service and the CLI
    with the same message; the CLI names its option."""
    from tpsdesk.errors import ValidationError
    from tpsdesk.services import intake

    before = counts(desk)
    with pytest.raises(ValidationError) as err:
        intake.open_contact(desk, "tps1", reason="arrears-unsure", help_required="arrears of $300",
                            references=["eReference"], requester_name="Sam Officer")  # fmt: skip
    assert err.value.field == "requester_logon"
    stderr = failed(cli("tps1", "contact", "add", "--reason", "arrears-unsure", "--help-text", "arrears of $300",
                        "--ref", "eReference", "--requester-name", "Sam Officer"), 2)  # fmt: skip
    assert stderr.strip() == f"error: --requester: {err.value.message}"
    assert counts(desk) == before


def test_cli_i4_tps_without_requester_is_refused_not_recorded_as_themselves(cli, desk) -> None:
    before = counts(desk)
    failed(cli("tps1", "contact", "add", "--reason", "arrears-unsure", "--help-text", "arrears of $300",
               "--ref", "eReference"), 2, "--requester", "logon ID", "I4")  # fmt: skip
    failed(cli("tps1", "contact", "add", "--reason", "arrears-unsure", "--help-text", "arrears of $300",
               "--ref", "eReference", "--requester", "nobody9"), 2, "--requester", "staff member")  # fmt: skip
    assert counts(desk) == before
    # R1: an SO recording their own request is the requester.
    own = json.loads(ok(cli("so1", "contact", "add", "--reason", "arrears-unsure", "--help-text", "arrears of $300",
                            "--ref", "eReference", "--json")))  # fmt: skip
    assert (own["requester_logon"], own["recorded_by"]) == ("so1", "so1")


def test_cli_i1_none_entry_only_for_reasons_5_to_7(cli, desk) -> None:
    added = json.loads(ok(cli("tps1", "contact", "add", "--reason", "supervisor", "--supervisor-reason", "complaint",
                              "--help-text", "unhappy with the wait", "--ref", "none", "--requester", "so1", "--json")))  # fmt: skip
    assert added["references"] == ["none"]
    assert "None: not a reference question" in ok(cli("tps1", "contact", "show", str(added["id"])))
    before = counts(desk)
    failed(cli("tps1", "contact", "add", "--reason", "arrears-unsure", "--help-text", "arrears of $300",
               "--ref", "none", "--requester", "so1"), 2, "--ref", "reference question", "I1")  # fmt: skip
    failed(cli("tps1", "contact", "add", "--reason", "supervisor", "--supervisor-reason", "complaint",
               "--help-text", "unhappy", "--requester", "so1"), 2, "--ref", "not a reference question")  # fmt: skip
    assert counts(desk) == before
    assert "--ref none" in ok(cli("so1", "contact", "guide", "--channel", "smart-centre"))


def test_cli_contact_add_with_outcome_is_one_step_and_a_refusal_writes_nothing_i8(cli, desk) -> None:
    base = ["contact", "add", "--reason", "coding-error", "--help-text", "Error 0412 when coding income",
            "--ref", "ask kristy", "--confirmed-no-answer", "--requester", "so1", "--crn", "123456789A"]  # fmt: skip
    before = counts(desk)
    failed(cli("tps1", *base, "--outcome", "referred-ict", "--nnu", "NNU 1", "--service-first", "SF 1!"), 2,
           "--service-first")  # fmt: skip
    assert counts(desk) == before
    failed(cli("tps1", *base, "--category", "system"), 2, "--outcome")
    assert counts(desk) == before
    done = json.loads(ok(cli("tps1", *base, "--outcome", "escalated", "--category", "system", "--json")))
    assert done["status"] == "complete" and done["escalation_id"] and done["outbox_id"]
    after = counts(desk)
    assert (after["Contact"], after["Escalation"], after["Outbox"]) == (
        before["Contact"] + 1,
        before["Escalation"] + 1,
        before["Outbox"] + 1,
    )
