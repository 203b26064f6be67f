"""``tpsdesk escalation refer|review|finalise|reopen|withdraw|document|service-first`` and
``tpsdesk feedback`` end to end in a subprocess, with their failure exit codes
(2 bad input naming the field, 3 refused, 4 conflict)."""

from __future__ import annotations

from tests.cli_helpers import fails, ok_json, run
from tpsdesk.services import escalations as esc_svc

CRN = "123456789A"
NEXT_DAY = "2026-09-26T00:00:00+00:00"  # Sat 10:00 in Sydney: past day one


def _raise(desk, floor, category="review", crn=CRN) -> str:
    return str(esc_svc.raise_escalation(desk, floor.tps, category=category, crn=crn).id)


def test_cli_e5a_refer_needs_the_checks_then_refers(desk, floor, db_url) -> None:
    eid = _raise(desk, floor, "system")
    fails(
        run("escalation", "refer", eid, "--target", "ict", db=db_url, user=floor.sp),
        2,
        "checks",
        "Customer First Known Issues",
    )
    out = ok_json(
        run(
            "escalation",
            "refer",
            eid,
            "--target",
            "ict",
            "--checked-all",
            "--service-first",
            "40012345",
            "--json",
            db=db_url,
            user=floor.sp,
        )
    )
    assert (out["status"], out["referral_target"], out["service_first"], out["owner"]) == (
        "referred",
        "ict",
        "40012345",
        floor.sp,
    )
    assert out["next_follow_up_at"]


def test_cli_e5b_tps_direct_referral_needs_nnu(desk, floor, db_url) -> None:
    eid = _raise(desk, floor, "system")
    fails(
        run("escalation", "refer", eid, "--target", "ict", "--service-first", "40012345", db=db_url, user=floor.tps),
        2,
        "nnu_ref",
    )
    out = ok_json(
        run(
            "escalation",
            "refer",
            eid,
            "--target",
            "ict",
            "--nnu",
            "NNU 26/1",
            "--service-first",
            "40012345",
            "--json",
            db=db_url,
            user=floor.tps,
        )
    )
    assert out["owner"] is None and out["nnu_ref"] == "NNU 26/1"


def test_cli_f1_actdoc_prompts_and_finalise_says_who_completes(desk, floor, db_url) -> None:
    eid = _raise(desk, floor)
    proc = run("escalation", "refer", eid, "--target", "actdoc", "--where", "Service Centre", db=db_url, user=floor.sp)
    assert proc.returncode == 0, proc.stderr
    assert f"tpsdesk escalation finalise {eid} --reason actdoc-sent" in proc.stdout
    fails(run("escalation", "finalise", eid, "--reason", "bogus", db=db_url, user=floor.sp), 2, "reason", "actdoc-sent")
    out = ok_json(run("escalation", "finalise", eid, "--reason", "actdoc-sent", "--json", db=db_url, user=floor.sp))
    assert (out["status"], out["final_reason"]) == ("finalised", "actdoc-sent")
    assert out["completes_work"]["rule"] == "W1"


def test_cli_refusals_exit_3(desk, floor, db_url) -> None:
    eid = _raise(desk, floor)
    fails(run("escalation", "finalise", eid, "--reason", "resolved", db=db_url, user=floor.tl), 3, "TL may not")
    fails(
        run("escalation", "refer", eid, "--target", "actdoc", "--where", "dm", db=db_url, user=floor.so), 3, "refused"
    )


def test_cli_stale_version_is_exit_4(desk, floor, db_url) -> None:
    eid = _raise(desk, floor)
    version = esc_svc.show(desk, floor.sp, int(eid)).escalation.version
    ok_json(
        run("escalation", "document", eid, "--action-taken", "read the decision", "--json", db=db_url, user=floor.sp)
    )
    fails(
        run(
            "escalation",
            "finalise",
            eid,
            "--reason",
            "resolved",
            "--expected-version",
            str(version),
            db=db_url,
            user=floor.sp,
        ),
        4,
        "Sue Senior",
    )


def test_cli_f2_d1_past_day_one_then_document_and_finalise(desk, floor, db_url) -> None:
    eid = _raise(desk, floor)
    late = dict(db=db_url, user=floor.sp, now=NEXT_DAY)
    err = fails(run("escalation", "finalise", eid, "--reason", "resolved", **late), 2, "action_taken", "file_note_done")
    assert "why_not_day_one" in err and "resources_used" in err and "so_action" in err
    proc = run("escalation", "document", eid, "--action-taken", "recoded", "--resources-used", "eRef", **late)
    assert proc.returncode == 0 and "still needed to finalise" in proc.stdout and "why_not_day_one" in proc.stdout
    proc = run(
        "escalation",
        "document",
        eid,
        "--so-action",
        "none",
        "--why-not-day-one",
        "waited on DM",
        "--file-note",
        "--callback",
        **late,
    )
    assert proc.returncode == 0 and "ready to finalise" in proc.stdout, proc.stderr
    out = ok_json(run("escalation", "finalise", eid, "--reason", "resolved", "--json", **late))
    assert out["completes_work"]["who"] == "SO" and out["completes_work"]["rule"] == "W3"
    fails(run("escalation", "document", eid, db=db_url, user=floor.sp), 2, "fields")


