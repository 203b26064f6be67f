"""Policy data: the rulebook's numbers, lists and routings, read from TOML.

The defaults ship in ``data/policy.toml`` (inside the wheel as
``tpsdesk/_data``). A Centre's own file, from ``TPSDESK_POLICY`` or the user
config dir, is merged over them key by key. A malformed file raises
``PolicyError`` naming the key, never a traceback.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import time
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tpsdesk.domain.vocab import Category as CategoryKey
from tpsdesk.domain.vocab import Channel, NextAction, Role
from tpsdesk.errors import PolicyError
from tpsdesk.policy import schema
from tpsdesk.policy.schema import Category, Deadline, FollowUp

# The vocabulary as plain tuples, for callers that iterate it (tpsdesk.domain.vocab holds the words).
CATEGORIES: tuple[str, ...] = tuple(CategoryKey)
ROLES: tuple[str, ...] = tuple(Role)
CHANNELS: tuple[str, ...] = tuple(Channel)
CATEGORY_KEYS = schema.keys_of(Category)
DEADLINE_KEYS = schema.keys_of(Deadline)
FOLLOWUP_KEYS = schema.keys_of(FollowUp)

__all__ = [
    "CATEGORIES",
    "CATEGORY_KEYS",
    "CHANNELS",
    "DEADLINE_KEYS",
    "FOLLOWUP_KEYS",
    "ROLES",
    "Category",
    "Deadline",
    "FollowUp",
    "Policy",
    "data_dir",
    "default_policy",
    "load_policy",
    "merge",
    "override_path",
]


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


@dataclass(frozen=True, init=False, eq=False)
class Policy(schema.Sections):
    """The merged policy, read into typed, frozen sections (``schema.Sections``).

    ``raw`` is the merged TOML it was read from and ``source`` where the
    Centre's file came from ("defaults" without one). Compared by identity.
    """

    raw: dict[str, Any]
    source: str

    def __init__(self, raw: dict[str, Any], source: str = "defaults") -> None:
        sections = schema.parse_policy(raw)
        for f in fields(schema.Sections):
            object.__setattr__(self, f.name, getattr(sections, f.name))
        object.__setattr__(self, "raw", raw)
        object.__setattr__(self, "source", source)

    # -- typed shortcuts
    @property
    def open_time(self) -> time:
        """C2: the default opening time of a site."""
        return self.business.open

    @property
    def cob_time(self) -> time:
        """C2: the default close of business of a site."""
        return self.business.cob

    @property
    def progress(self) -> schema.Progress:
        """E13: when an item with nothing else scheduled is checked."""
        return self.defaults.progress

    @property
    def progress_checks(self) -> Mapping[str, NextAction]:
        """E13/D4: what the progress check is called in each channel."""
        return MappingProxyType({ch: table.progress_check for ch, table in self.channels.items()})


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
