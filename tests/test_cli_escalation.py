"""``tpsdesk escalation ...`` and ``tpsdesk overdue`` end to end (subprocess), with their exit codes.

Data is set up through the services (conftest ``desk``, whose fake clock starts
at Fri 25 Sep 2026 10:00 Sydney); the commands run with ``TPSDESK_NOW`` pinned.
"""

from __future__ import annotations

import sqlite3
import sys
import types
from pathlib import Path

import click
import pytest
from cli_helpers import NOW, fails, invoke, ok_json, run
from click.testing import CliRunner

from tpsdesk import quickread
from tpsdesk.clock import FakeClock
from tpsdesk.commands.escalation import WORKFLOW_MODULE
from tpsdesk.services import escalations
from tpsdesk.services.desk import Desk


@pytest.fixture
def floor_db(desk: Desk, db_url: str) -> str:
    from conftest import build_floor

    build_floor(desk)
    return db_url


def _raise(desk: Desk, logon: str = "tps1", category: str = "death", **kw: object) -> int:
    kw.setdefault("crn", "123456789A")
    return escalations.raise_escalation(desk, logon, category=category, **kw).id


def test_e12_escalation_raise_list_show_end_to_end(floor_db: str) -> None:
    raised = ok_json(
        run("escalation", "raise", "--category", "death", "--crn", "123 456 789a", "--summary", "Partner died; coding fails",
            "--json", db=floor_db, user="tps1")
    )  # fmt: skip
    esc_id = raised["id"]
    assert raised["category"] == "death" and raised["crn"] == "123456789A" and raised["status"] == "new"
    assert raised["due_at"] == "2026-09-26T00:00:00+00:00"  # E3: 24 real hours (C4), ISO in JSON

    listed = ok_json(run("escalation", "list", "--json", db=floor_db, user="sp1"))
    assert [i["id"] for i in listed] == [esc_id]
    assert listed[0]["crn"] == "******789A"  # X2: lists mask the CRN
    assert listed[0]["display_status"] == "new" and listed[0]["overdue"] is False

    shown = ok_json(run("escalation", "show", str(esc_id), "--json", db=floor_db, user="sp1"))
    assert shown["crn"] == "123456789A" and shown["zone"] == "Australia/Sydney"
    assert shown["deadlines"][0]["rule"] == "E3" and shown["deadlines"][0]["at"] == "2026-09-26T00:00:00+00:00"
    assert any("24 hours" in step for step in shown["explain"])  # C8: the working
    assert [n["text"] for n in shown["notes"]] == ["Partner died; coding fails"]
    assert [e["kind"] for e in shown["history"]] == ["raised"]

    text = run("escalation", "show", str(esc_id), db=floor_db, user="sp1")
    assert text.returncode == 0, text.stderr
    assert "due             Sat 26 Sep 2026 10:00 AEST" in text.stdout  # people see the site's local time (C1)
    assert "working (C8):" in text.stdout and "tps1 [raised]: Partner died" in text.stdout

    human = run("escalation", "list", db=floor_db, user="sp1")
    assert human.returncode == 0 and "Sat 26 Sep 2026 10:00 AEST" in human.stdout and "123456789A" not in human.stdout


def test_e11_claim_conflict_exits_4_then_release_and_assign(desk: Desk, floor_db: str) -> None:
    esc = _raise(desk)
    claimed = ok_json(
        run("escalation", "claim", str(esc), "--note", "looking at it", "--json", db=floor_db, user="sp1")
    )
    assert claimed["owner"] == "sp1" and claimed["status"] == "in-progress"

    fails(run("escalation", "claim", str(esc), db=floor_db, user="sso1"), 4, "claimed by", "sp1")

    released = run("escalation", "release", str(esc), db=floor_db, user="sp1")
    assert released.returncode == 0 and f"released escalation {esc}" in released.stdout
    assert ok_json(invoke("escalation", "show", str(esc), "--json", db=floor_db, user="sp1"))["owner"] is None

    assigned = ok_json(run("escalation", "assign", str(esc), "--to", "tps2", "--json", db=floor_db, user="sp1"))
    assert assigned["owner"] == "tps2"  # W5: the SP development pool may work it
    fails(invoke("escalation", "assign", str(esc), "--to", "so1", db=floor_db, user="sp1"), 2, "to:", "W5")
    fails(invoke("escalation", "assign", str(esc), "--to", "ghost", db=floor_db, user="sp1"), 2, "to:", "ghost")
    fails(invoke("escalation", "assign", str(esc), "--to", "tps2", db=floor_db, user="tps1"), 3, "refused")


