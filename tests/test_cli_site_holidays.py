"""C3: a site's own holiday changes, set by ``tpsdesk site holidays``, are part of its calendar
everywhere, ``tpsdesk due --site`` included; a database site and the policy's site of the same
code agree. End to end through the command (subprocess) where the rule is about the command."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from cli_helpers import fails, invoke, ok_json, run

from tpsdesk.businesstime import site_calendar_from_policy
from tpsdesk.calendars import build_calendar
from tpsdesk.policy import Policy, merge
from tpsdesk.services import setup
from tpsdesk.services.desk import Desk

# Raised Fri 25 Sep 2026 17:40 in Perth, after COB: Sat, Sun, then Mon 28 Sep is King's Birthday (WA).
LATE_FRIDAY = "2026-09-25T17:40"
KINGS_BIRTHDAY = "2026-09-28"


@pytest.fixture
def floor_db(desk: Desk, db_url: str) -> str:
    from conftest import build_floor

    build_floor(desk)
    return db_url


def due_at(db: str | None, *args: str) -> str:
    return ok_json(run("due", "arrears", "--at", LATE_FRIDAY, *args, "--json", db=db))["due"]


def holidays(db: str, *args: str, user: str = "tl1") -> dict:
    return ok_json(invoke("site", "holidays", "PER", *args, "--json", db=db, user=user))


def test_c3_removed_holiday_makes_the_day_a_business_day_for_due(floor_db: str) -> None:
    assert due_at(floor_db, "--site", "PER") == "2026-09-29T17:00:00+08:00"  # King's Birthday skipped
    out = ok_json(run("site", "holidays", "PER", "--remove", KINGS_BIRTHDAY, "--json", db=floor_db, user="tl1"))
    assert out["removed_holidays"] == [KINGS_BIRTHDAY]
    assert due_at(floor_db, "--site", "PER") == "2026-09-28T17:00:00+08:00"  # now worked: due Monday
    holidays(floor_db, "--clear", KINGS_BIRTHDAY)
    assert due_at(floor_db, "--site", "PER") == "2026-09-29T17:00:00+08:00"  # forgotten: the state's again


def test_c3_added_holiday_is_skipped_by_due(floor_db: str) -> None:
    holidays(floor_db, "--add", "2026-09-29")  # e.g. a local show day on the Tuesday
    proc = run("due", "arrears", "--at", LATE_FRIDAY, "--site", "PER", db=floor_db)
    assert proc.returncode == 0, proc.stderr
    assert "Tue 29 Sep 2026: proclaimed holiday (WA), not a business day" in proc.stdout  # C8 working
    assert due_at(floor_db, "--site", "PER") == "2026-09-30T17:00:00+08:00"


def test_c3_without_a_database_due_uses_the_policy_site(floor_db: str, tmp_path: Path) -> None:
    holidays(floor_db, "--remove", KINGS_BIRTHDAY)
    missing = str(tmp_path / "none.db")
    assert due_at(missing, "--site", "PER") == "2026-09-29T17:00:00+08:00"  # the policy's PER: no change
    assert not Path(missing).exists()  # asking created no database file


def test_c3_each_change_is_a_history_event_and_list_show_report_it(floor_db: str) -> None:
    holidays(floor_db, "--add", "2026-10-01", "--add", "2026-10-02", "--remove", KINGS_BIRTHDAY)
    holidays(floor_db, "--clear", "2026-10-02")
    path = floor_db.removeprefix("sqlite:///")
    import sqlite3

    with sqlite3.connect(path) as con:
        rows = con.execute("SELECT kind, detail FROM event WHERE kind = 'site-holidays' ORDER BY id").fetchall()
    changes = [(json.loads(d)["change"], json.loads(d)["date"], json.loads(d)["site"]) for _, d in rows]
    assert changes == [
        ("add", "2026-10-01", "PER"),
        ("add", "2026-10-02", "PER"),
        ("remove", KINGS_BIRTHDAY, "PER"),
        ("clear", "2026-10-02", "PER"),
    ]
    listed = {s["code"]: s for s in ok_json(invoke("site", "list", "--json", db=floor_db))}
    assert listed["PER"]["extra_holidays"] == ["2026-10-01"]
    assert listed["PER"]["removed_holidays"] == [KINGS_BIRTHDAY]
    assert listed["SYD"]["extra_holidays"] == [] and listed["SYD"]["removed_holidays"] == []
    text = invoke("site", "show", "per", db=floor_db)
    assert text.returncode == 0, text.stderr
    assert "Thu 1 Oct 2026" in text.stdout and "Mon 28 Sep 2026  King's Birthday" in text.stdout
    table = invoke("site", "list", db=floor_db).stdout
    assert "2026-10-01" in table and KINGS_BIRTHDAY in table


def test_c3_bad_dates_and_refusals_say_what_to_fix_and_change_nothing(floor_db: str) -> None:
    def unchanged() -> None:
        shown = ok_json(invoke("site", "show", "PER", "--json", db=floor_db))
        assert shown["extra_holidays"] == [] and shown["removed_holidays"] == []

    cases = [
        (("--add", "2026-09-31"), 2, ("--add", "2026-09-31", "2026-12-24")),
        (("--add", "29/09/2026"), 2, ("--add", "not a date")),
        (("--add", "2026-10-03"), 2, ("--add", "weekend")),  # a Saturday
        (("--add", KINGS_BIRTHDAY), 2, ("--add", "already a holiday", "King's Birthday")),
        (("--remove", "2026-10-06"), 2, ("--remove", "not a public holiday")),
        (("--clear", "2026-10-06"), 2, ("--clear", "no added or removed date")),
        (("--add", "2026-10-01", "--remove", "2026-10-01"), 2, ("both",)),
        (("--add", "2026-10-01", "--add", "bad"), 2, ("--add", "'bad'")),  # one bad date: nothing written
        ((), 2, ("--add", "--remove", "--clear")),
    ]
    for args, code, words in cases:
        fails(invoke("site", "holidays", "PER", *args, db=floor_db, user="tl1"), code, *words)
        unchanged()
    # R7: a site's calendar is the floor's set-up: an admin's (tl1) or the file's owner's, whatever the role.
    for logon in ("tps1", "so_per", "sp_per", "crsso1", "crtl1"):
        fails(invoke("site", "holidays", "PER", "--add", "2026-10-01", db=floor_db, user=logon), 3, "admin flag", logon)
    unchanged()
    fails(invoke("site", "holidays", "ZZZ", "--add", "2026-10-01", db=floor_db, user="tl1"), 2, "ZZZ")
    assert holidays(floor_db, "--add", "2026-10-01", user="tl1")["extra_holidays"] == ["2026-10-01"]
    owner = ok_json(invoke("site", "holidays", "PER", "--add", "2026-10-02", "--json", db=floor_db))  # no --user
    assert owner["extra_holidays"] == ["2026-10-01", "2026-10-02"]


def test_c3_database_site_and_policy_site_of_the_same_code_agree(
    floor_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The policy's [sites.PER] dates and its state's reach the database's PER too (and the other way round
    nothing is lost): with no changes of its own, the database's PER answers as the policy's PER."""
    override = tmp_path / "policy.toml"
    override.write_text(
        '[sites.PER]\nextra_holidays = ["2026-09-29"]\n[business.removed_holidays]\nWA = ["2026-09-28"]\n'
    )
    env = {"TPSDESK_POLICY": str(override)}
    missing = str(tmp_path / "none.db")

    def due(db: str) -> str:
        proc = run("due", "arrears", "--at", LATE_FRIDAY, "--site", "PER", "--json", db=db, env=env)
        return ok_json(proc)["due"]

    # Mon 28 Sep worked (state level), Tue 29 Sep a holiday of the PER site (policy site level).
    assert due(missing) == due(floor_db) == "2026-09-28T17:00:00+08:00"
    # The site's own --add of the Monday overrides the state's removal, in the database's PER.
    ok_json(run("site", "holidays", "PER", "--add", KINGS_BIRTHDAY, "--json", db=floor_db, user="tl1", env=env))
    assert due(floor_db) == "2026-09-30T17:00:00+08:00"


