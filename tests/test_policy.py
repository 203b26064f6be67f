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
from tpsdesk.policy import CATEGORIES, CHANNELS, Policy, data_dir, load_policy, merge

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
    for code in policy.builtin_sites:
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
    assert (
        policy.channels["smart-centre"].references
        == load_policy(use_override=False).channels["smart-centre"].references
    )


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
    assert policy.business.holidays("NSW") == ((date(2026, 12, 24),), ())
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


def test_c3_holiday_overrides_read_toml_dates_and_iso_text_alike(tmp_path) -> None:
    policy = load_policy(write(tmp_path, '[business.extra_holidays]\nVIC = [2026-12-24, "2026-12-31"]\n'))
    assert policy.business.holidays("VIC") == ((date(2026, 12, 24), date(2026, 12, 31)), ())


# ---------------------------------------------------------------- a strict, typed schema (issue "Rules in one place", 2)
def test_unknown_key_in_a_centre_file_is_refused_by_name(tmp_path) -> None:
    """S2: a misspelt number used to be ignored silently; now it names the key and the known ones."""
    message = error_for(tmp_path, "[stop_payment]\nmin_reason_word = 9\n")
    assert "stop_payment.min_reason_word is not known" in message
    assert "min_reason_words" in message  # the key that was meant


def test_wrong_type_in_a_centre_file_is_refused_at_load(tmp_path) -> None:
    """I2's cap on free text: "lots" is refused when the file is read, not later as a bare ValueError."""
    message = error_for(tmp_path, '[intake]\nmax_help_chars = "lots"\n')
    assert "intake.max_help_chars must be a whole number" in message and "'lots'" in message


def test_unknown_top_level_table_is_refused(tmp_path) -> None:
    message = error_for(tmp_path, "[summery]\nshift_hours = 8\n")
    assert "policy key summery is not known" in message and "summary" in message


def test_wrong_type_inside_a_list_of_tables_names_its_index(tmp_path) -> None:
    message = error_for(tmp_path, '[categories.death]\ndeadlines = [{ id = "action", hours = "x" }]\n')
    assert "categories.death.deadlines[0].hours must be a whole number" in message


def test_c2_bad_site_time_is_refused(tmp_path) -> None:
    message = error_for(tmp_path, '[sites.PER]\ncob = "5pm"\n')
    assert "sites.PER.cob must be a time like" in message


def test_c1_bad_default_zone_is_refused(tmp_path) -> None:
    message = error_for(tmp_path, '[business]\ndefault_zone = "Mars/Olympus"\n')
    assert "business.default_zone" in message and "Mars/Olympus" in message


def test_c3_bad_site_date_is_refused(tmp_path) -> None:
    message = error_for(tmp_path, '[sites.SYD]\nextra_holidays = ["2026-02-30"]\n')
    assert "sites.SYD.extra_holidays[0] must be a date like" in message


def test_a_missing_required_key_is_named(policy) -> None:
    raw = merge(policy.raw, {})
    raw["intake"] = {k: v for k, v in raw["intake"].items() if k != "max_name_chars"}
    with pytest.raises(PolicyError, match=r"policy key intake\.max_name_chars is missing"):
        Policy(raw)


def test_a_deadline_without_its_kinds_number_is_refused(policy) -> None:
    """C4: an elapsed deadline needs its hours; the file, not the code, gives them."""
    raw = merge(policy.raw, {})
    deadline = dict(raw["categories"]["death"]["deadlines"][0])
    del deadline["hours"]
    raw["categories"]["death"] = dict(raw["categories"]["death"], deadlines=[deadline])
    with pytest.raises(PolicyError, match=r"categories\.death\.deadlines\[0\]\.hours is missing"):
        Policy(raw)


def test_i8_a_channel_must_escalate_to_a_role(tmp_path) -> None:
    message = error_for(tmp_path, '[channels.smart-centre]\nescalate_to = "boss"\n')
    assert "channels.smart-centre.escalate_to must be one of SO, TPS, SP, SSO, TL" in message


def test_cli_turns_a_bad_centre_file_into_one_line_and_exit_2(tmp_path) -> None:
    from cli_helpers import fails, run

    bad = write(tmp_path, "[stop_payment]\nmin_reason_word = 9\n")
    proc = run("due", "arrears", "--at", "2026-09-25T17:40", "--site", "PER", env={"TPSDESK_POLICY": str(bad)})
    fails(proc, 2, "stop_payment.min_reason_word")


def test_policy_and_its_sections_are_frozen(policy) -> None:
    from dataclasses import FrozenInstanceError

    with pytest.raises(FrozenInstanceError):
        policy.summary = policy.summary  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        policy.intake.max_help_chars = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        policy.categories["death"] = policy.categories["arrears"]  # type: ignore[index]