def test_r6_permission_refusals_exit_3(desk: Desk, floor_db: str) -> None:
    esc = _raise(desk)
    # S4: an SO raises only incorrect arrears.
    fails(run("escalation", "raise", "--category", "death", "--crn", "123456789A", db=floor_db, user="so1"), 3, "S4")
    # W5: a TPS outside the pool cannot claim.
    fails(invoke("escalation", "claim", str(esc), db=floor_db, user="tps1"), 3, "W5")
    # R1: an SO sees only their own escalations.
    fails(invoke("escalation", "show", str(esc), db=floor_db, user="so_per"), 3, "refused")
    # R6: a TL may not work an escalation.
    fails(invoke("escalation", "followup", str(esc), "called", db=floor_db, user="tl1"), 3, "refused")


def test_escalation_unknown_ids_users_and_bad_input_exit_2(desk: Desk, floor_db: str) -> None:
    esc = _raise(desk)
    # End to end: an unknown id, an unknown user, and click's own usage error.
    fails(run("escalation", "show", "999", db=floor_db, user="sp1"), 2, "999")
    fails(run("escalation", "list", db=floor_db, user="nobody"), 2, "nobody")
    usage = run("escalation", "show", "abc", db=floor_db, user="sp1")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr and "ID" in usage.stderr
    # The same main() in-process for the many variations: one line naming the field.
    fails(invoke("escalation", "claim", "999", db=floor_db, user="sp1"), 2, "999")
    fails(invoke("escalation", "list", "--category", "bogus", db=floor_db, user="sp1"), 2, "category")
    fails(invoke("escalation", "list", "--status", "sleeping", db=floor_db, user="sp1"), 2, "status")
    fails(invoke("escalation", "list", "--site", "ZZZ", db=floor_db, user="sp1"), 2, "--site")
    fails(invoke("escalation", "list", "--owner", "ghost", db=floor_db, user="sp1"), 2, "--owner")
    fails(invoke("escalation", "list", "--mine", "--owner", "sp1", db=floor_db, user="sp1"), 2, "--owner")
    fails(invoke("escalation", "raise", "--category", "bogus", db=floor_db, user="tps1"), 2, "category")
    fails(invoke("escalation", "raise", "--category", "death", "--crn", "12345", db=floor_db, user="tps1"), 2, "crn")
    fails(
        invoke("escalation", "raise", "--category", "system", "--eped", "soon", db=floor_db, user="tps1"), 2, "--eped"
    )
    fails(invoke("escalation", "raise", "--category", "death", "--site", "ZZZ", db=floor_db, user="tps1"), 2, "site")
    # E1/S1: arrears need a stop-payment DOC first; the message says how to build one.
    fails(
        invoke("escalation", "raise", "--category", "arrears", "--crn", "123456789A", db=floor_db, user="tps1"),
        2,
        "doc",
    )
    fails(invoke("escalation", "note", str(esc), "   ", db=floor_db, user="sp1"), 2, "text")
    fails(invoke("escalation", "list", db=floor_db, user="sp1", now="tomorrow"), 2, "TPSDESK_NOW")
    # Nothing was half-written by the refusals above.
    assert [
        i["id"] for i in ok_json(invoke("escalation", "list", "--status", "all", "--json", db=floor_db, user="sp1"))
    ] == [esc]


def test_e2_e9_note_and_follow_up(desk: Desk, floor_db: str) -> None:
    review = _raise(desk, category="review")
    noted = ok_json(
        run("escalation", "note", str(review), "rang", "the", "customer", "--json", db=floor_db, user="sp1")
    )
    assert noted["text"] == "rang the customer" and noted["author"] == "sp1" and noted["escalation_id"] == review

    later = "2026-09-28T00:00:00+00:00"  # Mon 28 Sep 10:00 Sydney
    done = ok_json(run("escalation", "followup", str(review), "decision explained", "--json",
                       db=floor_db, user="sp1", now=later))  # fmt: skip
    # E2: the next follow-up is 7 local days after the one just recorded (C5).
    assert done["next_follow_up_at"] == "2026-10-04T23:00:00+00:00"  # Mon 5 Oct 10:00 AEDT, same clock time
    fcso = _raise(desk, category="fcso")
    fails(invoke("escalation", "followup", str(fcso), "x", db=floor_db, user="sp1"), 2, "category")


