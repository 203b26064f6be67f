"""Policy data: the rulebook's numbers, lists and routings (``data/policy.toml``),
merged with a Centre's override and loaded into typed, frozen sections.

``load`` reads and merges the files; ``schema`` holds the typed sections and
refuses an unknown key or a wrong type with a ``PolicyError`` naming the key.
"""

from tpsdesk.policy.load import (
    CATEGORIES,
    CHANNELS,
    ROLES,
    Category,
    Deadline,
    FollowUp,
    Policy,
    data_dir,
    default_policy,
    load_policy,
    merge,
    override_path,
)

__all__ = [
    "CATEGORIES",
    "CHANNELS",
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