def test_typed_sections_carry_the_shipped_values(policy) -> None:
    assert policy.business.default_zone == "Australia/Sydney" and policy.business.default_state == "NSW"
    assert policy.builtin_sites["PER"].hours(policy.business) == (time(8, 0), time(17, 0))  # C2
    assert policy.channels["comp-recovery"].escalation_doc_on_record  # D4
    assert not policy.channels["smart-centre"].escalation_doc_on_record  # optional, explicitly empty
    assert policy.reasons["social-worker"].n is None and not policy.reasons["social-worker"].offered_in("smart-centre")
    assert policy.reasons["supervisor"].label_for("comp-recovery") != policy.reasons["supervisor"].label  # I2
    assert policy.reasons["supervisor"].label_for("smart-centre") == policy.reasons["supervisor"].label
    assert policy.supervisor.reasons["technical"].min_help_words == 6  # I6
    assert policy.categories["q999"].procedure and policy.categories["policy"].procedure == ""  # E8
    assert policy.categories["fcso"].enq1 == "FCSO/SAC"  # E4
    assert policy.summary.shift_hours == 9 and policy.stop_payment.min_reason_words == 4


# Every key of the shipped file is read by the schema: the walk below visits every
# table (also the tables inside lists) and every value of data/policy.toml.
def _tables(node: object, path: str) -> list[tuple[str, dict]]:
    found: list[tuple[str, dict]] = []
    if isinstance(node, dict):
        found.append((path, node))
        for key, value in node.items():
            found += _tables(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            found += _tables(item, f"{path}[{i}]")
    return found


def _leaves(node: object, path: str) -> list[tuple[str, list]]:
    """(dotted key, the steps to it) of every value that is not a table."""
    out: list[tuple[str, list]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            sub = _leaves(value, f"{path}.{key}" if path else key)
            out += [(p, [key, *steps]) for p, steps in sub] if sub else []
            if not isinstance(value, dict):
                out.append((f"{path}.{key}" if path else key, [key]))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            if isinstance(item, dict):
                out += [(p, [i, *steps]) for p, steps in _leaves(item, f"{path}[{i}]")]
    return out


def _shipped() -> dict:
    import tomllib

    return tomllib.loads((data_dir() / "policy.toml").read_text(encoding="utf-8"))


def _set(raw: dict, steps: list, value: object) -> None:
    node: object = raw
    for step in steps[:-1]:
        node = node[step]  # type: ignore[index]
    node[steps[-1]] = value  # type: ignore[index]


def test_the_shipped_file_loads_with_every_table_strict() -> None:
    """Each table of data/policy.toml refuses a key its schema does not declare, naming it."""
    import copy

    shipped = _shipped()
    Policy(shipped)
    tables = _tables(shipped, "")
    assert len(tables) > 60
    for path, _ in tables:
        raw = copy.deepcopy(shipped)
        target = raw
        for step in _steps(path):
            target = target[step]
        target["not_a_policy_key"] = [[{}]]  # no schema accepts a list of lists of tables
        with pytest.raises(PolicyError) as err:
            Policy(raw)
        key = f"{path}.not_a_policy_key" if path else "not_a_policy_key"
        assert key in str(err.value), (path, str(err.value))


def test_every_value_of_the_shipped_file_is_read_and_typed() -> None:
    """A value the schema did not read could take any type unnoticed: each one, made wrong, is named."""
    import copy

    shipped = _shipped()
    leaves = _leaves(shipped, "")
    assert len(leaves) > 300
    for path, steps in leaves:
        raw = copy.deepcopy(shipped)
        _set(raw, steps, [[{}]])
        with pytest.raises(PolicyError) as err:
            Policy(raw)
        assert path in str(err.value), (path, str(err.value))


def _steps(path: str) -> list:
    import re

    return [int(m[1]) if m[1] else m[2] for m in re.finditer(r"\[(\d+)\]|([^.\[\]]+)", path)]


def _plain(value: object) -> object:
    """A typed section back in TOML's shapes, to compare with the file."""
    import dataclasses
    from collections.abc import Mapping
    from enum import StrEnum

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.metadata.get("key", f.name): _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.metadata.get("name")
        }
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, StrEnum):
        return str(value)
    return value


def _within(raw: object, typed: object, path: str) -> None:
    if isinstance(raw, dict):
        assert isinstance(typed, dict), path
        for key, value in raw.items():
            assert key in typed, f"{path}.{key} is not read"
            _within(value, typed[key], f"{path}.{key}")
    elif isinstance(raw, list):
        assert isinstance(typed, list) and len(typed) == len(raw), path
        for i, (a, b) in enumerate(zip(raw, typed, strict=True)):
            _within(a, b, f"{path}[{i}]")
    else:
        assert raw == typed, f"{path}: file {raw!r}, typed {typed!r}"


@pytest.mark.parametrize("name", [n for n in _shipped() if n != "permissions"])
def test_every_section_round_trips_the_shipped_file(policy, name) -> None:
    """Every value of the file is in the typed section, unchanged (optional keys it lacks read as empty)."""
    attr = "builtin_sites" if name == "sites" else name
    _within(_shipped()[name], _plain(getattr(policy, attr)), name)


def test_r6_permissions_round_trip_the_shipped_file(policy) -> None:
    raw = _shipped()["permissions"]
    for channel in CHANNELS:
        for role, row in raw[channel].items():
            for permission, grant in row.items():
                assert policy.permissions.grant(channel, role, permission) == grant
    assert dict(policy.permissions.labels) == raw["labels"]
