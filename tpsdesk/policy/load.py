"""Policy data: the rulebook's numbers, lists and routings, read from TOML.

The defaults ship in ``data/policy.toml`` (inside the wheel as
``tpsdesk/_data``). A Centre's own file, from ``TPSDESK_POLICY`` or the user
config dir, is merged over them key by key. A malformed file raises
``PolicyError`` naming the key, never a traceback.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from datetime import date, time
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tpsdesk.businesstime import STATES
from tpsdesk.domain.vocab import FinalReason, NextAction
from tpsdesk.errors import PolicyError
from tpsdesk.policy import schema

CATEGORIES = ("arrears", "review", "death", "fcso", "system", "policy", "feedback", "q999", "qol")
ROLES = ("SO", "TPS", "SP", "SSO", "TL")
CHANNELS = ("smart-centre", "comp-recovery")
DEADLINE_KINDS = ("cob", "elapsed", "calendar", "date")
DEADLINE_ANCHORS = ("raised", "referred", "contact", "reported")
DEADLINE_MET_BY = ("action", "finalise", "ict-request")
DEADLINE_KEYS = ("id", "rule", "kind", "from", "met_by", "when", "label", "hours", "days", "day")
DEADLINE_WHEN = ("always", "referred-ict")
CATEGORY_KEYS = (
    "rule", "label", "short", "urgent", "deadlines", "followup", "crn_required", "needs_stop_payment_doc",
    "enq1", "file_note_template", "procedure", "final_reasons", "record",
)  # fmt: skip
FOLLOWUP_KINDS = ("followup", "review", "none")
FOLLOWUP_ANCHORS = ("raised", "referred", "actioned")
FOLLOWUP_KEYS = ("rule", "kind", "days", "from", "eped")
PERMISSION_VALUES = ("yes", "no", "pool", "arrears", "own-centre")


def data_dir() -> Path:
    """The shipped data folder, from an installed wheel or from a checkout."""
    try:
        packaged = resources.files("tpsdesk") / "_data"
        if packaged.is_dir():
            return Path(str(packaged))
    except (ModuleNotFoundError, OSError):  # pragma: no cover - odd loaders
        pass
    return Path(__file__).resolve().parents[2] / "data"


def override_path() -> Path | None:
    """The Centre's policy file, if any: TPSDESK_POLICY, else user config dir."""
    env = os.environ.get("TPSDESK_POLICY")
    if env:
        return Path(env)
    from platformdirs import user_config_dir

    candidate = Path(user_config_dir("tpsdesk")) / "policy.toml"
    return candidate if candidate.is_file() else None


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; any other value replaces the default.

    A list of tables with ids (a category's ``deadlines``) replaces the default
    list, but an item whose ``id`` matches a default item keeps the default's
    other keys: ``deadlines = [{ id = "action", hours = 48 }]`` changes one number.
    """
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        elif isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = _merge_items(out[key], value)
        else:
            out[key] = value
    return out


def _merge_items(base: list[Any], over: list[Any]) -> list[Any]:
    by_id = {item["id"]: item for item in base if isinstance(item, dict) and "id" in item}
    return [
        merge(by_id[item["id"]], item) if isinstance(item, dict) and item.get("id") in by_id else item for item in over
    ]


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise PolicyError(f"policy file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"policy file {path} is not valid TOML: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Deadline:
    id: str
    rule: str
    kind: str
    anchor: str  # raised | referred
    met_by: str  # action | finalise
    label: str
    hours: int = 0
    days: int = 0
    day: int = 0
    when: str = "always"  # always | referred-ict (E4: only once referred to ICT)


@dataclass(frozen=True, slots=True)
class FollowUp:
    rule: str
    kind: str  # followup | review | none
    days: int
    anchor: str
    eped: bool


@dataclass(frozen=True, slots=True)
class Category:
    key: str
    rule: str
    label: str
    short: str
    urgent: bool
    deadlines: tuple[Deadline, ...]
    followup: FollowUp
    crn_required: bool = False
    needs_stop_payment_doc: bool = False  # E1
    enq1: str = ""  # E4: FCSO/SAC
    file_note_template: bool = False  # E3
    procedure: str = ""  # E8: the item's own procedure, shown wherever it is shown
    final_reasons: tuple[str, ...] = ()  # F1/E1: when set, the only reasons it may be finalised with


def _hhmm(value: Any, key: str) -> time:
    """A clock time: "17:00" or a TOML time literal (17:00:00)."""
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    try:
        if not isinstance(value, str):
            raise TypeError(value)
        hh, mm = value.split(":")
        return time(int(hh), int(mm))
    except (ValueError, TypeError) as exc:
        raise PolicyError(f'policy key {key} must be a time like "17:00", got {value!r}') from exc


def _date(value: Any, key: str) -> date:
    """A date: "2026-12-24" or a TOML date literal."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise PolicyError(f'policy key {key} must be a date like "2026-12-24", got {value!r}') from exc


def _bool(table: dict[str, Any], name: str, key: str, default: bool = False) -> bool:
    value = table.get(name, default)
    if not isinstance(value, bool):
        raise PolicyError(f"policy key {key}.{name} must be true or false, got {value!r}")
    return value


def _choice(table: dict[str, Any], name: str, key: str, choices: tuple[str, ...], default: str) -> str:
    value = table.get(name, default)
    if value not in choices:
        raise PolicyError(f"policy key {key}.{name} must be one of {', '.join(choices)}, got {value!r}")
    return str(value)


def _known_keys(table: dict[str, Any], key: str, allowed: tuple[str, ...]) -> None:
    for name in table:
        if name not in allowed:
            raise PolicyError(f"policy key {key}.{name} is not known; use {', '.join(allowed)}")


def _dates(value: Any, key: str) -> list[date]:
    if not isinstance(value, list):
        raise PolicyError(f'policy key {key} must be a list of dates like ["2026-12-24"], got {value!r}')
    return [_date(v, f"{key}[{i}]") for i, v in enumerate(value)]


_TYPE_WORDS = {"dict": "a table", "list": "a list", "str": "text", "int": "a whole number", "bool": "true or false"}


def _need(table: dict[str, Any], name: str, key: str, typ: type | tuple[type, ...]) -> Any:
    full = f"{key}.{name}" if key and key != "policy" else name
    if name not in table:
        raise PolicyError(f"policy key {full} is missing")
    value = table[name]
    if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
        types = (typ,) if isinstance(typ, type) else typ
        want = " or ".join(_TYPE_WORDS.get(t.__name__, t.__name__) for t in types)
        raise PolicyError(f"policy key {full} must be {want}, got {value!r}")
    return value


def _int(table: dict[str, Any], name: str, key: str, minimum: int = 0) -> int:
    value = _need(table, name, key, int)
    if value < minimum:
        raise PolicyError(f"policy key {key}.{name} must be at least {minimum}, got {value}")
    return value


class Policy:
    """Typed access to the merged policy tables."""

    def __init__(self, raw: dict[str, Any], source: str = "defaults") -> None:
        self.raw = raw
        self.source = source
        self.categories: dict[str, Category] = {}
        self._validate()

    # -- validation: each failure names its key
    def _validate(self) -> None:
        raw = self.raw
        business = _need(raw, "business", "policy", dict)
        self.open_time = _hhmm(business.get("open", "08:00"), "business.open")
        self.cob_time = _hhmm(business.get("cob", "17:00"), "business.cob")
        if self.cob_time <= self.open_time:
            raise PolicyError("policy key business.cob must be later than business.open")
        for table in ("extra_holidays", "removed_holidays"):  # C3
            per_state = business.get(table, {})
            if not isinstance(per_state, dict):
                raise PolicyError(f"policy key business.{table} must be a table of states")
            for state, days in per_state.items():
                if state not in STATES:
                    raise PolicyError(f"policy key business.{table}.{state} is not a state; use {', '.join(STATES)}")
                _dates(days, f"business.{table}.{state}")
        self._validate_sites()
        cats = _need(raw, "categories", "policy", dict)
        for key in cats:
            if key not in CATEGORIES:
                raise PolicyError(f"policy key categories.{key} is not a known category; use {', '.join(CATEGORIES)}")
        defaults = raw.get("defaults", {})
        if not isinstance(defaults, dict):
            raise PolicyError("policy key defaults must be a table")
        default_fu = defaults.get("followup", {"kind": "none"})
        for key in CATEGORIES:
            if key not in cats:
                raise PolicyError(f"policy key categories.{key} is missing")
            self.categories[key] = self._category(key, cats[key], default_fu)
        channels = _need(raw, "channels", "policy", dict)
        for ch in CHANNELS:
            table = _need(channels, ch, "channels", dict)
            refs = _need(table, "references", f"channels.{ch}", list)
            if not refs or not all(isinstance(r, str) and r for r in refs):
                raise PolicyError(f"policy key channels.{ch}.references must be a list of names")
        perms = _need(raw, "permissions", "policy", dict)
        for ch in CHANNELS:
            table = _need(perms, ch, "permissions", dict)
            for role in ROLES:
                row = _need(table, role, f"permissions.{ch}", dict)
                for action, value in row.items():
                    if value not in PERMISSION_VALUES:
                        raise PolicyError(
                            f"policy key permissions.{ch}.{role}.{action} must be one of "
                            f"{', '.join(PERMISSION_VALUES)}, got {value!r}"
                        )
        sp = _need(raw, "stop_payment", "policy", dict)
        _int(sp, "min_reason_words", "stop_payment", 1)
        _need(sp, "vague_reasons", "stop_payment", list)
        _need(sp, "template", "stop_payment", str)
        self.permissions = schema.parse_permissions(perms)
        self.referral = schema.parse_referral(_need(raw, "referral", "policy", dict))
        self.finalise = schema.parse_finalise(_need(raw, "finalise", "policy", dict))
        for reason in self.finalise.reasons:
            if reason not in {r.value for r in FinalReason}:
                raise PolicyError(f"policy key finalise.reasons.{reason} is not a known reason")
        for key, cat in self.categories.items():
            for reason in cat.final_reasons:
                if reason not in self.finalise.reasons:
                    raise PolicyError(f"policy key categories.{key}.final_reasons: unknown reason {reason!r}")
        self.documentation = schema.parse_documentation(_need(raw, "documentation", "policy", dict))
        self.progress = schema.parse_progress(_need(defaults, "progress", "defaults", dict))
        self.progress_checks: dict[str, NextAction] = {}
        for ch in CHANNELS:
            kind = _choice(channels[ch], "progress_check", f"channels.{ch}", ("progress-check", "record-update"), "")
            self.progress_checks[ch] = NextAction(kind)

    def _validate_sites(self) -> None:
        """Built-in sites (C2): a known state, an IANA zone, optional hours and C3 dates."""
        sites = self.raw.get("sites", {})
        if not isinstance(sites, dict):
            raise PolicyError("policy key sites must be a table of sites")
        for code, site in sites.items():
            where = f"sites.{code}"
            if not isinstance(site, dict):
                raise PolicyError(f"policy key {where} must be a table")
            if _need(site, "state", where, str) not in STATES:
                raise PolicyError(f"policy key {where}.state must be one of {', '.join(STATES)}, got {site['state']!r}")
            name = _need(site, "zone", where, str)
            try:
                ZoneInfo(name)
            except (KeyError, ValueError, OSError) as exc:  # ZoneInfoNotFoundError is a KeyError
                raise PolicyError(f"policy key {where}.zone: unknown time zone {name!r}; use an IANA name") from exc
            opens = _hhmm(site.get("open", self.open_time.strftime("%H:%M")), f"{where}.open")
            cob = _hhmm(site.get("cob", self.cob_time.strftime("%H:%M")), f"{where}.cob")
            if cob <= opens:
                raise PolicyError(f"policy key {where}.cob must be later than {where}.open")
            for table in ("extra_holidays", "removed_holidays"):
                if table in site:
                    _dates(site[table], f"{where}.{table}")

    def _category(self, key: str, table: Any, defaults: dict[str, Any]) -> Category:
        where = f"categories.{key}"
        if not isinstance(table, dict):
            raise PolicyError(f"policy key {where} must be a table")
        _known_keys(table, where, CATEGORY_KEYS)
        final = table.get("final_reasons", [])
        if not isinstance(final, list) or not all(isinstance(r, str) for r in final):
            raise PolicyError(f"policy key {where}.final_reasons must be a list of reason keys")
        deadlines = []
        for i, d in enumerate(_need(table, "deadlines", where, list)):
            dk = f"{where}.deadlines[{i}]"
            if not isinstance(d, dict):
                raise PolicyError(f"policy key {dk} must be a table")
            _known_keys(d, dk, DEADLINE_KEYS)
            kind = _need(d, "kind", dk, str)
            if kind not in DEADLINE_KINDS:
                raise PolicyError(f"policy key {dk}.kind must be one of {', '.join(DEADLINE_KINDS)}, got {kind!r}")
            deadlines.append(
                Deadline(
                    id=str(d.get("id", kind)),
                    rule=str(d.get("rule", table.get("rule", ""))),
                    kind=kind,
                    anchor=_choice(d, "from", dk, DEADLINE_ANCHORS, "raised"),
                    met_by=_choice(d, "met_by", dk, DEADLINE_MET_BY, "finalise"),
                    label=str(d.get("label", "")),
                    hours=_int(d, "hours", dk, 1) if kind == "elapsed" else 0,
                    days=_int(d, "days", dk, 0) if kind == "calendar" else 0,
                    day=_int(d, "day", dk, 1) if kind == "date" else 0,
                    when=_choice(d, "when", dk, DEADLINE_WHEN, "always"),
                )
            )
        # A category without its own [followup] takes [defaults.followup] (E9).
        fu, fk = (table["followup"], f"{where}.followup") if "followup" in table else (defaults, "defaults.followup")
        if not isinstance(fu, dict):
            raise PolicyError(f"policy key {fk} must be a table")
        _known_keys(fu, fk, FOLLOWUP_KEYS)
        fkind = _choice(fu, "kind", fk, FOLLOWUP_KINDS, "followup")
        followup = FollowUp(
            rule=str(fu.get("rule", "E9")),
            kind=fkind,
            days=_int(fu, "days", fk, 1) if fkind != "none" else 0,
            anchor=_choice(fu, "from", fk, FOLLOWUP_ANCHORS, "referred"),
            eped=_bool(fu, "eped", fk),
        )
        return Category(
            key=key,
            rule=str(table.get("rule", "")),
            label=str(_need(table, "label", where, str)),
            short=str(table.get("short", key)),
            urgent=_bool(table, "urgent", where),
            deadlines=tuple(deadlines),
            followup=followup,
            crn_required=_bool(table, "crn_required", where),
            needs_stop_payment_doc=_bool(table, "needs_stop_payment_doc", where),
            enq1=str(table.get("enq1", "")),
            file_note_template=_bool(table, "file_note_template", where),
            procedure=str(table.get("procedure", "")),
            final_reasons=tuple(final),
        )

    # -- accessors
    def section(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name, {})
        return value if isinstance(value, dict) else {}

    def channel(self, channel: str) -> dict[str, Any]:
        return self.raw["channels"][channel]

    def references(self, channel: str) -> list[str]:
        return list(self.channel(channel)["references"])

    def permission(self, channel: str, role: str, action: str) -> str:
        return str(self.raw["permissions"][channel][role].get(action, "no"))

    def permission_label(self, action: str) -> str:
        return str(self.section("permissions").get("labels", {}).get(action, action))

    def sites(self) -> dict[str, dict[str, Any]]:
        return self.section("sites")

    def holiday_overrides(self, state: str) -> tuple[list[str], list[str]]:
        """A state's added and removed dates (C3), as ISO text (TOML date literals allowed)."""
        business = self.section("business")
        extra = business.get("extra_holidays", {}).get(state, [])
        removed = business.get("removed_holidays", {}).get(state, [])
        where = "business.{}_holidays." + state
        return (
            [d.isoformat() for d in _dates(extra, where.format("extra"))],
            [d.isoformat() for d in _dates(removed, where.format("removed"))],
        )


def load_policy(path: Path | None = None, *, use_override: bool = True) -> Policy:
    """Defaults merged with the Centre's file (``path``, or the env/config one)."""
    raw = _read(data_dir() / "policy.toml")
    source = "defaults"
    over = path if path is not None else (override_path() if use_override else None)
    if over is not None:
        raw = merge(raw, _read(over))
        source = str(over)
    return Policy(raw, source)


@cache
def default_policy() -> Policy:
    """The process-wide policy (defaults plus any Centre override), loaded once."""
    return load_policy()
