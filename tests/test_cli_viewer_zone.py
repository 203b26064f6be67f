"""C9 on the CLI: deadlines use the raising site's calendar; times are printed in the VIEWER's zone
(the ``--user``'s site), with the offsets noted when it differs from the raising site's."""

from __future__ import annotations

import pytest
from cli_helpers import invoke, ok_json, run

from tpsdesk.services import escalations
from tpsdesk.services.desk import Desk

# A death notification raised by tps1 at SYD at Fri 25 Sep 2026 10:00 AEST: E3, 24 real hours,
# due Sat 26 Sep 10:00 AEST = 08:00 AWST.
SYDNEY_DUE = "Sat 26 Sep 2026 10:00 AEST"
PERTH_DUE = "Sat 26 Sep 2026 08:00 AWST (UTC+08:00; site AEST UTC+10:00)"


@pytest.fixture
def sydney_item(desk: Desk, db_url: str) -> tuple[str, int]:
    from conftest import build_floor

    build_floor(desk)
    return db_url, escalations.raise_escalation(desk, "tps1", category="death", crn="123456789A").id


def test_c9_show_for_a_perth_viewer_prints_perth_time_with_the_sydney_offset(sydney_item: tuple[str, int]) -> None:
    db, esc = sydney_item
    proc = run("escalation", "show", str(esc), db=db, user="sp_per")
    assert proc.returncode == 0, proc.stderr
    assert f"due             {PERTH_DUE}" in proc.stdout
    assert "times in        Australia/Perth (your site's)" in proc.stdout and "Australia/Sydney" in proc.stdout
    # The working (C8) is in the reader's zone too; the deadline itself is Sydney's (C9).
    assert "due Sat 26 Sep 2026 08:00 AWST (UTC+08:00)" in proc.stdout
    shown = ok_json(invoke("escalation", "show", str(esc), "--json", db=db, user="sp_per"))
    assert shown["due_at"] == "2026-09-26T00:00:00+00:00"  # JSON keeps UTC ISO instants
    assert shown["zone"] == "Australia/Sydney" and shown["viewer_zone"] == "Australia/Perth"


def test_c9_show_for_a_sydney_viewer_has_no_offset_note(sydney_item: tuple[str, int]) -> None:
    db, esc = sydney_item
    out = invoke("escalation", "show", str(esc), db=db, user="sp1").stdout
    assert f"due             {SYDNEY_DUE}\n" in out and "UTC+" not in out


def test_c9_list_and_changes_for_a_perth_viewer_print_perth_time(sydney_item: tuple[str, int]) -> None:
    db, esc = sydney_item
    perth = run("escalation", "list", db=db, user="sp_per")
    assert perth.returncode == 0, perth.stderr
    assert PERTH_DUE in perth.stdout and "in 1d" not in perth.stdout and "in 24h" in perth.stdout  # relative words
    sydney = invoke("escalation", "list", db=db, user="sp1").stdout
    assert SYDNEY_DUE in sydney and "UTC+" not in sydney
    claimed = invoke("escalation", "claim", str(esc), db=db, user="sp_per")
    assert claimed.returncode == 0 and f"next action {PERTH_DUE}" in claimed.stdout
    listed = ok_json(invoke("escalation", "list", "--json", db=db, user="sp_per"))
    assert listed[0]["next_action_at"] == "2026-09-26T00:00:00+00:00" and listed[0]["site_zone"] == "Australia/Sydney"


def test_c9_overdue_for_a_perth_viewer(sydney_item: tuple[str, int]) -> None:
    db, _ = sydney_item
    out = invoke("overdue", db=db, user="sp_per", now="2026-09-28T00:00:00+00:00").stdout
    assert "2d 0h" in out and PERTH_DUE in out
