"""Typed, frozen sections of the policy data. Each parser takes the merged TOML
table and refuses an unknown key, a missing key or a wrong type with a
``PolicyError`` that names the key; no default lives here: ``data/policy.toml``
holds every value and a Centre's file overrides it key by key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from tpsdesk.domain.vocab import Channel, Grant, Permission, Role, Target
from tpsdesk.errors import PolicyError

_WORDS = {str: "text", int: "a whole number", bool: "true or false", list: "a list", dict: "a table"}


def _full(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def table(raw: Any, where: str, keys: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A TOML table at ``where``; with ``keys``, any other key is refused."""
    if not isinstance(raw, dict):
        raise PolicyError(f"policy key {where} must be a table, got {raw!r}")
    if keys is not None:
        for name in raw:
            if name not in keys:
                raise PolicyError(f"policy key {_full(where, name)} is not known; use {', '.join(keys)}")
    return raw


def need(raw: dict[str, Any], name: str, where: str, typ: type) -> Any:
    """The value of ``name``, which must be present and of type ``typ``."""
    if name not in raw:
        raise PolicyError(f"policy key {_full(where, name)} is missing")
    value = raw[name]
    if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
        raise PolicyError(f"policy key {_full(where, name)} must be {_WORDS.get(typ, typ.__name__)}, got {value!r}")
    return value


def text(raw: dict[str, Any], name: str, where: str) -> str:
    return str(need(raw, name, where, str))


def texts(raw: dict[str, Any], name: str, where: str) -> tuple[str, ...]:
    value = need(raw, name, where, list)
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise PolicyError(f"policy key {_full(where, name)}[{i}] must be text, got {item!r}")
    return tuple(value)


def text_map(raw: dict[str, Any], name: str, where: str) -> Mapping[str, str]:
    value = table(need(raw, name, where, dict), _full(where, name))
    for key, item in value.items():
        if not isinstance(item, str):
            raise PolicyError(f"policy key {_full(where, name)}.{key} must be text, got {item!r}")
    return MappingProxyType(dict(value))


def list_map(raw: dict[str, Any], name: str, where: str) -> Mapping[str, tuple[str, ...]]:
    value = table(need(raw, name, where, dict), _full(where, name))
    return MappingProxyType({key: texts(value, key, _full(where, name)) for key in value})


def whole(raw: dict[str, Any], name: str, where: str, minimum: int = 0) -> int:
    value = int(need(raw, name, where, int))
    if value < minimum:
        raise PolicyError(f"policy key {_full(where, name)} must be at least {minimum}, got {value}")
    return value


def flag(raw: dict[str, Any], name: str, where: str) -> bool:
    return bool(need(raw, name, where, bool))


def choice(raw: dict[str, Any], name: str, where: str, choices: tuple[str, ...]) -> str:
    value = text(raw, name, where)
    if value not in choices:
        raise PolicyError(f"policy key {_full(where, name)} must be one of {', '.join(choices)}, got {value!r}")
    return value


# ---------------------------------------------------------------- permissions (R6)
@dataclass(frozen=True, slots=True)
class Permissions:
    """R6: (channel, role) -> permission -> grant, and how each permission reads."""

    matrix: Mapping[tuple[str, str, str], Grant]
    labels: Mapping[str, str]

    def grant(self, channel: str, role: str, permission: str) -> Grant:
        return self.matrix.get((channel, role, permission), Grant.NO)

    def label(self, permission: str) -> str:
        return self.labels[permission]


def parse_permissions(raw: Any) -> Permissions:
    where = "permissions"
    perms = table(raw, where, (*Channel, "labels"))
    names = tuple(Permission)
    labels = text_map(perms, "labels", where)
    for name in names:
        if name not in labels:
            raise PolicyError(f"policy key permissions.labels.{name} is missing")
    matrix: dict[tuple[str, str, str], Grant] = {}
    grants = tuple(Grant)
    for channel in Channel:
        rows = table(need(perms, channel, where, dict), f"{where}.{channel}", tuple(Role))
        for role in Role:
            row = table(need(rows, role, f"{where}.{channel}", dict), f"{where}.{channel}.{role}", names)
            for name in names:
                matrix[(channel, role, name)] = Grant(choice(row, name, f"{where}.{channel}.{role}", grants))
    return Permissions(MappingProxyType(matrix), labels)


