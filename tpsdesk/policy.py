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
from datetime import time
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from tpsdesk.errors import PolicyError

CATEGORIES = ("arrears", "review", "death", "fcso", "system", "policy", "feedback", "q999", "qol")
ROLES = ("SO", "TPS", "SP", "SSO", "TL")
CHANNELS = ("smart-centre", "comp-recovery")
DEADLINE_KINDS = ("cob", "elapsed", "calendar", "date")
FOLLOWUP_KINDS = ("followup", "review", "none")
PERMISSION_VALUES = ("yes", "no", "pool", "arrears", "own-centre")


def data_dir() -> Path:
    """The shipped data folder, from an installed wheel or from a checkout."""
    try:
        packaged = resources.files("tpsdesk") / "_data"
        if packaged.is_dir():
            return Path(str(packaged))
    except (ModuleNotFoundError, OSError):  # pragma: no cover - odd loaders
        pass
    return Path(__file__).resolve().parent.parent / "data"


def override_path() -> Path | None:
    """The Centre's policy file, if any: TPSDESK_POLICY, else user config dir."""
    env = os.environ.get("TPSDESK_POLICY")
    if env:
        return Path(env)
    from platformdirs import user_config_dir

    candidate = Path(user_config_dir("tpsdesk")) / "policy.toml"
    return candidate if candidate.is_file() else None


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; any other value replaces the default."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


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


def _hhmm(value: Any, key: str) -> time:
    try:
        hh, mm = str(value).split(":")
        return time(int(hh), int(mm))
    except (ValueError, TypeError) as exc:
        raise PolicyError(f'policy key {key} must be a time like "17:00", got {value!r}') from exc


def _need(table: dict[str, Any], name: str, key: str, typ: type | tuple[type, ...]) -> Any:
    if name not in table:
        raise PolicyError(f"policy key {key}.{name} is missing")
    value = table[name]
    if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
        want = typ.__name__ if isinstance(typ, type) else " or ".join(t.__name__ for t in typ)
        raise PolicyError(f"policy key {key}.{name} must be {want}, got {value!r}")
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
        cats = _need(raw, "categories", "policy", dict)
        defaults = raw.get("defaults", {}).get("followup", {"kind": "none"})
        for key in CATEGORIES:
            if key not in cats:
                raise PolicyError(f"policy key categories.{key} is missing")
            self.categories[key] = self._category(key, cats[key], defaults)
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
        ref = _need(raw, "referral", "policy", dict)
        checks = _need(ref, "system_checks", "referral", list)
        if not checks:
            raise PolicyError("policy key referral.system_checks must not be empty")

    def _category(self, key: str, table: Any, defaults: dict[str, Any]) -> Category:
        where = f"categories.{key}"
        if not isinstance(table, dict):
            raise PolicyError(f"policy key {where} must be a table")
        deadlines = []
        for i, d in enumerate(_need(table, "deadlines", where, list)):
            dk = f"{where}.deadlines[{i}]"
            if not isinstance(d, dict):
                raise PolicyError(f"policy key {dk} must be a table")
            kind = _need(d, "kind", dk, str)
            if kind not in DEADLINE_KINDS:
                raise PolicyError(f"policy key {dk}.kind must be one of {', '.join(DEADLINE_KINDS)}")
            anchor = d.get("from", "raised")
            if anchor not in ("raised", "referred"):
                raise PolicyError(f"policy key {dk}.from must be raised or referred")
            deadlines.append(
                Deadline(
                    id=str(d.get("id", kind)),
                    rule=str(d.get("rule", table.get("rule", ""))),
                    kind=kind,
                    anchor=anchor,
                    met_by=str(d.get("met_by", "finalise")),
                    label=str(d.get("label", "")),
                    hours=_int(d, "hours", dk, 1) if kind == "elapsed" else 0,
                    days=_int(d, "days", dk, 0) if kind == "calendar" else 0,
                    day=_int(d, "day", dk, 1) if kind == "date" else 0,
                )
            )
        fu = table.get("followup", defaults)
        fk = f"{where}.followup"
        if not isinstance(fu, dict):
            raise PolicyError(f"policy key {fk} must be a table")
        fkind = fu.get("kind", "followup")
        if fkind not in FOLLOWUP_KINDS:
            raise PolicyError(f"policy key {fk}.kind must be one of {', '.join(FOLLOWUP_KINDS)}")
        followup = FollowUp(
            rule=str(fu.get("rule", "E9")),
            kind=fkind,
            days=_int(fu, "days", fk, 1) if fkind != "none" else 0,
            anchor=str(fu.get("from", "referred")),
            eped=bool(fu.get("eped", False)),
        )
        return Category(
            key=key,
            rule=str(table.get("rule", "")),
            label=str(_need(table, "label", where, str)),
            short=str(table.get("short", key)),
            urgent=bool(table.get("urgent", False)),
            deadlines=tuple(deadlines),
            followup=followup,
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
        business = self.section("business")
        extra = business.get("extra_holidays", {}).get(state, [])
        removed = business.get("removed_holidays", {}).get(state, [])
        return list(extra), list(removed)


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
