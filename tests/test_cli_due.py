"""``tpsdesk due`` end to end (subprocess): the deadline calculator of issue 2 item 8."""

from __future__ import annotations

import pytest
from cli_helpers import fails, ok_json, run
from conftest import OWNER

from tpsdesk.services import setup
from tpsdesk.services.desk import Desk


def due(*args: str, **kw: str) -> dict:
    return ok_json(run("due", *args, "--json", **kw))


def test_c6_due_cli_after_cob_perth_kings_birthday() -> None:
    out = due("arrears", "--at", "2026-09-25T17:40", "--site", "PER")
    assert out["category"] == "arrears"
    assert out["due"] == "2026-09-29T17:00:00+08:00"  # Sat, Sun, Mon King's Birthday (WA) skipped
    assert out["after_hours"] is True
    assert out["site"] == "PER" and out["zone"] == "Australia/Perth"
    assert out["at"] == "2026-09-25T17:40:00+08:00"  # a naive --at is site-local (C10)
    assert out["deadlines"] == [
        {
            "rule": "E1",
            "kind": "cob",
            "at": "2026-09-29T17:00:00+08:00",
            "id": "stop",
            "label": "ICT asked to stop the arrears before COB",
            "met": False,
        }
    ]
    assert out["follow_ups"] == []
    steps = "\n".join(out["explain"])
    assert "King's Birthday (WA)" in steps and "at or after COB" in steps  # C8 working


def test_c8_due_cli_text_shows_the_working_then_the_due_line() -> None:
    proc = run("due", "arrears", "--at", "2026-09-25T17:40", "--site", "PER")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert "King's Birthday (WA)" in proc.stdout
    assert lines[-1].startswith("due: Tue 29 Sep 2026 17:00 AWST (2026-09-29T17:00:00+08:00)")
    assert "AFTER HOURS" in lines[-1]


def test_c6_due_cli_before_cob_same_day_not_after_hours() -> None:
    out = due("arrears", "--at", "2026-09-25T16:59", "--site", "SYD")
    assert out["due"] == "2026-09-25T17:00:00+10:00"
    assert out["after_hours"] is False


def test_c2_due_cli_state_and_zone_match_the_built_in_site() -> None:
    """--state/--tz builds the calendar directly; an explicit offset in --at is honoured."""
    out = due("arrears", "--at", "2026-09-25T09:40:00Z", "--state", "WA", "--tz", "Australia/Perth")
    assert out["due"] == "2026-09-29T17:00:00+08:00" and out["after_hours"] is True
    assert out["at"] == "2026-09-25T17:40:00+08:00"


def test_c9_due_cli_global_site_then_policy_default() -> None:
    """With no --site/--state: the global --site (or TPSDESK_SITE), else the policy's default zone/state."""
    via_env = ok_json(run("due", "arrears", "--at", "2026-09-25T17:40", "--json", env={"TPSDESK_SITE": "PER"}))
    assert via_env["site"] == "PER" and via_env["due"] == "2026-09-29T17:00:00+08:00"
    default = due("arrears", "--at", "2026-09-25T17:40")
    # Sydney (NSW) has no King's Birthday on 28 Sep: next business day is Monday.
    assert default["zone"] == "Australia/Sydney" and default["due"] == "2026-09-28T17:00:00+10:00"


def test_c4_e3_due_cli_death_24_real_hours_across_dst_start() -> None:
    out = due("death", "--at", "2026-10-03T12:00", "--site", "SYD")
    assert out["due"] == "2026-10-04T13:00:00+11:00"  # clocks went forward: 24 real hours
    assert out["deadlines"][0]["rule"] == "E3" and out["deadlines"][0]["kind"] == "elapsed"


def test_c5_e3_due_cli_death_review_every_14_days_from_referral() -> None:
    out = due("death", "--at", "2026-10-03T12:00", "--site", "SYD", "--referred-at", "2026-10-03T14:00")
    assert out["due"] is None  # the referral is the first action (E12)
    assert out["deadlines"][0]["met"] is True
    assert out["follow_ups"] == [
        "2026-10-17T14:00:00+11:00",
        "2026-10-31T14:00:00+11:00",
        "2026-11-14T14:00:00+11:00",
        "2026-11-28T14:00:00+11:00",
    ]