def test_cli_e3_review_sets_the_next_14_days_on(desk, floor, db_url) -> None:
    eid = _raise(desk, floor, "death")
    ok_json(run("escalation", "refer", eid, "--target", "ict", "--checked-all", "--json", db=db_url, user=floor.sp))
    out = ok_json(
        run(
            "escalation",
            "review",
            eid,
            "still",
            "with",
            "ICT",
            "--json",
            db=db_url,
            user=floor.sp,
            now="2026-10-09T00:00:00+00:00",
        )
    )
    assert out["status"] == "referred"
    assert out["next_follow_up_at"].startswith("2026-10-23T00:00")  # 11:00 AEDT, 14 days on


def test_cli_f3_reopen_and_withdraw(desk, floor, db_url) -> None:
    eid = _raise(desk, floor)
    fails(run("escalation", "reopen", eid, "--reason", "again", db=db_url, user=floor.sp), 2, "not finalised")
    ok_json(run("escalation", "finalise", eid, "--reason", "resolved", "--json", db=db_url, user=floor.sp))
    fails(run("escalation", "reopen", eid, "--reason", "  ", db=db_url, user=floor.sp), 2, "reason")
    out = ok_json(
        run("escalation", "reopen", eid, "--reason", "customer rang again", "--json", db=db_url, user=floor.sso)
    )
    assert (out["status"], out["owner"]) == ("in-progress", floor.sso)
    other = _raise(desk, floor)
    out = ok_json(run("escalation", "withdraw", other, "--reason", "wrong CRN", "--json", db=db_url, user=floor.tps))
    assert (out["status"], out["final_reason"]) == ("finalised", "withdrawn")
    fails(run("escalation", "withdraw", other, "--reason", "again", db=db_url, user=floor.tps), 2, "F3")


def test_cli_service_first_and_bad_id(desk, floor, db_url) -> None:
    eid = _raise(desk, floor, "system")
    fails(run("escalation", "service-first", eid, "#!", db=db_url, user=floor.sp), 2, "service_first")
    out = ok_json(run("escalation", "service-first", eid, "40077777", "--json", db=db_url, user=floor.sp))
    assert out["service_first"] == "40077777"
    proc = run("escalation", "finalise", "abc", "--reason", "resolved", db=db_url, user=floor.sp)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    fails(run("escalation", "finalise", "999", "--reason", "resolved", db=db_url, user=floor.sp), 2, "999")


def test_cli_e7_feedback_routes_and_refuses(desk, floor, db_url) -> None:
    # E7 (second edition): the raiser cannot confirm; another officer records the finding.
    fails(
        run("feedback", "--about", floor.tps, "--text", "wrong rate", "--confirmed", db=db_url, user=floor.sp), 3, "E7"
    )
    raised = ok_json(run("feedback", "--about", floor.tps, "--text", "wrong rate", "--json", db=db_url, user=floor.so))
    out = ok_json(
        run("feedback", "confirm", str(raised["id"]), "--finding", "old rate table", "--json", db=db_url, user=floor.sp)
    )
    assert (out["to"], out["kind"], out["about"]) == (floor.tl, "feedback", floor.tps)
    raised = ok_json(
        run("feedback", "--about", floor.cr_tps, "--text", "CPP wrong", "--json", db=db_url, user=floor.cr_so)
    )
    fails(run("feedback", "confirm", str(raised["id"]), "--finding", "x", db=db_url, user=floor.cr_tl), 3, "(E7)")
    out = ok_json(
        run("feedback", "confirm", str(raised["id"]), "--finding", "x", "--json", db=db_url, user=floor.cr_sso)
    )
    assert out["to"] == floor.cr_tps
    proc = run("feedback", "--about", floor.sp, "--text", "rude", "--conduct", db=db_url, user=floor.so)
    assert proc.returncode == 0 and f"({floor.tl})" in proc.stdout, proc.stderr
    fails(run("feedback", "--about", "ghost", "--text", "x", "--conduct", db=db_url, user=floor.so), 2, "ghost")