# ---------------------------------------------------------------- referral (E5, E6, F1)
@dataclass(frozen=True, slots=True)
class Referral:
    system_checks: tuple[str, ...]  # E5a
    ict_form: str
    service_first_pattern: str
    targets: tuple[str, ...]
    actdoc_where: tuple[str, ...]
    system_check_exempt: tuple[str, ...]  # E5a: only E1's stop-payment request
    direct_categories: tuple[str, ...]  # E5b
    channel_targets: Mapping[str, tuple[str, ...]]
    extra_roles: Mapping[str, tuple[str, ...]]  # E6: e.g. a comp-recovery TL to the helpdesk
    target_labels: Mapping[str, str]

    def targets_for(self, channel: str) -> tuple[str, ...]:
        return self.channel_targets.get(channel, self.targets)

    def label(self, target: str) -> str:
        return self.target_labels.get(target, target)


REFERRAL_KEYS = (
    "system_checks",
    "ict_form",
    "service_first_pattern",
    "targets",
    "actdoc_where",
    "system_check_exempt",
    "direct_categories",
    "channel_targets",
    "extra_roles",
    "target_labels",
)


def parse_referral(raw: Any) -> Referral:
    where = "referral"
    ref = table(raw, where, REFERRAL_KEYS)
    checks = texts(ref, "system_checks", where)
    if not checks:
        raise PolicyError("policy key referral.system_checks must not be empty")
    known = tuple(Target)
    targets = texts(ref, "targets", where)
    channel_targets = list_map(ref, "channel_targets", where)
    for name, values in (("targets", targets), *((f"channel_targets.{k}", v) for k, v in channel_targets.items())):
        for value in values:
            if value not in known:
                raise PolicyError(f"policy key referral.{name} has unknown target {value!r}; use {', '.join(known)}")
    return Referral(
        system_checks=checks,
        ict_form=text(ref, "ict_form", where),
        service_first_pattern=text(ref, "service_first_pattern", where),
        targets=targets,
        actdoc_where=texts(ref, "actdoc_where", where),
        system_check_exempt=texts(ref, "system_check_exempt", where),
        direct_categories=texts(ref, "direct_categories", where),
        channel_targets=channel_targets,
        extra_roles=list_map(ref, "extra_roles", where),
        target_labels=text_map(ref, "target_labels", where),
    )


# ---------------------------------------------------------------- finalise (F1)
@dataclass(frozen=True, slots=True)
class Finalise:
    reasons: Mapping[str, str]  # key -> label
    prompt_on: Mapping[str, str]  # referral target -> reason to offer (F1)
    reason_categories: Mapping[str, tuple[str, ...]]  # reason -> the only categories it fits


def parse_finalise(raw: Any) -> Finalise:
    where = "finalise"
    fin = table(raw, where, ("reasons", "prompt_on", "reason_categories"))
    return Finalise(
        reasons=text_map(fin, "reasons", where),
        prompt_on=text_map(fin, "prompt_on", where),
        reason_categories=list_map(fin, "reason_categories", where),
    )


# ---------------------------------------------------------------- documentation (D1, D2, W3)
@dataclass(frozen=True, slots=True)
class Documentation:
    d1_fields: tuple[str, ...]
    callback_note: str
    d1_labels: Mapping[str, str]
    labels: Mapping[str, str]

    def label(self, name: str) -> str:
        return self.d1_labels.get(name) or self.labels.get(name) or name


def parse_documentation(raw: Any) -> Documentation:
    where = "documentation"
    doc = table(raw, where, ("d1_fields", "callback_note", "d1_labels", "labels"))
    return Documentation(
        d1_fields=texts(doc, "d1_fields", where),
        callback_note=text(doc, "callback_note", where),
        d1_labels=text_map(doc, "d1_labels", where),
        labels=text_map(doc, "labels", where),
    )


# ---------------------------------------------------------------- E13 progress check
@dataclass(frozen=True, slots=True)
class Progress:
    rule: str
    days: int


def parse_progress(raw: Any) -> Progress:
    where = "defaults.progress"
    prog = table(raw, where, ("rule", "days"))
    return Progress(rule=text(prog, "rule", where), days=whole(prog, "days", where, 1))
