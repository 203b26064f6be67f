"""Policy data (issue 2 item 2): defaults, a Centre's override, clear errors naming the key."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date, time
from pathlib import Path

import pytest

from tpsdesk.businesstime import site_calendar_from_policy
from tpsdesk.deadlines import compute
from tpsdesk.errors import PolicyError
from tpsdesk.policy import CATEGORIES, Policy, data_dir, load_policy, merge

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "centre-policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str) -> str:
    with pytest.raises(PolicyError) as err:
        load_policy(write(tmp_path, text))
    return str(err.value)


# ---------------------------------------------------------------- defaults
def test_defaults_have_every_category_with_rule_ids(policy) -> None:
    assert set(policy.categories) == set(CATEGORIES)
    assert policy.categories["death"].deadlines[0].hours == 24  # E3
    assert policy.categories["death"].followup.days == 14  # E3
    assert policy.categories["fcso"].deadlines[0].day == 15  # E4
    assert policy.categories["system"].followup.eped  # E10
    assert policy.open_time == time(8, 0) and policy.cob_time == time(17, 0)  # C2


@pytest.mark.parametrize("key", ["policy", "feedback", "q999", "qol"])
def test_e9_categories_without_a_schedule_take_the_default_7_day_follow_up(policy, key) -> None:
    fu = policy.categories[key].followup
    assert (fu.rule, fu.kind, fu.days, fu.anchor) == ("E9", "followup", 7, "referred")


def test_builtin_sites_are_valid_calendars(policy) -> None:
    for code in policy.sites():
        assert site_calendar_from_policy(policy, code).code == code


# ---------------------------------------------------------------- a Centre's override
def test_override_from_tpsdesk_policy_env_changes_cob_and_the_deadline(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TPSDESK_POLICY", str(write(tmp_path, '[business]\ncob = "16:30"\n')))
    policy = load_policy()
    assert policy.cob_time == time(16, 30)
    assert policy.source.endswith("centre-policy.toml")
    syd = site_calendar_from_policy(policy, "SYD")
    arrears = policy.categories["arrears"]
    before = compute(arrears, syd.parse("2026-09-29T16:00"), syd)
    after = compute(arrears, syd.parse("2026-09-29T16:40"), syd)  # after the Centre's COB (C6)
    assert before.due == syd.parse("2026-09-29T16:30") and not before.after_hours
    assert after.due == syd.parse("2026-09-30T16:30") and after.after_hours
    # Everything not overridden keeps its default.
    assert policy.open_time == time(8, 0)
    assert policy.references("smart-centre") == load_policy(use_override=False).references("smart-centre")


def test_override_death_hours_48_keeps_the_rest_of_the_deadline(tmp_path) -> None:
    policy = load_policy(write(tmp_path, '[categories.death]\ndeadlines = [{ id = "action", hours = 48 }]\n'))
    dl = policy.categories["death"].deadlines[0]
    assert (dl.hours, dl.kind, dl.met_by, dl.rule) == (48, "elapsed", "action", "E3")
    syd = site_calendar_from_policy(policy, "SYD")
    r = compute(policy.categories["death"], syd.parse("2026-10-03T10:00"), syd)
    assert r.due == syd.parse("2026-10-05T11:00")  # 48 real hours across the DST start (C4)


def test_override_may_replace_a_deadline_list_outright(tmp_path) -> None:
    policy = load_policy(write(tmp_path, "[categories.death]\ndeadlines = []\n"))
    assert policy.categories["death"].deadlines == ()


def test_override_review_follow_up_days(tmp_path) -> None:
    policy = load_policy(write(tmp_path, "[categories.review.followup]\ndays = 5\n"))
    assert policy.categories["review"].followup.days == 5
    assert policy.categories["review"].followup.rule == "E2"


def test_c3_override_adds_a_state_holiday_with_a_toml_date(tmp_path) -> None:
    policy = load_policy(write(tmp_path, "[business.extra_holidays]\nNSW = [2026-12-24]\n"))
    assert policy.holiday_overrides("NSW") == (["2026-12-24"], [])
    syd = site_calendar_from_policy(policy, "SYD")
    r = compute(policy.categories["arrears"], syd.parse("2026-12-23T17:30"), syd, explain=True)
    assert r.due == syd.parse("2026-12-29T17:00")
    assert "Thu 24 Dec 2026: proclaimed holiday (NSW), not a business day" in r.explain


def test_override_site_hours(tmp_path) -> None:
    policy = load_policy(write(tmp_path, '[sites.PER]\ncob = "16:00"\n'))
    per = site_calendar_from_policy(policy, "PER")
    assert per.cob_time == time(16, 0) and per.zone_name == "Australia/Perth"


def test_merge_tables_key_by_key() -> None:
    assert merge({"a": {"x": 1, "y": 2}, "b": [1]}, {"a": {"y": 3}, "b": [2]}) == {"a": {"x": 1, "y": 3}, "b": [2]}


def test_explicit_path_wins_over_env(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TPSDESK_POLICY", str(tmp_path / "missing.toml"))
    assert load_policy(write(tmp_path, '[business]\ncob = "16:45"\n')).cob_time == time(16, 45)


# ---------------------------------------------------------------- malformed files
def test_bad_toml_is_one_clear_error(tmp_path) -> None:
    message = error_for(tmp_path, "[business\ncob = 17:00")
    assert "not valid TOML" in message and "centre-policy.toml" in message


def test_missing_override_file_names_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TPSDESK_POLICY", str(tmp_path / "nope.toml"))
    with pytest.raises(PolicyError, match=r"nope\.toml does not exist"):
        load_policy()


def test_cob_of_the_wrong_type_names_the_key(tmp_path) -> None:
    message = error_for(tmp_path, "[business]\ncob = 5\n")
    assert "business.cob" in message and '"17:00"' in message


def test_cob_before_open_names_the_key(tmp_path) -> None:
    assert "business.cob" in error_for(tmp_path, '[business]\ncob = "07:00"\n')


def test_unknown_deadline_kind_names_the_key(tmp_path) -> None:
    message = error_for(tmp_path, '[categories.death]\ndeadlines = [{ id = "action", kind = "fortnight" }]\n')
    assert "categories.death.deadlines[0].kind" in message and "elapsed" in message


def test_wrong_number_type_names_the_key(tmp_path) -> None:
    message = error_for(tmp_path, '[categories.death]\ndeadlines = [{ id = "action", hours = "24" }]\n')
    assert "categories.death.deadlines[0].hours" in message


def test_misspelt_deadline_key_names_it(tmp_path) -> None:
    message = error_for(tmp_path, '[categories.death]\ndeadlines = [{ id = "action", hour = 48 }]\n')
    assert "categories.death.deadlines[0].hour" in message


def test_unknown_anchor_and_met_by_name_the_key(tmp_path) -> None:
    assert "deadlines[0].from" in error_for(
        tmp_path, '[categories.death]\ndeadlines = [{ id = "action", from = "dawn" }]\n'
    )
    assert "deadlines[0].met_by" in error_for(
        tmp_path, '[categories.death]\ndeadlines = [{ id = "action", met_by = "x" }]\n'
    )


def test_follow_up_errors_name_the_key(tmp_path) -> None:
    assert "categories.system.followup.eped" in error_for(tmp_path, '[categories.system.followup]\neped = "yes"\n')
    assert "categories.review.followup.days" in error_for(tmp_path, "[categories.review.followup]\ndays = 0\n")
    assert "defaults.followup.kind" in error_for(tmp_path, '[defaults.followup]\nkind = "sometimes"\n')


def test_unknown_category_names_the_key(tmp_path) -> None:
    assert "categories.deaht" in error_for(tmp_path, "[categories.deaht]\nlabel = 'typo'\n")


def test_missing_category_names_the_key() -> None:
    raw = load_policy(use_override=False).raw
    broken = dict(raw, categories={k: v for k, v in raw["categories"].items() if k != "qol"})
    with pytest.raises(PolicyError, match=r"categories\.qol is missing"):
        Policy(broken)


def test_bad_holiday_date_and_state_name_the_key(tmp_path) -> None:
    assert "business.extra_holidays.NSW[0]" in error_for(tmp_path, '[business.extra_holidays]\nNSW = ["24/12/2026"]\n')
    assert "business.extra_holidays.NZ" in error_for(tmp_path, '[business.extra_holidays]\nNZ = ["2026-12-24"]\n')


def test_bad_site_zone_and_state_name_the_key(tmp_path) -> None:
    assert "sites.PER.zone" in error_for(tmp_path, '[sites.PER]\nzone = "Australia/Atlantis"\n')
    assert "sites.PER.state" in error_for(tmp_path, '[sites.PER]\nstate = "XX"\n')


def test_policy_errors_are_tps_errors_with_input_exit_code(tmp_path) -> None:
    with pytest.raises(PolicyError) as err:
        load_policy(write(tmp_path, "[business]\ncob = 5\n"))
    assert err.value.exit_code == 2


# ---------------------------------------------------------------- installed layout
def test_data_dir_from_a_checkout_is_the_repo_data(policy) -> None:
    assert (data_dir() / "policy.toml").is_file()


def test_installed_layout_prefers_tpsdesk_data(tmp_path) -> None:
    """A wheel ships data/ as tpsdesk/_data: the policy is found there (no checkout beside it)."""
    site = tmp_path / "site-packages"
    shutil.copytree(ROOT / "tpsdesk", site / "tpsdesk", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "data", site / "tpsdesk" / "_data")
    code = (
        "import tpsdesk.policy as p; from datetime import date\n"
        "print(p.data_dir()); print(p.load_policy(use_override=False).categories['death'].deadlines[0].hours)"
    )
    env = {k: v for k, v in os.environ.items() if k != "TPSDESK_POLICY"}
    env["PYTHONPATH"] = str(site)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[0] == str(site / "tpsdesk" / "_data")
    assert out[1] == "24"


def test_holiday_overrides_are_iso_text(policy) -> None:
    policy.raw["business"]["extra_holidays"] = {"VIC": [date(2026, 12, 24), "2026-12-31"]}
    assert policy.holiday_overrides("VIC") == (["2026-12-24", "2026-12-31"], [])