def test_c3_one_builder_layers_state_policy_site_and_own_dates(policy) -> None:
    # A Centre's policy: the merged data read again (the typed sections are frozen).
    raw = merge(policy.raw, {"business": {"removed_holidays": {"WA": ["2026-09-28"]}}})
    policy = Policy(merge(raw, {"sites": {"PER": {"extra_holidays": ["2026-09-29"]}}}))
    builtin = site_calendar_from_policy(policy, "PER")
    row = build_calendar(
        policy, code="PER", zone_name="Australia/Perth", state="WA", open_time="08:00", cob_time="17:00", extra=""
    )
    assert builtin is row  # the same values: the one cached calendar
    assert builtin.is_business_day(date(2026, 9, 28)) and not builtin.is_business_day(date(2026, 9, 29))
    own = build_calendar(
        policy, code="PER", zone_name="Australia/Perth", state="WA", extra="2026-09-28", removed="2026-09-29"
    )
    assert not own.is_business_day(date(2026, 9, 28)) and own.is_business_day(date(2026, 9, 29))
    # A bare state and zone (due --state) takes the state's changes but no site's.
    bare = build_calendar(policy, code="WA", zone_name="Australia/Perth", state="WA", policy_site=False)
    assert bare.is_business_day(date(2026, 9, 28)) and bare.is_business_day(date(2026, 9, 29))


def test_c3_desk_calendar_of_a_database_site_keeps_the_policy_sites_dates(desk: Desk, floor_db: str) -> None:
    # A Centre's policy adding a date to the built-in PER site (the typed sections are frozen).
    desk.policy = Policy(merge(desk.policy.raw, {"sites": {"PER": {"extra_holidays": ["2026-09-29"]}}}))
    from sqlmodel import select

    from tpsdesk.models import Site

    with desk.store.read() as session:
        per = session.exec(select(Site).where(Site.code == "PER")).one()
        assert desk.calendar(per) == setup.calendar_of(desk, per)
        assert not desk.calendar(per).is_business_day(date(2026, 9, 29))


def test_c3_policy_site_dates_reach_due_without_a_database(tmp_path: Path) -> None:
    override = tmp_path / "policy.toml"
    override.write_text('[sites.PER]\nremoved_holidays = ["2026-09-28"]\n')
    proc = run(
        "--db", str(tmp_path / "none.db"), "due", "arrears", "--at", LATE_FRIDAY, "--site", "PER", "--json",
        env={"TPSDESK_POLICY": str(override)},
    )  # fmt: skip
    assert ok_json(proc)["due"] == "2026-09-28T17:00:00+08:00"  # the built-in site's own removal counts