def test_e12_overdue_most_overdue_first_and_list_filters(desk: Desk, floor_db: str, clock: FakeClock) -> None:
    first = _raise(desk, summary="first")  # due Sat 26 Sep 10:00 AEST
    clock.advance(hours=2)
    second = _raise(desk, summary="second")  # due two hours later
    review = _raise(desk, category="review", summary="no deadline yet")
    escalations.claim(desk, "sp1", second)
    later = "2026-09-28T00:00:00+00:00"

    items = ok_json(run("overdue", "--json", db=floor_db, user="sp1", now=later))
    assert [i["id"] for i in items] == [first, second]
    assert items[0]["overdue_minutes"] == 48 * 60 and items[0]["crn"] == "******789A"
    assert [
        i["id"] for i in ok_json(invoke("overdue", "--limit", "1", "--json", db=floor_db, user="sp1", now=later))
    ] == [first]
    text = run("overdue", db=floor_db, user="sp1", now=later)
    assert text.returncode == 0 and "OVERDUE BY" in text.stdout and "2d 0h" in text.stdout
    assert ok_json(invoke("overdue", "--json", db=floor_db, user="sp1")) == []  # not yet overdue at NOW

    def ids(*args: str) -> list[int]:
        return [
            i["id"] for i in ok_json(invoke("escalation", "list", *args, "--json", db=floor_db, user="sp1", now=later))
        ]

    assert ids("--mine") == [second]
    assert set(ids("--owner", "none")) == {first, review}
    assert ids("--overdue") == [first, second]
    assert ids("--category", "review") == [review]
    assert ids("--site", "per") == []
    assert ids("--text", "second") == [second]
    assert len(ids("--limit", "1")) == 1


def test_read_only_commands_on_an_unmigrated_database_ask_for_db_upgrade(tmp_path: Path) -> None:
    db = str(tmp_path / "fresh.db")
    fails(run("escalation", "list", db=db, user="sp1"), 2, "db upgrade")
    for args in (["escalation", "show", "1"], ["overdue"], ["staff", "list"], ["site", "list"], ["db", "status"]):
        fails(invoke(*args, db=db, user="sp1"), 2, "db upgrade")
    tables = sqlite3.connect(db).execute("select name from sqlite_master where type='table'").fetchall()
    assert tables == []  # read-only commands never migrate


def test_unexpected_failure_exits_1_with_a_short_message_and_a_log(
    tmp_path: Path, floor_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(escalations, "list_page", broken)
    monkeypatch.setattr(quickread, "queue_page", broken)  # the direct read path `list` takes first
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    err = fails(invoke("escalation", "list", db=floor_db, user="sp1"), 1, "unexpected failure (RuntimeError)")
    assert "tpsdesk.log" in err


def test_escalation_group_exposes_workflow_commands_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    """refer, service-first, ... come from tpsdesk.commands.workflow (``-`` -> ``_``); missing ones are absent."""
    from tpsdesk import cli

    @click.command()
    @click.argument("escalation_id", type=int)
    @click.pass_obj
    def service_first(obj: cli.Context, escalation_id: int) -> None:
        click.echo(f"service-first {escalation_id} as {type(obj).__name__}")

    fake = types.ModuleType(WORKFLOW_MODULE)
    fake.service_first = service_first  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, WORKFLOW_MODULE, fake)
    runner = CliRunner()
    result = runner.invoke(cli.cli, ["escalation", "service-first", "7"])
    assert result.exit_code == 0 and result.output.strip() == "service-first 7 as Context"
    helped = runner.invoke(cli.cli, ["escalation", "--help"])
    assert "service-first" in helped.output and "refer" not in helped.output.split("Commands:")[1]
    assert runner.invoke(cli.cli, ["escalation", "refer", "7"]).exit_code == 2  # absent: a usage error

    monkeypatch.setitem(sys.modules, WORKFLOW_MODULE, None)  # the module not built at all
    assert runner.invoke(cli.cli, ["escalation", "service-first", "7"]).exit_code == 2
    assert "list" in runner.invoke(cli.cli, ["escalation", "--help"]).output


def test_python_dash_m_runs_the_cli() -> None:
    proc = run("--version", now=NOW)
    assert proc.returncode == 0 and "tpsdesk" in proc.stdout
    helped = invoke("--help")
    for name in ("tui", "due", "db", "overdue", "escalation", "staff", "site", "centre"):
        assert f"\n  {name} " in helped.stdout, name
    assert invoke("tui", "--help").returncode == 0  # `tpsdesk tui` is reachable by name too