def test_c7_e4_due_cli_fcso_15th_day_moved_past_boxing_day_observed() -> None:
    # E4 applies once referred to ICT: the what-if referral of --referred-at is to ICT.
    out = due("fcso", "--at", "2026-12-14T09:00", "--site", "BNE", "--referred-at", "2026-12-14T10:00")
    # Day 15 is Mon 28 Dec: Boxing Day (observed) in QLD, so Tue 29 Dec at COB.
    assert out["due"] == "2026-12-29T17:00:00+10:00"
    assert any("Boxing Day" in s for s in out["explain"])


def test_e10_due_cli_system_issue_eped_before_the_weekly_follow_up() -> None:
    out = due(
        "system",
        "--at",
        "2026-09-25T10:00",
        "--site",
        "PER",
        "--referred-at",
        "2026-09-25T12:00",
        "--eped",
        "2026-09-30",
    )
    assert out["due"] is None
    assert out["follow_ups"][0] == "2026-09-30T17:00:00+08:00"  # EPED at COB comes first (C7)
    assert out["follow_ups"][1] == "2026-10-02T12:00:00+08:00"
    assert len(out["follow_ups"]) == 4


@pytest.mark.parametrize(
    "category", ["arrears", "review", "death", "fcso", "system", "policy", "feedback", "q999", "qol"]
)
def test_e1_e12_due_cli_every_category_has_the_json_shape(category: str) -> None:
    out = due(category.upper(), "--at", "2026-09-25T10:00", "--site", "BNE")  # QLD: no daylight saving
    assert {"category", "due", "after_hours", "follow_ups", "deadlines", "explain"} <= set(out)
    assert out["category"] == category
    assert isinstance(out["explain"], list) and out["explain"]
    assert len(out["follow_ups"]) <= 4
    for d in out["deadlines"]:
        assert {"rule", "kind", "at"} <= set(d) and d["at"].endswith("+10:00")


def test_due_cli_site_not_in_policy_comes_from_the_database(desk: Desk, db_url: str) -> None:
    setup.add_centre(desk, OWNER, "GEE", "Geelong", "smart-centre")
    setup.add_site(desk, OWNER, "GEL", "Geelong", "GEE", "Australia/Melbourne", "VIC", "08:00", "16:30")
    out = due("arrears", "--at", "2026-09-25T16:45", "--site", "gel", db=db_url)
    # The site's own COB (16:30) applies: after COB, next business day (Mon 28 Sep).
    assert out["site"] == "GEL" and out["due"] == "2026-09-28T16:30:00+10:00" and out["after_hours"] is True


def test_due_cli_bad_input_exits_2_naming_the_field(tmp_path) -> None:
    fails(run("due", "nonsense", "--at", "2026-09-25T10:00"), 2, "category", "arrears")
    fails(run("due", "arrears", "--at", "25/09/2026 5pm"), 2, "--at", "ISO")
    fails(run("due", "system", "--at", "2026-09-25T10:00", "--referred-at", "soon"), 2, "--referred-at")
    fails(run("due", "system", "--at", "2026-09-25T10:00", "--referred-at", "2026-09-24T10:00"), 2, "--referred-at")
    fails(run("due", "system", "--at", "2026-09-25T10:00", "--eped", "30/09/2026"), 2, "--eped")
    fails(run("due", "arrears", "--state", "WA", "--tz", "Mars/Olympus"), 2, "--tz")
    fails(run("due", "arrears", "--state", "XX", "--tz", "Australia/Perth"), 2, "--state")
    fails(run("due", "arrears", "--site", "PER", "--state", "WA"), 2, "--site")
    # An unknown site with no database behind it: still one line naming --site.
    fails(run("--db", str(tmp_path / "none.db"), "due", "arrears", "--site", "ZZZ"), 2, "--site", "ZZZ")
    assert not (tmp_path / "none.db").exists()  # a mistyped site creates no database file


def test_c6_due_cli_without_at_means_now() -> None:
    """No --at: raised now (TPSDESK_NOW pins it: Fri 25 Sep 2026 10:00 Sydney)."""
    out = due("arrears", "--site", "SYD")
    assert out["at"] == "2026-09-25T10:00:00+10:00" and out["due"] == "2026-09-25T17:00:00+10:00"
